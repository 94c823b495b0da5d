"""The index-side hooks: vectors written with a rebuilt generation, kept current by
incremental ingests, filled in later by ``stdsearch embed``, and reported by ``stats``.

Every writer here runs under the index write lock held by its caller (the pipeline), except
:func:`fill_live`, which computes into the cache first and takes the lock only to write.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stdsearch import index as index_mod
from stdsearch.errors import StdsearchError
from stdsearch.records import Document
from stdsearch.semantic import config
from stdsearch.semantic.build import (
    Passage,
    build,
    live_generation_dir,
    passages,
    stored_passages,
    vector_set,
)
from stdsearch.semantic.cache import CACHE_FILE, EmbeddingCache, Progress
from stdsearch.semantic.embedder import model_name
from stdsearch.semantic.vectors import VectorSet, read, version, write
from stdsearch.settings import Home
from stdsearch.store import Store


class VectorCollector:
    """Gathers the passages of the documents a rebuild indexes, then writes their vectors
    into the new generation before it is swapped in (see :func:`stdsearch.index.rebuild`)."""

    def __init__(self, home: Home) -> None:
        self.home = home
        self.items: list[Passage] = []

    def add(self, document: Document) -> None:
        """Note one indexed document (cheap: the text recipe only)."""
        self.items.extend(passages(document))

    def add_passages(self, items: Iterable[Passage]) -> None:
        """Note the passages of an indexed document (:func:`passages`, made elsewhere: by an
        index worker process)."""
        self.items.extend(items)

    def write(self, generation: Path, compute: bool | None = None, progress: Progress | None = None) -> int:
        """Write the vectors into ``generation``; returns how many were computed.

        Vectors come from the cache, the live generation, or (``compute``, default: the
        config; never when semantic is off) the embedder. An interruption propagates, so the rebuild fails and the old
        generation keeps serving; what was embedded stays in the cache.
        """
        vectors, computed = build(self.home, self.items, compute, progress)
        if len(vectors):  # a lexical-only home gets no vectors folder
            write(generation, vectors, config.encoding())
        return computed


def write_vectors(
    home: Home, generation: Path, documents: Iterable[Document], progress: Progress | None = None
) -> int:
    """Vectors for ``documents`` into ``generation`` (not yet live); returns how many computed."""
    collector = VectorCollector(home)
    for document in documents:
        collector.add(document)
    return collector.write(generation, progress=progress)


def after_ingest(
    home: Home,
    changed: Iterable[Document],
    removed_ids: Iterable[str] = (),
    progress: Progress | None = None,
) -> int:
    """Bring the live generation's vectors up to date after an incremental index update.

    Rows of removed and changed documents are dropped; the changed documents' clauses get
    vectors from the cache, or computed when the config allows (not when semantic is off, so
    stale rows still go). Returns how many were computed.
    """
    generation = live_generation_dir(home)
    changed, removed_ids = list(changed), list(removed_ids)
    if generation is None or not (changed or removed_ids):
        return 0
    existing = read(generation)
    dropped = set(removed_ids) | {d.doc_id for d in changed}
    kept, found = _kept_rows(existing, dropped)
    fresh, computed = build(home, [p for d in changed for p in passages(d)], progress=progress)
    if existing is None and not len(fresh):
        return computed  # a lexical-only home stays without vectors
    kept_fresh, found_fresh = stored_passages(fresh)
    found.update(found_fresh)
    dim = next((len(v) for v in found.values()), 0)
    write(generation, vector_set(model_name(), kept + kept_fresh, found, dim), config.encoding())
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
    """Embed every stored clause the live generation lacks, then write its vectors.

    The slow part fills the cache without the write lock (resumable: run it again after an
    interruption); writing the vectors takes the lock for a moment. ``compute=False`` only
    writes what the cache already holds.
    """
    computed = 0
    if compute:
        items = [p for d in Store(home).documents() for p in passages(d)]
        _, computed = build(home, items, compute=True, progress=progress)
    with index_mod.write_lock(home):
        generation = live_generation_dir(home)
        if generation is None:
            raise StdsearchError(f"no index in {home.index}: ingest or reindex first")
        items = [p for d in Store(home).documents() for p in passages(d)]
        vectors, late = build(home, items, compute=compute, progress=progress)
        write(generation, vectors, config.encoding())
    return EmbedReport(clauses=len(items), computed=computed + late, vectors=len(vectors))


def coverage(home: Home) -> dict[str, Any]:
    """For ``stdsearch stats``: how many indexed clauses have vectors, of which model, how stored."""
    generation = live_generation_dir(home)
    clauses = index_mod.open_index(home).doc_count() if index_mod.exists(home) else 0
    vectors = read(generation) if generation else None
    folder = generation / version(generation) if generation and version(generation) else None
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
