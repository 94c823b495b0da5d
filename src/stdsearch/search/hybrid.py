"""Hybrid search: a question's lexical results fused with dense candidates.

:func:`hybrid` takes the lexical results of a question (fetched :data:`fusion.DEPTH` deep, see
:func:`lexical_request`), adds the dense top candidates that pass the same facet filters, fuses
the two rankings (:mod:`.fusion`) and returns the requested page. Every hit says which
retrievers found it (``matched_by``). The query is parsed once, by the caller.
"""

from __future__ import annotations

import dataclasses

from stdsearch.compliance import asof
from stdsearch.errors import Unavailable
from stdsearch.query import ParsedQuery
from stdsearch.search import fusion
from stdsearch.search.dense import dense_ranking, live_vectors, query_text, request_filters
from stdsearch.search.engines import open_engine
from stdsearch.search.plan import NOT_CURRENT_FACTOR, QUESTION_LEVEL_PRIOR
from stdsearch.search.request import SearchRequest, facet_values_of
from stdsearch.search.results import Hit, Results, hit_from_fields
from stdsearch.search.snippets import highlight_terms, snippet
from stdsearch.semantic import config
from stdsearch.semantic.vectors import VectorSet
from stdsearch.settings import Home

#: What an operator runs to give a home the vectors ``semantic=on`` needs.
FIX_NO_VECTORS = "run `stdsearch embed` on this home (after `pip install 'stdsearch[semantic]'` if needed)"


def wants(home: Home, request: SearchRequest, parsed: ParsedQuery) -> bool:
    """True when this request should be answered by hybrid search.

    ``off`` never; ``on`` for any free-text query; ``auto`` for question-like queries unless
    semantic search is configured off. Always: relevance order, default ranking, vectors exist.
    ``on`` on a home without clause vectors is an error (:class:`Unavailable`: CLI exit 1,
    HTTP 409) naming the command that fixes it, never a silent lexical answer.
    """
    chosen = request.semantic
    if chosen == "on" and live_vectors(home) is None:
        raise Unavailable(f"semantic=on, but there are no clause vectors to search: {FIX_NO_VECTORS}")
    if chosen == "off" or parsed.is_empty or request.sort != "relevance" or request.mode != "default":
        return False
    if chosen == "auto" and (config.mode() == "off" or not parsed.is_question()):
        return False
    return live_vectors(home) is not None


def depth(request: SearchRequest) -> int:
    """How many candidates each side contributes: the fusion depth, or more for deep pages."""
    return max(fusion.DEPTH, request.page * request.per_page)


def lexical_request(request: SearchRequest) -> SearchRequest:
    """The request for the lexical side of a hybrid search: page 1, :func:`depth` deep, lexical."""
    return dataclasses.replace(request, page=1, per_page=depth(request), semantic="off")


def document_priors(vectors: VectorSet, keys: list[str]) -> dict[str, float]:
    """key → the document priors lexical questions apply: level (regulations below the
    statutes a layperson asks about) and withdrawn/replaced (×0.7); only factors ≠ 1."""
    rows = vectors.rows
    priors = {}
    for key in keys:
        factor = QUESTION_LEVEL_PRIOR.get(vectors.facets_of(key).get("level", ""), 1.0)
        row = rows.get(key)
        if vectors.current is not None and row is not None and not vectors.current[row]:
            factor *= NOT_CURRENT_FACTOR
        if factor != 1.0:
            priors[key] = factor
    return priors


def in_force_only(home: Home, day: str, ranked: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """The dense candidates of documents in force on ``day`` (all of them when day is "")."""
    if not day:
        return ranked
    documents = asof.in_force(home, day)
    return [(key, score) for key, score in ranked if key.split("/", 1)[0] in documents]


def candidates(home: Home, request: SearchRequest, parsed: ParsedQuery) -> list[tuple[str, float]]:
    """The dense candidates of a request: its filters, its day (``as_of``), :func:`depth` deep."""
    ranked = dense_ranking(home, query_text(parsed), request_filters(request, parsed), depth(request))
    return in_force_only(home, request.as_of or parsed.as_of, ranked)


def hybrid(home: Home, request: SearchRequest, parsed: ParsedQuery, lexical: Results) -> Results:
    """Fuse ``lexical`` (fetched with :func:`lexical_request`) with dense candidates; page it.

    Without vectors or an embedder the lexical results are returned, paged as requested.
    """
    dense = candidates(home, request, parsed)
    vectors = live_vectors(home)
    by_key = {h.key: h for h in lexical.hits}
    if not dense or vectors is None:
        hits = [_tagged(h, [fusion.LEXICAL]) for h in _page(request, lexical.hits)]
        return dataclasses.replace(lexical, hits=hits, page=request.page, per_page=request.per_page)
    priors = document_priors(vectors, [key for key, _ in dense])
    fused = fusion.fuse([(k, h.score) for k, h in by_key.items()], dense, limit=depth(request), dense_priors=priors)
    page = _page(request, fused)
    stored = open_engine(home).fetch([f.key for f in page if f.key not in by_key])
    marks = highlight_terms(parsed)
    hits = [h for h in (_materialise(f, by_key, stored, marks) for f in page) if h]
    extra = [f.key for f in fused if f.key not in by_key]
    return dataclasses.replace(
        lexical,
        hits=hits,
        total=lexical.total + len(extra),
        facets=_facets(lexical, extra, vectors),
        page=request.page,
        per_page=request.per_page,
    )


def dense_search(home: Home, request: SearchRequest, parsed: ParsedQuery) -> Results:
    """Dense retrieval alone (the evaluation's middle column): the nearest clauses passing
    the filters."""
    dense = candidates(home, request, parsed)
    page = _page(request, dense)
    stored = open_engine(home).fetch([key for key, _ in page])
    marks = highlight_terms(parsed)
    hits = [
        _tagged(_hit(stored[key], score, marks), [fusion.SEMANTIC]) for key, score in page if key in stored
    ]
    return Results(query=request.q, total=len(dense), hits=hits, facets={}, page=request.page, per_page=request.per_page)


def _hit(fields: dict, score: float, marks: list[str]) -> Hit:  # type: ignore[type-arg]
    """A Hit from a clause's stored fields, its snippet marking ``marks``."""
    return hit_from_fields(fields, score, snippet(fields.get("text", ""), marks))


def _tagged(hit: Hit, matched_by: list[str]) -> Hit:
    """A copy of ``hit`` recording which retrievers found it."""
    return dataclasses.replace(hit, matched_by=list(matched_by))


def _page(request: SearchRequest, ranked: list) -> list:  # type: ignore[type-arg]
    start = (request.page - 1) * request.per_page
    return ranked[start : start + request.per_page]


def _materialise(
    fused: fusion.Fused, by_key: dict[str, Hit], stored: dict[str, dict], marks: list[str]  # type: ignore[type-arg]
) -> Hit | None:
    """The Hit of one fused candidate, with its fused score and ``matched_by``."""
    lexical_hit = by_key.get(fused.key)
    if lexical_hit is not None:
        return _tagged(dataclasses.replace(lexical_hit, score=round(fused.score, 4)), fused.matched_by)
    fields = stored.get(fused.key)
    if fields is None:  # a vector for a clause no longer indexed
        return None
    return _tagged(_hit(fields, fused.score, marks), fused.matched_by)


def _facets(lexical: Results, extra_keys: list[str], vectors: VectorSet) -> dict[str, dict[str, int]]:
    """Lexical facet counts plus those of the semantic-only candidates."""
    counts = {name: dict(values) for name, values in lexical.facets.items()}
    for key in extra_keys:
        for name, held in vectors.facets_of(key).items():
            for value in facet_values_of(name, held):
                if value:
                    counts.setdefault(name, {})
                    counts[name][value] = counts[name].get(value, 0) + 1
    return {name: dict(sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))) for name, c in counts.items()}
