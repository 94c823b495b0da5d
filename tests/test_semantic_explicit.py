"""Semantic made explicit: `--semantic on` without vectors says which command fixes it;
embedding progress (count, rate, time left) on a terminal, nothing with --json."""

from __future__ import annotations

import io
import sys
import time

import pytest
from click.testing import CliRunner

from stdsearch.cli import main
from stdsearch.semantic import build, config


def test_semantic_on_without_vectors_is_an_error_naming_the_fix(seed_home) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(main, ["--home", str(seed_home.root), "search", "明厨亮灶", "--semantic", "on"])
    assert result.exit_code == 1
    assert "no clause vectors" in result.output and "`stdsearch embed`" in result.output
    lexical = CliRunner().invoke(main, ["--home", str(seed_home.root), "search", "明厨亮灶", "--semantic", "off"])
    assert lexical.exit_code == 0


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def screen(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """A terminal to stand for stderr (set in the test body: pytest's capture replaces
    sys.stderr between a fixture's setup and the test)."""
    config.reset()  # a CLI run with --json earlier in this process left the config quiet
    yield lambda: (monkeypatch.setattr(sys, "stderr", terminal := Terminal()), terminal)[1]
    config.reset()


def test_the_api_answers_409_naming_the_fix(seed_home) -> None:  # type: ignore[no-untyped-def]
    from stdsearch.web import create_app

    client = create_app({"HOME": seed_home, "TESTING": True}).test_client()
    response = client.get("/api/search", query_string={"q": "明厨亮灶", "semantic": "on"})
    assert response.status_code == 409
    message = response.get_json()["error"]["message"]
    assert "stdsearch embed" in message and str(seed_home.root) not in message


def test_embedding_progress_shows_count_rate_and_time_left_on_a_terminal(screen) -> None:  # type: ignore[no-untyped-def]
    terminal = screen()
    with build.terminal_progress(None, "embedding clauses") as advance:
        assert advance is not None
        for done in (100, 200, 300):
            time.sleep(0.15)  # tqdm redraws at most every 0.1 s
            advance(done, 1000)
    shown = terminal.getvalue()
    assert "300/1000" in shown and "clauses/s" in shown and "<" in shown  # elapsed<left


def test_no_progress_when_quiet_or_not_a_terminal(screen, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    terminal = screen()
    config.configure(quiet=True)
    with build.terminal_progress(None, "embedding clauses") as advance:
        assert advance is None
    config.reset()
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    with build.terminal_progress(None, "embedding clauses") as advance:
        assert advance is None
    assert terminal.getvalue() == ""


def test_temporary_mode_restores_the_previous_setting() -> None:
    config.configure(mode="auto")
    with config.temporary_mode("off"):
        assert config.mode() == "off"
    assert config.mode() == "auto"
    config.reset()
