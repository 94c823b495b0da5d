"""Documents can leave: `stdsearch remove`, folders re-ingested after a file is deleted, and
links and "cited by" that never lead to a missing document."""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import SEED, require_shared
from stdsearch import citations, pipeline
from stdsearch.cli import main
from stdsearch.search import SearchRequest, search
from stdsearch.settings import Home
from stdsearch.store import Store

CITING_POLICY = "关于产品质量监督的通知\n\n一、总体要求\n\n1.生产者应当按照《中华人民共和国产品质量法》第二十六条的规定对产品质量负责。\n"


def run(home: Path, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, ["--home", str(home), *args], catch_exceptions=False)


def hits(home: Home, query: str) -> set[str]:
    return {hit.doc_id for hit in search(home, SearchRequest(q=query, per_page=50)).hits}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A folder with the seed policy and a second small policy."""
    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copy(SEED, inputs / "seed.txt")
    (inputs / "meter.txt").write_text("计量管理通知\n\n一、总体要求\n\n1.推进计量器具检定工作。\n", encoding="utf-8")
    return inputs


def test_remove_by_id_and_by_path_with_json_summary(tmp_path: Path, folder: Path) -> None:
    home = tmp_path / "home"
    assert run(home, "ingest", str(folder)).exit_code == 0
    store = Store(Home.resolve(home))
    meter_id = store.ids_from_source(str((folder / "meter.txt").resolve()))[0]
    assert hits(Home.resolve(home), "计量器具") == {meter_id}

    result = run(home, "remove", "--json", meter_id)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["removed"] == 1 and summary["failed"] == 0
    assert summary["documents"][0]["doc_id"] == meter_id and summary["documents"][0]["title"] == "计量管理通知"
    assert hits(Home.resolve(home), "计量器具") == set()
    assert not Store(Home.resolve(home)).exists(meter_id)

    result = run(home, "remove", "--json", str(folder / "seed.txt"))
    assert result.exit_code == 0 and json.loads(result.output)["removed"] == 1
    assert hits(Home.resolve(home), "明厨亮灶") == set()
    assert Store(Home.resolve(home)).ids() == []


def test_remove_of_an_unknown_target_fails_and_removes_nothing_else(tmp_path: Path, folder: Path) -> None:
    home = tmp_path / "home"
    run(home, "ingest", str(folder))
    result = run(home, "remove", "--json", "policy-0000000000", str(tmp_path / "nowhere.txt"))
    assert result.exit_code == 1
    summary = json.loads(result.output)
    assert summary["removed"] == 0 and summary["failed"] == 2
    assert [f["path"] for f in summary["failures"]] == ["policy-0000000000", str(tmp_path / "nowhere.txt")]
    assert len(Store(Home.resolve(home)).ids()) == 2


def test_reingesting_a_folder_removes_documents_whose_files_are_gone_and_says_so(tmp_path: Path, folder: Path) -> None:
    home = tmp_path / "home"
    run(home, "ingest", str(folder))
    (folder / "meter.txt").unlink()
    result = run(home, "ingest", "--json", str(folder))
    assert result.exit_code == 0
    summary = json.loads(result.output)
    assert summary["removed"] == 1 and summary["unchanged"] == 1
    (gone,) = summary["removed_documents"]
    assert gone["title"] == "计量管理通知" and gone["source"] == str((folder / "meter.txt").resolve())
    assert hits(Home.resolve(home), "计量器具") == set()

    result = run(home, "ingest", str(folder))
    assert "0 removed" in result.output


def test_ingesting_one_file_does_not_remove_its_deleted_neighbours(tmp_path: Path, folder: Path) -> None:
    home = tmp_path / "home"
    run(home, "ingest", str(folder))
    (folder / "meter.txt").unlink()
    summary = json.loads(run(home, "ingest", "--json", str(folder / "seed.txt")).output)
    assert summary["removed"] == 0 and len(Store(Home.resolve(home)).ids()) == 2


def test_removing_a_cited_law_drops_its_links_and_cited_by_and_reingest_restores_them(tmp_path: Path) -> None:
    law = require_shared("laws", "经济法", "产品质量法(2018-12-29).md")
    policy = tmp_path / "policy.txt"
    policy.write_text(CITING_POLICY, encoding="utf-8")
    home = Home.resolve(tmp_path / "home")
    assert pipeline.ingest(home, [law, policy]).failed == 0
    store = Store(home)
    law_id = next(i for i, e in store.manifest().items() if e["title"] == "中华人民共和国产品质量法")
    policy_id = next(i for i in store.ids() if i != law_id)
    assert [link[3:5] for link in citations.load_links(store)[policy_id]] == [[law_id, "a26"]]

    report = pipeline.remove(home, [law_id])
    assert report.removed == 1
    store = Store(home)
    assert citations.load_links(store).get(policy_id) is None
    assert store.cited_by(law_id) == [] and citations.load_links(store) == {}

    pipeline.ingest(home, [law])
    store = Store(home)
    assert [link[3:5] for link in citations.load_links(store)[policy_id]] == [[law_id, "a26"]]
    assert [c["doc_id"] for c in store.cited_by(law_id)] == [policy_id]


def test_reindex_forgets_documents_deleted_behind_its_back(tmp_path: Path) -> None:
    law = require_shared("laws", "经济法", "产品质量法(2018-12-29).md")
    policy = tmp_path / "policy.txt"
    policy.write_text(CITING_POLICY, encoding="utf-8")
    home = Home.resolve(tmp_path / "home")
    pipeline.ingest(home, [law, policy])
    store = Store(home)
    law_id = next(i for i, e in store.manifest().items() if e["title"] == "中华人民共和国产品质量法")
    policy_id = next(i for i in store.ids() if i != law_id)
    with contextlib.closing(sqlite3.connect(home.documents)) as db, db:  # gone behind the store's back
        db.execute("DELETE FROM documents WHERE doc_id = ?", (policy_id,))

    pipeline.reindex(home, procs=1)
    store = Store(home)
    assert store.cited_by(law_id) == [] and policy_id not in store.manifest()
    assert policy_id not in citations.load_links(store)
