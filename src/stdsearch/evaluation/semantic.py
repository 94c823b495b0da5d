"""The ``--semantic`` comparison of the STARD harness: lexical, dense and hybrid side by side.

Each question is searched three ways through the real code paths: lexical (``search`` with
semantic off), dense (:func:`stdsearch.search.hybrid.dense_search`) and hybrid (what a user gets
by default: the lexical results fused with dense candidates when the request allows it). Rankings
map to corpus ids with the harness's own functions, so the figures match ``stdsearch eval``.
A ``restrict`` set limits rankings and labels to part of the corpus (a partial cache).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from stdsearch.evaluation import harness, metrics
from stdsearch.evaluation.data import Question
from stdsearch.query import parse_query
from stdsearch.search import MAX_PER_PAGE, Hit, SearchRequest, dense, hybrid, search
from stdsearch.settings import Home

#: The three columns, in the order printed (hybrid last: its JSON object ends the output).
COLUMNS = ("lexical", "dense", "hybrid")

Searcher = Callable[[Home, str], list[Hit]]


def _request(text: str, semantic: str) -> SearchRequest:
    return SearchRequest(q=text, per_page=MAX_PER_PAGE, semantic=semantic)


def lexical_hits(home: Home, text: str) -> list[Hit]:
    """The top 100 of lexical search alone."""
    return search(home, _request(text, "off")).hits


def dense_hits(home: Home, text: str) -> list[Hit]:
    """The top 100 of dense retrieval alone."""
    return hybrid.dense_search(home, _request(text, "on"), parse_query(text)).hits


def hybrid_hits(home: Home, text: str) -> list[Hit]:
    """The top 100 a user gets by default (semantic=auto): fused for questions."""
    return search(home, _request(text, "auto")).hits


SEARCHERS: dict[str, Searcher] = {"lexical": lexical_hits, "dense": dense_hits, "hybrid": hybrid_hits}


def evaluate(
    home: Home,
    questions: list[Question],
    qrels: dict[str, set[int]],
    mapping: harness.ArticleMap,
    column: str,
    restrict: set[int] | None = None,
) -> harness.EvalReport:
    """One column's report over the labelled questions (``restrict``: a part of the corpus)."""
    labels = {q: (r & restrict if restrict is not None else r) for q, r in qrels.items()}
    labelled = [q for q in questions if labels.get(q.query_id)]
    run = SEARCHERS[column]
    if labelled:
        run(home, labelled[0].text)  # warm up: searcher, jieba, vectors, model
    per_query: dict[str, dict[str, float]] = {}
    latencies: list[float] = []
    cpu_times: list[float] = []  # process CPU: the wall clock is unreliable on a shared machine
    for question in labelled:
        started, cpu = time.perf_counter(), time.process_time()
        hits = run(home, question.text)
        latencies.append((time.perf_counter() - started) * 1000)
        cpu_times.append((time.process_time() - cpu) * 1000)
        ranked = harness.ranking(hits, mapping)
        if restrict is not None:
            ranked = [i for i in ranked if i in restrict]
        per_query[question.query_id] = harness.score(ranked, labels[question.query_id])
    averaged = {n: metrics.mean([v[n] for v in per_query.values()]) for n in harness.METRIC_NAMES}
    return harness.EvalReport(
        mode=column, queries=len(per_query), metrics=averaged,
        latency_p50_ms=metrics.percentile(latencies, 0.5),
        latency_p95_ms=metrics.percentile(latencies, 0.95), per_query=per_query,
        cpu_p50_ms=metrics.percentile(cpu_times, 0.5), cpu_p95_ms=metrics.percentile(cpu_times, 0.95),
    )


def compare(
    home: Home,
    questions: list[Question],
    qrels: dict[str, set[int]],
    mapping: harness.ArticleMap,
    restrict: set[int] | None = None,
) -> dict[str, harness.EvalReport]:
    """Lexical, dense and hybrid reports, in that order.

    The per-process cache of query embeddings is emptied before each column, so every column's
    latency includes embedding its questions, as a user's first search of a question would.
    """
    reports = {}
    for column in COLUMNS:
        dense.query_vector.cache_clear()
        reports[column] = evaluate(home, questions, qrels, mapping, column, restrict)
    return reports


def embedded_articles(home: Home, mapping: harness.ArticleMap) -> set[int]:
    """Corpus ids whose article has a live vector (for a partial cache)."""
    vectors = dense.live_vectors(home)
    if vectors is None:
        return set()
    pairs = (tuple(key.split("/", 1)) for key in vectors.keys)
    return {mapping[pair] for pair in pairs if pair in mapping}  # type: ignore[index]
