"""Semantic settings, each with a default: read from the environment, overridable in-process.

- ``STDSEARCH_SEMANTIC``: ``auto`` (default: embed at ingest and use vectors when the embedder
  is installed), ``on`` (the same, and fail loudly when it is not), ``off`` (no embedding at
  ingest; searches are lexical unless a request asks for ``semantic=on``).
- ``STDSEARCH_EMBED_CACHE``: the embedding cache directory (default ``<home>/corpus/embeddings``);
  ``--embed-cache DIR`` on the command line sets it for one run.
- ``STDSEARCH_EMBEDDER``: which embedder (see :mod:`stdsearch.semantic.embedder`).
- ``STDSEARCH_VECTOR_ENCODING``: ``int8`` (default), ``float16`` or ``float32``.
- ``STDSEARCH_EMBED_THREADS``: threads of the bundled model's engine (default: OpenMP's, all
  cores; its threads wait passively unless ``OMP_WAIT_POLICY`` says otherwise).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from stdsearch.search.request import SEMANTIC_MODES
from stdsearch.semantic.embedder import is_installed
from stdsearch.semantic.vectors import DEFAULT_ENCODING, ENCODINGS
from stdsearch.settings import Home

SEMANTIC_ENV = "STDSEARCH_SEMANTIC"
CACHE_ENV = "STDSEARCH_EMBED_CACHE"
ENCODING_ENV = "STDSEARCH_VECTOR_ENCODING"

_overrides: dict[str, str] = {}


def configure(
    mode: str | None = None, cache_dir: str | os.PathLike[str] | None = None, quiet: bool | None = None
) -> None:
    """Override the environment for this process (the CLI's ``--embed-cache``, the eval harness;
    ``quiet``: no progress bar even on a terminal, as with ``--json``)."""
    if quiet is not None:
        _overrides["quiet"] = "1" if quiet else ""
    if mode is not None:
        if mode not in SEMANTIC_MODES:
            raise ValueError(f"semantic mode must be one of {', '.join(SEMANTIC_MODES)}")
        _overrides["mode"] = mode
    if cache_dir is not None:
        _overrides["cache_dir"] = str(cache_dir)


@contextlib.contextmanager
def temporary_mode(chosen: str) -> Iterator[None]:
    """Within the block the mode is ``chosen``; the previous override (or none) comes back after."""
    previous = _overrides.get("mode")
    configure(mode=chosen)
    try:
        yield
    finally:
        if previous is None:
            _overrides.pop("mode", None)
        else:
            _overrides["mode"] = previous


def reset() -> None:
    """Forget in-process overrides (tests)."""
    _overrides.clear()


def mode() -> str:
    """off, on or auto."""
    chosen = _overrides.get("mode") or os.environ.get(SEMANTIC_ENV, "").strip().lower() or "auto"
    return chosen if chosen in SEMANTIC_MODES else "auto"


def quiet() -> bool:
    """True when embedding must not draw a progress bar (``--json`` runs)."""
    return bool(_overrides.get("quiet"))


def embeds_at_ingest() -> bool:
    """True when ingest and reindex should compute missing clause embeddings."""
    chosen = mode()
    return chosen == "on" or (chosen == "auto" and is_installed())


def cache_dir(home: Home) -> Path:
    """Where the embedding cache lives for this home."""
    chosen = _overrides.get("cache_dir") or os.environ.get(CACHE_ENV, "").strip()
    return Path(chosen).expanduser() if chosen else home.corpus / "embeddings"


def encoding() -> str:
    """How vectors are stored in the home's vectors/ folder."""
    chosen = os.environ.get(ENCODING_ENV, "").strip() or DEFAULT_ENCODING
    return chosen if chosen in ENCODINGS else DEFAULT_ENCODING
