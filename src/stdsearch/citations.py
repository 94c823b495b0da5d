"""Cross-references across the corpus: what each clause cites, and what cites each document.

At ingest, every searchable clause's citations (standard numbers, 《titles》, with the clause
they name) are extracted once (:func:`extract`), and resolved against the corpus
(:mod:`stdsearch.references`: a number with a year → that edition, without → the current one;
a title → the document of that title) into links, from which "cited by" is read
(:func:`cited_by`). Every ingest, remove and reindex keeps them true (:func:`update`,
incrementally; :func:`rebuild`), so no link leads to a missing document; the web layer only
renders stored links. References inside one document to its own clauses (本法第二十六条, 前款,
第二款, 见4.8.3, 附录B) are resolved at ingest too (:func:`own_links`).

All of it is derived, and kept in corpus/citations.sqlite3, one row per document in each table:
its citation rows and the lookup keys they resolve by, its resolved links and the documents
they lead to, its links to its own clauses, and the keys under which it can itself be cited.
An update of a few documents reads and writes only the rows of the documents it concerns
(one transaction); a whole corpus is never read to resolve one changed file.
"""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stdsearch import files, lawlinks, references
from stdsearch.numbers import key_of, parse_number
from stdsearch.records import Document
from stdsearch.store import Store

#: The derived tables, under corpus/.
DATABASE = "citations.sqlite3"
#: What versions before the SQLite tables wrote under corpus/ (read once, then removed):
#: citation rows, their lookup keys, resolved links, links inside each document, cited by.
LEGACY_FILES = ("cites.json", "cite_keys.json", "links.json", "own_links.json", "citations.json")
#: A law's clause id: its article (a26, a10-1), 款 (.p2) and 项 (.i3).
_LAW_PART = re.compile(r"^(?P<article>a\d+(?:-\d+)?)(?:\.p(?P<para>\d+))?(?:\.i\d+)?$")


@dataclass(frozen=True)
class Link:
    """A resolved citation inside a clause: ``text[start:end]`` links to ``url``."""

    start: int
    end: int
    doc_id: str
    clause_id: str
    url: str


def extract(document: Document) -> list[list[Any]]:
    """Citations as rows [clause_id, start, end, number, title, cited clause_id, clause label]."""
    rows = []
    for clause in document.clauses:
        if not clause.searchable:
            continue
        for citation in references.find_citations(clause.text):
            rows.append(
                [clause.clause_id, citation.start, citation.end, citation.target_number,
                 citation.target_title, citation.clause_id, clause.label]
            )
    return rows


def cites_of(document: Document) -> list[list[Any]]:
    """A document's citation rows (:func:`extract`): those its ingest found (``extra["cites"]``,
    empty when it cites nothing), else found now."""
    found = document.extra.get("cites")
    return extract(document) if found is None else found


def own_links(document: Document) -> list[list[Any]]:
    """References inside a document to its own clauses, as rows ``[clause_id, start, end,
    target clause_id]`` (``text[start:end]`` of the clause refers to the target): in each
    searchable clause, clause numbers (:func:`references.internal_links`: 4.8.3, 附录B, 第5章),
    then in every clause of a law, references to its own articles (:mod:`stdsearch.lawlinks`:
    本法第N条, 第N条规定, 本条第二款, 前款, 前条 — a 款 resolves 前款 relative to itself). Never the
    clause itself (so nothing in a document of one clause, such as a catalogue entry)."""
    if len(document.clauses) < 2:
        return []
    own = lawlinks.OwnClauses.of(c.clause_id for c in document.clauses)
    known = own.ids
    rows: list[list[Any]] = []
    for clause in document.clauses:
        spans = references.internal_links(clause.text, known) if clause.searchable else []
        position = _LAW_PART.match(clause.clause_id)
        if position is not None:
            spans += lawlinks.law_links(clause.text, position["article"], own, int(position["para"] or 0))
        rows.extend([clause.clause_id, start, end, target] for start, end, target in spans if target != clause.clause_id)
    return rows


def lookup_documents(store: Store, doc_ids: Iterable[str] | None = None) -> list[references.Citable]:
    """The metadata of documents for building the resolution tables: of the whole manifest,
    or of ``doc_ids`` (in id order, as the manifest lists them)."""
    if doc_ids is None:
        entries = store.manifest().items()
    else:
        entries = ((doc_id, store.entry(doc_id)) for doc_id in sorted(set(doc_ids)))
    return [references.Citable.of_entry(doc_id, entry) for doc_id, entry in entries if entry is not None]


class Resolver:
    """Resolves citation rows against one corpus: the whole manifest, or only the documents
    ``candidates`` (those that can be cited under the keys the rows to resolve use)."""

    def __init__(
        self, store: Store, candidates: Iterable[str] | None = None, documents: list[references.Citable] | None = None
    ):
        """``documents``: the metadata of ``candidates`` (:func:`lookup_documents`),
        when the caller has them already."""
        found = documents if documents is not None else lookup_documents(store, candidates)
        self.titles, self.numbers = references.build_lookup(found)
        self.has_clause = ClauseIndex(store)

    def keys_by_document(self) -> dict[str, set[str]]:
        """doc_id → the lookup keys it is filed under here (:func:`document_keys` of each)."""
        found: dict[str, set[str]] = {}
        for kind, table in (("t:", self.titles), ("n:", self.numbers)):
            for key, doc_ids in table.items():
                for doc_id in doc_ids:
                    found.setdefault(doc_id, set()).add(kind + key)
        return found

    def resolve(self, row: list[Any]) -> tuple[str, str] | None:
        """(doc_id, clause_id) of the document a row cites, or None when not in the corpus."""
        _, start, end, number, title, clause_id = row[:6]
        citation = references.Citation(start, end, "number" if number else "title", number, title, "", clause_id)
        return references.resolve(citation, self.titles, self.numbers, self.has_clause)


class ClauseIndex:
    """``(doc_id, clause_id) → bool``: does a stored document hold that clause? Documents are
    read on first question only (in practice the few parts of a code such as the 民法典)."""

    def __init__(self, store: Store):
        self.store = store
        self._ids: dict[str, frozenset[str]] = {}

    def __call__(self, doc_id: str, clause_id: str) -> bool:
        if doc_id not in self._ids:
            found = self.store.exists(doc_id)
            self._ids[doc_id] = frozenset(c.clause_id for c in self.store.get(doc_id).clauses) if found else frozenset()
        return clause_id in self._ids[doc_id]


def links(document: Document, resolver: Resolver) -> dict[str, list[Link]]:
    """Resolved citations of each clause of a document, to other documents in the corpus."""
    found: dict[str, list[Link]] = {}
    for row in cites_of(document):
        target = resolver.resolve(row)
        if target is None or target[0] == document.doc_id:
            continue
        doc_id, clause_id = target
        url = f"/doc/{doc_id}/{clause_id}" if clause_id else f"/doc/{doc_id}"
        found.setdefault(row[0], []).append(Link(row[1], row[2], doc_id, clause_id, url))
    return found


def row_keys(row: list[Any]) -> set[str]:
    """The lookup keys a citation row is resolved by (its number's and its title's)."""
    keys = set()
    number = parse_number(row[3]) if row[3] else None
    if number is not None:
        keys.add("n:" + key_of(number))
    if row[4]:
        keys.add("t:" + references.title_key(row[4]))
    return keys


def document_keys(document: Document | references.Citable) -> set[str]:
    """The lookup keys under which a document can be cited (as :func:`references.build_lookup`
    files it): its title (and its code's, for a part of a code) and its number."""
    titles, numbers = references.build_lookup([document])
    return {"t:" + k for k in titles} | {"n:" + k for k in numbers}


def resolve_rows(citing_id: str, rows: list[list[Any]], resolver: Resolver) -> list[list[Any]]:
    """The rows of one document that resolve to another document in the corpus, as links."""
    found, seen = [], set()
    for row in rows:
        target = resolver.resolve(row)
        if target is None or target[0] == citing_id:
            continue
        link = [row[0], row[1], row[2], target[0], target[1], row[6] if len(row) > 6 else ""]
        if tuple(link[:5]) not in seen:
            seen.add(tuple(link[:5]))
            found.append(link)
    return found


# --- the tables -------------------------------------------------------------------------

_SCHEMA = """
CREATE TABLE IF NOT EXISTS cites (doc_id TEXT PRIMARY KEY, rows TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cite_keys (key TEXT NOT NULL, doc_id TEXT NOT NULL, PRIMARY KEY (key, doc_id));
CREATE INDEX IF NOT EXISTS cite_keys_doc ON cite_keys (doc_id);
CREATE TABLE IF NOT EXISTS links (doc_id TEXT PRIMARY KEY, rows TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS link_targets (target_id TEXT NOT NULL, doc_id TEXT NOT NULL, PRIMARY KEY (target_id, doc_id));
CREATE INDEX IF NOT EXISTS link_targets_doc ON link_targets (doc_id);
CREATE TABLE IF NOT EXISTS own_links (doc_id TEXT PRIMARY KEY, rows TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS doc_keys (key TEXT NOT NULL, doc_id TEXT NOT NULL, PRIMARY KEY (key, doc_id));
CREATE INDEX IF NOT EXISTS doc_keys_doc ON doc_keys (doc_id);
CREATE TABLE IF NOT EXISTS staged (doc_id TEXT PRIMARY KEY, rows TEXT NOT NULL, own TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS staged_links (
    doc_id TEXT PRIMARY KEY, rows TEXT NOT NULL, keys TEXT NOT NULL, own TEXT NOT NULL, links TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS staged_keys (key TEXT NOT NULL, doc_id TEXT NOT NULL, PRIMARY KEY (key, doc_id));
"""
#: The staging tables (a killed rebuild leaves rows in them, which the next one clears).
_STAGING_TABLES = ("staged", "staged_links", "staged_keys")
#: The tables that hold one JSON value per document.
_ROW_TABLES = ("cites", "links", "own_links")
#: The tables that pair a key (or a cited document) with a document.
_KEY_TABLES = {"cite_keys": "key", "link_targets": "target_id", "doc_keys": "key"}
#: Most values bound in one SQL statement.
_CHUNK = 500
#: Documents whose citation rows a rebuild stages at a time (one transaction each: a commit
#: costs more than a few thousand rows).
STAGED_HELD = 2000


def database_path(store: Store) -> Path:
    """corpus/citations.sqlite3."""
    return store.home.corpus / DATABASE


def _reading(store: Store) -> contextlib.AbstractContextManager[sqlite3.Connection | None]:
    """A connection to read the tables (None when there are none yet)."""
    return files.sqlite_tables(database_path(store), _SCHEMA)


def _writing(store: Store) -> contextlib.AbstractContextManager[sqlite3.Connection]:
    """A connection to change the tables, in one transaction committed on success (the tables
    are created on first use)."""
    return files.sqlite_tables(database_path(store), _SCHEMA, create=True)  # type: ignore[return-value]


def _rows_of(connection: sqlite3.Connection | None, table: str, doc_ids: Iterable[str] | None = None) -> dict[str, Any]:
    """doc_id → the JSON value of ``table`` (of every document, or of ``doc_ids``)."""
    if connection is None:
        return {}
    if doc_ids is None:
        found = connection.execute(f"SELECT doc_id, rows FROM {table}").fetchall()  # noqa: S608 - our table names
    else:
        found = []
        wanted = sorted(set(doc_ids))
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            found += connection.execute(f"SELECT doc_id, rows FROM {table} WHERE doc_id IN ({marks})", chunk).fetchall()  # noqa: S608
    return {doc_id: json.loads(rows) for doc_id, rows in found}


def _docs_under(connection: sqlite3.Connection | None, table: str, keys: Iterable[str]) -> set[str]:
    """The documents paired with any of ``keys`` in a key table."""
    if connection is None:
        return set()
    column, wanted, found = _KEY_TABLES[table], sorted(set(keys)), set()
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        marks = ",".join("?" * len(chunk))
        query = f"SELECT doc_id FROM {table} WHERE {column} IN ({marks})"  # noqa: S608 - our names
        found.update(row[0] for row in connection.execute(query, chunk))
    return found


def _forget(connection: sqlite3.Connection, tables: Iterable[str], doc_ids: Iterable[str]) -> None:
    """Delete the rows of these documents from these tables."""
    pairs = [(doc_id,) for doc_id in doc_ids]
    for table in tables:
        connection.executemany(f"DELETE FROM {table} WHERE doc_id = ?", pairs)  # noqa: S608 - our names


def _put_rows(connection: sqlite3.Connection, table: str, values: dict[str, Any]) -> None:
    """Replace the JSON values of these documents in a row table (an empty value is no row)."""
    _forget(connection, [table], values)
    connection.executemany(
        f"INSERT INTO {table} (doc_id, rows) VALUES (?, ?)",  # noqa: S608 - our names
        ((doc_id, _json(value)) for doc_id, value in values.items() if value),
    )


def _put_keys(connection: sqlite3.Connection, table: str, keys: dict[str, Iterable[str]]) -> None:
    """Replace the keys of these documents in a key table."""
    _forget(connection, [table], keys)
    column = _KEY_TABLES[table]
    connection.executemany(
        f"INSERT OR IGNORE INTO {table} ({column}, doc_id) VALUES (?, ?)",  # noqa: S608 - our names
        ((key, doc_id) for doc_id, found in keys.items() for key in found),
    )


def _put_links(connection: sqlite3.Connection, links: dict[str, list[list[Any]]]) -> None:
    """Replace the resolved links of these documents, and the documents they lead to."""
    _put_rows(connection, "links", links)
    _put_keys(connection, "link_targets", {doc_id: {link[3] for link in found} for doc_id, found in links.items()})


def load_links(store: Store) -> dict[str, list[list[Any]]]:
    """citing doc_id → resolved links ``[clause_id, start, end, cited doc_id, cited clause_id,
    clause label]``, of every document that has any."""
    with _reading(store) as connection:
        return _rows_of(connection, "links")


def load_own_links(store: Store) -> dict[str, list[list[Any]]]:
    """doc_id → its links to its own clauses (rows of :func:`own_links`), of every document that has any."""
    with _reading(store) as connection:
        return _rows_of(connection, "own_links")


def links_of(store: Store, doc_id: str) -> tuple[list[list[Any]], list[list[Any]]]:
    """(resolved links to other documents, links to its own clauses) of one document."""
    with _reading(store) as connection:
        if connection is None:
            return [], []
        return _rows_of(connection, "links", [doc_id]).get(doc_id, []), _rows_of(connection, "own_links", [doc_id]).get(doc_id, [])


def cited_by(store: Store, doc_id: str) -> list[dict[str, Any]]:
    """The clauses citing a document: {doc_id, clause_id, title, label, cited_clause_id}, by
    citing document (each citing clause once per cited clause; only documents in the corpus)."""
    if store.entry(doc_id) is None:
        return []
    with _reading(store) as connection:
        citing = _docs_under(connection, "link_targets", [doc_id])
        found = _rows_of(connection, "links", citing)
    entries = []
    for citing_id in sorted(found):
        entry, seen = store.entry(citing_id), set()
        for clause_id, _, _, target_id, target_clause, label in found[citing_id]:
            if entry is None or target_id != doc_id or (target_clause, clause_id) in seen:
                continue
            seen.add((target_clause, clause_id))
            entries.append(
                {"doc_id": citing_id, "clause_id": clause_id, "title": entry.get("title", ""), "label": label,
                 "cited_clause_id": target_clause}
            )
    return entries


def publish_links(store: Store, links: dict[str, list[list[Any]]]) -> None:
    """Replace the resolved links of these documents (rows as :func:`load_links` gives them)."""
    with _writing(store) as connection:
        _put_links(connection, links)


def update(store: Store, changed: list[Document], removed: list[str]) -> int:
    """Record the citations of changed documents and bring links and "cited by" up to date,
    incrementally: only the changed documents and those whose citations could now resolve
    differently (they cite a changed or removed document, or name a changed one's title or
    number) are resolved again, against the documents that can be cited under the keys their
    citations use. Returns the number of links resolved again.
    """
    _carry_over_files(store)
    changed = [d for d in {d.doc_id: d for d in changed}.values() if d.doc_id not in removed]
    rows = {d.doc_id: cites_of(d) for d in changed}
    touched = {d.doc_id for d in changed} | set(removed)
    keys = {d.doc_id: document_keys(d) for d in changed}
    wanted = set().union(*keys.values())
    with _writing(store) as connection:
        _forget(connection, [*_ROW_TABLES, *_KEY_TABLES], removed)
        _put_rows(connection, "cites", rows)
        _put_keys(connection, "cite_keys", {doc_id: _keys_of(found) for doc_id, found in rows.items()})
        _put_rows(connection, "own_links", {d.doc_id: own_links(d) for d in changed})
        _put_keys(connection, "doc_keys", keys)
        stale = set(rows) | _docs_under(connection, "link_targets", touched) | _docs_under(connection, "cite_keys", wanted)
        stale -= set(removed)
        rows.update(_rows_of(connection, "cites", stale - rows.keys()))
        resolver = _resolver_for(store, connection, rows.values())
        resolved = {doc_id: resolve_rows(doc_id, rows.get(doc_id, []), resolver) for doc_id in sorted(stale)}
        _put_links(connection, resolved)
    return sum(len(found) for found in resolved.values())


def _keys_of(rows: list[list[Any]]) -> list[str]:
    """The lookup keys a document's citation rows use."""
    return sorted({k for row in rows for k in row_keys(row)})


def _resolver_for(store: Store, connection: sqlite3.Connection, rows: Iterable[list[list[Any]]]) -> Resolver:
    """A resolver knowing every document that can be cited under the keys of these rows."""
    keys = {key for found in rows for key in _keys_of(found)}
    return Resolver(store, _docs_under(connection, "doc_keys", keys))


class Staged:
    """The citation rows and own links of a rebuild's documents, written to staging tables
    :data:`STAGED_HELD` documents at a time as they are indexed (a rebuild holds none of them in
    memory), then published by :func:`rebuild`. Readers keep seeing the tables as they were
    until then; a killed rebuild leaves only staged rows, which the next one clears.

    Once the caller's manifest is final (:meth:`resolve_from_now`), rows are resolved against it
    as they are staged — while the index workers run — and :func:`rebuild` only copies the
    staged tables into place."""

    def __init__(self, store: Store):
        self.store = store
        #: True once the manifest is final: rows are staged resolved.
        self.resolving = False
        self._held: dict[str, tuple[list[list[Any]], list[list[Any]]]] = {}
        self._resolver: Resolver | None = None
        self._listed: dict[str, Any] = {}
        with _writing(store) as connection:
            for table in _STAGING_TABLES:
                connection.execute(f"DELETE FROM {table}")  # noqa: S608 - our names

    def add(self, doc_id: str, rows: list[list[Any]], own: list[list[Any]]) -> None:
        """Stage one document's citation rows and links to its own clauses."""
        self._held[doc_id] = (rows, own)
        if len(self._held) >= STAGED_HELD:
            self.flush()

    def flush(self) -> None:
        """Write what is held to the staging table."""
        if not self._held:
            return
        with _writing(self.store) as connection:
            if self.resolving:
                self._stage_resolved(connection, self._held, replace=True)
            else:
                connection.executemany(
                    "INSERT OR REPLACE INTO staged (doc_id, rows, own) VALUES (?, ?, ?)",
                    ((doc_id, _json(rows), _json(own)) for doc_id, (rows, own) in self._held.items()),
                )
        self._held = {}

    def resolve_from_now(self) -> None:
        """The manifest is final from now on (no document is stored or removed until the rebuild
        is published): rows staged from now on are staged resolved; those staged before are
        resolved by :meth:`resolve_some`, or at the latest by :func:`rebuild`."""
        self.flush()
        self.resolving = True

    def resolve_some(self, count: int = STAGED_HELD) -> bool:
        """Resolve up to ``count`` of the rows staged before the manifest was final (a document
        staged resolved since keeps its newer rows); True while some are left."""
        assert self.resolving, "the manifest is not final yet"
        with _writing(self.store) as connection:
            chunk = connection.execute("SELECT doc_id, rows, own FROM staged LIMIT ?", (count,)).fetchall()
            earlier = {doc_id: (json.loads(rows), json.loads(own)) for doc_id, rows, own in chunk}
            self._stage_resolved(connection, earlier, replace=False)
            connection.executemany("DELETE FROM staged WHERE doc_id = ?", [(doc_id,) for doc_id, _, _ in chunk])
            return connection.execute("SELECT 1 FROM staged LIMIT 1").fetchone() is not None

    def resolver(self, connection: sqlite3.Connection) -> Resolver:
        """The resolver of the (final) manifest, built once; the lookup keys of every document
        are staged as it is built."""
        if self._resolver is None:
            self._listed = self.store.manifest()
            self._resolver = Resolver(self.store, documents=lookup_documents(self.store))
            connection.executemany(
                "INSERT OR IGNORE INTO staged_keys (key, doc_id) VALUES (?, ?)",
                ((key, doc_id) for doc_id, keys in self._resolver.keys_by_document().items() for key in keys),
            )
        return self._resolver

    def _stage_resolved(
        self, connection: sqlite3.Connection, held: dict[str, tuple[list[list[Any]], list[list[Any]]]], replace: bool
    ) -> None:
        """Stage documents' rows and own links (``held``) with their keys and their resolved links
        (of the documents the manifest lists), replacing what was staged of them if ``replace``."""
        resolver = self.resolver(connection)
        connection.executemany(
            f"INSERT OR {'REPLACE' if replace else 'IGNORE'} INTO staged_links (doc_id, rows, keys, own, links) "  # noqa: S608
            "VALUES (?, ?, ?, ?, ?)",
            (
                (doc_id, _json(rows), _json(_keys_of(rows)), _json(own), _json(resolve_rows(doc_id, rows, resolver)))
                for doc_id, (rows, own) in held.items()
                if doc_id in self._listed
            ),
        )


def _json(value: Any) -> str:
    """A value as compact JSON, as the tables keep it."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def rebuild(store: Store, staged: Staged | None = None) -> int:
    """Resolve every citation in the corpus again (after a reindex or a rebuilding ingest):
    links and "cited by" from the stored documents' rows (``staged``, else those kept) against
    the manifest, and the links inside each document (likewise); in one transaction, reading
    and resolving a few hundred documents at a time. Returns the number of links."""
    _carry_over_files(store)
    if staged is not None:
        staged.flush()
    if staged is not None and staged.resolving:
        return _publish_resolved(staged)
    manifest = store.manifest()
    documents = lookup_documents(store)
    resolver = Resolver(store, documents=documents)
    count = 0
    with _writing(store) as connection:
        if staged is None:  # the kept rows, staged here
            connection.execute("DELETE FROM staged")
            connection.execute(
                "INSERT INTO staged (doc_id, rows, own) SELECT cites.doc_id, cites.rows, COALESCE(own_links.rows, '[]') "
                "FROM cites LEFT JOIN own_links ON own_links.doc_id = cites.doc_id"
            )
            connection.execute(
                "INSERT INTO staged (doc_id, rows, own) SELECT doc_id, '[]', rows FROM own_links "
                "WHERE doc_id NOT IN (SELECT doc_id FROM cites)"
            )
        for table in (*_ROW_TABLES, *_KEY_TABLES):
            connection.execute(f"DELETE FROM {table}")  # noqa: S608 - our names
        _put_keys(connection, "doc_keys", resolver.keys_by_document())
        cursor = connection.execute("SELECT doc_id, rows, own FROM staged ORDER BY doc_id")
        while chunk := cursor.fetchmany(_CHUNK):
            rows = {doc_id: json.loads(found) for doc_id, found, _ in chunk if doc_id in manifest}
            own = {doc_id: json.loads(kept) for doc_id, _, kept in chunk if doc_id in manifest}
            links = {doc_id: resolve_rows(doc_id, found, resolver) for doc_id, found in rows.items()}
            _put_rows(connection, "cites", rows)
            _put_keys(connection, "cite_keys", {doc_id: _keys_of(found) for doc_id, found in rows.items()})
            _put_rows(connection, "own_links", own)
            _put_links(connection, links)
            count += sum(len(found) for found in links.values())
        connection.execute("DELETE FROM staged")
    return count


#: SQL copying what a resolving :class:`Staged` staged into the tables (emptied first): the
#: same rows :func:`rebuild` writes one document at a time (an empty value is no row).
_PUBLISH_SQL = (
    "INSERT INTO doc_keys (key, doc_id) SELECT key, doc_id FROM staged_keys",
    "INSERT INTO cites (doc_id, rows) SELECT doc_id, rows FROM staged_links WHERE rows != '[]'",
    "INSERT OR IGNORE INTO cite_keys (key, doc_id) SELECT k.value, s.doc_id FROM staged_links s, json_each(s.keys) k",
    "INSERT INTO own_links (doc_id, rows) SELECT doc_id, own FROM staged_links WHERE own != '[]'",
    "INSERT INTO links (doc_id, rows) SELECT doc_id, links FROM staged_links WHERE links != '[]'",
    "INSERT OR IGNORE INTO link_targets (target_id, doc_id) "
    "SELECT json_extract(l.value, '$[3]'), s.doc_id FROM staged_links s, json_each(s.links) l",
)


def _publish_resolved(staged: Staged) -> int:
    """Publish what a resolving :class:`Staged` resolved (the rows it had not resolved yet
    resolved first), in one transaction; returns the number of links."""
    while staged.resolve_some():
        pass
    with _writing(staged.store) as connection:
        staged.resolver(connection)  # the keys, when no document was staged
        for table in (*_ROW_TABLES, *_KEY_TABLES):
            connection.execute(f"DELETE FROM {table}")  # noqa: S608 - our names
        for statement in _PUBLISH_SQL:
            connection.execute(statement)
        count = connection.execute("SELECT COALESCE(SUM(json_array_length(links)), 0) FROM staged_links").fetchone()[0]
        for table in _STAGING_TABLES:
            connection.execute(f"DELETE FROM {table}")  # noqa: S608 - our names
    return int(count)


def _carry_over_files(store: Store) -> None:
    """Fill the tables from the JSON files an older version wrote under corpus/ (once), then
    remove those files."""
    corpus = store.home.corpus
    if database_path(store).exists() or not (corpus / LEGACY_FILES[0]).exists():
        for name in LEGACY_FILES:
            (corpus / name).unlink(missing_ok=True)
        return
    old = {name: _legacy(corpus / name) for name in LEGACY_FILES}
    with _writing(store) as connection:
        _put_rows(connection, "cites", old["cites.json"])
        _put_keys(connection, "cite_keys", {doc_id: _keys_of(found) for doc_id, found in old["cites.json"].items()})
        _put_rows(connection, "own_links", old["own_links.json"])
        _put_keys(connection, "doc_keys", {d.doc_id: document_keys(d) for d in lookup_documents(store)})
        _put_links(connection, old["links.json"])
    for name in LEGACY_FILES:
        (corpus / name).unlink(missing_ok=True)


def _legacy(path: Path) -> dict[str, Any]:
    """A JSON file an older version wrote ({} when absent or unreadable)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}
