"""Mandatory clauses that a newer code abolished, read from a catalogue's notes (备注), in both
directions: the older code's own note, and the newer code's note naming it (:func:`said_by_others`).

The building-code index says it in prose: on the older code "4.2.1/4.2.2/4.2.5 强制性条文已由
GB 55038-2025《住宅项目规范》废止", "55 条强条已被 GB 55038-2025 废止", "全部强制性条文已由 GB 55036-2022
废止", "部分条文因 GB 55037-2022 废止"; on the newer one "废止 GB 50153-2008 等 8 项标准相关强条".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from stdsearch.numbers import find_numbers
from stdsearch.records import Document

#: 已被 / 已由 / 因 <number> … 废止: this code's clauses were abolished by <number>.
_BY = re.compile(r"(?:已被|已由|被|由|因)\s*$")
_CLAUSE = re.compile(r"(?<![\d.])(\d+(?:\.\d+){1,3})(?![\d.])")


def parse_note(note: str, own: str = "") -> dict[str, Any]:
    """``{"abolished_by": [{"by", "clauses", "note"}], "abolishes": [numbers]}`` of one note."""
    result: dict[str, Any] = {"abolished_by": [], "abolishes": []}
    if "废止" not in note:
        return result
    for start, _end, number in find_numbers(note):
        if number.canonical == own:
            continue
        before = note[:start]
        if _BY.search(before):
            clauses = [c for c in _CLAUSE.findall(before) if not _is_year_or_date(c)]
            result["abolished_by"].append({"by": number.canonical, "clauses": clauses, "note": note})
        elif before.rstrip().endswith("废止") or "废止" in before[-6:]:
            result["abolishes"].append(number.canonical)
    return result


def _is_year_or_date(text: str) -> bool:
    return len(text.split(".")[0]) == 4


def extra_fields(notes: str, own: str) -> dict[str, Any]:
    """The extra fields a document gets from its notes (nothing when the notes say nothing)."""
    parsed = parse_note(notes, own)
    out: dict[str, Any] = {}
    if parsed["abolished_by"]:
        out["abolished_clauses"] = parsed["abolished_by"]
    if parsed["abolishes"]:
        out["abolishes_clauses_of"] = parsed["abolishes"]
    return out


def said_by_others(document: Document, others: Iterable[Document]) -> list[dict[str, Any]]:
    """What the newer codes among ``others`` say about ``document``'s mandatory clauses
    ("废止 GB 50153-2008 等 8 项标准相关强条" on GB 55001-2021), as entries of its own note: the
    code that abolished them (``by``), the clauses of ``document`` marked mandatory (强制性条文,
    when it has a full text) and the newer code's note. Codes its own note names already are left out."""
    from stdsearch.standards.facets import marked_mandatory

    own = document.number
    named = {entry.get("by") for entry in document.extra.get("abolished_clauses", [])}
    entries = []
    for other in others:
        if not own or other.number in named or own not in other.extra.get("abolishes_clauses_of", []):
            continue
        named.add(other.number)
        clauses = [c.clause_id for c in document.clauses if c.clause_id != "summary" and marked_mandatory(c.text)]
        note = f"相关强制性条文（{other.number} 备注：{other.extra.get('notes', '')}）"
        entries.append({"by": other.number, "clauses": clauses, "note": note})
    return entries
