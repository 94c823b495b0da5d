"""A CLI scripts can rely on: negative words without `--`, empty queries, readable JSON,
clear messages on a missing or empty home, fast start-up, wall-clock seconds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from conftest import SEED
from stdsearch.cli import main

HEAVY_MODULES = ("whoosh", "jieba", "numpy", "requests", "flask", "bs4", "stdsearch.search", "stdsearch.pipeline")


def run(home: Path, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, ["--home", str(home), *args], catch_exceptions=False)


def test_a_negative_word_needs_no_double_dash(seed_home) -> None:  # type: ignore[no-untyped-def]
    everything = json.loads(run(seed_home.root, "search", "质量", "--json", "--limit", "100").output)
    without = run(seed_home.root, "search", "质量", "-食品", "--json", "--limit", "100")
    assert without.exit_code == 0, without.output
    kept = json.loads(without.output)
    assert 0 < kept["total"] < everything["total"]
    assert all("食品" not in hit["text"] for hit in kept["hits"])


def test_an_empty_query_is_a_usage_error(seed_home) -> None:  # type: ignore[no-untyped-def]
    for query in ("", "   "):
        result = CliRunner().invoke(main, ["--home", str(seed_home.root), "search", query])
        assert result.exit_code == 2
        assert "empty query" in result.output


def test_json_is_readable_utf8_whatever_the_locale(seed_home) -> None:  # type: ignore[no-untyped-def]
    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "PYTHONIOENCODING": "ascii"}
    done = subprocess.run(
        [sys.executable, "-m", "stdsearch.cli", "--home", str(seed_home.root), "search", "明厨亮灶", "--json"],
        capture_output=True, env=env, timeout=120,
    )
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    text = done.stdout.decode("utf-8")
    assert "明厨亮灶" in text and "\\u" not in text
    assert json.loads(text)["total"] > 0


def test_read_commands_on_a_missing_home_say_so_and_create_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    commands = (["search", "质量"], ["stats"], ["show", "policy-0000000000"], ["remove", "x"], ["reindex"],
                ["changes"], ["apply", "电梯"], ["lint", "x"])
    for command in commands:
        result = CliRunner().invoke(main, ["--home", str(missing), *command])
        assert result.exit_code == 2, (command, result.output)
        assert f"no stdsearch home at {missing}" in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not missing.exists()


def test_read_commands_on_an_empty_home_say_so_and_create_nothing(tmp_path: Path) -> None:
    for command in (["search", "质量"], ["stats"], ["show", "policy-0000000000"], ["changes"], ["apply", "电梯"]):
        result = CliRunner().invoke(main, ["--home", str(tmp_path), *command])
        assert result.exit_code == 1, (command, result.output)
        assert "holds no documents yet" in result.output and "stdsearch" in result.output
    assert list(tmp_path.iterdir()) == []


def test_help_imports_nothing_heavy_and_lists_every_command() -> None:
    probe = (
        "import sys\nfrom stdsearch.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        f"print([m for m in {HEAVY_MODULES!r} if m in sys.modules])\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    heavy = done.stdout.strip().splitlines()[-1]
    assert heavy == "[]", f"--help imported {heavy}"
    for command in ("crawl", "embed", "eval", "ingest", "remove", "search", "show", "stats", "reindex", "serve"):
        assert f"\n  {command} " in done.stdout


def test_lazy_commands_still_run() -> None:
    result = CliRunner().invoke(main, ["crawl", "--help"])
    assert result.exit_code == 0 and "--max-pages" in result.output


def test_ingest_seconds_is_the_wall_time(tmp_path: Path) -> None:
    started = time.perf_counter()
    result = run(tmp_path, "ingest", "--json", str(SEED))
    wall = time.perf_counter() - started
    seconds = json.loads(result.output)["seconds"]
    assert 0.5 * wall <= seconds <= wall


def test_ingest_and_reindex_draw_a_bar_with_total_rate_and_eta(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import io

    from tqdm import tqdm

    from stdsearch import cli

    screen = io.StringIO()
    monkeypatch.setattr(cli, "_progress_bar", lambda enabled, *_: tqdm(file=screen, unit=" files") if enabled else None)
    assert run(tmp_path, "ingest", str(SEED)).exit_code == 0
    assert "1/1" in screen.getvalue() and "files/s" in screen.getvalue()
    assert run(tmp_path, "reindex").exit_code == 0
    assert run(tmp_path, "ingest", "--json", str(SEED)).exit_code == 0
