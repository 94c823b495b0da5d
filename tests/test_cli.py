"""The command line as a script uses it: exit codes, --json, failures reported, nothing lost."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from stdsearch import index as index_mod
from stdsearch.cli import main
from stdsearch.settings import Home

from .conftest import SEED


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def run(runner: CliRunner, home: Path, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(main, ["--home", str(home), *args], catch_exceptions=False)


def last_json(output: str) -> dict:
    return json.loads(output.strip().splitlines()[-1])


def write_policy(path: Path, item: str) -> Path:
    path.write_text(f"测试政策文件\n\n一、总体要求\n\n1.{item}\n\n2.加强组织领导。\n", encoding="utf-8")
    return path


def test_ingest_json_summary_and_search_json(runner: CliRunner, tmp_path: Path) -> None:
    result = run(runner, tmp_path, "ingest", "--json", str(SEED))
    assert result.exit_code == 0, result.output
    summary = last_json(result.output)
    assert summary["documents"] == 1 and summary["failed"] == 0 and summary["failures"] == []
    assert summary["clauses"] > 26

    result = run(runner, tmp_path, "search", "明厨亮灶", "--json")
    assert result.exit_code == 0
    data = last_json(result.output)
    assert set(data) >= {"query", "total", "hits", "facets"}
    hit = data["hits"][0]
    keys = {"doc_id", "clause_id", "title", "label", "heading", "text", "snippet", "url", "score",
            "kind", "level", "status", "number"}
    assert keys <= set(hit)
    assert hit["url"] == f"/doc/{hit['doc_id']}/{hit['clause_id']}"


def test_bad_file_is_reported_and_the_good_ones_land(runner: CliRunner, tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copy(SEED, inputs / "seed.txt")
    write_policy(inputs / "good.txt", "推进计量器具检定工作。")
    (inputs / "broken.txt").write_bytes(b"\xff\xfe\x00\xd8\x00\x00\x00garbage\x00\x00")
    (inputs / "empty.txt").write_bytes(b"")
    result = run(runner, tmp_path / "home", "ingest", "--json", str(inputs), str(tmp_path / "missing.txt"))
    assert result.exit_code == 1
    summary = last_json(result.output)
    failed = {Path(f["path"]).name: f["reason"] for f in summary["failures"]}
    assert set(failed) == {"broken.txt", "empty.txt", "missing.txt"}
    assert all(reason for reason in failed.values())
    assert summary["documents"] == 2
    found = run(runner, tmp_path / "home", "search", "计量器具", "--json")
    assert last_json(found.output)["total"] == 1


def test_reingest_unchanged_changes_nothing_and_changed_replaces(runner: CliRunner, tmp_path: Path) -> None:
    policy = write_policy(tmp_path / "policy.txt", "推进计量器具检定工作。")
    home = tmp_path / "home"
    assert run(runner, home, "ingest", str(policy)).exit_code == 0
    again = last_json(run(runner, home, "ingest", "--json", str(policy)).output)
    assert again["unchanged"] == 1 and again["added"] == 0 and again["updated"] == 0

    write_policy(policy, "推进电动自行车安全治理。")
    changed = last_json(run(runner, home, "ingest", "--json", str(policy)).output)
    assert changed["updated"] == 1
    assert run(runner, home, "search", "计量器具", "--json").exit_code == 1
    assert last_json(run(runner, home, "search", "电动自行车", "--json").output)["total"] == 1


def test_show_document_and_clause(runner: CliRunner, tmp_path: Path) -> None:
    run(runner, tmp_path, "ingest", str(SEED))
    hit = last_json(run(runner, tmp_path, "search", "明厨亮灶", "--json").output)["hits"][0]
    clause = last_json(run(runner, tmp_path, "show", f"{hit['doc_id']}/{hit['clause_id']}", "--json").output)
    assert "明厨亮灶" in clause["text"]
    assert run(runner, tmp_path, "show", hit["doc_id"]).exit_code == 0
    missing = run(runner, tmp_path, "show", "no-such-doc")
    assert missing.exit_code == 1
    assert "no document" in missing.output


def test_usage_errors_exit_2(runner: CliRunner, tmp_path: Path) -> None:
    assert run(runner, tmp_path, "ingest").exit_code == 2
    assert run(runner, tmp_path, "search", "质量", "--limit", "0").exit_code == 2


def test_second_writer_gets_index_busy(runner: CliRunner, tmp_path: Path) -> None:
    home = Home.resolve(tmp_path)
    with index_mod.write_lock(home):
        result = run(runner, tmp_path, "ingest", str(SEED))
    assert result.exit_code == 3
    assert "index busy" in result.output


def test_reindex_swaps_a_new_generation_in(runner: CliRunner, tmp_path: Path) -> None:
    run(runner, tmp_path, "ingest", str(SEED))
    home = Home.resolve(tmp_path)
    before = index_mod.live_generation(home)
    assert run(runner, tmp_path, "reindex").exit_code == 0
    assert index_mod.live_generation(home) != before
    assert last_json(run(runner, tmp_path, "search", "明厨亮灶", "--json").output)["total"] == 1


def test_failed_rebuild_leaves_the_old_index_serving(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(runner, tmp_path, "ingest", str(SEED))
    home = Home.resolve(tmp_path)
    before = index_mod.live_generation(home)

    def explode(document, segments=None):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk full")
        yield  # pragma: no cover

    monkeypatch.setattr(index_mod, "index_records", explode)
    with pytest.raises(RuntimeError):
        runner.invoke(main, ["--home", str(tmp_path), "reindex"], catch_exceptions=False)
    monkeypatch.undo()
    assert index_mod.live_generation(home) == before
    assert sorted(p.name for p in home.index.glob("gen-*")) == [before]
    assert last_json(run(runner, tmp_path, "search", "明厨亮灶", "--json").output)["total"] == 1


def test_stats(runner: CliRunner, tmp_path: Path) -> None:
    run(runner, tmp_path, "ingest", str(SEED))
    data = last_json(run(runner, tmp_path, "stats", "--json").output)
    assert data["documents"] == 1 and data["clauses"] > 26
