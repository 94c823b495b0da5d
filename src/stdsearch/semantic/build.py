"""Building the clause vectors from documents, the cache and the previous set.

A clause's vector comes from, in order: the embedding cache (model + text hash), the live
vectors (same key and text hash), or the embedder (only when computing is allowed).
Clauses left without a vector are simply absent: search uses vectors where they exist and
``stdsearch embed`` fills in the rest later.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from stdsearch import index as index_mod
from stdsearch.records import Document
from stdsearch.search.request import FACET_FIELDS
from stdsearch.semantic import config
from stdsearch.semantic.cache import CACHE_FILE, EmbeddingCache, Progress, embed_passages
from stdsearch.semantic.embedder import get_embedder, model_name
from stdsearch.semantic.text import passage_text, text_hash
from stdsearch.semantic.vectors import VectorSet, read, version
from stdsearch.settings import Home


@dataclass
class Passage:
    """One searchable clause as the vector store sees it."""

    key: str
    text: str
    facets: dict[str, str] = field(default_factory=dict)
    current: int = 1
    hash: str = ""

    def __post_init__(self) -> None:
        if not self.hash:
            self.hash = text_hash(self.text)

    @property
    def doc_id(self) -> str:
        """The document part of the key."""
        return self.key.split("/", 1)[0]


def passages(document: Document) -> list[Passage]:
    """The searchable clauses of a document, with the text recipe applied and facet values."""
    current = 0 if document.status in ("废止", "被代替") else 1
    return [
        Passage(
            f"{document.doc_id}/{c.clause_id}",
            passage_text(document.title, c.label, c.text),
            index_mod.facet_values(document, c),
            current,
        )
        for c in document.clauses
        if c.searchable
    ]


def stored_passages(vectors: VectorSet) -> tuple[list[Passage], dict[str, np.ndarray]]:
    """The rows of a stored VectorSet as passages (without text) and their vectors by hash."""
    items: list[Passage] = []
    found: dict[str, np.ndarray] = {}
    for row, (key, digest) in enumerate(zip(vectors.keys, vectors.hashes, strict=True)):
        facets = {name: vectors.facet_values[name][int(vectors.facet_codes[name][row])]
                  for name in FACET_FIELDS if name in vectors.facet_codes}
        current = int(vectors.current[row]) if vectors.current is not None else 1
        items.append(Passage(key, "", facets, current, digest))
        found[digest] = vectors.matrix[row]
    return items, found


def live_vectors_dir(home: Home) -> Path | None:
    """The folder whose vectors readers use (its ``vectors`` link names the live set), or None.

    That is the home's own ``vectors/`` folder, beside whichever engine holds the clauses; a home
    written before vectors had a folder of their own keeps them in its live Whoosh generation
    until the next write (which carries them over into ``vectors/``).
    """
    if version(home.vectors):
        return home.vectors
    live = index_mod.live_path(home)
    if live.exists() and version(live.resolve()):
        return live.resolve()
    return None


def previous_vectors(home: Home, model: str) -> dict[tuple[str, str], np.ndarray]:
    """(key, text hash) → vector of the live vectors of ``model``."""
    folder = live_vectors_dir(home)
    existing = read(folder) if folder else None
    if existing is None or existing.model != model:
        return {}
    return {(k, h): existing.matrix[row] for row, (k, h) in enumerate(zip(existing.keys, existing.hashes, strict=True))}


def collect_vectors(
    home: Home, items: list[Passage], compute: bool, progress: Progress | None = None
) -> tuple[str, dict[str, np.ndarray], int]:
    """(model name, text hash → vector, number computed) for ``items``.

    Looks in the cache and the live vectors first; embeds the rest when ``compute``.
    """
    model = model_name()
    previous = previous_vectors(home, model)
    folder = config.cache_dir(home)
    if not compute and not (folder / CACHE_FILE).exists():
        return model, {p.hash: previous[(p.key, p.hash)] for p in items if (p.key, p.hash) in previous}, 0
    with EmbeddingCache(folder) as cache:
        found = cache.get_many(model, [p.hash for p in items])
        carried = {p.hash: previous[(p.key, p.hash)] for p in items
                   if p.hash not in found and (p.key, p.hash) in previous}
        # Carried vectors are not written to the cache: int8/float16 rows are approximations.
        found.update(carried)
        missing = list(dict.fromkeys(p.text for p in items if p.hash not in found))
        computed = 0
        if compute and missing:
            with terminal_progress(progress, "embedding clauses") as advance:
                matrix, computed = embed_passages(get_embedder(), cache, missing, progress=advance)
            found.update({text_hash(t): matrix[i] for i, t in enumerate(missing)})
    return model, found, computed


@contextlib.contextmanager
def terminal_progress(progress: Progress | None, label: str) -> Iterator[Progress | None]:
    """``progress`` itself, or else a tqdm bar on stderr showing the count, the rate and the
    time left, when stderr is a terminal and the run is not quiet (``--json``); else None."""
    if progress is not None or config.quiet() or not sys.stderr.isatty():
        yield progress
        return
    from tqdm import tqdm

    bar = tqdm(desc=label, unit=" clauses", file=sys.stderr, leave=False, smoothing=0.1)

    def advance(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)

    try:
        yield advance
    finally:
        bar.close()


def vector_set(model: str, items: list[Passage], found: dict[str, np.ndarray], dim: int) -> VectorSet:
    """The VectorSet of the passages that have a vector, with facet codes."""
    kept = [p for p in items if p.hash in found]
    matrix = np.zeros((len(kept), dim), dtype=np.float32)
    for row, p in enumerate(kept):
        matrix[row] = found[p.hash]
    values = {name: sorted({p.facets.get(name, "") for p in kept}) for name in FACET_FIELDS}
    lookup = {name: {v: i for i, v in enumerate(vals)} for name, vals in values.items()}
    codes = {
        name: np.array([lookup[name][p.facets.get(name, "")] for p in kept], dtype=np.int32) for name in FACET_FIELDS
    }
    return VectorSet(
        model=model,
        keys=[p.key for p in kept],
        hashes=[p.hash for p in kept],
        matrix=matrix,
        facet_codes=codes,
        facet_values=values,
        current=np.array([p.current for p in kept], dtype=np.int8),
    )


def build(
    home: Home, items: list[Passage], compute: bool | None = None, progress: Progress | None = None
) -> tuple[VectorSet, int]:
    """The vectors for ``items`` and how many were computed (``compute`` default: the config)."""
    allowed = config.embeds_at_ingest() if compute is None else compute
    model, found, computed = collect_vectors(home, items, allowed, progress)
    dim = next((len(v) for v in found.values()), 0)
    return vector_set(model, items, found, dim), computed

