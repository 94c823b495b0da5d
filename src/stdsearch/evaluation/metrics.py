"""Ranking metrics with binary relevance, as plain functions of a ranking and a relevant set."""

from __future__ import annotations

import math
from collections.abc import Sequence


def recall_at(ranking: Sequence[int], relevant: set[int], k: int) -> float:
    """Share of the relevant ids found in the first ``k`` of ``ranking``."""
    if not relevant:
        return 0.0
    return len(relevant.intersection(ranking[:k])) / len(relevant)


def mrr_at(ranking: Sequence[int], relevant: set[int], k: int) -> float:
    """Reciprocal rank of the first relevant id within the first ``k`` (0 when none)."""
    for rank, item in enumerate(ranking[:k], start=1):
        if item in relevant:
            return 1.0 / rank
    return 0.0


def ndcg_at(ranking: Sequence[int], relevant: set[int], k: int) -> float:
    """Normalised discounted cumulative gain at ``k`` with binary gains."""
    if not relevant:
        return 0.0
    gain = sum(1.0 / math.log2(rank + 1) for rank, item in enumerate(ranking[:k], 1) if item in relevant)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(k, len(relevant)) + 1))
    return gain / ideal


def percentile(values: Sequence[float], share: float) -> float:
    """The ``share`` percentile (0–1) of ``values`` by nearest rank (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    index = max(0, math.ceil(share * len(ordered)) - 1)
    return ordered[index]


def mean(values: Sequence[float]) -> float:
    """The arithmetic mean (0 for no values)."""
    return sum(values) / len(values) if values else 0.0
