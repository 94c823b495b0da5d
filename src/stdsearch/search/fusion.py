"""Fusing a lexical and a dense ranking into one (pure functions over ranked keys).

Two methods: reciprocal-rank fusion (each list contributes ``weight / (k + rank)``) and a
weighted sum of min-max normalised scores. Which one search uses, and its parameters, are the
module settings below (chosen on the STARD dev set by scripts/eval_semantic.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

LEXICAL = "lexical"
SEMANTIC = "semantic"

#: The method search uses: "rrf" or "weighted". Chosen on the STARD dev questions over the whole
#: corpus (scripts/eval_semantic.py, 454 questions, 59,618 embedded clauses): RRF with k=10
#: over the top 100 of each list, the dense list weighted 0.8 and its candidates given the same
#: document priors as lexical questions (plan.QUESTION_LEVEL_PRIOR, NOT_CURRENT_FACTOR):
#: recall@100 0.804, MRR@10 0.475, nDCG@10 0.460. Without the priors at weight 1: 0.803 / 0.464
#: / 0.453 (the dense list alone let regulations outrank the statute a layperson asks about);
#: weighted-score fusion was below RRF on recall@100.
METHOD = "rrf"
#: RRF constant: larger flattens the difference between rank 1 and rank 20.
RRF_K = 10
#: Weight of the dense list against the lexical one (both methods). Chosen on even question
#: ids (0.8 of 0.8/0.9/1.0), held on odd ids (MRR@10 0.474).
DENSE_WEIGHT = 0.8
#: How many candidates of each list are fused (100: the most one lexical search page returns).
DEPTH = 100


@dataclass
class Fused:
    """One fused candidate: its key, fused score, and which lists it came from (with ranks)."""

    key: str
    score: float
    ranks: dict[str, int] = field(default_factory=dict)

    @property
    def matched_by(self) -> list[str]:
        """The retrievers that found it: ``["lexical"]``, ``["semantic"]`` or both."""
        return [name for name in (LEXICAL, SEMANTIC) if name in self.ranks]


Ranked = Sequence[tuple[str, float]]
#: list name → key → factor on that key's contribution (absent: 1.0).
Priors = Mapping[str, Mapping[str, float]]


def rrf(lists: dict[str, Ranked], k: int = RRF_K, weights: dict[str, float] | None = None,
        priors: Priors | None = None) -> list[Fused]:
    """Reciprocal-rank fusion of ranked (key, score) lists, best first (ties by key order seen).

    A key at rank r of a list adds ``weight × prior(key) / (k + r)``.
    """
    weights, priors = weights or {}, priors or {}
    fused: dict[str, Fused] = {}
    for name, ranked in lists.items():
        weight, factors = weights.get(name, 1.0), priors.get(name, {})
        for rank, (key, _score) in enumerate(ranked, start=1):
            item = fused.setdefault(key, Fused(key, 0.0))
            if name not in item.ranks:
                item.ranks[name] = rank
                item.score += weight * factors.get(key, 1.0) / (k + rank)
    return sorted(fused.values(), key=lambda f: -f.score)


def _minmax(ranked: Ranked) -> dict[str, float]:
    """Scores scaled to [0, 1] within one list (all 1.0 when they are equal)."""
    if not ranked:
        return {}
    scores = [s for _, s in ranked]
    low, high = min(scores), max(scores)
    span = high - low
    return {key: (s - low) / span if span else 1.0 for key, s in ranked}


def weighted(lists: dict[str, Ranked], weights: dict[str, float] | None = None,
             priors: Priors | None = None) -> list[Fused]:
    """Weighted sum of min-max normalised scores; a key absent from a list gets 0 from it."""
    weights, priors = weights or {}, priors or {}
    fused: dict[str, Fused] = {}
    for name, ranked in lists.items():
        weight, factors = weights.get(name, 1.0), priors.get(name, {})
        normalised = _minmax(ranked)
        for rank, (key, _score) in enumerate(ranked, start=1):
            item = fused.setdefault(key, Fused(key, 0.0))
            if name not in item.ranks:
                item.ranks[name] = rank
                item.score += weight * factors.get(key, 1.0) * normalised[key]
    return sorted(fused.values(), key=lambda f: -f.score)


def fuse(lexical: Ranked, dense: Ranked, method: str | None = None, limit: int | None = None,
         dense_priors: Mapping[str, float] | None = None) -> list[Fused]:
    """Fuse the first ``limit`` (default :data:`DEPTH`) of a lexical and a dense ranking.

    ``dense_priors`` (key → factor) scale dense candidates' contributions: the lexical ranking
    has its document priors built into its scores, the dense one gets them here.
    """
    depth = limit or DEPTH
    lists = {LEXICAL: list(lexical)[:depth], SEMANTIC: list(dense)[:depth]}
    weights = {LEXICAL: 1.0, SEMANTIC: DENSE_WEIGHT}
    priors = {SEMANTIC: dense_priors or {}}
    chosen = method or METHOD
    if chosen == "rrf":
        return rrf(lists, RRF_K, weights, priors)
    if chosen == "weighted":
        return weighted(lists, weights, priors)
    raise ValueError(f"unknown fusion method {chosen!r}: use rrf or weighted")
