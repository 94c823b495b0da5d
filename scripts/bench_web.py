"""Benchmark of the web UI: how fast the search, document and clause pages are served.

    python scripts/bench_web.py --home HOME [--queries FILE] [--limit N] [--url URL] [--json]

Times the search page (``/?q=…``) and its JSON twin over a fixed list of queries
(scripts/bench_queries.txt by default), then document and clause pages of the largest
documents, and prints p50 / p95 / max in milliseconds. In-process through Flask's test
client by default (search + rendering, no network); with ``--url`` it requests a running
server over HTTP instead. The first request of each kind is a warm-up and is not counted.
A benchmark, not a test: the issue's target is a search page under 200 ms on the laws corpus.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from stdsearch.settings import Home
from stdsearch.store import Store
from stdsearch.web import create_app

QUERIES = Path(__file__).with_name("bench_queries.txt")


def percentile(values: list[float], fraction: float) -> float:
    """The value below which ``fraction`` of the values fall (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def summary(timings: list[float]) -> dict[str, float]:
    """p50, p95, max and mean of timings in milliseconds."""
    return {
        "n": len(timings),
        "p50_ms": round(percentile(timings, 0.5), 1),
        "p95_ms": round(percentile(timings, 0.95), 1),
        "max_ms": round(max(timings), 1),
        "mean_ms": round(statistics.fmean(timings), 1),
    }


def read_queries(path: Path, limit: int) -> list[str]:
    """The non-empty, non-comment lines of the query file (at most ``limit``)."""
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    queries = [line for line in lines if line and not line.startswith("#")]
    return queries[:limit] if limit else queries


def in_process_getter(home: Home) -> Callable[[str], int]:
    """GET a path through the Flask test client; returns the status code."""
    client = create_app({"HOME": home}).test_client()

    def get(path: str) -> int:
        response = client.get(path)
        response.get_data()
        response.close()
        return response.status_code

    return get


def http_getter(base_url: str) -> Callable[[str], int]:
    """GET a path from a running server; returns the status code."""

    def get(path: str) -> int:
        with urllib.request.urlopen(base_url.rstrip("/") + path, timeout=30) as response:
            response.read()
            return response.status

    return get


def time_paths(get: Callable[[str], int], paths: Iterable[str]) -> tuple[list[float], int]:
    """Milliseconds per request (after one warm-up request) and the number of non-200s."""
    paths = list(paths)
    if paths:
        get(paths[0])
    timings, errors = [], 0
    for path in paths:
        started = time.perf_counter()
        status = get(path)
        timings.append((time.perf_counter() - started) * 1000)
        errors += status != 200
    return timings, errors


def largest_documents(home: Home, count: int) -> list[tuple[str, str, int]]:
    """(doc_id, a middle clause id, number of clauses) of the documents with most clauses."""
    store = Store(home)
    sizes = [(size, doc_id) for doc_id, size in store.sizes().items()]
    chosen = []
    for _, doc_id in sorted(sizes, reverse=True)[:count]:
        document = store.get(doc_id)
        middle = document.clauses[len(document.clauses) // 2].clause_id if document.clauses else ""
        chosen.append((doc_id, middle, len(document.clauses)))
    return chosen


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Time every page kind and return the figures."""
    home = Home.resolve(args.home)
    get = http_getter(args.url) if args.url else in_process_getter(home)
    queries = read_queries(Path(args.queries), args.limit)
    figures: dict[str, Any] = {"home": str(home.root), "mode": "http" if args.url else "in-process"}
    figures["documents"] = len(Store(home).ids())
    for name, prefix in (("search_page", "/?"), ("api_search", "/api/search?")):
        timings, errors = time_paths(get, (prefix + urlencode({"q": q}) for q in queries))
        figures[name] = {**summary(timings), "errors": errors}
    filtered = (f"/?{urlencode({'q': q, 'kind': 'law', 'page': 2})}" for q in queries[:50])
    timings, errors = time_paths(get, filtered)
    figures["search_page_filtered_page2"] = {**summary(timings), "errors": errors}
    big = largest_documents(home, args.documents)
    figures["largest_documents"] = [{"doc_id": d, "clauses": n} for d, _, n in big]
    for name, paths in (
        ("document_page", [f"/doc/{d}" for d, _, _ in big]),
        ("document_page_highlighted", [f"/doc/{d}?q={quote('法律')}" for d, _, _ in big]),
        ("clause_page", [f"/doc/{d}/{c}?q={quote('法律')}" for d, c, _ in big if c]),
    ):
        timings, errors = time_paths(get, paths)
        figures[name] = {**summary(timings), "errors": errors}
    return figures


def main() -> None:
    """Parse options, run, print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--home", required=True, help="a home with an index (e.g. the laws corpus)")
    parser.add_argument("--queries", default=str(QUERIES), help="one query a line")
    parser.add_argument("--limit", type=int, default=0, help="use only the first N queries")
    parser.add_argument("--documents", type=int, default=5, help="largest documents to time")
    parser.add_argument(
        "--url", default="", help="time a running server instead (http://host:port)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    figures = run(args)
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=2))
        return
    print(f"home {figures['home']} ({figures['documents']} documents, {figures['mode']})")
    for name, value in figures.items():
        if isinstance(value, dict) and "p50_ms" in value:
            print(
                f"{name:28} n={value['n']:<4} p50 {value['p50_ms']:7.1f} ms  p95 {value['p95_ms']:7.1f} ms"
                f"  max {value['max_ms']:7.1f} ms  errors {value['errors']}"
            )
    sizes = ", ".join(f"{d['doc_id']} ({d['clauses']})" for d in figures["largest_documents"])
    print(f"largest documents: {sizes}")


if __name__ == "__main__":
    main()
