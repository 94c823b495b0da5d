"""Searching standards by number in any written form, and documents by title (real catalogue)."""

from __future__ import annotations

import pytest

from conftest import on_engine, require_shared
from stdsearch import pipeline
from stdsearch.search import SearchRequest, search
from stdsearch.settings import Home


@pytest.fixture(scope="module")
def catalogue_home_built(tmp_path_factory: pytest.TempPathFactory) -> Home:
    catalogue = require_shared("standards", "smart-construction-ai_standards_database.json")
    law = require_shared("laws", "经济法", "产品质量法(2018-12-29).md")
    home = Home.resolve(tmp_path_factory.mktemp("catalogue"))
    report = pipeline.ingest(home, [catalogue, law])
    assert report.failed == 0, report.failures
    return home


@pytest.fixture
def catalogue_home(catalogue_home_built: Home, search_engine: str) -> Home:
    """The home, searched through each engine in turn."""
    return on_engine(catalogue_home_built, search_engine)


@pytest.mark.parametrize(
    "query",
    ["GB 50300-2013", "gb50300-2013", "GB50300—2013", "ＧＢ　５０３００－２０１３", "GB 50300", "50300", "number:GB 50300"],
)
def test_every_written_form_finds_the_standard(catalogue_home: Home, query: str) -> None:
    results = search(catalogue_home, SearchRequest(q=query))
    assert results.total >= 1
    assert results.hits[0].number == "GB 50300-2013"
    assert results.hits[0].status == "现行"


def test_a_number_typed_almost_right_gets_did_you_mean(catalogue_home: Home) -> None:
    results = search(catalogue_home, SearchRequest(q="GB 50301-2013"))
    assert results.total == 0
    assert any(s.startswith("GB 50300") for s in results.suggestions)


def test_gb_and_gb_t_numbers_do_not_collide(catalogue_home: Home) -> None:
    results = search(catalogue_home, SearchRequest(q="GB/T 50300-2013"))
    assert all(h.number != "GB 50300-2013" for h in results.hits)


def test_a_law_title_lands_on_the_law_itself(catalogue_home: Home) -> None:
    hit = search(catalogue_home, SearchRequest(q="产品质量法")).hits[0]
    assert hit.title == "中华人民共和国产品质量法"
    assert hit.clause_id == "a1"
