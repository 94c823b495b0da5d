"""Searching standards by number in any written form, and documents by title (real catalogue)."""

from __future__ import annotations

import pytest

from conftest import on_engine, require_shared
from stdsearch import pipeline
from stdsearch.numbers import parse_number
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


def test_a_document_number_query_answers_with_that_document_first(catalogue_home: Home) -> None:
    for typed in ("建质〔2009〕87号", "建质[2009]87 号"):
        results = search(catalogue_home, SearchRequest(q=typed))
        assert results.hits[0].number == "建质〔2009〕87 号", typed


def test_a_well_formed_number_not_in_the_corpus_says_so(catalogue_home: Home) -> None:
    results = search(catalogue_home, SearchRequest(q="GB/T 99999-2019"))
    assert results.total == 0 and results.notice == "GB/T 99999-2019 不在语料库中"
    assert all(parse_number(s) for s in results.suggestions)  # close numbers only, never "gb t 2019"


def test_another_edition_answers_a_missing_one(catalogue_home: Home) -> None:
    results = search(catalogue_home, SearchRequest(q="GB 50300-2001"))
    assert results.total and results.hits[0].number == "GB 50300-2013"
    assert "GB 50300-2001 不在语料库中" in results.notice
