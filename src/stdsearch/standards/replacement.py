"""Replacement statements of catalogues, in every form they are written.

``代替GB/T 19001-2008`` (this standard replaces), ``被GB/T 19001-2016代替`` (it is replaced by),
lists (``代替GB 4404.1-2008,GB 4404.3-2010``), partial replacements (``被GB/T 26557-2011部分代替``,
``代替GB 4806.11-2016(部分)``, ``部分代替：GBZ/T 160.48-2004``), a bare list of numbers (read by
year: an older edition is replaced, a newer one replaces), and technical-committee codes
(``TC291``) that some catalogues put where a standard number belongs: they are kept as
notes, never as standards. Other references that are not standard numbers (a ministry order
such as 住建部令第 37 号) are kept as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from stdsearch.numbers import StandardNumber, find_numbers, parse_number

#: ``被 X[, Y] (部分)代替``: what replaces this standard.
_REPLACED_BY = re.compile(r"被(?P<refs>(?:(?!被|代替).)+?)(?P<partial>部分)?(?:代替|替代)")
#: ``(部分)代替[:] X[, Y]``: what this standard replaces (up to the next statement).
_REPLACES = re.compile(r"(?P<partial>部分)?(?:代替|替代)[：:\s]*(?P<refs>(?:(?!被|代替|替代).)+)")
#: Technical committees written where a standard number belongs (SAC/TC291, TC291/SC2).
COMMITTEE = re.compile(r"^(?:SAC\s*/\s*)?TC\s*\d+(?:\s*/\s*SC\s*\d+)?$", re.IGNORECASE)
#: Markup and notes some scraped catalogues append after the statement.
_TRAILER = re.compile(r"(?:<|&lt;|标准类别[：:]|主管部门[：:]|采标情况).*$", re.DOTALL)
_PARTIAL_MARK = re.compile(r"^\s*[(（]\s*部分\s*[)）]")
_ITEM_SPLIT = re.compile(r"[,;，；、\n]+")
_LIST_NOISE = re.compile(r"[\s,;，；、/和及与]+")


@dataclass
class Replacement:
    """Both directions of a replacement statement, with partial replacements and non-standards."""

    replaces: list[str] = field(default_factory=list)
    replaced_by: list[str] = field(default_factory=list)
    partial: list[str] = field(default_factory=list)
    not_standards: list[str] = field(default_factory=list)

    def add(self, direction: str, number: str, partial: bool) -> None:
        """Record one number in a direction ("replaces" or "replaced_by")."""
        target = self.replaces if direction == "replaces" else self.replaced_by
        if number not in target:
            target.append(number)
        if partial and number not in self.partial:
            self.partial.append(number)


def parse_statement(text: str, own: StandardNumber | None = None) -> Replacement:
    """Both directions of a free-text 替代情况 statement (``own``: the record's number)."""
    result = Replacement()
    text = _TRAILER.sub("", text or "").strip()
    if not text:
        return result
    if COMMITTEE.match(text):
        result.not_standards.append(text)
        return result
    rest = text
    for match in _REPLACED_BY.finditer(text):
        _add_numbers(result, "replaced_by", match.group("refs"), bool(match.group("partial")), own)
        rest = rest.replace(match.group(0), " ", 1)
    for match in _REPLACES.finditer(rest):
        refs = match.group("refs")
        partial = bool(match.group("partial")) or "部分" in refs
        _add_numbers(result, "replaces", refs, partial, own)
        rest = rest.replace(match.group(0), " ", 1)
    if not (result.replaces or result.replaced_by):
        _bare_list(result, rest, own)
    return result


def parse_field(value: object, direction: str, own: StandardNumber | None = None) -> Replacement:
    """A structured replaces / replacedBy field (a string or a list) in one direction."""
    result = Replacement()
    items = value if isinstance(value, list) else [value]
    for item in items:
        text = _TRAILER.sub("", str(item or "")).strip()
        if not text or text.lower() in ("none", "null", "无", "-"):
            continue
        if COMMITTEE.match(text):
            result.not_standards.append(text)
            continue
        if re.search(r"代替|替代", text):
            statement = parse_statement(text, own)
            for number in statement.replaces + statement.replaced_by:
                result.add(direction, number, number in statement.partial)
            continue
        if find_numbers(text):
            _add_numbers(result, direction, text, "部分" in text, own)
        else:
            for part in _ITEM_SPLIT.split(text):
                if part.strip():
                    result.add(direction, part.strip(), False)
    return result


def _add_numbers(result: Replacement, direction: str, refs: str, partial: bool, own: StandardNumber | None) -> None:
    """Every standard number in ``refs`` (the record's own number left out)."""
    for _start, end, number in find_numbers(refs):
        if own is not None and number == own:
            continue
        marked = partial or bool(_PARTIAL_MARK.match(refs[end:]))
        result.add(direction, number.canonical, marked)


def _bare_list(result: Replacement, text: str, own: StandardNumber | None) -> None:
    """A statement that is only numbers: older editions are replaced, newer ones replace."""
    found = find_numbers(text)
    leftover = text
    for start, end, _ in reversed(found):
        leftover = leftover[:start] + leftover[end:]
    if not found or _LIST_NOISE.sub("", leftover).replace("(部分)", "").replace("（部分）", ""):
        return
    for _, _, number in found:
        if own is not None and number == own:
            continue
        newer = own is not None and own.year and number.year and number.year > own.year
        result.add("replaced_by" if newer else "replaces", number.canonical, False)


def is_committee(text: str) -> bool:
    """True for a technical-committee code such as TC291 (not a standard)."""
    return bool(COMMITTEE.match(text.strip()))


def canonical_or_none(text: str) -> str | None:
    """The canonical form of a standard number, or None."""
    number = parse_number(text)
    return number.canonical if number else None
