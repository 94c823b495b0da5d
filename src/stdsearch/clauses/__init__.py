"""Clause splitting: Document.text → Clauses in document order (pure: no network, no clock).

The numbering scheme is chosen from the text by a small registry of schemes, tried in
registration order; the first whose ``detect`` says yes splits the document. A new scheme
(e.g. standards: 4.1.1, 附录A) is a module with ``detect(lines) -> bool`` and
``split_x(lines) -> list[Clause]`` plus one :func:`register` line below, placed before the
schemes it must win against. A text no scheme recognises is split into paragraphs
``p1, p2, …`` so that nothing is unsearchable.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from stdsearch.clauses.law import HeadingTrail
from stdsearch.clauses.numerals import int_to_cn
from stdsearch.records import Clause, Document

#: A scheme's detector and splitter both take the document's non-empty lines.
Detector = Callable[[list[str]], bool]
Splitter = Callable[[list[str]], list[Clause]]


@dataclass(frozen=True)
class Scheme:
    """One numbering scheme."""

    name: str
    detect: Detector
    split: Splitter


_SCHEMES: list[Scheme] = []


def register(name: str, detect: Detector, splitter: Splitter, *, first: bool = False) -> None:
    """Register a scheme (``first=True`` puts it ahead of the schemes already registered)."""
    scheme = Scheme(name, detect, splitter)
    if first:
        _SCHEMES.insert(0, scheme)
    else:
        _SCHEMES.append(scheme)


def document_lines(document: Document) -> list[str]:
    """The non-empty, stripped lines of a document's text."""
    return [line.strip() for line in document.text.splitlines() if line.strip()]


def scheme_for(lines: list[str]) -> str:
    """The name of the scheme that would split these lines ('paragraphs' if none)."""
    return next((s.name for s in _SCHEMES if s.detect(lines)), "paragraphs")


def split(document: Document) -> list[Clause]:
    """The clauses of a document, with positions 0..n-1 and unique ids."""
    lines = document_lines(document)
    clauses: list[Clause] = []
    for scheme in _SCHEMES:
        if scheme.detect(lines):
            clauses = scheme.split(lines)
            if clauses:
                break
    if not clauses:
        clauses = split_paragraphs(lines)
    if not clauses and document.title:
        clauses = [Clause(clause_id="p1", label="标题", text=document.title)]
    return finalise(clauses)


def split_paragraphs(lines: list[str]) -> list[Clause]:
    """One searchable clause per paragraph (``p1``, ``p2`` …), headings as heading paths; the
    rows of a Markdown table (``| a | b |`` lines in a row) are one paragraph."""
    trail = HeadingTrail()
    clauses: list[Clause] = []
    for line in lines:
        if trail.feed(line):
            continue
        if clauses and is_table_row(line) and is_table_row(clauses[-1].text.rsplit("\n", 1)[-1]):
            clauses[-1].text += "\n" + line
            continue
        number = len(clauses) + 1
        clauses.append(
            Clause(
                clause_id=f"p{number}",
                label=f"第{int_to_cn(number)}段",
                text=line,
                heading=trail.path,
            )
        )
    return clauses


_TABLE_ROW = re.compile(r"^\|.*\|$")


def is_table_row(line: str) -> bool:
    """True for a Markdown table row (``| a | b |``, ``|---|---|``)."""
    return _TABLE_ROW.match(line.strip()) is not None


def finalise(clauses: list[Clause]) -> list[Clause]:
    """Set positions 0..n-1 and make ids unique (a repeated id gets ``-b``, ``-c`` …)."""
    seen: dict[str, int] = {}
    renamed: dict[str, str] = {}
    out = []
    for position, clause in enumerate(clauses):
        clause_id = clause.clause_id
        parent_id = renamed.get(clause.parent_id, clause.parent_id)
        if clause_id in seen:
            seen[clause_id] += 1
            clause_id = f"{clause_id}-{_suffix(seen[clause_id])}"
        else:
            seen[clause_id] = 1
        renamed[clause.clause_id] = clause_id
        out.append(replace(clause, clause_id=clause_id, parent_id=parent_id, position=position))
    return out


def _suffix(count: int) -> str:
    """b, c, … z, then the count itself (for the 2nd, 3rd … occurrence of an id)."""
    return chr(ord("a") + count - 1) if count <= 26 else str(count)


# --- registrations, in priority order (one line per scheme) ------------------------------
from stdsearch.clauses import law as _law  # noqa: E402
from stdsearch.clauses import policy as _policy  # noqa: E402
from stdsearch.clauses import standard as _standard  # noqa: E402

register("law", _law.detect, _law.split_law)
register("policy", _policy.detect, _policy.split_policy)
register("standard", _standard.detect, _standard.split_standard, first=True)
