"""The embedded engine: Whoosh, one index generation per home (see :mod:`stdsearch.index`).

Plans of terms, AnyOf, AllOf, exclusions and Everything (filters-only listings) are ranked over
numpy arrays of the postings (:mod:`.whoosh_arrays`, shared by every thread reading the same
index state); plans with phrases run through Whoosh's own matchers, with the same BM25F
scores (but the searcher's default k1 and without the plan's priors). Whoosh searchers are not
shared between threads: each thread keeps its own, reopened when the index changes.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from whoosh import query as wq
from whoosh import scoring, sorting
from whoosh.searching import Searcher

from stdsearch import index as index_mod
from stdsearch.search.engine import EngineResult
from stdsearch.search.engines import whoosh_arrays as arrays
from stdsearch.search.plan import (
    BM25_B,
    BM25_K1,
    FIELD_B,
    AllOf,
    AnyOf,
    Everything,
    Node,
    Nothing,
    Phrase,
    Plan,
    Term,
)
from stdsearch.search.request import MULTI_VALUED_FACETS
from stdsearch.settings import Home

#: Whether a home has a live index, its clauses and its bytes (the engine module's surface,
#: see :mod:`stdsearch.search.engines`).
exists = index_mod.exists
clause_count = index_mod.clause_count
index_bytes = index_mod.size_on_disk
#: The clause vectors stay beside the index (the home's vectors/), ranked by search.dense.
HOLDS_VECTORS = False


def open_writer(home: Home, rebuild: bool) -> index_mod.IndexBatch:
    """The engine's writer: a new generation swapped in at commit (``rebuild``), or the live one
    updated in one Whoosh commit. The caller holds :func:`stdsearch.index.write_lock`."""
    return index_mod.IndexBatch(home, rebuild)

_local = threading.local()


def weighting() -> scoring.WeightingModel:
    """BM25F with the plan module's default parameters (per-field B as ``<field>_B``)."""
    per_field = {f"{name}_B": value for name, value in FIELD_B.items()}
    return scoring.BM25F(B=BM25_B, K1=BM25_K1, **per_field)


def get_searcher(home: Home) -> tuple[Searcher, str]:
    """This thread's searcher on the live index and the generation folder it reads, reopened
    after an incremental update or when a rebuild swaps a new generation in."""
    cache: dict[str, tuple[str, Searcher]] = _local.__dict__.setdefault("searchers", {})
    key = str(home.root)
    generation = index_mod.live_generation(home)
    cached = cache.get(key)
    if cached and cached[0] == generation and cached[1].up_to_date():
        searcher = cached[1]
    else:
        # Not Searcher.refresh(): it reuses segment readers and misses new deletions.
        if cached:
            cached[1].close()
        searcher = index_mod.open_index(home).searcher(weighting=weighting())
    cache[key] = (generation, searcher)
    return searcher, str(home.index / generation)


class WhooshVocabulary:
    """Term statistics of one thread's searcher (the Vocabulary protocol)."""

    def __init__(self, view: arrays.View):
        self.view = view

    def clause_count(self) -> int:
        """Number of live clauses."""
        return self.view.searcher.doc_count()

    def doc_frequency(self, field: str, word: str) -> int:
        """Number of live clauses whose ``field`` holds ``word``."""
        return self.view.searcher.doc_frequency(field, word)

    def doc_frequencies(self, terms: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
        """The document frequency of each (field, word)."""
        return {(field, word): self.doc_frequency(field, word) for field, word in terms}

    def words_containing(self, char: str) -> list[str]:
        """Indexed words of the text field containing ``char``, in lexicon order."""
        return arrays.words_containing(self.view, char)

    def number_keys(self) -> list[str]:
        """Every exact standard-number key of the index."""
        return [k.decode() if isinstance(k, bytes) else k for k in self.view.searcher.lexicon("number_keys")]


class WhooshEngine:
    """The Engine protocol over a home's live Whoosh index, for the calling thread."""

    name = "whoosh"

    def __init__(self, home: Home):
        self.home = home
        searcher, location = get_searcher(home)
        self.view = arrays.view_of(searcher, location)

    @property
    def searcher(self) -> Searcher:
        """This thread's Whoosh searcher."""
        return self.view.searcher

    def nearest(self, vector: Sequence[float], filters: Mapping[str, str], k: int) -> None:
        """None: the clause vectors are not in the Whoosh index but beside it (the home's
        ``vectors/``), ranked by :mod:`stdsearch.search.dense`."""
        return None

    def vocabulary(self) -> WhooshVocabulary:
        """The term statistics of the state this engine reads."""
        return WhooshVocabulary(self.view)

    def fetch(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Stored fields of the clauses with these keys (absent keys are left out)."""
        found = {}
        for key in keys:
            fields = self.searcher.document(key=key)
            if fields is not None:
                found[key] = fields
        return found

    def run(self, plan: Plan) -> EngineResult:
        """Rank, count and facet the clauses matching ``plan`` (arrays, else Whoosh's matchers)."""
        matches = arrays.evaluate(self.view, plan.query, arrays.Scoring.of(plan))
        if matches is None:
            return self._run_with_whoosh(plan)
        matches = arrays.restrict(self.view, matches, dict(plan.filters))
        if plan.documents is not None:
            matches = arrays.restrict_documents(self.view, matches, plan.documents)
        if plan.level_prior:
            matches = arrays.level_prior(self.view, matches, dict(plan.level_prior))
        if plan.document_weight:
            matches = arrays.with_document_evidence(self.view, matches, plan.document_weight)
        if plan.sort:
            positions = arrays.order(self.view, matches, plan.sort, plan.wanted)
        else:
            current = arrays.column(self.view, "current")[matches.ids]
            scores = np.where(current > 0, matches.scores, matches.scores * plan.not_current_factor)
            matches = arrays.Matches(matches.ids, scores)
            positions = arrays.top_by_score(scores, plan.wanted)
        page = positions[(plan.page - 1) * plan.per_page :]
        stored = [self.searcher.stored_fields(int(matches.ids[p])) for p in page]
        counts = {name: arrays.facet_counts(self.view, matches.ids, name) for name in plan.facets}
        return EngineResult(
            keys=[f["key"] for f in stored],
            scores=[float(matches.scores[p]) for p in page],
            total=len(matches.ids),
            facet_counts=counts,
            fields={f["key"]: f for f in stored},
        )

    def _filter(self, plan: Plan) -> Any:
        """Whoosh's filter for a plan: the exact values, AND-ed with the plan's documents (as
        the set of clause numbers they hold)."""
        exact = filter_query(dict(plan.filters))
        if plan.documents is None:
            return exact
        allowed = np.flatnonzero(arrays.document_mask(self.view, plan.documents))
        if exact is not None:
            allowed = np.intersect1d(allowed, list(self.searcher.docs_for_query(exact)))
        return {int(i) for i in allowed}

    def _run_with_whoosh(self, plan: Plan) -> EngineResult:
        """:meth:`run` by Whoosh's own collectors (phrases)."""
        limit = max(plan.wanted + 50, 100)
        facets = {
            name: sorting.FieldFacet(name, maptype=sorting.Count, allow_overlap=name in MULTI_VALUED_FACETS)
            for name in plan.facets
        }
        raw = self.searcher.search(
            to_whoosh(plan.query),
            limit=limit,
            filter=self._filter(plan),
            groupedby=facets,
            sortedby=_sort_facet(plan.sort),
        )
        # With groupedby, Whoosh keeps every match in rank order: read stored fields of the top only.
        ranked = _rerank(list(itertools.islice(raw, limit)), plan)
        page = ranked[(plan.page - 1) * plan.per_page : plan.wanted]
        counts = {name: arrays.ordered_counts(raw.groups(name)) for name in plan.facets}
        return EngineResult(
            keys=[f["key"] for f, _ in page],
            scores=[s for _, s in page],
            total=len(raw),
            facet_counts=counts,
            fields={f["key"]: f for f, _ in page},
        )


def to_whoosh(node: Node) -> wq.Query:
    """The Whoosh query of a plan node."""
    if isinstance(node, Term):
        return wq.Term(node.field, node.word, boost=node.boost)
    if isinstance(node, Phrase):
        return wq.Phrase(node.field, list(node.words), boost=node.boost)
    if isinstance(node, AnyOf):
        return wq.Or([to_whoosh(c) for c in node.children])
    if isinstance(node, AllOf):
        children = [to_whoosh(c) for c in node.children]
        if node.excluded:
            children.append(wq.Not(wq.Or([to_whoosh(c) for c in node.excluded])))
        return children[0] if len(children) == 1 else wq.And(children)
    if isinstance(node, Everything):
        return wq.Every()
    if isinstance(node, Nothing):
        return wq.NullQuery
    raise TypeError(f"not a plan node: {node!r}")


def filter_query(filters: dict[str, str]) -> wq.Query | None:
    """Exact-value filters on the facet fields, AND-ed."""
    if not filters:
        return None
    return wq.And([wq.Term(name, value) for name, value in filters.items()])


def _sort_facet(keys: tuple[tuple[str, bool], ...]) -> Any:
    """The Whoosh sort facet of a plan's sort keys (None: by score)."""
    if not keys:
        return None
    return sorting.MultiFacet(
        [
            sorting.ScoreFacet() if name == "score" else sorting.FieldFacet(name, reverse=descending)
            for name, descending in keys
        ]
    )


def _rerank(hits: list[Any], plan: Plan) -> list[tuple[dict[str, Any], float]]:
    """Stored fields and final scores; by score, current documents come first."""
    # Under a sort facet, Whoosh puts the sort key in hit.score: keep only real scores.
    scored = [(hit.fields(), hit.score if isinstance(hit.score, (int, float)) else 0.0) for hit in hits]
    if plan.sort:
        return scored
    factor = plan.not_current_factor
    adjusted = [(f, s * (1.0 if f.get("current", 1) else factor)) for f, s in scored]
    return sorted(adjusted, key=lambda pair: -pair[1])
