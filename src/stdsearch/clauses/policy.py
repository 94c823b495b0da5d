"""Policy-style clauses: 一、 sections, （一） sub-sections, 1. items, (1) sub-items.

A unit's id is the path of its numbers (二、(九) 22. → ``2.9.22``), its ``heading`` the
printed labels and titles of the units above it ("二、主要任务 > (九)打造质量治理现代化体系"),
its ``text`` its OWN text: the title line without the label, plus the lines before its first
child. Every unit is searchable, so a search lands on the most specific one. Half-width and
full-width forms are both accepted: (一) （一）, 1. １． 1、.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from stdsearch.clauses.law import (
    MARKDOWN_HEADING,
    HeadingTrail,
    join_heading,
    preamble_clause,
)
from stdsearch.clauses.numerals import NUMERAL_CHARS, cn_to_int
from stdsearch.records import Clause

_CN = f"[{NUMERAL_CHARS}]+"
_DIGITS = "[0-9０-９]+"
#: Numbering patterns, outermost first; the rank is the index in this tuple.
UNIT_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(rf"^(?P<label>(?P<num>{_CN})[、，,])\s*"),
    re.compile(rf"^(?P<label>[（(](?P<num>{_CN})[）)])\s*"),
    re.compile(rf"^(?P<label>(?P<num>{_DIGITS})(?:[.．、](?![0-9０-９])))\s*"),
    re.compile(rf"^(?P<label>[（(](?P<num>{_DIGITS})[）)])\s*"),
)
_TITLE_MAX = 30


@dataclass
class _Unit:
    """A numbered unit while it is being read."""

    rank: int
    clause: Clause
    title: str
    title_line: str
    lines: list[str] = field(default_factory=list)


def match_unit(line: str) -> tuple[int, re.Match[str]] | None:
    """(rank, match) when ``line`` starts with a policy number, else None."""
    for rank, pattern in enumerate(UNIT_PATTERNS):
        match = pattern.match(line)
        if match:
            return rank, match
    return None


def detect(lines: list[str]) -> bool:
    """True when at least two lines start with policy numbering."""
    return sum(1 for line in lines if match_unit(_unmark(line))) >= 2


def split_policy(lines: list[str]) -> list[Clause]:
    """The numbered units of a policy text, in document order (positions set by the caller)."""
    trail = HeadingTrail()
    preamble: list[str] = []
    units: list[_Unit] = []
    stack: list[_Unit] = []
    for line in lines:
        numbered = match_unit(_unmark(line))
        if numbered is None and trail.feed(line):
            continue
        if numbered is None:
            (stack[-1].lines if stack else preamble).append(line)
            continue
        rank, match = numbered
        while stack and stack[-1].rank >= rank:
            stack.pop()
        unit = _new_unit(rank, match, _unmark(line), stack, trail.path)
        units.append(unit)
        stack.append(unit)
    clauses = preamble_clause(preamble, "前言")
    for unit in units:
        unit.clause.text = "\n".join(part for part in [unit.title_line, *unit.lines] if part)
        clauses.append(unit.clause)
    return clauses


def _new_unit(
    rank: int, match: re.Match[str], line: str, stack: list[_Unit], outer_heading: str
) -> _Unit:
    """A unit below the units on ``stack``, its id the path of their numbers."""
    number = str(cn_to_int(unicodedata.normalize("NFKC", match.group("num"))))
    parent = stack[-1].clause if stack else None
    clause_id = f"{parent.clause_id}.{number}" if parent else number
    label = match.group("label")
    rest = line[match.end() :].strip()
    heading = join_heading(outer_heading, *(u.clause.label + u.title for u in stack))
    clause = Clause(
        clause_id=clause_id,
        label=label,
        text="",
        heading=heading,
        depth=len(stack),
        parent_id=parent.clause_id if parent else "",
    )
    return _Unit(rank, clause, short_title(rest), rest)


def short_title(rest: str) -> str:
    """The title of a unit for heading paths: its first sentence, kept short."""
    first = re.split(r"[。；;]", rest, maxsplit=1)[0]
    if len(first) <= _TITLE_MAX:
        return first
    return first[:_TITLE_MAX] + "…"


def _unmark(line: str) -> str:
    """A Markdown heading's text without its ``#`` marks (``## 一、总则`` → ``一、总则``)."""
    match = MARKDOWN_HEADING.match(line)
    return match.group("text").strip() if match else line
