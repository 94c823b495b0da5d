#!/usr/bin/env python
"""Benchmark semantic retrieval on STARD: vector encodings, fusion settings, and the three
columns (lexical, dense, hybrid) — on the whole corpus or on the part the cache covers.

    python scripts/eval_semantic.py --home /work/sem-eval/home --embed-cache /work/embed-cache \
        [--laws ../shared/data/laws --corpus … --queries … --qrels …] [--compute]

Without ``--compute`` only cached vectors are used; when the cache covers part of the corpus
(a bulk embedding still running) every ranking and label is restricted to the embedded
articles, and the figures say so (fewer distractors: higher than on the whole corpus).
Not a CI test: a cold run embeds 59,227 articles (over an hour on two idle cores).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from stdsearch.evaluation import data, harness, metrics
from stdsearch.evaluation import semantic as sem_eval
from stdsearch.query import parse_query
from stdsearch.search import dense as dense_mod
from stdsearch.search import fusion
from stdsearch.semantic import config, vectors
from stdsearch.semantic.build import live_vectors_dir
from stdsearch.semantic.ingest import fill_live
from stdsearch.settings import Home

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
Keys = list[tuple[str, float]]


def arguments() -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--embed-cache", type=Path, required=True)
    parser.add_argument("--laws", type=Path, default=SHARED / "laws")
    parser.add_argument("--corpus", type=Path, default=SHARED / "stard" / "corpus.jsonl.gz")
    parser.add_argument("--queries", type=Path, default=SHARED / "stard" / "queries.dev.tsv")
    parser.add_argument("--qrels", type=Path, default=SHARED / "stard" / "qrels.dev.tsv")
    parser.add_argument("--compute", action="store_true", help="embed what the cache lacks (slow)")
    parser.add_argument("--skip-grid", action="store_true")
    parser.add_argument("--skip-encodings", action="store_true")
    parser.add_argument("--limit", type=int, default=0, help="only the first N questions (a dry run)")
    return parser.parse_args()


def line(name: str, values: dict[str, float], extra: str = "") -> str:
    """One row of figures."""
    cells = "  ".join(f"{k} {values[k]:.4f}" for k in harness.METRIC_NAMES)
    return f"{name:<28} {cells}{extra}"


def corpus_ids(keys: Keys, mapping: harness.ArticleMap, restrict: set[int] | None) -> list[int]:
    """Corpus ids of ranked clause keys (parts count for their article once)."""
    ranked: dict[int, None] = {}
    for key, _ in keys:
        doc_id, clause_id = key.split("/", 1)
        cid = mapping.get((doc_id, clause_id.split(".", 1)[0]))
        if cid is not None and (restrict is None or cid in restrict):
            ranked.setdefault(cid, None)
    return list(ranked)


def averaged(rankings: dict[str, list[int]], labels: dict[str, set[int]]) -> dict[str, float]:
    """Macro-averaged metrics of per-query rankings."""
    scores = [harness.score(r, labels[q]) for q, r in rankings.items()]
    return {n: metrics.mean([s[n] for s in scores]) for n in harness.METRIC_NAMES}


def collect(home: Home, questions: list[data.Question]) -> tuple[dict[str, Keys], dict[str, Keys]]:
    """Per question: lexical top 100 and dense top 200 keys with scores."""
    lexical, dense = {}, {}
    for q in questions:
        lexical[q.query_id] = [(f"{h.doc_id}/{h.clause_id}", h.score) for h in sem_eval.lexical_hits(home, q.text)]
        parsed = parse_query(q.text)
        dense[q.query_id] = dense_mod.dense_ranking(home, dense_mod.query_text(parsed), {}, 200)
    return lexical, dense


def grid(lexical: dict[str, Keys], dense: dict[str, Keys], mapping: harness.ArticleMap,
         labels: dict[str, set[int]], restrict: set[int] | None) -> None:
    """Fusion methods and parameters, on the collected rankings."""
    def run(name: str, fuse) -> None:  # type: ignore[no-untyped-def]
        ranks = {q: corpus_ids([(f.key, f.score) for f in fuse(lexical[q], dense[q])], mapping, restrict)
                 for q in lexical}
        print(line(name, averaged(ranks, labels)), flush=True)

    run("lexical", lambda lx, dn: fusion.rrf({"l": lx}))
    run("dense", lambda lx, dn: fusion.rrf({"d": dn}))
    for depth in (50, 100):
        for k in (10, 30, 60):
            for w in (1.0, 1.5, 2.0):
                run(f"rrf k={k} w={w} depth={depth}", lambda lx, dn, k=k, w=w, d=depth: fusion.rrf(
                    {"lexical": lx[:d], "semantic": dn[:d]}, k, {"semantic": w}))
    for w in (0.5, 1.0, 1.5, 2.0, 3.0):
        run(f"weighted w={w}", lambda lx, dn, w=w: fusion.weighted(
            {"lexical": lx[:100], "semantic": dn[:100]}, {"semantic": w}))


def encodings(home: Home, questions, labels, mapping, restrict) -> None:  # type: ignore[no-untyped-def]
    """Dense figures with the same vectors stored as float32, float16 and int8 (int8 is left)."""
    frozen = vectors.read(live_vectors_dir(home))  # float32, written so by main()
    for encoding in ("float32", "float16", "int8"):
        vectors.write(home.vectors, frozen, encoding)
        report = sem_eval.evaluate(home, questions, labels, mapping, "dense", restrict)
        print(line(f"dense {encoding}", report.metrics), flush=True)


def restrict_lexical(home: Home) -> int:
    """Make lexical search rank within the embedded clauses only (a partial cache).

    Both sides then rank the same down-sampled corpus: the Whoosh engine's array filter also
    keeps only the embedded clauses (questions are ranked over arrays). Returns its size.
    """
    import numpy as np

    from stdsearch.search.engines import whoosh_arrays as arrays
    from stdsearch.search.engines.whoosh import WhooshEngine

    vectors = dense_mod.live_vectors(home)
    searcher = WhooshEngine(home).searcher
    docnums = np.array(sorted({searcher.document_number(key=key) for key in vectors.keys} - {None}))
    restrict = arrays.restrict

    def within_embedded(view, matches, filters):  # type: ignore[no-untyped-def]
        matches = restrict(view, matches, filters)
        keep = np.isin(matches.ids, docnums)
        return arrays.Matches(matches.ids[keep], matches.scores[keep])

    arrays.restrict = within_embedded  # type: ignore[assignment]
    return len(docnums)


def main() -> int:
    """Prepare the home, then print encodings, the fusion grid and the three columns."""
    args = arguments()
    config.configure(cache_dir=args.embed_cache)
    home = Home.resolve(args.home)
    articles = data.load_corpus(args.corpus)
    harness.prepare_home(home, articles, args.laws)
    mapping = harness.article_map(home, articles, args.laws)
    started = time.perf_counter()
    os.environ[config.ENCODING_ENV] = "float32"  # the exact vectors, frozen for the whole run
    report = fill_live(home, compute=args.compute)
    os.environ.pop(config.ENCODING_ENV, None)
    print(f"vectors: {report.summary()} in {time.perf_counter() - started:.0f} s", flush=True)
    embedded = sem_eval.embedded_articles(home, mapping)
    restrict = None if len(embedded) >= len(set(mapping.values())) else embedded
    questions, qrels = data.load_queries(args.queries), data.load_qrels(args.qrels)
    labels = {q: (r & restrict if restrict is not None else r) for q, r in qrels.items()}
    labelled = [q for q in questions if labels.get(q.query_id)][: args.limit or None]
    scope = "whole corpus"
    if restrict is not None:
        relevant = {i for ids in qrels.values() for i in ids}
        scope = (f"down-sampled corpus: {restrict_lexical(home)} embedded clauses "
                 f"({len(embedded & relevant)} of {len(relevant)} relevant articles)")
    print(f"{len(labelled)} questions, {scope}", flush=True)
    if not args.skip_encodings:
        encodings(home, labelled, labels, mapping, restrict)
    else:
        vectors.write(home.vectors, vectors.read(live_vectors_dir(home)), config.encoding())
    if not args.skip_grid:
        lexical, dense = collect(home, labelled)
        grid(lexical, dense, mapping, labels, restrict)
    reports = sem_eval.compare(home, labelled, labels, mapping, restrict)
    for column, rep in reports.items():
        extra = (f"  p50 {rep.latency_p50_ms:.0f} ms p95 {rep.latency_p95_ms:.0f} ms"
                 f" (CPU p50 {rep.cpu_p50_ms:.0f} ms p95 {rep.cpu_p95_ms:.0f} ms)")
        print(line(column, rep.metrics, extra), flush=True)
        for half, values in harness.parity_halves(rep).items():
            print(line(f"  {half} ids", values), flush=True)
    print(json.dumps({**reports["hybrid"].to_dict(), "scope": scope}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
