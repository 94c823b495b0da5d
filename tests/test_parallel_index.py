"""Whoosh segments written in worker processes (a rebuild of many documents, each segment
written by DirectSegmentWriter) make the same index as Whoosh's own writer in the ingesting
process: term for term in every field, stored field for stored field, the same lengths and
sortable columns, document number for document number, and the same search results."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path
from typing import Any

import pytest
from whoosh import index as whoosh_index

from conftest import SEED, index_contents, require_shared
from stdsearch import index as index_mod
from stdsearch import pipeline
from stdsearch.search import SearchRequest, search
from stdsearch.settings import Home
from stdsearch.store import Store, entry_sources

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
    monkeypatch.setattr(pipeline, "PARALLEL_INDEX_MIN", 10**9)  # one writer in this process
    report = pipeline.ingest(home, [laws], processes=2)
    assert report.failed == 0 and report.documents > 20
    single, single_results = _contents(home), _results(home)
    assert single["segments"] == 1

    monkeypatch.setattr(pipeline, "PARALLEL_INDEX_MIN", 2)
    assert pipeline.reindex(home, procs=2) == report.clauses
    parallel = _contents(home)
    assert 1 < parallel["segments"] <= 2 * pipeline.SCRATCHES_PER_PROCESS
    assert parallel["postings"] and parallel["postings"] == single["postings"]
    assert parallel["stored"] == single["stored"]
    assert parallel["lengths"] == single["lengths"]
    assert parallel["columns"]["position"] and parallel["columns"] == single["columns"]
    assert single_results == _results(home)
    assert any(single_results), "the queries find clauses"
    assert not list(index_mod.live_path(home).resolve().glob("scratch-*")), "scratch indexes are moved in and removed"


def _by_clause(home: Home) -> dict[str, Any]:
    """What a reader sees of the live index's live clauses, named by clause key rather than by
    document number (an ingest's one pass numbers documents in the order of its inputs, a
    reindex in the order of their ids): stored fields, postings, field lengths, columns."""
    ix = index_mod.open_index(home)
    with ix.reader() as reader:
        docnums = sorted(reader.all_doc_ids())
        keys = {n: reader.stored_fields(n)["key"] for n in docnums}
        indexed = [name for name in ix.schema.names() if ix.schema[name].indexed]
        scorable = [name for name in indexed if ix.schema[name].scorable]
        sortable = [name for name in ix.schema.names() if ix.schema[name].column_type]
        postings = {}
        for name in indexed:
            for term in reader.lexicon(name):
                rows = sorted((keys[n], value or b"", weight) for n, value, weight in _postings(reader, name, term))
                if rows:
                    postings[(name, term)] = rows
        columns = {name: list(reader.column_reader(name)) for name in sortable}
        return {
            "stored": sorted((keys[n], sorted(reader.stored_fields(n).items())) for n in docnums),
            "postings": postings,
            "lengths": sorted((keys[n], [reader.doc_field_length(n, f) or 0 for f in scorable]) for n in docnums),
            "columns": {name: sorted((keys[n], values[n]) for n in docnums) for name, values in columns.items()},
        }


def _postings(reader: Any, name: str, term: bytes) -> list[tuple[int, Any, float]]:
    """(document number, value, weight) of every live posting of a term."""
    matcher, found = reader.postings(name, term), []
    while matcher.is_active():
        found.append((matcher.id(), matcher.value(), matcher.weight()))
        matcher.next()
    return found


def _ranked(home: Home) -> list[list[tuple[float, str]]]:
    """Each query's hits above the lowest score on its page as (score, clause key), best first
    and ties by key: which of two clauses with equal scores comes first (or on the page at all)
    follows document numbers."""
    return [sorted((-score, key) for key, score in hits if score > hits[-1][1]) for hits in _results(home) if hits]


def test_an_ingest_indexes_as_it_parses_what_one_writer_indexes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    laws = require_shared("laws", "宪法相关法")
    home = Home.resolve(tmp_path / "home")
    monkeypatch.setattr(pipeline, "PARALLEL_INDEX_MIN", 2)
    report = pipeline.ingest(home, [laws], processes=2)
    assert report.failed == 0 and report.documents > 20
    one_pass, one_pass_ranked = _by_clause(home), _ranked(home)
    segments = _contents(home)["segments"]
    assert 1 < segments <= 2 * pipeline.PASS_CHUNKS_PER_PROCESS, "a segment per run of inputs"
    assert index_mod.clause_count(home) == report.clauses

    monkeypatch.setattr(pipeline, "PARALLEL_INDEX_MIN", 10**9)  # one writer in this process
    assert pipeline.reindex(home, procs=2) == report.clauses
    single = _by_clause(home)
    assert one_pass["postings"] and one_pass["postings"] == single["postings"]
    assert one_pass["stored"] == single["stored"]
    assert one_pass["lengths"] == single["lengths"]
    assert one_pass["columns"]["position"] and one_pass["columns"] == single["columns"]
    assert any(one_pass_ranked) and one_pass_ranked == _ranked(home)


@pytest.mark.parametrize("where", ["another folder", "the same folder"])
def test_a_law_given_by_two_files_is_indexed_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    laws = require_shared("laws", "宪法相关法")
    first = tmp_path / "a"
    shutil.copytree(laws, first)
    twice = sorted(first.glob("*.md"))[-1]  # in the last run of inputs
    if where == "another folder":  # its other copy comes first, in another run
        second = tmp_path / "b"
        second.mkdir()
        copy = second / twice.name
        inputs = [second, first]
    else:  # both copies in one run, written one after the other by the same worker
        copy, inputs = first / f"{twice.stem}（副本）.md", [first]
    shutil.copy(twice, copy)
    home = Home.resolve(tmp_path / "home")
    monkeypatch.setattr(pipeline, "PARALLEL_INDEX_MIN", 2)
    report = pipeline.ingest(home, inputs, processes=2)
    assert report.failed == 0 and report.updated == 1

    stored = Store(home)
    doc_id = next(d for d in stored.ids() if str(twice) in entry_sources(stored.entry(d) or {}))
    document = stored.get(doc_id)
    assert set(document.sources) == {str(twice), str(copy)}
    ix = index_mod.open_index(home)
    with ix.searcher() as searcher:
        keys = [fields["key"] for fields in searcher.documents(doc_id=doc_id)]
    assert sorted(keys) == sorted({f"{doc_id}/{c.clause_id}" for c in document.clauses if c.searchable})
    assert index_mod.clause_count(home) == report.clauses
    assert report.clauses == sum(len([c for c in stored.get(d).clauses if c.searchable]) for d in stored.ids())
    assert ix.doc_count_all() > ix.doc_count(), "the copy not kept is deleted, not written again"


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


@pytest.mark.slow  # writes a 1 GiB gzip bomb
def test_inputs_a_dead_worker_had_indexed_are_indexed_from_the_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    laws = require_shared("laws", "宪法相关法")
    inbox = tmp_path / "inbox"
    shutil.copytree(laws, inbox)
    monkeypatch.setenv("STDSEARCH_PARSE_DECOMPRESSED_MB", "4096")
    monkeypatch.setenv("STDSEARCH_PARSE_MEMORY_MB", "900")
    with gzip.open(inbox / "zz-laws.jsonl.gz", "wb", compresslevel=1) as handle:  # parsed last in its run
        block = b"\0" * 2**24
        for _ in range(64):  # 1 GiB of zeros, a 1 MB file: its worker runs out of memory
            handle.write(block)
    home = Home.resolve(tmp_path / "home")
    monkeypatch.setattr(pipeline, "PARALLEL_INDEX_MIN", 2)
    report = pipeline.ingest(home, [inbox], processes=1)
    assert [Path(f.path).name for f in report.failures] == ["zz-laws.jsonl.gz"]
    assert "memory" in report.failures[0].reason
    stored = Store(home)
    assert len(stored.ids()) == report.documents == len([p for p in laws.glob("*.md") if not p.name.startswith("_")])
    assert index_mod.clause_count(home) == report.clauses
    assert report.clauses == sum(len([c for c in stored.get(d).clauses if c.searchable]) for d in stored.ids())
    assert any(_results(home))
