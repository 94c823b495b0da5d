"""Dense candidates: the nearest clauses to a query's embedding, from the home's live vectors
(written beside the engine's index by :mod:`stdsearch.semantic`)."""

from __future__ import annotations

import functools
import threading

import numpy as np

from stdsearch.query import ParsedQuery
from stdsearch.search import fusion
from stdsearch.search.engines import open_engine
from stdsearch.search.request import FACET_FIELDS, SearchRequest
from stdsearch.semantic.build import live_vectors_dir
from stdsearch.semantic.embedder import EmbedderUnavailable, get_embedder, model_name
from stdsearch.semantic.vectors import VectorSet, read, version
from stdsearch.settings import Home
from stdsearch.standards.facets import normalise_filters

_lock = threading.Lock()
_loaded: dict[str, tuple[str, VectorSet | None]] = {}


def live_vectors(home: Home) -> VectorSet | None:
    """The live vectors of the configured model (loaded once per version)."""
    folder = live_vectors_dir(home)
    if folder is None:
        return None
    stamp = f"{folder}/{version(folder)}"
    with _lock:
        cached = _loaded.get(str(home.root))
        if cached is None or cached[0] != stamp:
            vectors = read(folder)
            if vectors is not None and (vectors.model != model_name() or not len(vectors)):
                vectors = None
            _loaded[str(home.root)] = (stamp, vectors)
        return _loaded[str(home.root)][1]


@functools.lru_cache(maxsize=2048)
def query_vector(model: str, text: str) -> np.ndarray:
    """The embedding of a query text (cached per process)."""
    return get_embedder().embed_queries([text])[0]


def dense_ranking(home: Home, text: str, filters: dict[str, str], k: int = fusion.DEPTH) -> list[tuple[str, float]]:
    """(key, cosine similarity) of the ``k`` nearest clauses passing ``filters``; [] without vectors.

    The engine ranks them when it holds the vectors (OpenSearch's k-NN, filters applied in the
    search); else they are ranked here over the home's own vectors.
    """
    vectors = live_vectors(home)
    if vectors is None or not text.strip():
        return []
    try:
        query = query_vector(vectors.model, text.strip())
    except EmbedderUnavailable:
        return []
    ranked = open_engine(home).nearest(query, filters, k)
    if ranked is not None:
        return ranked
    return [(vectors.keys[row], score) for row, score in vectors.top(query, k, vectors.mask(filters))]


def query_text(parsed: ParsedQuery) -> str:
    """What is embedded for a query: its free text and phrases, without filters."""
    return " ".join([parsed.free_text, *parsed.phrases]).strip()


def request_filters(request: SearchRequest, parsed: ParsedQuery) -> dict[str, str]:
    """The facet filters of a request and of its query text (as the lexical search applies them)."""
    chosen = {name: getattr(request, name, "") for name in FACET_FIELDS}
    return normalise_filters({**parsed.filters, **{k: v for k, v in chosen.items() if v}})
