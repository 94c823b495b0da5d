"""The worker pool's time limit: for a task as a whole, or, for a task that works through many
inputs and sends a part at least per input (a rebuild's one pass), for each part."""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

import pytest

from stdsearch.workers import Limits, WorkerPool

TASKS = '''
import time


def slow_parts(payload, send):
    """Send ``count`` parts, ``pause`` seconds apart."""
    count, pause = payload
    for number in range(count):
        time.sleep(pause)
        send(number)
'''


@pytest.fixture
def slow_parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """A task function the workers can import (from a module written for the test)."""
    (tmp_path / "slow_tasks.py").write_text(TASKS, encoding="utf-8")
    paths = [str(tmp_path), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(paths))
    monkeypatch.syspath_prepend(str(tmp_path))
    yield importlib.import_module("slow_tasks").slow_parts
    sys.modules.pop("slow_tasks", None)


def test_a_task_timed_per_part_goes_on_while_its_parts_come(slow_parts) -> None:  # type: ignore[no-untyped-def]
    limits = Limits(seconds=2.0)
    with WorkerPool(slow_parts, 1, limits) as pool:
        [outcome] = pool.run([("per part", (10, 0.3))], timed_per_part=lambda task: task == "per part")
    assert not outcome.failed, outcome.error
    assert outcome.parts == list(range(10))


def test_a_task_timed_as_a_whole_is_stopped_at_its_limit(slow_parts) -> None:  # type: ignore[no-untyped-def]
    limits = Limits(seconds=2.0)
    with WorkerPool(slow_parts, 1, limits) as pool:
        [outcome] = pool.run([("whole", (10, 0.3))], timed_per_part=lambda task: task == "per part")
    assert outcome.failed and "took longer than 2 s" in outcome.error
