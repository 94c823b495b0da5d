"""The search engines behind the seam (:mod:`stdsearch.search.engine`), by name.

``whoosh`` (embedded, the default) lives in :mod:`.whoosh`. Another engine is a module
beside it with a class taking a :class:`~stdsearch.settings.Home` and implementing the
Engine protocol, added to :data:`ENGINES`.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

from stdsearch.errors import StdsearchError
from stdsearch.search.engine import Engine
from stdsearch.settings import Home

#: Engine name → "module:Class" (imported on first use, so an engine's client library is
#: only needed when it is chosen).
ENGINES = {
    "whoosh": "stdsearch.search.engines.whoosh:WhooshEngine",
    "opensearch": "stdsearch.search.engines.opensearch:OpenSearchEngine",
}
#: Engines that keep their own copy of the clause records, written beside the embedded Whoosh
#: index (which still holds the dense vectors): engine name → the module that writes the copy
#: (``rebuild_documents``, ``update_documents``, ``ensure_documents``).
REPLICAS = {"opensearch": "stdsearch.search.engines.opensearch"}
#: The environment variable naming the engine (default: whoosh).
ENGINE_ENV = "STDSEARCH_ENGINE"
DEFAULT_ENGINE = "whoosh"


def engine_name(name: str | None = None) -> str:
    """The engine chosen: ``name``, else $STDSEARCH_ENGINE, else whoosh."""
    chosen = (name or os.environ.get(ENGINE_ENV, "") or DEFAULT_ENGINE).strip().lower()
    if chosen not in ENGINES:
        raise StdsearchError(f"unknown engine {chosen!r}: use one of {', '.join(ENGINES)}")
    return chosen


def open_engine(home: Home, name: str | None = None) -> Engine:
    """The chosen engine over ``home``'s live index, for the calling thread."""
    module_name, _, class_name = ENGINES[engine_name(name)].partition(":")
    engine_class = getattr(importlib.import_module(module_name), class_name)
    return engine_class(home)


def replica(name: str | None = None) -> ModuleType | None:
    """The module writing the chosen engine's own copy of the clauses (None for whoosh)."""
    module = REPLICAS.get(engine_name(name))
    return importlib.import_module(module) if module else None
