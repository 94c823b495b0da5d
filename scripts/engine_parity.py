"""Parity of the two engines on one home: Whoosh (embedded) against an OpenSearch cluster.

    python scripts/engine_parity.py --home DIR --opensearch-url URL [--laws ../shared/data/laws]
        [--rebuild] [--json]

With ``--laws`` (and an empty home) the laws are ingested first. ``--rebuild`` times a full
rebuild of each engine from the same stored documents, one after the other: ``reindex`` for
Whoosh, then ``reindex --engine opensearch`` (the same engine-neutral batch, from the words the
first reindex cut and kept; the clause vectors too, on a k-NN cluster). Then every query of
scripts/bench_queries.txt runs on both engines (lexical, top 10) and the script prints:

- top-10 overlap (shared clause keys / Whoosh's top 10, averaged over queries with hits);
- how many queries have equal totals and equal facet counts;
- query latency p50/p95 of each engine (after one warm-up query each);
- rebuild seconds of each engine (with --rebuild) and each OpenSearch node's heap and resident memory.

A measurement, not a test: the figures go in closing notes.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

from stdsearch import pipeline
from stdsearch.evaluation.metrics import percentile
from stdsearch.search import SearchRequest, engines, search
from stdsearch.search.engines import opensearch
from stdsearch.settings import Home
from stdsearch.store import Store

QUERIES = Path(__file__).with_name("bench_queries.txt")


def run_queries(home: Home, engine: str, queries: list[str]) -> tuple[list[Any], list[float]]:
    """Results (semantic off) and milliseconds of each query on ``engine``, after a warm-up."""
    os.environ["STDSEARCH_ENGINE"] = engine
    search(home, SearchRequest(q=queries[0], semantic="off"))
    results, timings = [], []
    for query in queries:
        started = time.perf_counter()
        results.append(search(home, SearchRequest(q=query, semantic="off")))
        timings.append((time.perf_counter() - started) * 1000)
    return results, timings


def keys(results: Any) -> list[str]:
    """The clause keys of a page of results."""
    return [f"{h.doc_id}/{h.clause_id}" for h in results.hits]


def compare(whoosh: list[Any], cluster: list[Any]) -> dict[str, Any]:
    """Overlap, equal totals and equal facets over paired results."""
    overlaps, equal_totals, equal_facets, differing = [], 0, 0, []
    for a, b in zip(whoosh, cluster, strict=True):
        if a.hits:
            overlaps.append(len(set(keys(a)) & set(keys(b))) / len(a.hits))
        equal_totals += a.total == b.total
        equal_facets += a.facets == b.facets
        if a.total != b.total or a.facets != b.facets:
            differing.append({"query": a.query, "totals": [a.total, b.total]})
    return {
        "queries": len(whoosh),
        "top10_overlap": round(sum(overlaps) / max(1, len(overlaps)), 4),
        "equal_totals": equal_totals,
        "equal_facets": equal_facets,
        "differing": differing[:10],
    }


def node_memory() -> list[dict[str, Any]]:
    """Each node's JVM heap (used / max) and resident memory in MB."""
    client = opensearch.client()
    stats = client.nodes.stats(metric="jvm")
    pids = {name: node["process"]["id"] for name, node in client.nodes.info(metric="process")["nodes"].items()}
    nodes = []
    for name, node in stats["nodes"].items():
        heap = node["jvm"]["mem"]
        rss = 0.0
        status = Path(f"/proc/{pids.get(name, 0)}/status")
        if pids.get(name) and status.exists():  # a node on this machine
            line = next((x for x in status.read_text().splitlines() if x.startswith("VmRSS:")), "")
            rss = int(line.split()[1]) / 1024 if line else 0.0
        nodes.append(
            {
                "node": node["name"],
                "heap_used_mb": round(heap["heap_used_in_bytes"] / 1e6),
                "heap_max_mb": round(heap["heap_max_in_bytes"] / 1e6),
                "rss_mb": round(rss),
            }
        )
    return nodes


def rebuild_times(home: Home) -> dict[str, float]:
    """Seconds of a full ``reindex`` into each engine from the stored documents: Whoosh first
    (segmenting what the cache lacks), then the cluster from the segmentation it kept."""
    times: dict[str, float] = {}
    for engine in ("whoosh", "opensearch"):
        os.environ["STDSEARCH_ENGINE"] = engine
        started = time.perf_counter()
        times["clauses"] = pipeline.reindex(home)
        times[f"{engine}_s"] = round(time.perf_counter() - started, 1)
    return times


def print_figures(figures: dict[str, Any], as_json: bool) -> None:
    """The figures as one JSON object, or one ``name: value`` line each."""
    if as_json:
        print(json.dumps(figures, ensure_ascii=False))
        return
    for name, value in figures.items():
        print(f"{name}: {json.dumps(value, ensure_ascii=False)}")


def main() -> None:
    """Parse arguments, prepare the home, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--opensearch-url", default=os.environ.get(opensearch.URL_ENV, ""))
    parser.add_argument("--laws", type=Path, default=None, help="Ingest this folder first when the home is empty.")
    parser.add_argument("--rebuild", action="store_true", help="Time a full rebuild of each engine.")
    parser.add_argument("--json", action="store_true", help="Print one JSON object.")
    args = parser.parse_args()
    if args.opensearch_url:
        os.environ[opensearch.URL_ENV] = args.opensearch_url
    home = Home.resolve(args.home)
    if args.laws and not Store(home).ids():
        pipeline.ingest(home, [args.laws])
    figures: dict[str, Any] = {"load": os.getloadavg()}
    if args.rebuild or not all(engines.index_exists(home, name) for name in ("whoosh", "opensearch")):
        figures["rebuild"] = rebuild_times(home)
    queries = [q.strip() for q in QUERIES.read_text(encoding="utf-8").splitlines() if q.strip()]
    whoosh, whoosh_ms = run_queries(home, "whoosh", queries)
    cluster, cluster_ms = run_queries(home, "opensearch", queries)
    figures["parity"] = compare(whoosh, cluster)
    figures["latency_ms"] = {
        name: {"p50": round(percentile(ms, 0.5), 1), "p95": round(percentile(ms, 0.95), 1)}
        for name, ms in (("whoosh", whoosh_ms), ("opensearch", cluster_ms))
    }
    figures["nodes"] = node_memory()
    figures["load_after"] = os.getloadavg()
    print_figures(figures, args.json)


if __name__ == "__main__":
    main()
