"""Applicability: a product, material or activity in plain words → the standards in force that
apply to it, grouped national mandatory → national recommended → industry → local (the
region's) → group, and the law and regulation clauses that govern it, each with its reason.

The finder runs the ordinary search (so every signal of ranking applies) restricted to what is
in force today (``as_of``): once for the whole description, and once per content word, so that
a standard titled 合成材料面层运动场地 is found for 合成材料跑道. A standard is kept when it
matches every word, or a run of words in its title; it is ranked by how many words it matches,
then by score. "A word in its title" means two or more consecutive words of the description (合成材料
of 合成材料跑道), or its only word: a single generic word (材料) is not enough. Optional ``region`` keeps that region's local standards (other regions' are left out;
without a region no local standard is listed), optional ``ics`` keeps standards whose ICS code
starts with it. Each entry says why it matched: the words found in its title or text, its ICS
code, its region.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from stdsearch import analysis
from stdsearch.errors import BadQuery
from stdsearch.numbers import parse_number
from stdsearch.records import Document
from stdsearch.search import Hit, SearchRequest, search
from stdsearch.settings import Home
from stdsearch.store import Store

#: The groups of applicable standards, in the order they are listed, with their labels.
GROUPS = {
    "national-mandatory": "强制性国家标准",
    "national-recommended": "推荐性国家标准",
    "industry": "行业标准",
    "local": "地方标准",
    "group": "团体标准",
    "other": "其他标准",
}
#: Hits read per search (the whole description, then each word).
DEPTH = 100
#: Standards listed per group, and law clauses listed.
PER_GROUP = 20
LAW_CLAUSES = 10


@dataclass
class Applicable:
    """A standard (or a law clause) that applies, and why."""

    doc_id: str
    title: str
    number: str
    level: str
    status: str
    effective_date: str
    region: str
    ics: list[str]
    mandatory: str
    clause_id: str
    label: str
    url: str
    snippet: str
    score: float
    matched: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


@dataclass
class ApplyReport:
    """What applies to a product: the standards by group, the law clauses, notes."""

    query: str
    region: str
    ics: str
    words: list[str]
    groups: dict[str, list[Applicable]]
    laws: list[Applicable]
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: groups in their order, each with its label."""
        return {
            "query": self.query, "region": self.region, "ics": self.ics, "words": self.words,
            "groups": [
                {"group": name, "label": GROUPS[name], "standards": [a.to_dict() for a in self.groups.get(name, [])]}
                for name in GROUPS
            ],
            "laws": [a.to_dict() for a in self.laws],
            "notes": self.notes,
        }


def find_applicable(home: Home, text: str, region: str = "", ics: str = "", today: str = "") -> ApplyReport:
    """The standards in force and the law clauses that apply to ``text`` (see the module)."""
    text = text.strip()
    if not text:
        raise BadQuery("describe a product, material or activity, e.g. 合成材料跑道")
    day = today or dt.date.today().isoformat()
    words = content_words(text)
    store = Store(home)
    standards = _gather(home, text, words, "standard", day)
    kept = [a for a in (_standard(store, hit, words) for hit in standards) if _applies(a, words, region, ics)]
    report = ApplyReport(text, region, ics, words, group_standards(kept, region), [])
    laws = [_law(hit, words) for hit in _gather(home, text, [], "law", day)]
    report.laws = [a for a in laws if _covers(a, words)][:LAW_CLAUSES]
    if not report.laws:
        report.notes.append("no law or regulation clause in force names this product")
    if not region:
        report.notes.append("no region given: local standards (地方标准) are not listed; give --region")
    return report


def content_words(text: str) -> list[str]:
    """The description's words as search analyses them, without one-character particles."""
    return [w for w in dict.fromkeys(analysis.query_terms(text)) if len(w) > 1] or [text]


def _gather(home: Home, text: str, words: list[str], kind: str, day: str) -> list[Hit]:
    """The best hit of each document of ``kind`` in force on ``day`` for the description and
    for each of its words, best first."""
    best: dict[str, Hit] = {}
    for query in dict.fromkeys([text, *words]):
        request = SearchRequest(q=query, kind=kind, as_of=day, per_page=DEPTH, semantic="off")
        for hit in search(home, request).hits:
            if hit.doc_id not in best or hit.score > best[hit.doc_id].score:
                best[hit.doc_id] = hit
    return sorted(best.values(), key=lambda h: -h.score)


def _matched(words: Iterable[str], *texts: str) -> list[str]:
    """The words found in any of ``texts`` (compared normalised)."""
    folded = [analysis.normalize(t) for t in texts]
    return [w for w in words if any(analysis.normalize(w) in t for t in folded)]


def _standard(store: Store, hit: Hit, words: list[str]) -> Applicable:
    """The entry of a standard from its best hit: metadata, ICS, words matched and reasons."""
    document = store.get(hit.doc_id)
    in_title = _matched(words, document.title)
    in_text = [w for w in _matched(words, hit.text, document.text) if w not in in_title]
    reasons = []
    if in_title:
        reasons.append("标题含:" + "、".join(in_title))
    if in_text:  # a catalogue record's one clause is labelled with its number: say 正文
        where = hit.label if hit.label and hit.label != document.number else "正文"
        reasons.append(f"{where}含:" + "、".join(in_text))
    return Applicable(
        doc_id=hit.doc_id, title=document.title, number=document.number, level=document.level,
        status=hit.status, effective_date=document.effective_date, region=document.region,
        ics=ics_codes(document), mandatory=getattr(document, "mandatory", "") or "", clause_id=hit.clause_id, label=hit.label, url=hit.url,
        snippet=hit.snippet, score=round(hit.score, 4), matched=in_title + in_text, reasons=reasons,
    )


def ics_codes(document: Document) -> list[str]:
    """The ICS codes of a standard (a catalogue field; a list or one string)."""
    value = getattr(document, "ics", None) or document.extra.get("ics") or []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def title_runs(words: list[str]) -> list[str]:
    """The runs of two or more consecutive words (合成材料 of 合成 材料 跑道), or the one word."""
    if len(words) < 2:
        return list(words)
    return ["".join(words[i:j]) for i in range(len(words)) for j in range(i + 2, len(words) + 1)]


def _covers(entry: Applicable, words: list[str]) -> bool:
    """Every word matched, or a run of consecutive words in the title."""
    title = analysis.normalize(entry.title)
    return len(entry.matched) >= len(words) or any(analysis.normalize(r) in title for r in title_runs(words))


def _applies(entry: Applicable, words: list[str], region: str, ics: str) -> bool:
    """:func:`_covers`, and the ICS prefix and region conditions met. Adds the ICS and region
    reasons."""
    if not _covers(entry, words):
        return False
    if ics:
        codes = [c for c in entry.ics if c.startswith(ics)]
        if not codes:
            return False
        entry.reasons.append("ICS " + "、".join(codes))
    if group_of(entry) == "local":
        if not region or region not in (entry.region or ""):
            return False
        entry.reasons.append(f"{entry.region}地方标准")
    return True


def group_of(entry: Applicable) -> str:
    """The group a standard is listed under, from its level, its 强制性/推荐性 attribute when the
    catalogue gives one, else its number (GB = mandatory, GB/T and GB/Z = recommended)."""
    number = parse_number(entry.number) if entry.number else None
    prefix = number.prefix if number else ""
    if entry.level == "国家标准" or prefix.startswith("GB"):
        if entry.mandatory:
            return "national-mandatory" if entry.mandatory == "强制性" else "national-recommended"
        return "national-recommended" if prefix.endswith(("/T", "/Z")) else "national-mandatory"
    if entry.level == "行业标准":
        return "industry"
    if entry.level == "地方标准" or prefix.startswith("DB"):
        return "local"
    if entry.level == "团体标准" or prefix.startswith("T/"):
        return "group"
    return "other"


def group_standards(entries: list[Applicable], region: str) -> dict[str, list[Applicable]]:
    """Entries by group, each group ranked by words matched, then score."""
    grouped: dict[str, list[Applicable]] = {name: [] for name in GROUPS}
    for entry in entries:
        grouped[group_of(entry)].append(entry)
    for name, items in grouped.items():
        items.sort(key=lambda a: (-len(a.matched), -a.score))
        grouped[name] = items[:PER_GROUP]
    return grouped


def _law(hit: Hit, words: list[str]) -> Applicable:
    """The entry of a law clause: its words matched are the reason."""
    matched = _matched(words, hit.text, hit.title)
    reason = f"{hit.label or '条款'}含:" + "、".join(matched) if matched else "与描述相关"
    return Applicable(
        doc_id=hit.doc_id, title=hit.title, number=hit.number, level=hit.level, status=hit.status,
        effective_date=hit.effective_date, region=hit.region, ics=[], mandatory="", clause_id=hit.clause_id,
        label=hit.label, url=hit.url, snippet=hit.snippet, score=round(hit.score, 4),
        matched=matched, reasons=[reason],
    )
