"""The whole standards-catalogues folder, ingested as it is (slow: ~56,000 records)."""

from __future__ import annotations

import pytest

from conftest import require_shared
from stdsearch import pipeline
from stdsearch.search import SearchRequest, search
from stdsearch.settings import Home
from stdsearch.store import Store


@pytest.mark.slow
def test_every_catalogue_in_the_folder_loads_as_one_document_per_standard(tmp_path) -> None:
    folder = require_shared("standards-catalogues")
    home = Home.resolve(tmp_path / "home")
    report = pipeline.ingest(home, [folder])
    assert report.failed == 0, report.failures
    skipped = sorted(f.path.rsplit("/", 1)[-1] for f in report.skipped)
    assert skipped == ["ics_ed6.jsonl", "ics_ed7.jsonl", "meta.json", "prefixes.json", "stats.json",
                       "vv_category_mapping.json"]  # fmt: skip
    store = Store(home)
    manifest = store.manifest()
    assert len(manifest) > 50_000
    merged = [i for i, e in manifest.items() if len(e.get("sources") or {}) > 1]
    assert len(merged) > 1000  # standards listed by two or more catalogues are one document each
    assert len(store.get("db11-t-2182-2023").extra["sources"]) == 2  # sports list + big catalogue
    regulation = [i for i, e in manifest.items() if "regulations-fulltext" in (e.get("source") or "")]
    assert len(regulation) == 25
    hit = search(home, SearchRequest(q="GB/T 19001-2008")).hits[0]
    assert hit.current_edition == "GB/T 19001-2016"
    assert search(home, SearchRequest(q="", region="厦门", per_page=5)).total >= 1
