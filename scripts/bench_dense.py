"""How long exact dense scoring takes as the corpus grows: from what size an approximate index
(HNSW, IVF) would be needed instead of one numpy product over the whole matrix.

Times :meth:`VectorSet.top` (the code search runs: matrix @ query, then the top 100) over
random unit vectors of the model's 384 dimensions, and the query embedding itself.

    python scripts/bench_dense.py --sizes 60000 250000 1000000
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from stdsearch.evaluation import metrics
from stdsearch.semantic.vectors import VectorSet

DIM = 384


def vector_set(rows: int, seed: int = 7) -> VectorSet:
    """``rows`` random unit vectors, float32 in memory as search holds them."""
    matrix = np.random.default_rng(seed).standard_normal((rows, DIM), dtype=np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    keys = [f"d{i // 50}/{i % 50}" for i in range(rows)]
    return VectorSet(model="random", keys=keys, hashes=[""] * rows, matrix=matrix)


def timed_ms(run, repeats: int) -> tuple[float, float]:
    """(median, 95th percentile) of ``repeats`` runs, in milliseconds."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return metrics.percentile(times, 0.5), metrics.percentile(times, 0.95)


def main() -> int:
    """Print the scoring latency per size, and the query embedding latency."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[60_000, 250_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--no-model", action="store_true", help="skip the query embedding timing")
    args = parser.parse_args()
    query = np.random.default_rng(1).standard_normal(DIM).astype(np.float32)
    for rows in args.sizes:
        vectors = vector_set(rows)
        vectors.top(query, 100)
        p50, p95 = timed_ms(lambda v=vectors: v.top(query, 100), args.repeats)
        print(f"exact top-100 over {rows:>9,} vectors ({rows * DIM * 4 / 2**20:,.0f} MB float32): "
              f"p50 {p50:.1f} ms, p95 {p95:.1f} ms", flush=True)
    if not args.no_model:
        from stdsearch.semantic.embedder import get_embedder

        embedder = get_embedder()
        embedder.embed_queries(["预热"])
        questions = ["老公欠的钱我要还吗", "公司不给交社保可以辞职并要求赔偿吗", "邻居装修噪音太大怎么办"]
        p50, p95 = timed_ms(lambda: [embedder.embed_queries([q]) for q in questions], args.repeats)
        print(f"query embedding ({embedder.name}): p50 {p50 / 3:.1f} ms, p95 {p95 / 3:.1f} ms per question")
    return 0


if __name__ == "__main__":
    sys.exit(main())
