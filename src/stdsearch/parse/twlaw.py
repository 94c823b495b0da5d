"""Taiwan laws and regulations (全國法規資料庫 JSON, one law per line) → Documents with clauses.

Input: the ``mojLawSplitJSON`` per-law objects as JSON Lines, gzip-compressed or not
(``laws_keyword.jsonl.gz``). Each law becomes one ``Document(kind="law")`` with level
台湾地区法规, region 台湾, status 废止 when ``discarded`` else 现行, ``publish_date`` from
``LawModifiedDate`` and the MOJ page as ``source_url``; its doc_id is ``tw-<pcode>``
(``tw-j0070001``), stable across amendments. The text stays in traditional Chinese, as
published; folding to simplified is the analyzer's job.

Clauses are built here (the structure is explicit): 條 → ``a15`` / ``a15-1`` (number 1501),
labelled ``第 15-1 條`` as the MOJ prints it, searchable, with the whole article as text and the
編/章/節 path as heading; 項 → ``a15-1.p2`` (only when an article has several 項); 款 → ``.i1``;
目 → ``.i1.s1``. Sub-clauses are not searchable on their own (their article is), like the
款/项 of mainland laws in :mod:`stdsearch.clauses.law`.
"""

from __future__ import annotations

import functools
import json
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from stdsearch.clauses import finalise
from stdsearch.clauses.numerals import cn_to_int
from stdsearch.clauses.numerals import int_to_cn as _int_to_cn
from stdsearch.errors import ParseError
from stdsearch.parse import bounded, shares
from stdsearch.records import STATUS_CURRENT, STATUS_REPEALED, Clause, Document

LEVEL = "台湾地区法规"
REGION = "台湾"
SOURCE_URL = "https://law.moj.gov.tw/LawClass/LawAll.aspx?pcode={pcode}"
HEADING_JOINER = " > "
#: How much of a file the content sniffer reads.
SNIFF_BYTES = 1_000_000
_LEADING_NUMERAL = re.compile(r"^[（(]?(?P<num>[零〇一二三四五六七八九十百]+)[）)、]")


int_to_cn = functools.lru_cache(maxsize=1024)(_int_to_cn)


@dataclass(frozen=True)
class _Division:
    """One 編/章/節 with the article range it covers (numbers ×100, as in the data)."""

    start: int
    end: int
    depth: int
    label: str


def parse_twlaw(data: bytes, name: str, url: str = "") -> list[Document]:
    """Parse a (gzipped) JSON Lines file of Taiwan laws; one Document per law."""
    laws = laws_of_share(read_laws(data), name)
    if laws is None:
        raise ParseError("no Taiwan law records (pcode + articles) found")
    return laws


def laws_of_share(records: Iterable[dict[str, Any]], name: str) -> list[Document] | None:
    """The documents of the laws among ``records`` that are this share's (read one at a time: a
    worker parsing one share keeps only its own laws); None when there is no record at all."""
    found, laws = False, []
    for record in records:
        found = True
        if shares.holds(doc_id_of(record)):
            laws.append(law_document(record, name))
    return laws if found else None


def doc_id_of(record: dict[str, Any]) -> str:
    """The document id of a law record (``tw-`` and its pcode)."""
    return f"tw-{str(record['pcode']).lower()}"


def looks_like_twlaw(data: bytes) -> bool:
    """Content sniff: gzip or JSON Lines whose first record has pcode and articles."""
    try:
        first = next(_json_lines(_maybe_gunzip(data[:SNIFF_BYTES], partial=True)), None)
    except (ParseError, ValueError):
        return False
    return first is not None and is_twlaw_record(first)


def is_twlaw_record(record: dict[str, Any]) -> bool:
    """True for a per-law object of the MOJ dump."""
    return "pcode" in record and isinstance(record.get("articles"), list)


def read_laws(data: bytes) -> Iterator[dict[str, Any]]:
    """The law records of the file (ParseError on anything else)."""
    for record in _json_lines(_maybe_gunzip(data)):
        if not is_twlaw_record(record):
            raise ParseError("JSON Lines but not Taiwan laws: no pcode/articles fields")
        yield record


def _maybe_gunzip(data: bytes, partial: bool = False) -> str:
    """The text of gzip-compressed or plain UTF-8 bytes (``partial``: the head is enough)."""
    if data[:2] == b"\x1f\x8b":
        try:
            if partial:
                data = zlib.decompressobj(wbits=31).decompress(data, SNIFF_BYTES)
            else:
                data = bounded.gunzip(data)
        except (OSError, EOFError, zlib.error) as error:
            raise ParseError(f"broken gzip data: {error}") from error
    try:
        return data.decode("utf-8-sig", errors="ignore" if partial else "strict")
    except UnicodeDecodeError as error:
        raise ParseError(f"not UTF-8: {error}") from error


def _json_lines(text: str) -> Iterator[dict[str, Any]]:
    """JSON objects, one per non-blank line."""
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            if number > 1 and not text.endswith("\n"):
                return  # a truncated last line of a partial read
            raise ParseError(f"invalid JSON on line {number}: {error}") from error
        if isinstance(value, dict):
            yield value


# --- one law ----------------------------------------------------------------------------


def law_document(record: dict[str, Any], name: str = "") -> Document:
    """The Document of one law record, clauses included."""
    pcode = str(record["pcode"])
    document = Document(
        doc_id=doc_id_of(record),
        title=str(record.get("name", pcode)),
        kind="law",
        level=LEVEL,
        region=REGION,
        status=STATUS_REPEALED if record.get("discarded") else STATUS_CURRENT,
        publish_date=_date(record.get("LawModifiedDate")),
        effective_date=_date(record.get("LawEffectiveDate")),
        history=list(record.get("histories") or []),
        source=f"{name}#{pcode}" if name else pcode,
        source_url=SOURCE_URL.format(pcode=pcode),
        extra=_extra(record),
    )
    document.clauses = law_clauses(record)
    document.text = "\n".join(_text_lines(document.clauses))
    return document


def _date(value: Any) -> str:
    """YYYYMMDD → YYYY-MM-DD ('' for missing values and 99991231, "date set later")."""
    text = str(value or "")
    if not re.fullmatch(r"\d{8}", text) or text == "99991231":
        return ""
    return f"{text[:4]}-{text[4:6]}-{text[6:]}"


def _extra(record: dict[str, Any]) -> dict[str, Any]:
    """pcode, MOJ level and category, English name, effective-date note, attachments."""
    extra: dict[str, Any] = {"pcode": record["pcode"], "law_level": record.get("LawLevel", "")}
    optional = {
        "category": "category",
        "title_en": "EngLawName",
        "effective_note": "effectiveNote",
        "attachments": "attachments",
    }
    extra.update({ours: record[theirs] for ours, theirs in optional.items() if record.get(theirs)})
    return extra


def _text_lines(clauses: list[Clause]) -> Iterator[str]:
    """The document text: headings when they change, then each article as ``label text``."""
    heading = ""
    for clause in clauses:
        if not clause.searchable:
            continue
        if clause.heading != heading and clause.heading:
            yield clause.heading.split(HEADING_JOINER)[-1]
        heading = clause.heading
        yield f"{clause.label} {clause.text}".strip()


# --- clauses ----------------------------------------------------------------------------


def law_clauses(record: dict[str, Any]) -> list[Clause]:
    """Foreword, then each 條 with its 項, 款 and 目; positions set, repeated ids made unique."""
    divisions = _flatten(record.get("divisions") or [])
    clauses = []
    if record.get("foreword"):
        clauses.append(Clause(clause_id="preamble", label="前言", text=str(record["foreword"])))
    for article in record["articles"]:
        clauses.extend(_article_clauses(article, _heading_for(int(article["number"]), divisions)))
    return finalise(clauses)


def _flatten(divisions: list[dict[str, Any]], depth: int = 0) -> list[_Division]:
    """The division tree as a flat list (depth-first)."""
    flat = []
    for division in divisions:
        label = f"{_division_label(division)} {division.get('title', '')}".strip()
        flat.append(_Division(int(division["start"]), int(division["end"]), depth, label))
        flat.extend(_flatten(division.get("children") or [], depth + 1))
    return flat


def _division_label(division: dict[str, Any]) -> str:
    """第一章, 第二節, 第三章之一 (the number is ×100, like article numbers)."""
    kind = division.get("type", "")
    if kind not in ("編", "章", "節", "款", "目"):
        return ""
    whole, sub = divmod(int(division.get("number", 0)), 100)
    label = f"第{int_to_cn(whole)}{kind}"
    return f"{label}之{int_to_cn(sub)}" if sub else label


def _heading_for(number: int, divisions: list[_Division]) -> str:
    """The 編 > 章 > 節 path of an article."""
    covering = [d for d in divisions if d.start <= number <= d.end]
    return HEADING_JOINER.join(d.label for d in sorted(covering, key=lambda d: d.depth))


def article_id_and_label(number: int) -> tuple[str, str]:
    """1501 → (``a15-1``, ``第 15-1 條``); 100 → (``a1``, ``第 1 條``)."""
    whole, sub = divmod(number, 100)
    printed = f"{whole}-{sub}" if sub else str(whole)
    return f"a{printed}", f"第 {printed} 條"


def _article_clauses(article: dict[str, Any], heading: str) -> list[Clause]:
    """The article clause, then its 項, 款 and 目 clauses."""
    clause_id, label = article_id_and_label(int(article["number"]))
    paragraphs = article.get("content") or []
    text = "\n".join(line for p in paragraphs for line in _lines(p))
    clauses = [Clause(clause_id=clause_id, label=label, text=text, heading=heading)]
    several = len(paragraphs) > 1
    under = _join(heading, label)
    for index, paragraph in enumerate(paragraphs, 1):
        paragraph_id, paragraph_label = f"{clause_id}.p{index}", f"第{int_to_cn(index)}項"
        if several:
            clauses.append(
                _sub(paragraph_id, paragraph_label, _lines(paragraph), under, 1, clause_id)
            )
        parent = paragraph_id if several else clause_id
        item_heading = _join(under, paragraph_label if several else "")
        clauses.extend(_items(paragraph, paragraph_id, parent, item_heading, 2 if several else 1))
    return clauses


def _items(
    node: dict[str, Any], base_id: str, parent_id: str, heading: str, depth: int, marker: str = "i"
) -> list[Clause]:
    """款 (``.i1``) of a 項, or 目 (``.s1``) of a 款, recursively."""
    clauses = []
    kind = "款" if marker == "i" else "目"
    for index, child in enumerate(node.get("children") or [], 1):
        number = _item_number(str(child.get("text", "")), index)
        item_id, item_label = f"{base_id}.{marker}{number}", f"第{int_to_cn(number)}{kind}"
        clauses.append(_sub(item_id, item_label, _lines(child), heading, depth, parent_id))
        clauses.extend(_items(child, item_id, item_id, _join(heading, item_label), depth + 1, "s"))
    return clauses


def _item_number(text: str, fallback: int) -> int:
    """The number a 款 or 目 prints (一、 / （一）), else its position."""
    match = _LEADING_NUMERAL.match(text)
    if not match:
        return fallback
    try:
        return cn_to_int(match.group("num"))
    except ValueError:
        return fallback


def _lines(node: dict[str, Any]) -> list[str]:
    """A 項/款/目 as text lines: its own text or table, its children, its closing text."""
    own = node.get("text") or node.get("table") or ""
    lines = [line.rstrip() for line in str(own).replace("\r\n", "\n").split("\n") if line.strip()]
    for child in node.get("children") or []:
        lines.extend(_lines(child))
    if node.get("postText"):
        lines.append(str(node["postText"]))
    return lines


def _sub(
    clause_id: str, label: str, lines: list[str], heading: str, depth: int, parent: str
) -> Clause:
    """A 項/款/目 clause (not searchable on its own: its article is)."""
    return Clause(
        clause_id=clause_id,
        label=label,
        text="\n".join(lines),
        heading=heading,
        depth=depth,
        parent_id=parent,
        searchable=False,
    )


def _join(*parts: str) -> str:
    """Join non-empty heading parts with `` > ``."""
    return HEADING_JOINER.join(p for p in parts if p)
