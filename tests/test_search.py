"""Search over the seed policy: clause-level hits, phrases, filters, snippets, facets."""

from __future__ import annotations

import pytest

from stdsearch.errors import BadQuery
from stdsearch.search import SearchRequest, search
from stdsearch.search.snippets import highlight, snippet


def top(home, q: str, **options):  # type: ignore[no-untyped-def]
    results = search(home, SearchRequest(q=q, **options))
    assert results.total > 0, f"nothing found for {q!r}"
    return results.hits[0]


def test_prize_rules_land_on_item_22(search_home) -> None:  # type: ignore[no-untyped-def]
    hit = top(search_home, "质量奖评定管理办法")
    assert hit.label == "22."
    assert "修订市质量奖评定管理办法" in hit.text
    assert hit.url == f"/doc/{hit.doc_id}/{hit.clause_id}"


def test_open_kitchen_lands_on_item_2(search_home) -> None:  # type: ignore[no-untyped-def]
    hit = top(search_home, "明厨亮灶")
    assert hit.label == "2."
    assert "<mark>明厨亮灶</mark>" in hit.snippet


def test_search_mode_subwords_are_findable(search_home) -> None:  # type: ignore[no-untyped-def]
    results = search(search_home, SearchRequest(q="质量", per_page=100))
    texts = [h.text for h in results.hits]
    assert any("质量强市" in t for t in texts)


def test_letter_digit_terms_are_findable(search_home) -> None:  # type: ignore[no-untyped-def]
    assert "5G" in top(search_home, "5G").text
    assert "BIM" in top(search_home, "bim").text


def test_phrase_query_needs_the_words_together(search_home) -> None:  # type: ignore[no-untyped-def]
    phrase = search(search_home, SearchRequest(q='"质量强市建设"', per_page=100))
    words = search(search_home, SearchRequest(q="质量强市 建设", per_page=100))
    assert phrase.total > 0
    assert all("质量强市建设" in h.text for h in phrase.hits)
    assert words.total >= phrase.total


def test_excluded_word_removes_clauses(search_home) -> None:  # type: ignore[no-untyped-def]
    with_food = search(search_home, SearchRequest(q="质量 安全", per_page=100))
    without = search(search_home, SearchRequest(q="质量 安全 -食品", per_page=100))
    assert without.total < with_food.total
    assert all("食品" not in h.text for h in without.hits)


def test_facets_count_and_filters_apply(search_home) -> None:  # type: ignore[no-untyped-def]
    results = search(search_home, SearchRequest(q="质量"))
    assert results.facets["kind"] == {"policy": results.total}
    assert search(search_home, SearchRequest(q="质量", kind="law")).total == 0


def test_pages_do_not_overlap(search_home) -> None:  # type: ignore[no-untyped-def]
    first = search(search_home, SearchRequest(q="质量", per_page=5, page=1))
    second = search(search_home, SearchRequest(q="质量", per_page=5, page=2))
    assert {h.clause_id for h in first.hits}.isdisjoint({h.clause_id for h in second.hits})
    assert first.total == second.total


def test_nothing_found_suggests_the_words_that_exist(search_home) -> None:  # type: ignore[no-untyped-def]
    results = search(search_home, SearchRequest(q='"质量奖 火星探测器"'))
    assert results.total == 0


@pytest.mark.parametrize("bad", [{"sort": "random"}, {"page": 0}, {"per_page": 1000}])
def test_bad_parameters_are_rejected(search_home, bad) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(BadQuery):
        search(search_home, SearchRequest(q="质量", **bad))


def test_snippets_escape_html_and_mark_terms() -> None:
    text = "<script>alert(1)</script> 产品质量监督"
    marked = snippet(text, ["质量"])
    assert "<script>" not in marked
    assert "&lt;script&gt;" in marked
    assert "<mark>质量</mark>" in marked


def test_highlight_marks_every_occurrence() -> None:
    assert highlight("质量第一，质量为本", "质量").count("<mark>") == 2


def test_single_characters_and_unseen_words_are_findable(search_home) -> None:  # type: ignore[no-untyped-def]
    assert "灶" in top(search_home, "灶").text
    assert "亮灶" in top(search_home, "亮灶").text


@pytest.mark.parametrize("written", ["厦门", "厦门市"])
def test_region_filter_finds_a_city_policy_as_its_facet_counts_it(search_home, written: str) -> None:  # type: ignore[no-untyped-def]
    """The seed policy is Xiamen's: the region facet offers 厦门, and filtering by it (as a city,
    like DB3502 standards) finds exactly the clauses it counted."""
    counted = search(search_home, SearchRequest(q="食品")).facets["region"].get("厦门", 0)
    assert counted > 0
    filtered = search(search_home, SearchRequest(q="食品", region=written))
    assert filtered.total == counted
    assert search(search_home, SearchRequest(q=f"食品 region:{written}")).total == counted
    assert search(search_home, SearchRequest(q="食品", region="北京")).total == 0
