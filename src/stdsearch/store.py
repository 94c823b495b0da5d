"""The corpus store: corpus/documents.sqlite3 (one JSON row per document), the source of truth.

Each document is written in its own transaction (readers in any process see the old row or
the new one, never half, and a killed writer loses nothing it stored), as one row of one file
rather than one file per document. Homes from before the table kept a JSON file per document
under corpus/docs/: those are read as they are and replaced by a row when the document is
written again.

The index is derived from these documents and can always be rebuilt from them. A small manifest
(corpus/manifest.sqlite3: doc_id → source, sha256, title, number, status …) is derived too; it
lets ingest decide quickly what changed and lets pages resolve titles and numbers. A write
changes only the rows of the documents it stored or removed, in one transaction.

Whatever else is derived from the corpus (title and number tables, the citation resolver,
the edition index, the compliance register, the "cited by" map) is built through
:meth:`Store.derived`: once per manifest version and process. Writers save the manifest last,
after the derived files, so a value built for a manifest version never predates it.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import tempfile
import threading
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from stdsearch import files
from stdsearch.errors import NotFound
from stdsearch.identity import is_valid_id
from stdsearch.records import (
    STATUS_CURRENT,
    STATUS_UPCOMING,
    Document,
    dates_overtaken,
    dates_overtaken_sql,
)
from stdsearch.settings import Home

#: Manifest fields copied from each document.
MANIFEST_FIELDS = (
    "title", "kind", "level", "number", "status", "source", "sha256", "issuer", "region",
    "publish_date", "effective_date", "abolish_date", "replaces", "replaced_by", "sources",
)


def write_atomically(path: Path, data: str) -> None:
    """Write text to ``path`` so that readers see the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(data)
        files.give_default_mode(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


T = TypeVar("T")

#: (home root, name) → (manifest version, value): what :meth:`Store.derived` built.
_derived: dict[tuple[str, str], tuple[str, Any]] = {}
_derived_lock = threading.Lock()


def manifest_entry(document: Document) -> dict[str, Any]:
    """The manifest's summary of one document."""
    entry = {name: getattr(document, name) for name in MANIFEST_FIELDS}
    entry["pipeline"] = document.extra.get("pipeline")
    entry["current_edition"] = document.extra.get("current_edition", "")
    entry["digest"] = document.body_digest()  # what the change history compares
    if document.extra.get("status_source"):
        entry["status_source"] = document.extra["status_source"]  # the source's word, where the dates overtook it
    return entry


class Store:
    """Documents as JSON rows of a home's corpus/documents.sqlite3 (or, from an older home,
    files under corpus/docs/), and their manifest."""

    def __init__(self, home: Home):
        self.home = home
        #: This store's connection to the documents table, one per thread (web servers).
        self._local = threading.local()
        self._manifest: dict[str, dict[str, Any]] | None = None
        #: doc_id → entry (None: deleted) changed since the last save.
        self._pending: dict[str, dict[str, Any] | None] = {}
        #: source → ids of the entries in memory (the manifest read, the unsaved ones) that named
        #: it, some perhaps no longer: built when first asked, kept up as entries change.
        self._by_source: defaultdict[str, set[str]] | None = None
        #: True when the whole manifest is to be written again (replaced, or read from an old
        #: manifest.json or from the documents).
        self._whole = False
        #: doc_id → (entry, its JSON as saved), written ahead by :meth:`encode_entries`.
        self._encoded: dict[str, tuple[dict[str, Any], str]] = {}

    @property
    def _unsaved(self) -> bool:
        return bool(self._pending) or self._whole

    def path(self, doc_id: str) -> Path:
        """The JSON file a home from before the documents table kept the document in."""
        if not is_valid_id(doc_id):
            raise NotFound(f"no document {doc_id!r}")
        return self.home.docs / f"{doc_id}.json"

    def _documents(self, create: bool = False) -> sqlite3.Connection | None:
        """This thread's connection to the documents table (None when there is none and
        ``create`` is False; with ``create`` the table is made). Each statement commits itself."""
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            return connection
        path = self.home.documents
        if not create and not path.exists():
            return None
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(path, timeout=60, isolation_level=None)
        if create:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute(_DOCUMENTS_SCHEMA)
            files.give_default_mode(path)
        connection.execute("PRAGMA synchronous=NORMAL")  # as the files were: no fsync per document
        # checkpoints (each with its fsyncs) every 64 MB of log rather than every 4 MB: storing
        # the catalogues' 100 MB waited a quarter of a second for them
        connection.execute(f"PRAGMA wal_autocheckpoint={WAL_PAGES}")
        self._local.connection = connection
        return connection

    def _row(self, doc_id: str) -> str | None:
        """The stored JSON of a document from the table (None when it has no row)."""
        connection = self._documents()
        if connection is None:
            return None
        try:
            row = connection.execute("SELECT data FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        except sqlite3.OperationalError:  # created, but its table not made yet (a writer is starting)
            return None
        return row[0] if row else None

    def get(self, doc_id: str) -> Document:
        """The stored document; NotFound when there is none."""
        text = self._row(doc_id)
        if text is None:
            try:
                text = self.path(doc_id).read_text(encoding="utf-8")
            except FileNotFoundError:
                raise NotFound(f"no document {doc_id!r}") from None
        return Document.from_dict(json.loads(text))

    def exists(self, doc_id: str) -> bool:
        """True when the document is stored (its row is not read)."""
        return is_valid_id(doc_id) and (self._has_row(doc_id) or self.path(doc_id).exists())

    def _has_row(self, doc_id: str) -> bool:
        """True when the table holds a row of this document."""
        connection = self._documents()
        if connection is None:
            return False
        with contextlib.suppress(sqlite3.OperationalError):  # its table not made yet
            return connection.execute("SELECT 1 FROM documents WHERE doc_id = ?", (doc_id,)).fetchone() is not None
        return False

    def ids(self) -> list[str]:
        """All stored document ids, sorted (no document is read)."""
        found = {p.stem for p in self.home.docs.glob("*.json") if not p.name.startswith(".")} if self.home.docs.exists() else set()
        connection = self._documents()
        if connection is not None:
            with contextlib.suppress(sqlite3.OperationalError):
                found.update(row[0] for row in connection.execute("SELECT doc_id FROM documents"))
        return sorted(found)

    def sizes(self) -> dict[str, int]:
        """doc_id → the length of its stored JSON (what indexing it costs, roughly), of every
        stored document."""
        found = {}
        if self.home.docs.exists():
            for path in self.home.docs.glob("*.json"):
                if not path.name.startswith("."):
                    found[path.stem] = path.stat().st_size
        connection = self._documents()
        if connection is not None:
            with contextlib.suppress(sqlite3.OperationalError):
                found.update(connection.execute("SELECT doc_id, length(data) FROM documents"))
        return found

    def documents(self) -> Iterator[Document]:
        """Every stored document, in id order."""
        for doc_id in self.ids():
            yield self.get(doc_id)

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Within the block, this thread's puts and deletes are committed a few hundred at a time
        and at its end (also when it ends by an error), not one by one; this store reads them
        at once, other stores and processes once committed. A killed writer loses only what it
        wrote since the last commit, which its journal lists and the next writer forgets."""
        connection = self._documents(create=True)
        assert connection is not None
        if connection.in_transaction:  # within an outer batch
            yield
            return
        connection.execute("BEGIN")
        self._local.writes = 0
        try:
            yield
        finally:
            connection.execute("COMMIT")

    def _written(self, connection: sqlite3.Connection) -> None:
        """Count a write of a batch: commit every :data:`BATCH_WRITES`."""
        if not connection.in_transaction:
            return
        self._local.writes = getattr(self._local, "writes", 0) + 1
        if self._local.writes % BATCH_WRITES == 0:
            connection.execute("COMMIT")
            connection.execute("BEGIN")

    def put(self, document: Document) -> None:
        """Store (or replace) a document; the manifest is updated by :meth:`save_manifest`."""
        self.put_stored(document.doc_id, document.to_json(), manifest_entry(document))

    def put_stored(self, doc_id: str, data: str, entry: dict[str, Any]) -> None:
        """Store (or replace) a document given in its stored form: its JSON
        (:meth:`Document.to_json`) and its manifest entry (:func:`manifest_entry`), made
        elsewhere (a parse worker)."""
        if not is_valid_id(doc_id):
            raise NotFound(f"no document {doc_id!r}")
        connection = self._documents(create=True)
        assert connection is not None
        connection.execute("INSERT OR REPLACE INTO documents (doc_id, data) VALUES (?, ?)", (doc_id, data))
        self._written(connection)
        if self._has_legacy():
            self.path(doc_id).unlink(missing_ok=True)  # the row replaces it
        self._noted(doc_id, entry)

    def _has_legacy(self) -> bool:
        """True when this home keeps documents as files under corpus/docs/ (from before the table)."""
        found = getattr(self._local, "legacy", None)
        if found is None:
            found = self._local.legacy = self.home.docs.is_dir()
        return found

    def note(self, document: Document) -> None:
        """Bring a stored document's manifest entry up to date (saved by :meth:`save_manifest`)."""
        self._noted(document.doc_id, manifest_entry(document))

    def _noted(self, doc_id: str, entry: dict[str, Any]) -> None:
        """Keep a stored document's new manifest entry (saved by :meth:`save_manifest`)."""
        self._pending[doc_id] = entry
        if self._by_source is not None:
            for source in _sources_of(entry):
                self._by_source[source].add(doc_id)
        if self._manifest is not None:
            self._manifest[doc_id] = entry

    def delete(self, doc_id: str) -> None:
        """Remove a document from the store (no error when absent)."""
        path = self.path(doc_id)
        connection = self._documents()
        if connection is not None:
            with contextlib.suppress(sqlite3.OperationalError):
                connection.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))
                self._written(connection)
        path.unlink(missing_ok=True)
        self._pending[doc_id] = None
        if self._manifest is not None:
            self._manifest.pop(doc_id, None)

    # --- the manifest: corpus/manifest.sqlite3 ---------------------------------------------

    @property
    def manifest_path(self) -> Path:
        """corpus/manifest.sqlite3: one row per document, and the sources each came from."""
        return self.home.corpus / "manifest.sqlite3"

    @property
    def legacy_manifest_path(self) -> Path:
        """corpus/manifest.json, as versions before the SQLite manifest wrote it (read, then replaced)."""
        return self.home.corpus / "manifest.json"

    def manifest(self) -> dict[str, dict[str, Any]]:
        """doc_id → summary of every stored document, in id order (read whole once per store;
        rebuilt from the documents when there is no manifest). For one document, :meth:`entry`."""
        if self._manifest is None:
            saved = self._read_saved()
            if saved is None:
                saved, self._whole = {d.doc_id: manifest_entry(d) for d in self.documents()}, True
            for doc_id, entry in self._pending.items():
                if entry is None:
                    saved.pop(doc_id, None)
                else:
                    saved[doc_id] = entry
            self._manifest, self._by_source = saved, None
        return self._manifest

    def entry(self, doc_id: str) -> dict[str, Any] | None:
        """The manifest entry of one document (None when it is not stored), without reading
        the whole manifest."""
        if self._manifest is not None:
            return self._manifest.get(doc_id)
        if doc_id in self._pending:
            return self._pending[doc_id]
        with self._connection() as connection:
            if connection is None:
                return self.manifest().get(doc_id)
            row = connection.execute("SELECT entry FROM entries WHERE doc_id = ?", (doc_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def _read_saved(self) -> dict[str, dict[str, Any]] | None:
        """The saved manifest (None when there is none): the SQLite one, else an old manifest.json."""
        with self._connection() as connection:
            if connection is not None:
                rows = connection.execute("SELECT doc_id, entry FROM entries ORDER BY doc_id").fetchall()
                return {doc_id: json.loads(entry) for doc_id, entry in rows}
        try:
            legacy = json.loads(self.legacy_manifest_path.read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return None
        self._whole = True  # saved as SQLite by the next writer
        return dict(sorted(legacy.items()))

    def _connection(self, create: bool = False) -> contextlib.AbstractContextManager[sqlite3.Connection | None]:
        """A connection to the manifest (None when there is none and ``create`` is False);
        with ``create``, one transaction committed on success."""
        return files.sqlite_tables(self.manifest_path, _MANIFEST_SCHEMA, create)

    def save_manifest(self) -> None:
        """Write the manifest changes of a batch of puts and deletes, in one transaction
        (readers see the manifest before it or after it, never half of it)."""
        whole = self._whole or not self.manifest_path.exists()
        changed = self.manifest() if whole else self._pending
        with self._connection(create=True) as connection:
            assert connection is not None
            if whole:
                connection.execute("DELETE FROM entries")
                connection.execute("DELETE FROM sources")
            else:
                gone = [(doc_id,) for doc_id in changed]
                connection.executemany("DELETE FROM entries WHERE doc_id = ?", gone)
                connection.executemany("DELETE FROM sources WHERE doc_id = ?", gone)
            kept = [(doc_id, entry) for doc_id, entry in changed.items() if entry is not None]
            connection.executemany(
                "INSERT INTO entries (doc_id, entry) VALUES (?, ?)", ((doc_id, self._text(doc_id, entry)) for doc_id, entry in kept)
            )
            connection.executemany(
                "INSERT OR IGNORE INTO sources (source, doc_id) VALUES (?, ?)",
                ((source, doc_id) for doc_id, entry in kept for source in _sources_of(entry)),
            )
            connection.execute(
                "INSERT OR REPLACE INTO meta (name, value) VALUES ('version', ?)", (uuid.uuid4().hex,)
            )
        self.legacy_manifest_path.unlink(missing_ok=True)
        self._pending, self._whole, self._encoded = {}, False, {}

    def encode_entries(self, count: int = 5000) -> bool:
        """Write ahead the JSON of up to ``count`` manifest entries the next :meth:`save_manifest`
        writes (a writer does it while its workers run, so that the save, the last step of its
        run, is shorter); True while some are left. An entry changed since is encoded again."""
        whole = self._whole or not self.manifest_path.exists()
        changed = self.manifest() if whole else self._pending
        done = 0
        for doc_id, entry in changed.items():
            if entry is None or doc_id in self._encoded:
                continue
            if done == count:
                return True
            self._encoded[doc_id] = (entry, _entry_json(entry))
            done += 1
        return False

    def _text(self, doc_id: str, entry: dict[str, Any]) -> str:
        """The JSON of a manifest entry as saved (written ahead for this very entry, or now)."""
        encoded = self._encoded.get(doc_id)
        return encoded[1] if encoded is not None and encoded[0] is entry else _entry_json(entry)

    def version(self) -> str:
        """What identifies the saved manifest's state: a new value after every save ("" when
        there is none)."""
        try:
            with self._connection() as connection:
                if connection is None:
                    return self._legacy_version()
                row = connection.execute("SELECT value FROM meta WHERE name = 'version'").fetchone()
        except sqlite3.Error:
            return ""
        return row[0] if row else ""

    def _legacy_version(self) -> str:
        """The version of an old manifest.json: its inode, time and size."""
        try:
            info = self.legacy_manifest_path.stat()
        except OSError:
            return ""
        return f"{info.st_ino}:{info.st_mtime_ns}:{info.st_size}"

    def derived(self, name: str, build: Callable[[Store], T]) -> T:
        """The value ``build(store)`` derives from this corpus, built once per manifest version
        and shared by every Store of this home in the process (a store with unsaved changes
        builds its own, uncached)."""
        if self._unsaved:
            return build(self)
        version = self.version()
        key = (str(self.home.root), name)
        with _derived_lock:
            cached = _derived.get(key)
        if cached is not None and cached[0] == version:
            return cached[1]
        value = build(self)
        with _derived_lock:
            _derived[key] = (version, value)
        return value

    def replace_manifest(self, manifest: dict[str, dict[str, Any]]) -> None:
        """Replace the manifest with one rebuilt from the stored documents (written by
        :meth:`save_manifest`)."""
        self._manifest, self._by_source = dict(sorted(manifest.items())), None
        self._pending, self._whole = {}, True

    def ids_from_source(self, source: str) -> list[str]:
        """Ids of stored documents that came from this file or URL, sorted (looked up in the
        manifest's table of sources, not by a pass over the whole manifest)."""
        return self._ids_where(
            "SELECT doc_id FROM sources WHERE source = :source", {"source": source},
            lambda entry: source in _sources_of(entry), lambda: self._naming(source),
        )

    def _naming(self, source: str) -> set[str]:
        """Ids of the entries in memory that may name ``source`` (a superset)."""
        if self._by_source is None:
            self._by_source = defaultdict(set)
            for doc_id, entry in [*(self._manifest or {}).items(), *self._pending.items()]:
                for named in _sources_of(entry) if entry is not None else ():
                    self._by_source[named].add(doc_id)
        return self._by_source.get(source, set())

    def ids_with_status_overtaken(self, today: str) -> list[str]:
        """Ids of documents whose status their dates have overtaken by ``today`` (即将实施 past
        its implementation date, in force past its abolition date), looked up in the manifest's
        table rather than by a pass over the whole manifest."""
        return self._ids_where(
            f"SELECT doc_id FROM entries WHERE {dates_overtaken_sql('entry')}",
            {"upcoming": STATUS_UPCOMING, "current": STATUS_CURRENT, "today": today},
            lambda entry: dates_overtaken(entry, today),
        )

    def _ids_where(
        self, sql: str, parameters: dict[str, str], holds: Callable[[dict[str, Any]], bool],
        candidates: Callable[[], set[str]] | None = None,
    ) -> list[str]:
        """Sorted ids of the documents whose manifest entries ``holds`` is true of: asked of the
        saved manifest's tables by ``sql`` (the same condition), with this store's unsaved entries
        laid over the answer; over the entries in memory when the whole manifest is loaded. Of the
        entries in memory, only ``candidates()`` (when given: all those that may hold) are asked."""
        if self._manifest is not None and self._whole:
            return self._held(self._manifest, holds, candidates)
        with self._connection() as connection:
            if connection is None:
                return self._held(self.manifest(), holds, candidates)
            saved = {row[0] for row in connection.execute(sql, parameters)}
        unsaved = self._pending.keys() if candidates is None else (candidates() | saved) & self._pending.keys()
        for doc_id in unsaved:
            entry = self._pending[doc_id]
            if entry is not None and holds(entry):
                saved.add(doc_id)
            else:
                saved.discard(doc_id)
        return sorted(saved)

    @staticmethod
    def _held(
        entries: dict[str, dict[str, Any]], holds: Callable[[dict[str, Any]], bool],
        candidates: Callable[[], set[str]] | None,
    ) -> list[str]:
        """Sorted ids of ``entries`` (of ``candidates()`` among them, when given) that ``holds`` is true of."""
        if candidates is None:
            return sorted(i for i, entry in entries.items() if holds(entry))
        return sorted(i for i in candidates() if (entry := entries.get(i)) is not None and holds(entry))

    def find(self, **conditions: str) -> list[str]:
        """Ids of documents whose manifest entries match all the given field values."""
        return [
            doc_id
            for doc_id, entry in self.manifest().items()
            if all(entry.get(k) == v for k, v in conditions.items())
        ]

    def cited_by(self, doc_id: str) -> list[dict[str, Any]]:
        """Clauses of other documents that cite this one (see :mod:`stdsearch.citations`)."""
        from stdsearch import citations

        return citations.cited_by(self, doc_id)


#: Pages of write-ahead log a writer lets grow before it copies them into the database.
WAL_PAGES = 16384
#: Documents a :meth:`Store.batch` writes per transaction.
BATCH_WRITES = 500

_DOCUMENTS_SCHEMA = "CREATE TABLE IF NOT EXISTS documents (doc_id TEXT PRIMARY KEY, data TEXT NOT NULL)"

_MANIFEST_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (doc_id TEXT PRIMARY KEY, entry TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sources (source TEXT NOT NULL, doc_id TEXT NOT NULL, PRIMARY KEY (source, doc_id));
CREATE INDEX IF NOT EXISTS sources_doc ON sources (doc_id);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def _entry_json(entry: dict[str, Any]) -> str:
    """A manifest entry as the manifest keeps it."""
    return json.dumps(entry, ensure_ascii=False, sort_keys=True)


def entry_sources(entry: dict[str, Any]) -> dict[str, str]:
    """The files and URLs a manifest entry came from, with the digests they had."""
    found = {source: sha256 for source, sha256 in (entry.get("sources") or {}).items() if source}
    if entry.get("source"):
        found.setdefault(entry["source"], entry.get("sha256", ""))
    return found


def _sources_of(entry: dict[str, Any]) -> set[str]:
    """The files and URLs a manifest entry came from."""
    return set(entry_sources(entry))


class Journal:
    """corpus/pending.log: the documents stored (or deleted) by a write not yet committed to
    the index, one ``stored <id>`` or ``deleted <id>`` line each.

    A writer notes ids here before it changes the store, and clears the journal once the index
    commit and the manifest are written; whatever is still listed after a kill is what the next
    writer must index again (or drop) before anything else.
    """

    def __init__(self, home: Home):
        self.path = home.corpus / "pending.log"

    def note(self, stored: list[str] | tuple[str, ...] = (), deleted: list[str] | tuple[str, ...] = ()) -> None:
        """Append ids about to be stored or deleted (written before the store changes)."""
        lines = [f"stored {i}\n" for i in stored] + [f"deleted {i}\n" for i in deleted]
        if not lines:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as handle:  # in the page cache before the
            handle.writelines(lines)  # store changes: a killed process cannot lose it (no fsync,
            # like the documents themselves: a power cut is not what this journal is for)

    def pending(self) -> tuple[list[str], list[str]]:
        """(ids stored, ids deleted) since the last commit, each in first-noted order; an id
        deleted after it was stored counts as deleted, and the other way round."""
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return [], []
        last: dict[str, str] = {}
        for line in lines:
            action, _, doc_id = line.partition(" ")
            if action in ("stored", "deleted") and is_valid_id(doc_id):
                last.pop(doc_id, None)
                last[doc_id] = action
        return [i for i, a in last.items() if a == "stored"], [i for i, a in last.items() if a == "deleted"]

    def clear(self) -> None:
        """Forget everything: the index and the manifest agree with the store."""
        self.path.unlink(missing_ok=True)
