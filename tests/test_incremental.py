"""One changed file into a large home: only its own manifest rows, citations and links are
read and written — never the whole manifest — and the links come out as a rebuild makes them."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import require_shared
from stdsearch import citations, pipeline
from stdsearch.settings import Home
from stdsearch.store import Store

CITING = "关于产品质量监督的通知\n\n一、总体要求\n\n1.生产者应当按照《中华人民共和国产品质量法》第二十六条的规定对产品质量负责。\n"


def test_a_changed_file_is_linked_without_reading_the_whole_manifest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    laws = [require_shared("laws", "经济法", "产品质量法(2018-12-29).md"), require_shared("laws", "经济法", "计量法(2018-10-26).md")]
    policy = tmp_path / "policy.txt"
    policy.write_text(CITING.replace("产品质量法", "计量法"), encoding="utf-8")
    home = Home.resolve(tmp_path / "home")
    assert pipeline.ingest(home, [*laws, policy], processes=1).failed == 0
    store = Store(home)
    quality = next(i for i, e in store.manifest().items() if e["title"] == "中华人民共和国产品质量法")
    policy_id = store.ids_from_source(str(policy.resolve()))[0]

    def whole_manifest(_store: Store) -> None:
        raise AssertionError("the whole manifest was read for one changed file")

    monkeypatch.setattr(Store, "manifest", whole_manifest)
    policy.write_text(CITING, encoding="utf-8")
    report = pipeline.ingest(home, [policy], processes=1)
    assert (report.updated, report.failed) == (1, 0)
    assert [link[3:5] for link in citations.links_of(Store(home), policy_id)[0]] == [[quality, "a26"]]
    assert [c["doc_id"] for c in Store(home).cited_by(quality)] == [policy_id]
    monkeypatch.undo()
    incremental = citations.load_links(Store(home)), citations.load_own_links(Store(home))
    pipeline.reindex(home, procs=1)  # rows staged as documents are indexed, then resolved
    assert (citations.load_links(Store(home)), citations.load_own_links(Store(home))) == incremental
    citations.rebuild(Store(home))  # from the rows kept
    assert (citations.load_links(Store(home)), citations.load_own_links(Store(home))) == incremental
    assert [c["doc_id"] for c in Store(home).cited_by(quality)] == [policy_id]
