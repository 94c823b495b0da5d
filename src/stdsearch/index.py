"""The Whoosh index of clauses, derived from the corpus store.

Layout under index/: ``live`` is a symlink to the generation readers use (``gen-<n>``);
``write.lock`` serialises writers. Incremental updates commit into the live generation
(Whoosh commits are atomic); a rebuild writes a new generation beside it and swaps the
symlink with :func:`os.replace`, so readers never see a half-built index and a failed
rebuild leaves the old one serving.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.writing import IndexWriter

from stdsearch import analysis, numbers, semantic
from stdsearch.errors import IndexBusy, StdsearchError
from stdsearch.records import Clause, Document
from stdsearch.search.request import FACET_FIELDS
from stdsearch.settings import Home
from stdsearch.standards import facets as standards_facets

#: Bump when the schema or analysis changes: an index of another version is rebuilt.
INDEX_VERSION = 3



def build_schema() -> Schema:
    """The index schema, derived from the Document and Clause fields."""
    facets = {name: ID(stored=True, sortable=True) for name in FACET_FIELDS}
    return Schema(
        key=ID(unique=True, stored=True),
        doc_id=ID(stored=True, sortable=True),
        clause_id=ID(stored=True),
        title=TEXT(analyzer=analysis.plain_analyzer(), stored=True, field_boost=1.0),
        heading=TEXT(analyzer=analysis.plain_analyzer(), stored=True),
        text=TEXT(analyzer=analysis.index_analyzer(), stored=True),
        number=STORED(),
        number_keys=KEYWORD(lowercase=True, commas=True, scorable=True),
        label=STORED(),
        position=NUMERIC(stored=True, sortable=True),
        publish_date=ID(stored=True, sortable=True),
        effective_date=ID(stored=True, sortable=True),
        replaced_by=STORED(),
        replaces=STORED(),
        current_edition=STORED(),
        current=NUMERIC(stored=True, sortable=True),
        **facets,
    )


def document_year(document: Document) -> str:
    """The year shown in the year facet: of publication, else of taking effect."""
    return (document.publish_date or document.effective_date)[:4]


def number_keys(document: Document) -> list[str]:
    """Exact-match keys of a document's standard number (empty when it has none)."""
    if not document.number:
        return []
    parsed = numbers.parse_number(document.number)
    return numbers.number_keys(parsed) if parsed else [document.number.lower().replace(" ", "")]


def clause_fields(document: Document, clause: Clause, keys: list[str]) -> dict[str, Any]:
    """The indexed fields of one clause, with its document's fields copied on."""
    return {
        "key": f"{document.doc_id}/{clause.clause_id}",
        "doc_id": document.doc_id,
        "clause_id": clause.clause_id,
        "title": document.title,
        "heading": clause.heading,
        "text": clause.text,
        "number": document.number,
        "number_keys": ",".join(keys),
        "label": clause.label,
        "position": clause.position,
        "publish_date": document.publish_date,
        "effective_date": document.effective_date,
        "replaced_by": list(document.replaced_by),
        "replaces": list(document.replaces),
        "current_edition": document.extra.get("current_edition", ""),
        "current": 0 if document.status in ("废止", "被代替") else 1,
        "kind": document.kind,
        "level": document.level,
        "status": document.status,
        "region": document.region,
        "issuer": document.issuer,
        "year": document_year(document),
        **standards_facets.clause_facets(document, clause),
    }


def index_records(document: Document) -> Iterator[dict[str, Any]]:
    """The searchable clauses of a document as index records.

    A page the crawler found removed from its site stays in the corpus (with the date
    and reason) but is no longer a search result.
    """
    if document.extra.get("removed"):
        return
    keys = number_keys(document)
    for clause in document.clauses:
        if clause.searchable:
            yield clause_fields(document, clause, keys)


# --- locations and the write lock -------------------------------------------------------


def live_path(home: Home) -> Path:
    """index/live: the symlink to the generation readers open."""
    return home.index / "live"


def exists(home: Home) -> bool:
    """True when a usable index of the current version is live."""
    live = live_path(home)
    return live.exists() and whoosh_index.exists_in(live) and _version(live) == INDEX_VERSION


def _version(directory: Path) -> int:
    try:
        return int((directory / "VERSION").read_text().strip())
    except (OSError, ValueError):
        return 0


@contextlib.contextmanager
def write_lock(home: Home) -> Iterator[None]:
    """Hold the single-writer lock of this home, or raise IndexBusy at once."""
    home.index.mkdir(parents=True, exist_ok=True)
    lock_path = home.index / "write.lock"
    with open(lock_path, "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise IndexBusy(
                f"index busy: {holder} is writing to {home.index}; try again when it has finished"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"stdsearch pid {os.getpid()}")
        handle.flush()
        try:
            yield
        finally:
            handle.truncate(0)
            fcntl.flock(handle, fcntl.LOCK_UN)


def open_index(home: Home) -> whoosh_index.Index:
    """The live index for reading; StdsearchError when there is none yet."""
    if not exists(home):
        raise StdsearchError(f"no index in {home.index}: run `stdsearch reindex` or ingest files")
    return whoosh_index.open_dir(str(live_path(home).resolve()))


def live_generation(home: Home) -> str:
    """The name of the live generation (changes when a rebuild is swapped in)."""
    try:
        return os.readlink(live_path(home))
    except OSError:
        return ""


# --- writing ----------------------------------------------------------------------------


def _writer(ix: whoosh_index.Index, procs: int = 1) -> WhooshWriter:
    if procs > 1:
        return WhooshWriter(ix.writer(procs=procs, multisegment=True, limitmb=128))
    return WhooshWriter(ix.writer(limitmb=128))


class WhooshWriter:
    """The engine writer protocol (:class:`stdsearch.search.engine.EngineWriter`) over one
    Whoosh IndexWriter: clause records in, one atomic commit."""

    def __init__(self, writer: IndexWriter):
        self.writer = writer

    def add(self, records: Iterable[dict[str, Any]]) -> int:
        """Add clause records (:func:`index_records`); returns how many."""
        count = 0
        for record in records:
            self.writer.add_document(**record)
            count += 1
        return count

    def replace(self, doc_id: str, records: Iterable[dict[str, Any]]) -> int:
        """Replace every clause of ``doc_id`` by ``records``; returns how many."""
        self.delete(doc_id)
        return self.add(records)

    def delete(self, doc_id: str) -> None:
        """Remove every clause of ``doc_id``."""
        self.writer.delete_by_term("doc_id", doc_id)

    def commit(self) -> None:
        """Make every change visible at once (one Whoosh commit)."""
        self.writer.commit()

    def cancel(self) -> None:
        """Drop every change."""
        self.writer.cancel()


def _new_generation(home: Home) -> Path:
    existing = [int(p.name.split("-")[1]) for p in home.index.glob("gen-*") if p.name[4:].isdigit()]
    path = home.index / f"gen-{max(existing, default=0) + 1}"
    path.mkdir(parents=True)
    return path


def _swap_in(home: Home, generation: Path) -> None:
    """Point index/live at ``generation`` atomically, then drop generations older than the last."""
    tmp_link = home.index / "live.tmp"
    tmp_link.unlink(missing_ok=True)
    tmp_link.symlink_to(generation.name)
    previous = live_generation(home)
    os.replace(tmp_link, live_path(home))
    keep = {generation.name, previous}
    for old in home.index.glob("gen-*"):
        if old.name not in keep:
            shutil.rmtree(old, ignore_errors=True)


def rebuild(
    home: Home,
    documents: Iterable[Document],
    procs: int = 1,
    progress: Callable[[Document], None] | None = None,
) -> int:
    """Build a fresh index from ``documents`` beside the live one and swap it in.

    The caller holds :func:`write_lock`. Returns the number of clauses indexed. On any
    error the new generation is removed and the old index keeps serving.
    """
    generation = _new_generation(home)
    count = 0
    vectors = semantic.collector(home)  # clause embeddings travel with their generation
    try:
        ix = whoosh_index.create_in(str(generation), build_schema())
        writer = _writer(ix, procs)
        try:
            for document in documents:
                count += writer.add(index_records(document))
                vectors.add(document)
                if progress:
                    progress(document)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        vectors.write(generation)
        (generation / "VERSION").write_text(str(INDEX_VERSION))
    except BaseException:
        shutil.rmtree(generation, ignore_errors=True)
        raise
    _swap_in(home, generation)
    return count


def update(home: Home, documents: Iterable[Document], removed_ids: Iterable[str] = ()) -> int:
    """Replace the clauses of ``documents`` (and drop ``removed_ids``) in the live index.

    The caller holds :func:`write_lock`; the index must exist. One Whoosh commit, so readers
    see the old state or the new one. Returns the number of clauses written.
    """
    ix = open_index(home)
    writer = _writer(ix)
    count = 0
    try:
        for doc_id in removed_ids:
            writer.delete(doc_id)
        for document in documents:
            count += writer.replace(document.doc_id, index_records(document))
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    return count


def size_on_disk(home: Home) -> int:
    """Bytes used by the live index generation."""
    live = live_path(home)
    if not live.exists():
        return 0
    return sum(p.stat().st_size for p in live.resolve().iterdir() if p.is_file())
