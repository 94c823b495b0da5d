"""The evaluation harness: ingest the corpus's law files, run every question, score the rankings.

Hits map to corpus article ids by (law file, article label): a document's ``source`` is the
absolute path of its file, an article's clause id is ``a12`` / ``a10-1`` with label 第十二条 /
第十条之一, and a hit on one of its parts (``a12.p2`` …) counts for the article, once, at its
best rank.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stdsearch import pipeline
from stdsearch.evaluation import metrics
from stdsearch.evaluation.data import Article, Question, law_files
from stdsearch.search import MAX_PER_PAGE, Hit, SearchRequest, engines, search
from stdsearch.settings import Home
from stdsearch.store import Store

#: The cut-offs reported: recall@10, recall@100, MRR@10, nDCG@10.
METRIC_NAMES = ("recall@10", "recall@100", "mrr@10", "ndcg@10")

#: (document id, clause id) → corpus article id.
ArticleMap = dict[tuple[str, str], int]


@dataclass
class EvalReport:
    """Macro-averaged metrics of one run, with per-query values for splits."""

    mode: str
    queries: int
    metrics: dict[str, float]
    latency_p50_ms: float
    latency_p95_ms: float
    per_query: dict[str, dict[str, float]] = field(default_factory=dict)
    #: CPU time of this process per search: on a shared machine, closer to unloaded latency.
    cpu_p50_ms: float = 0.0
    cpu_p95_ms: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: queries, the four metrics and the latency percentiles."""
        rounded = {name: round(value, 4) for name, value in self.metrics.items()}
        return {
            "queries": self.queries,
            **rounded,
            "latency_p50_ms": round(self.latency_p50_ms, 1),
            "latency_p95_ms": round(self.latency_p95_ms, 1),
            "cpu_p50_ms": round(self.cpu_p50_ms, 1),
            "cpu_p95_ms": round(self.cpu_p95_ms, 1),
        }

    def subset(self, keep: Callable[[str], bool]) -> dict[str, float]:
        """The macro-averaged metrics over the query ids ``keep`` accepts."""
        chosen = [values for qid, values in self.per_query.items() if keep(qid)]
        return {name: round(metrics.mean([v[name] for v in chosen]), 4) for name in METRIC_NAMES}


# --- ingest -----------------------------------------------------------------------------


def prepare_home(home: Home, articles: list[Article], laws: Path) -> pipeline.IngestReport:
    """Ingest exactly the corpus's law files into ``home``; unchanged files are skipped.

    An index that is missing or of an older version is rebuilt from the stored documents
    first (with two processes), so a warm home costs only the unchanged-file checks.
    """
    if not engines.index_exists(home) and Store(home).ids():
        pipeline.reindex(home)
    return pipeline.ingest(home, law_files(articles, laws))


def article_map(home: Home, articles: list[Article], laws: Path) -> ArticleMap:
    """(doc id, article clause id) → corpus id, for the stored documents of the corpus's files."""
    wanted = {(a.source, a.label): a.id for a in articles}
    root = laws.resolve()
    mapping: ArticleMap = {}
    for document in Store(home).documents():
        source = Path(document.source)
        if not source.is_relative_to(root):
            continue
        relative = source.relative_to(root).as_posix()
        for clause in document.clauses:
            corpus_id = wanted.get((relative, clause.label))
            if corpus_id is not None and "." not in clause.clause_id:
                mapping[(document.doc_id, clause.clause_id)] = corpus_id
    return mapping


# --- running ----------------------------------------------------------------------------


def ranking(hits: Iterable[Hit], mapping: ArticleMap) -> list[int]:
    """Corpus ids of the hits in rank order; parts count for their article once, at best rank."""
    ranked: dict[int, None] = {}
    for hit in hits:
        article_id = hit.clause_id.split(".", 1)[0]
        corpus_id = mapping.get((hit.doc_id, article_id))
        if corpus_id is not None:
            ranked.setdefault(corpus_id, None)
    return list(ranked)


def score(ranked: list[int], relevant: set[int]) -> dict[str, float]:
    """The four metrics of one ranking."""
    return {
        "recall@10": metrics.recall_at(ranked, relevant, 10),
        "recall@100": metrics.recall_at(ranked, relevant, 100),
        "mrr@10": metrics.mrr_at(ranked, relevant, 10),
        "ndcg@10": metrics.ndcg_at(ranked, relevant, 10),
    }


def timed_search(home: Home, text: str, mode: str) -> tuple[list[Hit], float, float]:
    """The top 100 hits of one question through the normal search path, with the wall-clock
    and CPU milliseconds it took."""
    started, cpu = time.perf_counter(), time.process_time()
    results = search(home, SearchRequest(q=text, per_page=MAX_PER_PAGE, mode=mode))
    return results.hits, (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000


def evaluate(
    home: Home,
    questions: list[Question],
    qrels: dict[str, set[int]],
    mapping: ArticleMap,
    mode: str = "default",
) -> EvalReport:
    """Run every question that has relevance labels and macro-average the metrics."""
    labelled = [q for q in questions if qrels.get(q.query_id)]
    if labelled:
        timed_search(home, labelled[0].text, mode)  # warm up: open the searcher, load jieba
    per_query: dict[str, dict[str, float]] = {}
    latencies: list[float] = []
    cpu_times: list[float] = []
    for question in labelled:
        hits, millis, cpu = timed_search(home, question.text, mode)
        latencies.append(millis)
        cpu_times.append(cpu)
        per_query[question.query_id] = score(ranking(hits, mapping), qrels[question.query_id])
    averaged = {n: metrics.mean([v[n] for v in per_query.values()]) for n in METRIC_NAMES}
    return EvalReport(
        mode=mode,
        queries=len(per_query),
        metrics=averaged,
        latency_p50_ms=metrics.percentile(latencies, 0.5),
        latency_p95_ms=metrics.percentile(latencies, 0.95),
        per_query=per_query,
        cpu_p50_ms=metrics.percentile(cpu_times, 0.5),
        cpu_p95_ms=metrics.percentile(cpu_times, 0.95),
    )


def parity_halves(report: EvalReport) -> dict[str, dict[str, float]]:
    """Metrics over even and odd numeric query ids (empty when ids are not all numbers)."""
    if not all(qid.isdigit() for qid in report.per_query):
        return {}
    return {
        "even": report.subset(lambda qid: int(qid) % 2 == 0),
        "odd": report.subset(lambda qid: int(qid) % 2 == 1),
    }
