"""A big catalogue or law collection is parsed in shares by several workers: the shares put
back together are exactly the documents of one parse, and an ingest in shares (its parts
waiting on disk until the input is complete) stores the same."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import require_shared
from stdsearch import pipeline
from stdsearch.parse import parse_file, shares
from stdsearch.settings import Home
from stdsearch.store import Store


def parsed_in_shares(path: Path, count: int) -> list[tuple[str, str]]:
    """(doc id, stored JSON) of the documents of ``path`` parsed share by share, in order."""
    found = []
    for index in range(count):
        with shares.share(index, count):
            found += [(d.doc_id, d.to_json()) for d in parse_file(path)]
    return found


@pytest.mark.parametrize(
    "parts",
    [("standards-catalogues", "sports-standards", "standards.json"), ("tw-laws", "laws_keyword.jsonl.gz")],
)
def test_shares_together_are_the_whole_parse(parts: tuple[str, ...]) -> None:
    path = require_shared(*parts)
    whole = [(d.doc_id, d.to_json()) for d in parse_file(path)]
    assert len(whole) > 100
    in_shares = parsed_in_shares(path, 3)
    assert len(in_shares) == len(whole), "no document is built by two shares"
    assert sorted(in_shares) == sorted(whole)


def test_a_standards_records_stay_in_one_share_wherever_they_are_in_the_file(tmp_path: Path) -> None:
    record = {"标准编号": "GB 50300-2013", "标准名称": "建筑工程施工质量验收统一标准", "标准状态": "现行"}
    others = [{"标准编号": f"GB/T {1000 + i}-2020", "标准名称": f"标准{i}"} for i in range(40)]
    later = {"std_no": "GB50300-2013", "title_en": "Unified standard for constructional quality acceptance"}
    path = tmp_path / "catalogue.jsonl"
    lines = [record, *others, later]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in lines), encoding="utf-8")
    [whole] = [d for d in parse_file(path) if d.doc_id == "gb-50300-2013"]
    assert whole.extra["title_en"] and len(whole.extra["sheets"]) == 2
    shared = [(doc_id, text) for doc_id, text in parsed_in_shares(path, 3) if doc_id == "gb-50300-2013"]
    assert shared == [(whole.doc_id, whole.to_json())]
    assert len(parsed_in_shares(path, 3)) == 41


def test_every_id_is_held_by_exactly_one_share_and_a_share_out_of_range_is_refused() -> None:
    ids = [f"tw-a{n:07d}" for n in range(200)]
    held = []
    for index in range(3):
        with shares.share(index, 3):
            held.append({doc_id for doc_id in ids if shares.holds(doc_id)})
    assert sum(map(len, held)) == len(ids) and set().union(*held) == set(ids)
    assert all(held), "every share gets some"
    assert all(shares.holds(doc_id) for doc_id in ids), "outside a share, everything is held"
    with pytest.raises(ValueError), shares.share(2, 2):
        pass


def test_an_ingest_in_shares_stores_what_one_worker_would(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = require_shared("standards-catalogues", "sports-standards", "standards.json")
    catalogue = tmp_path / "catalogue.json"
    catalogue.write_bytes(source.read_bytes())
    whole = Home.resolve(tmp_path / "whole")
    report = pipeline.ingest(whole, [catalogue], processes=1)
    monkeypatch.setattr(pipeline, "SHARE_BYTES", 1024)
    assert pipeline.share_count(catalogue, 2) == 2
    shared = Home.resolve(tmp_path / "shared")
    (shared.root / ".spool-killed").mkdir(parents=True)  # what a killed ingest left
    in_shares = pipeline.ingest(shared, [catalogue], processes=2)
    assert not list(shared.root.glob(".spool-*")), "the parts waited on disk, and are gone"
    assert (in_shares.added, in_shares.failed) == (report.added, 0) and report.added > 100
    stored = {doc_id: Store(shared).get(doc_id).to_json() for doc_id in Store(shared).ids()}
    assert stored == {doc_id: Store(whole).get(doc_id).to_json() for doc_id in Store(whole).ids()}


def test_many_inputs_in_flight_each_get_their_own_parts(tmp_path: Path) -> None:
    laws = require_shared("laws", "经济法")
    home = Home.resolve(tmp_path / "home")
    report = pipeline.ingest(home, [laws], processes=2)
    expected = len([p for p in laws.rglob("*.md") if not p.name.startswith("_")])
    assert (report.added, report.failed) == (expected, 0)
    store = Store(home)
    for doc_id in store.ids():  # each document stored from its own file
        assert Path(store.entry(doc_id)["source"]).stem.startswith(store.get(doc_id).title.removeprefix("中华人民共和国")[:2])
