"""Catalogues of standards metadata (JSON, JSON Lines, CSV) → one Document per entry.

A catalogue is recognised by its suffix (``.json``, ``.jsonl``, ``.csv``) *and* its shape: a
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

import csv
import io
import json
import re
from dataclasses import replace
from pathlib import PurePath
from typing import Any

from stdsearch.errors import ParseError
from stdsearch.identity import document_id
from stdsearch.numbers import StandardNumber, find_numbers, level_of, parse_number
from stdsearch.parse import twlaw
from stdsearch.parse.encoding import decode
from stdsearch.parse.text import date_from_match
from stdsearch.records import (
    STATUS_CURRENT,
    STATUS_REPEALED,
    STATUS_REPLACED,
    STATUS_UNKNOWN,
    STATUS_UPCOMING,
    Clause,
    Document,
)

#: Our field → the column/key names that mean it (compared case-insensitively, ``_ -`` ignored).
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "number": ("标准号", "标准编号", "编号", "standard_number", "number", "std_no", "code", "文号"),
    "title": ("标准名称", "中文名称", "名称", "标题", "title", "name", "standard_name", "title_cn"),
    "type": (
        "标准类别",
        "标准类型",
        "标准性质",
        "类型",
        "级别",
        "层级",
        "type",
        "level",
        "std_type",
    ),
    "status": ("状态", "标准状态", "status", "state"),
    "publish_date": ("发布日期", "发布时间", "publish_date", "issued", "release_date", "pub_date"),
    "effective_date": ("实施日期", "实施时间", "implement_date", "effective_date", "impl_date"),
    "abolish_date": ("废止日期", "作废日期", "abolish_date", "withdrawn_date", "withdraw_date"),
    "issuer": ("发布单位", "发布部门", "发布机构", "issuer", "publisher", "issued_by"),
    "ics": ("ics", "ics分类", "国际标准分类号", "ics_code"),
    "ccs": ("ccs", "中国标准分类号", "中标分类", "ccs_code"),
    "replaces": ("代替标准", "替代标准", "代替", "replaces", "supersedes"),
    "replaced_by": ("被代替标准", "被替代标准", "替代为", "replaced_by", "superseded_by"),
    "fulltext": ("全文", "全文路径", "fulltext", "full_text", "text_path", "file", "path"),
    "text": ("正文", "内容", "摘要", "text", "content", "summary", "abstract"),
    "url": ("链接", "网址", "url", "link", "source_url"),
}

#: Catalogue status values → our lifecycle statuses (unknown values → "").
STATUS_ALIASES: dict[str, str] = {
    **dict.fromkeys(["现行", "现行有效", "有效", "active", "current", "valid"], STATUS_CURRENT),
    **dict.fromkeys(["即将实施", "未实施", "待实施", "upcoming", "forthcoming"], STATUS_UPCOMING),
    **dict.fromkeys(
        ["废止", "作废", "已废止", "已作废", "失效", "abolished", "withdrawn"], STATUS_REPEALED
    ),
    **dict.fromkeys(
        ["被代替", "已替代", "被替代", "已被代替", "已被替代", "replaced", "superseded"],
        STATUS_REPLACED,
    ),
    **dict.fromkeys(["待查", "未知", "unknown", ""], STATUS_UNKNOWN),
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

SUFFIXES = (".json", ".jsonl", ".csv")
NOT_A_CATALOGUE = "JSON but not a standards catalogue: no number/title fields"

_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_LIST_SPLIT = re.compile(r"[,;，；、\n]+")
_ORDER = re.compile(r"令\s*第?\s*\d+\s*号")


def parse_catalogue(data: bytes, name: str, url: str = "") -> list[Document]:
    """Parse a catalogue file into one Document per usable entry (ParseError if none)."""
    records = read_records(data, name)
    if records and twlaw.is_twlaw_record(records[0]):
        return [twlaw.law_document(record, name) for record in records]
    documents: dict[str, Document] = {}
    for record in records:
        document = entry_document(normalise_record(record), name, url)
        if document is not None:
            documents.setdefault(document.doc_id, document)
    if not documents:
        raise ParseError(f"standards catalogue without a usable entry (of {len(records)})")
    return list(documents.values())


def looks_like_catalogue(data: bytes) -> bool:
    """Content sniff: JSON whose records carry number/title fields."""
    try:
        read_records(data, "sniff.json")
    except ParseError:
        return False
    return True


# --- reading the file -------------------------------------------------------------------


def read_records(data: bytes, name: str) -> list[dict[str, Any]]:
    """The raw records of a catalogue file, checked for number/title fields."""
    text = _decode(data)
    suffix = PurePath(name).suffix.lower()
    if suffix == ".csv":
        records = _csv_records(text)
    elif suffix == ".jsonl":
        records = _jsonl_records(text)
    else:
        records = _json_records(text)
    if records and twlaw.is_twlaw_record(records[0]):
        return records
    if not records or not any(_has_identity(r) for r in records[:50]):
        raise ParseError(NOT_A_CATALOGUE if suffix != ".csv" else "CSV but no number/title column")
    return records


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 (Excel exports), else detection."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return decode(data)[0]


def _json_records(text: str) -> list[dict[str, Any]]:
    """Records of a JSON array, or of the record list inside a JSON object."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise ParseError(f"invalid JSON: {error}") from error
    if isinstance(value, dict):
        value = next(
            (value[k] for k in RECORD_LIST_KEYS if isinstance(value.get(k), list)), [value]
        )
    if not isinstance(value, list):
        raise ParseError(NOT_A_CATALOGUE)
    return [item for item in value if isinstance(item, dict)]


def _jsonl_records(text: str) -> list[dict[str, Any]]:
    """Records of JSON Lines (blank lines ignored)."""
    records = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            raise ParseError(f"invalid JSON on line {number}: {error}") from error
        if isinstance(value, dict):
            records.append(value)
    return records


def _csv_records(text: str) -> list[dict[str, Any]]:
    """Records of a CSV file with a header row (comma, semicolon or tab separated)."""
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [dict(row) for row in csv.DictReader(io.StringIO(text), dialect=dialect)]


def _has_identity(record: dict[str, Any]) -> bool:
    """True for a catalogue record: a number field, or a title plus another catalogue field.

    (A bare name list such as an index of law codes is not a standards catalogue.)
    """
    fields = {_ALIAS_INDEX.get(_fold_key(k)) for k in record} - {None}
    return "number" in fields or "title" in fields and len(fields) >= 2


# --- mapping fields ---------------------------------------------------------------------


def _fold_key(key: str) -> str:
    """A column name compared loosely: lower case, without spaces, ``_`` or ``-``."""
    return re.sub(r"[\s_\-]+", "", str(key)).lower()


_ALIAS_INDEX = {_fold_key(a): field for field, names in FIELD_ALIASES.items() for a in names}


def normalise_record(record: dict[str, Any]) -> dict[str, Any]:
    """Map a raw record's keys to our field names; unmapped keys go under ``"extra"``."""
    mapped: dict[str, Any] = {"extra": {}}
    for key, value in record.items():
        field = _ALIAS_INDEX.get(_fold_key(key))
        if field and _blank(mapped.get(field)):
            mapped[field] = value
        elif not _blank(value):
            mapped["extra"][str(key)] = value
    return mapped


def _blank(value: Any) -> bool:
    """None, empty string/list, or a placeholder such as "-" or "无"."""
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() in ("", "-", "—", "无", "null", "None", "N/A")
    return isinstance(value, list | dict) and not value


def _text(value: Any) -> str:
    """A field value as a stripped string ('' for blanks)."""
    return "" if _blank(value) else str(value).strip()


def normalise_status(value: Any) -> str:
    """现行 / 即将实施 / 废止 / 被代替, or '' for unknown values (待查 …)."""
    return STATUS_ALIASES.get(_text(value).lower(), STATUS_UNKNOWN)


def normalise_date(value: Any) -> str:
    """A date as YYYY-MM-DD from 2016-12-30, 2016/12/30, 2016.12.30, 2016年12月30日, 20161230."""
    text = _text(value)
    match = _DATE.search(text) or _COMPACT_DATE.fullmatch(text)
    return date_from_match(match) if match else ""


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


# --- building the document --------------------------------------------------------------


def entry_document(record: dict[str, Any], name: str, url: str = "") -> Document | None:
    """The Document of one normalised record (None without number and title)."""
    raw_number, title = _text(record.get("number")), _text(record.get("title"))
    if not raw_number and not title:
        return None
    number = parse_number(raw_number) if raw_number else None
    kind, level = _kind_and_level(_text(record.get("type")), raw_number, number)
    document = Document(
        doc_id=_doc_id(kind, title, raw_number, number),
        title=title or raw_number,
        kind=kind,
        level=level,
        number=number.canonical if number else raw_number,
        issuer=_text(record.get("issuer")),
        region=region_of(number),
        status=normalise_status(record.get("status")),
        publish_date=normalise_date(record.get("publish_date")),
        effective_date=normalise_date(record.get("effective_date")),
        abolish_date=normalise_date(record.get("abolish_date")),
        replaces=number_list(record.get("replaces")),
        replaced_by=number_list(record.get("replaced_by")),
        source=name,
        source_url=_text(record.get("url")) or url,
        extra=_extra(record, name),
    )
    _fill_text(document, _text(record.get("text")))
    return document


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


def _doc_id(kind: str, title: str, raw_number: str, number: StandardNumber | None) -> str:
    """A standard's normalised number, else a title-based id."""
    if kind == "standard" and number is not None:
        return number.slug
    return document_id(kind, title or raw_number)


def _extra(record: dict[str, Any], name: str) -> dict[str, Any]:
    """ICS, CCS, the full-text path and every unmapped field."""
    extra = dict(record["extra"])
    for field in ("ics", "ccs"):
        if not _blank(record.get(field)):
            extra[field] = _list_text(record[field])
    if _text(record.get("type")):
        extra["catalogue_type"] = _text(record["type"])
    status = _text(record.get("status"))
    if status and normalise_status(status) != status:
        extra["catalogue_status"] = status
    fulltext = _text(record.get("fulltext"))
    if fulltext:
        extra["fulltext"] = _resolve_path(fulltext, name)
    return extra


def _resolve_path(path: str, catalogue_name: str) -> str:
    """A full-text path relative to the catalogue file's folder (absolute paths kept)."""
    if PurePath(path).is_absolute() or "://" in path:
        return path
    return str(PurePath(catalogue_name).parent / path)


def _fill_text(document: Document, text: str) -> None:
    """Use the entry's text, or a summary of its metadata, as the text of one clause."""
    document.text = text or summary_text(document)
    label = document.number or document.title
    document.clauses = [Clause(clause_id="summary", label=label, text=document.text)]


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


def summary_text(document: Document) -> str:
    """Number, title, status, dates, replacements and notes: what a catalogue entry says."""
    lines = [f"{document.number} {document.title}".strip()]
    facts = (
        ("标准类别", document.level),
        ("状态", document.status or document.extra.get("catalogue_status", "")),
        ("发布日期", document.publish_date),
        ("实施日期", document.effective_date),
        ("废止日期", document.abolish_date),
        ("发布单位", document.issuer),
        ("代替", "、".join(document.replaces)),
        ("被代替", "、".join(document.replaced_by)),
        ("ICS", "、".join(document.extra.get("ics", []))),
        ("CCS", "、".join(document.extra.get("ccs", []))),
        ("分类", _text(document.extra.get("category"))),
        ("备注", _text(document.extra.get("notes"))),
    )
    lines.extend(f"{label}：{value}" for label, value in facts if value)
    return "\n".join(lines)


_PROVINCE_TABLE = (
    "11北京 12天津 13河北 14山西 15内蒙古 21辽宁 22吉林 23黑龙江 31上海 32江苏 33浙江 34安徽 35福建 "
    "36江西 37山东 41河南 42湖北 43湖南 44广东 45广西 46海南 50重庆 51四川 52贵州 53云南 54西藏 "
    "61陕西 62甘肃 63青海 64宁夏 65新疆"
)
#: GB/T 2260 province codes → region names, for local standards (DB35 → 福建).
PROVINCES = {entry[:2]: entry[2:] for entry in _PROVINCE_TABLE.split()}


def region_of(number: StandardNumber | None) -> str:
    """The province of a local standard (DB35/T … → 福建), '' otherwise; CNS → 台湾."""
    if number is None:
        return ""
    if number.prefix.startswith("CNS"):
        return "台湾"
    match = re.match(r"DB(\d{2})", number.prefix)
    return PROVINCES.get(match.group(1), "") if match else ""
