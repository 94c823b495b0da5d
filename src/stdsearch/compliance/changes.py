"""The change history of a corpus: what was added, changed, status-changed and removed, when.

The pipeline calls :func:`record` after every ingest, crawl and removal with the documents it
stored and the ids it removed. The history lives in corpus/history.sqlite3, beside the
documents (not under index/, so reindexing never touches it), in two tables:

* ``events`` — append-only: one row per change, numbered (``seq``) and stamped (UTC); rows are
  never updated or deleted.
* ``state`` — the last recorded metadata and content digest of each document, which the next
  :func:`record` compares against to say *what* changed.

Some changes happen with no write at all: a standard marked 即将实施 becomes 现行 on its
implementation date, one in force becomes 废止 on its abolition date. The history records the
status its dates imply, and such a transition is an event dated the day it happened: derived
from ``state`` when the events are read (so a feed reader sees it that day), and appended
for good by the next :func:`record` (every ingest, removal and reindex), under the same ``id``.

:func:`since` reads the events after a time, paged; :func:`atom_feed` writes them as Atom.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from stdsearch.errors import BadQuery
from stdsearch.records import (
    STATUS_CURRENT,
    STATUS_REPEALED,
    STATUS_REPLACED,
    STATUS_UPCOMING,
    Document,
    dates_overtaken_sql,
    transitions,
)
from stdsearch.settings import Home

ADDED, CHANGED, STATUS_CHANGED, REMOVED = "added", "changed", "status-changed", "removed"
CHANGE_KINDS = (ADDED, CHANGED, STATUS_CHANGED, REMOVED)
#: Document fields whose changes are recorded with their old and new values.
TRACKED_FIELDS = (
    "title", "number", "kind", "level", "status", "issuer", "region",
    "publish_date", "effective_date", "abolish_date", "replaces", "replaced_by",
)
#: Most events one page of :func:`since` returns.
MAX_PER_PAGE = 500

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    time TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    change TEXT NOT NULL,
    title TEXT NOT NULL,
    number TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    fields TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_time ON events (time);
CREATE INDEX IF NOT EXISTS events_doc ON events (doc_id);
CREATE TABLE IF NOT EXISTS state (
    doc_id TEXT PRIMARY KEY,
    digest TEXT NOT NULL,
    metadata TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS events_append_only_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'the change history is append-only'); END;
CREATE TRIGGER IF NOT EXISTS events_append_only_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'the change history is append-only'); END;
"""


@dataclass
class Change:
    """One event of the history: ``fields`` maps each changed field to ``{"from", "to"}``."""

    seq: int
    time: str
    doc_id: str
    change: str
    title: str
    number: str = ""
    kind: str = ""
    status: str = ""
    fields: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def url(self) -> str:
        """The document's permalink path (it may be gone when the change is a removal)."""
        return f"/doc/{self.doc_id}"

    @property
    def id(self) -> str:
        """A stable URN: by position in the history, or, for a status its dates changed, by
        document, transition and day (the same whether derived on read or recorded)."""
        dated = self.fields.get("status", {}).get("date")
        if dated:
            return f"urn:stdsearch:change:{self.doc_id}:{_TRANSITION_NAMES[self.status]}:{dated}"
        return f"urn:stdsearch:change:{self.seq}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the API, ``--json``)."""
        return {**asdict(self), "id": self.id, "url": self.url}

    def summary(self) -> str:
        """One line for people: status: 现行 → 废止; title: …; text: …."""
        parts = [
            f"{name}: {_short(v['from'])} → {_short(v['to'])}" + (f" ({v['date']})" if v.get("date") else "")
            for name, v in self.fields.items()
        ]
        return "; ".join(parts)


def _short(value: Any) -> str:
    """A field value as short text."""
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "—"
    return str(value) if value not in ("", None) else "—"


def history_path(home: Home) -> Any:
    """corpus/history.sqlite3."""
    return home.corpus / "history.sqlite3"


@contextlib.contextmanager
def connect(home: Home) -> Iterator[sqlite3.Connection]:
    """A connection to the history, its tables created; commits on success, closes always."""
    home.corpus.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(history_path(home), timeout=30)
    try:
        connection.executescript(_SCHEMA)
        with connection:
            yield connection
    finally:
        connection.close()


def now() -> str:
    """The current UTC time as recorded: ``2026-12-01T02:40:00.123456Z``."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# --- recording --------------------------------------------------------------------------


@dataclass(frozen=True)
class Stored:
    """What the history needs of a stored document: its id, tracked fields and body digest
    (from the document, or from its manifest entry, which keeps both)."""

    doc_id: str
    fields: dict[str, Any]
    digest: str

    @classmethod
    def of(cls, document: Document) -> Stored:
        """The summary of a document."""
        return cls(document.doc_id, {name: getattr(document, name) for name in TRACKED_FIELDS}, document.body_digest())

    @classmethod
    def from_entry(cls, doc_id: str, entry: dict[str, Any]) -> Stored | None:
        """The summary kept in a manifest entry (None for an entry written before entries kept it)."""
        if "digest" not in entry or "abolish_date" not in entry:
            return None
        return cls(doc_id, {name: entry.get(name, "") for name in TRACKED_FIELDS}, entry["digest"])


def metadata(summary: Stored, today: str = "") -> dict[str, Any]:
    """The tracked fields of a stored document, its status as its dates imply ``today`` (ISO
    date, default today): 即将实施 past its implementation date is 现行."""
    found = dict(summary.fields)
    for _, status in transitions(found, today or dt.date.today().isoformat()):
        found["status"] = status
    return found


#: What a status changed by a date is called in the ids of its events.
_TRANSITION_NAMES = {STATUS_CURRENT: "effective", STATUS_REPEALED: "abolished", STATUS_REPLACED: "replaced"}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``{field: {"from", "to"}}`` for every tracked field whose value differs."""
    return {
        name: {"from": before.get(name, ""), "to": after.get(name, "")}
        for name in TRACKED_FIELDS
        if before.get(name, "") != after.get(name, "") and (before.get(name) or after.get(name))
    }


def record(
    home: Home, changed: Iterable[Document | Stored], removed: Iterable[str] = (), when: str | None = None,
    today: str = "", dated: bool = True,
) -> int:
    """Append the events of one batch: documents stored (added or changed) and ids removed,
    after the status changes dates brought since the last batch (see :func:`transitions`;
    ``dated=False`` leaves those out: a writer recording one run in several batches looks for
    them once, since documents it records are stored with the status their dates imply).

    A document stored again unchanged, or an id removed that the history never saw, adds no
    event: recording the same batch twice (after a crash) appends nothing the second time.
    Returns the number of events appended.
    """
    stamp = when or now()
    day = today or stamp[:10]
    with connect(home) as connection:
        count = _record_transitions(connection, day) if dated else 0
        for document in changed:
            count += _record_stored(connection, document, stamp, day)
        for doc_id in removed:
            count += _record_removed(connection, doc_id, stamp)
    return count


#: The documents whose recorded status a date may have changed by :today.
_DUE_SQL = f"SELECT doc_id, metadata FROM state WHERE {dates_overtaken_sql('metadata')}"


def _due(connection: sqlite3.Connection, today: str) -> Iterator[tuple[str, dict[str, Any], list[Change]]]:
    """(doc_id, metadata after, events) of every document whose recorded status its dates
    have changed by ``today``; the events are dated the day each change happened (never
    before the document's last recorded event)."""
    rows = connection.execute(_DUE_SQL, {"upcoming": STATUS_UPCOMING, "current": STATUS_CURRENT, "today": today}).fetchall()
    for doc_id, text in rows:
        meta = json.loads(text)
        steps = transitions(meta, today)
        if not steps:
            continue
        last = connection.execute("SELECT MAX(time) FROM events WHERE doc_id = ?", (doc_id,)).fetchone()[0] or ""
        events = []
        for day, status in steps:
            fields = {"status": {"from": meta["status"], "to": status, "date": day}}
            meta = {**meta, "status": status}
            events.append(_derived(doc_id, max(f"{day}T00:00:00.000000Z", last), meta, fields))
        yield doc_id, meta, events


def _derived(doc_id: str, stamp: str, meta: dict[str, Any], fields: dict[str, Any]) -> Change:
    """A status-changed event not (yet) in the table (``seq`` 0)."""
    return Change(0, stamp, doc_id, STATUS_CHANGED, meta.get("title", ""), meta.get("number", ""),
                  meta.get("kind", ""), meta.get("status", ""), fields)


def _record_transitions(connection: sqlite3.Connection, today: str) -> int:
    """Append the status changes dates brought (see :func:`_due`); returns how many."""
    count = 0
    for doc_id, meta, events in list(_due(connection, today)):
        connection.execute(
            "UPDATE state SET metadata = ? WHERE doc_id = ?", (json.dumps(meta, ensure_ascii=False), doc_id)
        )
        for event in events:
            _append(connection, event.time, doc_id, STATUS_CHANGED, meta | {"status": event.status}, event.fields)
            count += 1
    return count


def _record_stored(connection: sqlite3.Connection, document: Document | Stored, stamp: str, today: str) -> int:
    """The event of one stored document (0 or 1 appended)."""
    summary = document if isinstance(document, Stored) else Stored.of(document)
    found = connection.execute("SELECT digest, metadata FROM state WHERE doc_id = ?", (summary.doc_id,)).fetchone()
    new_meta, new_digest = metadata(summary, today), summary.digest
    if found is None:
        kind, fields = ADDED, {}
    else:
        fields = diff(json.loads(found[1]), new_meta)
        if found[0] != new_digest:
            fields["text"] = {"from": found[0], "to": new_digest}
        if not fields:
            return 0
        kind = STATUS_CHANGED if "status" in fields else CHANGED
    connection.execute(
        "INSERT OR REPLACE INTO state (doc_id, digest, metadata) VALUES (?, ?, ?)",
        (document.doc_id, new_digest, json.dumps(new_meta, ensure_ascii=False)),
    )
    _append(connection, stamp, document.doc_id, kind, new_meta, fields)
    return 1


def _record_removed(connection: sqlite3.Connection, doc_id: str, stamp: str) -> int:
    """The event of one removed document (0 when the history never saw it)."""
    found = connection.execute("SELECT metadata FROM state WHERE doc_id = ?", (doc_id,)).fetchone()
    if found is None:
        return 0
    meta = json.loads(found[0])
    connection.execute("DELETE FROM state WHERE doc_id = ?", (doc_id,))
    _append(connection, stamp, doc_id, REMOVED, meta, {})
    return 1


def _append(
    connection: sqlite3.Connection, stamp: str, doc_id: str, kind: str, meta: dict[str, Any], fields: dict[str, Any]
) -> None:
    connection.execute(
        "INSERT INTO events (time, doc_id, change, title, number, kind, status, fields) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (stamp, doc_id, kind, meta.get("title", ""), meta.get("number", ""), meta.get("kind", ""),
         meta.get("status", ""), json.dumps(fields, ensure_ascii=False)),
    )


# --- reading ----------------------------------------------------------------------------


def parse_since(text: str) -> str:
    """An ISO date or time (``2026-11-01``, ``2026-11-01T08:00``, ``…+08:00``) as the recorded
    UTC form; BadQuery when it is none."""
    try:
        moment = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise BadQuery(f"since must be an ISO date or time such as 2026-11-01T08:00Z, not {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class ChangePage:
    """One page of the events after a time, oldest first."""

    since: str
    total: int
    page: int
    per_page: int
    changes: list[Change]

    @property
    def has_next(self) -> bool:
        """True when more events follow this page."""
        return self.page * self.per_page < self.total

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "since": self.since, "total": self.total, "page": self.page, "per_page": self.per_page,
            "changes": [c.to_dict() for c in self.changes],
        }


def since(
    home: Home, moment: str = "", page: int = 1, per_page: int = 100, change: str = "", today: str = ""
) -> ChangePage:
    """The events recorded after ``moment`` (ISO; "" = all), optionally of one kind, paged,
    oldest first; with them the status changes dates brought by ``today`` (default: today)
    that no write has recorded yet, each dated the day it happened."""
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise BadQuery(f"page must be 1 or more and per_page between 1 and {MAX_PER_PAGE}")
    if change and change not in CHANGE_KINDS:
        raise BadQuery(f"unknown change {change!r}: use one of {', '.join(CHANGE_KINDS)}")
    after = parse_since(moment) if moment else ""
    where, params = "time > ?", [after]
    if change:
        where, params = where + " AND change = ?", [*params, change]
    if not history_path(home).exists():
        return ChangePage(after, 0, page, per_page, [])
    offset = (page - 1) * per_page
    with connect(home) as connection:
        pending = [e for e in _pending(connection, today) if e.time > after and change in ("", e.change)]
        total = connection.execute(f"SELECT COUNT(*) FROM events WHERE {where}", params).fetchone()[0]
        rows = connection.execute(
            f"SELECT {_COLUMNS} FROM events WHERE {where} ORDER BY time, seq LIMIT ? OFFSET ?",
            [*params, per_page + (offset if pending else 0), 0 if pending else offset],
        ).fetchall()
    events = [_change(row) for row in rows]
    if pending:
        events = sorted([*events, *pending], key=lambda e: e.time)[offset : offset + per_page]
    return ChangePage(after, total + len(pending), page, per_page, events)


def _pending(connection: sqlite3.Connection, today: str = "") -> list[Change]:
    """The status changes dates brought by ``today`` that no write has recorded yet."""
    day = today or dt.date.today().isoformat()
    return [event for _, _, events in _due(connection, day) for event in events]


_COLUMNS = "seq, time, doc_id, change, title, number, kind, status, fields"


def latest(home: Home, limit: int = 100, today: str = "") -> list[Change]:
    """The newest events, newest first (for the feed), the status changes dates brought and
    no write has recorded yet among them."""
    if not history_path(home).exists():
        return []
    with connect(home) as connection:
        rows = connection.execute(
            f"SELECT {_COLUMNS} FROM events ORDER BY time DESC, seq DESC LIMIT ?", (limit,)
        ).fetchall()
        pending = _pending(connection, today)
    events = [*(_change(row) for row in rows), *pending]
    return sorted(events, key=lambda e: (e.time, e.seq), reverse=True)[:limit]


def _change(row: tuple[Any, ...]) -> Change:
    return Change(*row[:8], fields=json.loads(row[8]))


# --- the Atom feed ----------------------------------------------------------------------

#: How each kind of change is named in the feed.
CHANGE_LABELS = {ADDED: "新增", CHANGED: "修改", STATUS_CHANGED: "状态变更", REMOVED: "删除"}


def atom_feed(changes: list[Change], base_url: str = "") -> bytes:
    """The events as an Atom 1.0 feed (newest first); links under ``base_url`` (relative to
    the site when it is ""); ids are URNs (:attr:`Change.id`), stable whatever the address the
    site is served from."""
    from feedgen.feed import FeedGenerator

    base = base_url.rstrip("/")
    feed = FeedGenerator()
    feed.id("urn:stdsearch:changes")
    feed.title("stdsearch 文件变更")
    feed.subtitle("标准、法律法规与政策文件的新增、修改、状态变更与删除")
    feed.author({"name": "stdsearch"})
    feed.link(href=f"{base}/feed.atom", rel="self")
    feed.link(href=f"{base}/changes", rel="alternate", type="application/json")
    feed.updated(_moment(changes[0].time) if changes else dt.datetime(1970, 1, 1, tzinfo=dt.UTC))
    for change in reversed(changes):  # feedgen prepends: add oldest first for newest-first output
        entry = feed.add_entry()
        entry.id(change.id)
        entry.title(f"{CHANGE_LABELS[change.change]}:{change.number + ' ' if change.number else ''}{change.title}")
        entry.updated(_moment(change.time))
        entry.link(href=f"{base}{change.url}")
        entry.summary(change.summary() or CHANGE_LABELS[change.change])
    return feed.atom_str(pretty=True)


def _moment(stamp: str) -> dt.datetime:
    """A recorded UTC stamp as an aware datetime."""
    return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
