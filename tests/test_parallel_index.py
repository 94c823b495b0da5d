"""Whoosh segments written in worker processes (a rebuild of many documents, each segment
written by DirectSegmentWriter) make the same index as Whoosh's own writer in the ingesting
process: term for term in every field, stored field for stored field, the same lengths and
sortable columns, document number for document number, and the same search results."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from whoosh import index as whoosh_index

from conftest import SEED, index_contents, require_shared
from stdsearch import index as index_mod
from stdsearch import pipeline
from stdsearch.search import SearchRequest, search
from stdsearch.settings import Home

QUERIES = ["行政处罚 听证", "国务院 批准", "罚款", "法律责任", "\"人民代表大会\""]


def _contents(home: Home) -> dict[str, Any]:
    """What a reader sees of the live index (:func:`conftest.index_contents`), and its segment count."""
    ix = index_mod.open_index(home)
    with ix.reader() as reader:
        contents = index_contents(reader, ix.schema)
    contents["segments"] = len(whoosh_index.TOC.read(ix.storage, index_mod.INDEX_NAME).segments)
    return contents


def _results(home: Home) -> list[list[tuple[str, float]]]:
    return [
        [(f"{hit.doc_id}/{hit.clause_id}", round(hit.score, 6)) for hit in search(home, SearchRequest(q=q, per_page=30)).hits]
        for q in QUERIES
    ]


def test_segments_written_by_workers_equal_one_writers_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    laws = require_shared("laws", "宪法相关法")
    home = Home.resolve(tmp_path / "home")
    monkeypatch.setattr(pipeline, "PARALLEL_INDEX_MIN", 2)
    report = pipeline.ingest(home, [laws], processes=2)
    assert report.failed == 0 and report.documents > 20
    parallel, parallel_results = _contents(home), _results(home)
    assert 1 < parallel["segments"] <= 2 * pipeline.SCRATCHES_PER_PROCESS

    monkeypatch.setattr(pipeline, "PARALLEL_INDEX_MIN", 10**9)  # one writer in this process
    assert pipeline.reindex(home, procs=2) == report.clauses
    single = _contents(home)
    assert single["segments"] == 1
    assert parallel["postings"] and parallel["postings"] == single["postings"]
    assert parallel["stored"] == single["stored"]
    assert parallel["lengths"] == single["lengths"]
    assert parallel["columns"]["position"] and parallel["columns"] == single["columns"]
    assert parallel_results == _results(home)
    assert any(parallel_results), "the queries find clauses"
    assert not list(index_mod.live_path(home).resolve().glob("scratch-*")), "scratch indexes are moved in and removed"


def test_a_failed_index_worker_leaves_the_old_index_serving(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = Home.resolve(tmp_path / "home")
    pipeline.ingest(home, [SEED])
    before = index_mod.live_generation(home)
    monkeypatch.setattr(pipeline, "PARALLEL_INDEX_MIN", 1)
    monkeypatch.setenv("STDSEARCH_PARSE_MEMORY_MB", "20")  # every worker runs out of memory
    with pytest.raises(Exception, match="cannot index stored documents"):
        pipeline.reindex(home, procs=1)
    assert index_mod.live_generation(home) == before
    assert [p.name for p in home.index.glob("gen-*")] == [before]
    assert search(home, SearchRequest(q="食品")).total > 0


def test_slices_are_contiguous_and_about_equal_in_weight() -> None:
    items = [f"d{n:03}" for n in range(100)]
    weights = [1] * 50 + [9] * 50  # the second half costs nine times as much
    slices = pipeline.balanced_slices(items, weights, 2)
    assert [item for part in slices for item in part] == items
    cost = dict(zip(items, weights, strict=True))
    halves = [sum(cost[item] for item in part) for part in slices]
    assert len(slices) == 2 and abs(halves[0] - halves[1]) <= 2 * 9  # within one document either way
    assert len(slices[0]) > 70, "the cheap documents go together"
    assert pipeline.balanced_slices(items[:3], [5, 5, 5], 8) == [["d000"], ["d001"], ["d002"]]
