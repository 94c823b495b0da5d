"""Editions and replacement chains across the corpus, from the manifest.

Editions of one standard share its number without the year (GB/T 19001-2000, -2008, -2016);
they are listed oldest first with the current one marked: the newest edition that is in force
(现行, 即将实施 or of unknown status). Replacement links are read in both directions: a document that
says it replaces X makes X replaced by it even when X's own record is silent. The current
document of any number follows replaced-by links (across numbers: YY/T 0287-2017 → GB/T
42061-2022), else the current edition of its number.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

from stdsearch.numbers import parse_number
from stdsearch.settings import Home
from stdsearch.store import Store

#: Statuses of a document no longer in force.
NOT_IN_FORCE = ("废止", "被代替")
#: Longest replaced-by chain followed.
MAX_HOPS = 10


@dataclass(frozen=True)
class Edition:
    """One edition of a standard in the corpus."""

    number: str
    doc_id: str
    year: str
    status: str
    current: bool = False


@dataclass
class EditionIndex:
    """Editions by number-without-year, and replacement links in both directions, by number."""

    editions: dict[str, list[Edition]] = field(default_factory=dict)
    replaces: dict[str, list[str]] = field(default_factory=dict)
    replaced_by: dict[str, list[str]] = field(default_factory=dict)
    doc_ids: dict[str, str] = field(default_factory=dict)

    def editions_of(self, number: str) -> list[Edition]:
        """Every edition of the standard ``number`` names, oldest first, the current one marked."""
        return self.editions.get(_split(self._key(number))[0], [])

    def _key(self, number: str) -> str:
        """The number as the index files it: a corpus document's number as it is (stored numbers
        are canonical: not parsed again, fifty thousand times when a catalogue is linked), any
        other in its canonical form."""
        return number if number in self.doc_ids else _canonical(number)

    def current_of(self, number: str) -> str:
        """The number of the document in force in place of ``number`` ('' when none is known)."""
        seen: set[str] = set()
        current = self._key(number)
        for _ in range(MAX_HOPS):
            seen.add(current)
            nexts = [n for n in self.replaced_by.get(current, []) if n not in seen and n in self.doc_ids]
            if not nexts:
                break
            current = nexts[0]
        marked = [e.number for e in self.editions_of(current) if e.current]
        if marked:
            return marked[0]
        return current if current != self._key(number) and current in self.doc_ids else ""

    def links(self, number: str, own_replaces: list[str], own_replaced_by: list[str]) -> dict[str, list[str]]:
        """Both directions for one document: its own statements and what others say of it."""
        key = self._key(number)
        return {
            "replaces": _unique([*map(_canonical, own_replaces), *self.replaces.get(key, [])], key),
            "replaced_by": _unique([*map(_canonical, own_replaced_by), *self.replaced_by.get(key, [])], key),
        }


@functools.lru_cache(maxsize=1 << 17)
def _canonical(number: str) -> str:
    parsed = parse_number(number)
    return parsed.canonical if parsed else number.strip()


def _unique(numbers: list[str], own: str) -> list[str]:
    return [n for n in dict.fromkeys(numbers) if n and n != own]


_YEAR = re.compile(r"^(?P<base>.+?)[-:](?P<year>(?:19|20)\d{2})$")


@functools.lru_cache(maxsize=1 << 17)
def _split(number: str) -> tuple[str, str]:
    """(number without year, year) of a canonical number, cheaply (stored numbers are canonical)."""
    match = _YEAR.match(number)
    return (match.group("base"), match.group("year")) if match else (number, "")


def build(manifest: dict[str, dict[str, Any]]) -> EditionIndex:
    """The edition index of a corpus manifest (doc_id → number, status, replaces, replaced_by)."""
    index = EditionIndex()
    grouped: dict[str, list[tuple[str, str, str, str]]] = {}  # base → (year, number, doc_id, status)
    for doc_id, entry in manifest.items():
        number = entry.get("number") or ""
        if entry.get("kind") != "standard" or not number or doc_id.startswith(("policy-", "law-")):
            continue
        base, year = _split(number)
        index.doc_ids[number] = doc_id
        grouped.setdefault(base, []).append((year, number, doc_id, entry.get("status", "")))
        for ref in entry.get("replaces") or []:
            index.replaced_by.setdefault(ref, []).append(number)
            index.replaces.setdefault(number, []).append(ref)
        for ref in entry.get("replaced_by") or []:
            index.replaces.setdefault(ref, []).append(number)
            index.replaced_by.setdefault(number, []).append(ref)
    for key, found in grouped.items():
        ordered = sorted(found, key=lambda e: e[:2])
        current = next((number for _, number, _, status in reversed(ordered) if status not in NOT_IN_FORCE), "")
        index.editions[key] = [
            Edition(number, doc_id, year, status, number == current) for year, number, doc_id, status in ordered
        ]
    return index


def of(home: Home) -> EditionIndex:
    """The edition index of a home, built once per manifest version."""
    return Store(home).derived("editions", lambda store: build(store.manifest()))
