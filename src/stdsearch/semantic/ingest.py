"""The index-side hooks: vectors written with a rebuild (:class:`stdsearch.batch.IndexBatch`),
kept current by incremental ingests, filled in later by ``stdsearch embed``, and reported by
``stats``. They live in the home's ``vectors/`` folder, whichever engine holds the clauses.

Every writer here runs under the index write lock held by its caller (the pipeline), except
:func:`fill_live`, which computes into the cache first and takes the lock only to write.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stdsearch import index as index_mod
from stdsearch.errors import StdsearchError
from stdsearch.records import Document
from stdsearch.search import engines
from stdsearch.semantic import config
from stdsearch.semantic.build import (
    Passage,
    build,
    live_vectors_dir,
    passages,
    stored_passages,
    vector_set,
)
from stdsearch.semantic.cache import CACHE_FILE, EmbeddingCache, Progress
from stdsearch.semantic.embedder import model_name
from stdsearch.semantic.vectors import VectorSet, as_stored, read, version, write
from stdsearch.settings import Home
from stdsearch.store import Store


class VectorCollector:
    """Gathers the passages of the documents a rebuild indexes, builds their vectors before the
    engine commits (:meth:`build`), and writes them once it has (:meth:`write`)."""

    def __init__(self, home: Home) -> None:
        self.home = home
        self.items: list[Passage] = []
        self.built: VectorSet | None = None
        self.computed = 0
        #: Passage texts are held only when missing vectors are to be computed: cached and live
        #: vectors are found by text hash, so a lexical-only rebuild holds no clause texts
        #: (which would grow with the corpus).
        self.keep_texts = config.embeds_at_ingest()
        #: False when no vector can come of this rebuild — none is computed, and there is neither
        #: an embedding cache nor a set of live vectors to take them from (a lexical-only home):
        #: then no passage is held at all.
        self.wanted = self.keep_texts or (config.cache_dir(home) / CACHE_FILE).exists() or bool(live_vectors_dir(home))
        self._facets: dict[tuple[tuple[str, str], ...], dict[str, str]] = {}

    def add(self, document: Document) -> None:
        """Note one indexed document (cheap: the text recipe only)."""
        self.add_passages(passages(document))

    def add_passages(self, items: Iterable[Passage]) -> None:
        """Note the passages of an indexed document (:func:`passages`, made elsewhere: by an
        index worker process)."""
        if not self.wanted:
            return
        if self.keep_texts:
            self.items.extend(items)
            return
        self.items.extend(dataclasses.replace(p, text="", facets=self._shared(p.facets)) for p in items)

    def forget(self, doc_ids: set[str]) -> None:
        """Drop the passages noted of ``doc_ids`` (indexed again from the store, noted again then)."""
        if doc_ids:
            self.items = [p for p in self.items if p.doc_id not in doc_ids]

    def _shared(self, facets: dict[str, str]) -> dict[str, str]:
        """One dict for every passage with the same facet values (most share theirs)."""
        return self._facets.setdefault(tuple(facets.items()), facets)

    def build(self, compute: bool | None = None, progress: Progress | None = None) -> int:
        """Build the vectors of the noted passages; returns how many were computed.

        Vectors come from the cache, the live vectors, or (``compute``, default: the config;
        never when semantic is off) the embedder. An interruption propagates, so the rebuild
        fails before its engine commits; what was embedded stays in the cache.
        """
        if compute and not self.keep_texts:
            raise StdsearchError("cannot embed: this rebuild kept no clause texts (semantic search was off)")
        self.built, self.computed = build(self.home, self.items, self.keep_texts if compute is None else compute, progress)
        return self.computed

    def write(self, folder: Path, compute: bool | None = None, progress: Progress | None = None) -> int:
        """Write the vectors (built now unless :meth:`build` ran) into ``folder`` and swap them
        in; returns how many were computed. A lexical-only home gets no vectors; a home that had
        some and has none now gets an empty set (nothing stale stays live)."""
        if self.built is None:
            self.build(compute, progress)
        assert self.built is not None
        if len(self.built) or version(folder):
            write(folder, self.built, config.encoding())
        return self.computed

    def to_engine(self, writer: Any) -> bool:
        """Give the built vectors to the engine writer of the rebuild, when it searches vectors
        itself (:func:`to_engine`); False when it does not."""
        return to_engine(writer, self.built)


def to_engine(writer: Any, vectors: VectorSet | None) -> bool:
    """Give clause vectors to an engine writer that can search them (OpenSearch's k-NN), as
    readers of the home's ``vectors/`` get them back (through the configured encoding, so both
    rank the same numbers). False when the writer cannot take vectors or there are none."""
    add_vectors = getattr(writer, "add_vectors", None)
    if add_vectors is None or vectors is None or not len(vectors):
        return False
    return bool(add_vectors(vectors.keys, as_stored(vectors.matrix, config.encoding())))


def refresh_engine(home: Home, vectors: VectorSet, doc_ids: set[str] | None = None) -> bool:
    """Give the chosen engine, when it holds vectors, the live vectors of ``doc_ids`` (every
    row: None) in one commit of its live index; True when it took them."""
    if not engines.holds_vectors() or not len(vectors):
        return False
    rows = [row for row, key in enumerate(vectors.keys) if doc_ids is None or key.split("/", 1)[0] in doc_ids]
    writer = engines.open_writer(home, rebuild=False)
    subset = dataclasses.replace(vectors, keys=[vectors.keys[r] for r in rows], matrix=vectors.matrix[rows])
    if not rows or not to_engine(writer, subset):
        writer.cancel()
        return False
    writer.commit()
    return True


def write_vectors(
    home: Home, folder: Path, documents: Iterable[Document], progress: Progress | None = None
) -> int:
    """Vectors for ``documents`` into ``folder``; returns how many computed."""
    collector = VectorCollector(home)
    for document in documents:
        collector.add(document)
    return collector.write(folder, progress=progress)


def after_ingest(
    home: Home,
    changed: Iterable[Document],
    removed_ids: Iterable[str] = (),
    progress: Progress | None = None,
) -> int:
    """Bring the live vectors up to date after an incremental index update.

    Rows of removed and changed documents are dropped; the changed documents' clauses get
    vectors from the cache, or computed when the config allows (not when semantic is off, so
    stale rows still go). Returns how many were computed.
    """
    changed, removed_ids = list(changed), list(removed_ids)
    if not (changed or removed_ids):
        return 0
    folder = live_vectors_dir(home)
    existing = read(folder) if folder else None
    dropped = set(removed_ids) | {d.doc_id for d in changed}
    kept, found = _kept_rows(existing, dropped)
    fresh, computed = build(home, [p for d in changed for p in passages(d)], progress=progress)
    if existing is None and not len(fresh):
        return computed  # a lexical-only home stays without vectors
    kept_fresh, found_fresh = stored_passages(fresh)
    found.update(found_fresh)
    dim = next((len(v) for v in found.values()), 0)
    vectors = vector_set(model_name(), kept + kept_fresh, found, dim)
    write(home.vectors, vectors, config.encoding())
    refresh_engine(home, vectors, {d.doc_id for d in changed})
    return computed


def _kept_rows(existing: VectorSet | None, dropped: set[str]) -> tuple[list[Passage], dict[str, Any]]:
    """The rows of the current model whose document is not in ``dropped``."""
    if existing is None or existing.model != model_name():
        return [], {}
    items, found = stored_passages(existing)
    return [p for p in items if p.doc_id not in dropped], found


@dataclass
class EmbedReport:
    """What ``stdsearch embed`` did."""

    clauses: int = 0
    computed: int = 0
    vectors: int = 0

    def summary(self) -> str:
        """One line for people."""
        return f"{self.vectors}/{self.clauses} clauses have vectors ({self.computed} embedded now)"


def fill_live(home: Home, progress: Progress | None = None, compute: bool = True) -> EmbedReport:
    """Embed every stored clause the live vectors lack, then write them.

    The slow part fills the cache without the write lock (resumable: run it again after an
    interruption); writing the vectors takes the lock for a moment. ``compute=False`` only
    writes what the cache already holds.
    """
    computed = 0
    if compute:
        items = [p for d in Store(home).documents() for p in passages(d)]
        _, computed = build(home, items, compute=True, progress=progress)
    with index_mod.write_lock(home):
        if not engines.index_exists(home):
            raise StdsearchError(f"no index for {home.root}: ingest or reindex first")
        items = [p for d in Store(home).documents() for p in passages(d)]
        vectors, late = build(home, items, compute=compute, progress=progress)
        write(home.vectors, vectors, config.encoding())
        refresh_engine(home, vectors)
    return EmbedReport(clauses=len(items), computed=computed + late, vectors=len(vectors))


def coverage(home: Home) -> dict[str, Any]:
    """For ``stdsearch stats``: how many indexed clauses have vectors, of which model, how stored."""
    live = live_vectors_dir(home)
    clauses = engines.clause_count(home)
    vectors = read(live) if live else None
    folder = live / version(live) if live else None
    count = len(vectors) if vectors else 0
    cached = 0
    if (config.cache_dir(home) / CACHE_FILE).exists():
        with EmbeddingCache(config.cache_dir(home)) as cache:
            cached = cache.count(model_name())
    return {
        "model": vectors.model if vectors else model_name(),
        "clauses": clauses,
        "vectors": count,
        "coverage": round(count / clauses, 4) if clauses else 0.0,
        "encoding": _meta(folder).get("encoding", "") if folder else "",
        "bytes": sum(p.stat().st_size for p in folder.iterdir()) if folder else 0,
        "cache_dir": str(config.cache_dir(home)),
        "cached": cached,
    }


def _meta(folder: Path) -> dict[str, Any]:
    import json

    try:
        return json.loads((folder / "meta.json").read_text())
    except (OSError, ValueError):
        return {}
