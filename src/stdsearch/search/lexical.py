"""The lexical search: a request's plans run by the engine, made into Results.

Stages: the request's plans (:mod:`.plan`, with title routing from :mod:`.titles`) → the engine
(:mod:`.engines`) → hits with snippets (:mod:`.snippets`, :mod:`.results`) and suggestions
(:mod:`.suggest`).
"""

from __future__ import annotations

import functools

from stdsearch import numbers
from stdsearch.compliance import asof
from stdsearch.query import ParsedQuery
from stdsearch.search import explain
from stdsearch.search import plan as plan_mod
from stdsearch.search.engine import Engine, EngineResult
from stdsearch.search.engines import open_engine
from stdsearch.search.request import SearchRequest
from stdsearch.search.results import Hit, Results, hit_from_fields
from stdsearch.search.snippets import highlight_terms, snippet
from stdsearch.search.suggest import suggest
from stdsearch.search.titles import titled_documents
from stdsearch.settings import Home


def lexical_search(home: Home, request: SearchRequest, parsed: ParsedQuery | None = None) -> Results:
    """The lexical search path (BM25F, numbers, titles, facets), without parameter checks.

    ``parsed``: the request's query when the caller parsed it already.
    """
    parsed = parsed or request.parsed()
    engine = open_engine(home)
    vocabulary = engine.vocabulary()
    titled = functools.partial(titled_documents, home)
    in_force = functools.partial(asof.in_force, home)
    answer: tuple[plan_mod.Plan, EngineResult] | None = None
    for plan in plan_mod.plans(request, parsed, vocabulary, titled, in_force):
        answer = (plan, engine.run(plan))
        if answer[1].total:
            break
    if answer is None:
        empty = Results(query=request.q, total=0, hits=[], facets={}, page=request.page, per_page=request.per_page)
        empty.explanation = explain.explanation(None, parsed, []) if request.explain else None
        return empty
    plan, found = answer
    results = Results(
        query=request.q,
        total=found.total,
        hits=hits_of(engine, found, highlight_terms(parsed)),
        facets=found.facet_counts,
        page=request.page,
        per_page=request.per_page,
    )
    if plan_mod.offers_suggestions(plan, parsed, found.total):
        results.suggestions = suggest(vocabulary, parsed)
    typed = plan_mod.typed_number(parsed)
    if typed is not None and plan.kind in ("number", "edition"):
        results.notice = number_notice(typed.canonical, plan.kind, found.total)
        if not found.total:
            results.suggestions = numbers.suggest(typed.canonical, vocabulary.number_keys())[:5]
    if request.explain:
        results.explanation = explain.explanation(plan, parsed, results.hits, request.as_of or parsed.as_of)
    return results


def number_notice(typed: str, kind: str, total: int) -> str:
    """What a number query's answer is when it is not the number typed."""
    if kind == "edition" and total:
        return f"{typed} 不在语料库中；以下是同一标准的其他版本（现行版本在前）"
    if not total:
        return f"{typed} 不在语料库中"
    return ""



def hits_of(engine: Engine, found: EngineResult, marks: list[str]) -> list[Hit]:
    """The Hits of an engine's page, with snippets marking ``marks``."""
    missing = [k for k in found.keys if k not in found.fields]
    stored = {**found.fields, **(engine.fetch(missing) if missing else {})}
    hits = []
    for key, score in zip(found.keys, found.scores, strict=True):
        fields = stored.get(key)
        if fields is not None:
            hits.append(hit_from_fields(fields, score, snippet(fields.get("text", ""), marks)))
    return hits
