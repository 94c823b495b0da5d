"""Regression gate: STARD dev relevance must not drop more than 0.01 below tests/eval_floor.json.

Slow (ingests ~1,340 law files into a temporary home, then runs 454 questions): run in CI,
where ../shared/data sits beside the checkout. Floors only go up: raise them in the same
commit as a change that improves a metric.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stdsearch.evaluation import command, harness
from stdsearch.settings import Home

from .conftest import require_shared

FLOOR_FILE = Path(__file__).with_name("eval_floor.json")
#: How far below its floor a metric may fall before the gate fails.
TOLERANCE = 0.01


def floors(column: str = "default") -> dict[str, float]:
    """The pinned metrics of a column of the floor file (keys as in the harness's JSON)."""
    return json.loads(FLOOR_FILE.read_text(encoding="utf-8"))[column]


def below_floors(measured: dict[str, float], column: str = "default") -> dict[str, tuple[float, float]]:
    """(measured, floor) of every metric more than TOLERANCE below its floor."""
    return {
        name: (round(measured[name], 4), floor)
        for name, floor in floors(column).items()
        if measured[name] < floor - TOLERANCE
    }


@pytest.mark.parametrize("column", ["default", "hybrid"])
def test_floor_file_names_the_four_metrics(column: str) -> None:
    assert set(floors(column)) == {"recall@10", "recall@100", "mrr@10", "ndcg@10"}


def run_dev_set(home_dir: Path, modes: list[str], with_semantic: bool = False) -> dict[str, harness.EvalReport]:
    """The STARD dev set through the harness into a fresh home (reports by mode or column)."""
    stard, laws = require_shared("stard"), require_shared("laws")
    return command.run(
        Home.resolve(home_dir),
        laws,
        stard / "corpus.jsonl.gz",
        stard / "queries.dev.tsv",
        stard / "qrels.dev.tsv",
        modes,
        echo=False,
        with_semantic=with_semantic,
    )


@pytest.mark.slow
def test_stard_dev_metrics_stay_above_their_floors(tmp_path: Path) -> None:
    reports = run_dev_set(tmp_path / "home", ["default"])
    dropped = below_floors(reports["default"].metrics)
    assert not dropped, f"metrics fell below their floors (measured, floor): {dropped}"
