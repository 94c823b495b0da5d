"""The crawl's memory in SQLite (``corpus/crawl.sqlite3``): frontier, pages, fetch log.

* ``crawls`` — one row per crawl run of a source; a run without ``finished_at`` is resumed by
  the next crawl of the same source instead of starting over.
* ``queue`` — the frontier of a run: URLs with their depth and referrer, pending or done.
* ``pages`` — the latest state of every URL ever fetched: validators for conditional GET,
  the sha256 of its content, the documents it produced and the content last handed to the
  index (``indexed``), so unchanged content is not parsed again and an interrupted crawl
  still indexes what it fetched.
* ``fetch_log`` — one row per fetch attempt outcome, for the operator.
* ``docs`` — every document id the crawl produced, with the content key last indexed.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS crawls (
    id INTEGER PRIMARY KEY, key TEXT NOT NULL, source TEXT NOT NULL,
    started_at TEXT NOT NULL, finished_at TEXT);
CREATE TABLE IF NOT EXISTS queue (
    crawl_id INTEGER NOT NULL, url TEXT NOT NULL, depth INTEGER NOT NULL,
    referrer TEXT NOT NULL DEFAULT '', state TEXT NOT NULL DEFAULT 'pending',
    seq INTEGER NOT NULL, PRIMARY KEY (crawl_id, url));
CREATE TABLE IF NOT EXISTS pages (
    url TEXT PRIMARY KEY, source TEXT NOT NULL DEFAULT '', final_url TEXT NOT NULL DEFAULT '',
    status INTEGER NOT NULL DEFAULT 0, etag TEXT NOT NULL DEFAULT '',
    last_modified TEXT NOT NULL DEFAULT '', sha256 TEXT NOT NULL DEFAULT '',
    content_type TEXT NOT NULL DEFAULT '', fetched_at TEXT NOT NULL DEFAULT '',
    first_seen TEXT NOT NULL DEFAULT '', depth INTEGER NOT NULL DEFAULT 0,
    document INTEGER NOT NULL DEFAULT 1, removed INTEGER NOT NULL DEFAULT 0,
    removed_reason TEXT NOT NULL DEFAULT '', indexed TEXT NOT NULL DEFAULT '',
    doc_ids TEXT NOT NULL DEFAULT '[]');
CREATE TABLE IF NOT EXISTS fetch_log (
    id INTEGER PRIMARY KEY, crawl_id INTEGER, url TEXT NOT NULL, final_url TEXT,
    status INTEGER, outcome TEXT NOT NULL, reason TEXT, sha256 TEXT, size INTEGER,
    headers TEXT, fetched_at TEXT, attempts INTEGER);
CREATE TABLE IF NOT EXISTS docs (doc_id TEXT PRIMARY KEY, key TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS pages_sha ON pages (sha256);
CREATE INDEX IF NOT EXISTS queue_state ON queue (crawl_id, state, seq);
"""


@dataclass
class Page:
    """The latest known state of one URL (a row of ``pages``)."""

    url: str
    source: str = ""
    final_url: str = ""
    status: int = 0
    etag: str = ""
    last_modified: str = ""
    sha256: str = ""
    content_type: str = ""
    fetched_at: str = ""
    first_seen: str = ""
    depth: int = 0
    document: bool = True
    removed: bool = False
    removed_reason: str = ""
    indexed: str = ""
    doc_ids: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        """What the index should hold for this page: its content, or its content marked removed."""
        if not self.sha256 or not self.document:
            return ""
        return f"{self.sha256}:removed" if self.removed else self.sha256

    @property
    def needs_indexing(self) -> bool:
        """True when the index does not yet reflect this page's current state."""
        return self.key != self.indexed


@dataclass(frozen=True)
class QueueItem:
    """One URL waiting in a run's frontier."""

    url: str
    depth: int
    referrer: str = ""


class Frontier:
    """Crawl state of one home, in one SQLite file (safe to reopen after an interruption)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        # WAL + NORMAL stays consistent on a crash and does not fsync every statement.
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    # -- runs and frontier -------------------------------------------------------------------
    def start(
        self, key: str, source: str, seeds: Iterable[QueueItem], now: str
    ) -> tuple[int, bool]:
        """Resume the unfinished run for ``key``, or start one seeded with ``seeds``."""
        row = self.db.execute(
            "SELECT id FROM crawls WHERE key = ? AND finished_at IS NULL ORDER BY id DESC LIMIT 1",
            (key,),
        ).fetchone()
        if row:
            return int(row[0]), True
        cursor = self.db.execute(
            "INSERT INTO crawls (key, source, started_at) VALUES (?, ?, ?)", (key, source, now)
        )
        crawl_id = int(cursor.lastrowid or 0)
        for item in seeds:
            self.add(crawl_id, item)
        return crawl_id, False

    def finish(self, crawl_id: int, now: str) -> None:
        """Mark a run finished: the next crawl of its source starts afresh."""
        self.db.execute("UPDATE crawls SET finished_at = ? WHERE id = ?", (now, crawl_id))

    def add(self, crawl_id: int, item: QueueItem) -> bool:
        """Queue a URL for this run unless it is already queued; True when it was new."""
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO queue (crawl_id, url, depth, referrer, seq) VALUES "
            "(?, ?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM queue WHERE crawl_id = ?))",
            (crawl_id, item.url, item.depth, item.referrer, crawl_id),
        )
        return cursor.rowcount > 0

    def pending(self, crawl_id: int, limit: int) -> list[QueueItem]:
        """The next ``limit`` pending URLs, breadth first."""
        rows = self.db.execute(
            "SELECT url, depth, referrer FROM queue WHERE crawl_id = ? AND state = 'pending' "
            "ORDER BY depth, seq LIMIT ?",
            (crawl_id, limit),
        ).fetchall()
        return [QueueItem(*row) for row in rows]

    def done(self, crawl_id: int, url: str) -> None:
        """Mark a queued URL handled (fetched, failed or refused)."""
        self.db.execute(
            "UPDATE queue SET state = 'done' WHERE crawl_id = ? AND url = ?", (crawl_id, url)
        )

    def count_done(self, crawl_id: int) -> int:
        """How many URLs this run has handled."""
        row = self.db.execute(
            "SELECT COUNT(*) FROM queue WHERE crawl_id = ? AND state = 'done'", (crawl_id,)
        ).fetchone()
        return int(row[0])

    # -- pages -------------------------------------------------------------------------------
    def page(self, url: str) -> Page | None:
        """The stored state of ``url``, or None if it was never fetched."""
        self.db.row_factory = sqlite3.Row
        try:
            row = self.db.execute("SELECT * FROM pages WHERE url = ?", (url,)).fetchone()
        finally:
            self.db.row_factory = None
        return _page(dict(row)) if row else None

    def save_page(self, page: Page) -> None:
        """Insert or replace one page's state."""
        values = {f.name: getattr(page, f.name) for f in fields(Page)}
        values["doc_ids"] = json.dumps(page.doc_ids)
        values["document"] = int(page.document)
        values["removed"] = int(page.removed)
        names = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        self.db.execute(
            f"INSERT OR REPLACE INTO pages ({names}) VALUES ({marks})", tuple(values.values())
        )

    def pages_where(self, where: str, params: tuple[Any, ...] = ()) -> list[Page]:
        """Pages matching an SQL condition (internal queries only)."""
        self.db.row_factory = sqlite3.Row
        try:
            rows = self.db.execute(
                f"SELECT * FROM pages WHERE {where} ORDER BY url", params
            ).fetchall()
        finally:
            self.db.row_factory = None
        return [_page(dict(row)) for row in rows]

    def unindexed(self, source: str) -> list[Page]:
        """Document pages of a source whose current state the index does not reflect yet."""
        pages = self.pages_where("source = ? AND document = 1 AND sha256 != ''", (source,))
        return [p for p in pages if p.needs_indexing]

    def live_urls(self, sha256: str) -> list[str]:
        """Every live document URL serving this content (after redirects), first seen first."""
        rows = self.db.execute(
            "SELECT CASE WHEN final_url != '' THEN final_url ELSE url END FROM pages "
            "WHERE sha256 = ? AND removed = 0 AND document = 1 ORDER BY first_seen, url",
            (sha256,),
        ).fetchall()
        return list(dict.fromkeys(row[0] for row in rows))

    def mark_indexed(self, url: str, key: str, doc_ids: list[str]) -> None:
        """Record that the index now holds ``key`` (with these documents) for ``url``."""
        self.db.execute(
            "UPDATE pages SET indexed = ?, doc_ids = ? WHERE url = ?",
            (key, json.dumps(doc_ids), url),
        )

    def known_documents(self, source: str) -> list[QueueItem]:
        """Live document URLs a source found before (re-checked by every new run)."""
        rows = self.db.execute(
            "SELECT url, depth FROM pages WHERE source = ? AND document = 1 AND removed = 0 "
            "AND sha256 != '' ORDER BY first_seen, url",
            (source,),
        ).fetchall()
        return [QueueItem(url, depth) for url, depth in rows]

    # -- documents and log -------------------------------------------------------------------
    def doc_key(self, doc_id: str) -> str | None:
        """The content key last indexed for a document id (None when never indexed)."""
        row = self.db.execute("SELECT key FROM docs WHERE doc_id = ?", (doc_id,)).fetchone()
        return row[0] if row else None

    def set_doc_key(self, doc_id: str, key: str) -> None:
        """Remember what was indexed for a document id."""
        self.db.execute("INSERT OR REPLACE INTO docs (doc_id, key) VALUES (?, ?)", (doc_id, key))

    def log(self, crawl_id: int, url: str, outcome: str, **values: Any) -> None:
        """Append one outcome to the fetch log."""
        headers = values.pop("headers", None)
        row = {"crawl_id": crawl_id, "url": url, "outcome": outcome, **values}
        row["headers"] = json.dumps(headers or {}, ensure_ascii=False)
        names = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        self.db.execute(f"INSERT INTO fetch_log ({names}) VALUES ({marks})", tuple(row.values()))


def _page(row: dict[str, Any]) -> Page:
    """A Page from a database row."""
    row["doc_ids"] = json.loads(row.get("doc_ids") or "[]")
    row["document"] = bool(row.get("document"))
    row["removed"] = bool(row.get("removed"))
    return Page(**row)
