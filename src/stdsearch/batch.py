"""Writing to the chosen engine: documents in, clause records out, one commit, vectors beside.

An :class:`IndexBatch` is engine-neutral. It turns each document into clause records
(:func:`stdsearch.index.index_records`, pre-segmented by ingest), hands them to the chosen
engine's writer (:class:`~stdsearch.search.engine.EngineWriter`, from
:func:`stdsearch.search.engines.open_writer`) and commits it at once. A rebuild also gathers
the clauses' vectors: they are built before the engine commits (an interrupted embedding leaves
everything as it was) and swapped into the home's ``vectors/`` folder after it has. So a home
searched through OpenSearch holds no Whoosh index, and a third engine needs only its writer.

The caller holds :func:`stdsearch.index.write_lock` (the home's single-writer lock, whatever
the engine). An engine that searches vectors itself (OpenSearch with its k-NN plugin) also gets
them: with the rebuild's records, or after an incremental commit (:func:`semantic.after_ingest`).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from stdsearch import index as index_mod
from stdsearch import semantic
from stdsearch.records import Document
from stdsearch.search import engines
from stdsearch.segments import DocumentSegments, texts_digest
from stdsearch.settings import Home


class IndexBatch:
    """One batch of index changes for the chosen engine, committed at once: a fresh index
    swapped in (``rebuild=True``) or an update of the live one.

    Feed it documents with their segmentation (:meth:`add`) and ids to drop (:meth:`delete`),
    then :meth:`commit`; on :meth:`cancel` (or any exception inside ``with``) nothing changes.
    When the engine's writer takes indexes written by worker processes (Whoosh's scratch
    indexes: :attr:`parallel`), a rebuild may also :meth:`adopt` them.
    """

    def __init__(self, home: Home, rebuild: bool, engine: str | None = None):
        self.home = home
        self.rebuild = rebuild
        self.clauses = 0
        self.writer: Any = engines.open_writer(home, rebuild, engine)
        #: The clause vectors of a rebuild (incremental updates refresh them after the commit:
        #: :func:`stdsearch.semantic.after_ingest`).
        self.vectors: Any = semantic.collector(home) if rebuild else None
        self._open = True

    @property
    def parallel(self) -> bool:
        """True when worker processes may write parts of this rebuild (:meth:`scratch`)."""
        return self.rebuild and hasattr(self.writer, "scratch")

    def scratch(self, number: int | str) -> Path:
        """The folder for a worker's part ``number`` (only when :attr:`parallel`)."""
        return Path(self.writer.scratch(number))

    def adopt(self, scratch: Path, clauses: int) -> None:
        """Take a worker's finished part (``clauses`` records) into this batch's commit."""
        self.writer.adopt(scratch)
        self.clauses += clauses

    def __enter__(self) -> IndexBatch:
        return self

    def __exit__(self, kind: object, *rest: object) -> None:
        if kind is not None and self._open:
            self.cancel()

    def add(self, document: Document, segments: DocumentSegments | None = None) -> int:
        """Index a document's searchable clauses (replacing what the index held for it)."""
        if segments is not None and segments.digest != texts_digest(document):
            segments = None
        records = index_mod.index_records(document, segments)
        if self.rebuild:
            added = self.writer.add(records)
        else:
            added = self.writer.replace(document.doc_id, records)
        if self.vectors is not None:
            self.vectors.add(document)
        self.clauses += added
        return int(added)

    def delete(self, doc_id: str) -> None:
        """Drop a document's clauses."""
        if not self.rebuild:
            self.writer.delete(doc_id)

    def commit(self) -> int:
        """Make the batch visible to readers at once, then its vectors; returns the clauses
        written."""
        try:
            if self.vectors is not None:
                self.vectors.build()
                self.vectors.to_engine(self.writer)  # an engine with k-NN stores them too
            self.writer.commit()
        except BaseException:
            self.cancel()
            raise
        self._open = False
        if self.vectors is not None:
            self.vectors.write(self.home.vectors)
        return self.clauses

    def cancel(self) -> None:
        """Abandon the batch: the index and the vectors stay as they were."""
        if self._open:
            self._open = False
            self.writer.cancel()


def rebuild(home: Home, documents: Iterable[Document], engine: str | None = None) -> int:
    """Build a fresh index of ``documents`` (and their vectors) and swap it in; returns the
    clauses indexed. The caller holds the write lock; on any error the old index keeps serving."""
    with IndexBatch(home, rebuild=True, engine=engine) as batch:
        for document in documents:
            batch.add(document)
        return batch.commit()


def update(home: Home, documents: Iterable[Document], removed_ids: Iterable[str] = ()) -> int:
    """Replace the clauses of ``documents`` and drop ``removed_ids`` in the live index, then
    refresh the vectors of those documents; returns the clauses written. The caller holds the
    write lock; the index must exist."""
    documents = list(documents)
    removed_ids = list(removed_ids)
    with IndexBatch(home, rebuild=False) as batch:
        for doc_id in removed_ids:
            batch.delete(doc_id)
        for document in documents:
            batch.add(document)
        count = batch.commit()
    semantic.after_ingest(home, documents, removed_ids)
    return count
