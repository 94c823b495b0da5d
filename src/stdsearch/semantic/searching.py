"""Query time: dense candidates from the live generation's vectors, fused with lexical ones.

:func:`hybrid` takes the lexical results of a question (fetched :data:`fusion.DEPTH` deep),
adds the dense top candidates that pass the same facet filters, fuses the two rankings and
returns the requested page. Every hit says which retrievers found it (``matched_by``).
"""

from __future__ import annotations

import dataclasses
import functools
import threading
from typing import TYPE_CHECKING, Any

import numpy as np

from stdsearch.query import ParsedQuery, parse_query
from stdsearch.semantic import config, fusion
from stdsearch.semantic.build import live_generation_dir
from stdsearch.semantic.embedder import EmbedderUnavailable, get_embedder, model_name
from stdsearch.semantic.vectors import VectorSet, read, version
from stdsearch.settings import Home

if TYPE_CHECKING:
    from stdsearch.search import Hit, Results, SearchRequest

REQUEST_MODES = ("off", "on", "auto")

_lock = threading.Lock()
_loaded: dict[str, tuple[str, VectorSet | None]] = {}


def live_vectors(home: Home) -> VectorSet | None:
    """The live generation's vectors of the configured model (loaded once per version)."""
    generation = live_generation_dir(home)
    if generation is None:
        return None
    stamp = f"{generation}/{version(generation)}"
    with _lock:
        cached = _loaded.get(str(home.root))
        if cached is None or cached[0] != stamp:
            vectors = read(generation)
            if vectors is not None and (vectors.model != model_name() or not len(vectors)):
                vectors = None
            _loaded[str(home.root)] = (stamp, vectors)
        return _loaded[str(home.root)][1]


def request_mode(request: SearchRequest) -> str:
    """The request's ``semantic`` parameter (off / on / auto; absent means auto)."""
    chosen = getattr(request, "semantic", "auto") or "auto"
    return chosen if chosen in REQUEST_MODES else "auto"


def wants(home: Home, request: SearchRequest, parsed: ParsedQuery | None = None) -> bool:
    """True when this request should be answered by hybrid search.

    ``off`` never; ``on`` for any free-text query; ``auto`` for question-like queries unless
    semantic search is configured off. Always: relevance order, default ranking, vectors exist.
    """
    chosen = request_mode(request)
    parsed = parsed or parse_query(request.q)
    if chosen == "off" or parsed.is_empty or request.sort != "relevance":
        return False
    if getattr(request, "mode", "default") != "default":
        return False
    if chosen == "auto" and (config.mode() == "off" or not parsed.is_question()):
        return False
    return live_vectors(home) is not None


def depth(request: SearchRequest) -> int:
    """How many candidates each side contributes: the fusion depth, or more for deep pages."""
    return max(fusion.DEPTH, request.page * request.per_page)


def lexical_request(request: SearchRequest) -> SearchRequest:
    """The request for the lexical side of a hybrid search: page 1, :func:`depth` deep."""
    return dataclasses.replace(request, page=1, per_page=depth(request))


@functools.lru_cache(maxsize=2048)
def query_vector(model: str, text: str) -> np.ndarray:
    """The embedding of a query text (cached per process)."""
    return get_embedder().embed_queries([text])[0]


def dense_ranking(home: Home, text: str, filters: dict[str, str], k: int = fusion.DEPTH) -> list[tuple[str, float]]:
    """(key, cosine similarity) of the ``k`` nearest clauses passing ``filters``; [] without vectors."""
    vectors = live_vectors(home)
    if vectors is None or not text.strip():
        return []
    try:
        query = query_vector(vectors.model, text.strip())
    except EmbedderUnavailable:
        return []
    return [(vectors.keys[row], score) for row, score in vectors.top(query, k, vectors.mask(filters))]


def query_text(parsed: ParsedQuery) -> str:
    """What is embedded for a query: its free text and phrases, without filters."""
    return " ".join([parsed.free_text, *parsed.phrases]).strip()


def request_filters(request: SearchRequest, parsed: ParsedQuery) -> dict[str, str]:
    """The facet filters of a request and of its query text (as search applies them)."""
    from stdsearch.search.request import FACET_FIELDS
    from stdsearch.standards.facets import normalise_filters

    chosen = {name: getattr(request, name, "") for name in FACET_FIELDS}
    return normalise_filters({**parsed.filters, **{k: v for k, v in chosen.items() if v}})


# --- results ----------------------------------------------------------------------------


def hit_from_fields(fields: dict[str, Any], score: float, marks: list[str]) -> Hit:
    """A search Hit built from a clause's stored index fields (for semantic-only hits)."""
    from stdsearch.search.results import hit_from_fields as build
    from stdsearch.search.snippets import snippet

    return build(fields, score, snippet(fields.get("text", ""), marks))


def _tag(hit: Hit, matched_by: list[str]) -> Hit:
    """Record which retrievers found a hit (the ``matched_by`` field of Hit)."""
    hit.matched_by = matched_by  # type: ignore[attr-defined]
    return hit


def _stored_fields(home: Home, key: str) -> dict[str, Any] | None:
    from stdsearch.search.engines import open_engine

    return open_engine(home).fetch([key]).get(key)


def _facets(lexical: Results, extra_keys: list[str], vectors: VectorSet) -> dict[str, dict[str, int]]:
    """Lexical facet counts plus those of the semantic-only candidates."""
    counts = {name: dict(values) for name, values in lexical.facets.items()}
    for key in extra_keys:
        for name, value in vectors.facets_of(key).items():
            if value:
                counts.setdefault(name, {})
                counts[name][value] = counts[name].get(value, 0) + 1
    return {name: dict(sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))) for name, c in counts.items()}


def _page(request: SearchRequest, ranked: list[Any]) -> list[Any]:
    start = (request.page - 1) * request.per_page
    return ranked[start : start + request.per_page]


def document_priors(vectors: VectorSet, keys: list[str]) -> dict[str, float]:
    """key → the document priors lexical questions apply: level (regulations below the
    statutes a layperson asks about) and withdrawn/replaced (×0.7); only factors ≠ 1."""
    from stdsearch.search.plan import NOT_CURRENT_FACTOR, QUESTION_LEVEL_PRIOR

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
    from stdsearch.compliance import asof

    documents = asof.in_force(home, day)
    return [(key, score) for key, score in ranked if key.split("/", 1)[0] in documents]


def hybrid(home: Home, request: SearchRequest, lexical: Results) -> Results:
    """Fuse ``lexical`` (fetched with :func:`lexical_request`) with dense candidates; page it.

    Without vectors or an embedder the lexical results are returned, paged as requested.
    """
    from stdsearch.search import highlight_terms

    parsed = parse_query(request.q)
    dense = in_force_only(home, request.as_of or parsed.as_of, dense_ranking(
        home, query_text(parsed), request_filters(request, parsed), depth(request)))
    vectors = live_vectors(home)
    by_key = {f"{h.doc_id}/{h.clause_id}": h for h in lexical.hits}
    if not dense or vectors is None:
        hits = [_tag(h, [fusion.LEXICAL]) for h in _page(request, lexical.hits)]
        return dataclasses.replace(lexical, hits=hits, page=request.page, per_page=request.per_page)
    priors = document_priors(vectors, [key for key, _ in dense])
    fused = fusion.fuse([(k, h.score) for k, h in by_key.items()], dense, limit=depth(request), dense_priors=priors)
    marks = highlight_terms(parsed)
    hits = [h for h in (_materialise(home, f, by_key, marks) for f in _page(request, fused)) if h]
    extra = [f.key for f in fused if f.key not in by_key]
    return dataclasses.replace(
        lexical,
        hits=hits,
        total=lexical.total + len(extra),
        facets=_facets(lexical, extra, vectors),
        page=request.page,
        per_page=request.per_page,
    )


def _materialise(home: Home, fused: fusion.Fused, by_key: dict[str, Hit], marks: list[str]) -> Hit | None:
    """The Hit of one fused candidate, with its fused score and ``matched_by``."""
    lexical_hit = by_key.get(fused.key)
    if lexical_hit is not None:
        hit = dataclasses.replace(lexical_hit, score=round(fused.score, 4))
    else:
        fields = _stored_fields(home, fused.key)
        if fields is None:  # a vector for a clause no longer indexed
            return None
        hit = hit_from_fields(fields, fused.score, marks)
    return _tag(hit, fused.matched_by)


def dense_search(home: Home, request: SearchRequest) -> Results:
    """Dense retrieval alone (for evaluation): the nearest clauses passing the filters."""
    from stdsearch.search import Results, highlight_terms

    parsed = parse_query(request.q)
    dense = dense_ranking(home, query_text(parsed), request_filters(request, parsed), depth(request))
    marks = highlight_terms(parsed)
    hits = []
    for key, score in _page(request, dense):
        fields = _stored_fields(home, key)
        if fields is not None:
            hits.append(_tag(hit_from_fields(fields, score, marks), [fusion.SEMANTIC]))
    return Results(query=request.q, total=len(dense), hits=hits, facets={},
                   page=request.page, per_page=request.per_page)
