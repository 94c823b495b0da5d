"""Shared fixtures: where the real data lives, and homes built from it.

Tests that need ../shared/data run in CI (CI=true); elsewhere, when it is absent,
they skip with that reason.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Embedding every ingested clause (when the semantic extra is installed) would make each test
# ingest slow; tests that exercise semantic retrieval switch it on themselves.
os.environ.setdefault("STDSEARCH_SEMANTIC", "off")

PROJECT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("STDSEARCH_SHARED_DATA", PROJECT.parent / "shared" / "data"))
SEED = PROJECT / "corpus" / "samples" / "000_60e92da960188409.txt"


def require_shared(*parts: str) -> Path:
    """The path under ../shared/data, or skip (fail in CI) when it is missing."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{path} is missing: CI must have ../shared/data beside the checkout")
        pytest.skip(f"{path} is absent (../shared/data is only guaranteed in CI)")
    return path


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data, read in place."""
    return require_shared()


@pytest.fixture(scope="session")
def seed_home(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A home with the bundled seed policy ingested and indexed (built once; do not modify)."""
    from stdsearch import pipeline
    from stdsearch.settings import Home

    home = Home.resolve(tmp_path_factory.mktemp("seed-home"))
    report = pipeline.ingest(home, [SEED])
    assert report.failed == 0, report.failures
    return home
