"""The search engines behind the seam (:mod:`stdsearch.search.engine`), by name.

``whoosh`` (embedded, the default) lives in :mod:`.whoosh`, ``opensearch`` in :mod:`.opensearch`.
Another engine is a module beside them, added to :data:`ENGINES`, with

- a class taking a :class:`~stdsearch.settings.Home` and implementing the Engine protocol;
- ``open_writer(home, rebuild)``: an EngineWriter onto a fresh index (``rebuild``: swapped in
  at its commit) or onto the live one;
- ``exists(home)``, ``clause_count(home)`` and ``index_bytes(home)``: whether the home has a live
  index, its clauses and its size on disk;
- ``HOLDS_VECTORS``: True when its writer may take the clause vectors (``add_vectors``) and
  its engine answer the dense leg (``nearest``).

Everything that writes goes through :class:`stdsearch.batch.IndexBatch`, which turns documents
into clause records for the chosen engine's writer and keeps the clause vectors beside it.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

from stdsearch.errors import StdsearchError
from stdsearch.search.engine import Engine, EngineWriter
from stdsearch.settings import Home

#: Engine name → "module:Class" (imported on first use, so an engine's client library is
#: only needed when it is chosen).
ENGINES = {
    "whoosh": "stdsearch.search.engines.whoosh:WhooshEngine",
    "opensearch": "stdsearch.search.engines.opensearch:OpenSearchEngine",
}
#: The environment variable naming the engine (default: whoosh).
ENGINE_ENV = "STDSEARCH_ENGINE"
DEFAULT_ENGINE = "whoosh"


def engine_name(name: str | None = None) -> str:
    """The engine chosen: ``name``, else $STDSEARCH_ENGINE, else whoosh."""
    chosen = (name or os.environ.get(ENGINE_ENV, "") or DEFAULT_ENGINE).strip().lower()
    if chosen not in ENGINES:
        raise StdsearchError(f"unknown engine {chosen!r}: use one of {', '.join(ENGINES)}")
    return chosen


def engine_module(name: str | None = None) -> ModuleType:
    """The module of the chosen engine (imported on first use)."""
    return importlib.import_module(ENGINES[engine_name(name)].partition(":")[0])


def open_engine(home: Home, name: str | None = None) -> Engine:
    """The chosen engine over ``home``'s live index, for the calling thread."""
    class_name = ENGINES[engine_name(name)].partition(":")[2]
    return getattr(engine_module(name), class_name)(home)


def open_writer(home: Home, rebuild: bool, name: str | None = None) -> EngineWriter:
    """The chosen engine's writer: onto a fresh index swapped in at commit (``rebuild``), or
    onto the live one."""
    writer: EngineWriter = engine_module(name).open_writer(home, rebuild)
    return writer


def index_exists(home: Home, name: str | None = None) -> bool:
    """True when the chosen engine holds a live index of ``home``'s clauses."""
    return bool(engine_module(name).exists(home))


def clause_count(home: Home, name: str | None = None) -> int:
    """Clauses in the chosen engine's live index of ``home`` (0 without one)."""
    return int(engine_module(name).clause_count(home))


def index_bytes(home: Home, name: str | None = None) -> int:
    """Bytes of the chosen engine's live index of ``home`` (its primary copy; 0 without one)."""
    return int(engine_module(name).index_bytes(home))


def holds_vectors(name: str | None = None) -> bool:
    """True when the chosen engine may store and search the clause vectors itself."""
    return bool(getattr(engine_module(name), "HOLDS_VECTORS", False))
