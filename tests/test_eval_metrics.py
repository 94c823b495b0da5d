"""The evaluation harness's pure parts: metrics, loaders and hit → article mapping."""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path

import pytest

from stdsearch.evaluation import data, harness, metrics
from stdsearch.search import Hit


def test_recall_mrr_ndcg_on_a_small_ranking() -> None:
    ranked, relevant = [5, 1, 7, 2], {1, 2, 9}
    assert metrics.recall_at(ranked, relevant, 2) == pytest.approx(1 / 3)
    assert metrics.recall_at(ranked, relevant, 100) == pytest.approx(2 / 3)
    assert metrics.mrr_at(ranked, relevant, 10) == pytest.approx(0.5)
    assert metrics.mrr_at(ranked, relevant, 1) == 0.0
    gain = 1 / math.log2(3) + 1 / math.log2(5)
    ideal = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert metrics.ndcg_at(ranked, relevant, 10) == pytest.approx(gain / ideal)


def test_percentiles_and_empty_inputs() -> None:
    assert metrics.percentile([3.0, 1.0, 2.0, 4.0], 0.5) == 2.0
    assert metrics.percentile(list(map(float, range(1, 101))), 0.95) == 95.0
    assert metrics.percentile([], 0.5) == 0.0
    assert metrics.recall_at([1], set(), 10) == 0.0


def test_loaders_read_tsv_qrels_and_gzipped_corpus(tmp_path: Path) -> None:
    (tmp_path / "q.tsv").write_text("1\t老公欠钱怎么办\n\n2\t房东不退押金\n", encoding="utf-8")
    (tmp_path / "qrels.tsv").write_text("1 0 10 1\n1 0 11 1\n2 0 12 0\n", encoding="utf-8")
    record = {"id": 10, "article": "第二条", "source": "data/laws/经济法/产品质量法(2018-12-29).md"}
    with gzip.open(tmp_path / "c.jsonl.gz", "wt", encoding="utf-8") as handle:
        handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    assert data.load_queries(tmp_path / "q.tsv") == [
        data.Question("1", "老公欠钱怎么办"),
        data.Question("2", "房东不退押金"),
    ]
    assert data.load_qrels(tmp_path / "qrels.tsv") == {"1": {10, 11}}
    articles = data.load_corpus(tmp_path / "c.jsonl.gz")
    assert articles == [data.Article(10, "经济法/产品质量法(2018-12-29).md", "第二条")]
    assert data.law_files(articles, tmp_path) == [tmp_path / "经济法" / "产品质量法(2018-12-29).md"]


def _hit(doc_id: str, clause_id: str) -> Hit:
    return Hit(doc_id, clause_id, "", "", "", "", "", "", 1.0, "law", "", "", "")


def test_parts_of_an_article_count_once_at_best_rank() -> None:
    mapping = {("d", "a12"): 7, ("d", "a10-1"): 8}
    hits = [_hit("d", "a12.p2"), _hit("x", "a1"), _hit("d", "a10-1"), _hit("d", "a12")]
    assert harness.ranking(hits, mapping) == [7, 8]


def test_report_halves_split_by_query_id_parity() -> None:
    values = {"recall@10": 1.0, "recall@100": 1.0, "mrr@10": 1.0, "ndcg@10": 1.0}
    zeros = dict.fromkeys(values, 0.0)
    report = harness.EvalReport("default", 2, values, 1.0, 2.0, {"2": values, "3": zeros})
    halves = harness.parity_halves(report)
    assert halves["even"]["mrr@10"] == 1.0 and halves["odd"]["mrr@10"] == 0.0
    assert set(report.to_dict()) == {
        "queries", "recall@10", "recall@100", "mrr@10", "ndcg@10", "latency_p50_ms", "latency_p95_ms",
        "cpu_p50_ms", "cpu_p95_ms",
    }
