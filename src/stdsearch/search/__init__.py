"""Clause-level search, in stages — one module each:

- :mod:`.request` — the one validated request type and the declarations of filters (facets),
  sorts, modes, semantic modes and page caps;
- :mod:`.plan` — pure, engine-neutral plans (weighted terms per field, phrases, exclusions,
  filters, BM25 parameters, priors, sort, page) and every ranking constant;
  :mod:`.words` (stop words, colloquial terms) and :mod:`.titles` (title routing) feed it;
- :mod:`.engine` — the engine protocol; :mod:`.engines` — the engines (Whoosh embedded);
- :mod:`.lexical` — plans → engine → hits; :mod:`.suggest` — did you mean;
- :mod:`.snippets` — highlighting; :mod:`.results` — Hit and Results.

:func:`search` is the entry point: questions go hybrid (lexical fused with dense candidates)
when clause vectors exist and the request allows it; everything else stays lexical.
"""

from __future__ import annotations

import dataclasses
import functools

from stdsearch import cite, semantic
from stdsearch.query import parse_query
from stdsearch.search.lexical import lexical_search
from stdsearch.search.plan import NOT_CURRENT_FACTOR, QUESTION_LEVEL_PRIOR
from stdsearch.search.request import (
    FACET_FIELDS,
    MAX_PER_PAGE,
    MODES,
    SEMANTIC_MODES,
    SORTS,
    SearchRequest,
)
from stdsearch.search.results import Hit, Results
from stdsearch.search.snippets import highlight, highlight_terms, snippet
from stdsearch.settings import Home

__all__ = [
    "FACET_FIELDS",
    "MAX_PER_PAGE",
    "MODES",
    "NOT_CURRENT_FACTOR",
    "QUESTION_LEVEL_PRIOR",
    "SEMANTIC_MODES",
    "SORTS",
    "Hit",
    "Results",
    "SearchRequest",
    "highlight",
    "highlight_terms",
    "lexical_search",
    "search",
    "snippet",
]


def search(home: Home, request: SearchRequest) -> Results:
    """Run a search request against a home's live index.

    Questions are answered by hybrid lexical + dense search when clause vectors exist and
    ``semantic`` allows it; everything else (keywords, numbers, titles) stays lexical. A query
    citing a clause (产品质量法第二十六条, GB 50016-2014 5.1.2) gets that clause first
    (:mod:`stdsearch.cite`).
    """
    request.validate()
    landing = cite.lookup(home, request.q)
    if landing is not None and cite.matches_filters(landing.document, request.filters()):
        fetch = functools.partial(_search_page, home, request)
        return cite.pin(cite.cited_hit(landing), request.page, request.per_page, fetch)
    return _search(home, request)


def _search_page(home: Home, request: SearchRequest, page: int, per_page: int) -> Results:
    """:func:`_search` of another page (or page size) of the same request."""
    return _search(home, dataclasses.replace(request, page=page, per_page=per_page))


def _search(home: Home, request: SearchRequest) -> Results:
    """A validated request, by the hybrid or the lexical path."""
    parsed = parse_query(request.q)
    if semantic.wants(home, request, parsed):
        deep = dataclasses.replace(semantic.lexical_request(request), semantic="off")
        return semantic.hybrid(home, request, lexical_search(home, deep, parsed))
    return lexical_search(home, request, parsed)
