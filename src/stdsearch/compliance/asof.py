"""Point in time: which documents were in force on a given day.

Each document gets a validity interval ``[start, end)`` from its metadata and its versions:

* ``start`` — its implementation (effective) date, else its publication date ("" = unknown,
  taken as "always");
* ``end`` — its abolition date when it has one; else, for a text with later versions (a law
  amended, a standard replaced), the day the next version took effect; else, for a document
  withdrawn or replaced without any date, today (it is not in force now, and when it stopped
  is unknown); else open.

So a search ``as_of=2015-06-01`` finds the 2007 反垄断法 (in force 2008-08-01 until the 2022
version), not today's, and a standard withdrawn in 2020 but not one that took effect in 2021.
:func:`in_force` is what search plans use (:mod:`stdsearch.search.plan`): the ids of the
documents in force that day.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from stdsearch.compliance.check import (
    IN_FORCE,
    Register,
    load_register,
    manifest_stamp,
    parse_number,
    version_date,
)
from stdsearch.errors import BadQuery
from stdsearch.records import STATUS_CURRENT, STATUS_REPEALED, STATUS_REPLACED, STATUS_UPCOMING
from stdsearch.settings import Home
from stdsearch.store import Store

#: The end of an open interval.
OPEN = "9999-12-31"


@dataclass(frozen=True)
class Validity:
    """When a document was in force: from ``start`` (inclusive) to ``end`` (exclusive); ``start``
    "" = since always."""

    doc_id: str
    start: str
    end: str
    #: The status its dates and versions imply today (现行, 即将实施, 被代替, 废止; "" unknown).
    status: str = ""

    def covers(self, day: str) -> bool:
        """True when the document was in force on ``day`` (ISO date)."""
        return self.start <= day < self.end


def parse_day(text: str) -> str:
    """An ISO date ``YYYY-MM-DD`` checked and returned as such; BadQuery otherwise."""
    try:
        return dt.date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise BadQuery(f"as_of must be a date YYYY-MM-DD, not {text[:20]!r}") from None


def validities(register: Register, today: str) -> Iterator[Validity]:
    """The validity interval of every document of the register."""
    rows = register.connection.execute("SELECT doc_id, canonical, titlekey, dated, entry FROM docs ORDER BY titlekey, dated")
    by_title: dict[str, list[tuple[str, str]]] = {}
    numbered: list[str] = []
    for doc_id, canonical, titlekey, dated, entry in rows:
        if canonical is not None:
            numbered.append(doc_id)
            continue
        versioned = json.loads(entry).get("kind") == "law"  # laws have versions; other texts stand alone
        by_title.setdefault(titlekey if versioned else doc_id, []).append((doc_id, dated))
    for versions in by_title.values():
        for index, (doc_id, dated) in enumerate(versions):
            later = [d for _, d in versions[index + 1 :] if d and d > dated]
            yield _validity(register, doc_id, dated, later[0] if later else "", today)
    for doc_id in numbered:
        step = register.successor(doc_id) if register.status(doc_id) not in IN_FORCE else None
        next_start = start_of(register.entry(step[1])) if step and step[1] else ""
        yield _validity(register, doc_id, start_of(register.entry(doc_id)), next_start, today)


def start_of(entry: Mapping[str, Any]) -> str:
    """When a document took effect: its effective date, else its publication date, else (a
    standard without dates) the 1st of January of its number's year (GB/T 14833-2011: 2011)."""
    dated = version_date(entry)
    if dated:
        return dated
    number = parse_number(entry.get("number") or "")
    return f"{number.year}-01-01" if number is not None and number.year else ""


def _validity(register: Register, doc_id: str, start: str, next_start: str, today: str) -> Validity:
    """The interval of one document, given the start of the version after it ("" = none)."""
    entry = register.entry(doc_id)
    end = entry.get("abolish_date") or next_start
    if not end:
        end = today if entry.get("status") and entry.get("status") not in IN_FORCE else OPEN
    end = max(end, start) if start else end
    return Validity(doc_id, start, end, implied_status(start, end, bool(next_start), today))


def implied_status(start: str, end: str, has_next: bool, today: str) -> str:
    """The status dates imply: not yet started → 即将实施; ended → 被代替 when a newer version
    took over, else 废止; otherwise 现行 ("" when there is no date at all)."""
    if not start and end == OPEN:
        return ""
    if start > today:
        return STATUS_UPCOMING
    if end <= today:
        return STATUS_REPLACED if has_next else STATUS_REPEALED
    return STATUS_CURRENT


def settled_status(entry: Mapping[str, Any], implied: str, today: str) -> str:
    """The one status a document is shown with: the source's word, unless its dates or
    versions say otherwise —

    * no word at all (crawled laws and policies): the implied status;
    * 即将实施 whose implementation date has passed: 现行 (and 现行 before it: 即将实施);
    * in force past its abolition date: the implied 废止 or 被代替;
    * a law version a newer version has taken over (marked 现行 or 废止): 被代替.

    A word the dates cannot contradict (a standard withdrawn without a date) is kept."""
    said = entry.get("status") or ""
    if not implied or said == implied:
        return said or implied
    if not said:
        return implied
    effective, abolished = entry.get("effective_date") or "", entry.get("abolish_date") or ""
    if said == STATUS_UPCOMING and implied == STATUS_CURRENT and effective and effective <= today:
        return implied
    if said == STATUS_CURRENT and implied == STATUS_UPCOMING and effective > today:
        return implied
    if said in IN_FORCE and abolished and abolished <= today:
        return implied
    is_law_version = entry.get("kind") == "law" and not parse_number(entry.get("number") or "")
    if is_law_version and implied == STATUS_REPLACED:
        return implied
    return said


_IN_FORCE: dict[tuple[str, str, str], frozenset[str]] = {}


def in_force(home: Home, day: str) -> frozenset[str]:
    """The ids of the documents in force on ``day`` (ISO date), from the register's intervals
    (kept per corpus state and day)."""
    store = Store(home)
    key = (str(home.corpus), manifest_stamp(store), parse_day(day))
    if key not in _IN_FORCE:
        if len(_IN_FORCE) > 64:
            _IN_FORCE.clear()
        _IN_FORCE[key] = load_register(store).in_force_on(key[2])
    return _IN_FORCE[key]


def settle_hits(home: Home, hits: Iterable[Any]) -> None:
    """Give each hit (anything with ``doc_id`` and ``status``) the status its document has
    today, as the document page, check and lint show it (:func:`settled_status`)."""
    hits = list(hits)
    if not hits:
        return
    register = load_register(Store(home))
    try:
        register.read_entries(hit.doc_id for hit in hits)
        for hit in hits:
            if register.entry(hit.doc_id):
                hit.status = register.status(hit.doc_id)
    finally:
        register.connection.close()


@dataclass(frozen=True)
class Version:
    """One version of a law, as listed on each version's page."""

    doc_id: str
    title: str
    date: str
    status: str
    in_force: bool
    this: bool


def versions(register: Register, doc_id: str, today: str | None = None) -> list[Version]:
    """Every version of the law ``doc_id`` belongs to, oldest first, each saying whether it is
    in force today ([] for a document with no other version)."""
    ids = register.versions(doc_id)
    if len(ids) < 2:
        return []
    current = register.in_force_on(today or dt.date.today().isoformat())
    return [
        Version(v, register.entry(v).get("title", ""), version_date(register.entry(v)),
                register.status(v), v in current, v == doc_id)
        for v in ids
    ]


def version_in_force(found: list[Version]) -> Version | None:
    """The version in force today, if one is."""
    return next((v for v in reversed(found) if v.in_force), None)
