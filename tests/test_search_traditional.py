"""Cross-strait search: Taiwan laws in traditional Chinese are found by simplified queries
and the other way round; users see the original text."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from conftest import SEED, on_engine, require_shared
from stdsearch import pipeline
from stdsearch.search import SearchRequest, search
from stdsearch.settings import Home

WANTED = {"標準法", "商品檢驗法", "資通安全管理法"}


@pytest.fixture(scope="module")
def cross_strait_home_built(tmp_path_factory: pytest.TempPathFactory) -> Home:
    source = require_shared("tw-laws", "laws_keyword.jsonl.gz")
    folder = tmp_path_factory.mktemp("tw")
    sample = folder / "tw-sample.jsonl"
    with gzip.open(source, "rt", encoding="utf-8") as lines:
        picked = [line for line in lines if json.loads(line)["name"] in WANTED]
    sample.write_text("".join(picked), encoding="utf-8")
    home = Home.resolve(folder / "home")
    report = pipeline.ingest(home, [sample, SEED])
    assert report.failed == 0, report.failures
    return home


@pytest.fixture
def cross_strait_home(cross_strait_home_built: Home, search_engine: str) -> Home:
    """The home, searched through each engine in turn."""
    return on_engine(cross_strait_home_built, search_engine)


@pytest.mark.parametrize(
    ("query", "title"),
    [("标准法", "標準法"), ("商品检验", "商品檢驗法"), ("信息种类", "資通安全管理法")],
)
def test_simplified_queries_find_traditional_texts(cross_strait_home: Home, query: str, title: str) -> None:
    results = search(cross_strait_home, SearchRequest(q=query, level="台湾地区法规"))
    assert results.total > 0
    assert results.hits[0].title == title
    assert "<mark>" in results.hits[0].snippet


def test_traditional_queries_find_simplified_texts(cross_strait_home: Home) -> None:
    hit = search(cross_strait_home, SearchRequest(q="質量獎評定管理辦法")).hits[0]
    assert "质量奖评定管理办法" in hit.text


def test_taiwan_laws_have_their_level_and_articles(cross_strait_home: Home) -> None:
    results = search(cross_strait_home, SearchRequest(q="標準", level="台湾地区法规", per_page=50))
    assert results.facets["level"] == {"台湾地区法规": results.total}
    assert all(h.clause_id.startswith("a") for h in results.hits)


def test_the_original_text_is_what_users_see(cross_strait_home: Home, tmp_path: Path) -> None:
    hit = search(cross_strait_home, SearchRequest(q="商品检验", level="台湾地区法规")).hits[0]
    assert "檢驗" in hit.text
