"""One standard, many sources: the facts each catalogue states ("sheets") merged into one Document.

A sheet is what one catalogue record (or one full text) says about one standard. Records with the
same number — within one catalogue or across several, and a full text of it — are one document:
every field takes the value of the newest source that has one (sources dated by
:func:`stdsearch.parse.catalogue.catalogue_date`), replacement links are the union of all, and
every source stays listed (``extra["sources"]``). Disagreement on status and data problems
(placeholder 1900 dates, publication after implementation, an edition year that contradicts the
dates) are recorded in ``extra["problems"]`` and the doubtful value is not shown as a fact.
"""

from __future__ import annotations

import datetime as dt
from pathlib import PurePath
from typing import Any

from stdsearch.identity import document_id
from stdsearch.numbers import is_listed_code, parse_number
from stdsearch.records import Clause, Document
from stdsearch.standards import abolished, regions

#: Scalar fields taken from the newest sheet that has a value.
SCALAR_FIELDS = (
    "title", "title_en", "kind", "level", "type", "status", "status_word", "publish_date",
    "effective_date", "abolish_date", "issuer", "mandatory", "notes", "edition", "text", "url",
    "fulltext",
)
#: List fields taken from the newest sheet that has a value.
NEWEST_LIST_FIELDS = ("ics", "ccs", "category")
#: List fields that are the union over all sheets.
UNION_FIELDS = ("replaces", "replaced_by", "partial", "not_standards", "adopts", "joint_numbers")
#: The first plausible year of a date in a catalogue (earlier ones are placeholders: 1900-01-01).
FIRST_YEAR = 1901
#: How many years ahead an implementation date may plausibly be.
YEARS_AHEAD = 6


def sheet_id(sheet: dict[str, Any]) -> str:
    """The doc_id the sheet's standard has: its number's slug, else a title-based id."""
    number = parse_number(sheet.get("number", "")) if sheet.get("kind") == "standard" else None
    if number is not None:
        return number.slug
    return document_id(sheet.get("kind", "policy"), sheet.get("title") or sheet.get("number", ""))


def newest_first(sheets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sheets ordered newest source first (stable: file order within one date)."""
    return sorted(sheets, key=lambda s: s.get("as_of", ""), reverse=True)


DATE_FIELDS = {"publish_date": "发布日期", "effective_date": "实施日期", "abolish_date": "废止日期"}


def plausible_date(value: str, today: dt.date) -> bool:
    """False for placeholder and impossible years (1900-01-01, 1687, 2109)."""
    return FIRST_YEAR <= int(value[:4]) <= today.year + YEARS_AHEAD


def placeholder_dates(sheets: list[dict[str, Any]], today: dt.date) -> list[str]:
    """One problem per placeholder date a source states (the value is not used)."""
    found = []
    for sheet in sheets:
        for name, label in DATE_FIELDS.items():
            value = sheet.get(name, "")
            if value and not plausible_date(value, today):
                found.append(f"{label} {value} 是占位或错误日期，未作为事实显示")
    return list(dict.fromkeys(found))


def merged_facts(sheets: list[dict[str, Any]], today: dt.date | None = None) -> dict[str, Any]:
    """Field by field: the newest value (placeholder dates skipped); replacement links: the union."""
    today = today or dt.date.today()
    ordered = newest_first(sheets) if len(sheets) > 1 else sheets
    facts: dict[str, Any] = {"number": _newest(ordered, "number", "", today)}
    for name in SCALAR_FIELDS:
        facts[name] = _newest(ordered, name, "", today)
    for name in NEWEST_LIST_FIELDS:
        facts[name] = _newest(ordered, name, [], today)
    for name in UNION_FIELDS:
        facts[name] = list(dict.fromkeys(v for s in ordered for v in s.get(name, ())))
    facts["extra"] = {k: v for s in reversed(ordered) for k, v in s.get("extra", {}).items()}
    return facts


def _newest(ordered: list[dict[str, Any]], name: str, default: Any, today: dt.date) -> Any:
    """The value of field ``name`` of the first sheet that states it (a date: plausibly)."""
    dated = name in DATE_FIELDS
    for sheet in ordered:
        value = sheet.get(name)
        if value and (not dated or plausible_date(value, today)):
            return value
    return default


def build_document(sheets: list[dict[str, Any]], today: dt.date | None = None) -> Document:
    """The one Document of a standard from all its sheets (at least one)."""
    today = today or dt.date.today()
    facts = merged_facts(sheets, today)
    problems = placeholder_dates(sheets, today) + data_problems(facts)
    problems.extend(status_disagreement(sheets))
    number = parse_number(facts["number"]) if facts.get("kind") == "standard" else None
    path = regions.region_path(number)
    document = Document(
        doc_id=sheet_id({**facts, "number": facts["number"]}),
        title=facts["title"] or facts["number"],
        kind=facts["kind"] or "policy",
        level=facts["level"],
        number=facts["number"],
        issuer=facts["issuer"],
        region=path[0] if path else "",
        city=path[1] if len(path) > 1 else "",
        status=facts["status"],
        publish_date=facts["publish_date"],
        effective_date=facts["effective_date"],
        abolish_date=facts["abolish_date"],
        replaces=[n for n in facts["replaces"] if n != facts["number"]],
        replaced_by=[n for n in facts["replaced_by"] if n != facts["number"]],
        ics=facts["ics"],
        ccs=facts["ccs"],
        mandatory=facts["mandatory"] or mandatory_from_number(facts["number"]),
        source=sheets[0].get("source", ""),
        source_url=facts["url"],
        extra=_extra(facts, sheets, problems),
    )
    fill_summary(document, facts["text"])
    return document


def _extra(facts: dict[str, Any], sheets: list[dict[str, Any]], problems: list[str]) -> dict[str, Any]:
    extra = dict(facts["extra"])
    for name in ("title_en", "notes", "edition", "fulltext"):
        if facts.get(name):
            extra[name] = facts[name]
    if facts.get("category"):
        extra["category"] = "、".join(facts["category"])
    for name in ("partial", "not_standards", "adopts", "joint_numbers"):
        if facts.get(name):
            extra[name] = facts[name]
    if facts.get("type"):
        extra["catalogue_type"] = facts["type"]
    if facts.get("status_word") and facts["status_word"] != facts["status"]:
        extra["catalogue_status"] = facts["status_word"]
    if facts.get("notes"):
        extra.update(abolished.extra_fields(facts["notes"], facts["number"]))
    if problems:
        extra["problems"] = problems
    extra["sources"] = [source_summary(s) for s in newest_first(sheets)]
    extra["sheets"] = sheets
    return extra


def source_summary(sheet: dict[str, Any]) -> dict[str, str]:
    """One line of the page's source list: which catalogue, when, what it says the status is."""
    label = "/".join(PurePath(sheet.get("source", "")).parts[-2:])
    origin = sheet.get("extra", {}).get("source_type", "")
    return {
        "source": label + (f" ({origin})" if origin else ""),
        "as_of": sheet.get("as_of", ""),
        "status": sheet.get("status", ""),
        "status_word": sheet.get("status_word", ""),
    }


def mandatory_from_number(number: str) -> str:
    """强制性 for GB, an industry code or DBxx without /T; 推荐性 with /T; 指导性 with /Z; else ''
    (also for codes we do not list: NJ 106-1986, ZB B 04005-1986, 农业部1193号公告-1-2009)."""
    parsed = parse_number(number)
    if parsed is None:
        return ""
    prefix = parsed.prefix
    if prefix.startswith(("T/", "Q/", "ISO", "IEC", "CNS", "CECS", "JJG", "JJF")) or not is_listed_code(parsed):
        return ""
    if prefix.endswith("/T"):
        return "推荐性"
    if prefix.endswith("/Z"):
        return "指导性"
    return "强制性"


def data_problems(facts: dict[str, Any]) -> list[str]:
    """Contradicting dates, each explained; the doubtful value is removed from ``facts``."""
    problems = []
    published, effective = facts.get("publish_date", ""), facts.get("effective_date", "")
    if published and effective and published > effective:
        problems.append(f"发布日期 {published} 晚于实施日期 {effective}，发布日期未作为事实显示")
        facts["publish_date"] = published = ""
    number = parse_number(facts.get("number", "")) if facts.get("kind") == "standard" else None
    if number is not None and number.year and published:
        gap = int(published[:4]) - int(number.year)
        if gap < -1 or gap > 1:
            problems.append(
                f"编号年份 {number.year} 与发布日期 {published} 不符（可能是首版日期），发布日期未作为事实显示"
            )
            facts["publish_date"] = ""
    return problems


def status_disagreement(sheets: list[dict[str, Any]]) -> list[str]:
    """A note when the sources say different things about the status."""
    said = {}
    for sheet in newest_first(sheets):
        if sheet.get("status") or sheet.get("status_word"):
            word = sheet.get("status_word") or sheet.get("status")
            said.setdefault(sheet.get("status") or word, []).append(f"{source_summary(sheet)['source']}: {word}")
    if len(said) < 2:
        return []
    return ["来源对状态说法不一：" + "；".join(entry for entries in said.values() for entry in entries[:3])]


def summary_text(document: Document) -> str:
    """Number, title, status, dates, replacements and notes: what a catalogue entry says."""
    extra = document.extra
    lines = [f"{document.number} {document.title}".strip()]
    facts = (
        ("英文名称", str(extra.get("title_en", ""))),
        ("标准类别", document.level),
        ("状态", document.status or extra.get("catalogue_status", "")),
        ("强制性", document.mandatory),
        ("发布日期", document.publish_date),
        ("实施日期", document.effective_date),
        ("废止日期", document.abolish_date),
        ("发布单位", document.issuer),
        ("代替", "、".join(document.replaces)),
        ("被代替", "、".join(document.replaced_by)),
        ("ICS", "、".join(document.ics)),
        ("CCS", "、".join(document.ccs)),
        ("分类", str(extra.get("category", ""))),
        ("备注", str(extra.get("notes", ""))),
    )
    lines.extend([f"{label}：{value}" for label, value in facts if value])
    return "\n".join(lines)


def fill_summary(document: Document, text: str = "") -> None:
    """Use the entry's own text (abstract), or a summary of its metadata, as one clause.

    The summary always leads, so that number, title and status are searchable with the abstract.
    """
    summary = summary_text(document)
    document.text = f"{summary}\n{text}" if text else summary
    label = document.number or document.title
    document.clauses = [Clause(clause_id="summary", label=label, text=document.text)]


def has_full_text(document: Document) -> bool:
    """True when the document's clauses come from a full text, not from a catalogue summary."""
    return any(c.clause_id != "summary" for c in document.clauses)


def sheet_of_fulltext(document: Document, source: str) -> dict[str, Any]:
    """The facts a full-text document states about itself, as a sheet."""
    sheet = {
        "source": source,
        "as_of": "",
        "number": document.number,
        "title": document.title,
        "kind": document.kind,
        "level": document.level,
        "status": document.status,
        "publish_date": document.publish_date,
        "effective_date": document.effective_date,
        "issuer": document.issuer,
        "replaces": list(document.replaces),
        "replaced_by": list(document.replaced_by),
        "extra": {"source_type": "full text"},
    }
    return {k: v for k, v in sheet.items() if v not in ("", [], None) or k in ("source", "number", "title")}


def sheets_of(document: Document, source: str) -> list[dict[str, Any]]:
    """The sheets of a document about to be stored, attributed to ``source`` (its file)."""
    own = document.extra.get("sheets")
    if not own:
        return [sheet_of_fulltext(document, source)]
    return [{**sheet, "source": source} for sheet in own]


def combine(stored: Document, incoming: Document, source: str) -> Document:
    """``incoming`` (from ``source``) merged with what the store holds from other sources."""
    kept = [s for s in stored.extra.get("sheets") or [sheet_of_fulltext(stored, stored.source)] if s.get("source") != source]
    merged = build_document(kept + sheets_of(incoming, source))
    body = incoming if has_full_text(incoming) else stored if has_full_text(stored) else None
    if body is not None:
        merged.text, merged.clauses = body.text, list(body.clauses)
        merged.extra = {**body.extra, **merged.extra}
    merged.doc_id = incoming.doc_id
    merged.sources = {**{k: v for k, v in stored.sources.items() if k != source}, **incoming.sources}
    merged.source = source
    return merged


def without_source(stored: Document, source: str) -> Document | None:
    """The stored document once ``source`` no longer contributes to it (None: nothing left)."""
    remaining = {k: v for k, v in stored.sources.items() if k != source}
    kept = [s for s in stored.extra.get("sheets") or [] if s.get("source") != source]
    if not remaining or not kept:
        return None
    document = build_document(kept)
    document.doc_id = stored.doc_id
    document.sources = remaining
    document.source = next(iter(remaining))
    return document
