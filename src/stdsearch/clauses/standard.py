"""Standard-style clauses, numbered per GB/T 1.1: 1 范围 … 4.1.1, 附录A, A.1.

Input: the document's lines in the plain GB/T 1.1 layout — a clause starts a line with its
number and a space (``4.1.1 系统的设计应…``, ``3.1`` alone for a term, ``4 技术要求`` for a
chapter), an appendix with ``附录A`` (optionally ``（规范性）`` and its title), and unnumbered
sections with 前言 / 引言 / 参考文献 / 索引 alone on a line. Lists (``a)``, ``1)``), notes (注：),
table rows and figure captions stay in the text of the clause they belong to.

Ids are the numbers (``4.1.1``, ``A``, ``A.1``; ``preface``, ``introduction``,
``bibliography``, ``index``; text before the first clause is ``preamble``); labels are as
printed (``4.1.1``, ``附录A``, ``前言``). Each clause's text is its own text, not its children's;
``heading`` is the path of its ancestors (``4 技术要求 > 4.1 总体要求``).

A numbered line only starts a clause where the numbering expects one — the first child
(``.1``) of the current clause or an ancestor of it, or a next sibling (up to three numbers on,
for gaps in drafts) — so that ``4.8.3 的要求`` wrapped onto a new line stays text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from stdsearch.records import Clause

HEADING_JOINER = " > "
PREAMBLE_ID = "preamble"
#: Gap tolerated between sibling numbers (a draft may skip B.3.3).
MAX_SIBLING_STEP = 3

_SPACE = r"[ \t\u3000\xa0]"
NUMBERED = re.compile(rf"^(?P<num>(?:\d{{1,2}}|[A-Z])(?:\.\d{{1,3}})*)(?:{_SPACE}+(?P<rest>.*))?$")
APPENDIX = re.compile(
    rf"^附\s*录{_SPACE}*(?P<letter>[A-Z])(?![A-Za-z.\d])"
    rf"(?:{_SPACE}*[（(](?P<nature>规范性|资料性)(?:附录)?[）)])?{_SPACE}*(?P<rest>.*)$"
)
UNNUMBERED = {
    "前言": "preface",
    "引言": "introduction",
    "参考文献": "bibliography",
    "索引": "index",
}
_UNIT_START = re.compile(
    r"^(?:\d|[%‰°′″/×·~～]|(?:km|m|cm|mm|μm|s|ms|min|h|kg|g|t|Hz|kHz|V|A|W|kW|N|Pa|kPa|MPa|dB|lx)"
    r"(?![A-Za-z]))"
)
#: A wrapped line that begins with a cross-reference (``4.2 的要求``) is not a clause.
_CONTINUATION = re.compile(r"^(?:[的之中所或和及与、，。；）)]|条|款|章)")
_NATURE = re.compile(r"^[（(](?:规范性|资料性)(?:附录)?[）)]$")
_SCOPE = re.compile(rf"^1{_SPACE}+范围$")
_FRAME = re.compile(rf"^(?:2{_SPACE}+(?:规范性)?引用(?:文件|标准)|3{_SPACE}+术语和定义)")
_QUOTE = re.compile(r"^(?:>\s*)+")
_MD_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*$")
_CHAPTER_DOT = re.compile(r"^(\d{1,2})\.\s+")
_DEEP = re.compile(rf"^\d{{1,2}}\.\d+\.\d+{_SPACE}")


@dataclass
class _Open:
    """A clause being read: its number parts and its lines."""

    clause_id: str
    label: str
    parts: tuple[str, ...]
    lines: list[str] = field(default_factory=list)
    title: str = ""


def detect(lines: list[str]) -> bool:
    """True for a GB/T 1.1 text: ``1 范围`` with ``2 规范性引用文件``, ``3 术语和定义`` or 4.1.1
    clauses; or, for a part of a standard (one chapter), at least three 4.1.1-style clauses."""
    plain = [unmark(line) for line in lines]
    has_scope = any(_SCOPE.match(line) for line in plain)
    if has_scope and any(_FRAME.match(line) or _DEEP.match(line) for line in plain):
        return True
    return sum(1 for line in plain if _DEEP.match(line)) >= 3


def unmark(line: str) -> str:
    """A line with Markdown markup removed: ``## 4. 技术要求`` → ``4 技术要求``, ``**4.1.1** x``
    → ``4.1.1 x``, ``> a) x`` → ``a) x`` (for texts that reach the splitter still in Markdown)."""
    line = _QUOTE.sub("", line.strip())
    heading = _MD_HEADING.match(line)
    if heading:
        line = _CHAPTER_DOT.sub(r"\1 ", heading.group(1))
    return line.replace("**", "").strip()


def split_standard(lines: list[str], *, explicit: bool = False) -> list[Clause]:
    """The clauses of a GB/T 1.1 text, in document order.

    ``explicit=True`` is for sources that mark clause numbers themselves (Markdown headings and
    bold lead-ins): any dotted number inside the current chapter or appendix starts a clause,
    even out of sequence or repeated (a draft's typo), so that every printed number is a clause.
    """
    opened: list[_Open] = []
    preamble: list[str] = []
    for line in map(unmark, lines):
        started = _start(line, opened, explicit)
        if started is not None:
            opened.append(started)
        elif opened:
            opened[-1].lines.append(line)
        else:
            preamble.append(line)
    clauses = [_preamble(preamble)] if preamble else []
    return clauses + _to_clauses(opened)


def _start(line: str, opened: list[_Open], explicit: bool = False) -> _Open | None:
    """The clause ``line`` starts, or None when it is text of the current clause."""
    stripped = line.strip()
    if stripped in UNNUMBERED and all(o.clause_id != UNNUMBERED[stripped] for o in opened):
        return _Open(UNNUMBERED[stripped], stripped, ())
    appendix = APPENDIX.match(stripped)
    if appendix:
        return _appendix(appendix, opened)
    numbered = NUMBERED.match(stripped)
    if numbered and ("." in numbered.group("num") or numbered.group("rest")):
        return _numbered(numbered, opened, explicit)
    return None


def _appendix(match: re.Match[str], opened: list[_Open]) -> _Open | None:
    """附录X starts an appendix when X comes after every appendix seen so far."""
    letter = match.group("letter")
    seen = [o.parts[0] for o in opened if o.parts and o.parts[0].isalpha()]
    if seen and letter <= max(seen):
        return None
    nature = match.group("nature")
    title = " ".join(p for p in (f"（{nature}）" if nature else "", match.group("rest")) if p)
    return _Open(letter, f"附录{letter}", (letter,), [title] if title else [], title)


def _numbered(match: re.Match[str], opened: list[_Open], explicit: bool) -> _Open | None:
    """A numbered line starts a clause where the numbering expects it."""
    number, rest = match.group("num"), (match.group("rest") or "").strip()
    parts = tuple(number.split("."))
    if _reads_as_text(parts, rest, explicit) or not _fits_numbering(parts, rest, opened, explicit):
        return None
    title = rest if len(rest) <= 40 and "。" not in rest else ""
    return _Open(number, number, parts, [rest] if rest else [], title)


def _reads_as_text(parts: tuple[str, ...], rest: str, explicit: bool) -> bool:
    """``5.4 m/s``, ``4.2 的要求`` (wrapped), ``A`` alone, or a chapter number before a sentence."""
    if parts[0].isalpha() and len(parts) == 1:
        return True
    if rest and (_UNIT_START.match(rest) or not explicit and _CONTINUATION.match(rest)):
        return True
    return len(parts) == 1 and not _is_heading(rest)


def _fits_numbering(parts: tuple[str, ...], rest: str, opened: list[_Open], explicit: bool) -> bool:
    """The first number of a text (or of one chapter of it) may be anything but a date;
    later ones must be expected, or, in an explicit source, inside the current chapter."""
    if not any(o.parts for o in opened):
        return rest[:1] not in ("年", "月", "日")
    return parts in _expected(opened) or explicit and _in_current_top(parts, opened)


def _in_current_top(parts: tuple[str, ...], opened: list[_Open]) -> bool:
    """A dotted number inside the current chapter or appendix."""
    current = next((o.parts for o in reversed(opened) if o.parts), ())
    return len(parts) > 1 and bool(current) and parts[0] == current[0]


def _is_heading(text: str) -> bool:
    """A chapter title: short, not a sentence."""
    return 0 < len(text) <= 30 and not any(mark in text for mark in "。，；：")


def _expected(opened: list[_Open]) -> set[tuple[str, ...]]:
    """Numbers that may start the next clause: first children and next siblings on the path."""
    current = next((o.parts for o in reversed(opened) if o.parts), ())
    in_appendix = bool(current) and current[0].isalpha()
    expected: set[tuple[str, ...]] = set()
    if not in_appendix:
        chapter = int(current[0]) if current else 0
        expected.update((str(chapter + step),) for step in (1, 2))
    for depth in range(1, len(current) + 1):
        prefix = current[:depth]
        expected.add((*prefix, "1"))
        if depth > 1:
            last = int(prefix[-1])
            expected.update((*prefix[:-1], str(last + s)) for s in range(1, MAX_SIBLING_STEP + 1))
    return expected


def _preamble(lines: list[str]) -> Clause:
    """Text before the first clause (a cover, a title block)."""
    return Clause(clause_id=PREAMBLE_ID, label="前文", text="\n".join(lines))


def _to_clauses(opened: list[_Open]) -> list[Clause]:
    """Clauses with heading paths, parents and depths."""
    by_id = {o.clause_id: o for o in opened}
    clauses = []
    for item in opened:
        ancestors = [by_id[a] for a in _ancestor_ids(item.parts) if a in by_id]
        clauses.append(
            Clause(
                clause_id=item.clause_id,
                label=item.label,
                text="\n".join(item.lines),
                heading=HEADING_JOINER.join(_heading_of(a) for a in ancestors),
                depth=max(len(item.parts) - 1, 0),
                parent_id=ancestors[-1].clause_id if ancestors else "",
            )
        )
    return clauses


def _ancestor_ids(parts: tuple[str, ...]) -> list[str]:
    """``("4", "1", "1")`` → ``["4", "4.1"]``."""
    return [".".join(parts[:n]) for n in range(1, len(parts))]


def _heading_of(item: _Open) -> str:
    """How an ancestor is named in a heading path: ``4.1 总体要求``, ``附录A （规范性） …``."""
    lines = [line for line in item.lines[:3] if not _NATURE.match(line)]
    first = lines[0] if lines else ""
    short = first if len(first) <= 40 and "。" not in first else ""
    return f"{item.label} {item.title or short}".strip()
