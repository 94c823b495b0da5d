"""Cite and land across many real laws: 200 sampled (law, article) pairs in varied forms.

Laws are sampled (deterministically) from every folder of ../shared/data/laws; each sampled
article or 款 is written one of several usual ways (:mod:`stdsearch.evaluation.cite`). The cited
clause must come first every time, and a search must take well under 100 ms.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from stdsearch import pipeline
from stdsearch.evaluation.cite import evaluate, sample_cases
from stdsearch.settings import Home

from .conftest import require_shared

LAW_FILES = 120
PAIRS = 200


def sample_files(root: Path, count: int, seed: int = 14) -> list[Path]:
    """``count`` law files from all folders (not cases, stubs or the template)."""
    files = sorted(
        p for p in root.rglob("*.md")
        if "案例" not in p.parts and p.name != "_index.md" and "模版" not in p.name
    )
    return random.Random(seed).sample(files, count)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Home:
    """A home of 120 laws sampled from all folders."""
    files = sample_files(require_shared("laws"), LAW_FILES)
    home = Home.resolve(tmp_path_factory.mktemp("cite-many"))
    report = pipeline.ingest(home, files)
    assert report.failed == 0, report.failures
    return home


@pytest.mark.slow
def test_two_hundred_citations_land_first_and_fast(home: Home) -> None:
    cases = sample_cases(home, PAIRS)
    assert len(cases) == PAIRS and len({c.doc_id for c in cases}) >= 50
    assert any(".p" in c.clause_id for c in cases) and any("《" in c.query for c in cases)
    report = evaluate(home, cases)
    print(f"cite-and-land: {report.summary()}")
    assert report.misses == []
    assert report.p95_ms < 100
