"""Clause-level search, in stages — one module each:

- :mod:`.request` — the one validated request type and the declarations of filters (facets),
  sorts, modes, semantic modes and page caps;
- :mod:`.plan` — pure, engine-neutral plans (weighted terms per field, phrases, exclusions,
  filters, BM25 parameters, priors, sort, page) and every ranking constant;
  :mod:`.words` (stop words, colloquial terms) and :mod:`.titles` (title routing) feed it;
- :mod:`.engine` — the engine protocol; :mod:`.engines` — the engines (Whoosh embedded);
- :mod:`.lexical` — plans → engine → hits; :mod:`.suggest` — did you mean;
- :mod:`.dense`, :mod:`.fusion`, :mod:`.hybrid` — dense candidates fused with lexical ones;
- :mod:`.snippets` — highlighting; :mod:`.results` — Hit and Results;
- :mod:`.service` — :func:`search`, the entry point.

Importing this package loads only the request and result types (the index schema and the CLI
read them); the stages load on the first search.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from stdsearch.search.request import (
    FACET_FIELDS,
    MAX_PER_PAGE,
    MODES,
    SEMANTIC_MODES,
    SORTS,
    SearchRequest,
)
from stdsearch.search.results import Hit, Results

if TYPE_CHECKING:
    from stdsearch.query import ParsedQuery
    from stdsearch.settings import Home

__all__ = [
    "FACET_FIELDS",
    "MAX_PER_PAGE",
    "MODES",
    "SEMANTIC_MODES",
    "SORTS",
    "Hit",
    "Results",
    "SearchRequest",
    "lexical_search",
    "search",
]


def search(home: Home, request: SearchRequest) -> Results:
    """Run a search request against a home's live index (see :func:`.service.search`)."""
    from stdsearch.search import service

    return service.search(home, request)


def lexical_search(home: Home, request: SearchRequest, parsed: ParsedQuery | None = None) -> Results:
    """The lexical stages alone, without parameter checks (see :func:`.lexical.lexical_search`)."""
    from stdsearch.search import lexical

    return lexical.lexical_search(home, request, parsed)
