"""The entry point behind :func:`stdsearch.search.search`: validate, land a cited clause
first, parse once, then the lexical stages alone or fused with dense candidates."""

from __future__ import annotations

import functools

from stdsearch import cite
from stdsearch.compliance import asof
from stdsearch.search import explain, hybrid
from stdsearch.search.lexical import lexical_search
from stdsearch.search.request import SearchRequest
from stdsearch.search.results import Results
from stdsearch.settings import Home
from stdsearch.standards import reference


def search(home: Home, request: SearchRequest) -> Results:
    """Run a search request against a home's live index.

    Questions are answered by hybrid lexical + dense search when clause vectors exist and
    ``semantic`` allows it; everything else (keywords, numbers, titles) stays lexical. A query
    citing a clause (产品质量法第二十六条, GB 50016-2014 5.1.2) gets that clause first
    (:mod:`stdsearch.cite`).
    """
    request.validate()
    landed = cite.land(home, request, functools.partial(_search, home))
    results = landed if landed is not None else _search(home, request)
    results.facet_labels = reference.of(home).facet_labels(results.facets)
    asof.settle_hits(home, results.hits)  # today's status, as the document page shows it
    return results


def _search(home: Home, request: SearchRequest) -> Results:
    """A validated request, by the hybrid or the lexical path (the query parsed once)."""
    parsed = request.parsed()
    if hybrid.wants(home, request, parsed):
        lexical = lexical_search(home, hybrid.lexical_request(request), parsed)
        fused = hybrid.hybrid(home, request, parsed, lexical)
        if fused.explanation is not None:
            fused.explanation = explain.complete(fused.explanation, fused.hits)
        return fused
    return lexical_search(home, request, parsed)
