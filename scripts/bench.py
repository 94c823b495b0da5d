"""Benchmark: ingest a folder of laws into a fresh home, then time 200 fixed queries.

    python scripts/bench.py --laws ../shared/data/laws [--home DIR] [--json]
    python scripts/bench.py --home DIR --queries-only     # latency only, on an indexed home

Prints documents, clauses, seconds, MB/s of text, index size on disk, peak memory and search
latency p50/p95 (queries from scripts/bench_queries.txt: law titles and 2–6 keyword queries).
A benchmark, not a test: the figures go in closing notes and the CHANGELOG.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import tempfile
import time
from pathlib import Path

from stdsearch import index as index_mod
from stdsearch import pipeline, semantic
from stdsearch.search import SearchRequest, search
from stdsearch.settings import Home
from stdsearch.store import Store

QUERIES = Path(__file__).with_name("bench_queries.txt")


def percentile(values: list[float], fraction: float) -> float:
    """The value below which ``fraction`` of the values fall (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def peak_memory_mb() -> float:
    """Peak resident memory of this process and of its finished children, in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def time_queries(home: Home, queries: list[str]) -> list[float]:
    """Milliseconds per query (top 10), after one warm-up query."""
    search(home, SearchRequest(q=queries[0]))
    timings = []
    for query in queries:
        started = time.perf_counter()
        search(home, SearchRequest(q=query))
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def text_megabytes(home: Home) -> float:
    """MB of clause text now stored in the home."""
    total = sum(len(c.text.encode("utf-8")) for d in Store(home).documents() for c in d.clauses if c.searchable)
    return total / 1e6


def query_figures(home: Home) -> dict[str, float]:
    """Search latency over the fixed queries on a home that is already indexed."""
    timings = time_queries(home, QUERIES.read_text(encoding="utf-8").split("\n")[:-1])
    return {
        "queries": len(timings),
        "latency_p50_ms": round(statistics.median(timings), 1),
        "latency_p95_ms": round(percentile(timings, 0.95), 1),
    }


def run(laws: Path, home: Home) -> dict[str, float]:
    """Ingest, then query; returns the figures."""
    started = time.perf_counter()
    report = pipeline.ingest(home, [laws])
    seconds = time.perf_counter() - started
    megabytes = text_megabytes(home)
    return {
        "documents": report.documents,
        "clauses": report.clauses,
        "failed": report.failed,
        "ingest_seconds": round(seconds, 1),
        "text_mb": round(megabytes, 1),
        "mb_per_second": round(megabytes / seconds, 2),
        "index_mb": round(index_mod.size_on_disk(home) / 1e6, 1),
        "peak_memory_mb": round(peak_memory_mb()),
        **query_figures(home),
    }


def main() -> None:
    """Parse arguments, run, print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--laws", type=Path, default=Path("../shared/data/laws"))
    parser.add_argument("--home", type=Path, help="a fresh home (default: a temporary folder)")
    parser.add_argument("--queries-only", action="store_true", help="only time the queries on --home")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    semantic.configure(mode="off")  # lexical ingest and search; embeddings have their own bench
    if args.queries_only and not args.home:
        parser.error("--queries-only needs --home (an indexed home)")
    with tempfile.TemporaryDirectory(prefix="stdsearch-bench-") as tmp:
        home = Home.resolve(args.home or tmp)
        figures = query_figures(home) if args.queries_only else run(args.laws, home)
    if args.json:
        print(json.dumps(figures))
    else:
        for name, value in figures.items():
            print(f"{name:>16}: {value}")


if __name__ == "__main__":
    main()
