"""The dense leg on the cluster (k-NN, HNSW) against the exact ranking beside it, on one home.

    python scripts/knn_parity.py --home DIR --opensearch-url URL --queries ../shared/data/stard/queries.dev.tsv
        [--dim 384] [--json]

The home must already be indexed in the cluster (``reindex --engine opensearch``) on a cluster with
the k-NN plugin. Real embeddings of a corpus take an hour on a small machine (README, semantic
search), so the clause vectors here come from a stand-in embedder registered by this script:
character bigrams hashed into ``--dim`` dimensions, normalised (deterministic, no model). They
are written the way ``stdsearch embed`` writes vectors (the home's ``vectors/`` and the cluster's
``knn_vector`` field, timed), then every question's dense leg (top 100) is taken from the cluster
and from the exact numpy ranking over the same int8-stored vectors, without filters and with a
level filter, and the script prints:

- top-10 and top-100 overlap (shared keys / 100, averaged over questions);
- p50 / p95 of the cluster's k-NN query and of the exact ranking (query embedding excluded);
- seconds to write the vectors (the home's folder and the cluster).

A measurement of HNSW's approximation and cost at this scale, not of retrieval quality.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from engine_parity import print_figures  # the script beside this one
from stdsearch.evaluation.data import load_queries
from stdsearch.evaluation.metrics import percentile
from stdsearch.search import dense
from stdsearch.search.engines import open_engine, opensearch
from stdsearch.semantic import config, embedder
from stdsearch.semantic.ingest import fill_live
from stdsearch.settings import Home

STAND_IN = "hash-bigrams"
DEPTH = 100


class HashedBigrams:
    """Character bigrams hashed into ``dim`` dimensions, normalised: a deterministic stand-in."""

    def __init__(self, dim: int):
        self.dim = dim
        self.name = f"{STAND_IN}-{dim}"

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dim, dtype=np.float32)
        for a, b in zip(text, text[1:], strict=False):
            digest = hashlib.blake2b(f"{a}{b}".encode(), digest_size=4).digest()
            vector[int.from_bytes(digest, "little") % self.dim] += 1.0
        return vector

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Unit vectors of the texts."""
        return embedder.normalise(np.stack([self._vector(t) for t in texts]))

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """The same for passages (no prefixes)."""
        return self.embed_queries(texts)


def overlap(a: list[str], b: list[str], depth: int) -> float:
    """Shared keys of the first ``depth`` of two rankings, over ``depth``."""
    return len(set(a[:depth]) & set(b[:depth])) / depth


def measure(home: Home, questions: list[str], filters: dict[str, str]) -> dict[str, Any]:
    """Overlap and latency of the cluster's dense leg against the exact one."""
    vectors = dense.live_vectors(home)
    assert vectors is not None, "no vectors in the home"
    engine = open_engine(home)
    mask = vectors.mask(filters)
    at10, at100, cluster_ms, exact_ms = [], [], [], []
    for question in questions:
        query = dense.query_vector(vectors.model, question)
        started = time.perf_counter()
        on_cluster = engine.nearest(query, filters, DEPTH) or []
        cluster_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        exact = [vectors.keys[row] for row, _ in vectors.top(query, DEPTH, mask)]
        exact_ms.append((time.perf_counter() - started) * 1000)
        found = [key for key, _ in on_cluster]
        if exact:
            at10.append(overlap(found, exact, min(10, len(exact))))
            at100.append(overlap(found, exact, len(exact)))
    return {
        "filters": filters,
        "questions": len(at100),
        "top10_overlap": round(float(np.mean(at10)), 4),
        "top100_overlap": round(float(np.mean(at100)), 4),
        "knn_ms": {"p50": round(percentile(cluster_ms, 0.5), 1), "p95": round(percentile(cluster_ms, 0.95), 1)},
        "exact_ms": {"p50": round(percentile(exact_ms, 0.5), 1), "p95": round(percentile(exact_ms, 0.95), 1)},
    }


def main() -> None:
    """Parse arguments, write the stand-in vectors, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--opensearch-url", default=os.environ.get(opensearch.URL_ENV, ""))
    parser.add_argument("--queries", type=Path, required=True)
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--level", default="法律", help="The level of the filtered run.")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    os.environ[opensearch.URL_ENV] = args.opensearch_url
    os.environ["STDSEARCH_ENGINE"] = "opensearch"
    os.environ[embedder.EMBEDDER_ENV] = STAND_IN
    os.environ[config.SEMANTIC_ENV] = "on"
    os.environ.setdefault(config.CACHE_ENV, str(args.home / "stand-in-embeddings"))
    embedder.register(STAND_IN, lambda _arg: HashedBigrams(args.dim))
    config.reset()
    home = Home.resolve(args.home)
    figures: dict[str, Any] = {"load": os.getloadavg()}
    started = time.perf_counter()
    report = fill_live(home)
    figures["write_vectors_s"] = round(time.perf_counter() - started, 1)
    figures["vectors"] = report.vectors
    questions = [q.text for q in load_queries(args.queries)]
    figures["unfiltered"] = measure(home, questions, {})
    figures["filtered"] = measure(home, questions, {"level": args.level})
    figures["load_after"] = os.getloadavg()
    print_figures(figures, args.json)


if __name__ == "__main__":
    main()
