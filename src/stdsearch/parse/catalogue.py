"""Catalogues of standards metadata (JSON, JSON Lines, CSV, TSV) → one Document per standard.

A catalogue is recognised by its suffix (``.json``, ``.jsonl``, ``.csv``, ``.tsv``) *and* its shape: a
JSON array of objects, a JSON object holding such an array (``standards``, ``items``, ``data``
…), JSON Lines of objects, or a CSV with a header row; at least one record must carry a
number-like or title-like field. Field names go through :data:`FIELD_ALIASES` (Chinese and
English spellings, see docs/catalogue-format.md); fields we do not map land in ``extra``.

A standard is identified by its normalised number (``gb-50300-2013``); an entry whose number
is not a standard number (a law, a ministry order) becomes a law or policy document with a
title-based id. An entry without text gets a summary text (number, title, status, dates) and
one clause, so that it is searchable and has its own page. Entries with neither number nor
title are skipped; a catalogue with no usable entry is a ParseError.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import functools
import io
import itertools
import json
import re
import unicodedata
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, replace
from pathlib import PurePath
from typing import Any

from stdsearch.errors import BadQuery, NotADocument, ParseError
from stdsearch.numbers import StandardNumber, find_numbers, joint_numbers, level_of, parse_number
from stdsearch.parse import shares, spreadsheet, twlaw
from stdsearch.parse.encoding import decode
from stdsearch.records import (
    STATUS_CURRENT,
    STATUS_REPEALED,
    STATUS_REPLACED,
    STATUS_UNKNOWN,
    STATUS_UPCOMING,
    Document,
)
from stdsearch.standards import reference, regions, sheets
from stdsearch.standards import replacement as replacement_mod

#: Our field → the column/key names that mean it (compared case-insensitively; spaces, ``_``,
#: ``-``, brackets and camelCase humps ignored). docs/catalogue-format.md is this table in prose.
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "number": (
        "标准号", "标准编号", "编号", "标准代号", "标准号码", "文号", "standard_number", "standard_no",
        "standard_code", "std_number", "std_num", "std_no", "stdno", "std_code", "number", "code",
        "no", "designation", "gb_number", "文件编号", "标准文号", "doc_number", "document_number",
        "standard_id", "std_id", "标准标识",
    ),
    "title": (
        "标准名称", "中文名称", "标准中文名称", "名称", "标题", "标准名", "title", "title_zh", "title_cn",
        "cn_title", "chinese_title", "name", "name_zh", "name_cn", "standard_name", "std_name",
        "题名", "标准题名", "文件名称", "名稱", "standard_title", "std_title", "doc_title",
    ),
    "title_en": ("英文名称", "英文标题", "标准英文名称", "title_en", "english", "english_title", "name_en", "en_title"),
    "type": (
        "标准类别", "标准类型", "标准级别", "类型", "级别", "层级", "type", "level", "std_type",
        "standard_type", "category_level",
    ),
    "mandatory": (
        "属性", "标准属性", "标准性质", "强制性", "是否强制", "强制推荐", "强制/推荐", "性质", "mandatory",
        "is_mandatory", "ismandatory", "nature",
    ),
    "status": (
        "状态", "标准状态", "现行状态", "有效性", "现行或作废", "status_zh", "status", "state",
        "std_status", "validity", "状况", "标准状况", "有效状态", "current_status", "lifecycle",
    ),
    "publish_date": (
        "发布日期", "发布时间", "颁布日期", "批准日期", "批准发布日期", "publish_date", "publishdate",
        "pub_date", "issue_date", "issued", "issued_date", "release_date", "approval_date",
        "approve_date", "date_published", "publication_date", "published", "publish_time",
        "published_date", "issued_on", "发布", "颁布时间",
    ),
    "effective_date": (
        "实施日期", "实施时间", "生效日期", "执行日期", "施行日期", "implement_date", "implementation_date",
        "effective_date", "impl_date", "active_date", "start_date", "effective", "effective_from",
        "valid_from", "in_force_date", "date_of_implementation", "生效时间", "实施",
    ),
    "abolish_date": (
        "废止日期", "作废日期", "废止时间", "abolish_date", "withdrawn_date", "withdraw_date",
        "repeal_date", "expiry_date", "end_date",
    ),
    "issuer": (
        "发布单位", "发布部门", "发布机构", "颁布部门", "批准部门", "主管部门", "归口单位", "issuer",
        "publisher", "issued_by", "issuing_body", "authority", "department", "发布机关", "发布者",
        "issuing_authority", "organization", "organisation",
    ),
    "ics": ("ics", "ics分类", "ics号", "ics分类号", "ics编号", "国际标准分类号", "国际标准分类", "ics_code", "ics_codes"),
    "ccs": ("ccs", "ccs分类", "ccs号", "中标分类", "中标分类号", "中国标准分类号", "中国标准文献分类号", "ccs_code"),
    "replaces": ("代替标准", "替代标准", "代替", "代替标准号", "replaces", "supersedes", "replace"),
    "replaced_by": ("被代替标准", "被替代标准", "替代为", "被代替", "replaced_by", "superseded_by", "replacedby"),
    "replacement": ("替代情况", "代替情况", "替代关系", "代替关系", "replacement", "supersession"),
    "adopts": ("采标", "采标情况", "采用国际标准", "iso_number", "adopts", "adoption"),
    "category": ("分类", "类别", "分组", "专业", "领域", "category", "l1", "l2", "dir_name", "tags"),
    "notes": ("备注", "说明", "附注", "notes", "note", "remark", "remarks", "source_note"),
    "fulltext": ("全文", "全文路径", "fulltext", "full_text", "text_path", "file", "path"),
    "text": (
        "正文", "内容", "摘要", "标准简介", "简介", "适用范围", "范围", "text", "content", "summary",
        "abstract", "scope", "description",
    ),
    "url": ("链接", "网址", "官方链接", "详情链接", "原文链接", "url", "link", "source_url", "detail_url", "href"),
}

#: Fields whose values are lists (every alias present contributes), not first-wins.
LIST_FIELDS = frozenset({"category"})

#: Catalogue status values → our lifecycle statuses (unknown values → "").
STATUS_ALIASES: dict[str, str] = {
    **dict.fromkeys(
        ["现行", "现行有效", "有效", "确认有效", "继续有效", "active", "current", "valid", "effective", "in force"],
        STATUS_CURRENT,
    ),
    **dict.fromkeys(
        ["即将实施", "未实施", "待实施", "尚未实施", "未生效", "upcoming", "forthcoming", "pending"], STATUS_UPCOMING
    ),
    **dict.fromkeys(
        ["废止", "作废", "已废止", "已作废", "失效", "已失效", "撤销", "abolished", "withdrawn",
         "repealed", "obsolete", "expired", "invalid"],
        STATUS_REPEALED,
    ),
    **dict.fromkeys(
        ["被代替", "已替代", "被替代", "已被代替", "已被替代", "有更新版", "已更新", "replaced",
         "superseded"],
        STATUS_REPLACED,
    ),
    **dict.fromkeys(["待查", "未知", "unknown", ""], STATUS_UNKNOWN),
}

#: Values of a mandatory/recommended attribute → 强制性 / 推荐性 / 指导性.
MANDATORY_VALUES: dict[str, str] = {
    **dict.fromkeys(["强制性", "强制", "强标", "mandatory", "true", "是", "1", "yes", "m"], "强制性"),
    **dict.fromkeys(["推荐性", "推荐", "推标", "recommended", "voluntary", "false", "否", "0", "no", "t"], "推荐性"),
    **dict.fromkeys(["指导性", "指导性技术文件", "guidance", "z"], "指导性"),
}

#: Catalogue type values → (kind, level).
TYPE_LEVELS: dict[str, tuple[str, str]] = {
    "国家标准": ("standard", "国家标准"),
    "推荐性国标": ("standard", "国家标准"),
    "强制性国标": ("standard", "国家标准"),
    "行业标准": ("standard", "行业标准"),
    "推荐性行标": ("standard", "行业标准"),
    "地方标准": ("standard", "地方标准"),
    "团体标准": ("standard", "团体标准"),
    "协会标准": ("standard", "团体标准"),
    "企业标准": ("standard", "企业标准"),
    "国际标准": ("standard", "国际标准"),
    "法律法规": ("law", "法律法规"),
    "法律": ("law", "法律"),
    "行政法规": ("law", "行政法规"),
    "部门规章": ("law", "部门规章"),
    "规范性文件": ("policy", "规范性文件"),
}

#: Keys of a JSON object under which a catalogue keeps its records.
RECORD_LIST_KEYS = ("standards", "items", "records", "data", "list", "rows", "results", "entries")

SUFFIXES = (".json", ".jsonl", ".csv", ".tsv")
NOT_A_CATALOGUE = "JSON but not a standards catalogue: no number/title fields"
#: Keys of a catalogue file's top-level object (or of a meta.json beside it) that date it.
AS_OF_KEYS = ("updatedAt", "updated", "last_updated", "fetched_at", "merged_at", "date", "as_of", "generated")

_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})(?:\D.*)?")
_LIST_SPLIT = re.compile(r"[,;，；、\n]+")
_ORDER = re.compile(r"令\s*第?\s*\d+\s*号")
#: ``GB 50016-2014(2018年版)``: an edition note after the number.
_EDITION_NOTE = re.compile(r"\s*[(（]\s*(\d{4})\s*年\s*版\s*[)）]\s*$")

#: A user's column mapping for this ingest (our field → the catalogue's column), see
#: :func:`column_mapping`; empty = recognise columns by :data:`FIELD_ALIASES` alone.
_MAPPING: ContextVar[tuple[tuple[str, str], ...]] = ContextVar("catalogue_column_mapping", default=())


def parse_catalogue(data: bytes, name: str, url: str = "") -> list[Document]:
    """Parse a catalogue file into one Document per standard (ParseError if none).

    Records with the same number are one document (see :mod:`stdsearch.standards.sheets`).
    Reference data (ICS list, prefix table) raises :class:`reference.ReferenceData`; a JSON
    file of metadata about a catalogue raises :class:`NotADocument`.
    """
    head, records, whole = open_catalogue(data, name)
    if head and twlaw.is_twlaw_record(head[0]):
        return twlaw.laws_of_share(records, name) or []
    as_of = catalogue_date(whole, name)
    grouped: dict[str, list[dict[str, Any]]] = {}
    read = usable = 0
    for record in records:  # read one at a time; a share keeps only its own standards' records
        read += 1
        normalised = normalise_record(record)
        identity = record_identity(normalised)
        if identity is None:
            continue
        usable += 1
        doc_id = identity.doc_id
        if shares.holds(doc_id):
            grouped.setdefault(doc_id, []).append(entry_sheet(normalised, name, url, as_of, identity))
    if not usable:
        raise ParseError(f"standards catalogue without a usable entry (of {read})")
    return [sheets.build_document(group) for group in grouped.values()]


def looks_like_catalogue(data: bytes) -> bool:
    """Content sniff: JSON whose records carry number/title fields."""
    try:
        read_records(data, "sniff.json")
    except ParseError:
        return False
    return True


# --- column mappings given by the user --------------------------------------------------


@contextlib.contextmanager
def column_mapping(mapping: dict[str, str]) -> Iterator[None]:
    """Within the block, catalogues map these columns to these fields (``{"number": "编号"}``)."""
    unknown = sorted(set(mapping) - set(FIELD_ALIASES))
    if unknown:
        raise BadQuery(f"unknown field(s) {', '.join(unknown)} in the column mapping: use {', '.join(FIELD_ALIASES)}")
    token = _MAPPING.set(tuple(sorted(mapping.items())))
    try:
        yield
    finally:
        _MAPPING.reset(token)


def parse_mapping(text: str) -> dict[str, str]:
    """``number=编号,title=名称`` (or one ``field=column`` per line) → {field: column}."""
    mapping = {}
    for part in re.split(r"[,\n]+", text):
        if not part.strip() or part.strip().startswith("#"):
            continue
        field_name, sep, column = part.partition("=") if "=" in part else part.partition(":")
        if not sep or not field_name.strip() or not column.strip():
            raise BadQuery(f"bad column mapping {part.strip()!r}: write field=column, e.g. number=编号")
        mapping[field_name.strip()] = column.strip()
    return mapping


def read_mapping_file(path: str | PurePath) -> dict[str, str]:
    """A mapping file: a JSON object {field: column}, or ``field=column`` lines."""
    try:
        with open(path, encoding="utf-8-sig") as handle:
            text = handle.read()
    except OSError as error:
        raise BadQuery(f"cannot read mapping file {path}: {error.strerror or error}") from error
    if text.lstrip().startswith("{"):
        try:
            value = json.loads(text)
        except json.JSONDecodeError as error:
            raise BadQuery(f"mapping file {path} is not valid JSON: {error}") from error
        return {str(k): str(v) for k, v in value.items()}
    return parse_mapping(text)


# --- reading the file -------------------------------------------------------------------


def read_records(data: bytes, name: str) -> list[dict[str, Any]]:
    """The raw records of a catalogue file, checked for number/title fields."""
    return read_catalogue(data, name)[0]


def read_catalogue(data: bytes, name: str) -> tuple[list[dict[str, Any]], Any]:
    """(raw records, the whole parsed value) of a catalogue file, checked for usable columns."""
    _, records, whole = open_catalogue(data, name)
    return list(records), whole


#: Records of a catalogue file read before the rest, to check what kind of file it is.
HEAD_RECORDS = 50


def open_catalogue(data: bytes, name: str) -> tuple[list[dict[str, Any]], Iterator[dict[str, Any]], Any]:
    """(its first records, all its raw records as they are read, the whole parsed value — of a
    JSON file) of a catalogue file, checked for usable columns on its first records. The records
    of JSON Lines and CSV are read one at a time (a worker parsing one share of 50,000 keeps
    only its own)."""
    suffix = PurePath(name).suffix.lower()
    whole: Any = None
    if suffix == ".xlsx":
        records = spreadsheet.xlsx_records(data, _names_a_catalogue)
    elif suffix in (".csv", ".tsv"):
        records = _csv_records(_decode(data), "\t" if suffix == ".tsv" else None)
    elif suffix == ".jsonl":
        records = _jsonl_records(_decode(data))
    else:
        whole = _json_value(_decode(data))
        records = iter(_records_of(whole))
    head = list(itertools.islice(records, HEAD_RECORDS))
    records = itertools.chain(head, records)
    if reference.ics_table(head) is not None or reference.prefix_table(whole) is not None:
        reference.check(list(records), whole)
    if head and twlaw.is_twlaw_record(head[0]):
        return head, records, whole
    if not head:
        if isinstance(whole, dict):
            keys = ", ".join(list(map(str, whole))[:12])
            raise NotADocument(f"JSON metadata, not a standards catalogue: no list of records (keys: {keys})")
        raise ParseError(NOT_A_CATALOGUE if suffix not in (".csv", ".tsv") else "CSV but no rows")
    if not any(_has_identity(r) for r in head):
        raise ParseError(unrecognised_columns_message(head, name))
    return head, records, whole


def _names_a_catalogue(columns: tuple[str, ...]) -> bool:
    """True for a header row naming a standard number or title column (a spreadsheet's)."""
    return bool({"number", "title"} & set(_field_map(columns).values()))


def unrecognised_columns_message(records: list[dict[str, Any]], name: str) -> str:
    """What to do about a catalogue whose columns we cannot read: the columns, and the map syntax."""
    columns = list(dict.fromkeys(str(k) for r in records[:HEAD_RECORDS] for k in r))
    shown = ", ".join(columns[:30]) + (" …" if len(columns) > 30 else "")
    example = ",".join(f"{f}={c}" for f, c in zip(("number", "title"), columns[:2], strict=False))
    folded = {_fold_key(c) for c in columns}
    absent = [f"{field}={column}" for field, column in _MAPPING.get() if _fold_key(column) not in folded]
    unmatched = f" The mapping names columns this file does not have: {', '.join(absent)}." if absent else ""
    return (
        f"not a standards catalogue as it is: cannot tell which columns hold the standard number "
        f"and title; columns found: {shown}.{unmatched} "
        f"Map them: stdsearch ingest --map {example or 'number=COLUMN,title=COLUMN'} {PurePath(name).name} "
        "(or --map-file FILE with one field=column per line; fields: "
        + ", ".join(FIELD_ALIASES)
        + ")"
    )


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 (Excel exports), else detection."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return decode(data)[0]


def _json_value(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ParseError(f"invalid JSON: {error}") from error


def _records_of(value: Any) -> list[dict[str, Any]]:
    """Records of a JSON array; of the record list inside a JSON object, however it is nested (an
    API's ``{"code": 0, "data": {"list": [...]}}``); of a table given as column names and rows; of
    an object keyed by standard number; or the object itself when it is one record."""
    if isinstance(value, list):
        return [item for item in value if isinstance(item, dict)]
    if not isinstance(value, dict):
        raise ParseError(NOT_A_CATALOGUE)
    found = max(_record_lists(value), key=_identity_count, default=[])
    if found and _identity_count(found):
        return found
    listed = next((value[k] for k in RECORD_LIST_KEYS if isinstance(value.get(k), list)), None)
    if listed is not None:
        return [item for item in listed if isinstance(item, dict)]
    return [value] if _has_identity(value) else []


#: Keys of a table's column names and of its rows (``{"fields": [...], "rows": [[...], ...]}``).
TABLE_COLUMN_KEYS = ("fields", "columns", "header", "headers", "cols")
TABLE_ROW_KEYS = ("rows", "data", "values", "records", "items", "list")
#: How deep inside a JSON object record lists are looked for.
MAX_RECORD_DEPTH = 4


def _record_lists(value: dict[str, Any], depth: int = 0) -> Iterator[list[dict[str, Any]]]:
    """Every candidate list of records inside a JSON object: lists of objects, tables of rows,
    and objects keyed by standard number, down to :data:`MAX_RECORD_DEPTH`."""
    columns = next((value[k] for k in TABLE_COLUMN_KEYS if _is_name_list(value.get(k))), None)
    if columns is not None:
        for key in TABLE_ROW_KEYS:
            rows = value.get(key)
            if isinstance(rows, list) and rows and all(isinstance(r, list) for r in rows[:HEAD_RECORDS]):
                yield [dict(zip(columns, row, strict=False)) for row in rows if isinstance(row, list)]
    keyed = [(k, v) for k, v in value.items() if isinstance(v, dict)]
    if keyed and sum(parse_number(str(k)) is not None for k, _ in keyed[:HEAD_RECORDS]) * 2 > min(len(keyed), HEAD_RECORDS):
        yield [{"标准号": k, **v} for k, v in keyed]
    for item in value.values():
        if isinstance(item, list) and any(isinstance(i, dict) for i in item[:HEAD_RECORDS]):
            yield [i for i in item if isinstance(i, dict)]
        elif isinstance(item, dict) and depth < MAX_RECORD_DEPTH:
            yield from _record_lists(item, depth + 1)


def _is_name_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)


def _identity_count(records: list[dict[str, Any]]) -> int:
    """How many of a candidate list's first records look like catalogue records."""
    return sum(_has_identity(r) for r in records[:HEAD_RECORDS])


def _jsonl_records(text: str) -> Iterator[dict[str, Any]]:
    """Records of JSON Lines (blank lines ignored), read one line at a time."""
    for number, line in enumerate(io.StringIO(text), 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            raise ParseError(f"invalid JSON on line {number}: {error}") from error
        if isinstance(value, dict):
            yield value


def _csv_records(text: str, delimiter: str | None = None) -> Iterator[dict[str, Any]]:
    """Records of a CSV/TSV file with a header row (comma, semicolon or tab separated)."""
    if delimiter is None:
        try:
            dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    else:
        reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    return ({k: v for k, v in row.items() if k is not None} for row in reader)


def _has_identity(record: dict[str, Any]) -> bool:
    """True for a catalogue record: a number field, or a title plus another catalogue field.

    (A bare name list such as an index of law codes is not a standards catalogue.)
    """
    fields = set(_field_map(tuple(record)).values())
    return "number" in fields or "title" in fields and len(fields) >= 2


def catalogue_date(whole: Any, name: str) -> str:
    """When the catalogue was compiled: a date key of the file or of a meta.json beside it
    ('' when unknown: an undated catalogue ranks below dated ones). Newer catalogues win
    field by field. (File times are not used: copying a file changes them.)"""
    for value in (whole, _sibling_meta(name)):
        if isinstance(value, dict):
            for key in AS_OF_KEYS:
                date = normalise_date(value.get(key))
                if date:
                    return date
    return ""


def _sibling_meta(name: str) -> Any:
    path = PurePath(name).parent / "meta.json"
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


# --- mapping fields ---------------------------------------------------------------------


def _fold_key(key: str) -> str:
    """A column name compared loosely: lower case, without spaces, ``_ - ( )`` or camelCase humps."""
    key = re.sub(r"(?<=[a-z])(?=[A-Z])", "_", str(key))
    return re.sub(r"[\s_\-()（）]+", "", key).lower()


_ALIAS_INDEX = {_fold_key(a): field for field, names in FIELD_ALIASES.items() for a in names}


@functools.lru_cache(maxsize=256)
def _cached_field_map(keys: tuple[str, ...], mapping: tuple[tuple[str, str], ...]) -> dict[str, str]:
    user = {_fold_key(column): field for field, column in mapping}
    out = {}
    for key in keys:
        folded = _fold_key(key)
        field = user.get(folded) or (None if folded in user.values() else _alias_field(folded))
        if field:
            out[key] = field
    for key in keys:  # then the columns named by no alias, for the fields no column has yet
        field = None if key in out or _fold_key(key) in user.values() else _field_by_words(_fold_key(key))
        if field and field not in out.values():
            out[key] = field
    return out


#: What a column name no alias knows says it holds, by the words in it ("英文标准名称", "标准实施日期",
#: "现行状态说明"), tried in this order: the first that matches wins.
_COLUMN_WORDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"英文|english"), "title_en"),
    (re.compile(r"被代替|被替代|代替为|替代为|supersededby|replacedby"), "replaced_by"),
    (re.compile(r"(?=.*(?:废止|作废|失效|撤销|withdraw|abolish|repeal))(?=.*(?:日期|时间|date))"), "abolish_date"),
    (re.compile(r"(?=.*(?:实施|生效|施行|执行|effective|implement))(?=.*(?:日期|时间|date))"), "effective_date"),
    (re.compile(r"(?=.*(?:发布|颁布|批准|publish|issue|release))(?=.*(?:日期|时间|date))"), "publish_date"),
    (re.compile(r"代替|替代|supersede|replace"), "replaces"),
    (re.compile(r"状态|状况|有效性|status"), "status"),
    (re.compile(r"^ics|ics$|国际.*分类"), "ics"),
    (re.compile(r"^ccs|ccs$|中标分类|中国标准.*分类"), "ccs"),
    (re.compile(r"标准号|标准编号|编号|代号|文号|(?:^|\.)no\.?$|number|code$"), "number"),
    (re.compile(r"名称|题名|标题|title"), "title"),
    (re.compile(r"强制|推荐|性质|属性"), "mandatory"),
    (re.compile(r"(?:发布|颁布|批准).*(?:单位|部门|机构|机关)|主管部门|issuer|publisher"), "issuer"),
    (re.compile(r"备注|附注|remark|note"), "notes"),
    (re.compile(r"链接|网址|url|link"), "url"),
)


def _field_by_words(folded: str) -> str | None:
    """Our field for a folded column name that is no alias, by the words in it (:data:`_COLUMN_WORDS`)."""
    return next((field for pattern, field in _COLUMN_WORDS if pattern.search(folded)), None)


#: Words around a column name that do not change its meaning: "Standard No.", "标准名称（中文）",
#: "Title (zh)"; tried off when the whole name is no alias.
_QUALIFIERS = re.compile(r"^(?:document|standard|std|doc)|(?:中文|cn|zh|chinese|\.|:|：|#)+$")


def _alias_field(folded: str) -> str | None:
    """Our field for a folded column name: an alias, else an alias once qualifiers are off."""
    found = _ALIAS_INDEX.get(folded)
    if found is None:
        bare = _QUALIFIERS.sub("", _QUALIFIERS.sub("", folded))
        found = _ALIAS_INDEX.get(bare) if bare else None
    return found


def _field_map(keys: tuple[str, ...]) -> dict[str, str]:
    """Column → our field for one record's keys (the user's mapping first, then the aliases)."""
    return _cached_field_map(keys, _MAPPING.get())


def normalise_record(record: dict[str, Any]) -> dict[str, Any]:
    """Map a raw record's keys to our field names; unmapped keys go under ``"extra"``."""
    mapped: dict[str, Any] = {"extra": {}}
    fields = _field_map(tuple(record))
    for key, value in record.items():
        field = fields.get(key)
        if field in LIST_FIELDS and not _blank(value):
            mapped.setdefault(field, []).extend(value if isinstance(value, list) else [value])
        elif field and _blank(mapped.get(field)):
            mapped[field] = value
        elif not _blank(value) and not str(key).startswith("_"):
            mapped["extra"][str(key)] = value
    return mapped


def _blank(value: Any) -> bool:
    """None, empty string/list, or a placeholder such as "-" or "无"."""
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() in ("", "-", "—", "无", "null", "None", "N/A", "/")
    return isinstance(value, list | dict) and not value


def _text(value: Any) -> str:
    """A field value as a stripped string ('' for blanks)."""
    return "" if _blank(value) else str(value).strip()


#: Words inside a longer status value ("作废（被 GB 1-2020 代替）", "将于2025-05-01实施", "Withdrawn
#: 2019"), tried in this order when the whole value is no known word: being replaced says more than
#: being withdrawn (but "代替 GB 1-2000" alone is the other direction), and "无效"/"未实施" must be read
#: before the "有效"/"实施" they contain.
_STATUS_WORDS: tuple[tuple[re.Pattern[str], str], ...] = (  # simplified and traditional (廢止, 現行)
    (re.compile(r"[被由已].{0,40}?(?:代替|替代|取代)|(?:代替|替代)为|有更新版|replaced|superseded"), STATUS_REPLACED),
    (re.compile(r"[废廢]止|作[废廢]|[废廢]除|失效|[无無]效|撤[销銷消]|取消|withdrawn|abolish|repeal|obsolete|expired|invalid|cancel"),
     STATUS_REPEALED),
    (re.compile(r"即[将將]|未[实實]施|待[实實]施|尚未|未生效|[将將][于於]|upcoming|forthcoming|pending|not yet"), STATUS_UPCOMING),
    (re.compile(r"[现現]行|有效|[实實]施|施行|生效|active|current|valid|in force|effective"), STATUS_CURRENT),
)


def normalise_status(value: Any) -> str:
    """现行 / 即将实施 / 废止 / 被代替, or '' for unknown values (待查 …): a catalogue's own word
    when it is one we know (:data:`STATUS_ALIASES`, compared after folding full-width forms and
    case), else the first status word found inside it (:data:`_STATUS_WORDS`)."""
    text = unicodedata.normalize("NFKC", _text(value)).lower().strip()
    compact = "".join(text.split())  # "现 行"
    for word in (text, compact):
        if word in STATUS_ALIASES:
            return STATUS_ALIASES[word]
    both = f"{text} {compact}"
    return next((status for pattern, status in _STATUS_WORDS if pattern.search(both)), STATUS_UNKNOWN)


def normalise_mandatory(value: Any) -> str:
    """强制性 / 推荐性 / 指导性 from a catalogue attribute (``True``, 强制, recommended …), else ''."""
    if isinstance(value, bool):
        return "强制性" if value else "推荐性"
    return MANDATORY_VALUES.get(_text(value).lower(), "")


def normalise_date(value: Any) -> str:
    """A date as YYYY-MM-DD from 2016-12-30, 2016/12/30, 2016.12.30, 2016年12月30日, 20161230,
    2019-5-1, an ISO timestamp, a Unix time in seconds or milliseconds (an API's 1556640000000,
    read in China's time) or a spreadsheet's day number (43586) ('' when there is no plausible date)."""
    text = _text(value)
    match = _DATE.search(text) or _COMPACT_DATE.fullmatch(text)
    if not match:
        return _numeric_date(text)
    year, month, day = (int(g) for g in match.groups()[:3])
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return ""
    return f"{year:04d}-{month:02d}-{day:02d}"


#: China's time zone, in which a catalogue's Unix times name their day.
_CHINA = dt.timezone(dt.timedelta(hours=8))
#: A spreadsheet's day numbers count from 1899-12-30; 20000–80000 is 1954–2119.
_SPREADSHEET_EPOCH, _SPREADSHEET_DAYS = dt.date(1899, 12, 30), range(20000, 80000)


def _numeric_date(text: str) -> str:
    """The day a Unix time (10 or 13 digits) or a spreadsheet day number (5 digits) names, or ''."""
    if re.fullmatch(r"\d{13}|\d{10}", text):
        seconds = int(text) / (1000 if len(text) == 13 else 1)
        return dt.datetime.fromtimestamp(seconds, _CHINA).date().isoformat()
    if re.fullmatch(r"\d{5}(?:\.0+)?", text) and int(float(text)) in _SPREADSHEET_DAYS:
        return (_SPREADSHEET_EPOCH + dt.timedelta(days=int(float(text)))).isoformat()
    return ""


def number_list(value: Any) -> list[str]:
    """Replaces / replaced_by as canonical numbers; other references are kept as written."""
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        text = _text(item)
        found = [n.canonical for _, _, n in find_numbers(text)]
        out.extend(found or [p.strip() for p in _LIST_SPLIT.split(text) if p.strip()])
    return list(dict.fromkeys(out))


def _list_text(value: Any) -> list[str]:
    """A list-or-string field (ICS, CCS) as a list of strings."""
    items = value if isinstance(value, list) else _LIST_SPLIT.split(_text(value))
    return [str(i).strip() for i in items if not _blank(i)]


def ics_codes(value: Any) -> list[str]:
    """ICS codes of a field (``ICS 03.080``, ``71.120;83.200``) as ``NN.NNN.NN`` strings."""
    return list(dict.fromkeys(re.findall(r"\b\d{2}(?:\.\d{3})?(?:\.\d{2})?\b", " ".join(_list_text(value)))))


def ccs_codes(value: Any) -> list[str]:
    """CCS codes (``A00``, ``C 50``) as letter + two digits."""
    found = re.findall(r"\b([A-Z])\s?(\d{2})\b", " ".join(_list_text(value)).upper())
    return list(dict.fromkeys(letter + digits for letter, digits in found))


# --- one record → one sheet of facts -----------------------------------------------------


def split_edition_note(raw_number: str) -> tuple[str, str]:
    """``GB 50016-2014(2018年版)`` → (``GB 50016-2014``, ``2018年版``)."""
    match = _EDITION_NOTE.search(raw_number)
    if not match:
        return raw_number, ""
    return raw_number[: match.start()], f"{match.group(1)}年版"


@dataclass(frozen=True)
class Identity:
    """Which standard (or other document) a normalised record is about: what its document id
    is made of, read before the rest of the record."""

    raw_number: str
    edition: str
    title: str
    number: StandardNumber | None
    joint: list[StandardNumber]
    kind: str
    level: str

    @property
    def doc_id(self) -> str:
        """The id of the document the record is part of (see :func:`sheets.sheet_id`)."""
        number = self.number.canonical if self.number else self.raw_number
        return sheets.sheet_id({"kind": self.kind, "number": number, "title": self.title or self.raw_number})


def record_identity(record: dict[str, Any]) -> Identity | None:
    """The :class:`Identity` of a normalised record (None without number and title)."""
    raw_number, edition = split_edition_note(_text(record.get("number")))
    title = _text(record.get("title"))
    if not raw_number and not title:
        return None
    number = parse_number(raw_number) if raw_number else None
    joint = [] if number or not raw_number else joint_numbers(raw_number)
    if joint:
        number, raw_number = joint[0], joint[0].canonical
    kind, level = _kind_and_level(_text(record.get("type")), raw_number, number)
    return Identity(raw_number, edition, title, number, joint, kind, level)


def entry_sheet(
    record: dict[str, Any], name: str, url: str = "", as_of: str = "", identity: Identity | None = None
) -> dict[str, Any] | None:
    """The facts one catalogue record states, as a compact dict (None without number and title).

    Keys: ``source``, ``as_of``, ``number`` (canonical when it parses), ``title``, ``kind``,
    ``level``, ``status`` (ours) and ``status_word`` (the catalogue's), dates, ``issuer``, ``ics``,
    ``ccs``, ``replaces``, ``replaced_by``, ``partial``, ``not_standards``, ``mandatory``, … —
    only those with a value. ``identity`` is the record's :func:`record_identity` when known.
    """
    identity = identity or record_identity(record)
    if identity is None:
        return None
    raw_number, edition, title, number = identity.raw_number, identity.edition, identity.title, identity.number
    joint, kind, level = identity.joint, identity.kind, identity.level
    status_word = _text(record.get("status"))
    replacement = _replacement(record, number)
    sheet: dict[str, Any] = {
        "source": name,
        "as_of": as_of,
        "number": number.canonical if number else raw_number,
        "title": title or raw_number,
        "title_en": _text(record.get("title_en")),
        "kind": kind,
        "level": level,
        "type": _text(record.get("type")),
        "status": normalise_status(status_word),
        "status_word": status_word,
        "publish_date": normalise_date(record.get("publish_date")),
        "effective_date": normalise_date(record.get("effective_date")),
        "abolish_date": normalise_date(record.get("abolish_date")),
        "raw_dates": {k: _text(record.get(k)) for k in ("publish_date", "effective_date") if _text(record.get(k))},
        "issuer": _text(record.get("issuer")),
        "ics": ics_codes(record.get("ics")),
        "ccs": ccs_codes(record.get("ccs")),
        "replaces": replacement.replaces,
        "replaced_by": replacement.replaced_by,
        "partial": replacement.partial,
        "not_standards": replacement.not_standards,
        "mandatory": normalise_mandatory(record.get("mandatory")),
        "adopts": number_list(record.get("adopts")),
        "joint_numbers": [n.canonical for n in joint[1:]],
        "category": list(dict.fromkeys(_text(c) for c in record.get("category") or [] if _text(c))),
        "notes": _text(record.get("notes")),
        "edition": edition,
        "text": _text(record.get("text")),
        "url": _text(record.get("url")) or url,
        "fulltext": _resolve_path(_text(record.get("fulltext")), name) if _text(record.get("fulltext")) else "",
        "extra": {k: v for k, v in record["extra"].items() if _small(v)},
    }
    return {k: v for k, v in sheet.items() if v not in ("", [], {}, None) or k in ("source", "number", "title")}


def _small(value: Any) -> bool:
    """Extra values worth keeping on a document: short scalars and short lists."""
    if isinstance(value, str):
        return len(value) <= 300
    if isinstance(value, list):
        return len(value) <= 20 and all(_small(v) for v in value)
    return isinstance(value, int | float | bool)


def _replacement(record: dict[str, Any], number: StandardNumber | None) -> replacement_mod.Replacement:
    """Both replacement directions from the structured fields and the free-text statement."""
    merged = replacement_mod.Replacement()
    parts = [
        replacement_mod.parse_field(record.get("replaces"), "replaces", number),
        replacement_mod.parse_field(record.get("replaced_by"), "replaced_by", number),
        replacement_mod.parse_statement(_text(record.get("replacement")), number),
    ]
    for part in parts:
        for direction in ("replaces", "replaced_by"):
            for ref in getattr(part, direction):
                merged.add(direction, ref, ref in part.partial)
        merged.not_standards.extend(n for n in part.not_standards if n not in merged.not_standards)
    return merged


def _kind_and_level(
    type_text: str, raw_number: str, number: StandardNumber | None
) -> tuple[str, str]:
    """Kind and level from the catalogue's type, else from the number's prefix.

    A 部门规章 entry whose number is not a ministry order (令第N号) is a normative document
    (policy); an unknown type on a standard number falls back to the prefix's level.
    """
    kind, level = TYPE_LEVELS.get(type_text, ("", ""))
    if kind == "law" and level == "部门规章" and raw_number and not _ORDER.search(raw_number):
        return "policy", "规范性文件"
    if kind:
        return kind, level
    if number is not None:
        return "standard", level_of(number)
    return "policy", type_text


def entry_document(record: dict[str, Any], name: str, url: str = "") -> Document | None:
    """The Document of one normalised record (None without number and title)."""
    sheet = entry_sheet(record, name, url)
    return sheets.build_document([sheet]) if sheet else None


def _resolve_path(path: str, catalogue_name: str) -> str:
    """A full-text path relative to the catalogue file's folder (absolute paths kept)."""
    if PurePath(path).is_absolute() or "://" in path:
        return path
    return str(PurePath(catalogue_name).parent / path)


def attach_fulltext(entry: Document, fulltext: Document) -> Document:
    """The catalogue entry with the text and clauses of its full text (``extra["fulltext"]``).

    The catalogue's identity and metadata win; fields it leaves empty are taken from the full
    text, and the full text's extras (e.g. its normative references) are kept.
    """
    merged = replace(entry, text=fulltext.text, clauses=list(fulltext.clauses))
    for name in ("title", "number", "level", "issuer", "publish_date", "effective_date"):
        if not getattr(merged, name):
            setattr(merged, name, getattr(fulltext, name))
    merged.extra = {**fulltext.extra, **entry.extra}
    return merged


def region_of(number: StandardNumber | None) -> str:
    """The province of a local standard (DB35/T … → 福建), '' otherwise; CNS → 台湾."""
    path = regions.region_path(number)
    return path[0] if path else ""
