"""The entry point behind :func:`stdsearch.search.search`: validate, land a cited clause
first, parse once, then the lexical stages alone or fused with dense candidates."""

from __future__ import annotations

import dataclasses
import functools

from stdsearch import cite
from stdsearch.query import parse_query
from stdsearch.search import explain, hybrid
from stdsearch.search.lexical import lexical_search
from stdsearch.search.request import SearchRequest
from stdsearch.search.results import Results
from stdsearch.settings import Home


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
    """A validated request, by the hybrid or the lexical path (the query parsed once)."""
    parsed = parse_query(request.q)
    if hybrid.wants(home, request, parsed):
        lexical = lexical_search(home, hybrid.lexical_request(request), parsed)
        fused = hybrid.hybrid(home, request, parsed, lexical)
        if fused.explanation is not None:
            fused.explanation = explain.complete(fused.explanation, fused.hits)
        return fused
    return lexical_search(home, request, parsed)
