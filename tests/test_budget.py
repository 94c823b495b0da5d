"""The query cost budget: estimated from the parsed query alone, refused with a reason."""

from __future__ import annotations

import pytest

from stdsearch import budget
from stdsearch.errors import BadQuery
from stdsearch.query import ParsedQuery, parse_query

WORDS = ["法律", "规定", "国家", "管理", "部门", "单位", "人民", "政府", "责任", "应当", "组织", "企业"]


def exclusions(count: int) -> str:
    """A query of ``count`` excluded words."""
    return " ".join(f"-{WORDS[i % len(WORDS)]}" for i in range(count))


def test_estimate_counts_terms_phrases_exclusions_and_the_window() -> None:
    cost = budget.estimate(parse_query('食品安全 "生产经营者应当" -广告 title:食品安全法'), page=3, per_page=20)
    assert cost.exclusions == 1 and not cost.match_all
    assert cost.phrase_words >= 2
    assert cost.terms >= cost.phrase_words + 1 + 1 + 1
    assert cost.window == 60


def test_everyday_queries_are_within_budget() -> None:
    paragraph = "为了保障公民、法人和其他组织的合法权益，维护社会秩序，" * 35
    for text in ("食品安全", "GB/T 19001-2016", '"生产经营者"', "kind:law -食品 -药品", paragraph[:1000]):
        budget.check(budget.estimate(parse_query(text)))
    budget.check(budget.estimate(parse_query("质量"), page=100, per_page=100))


def test_many_exclusions_without_search_words_are_refused_with_a_reason() -> None:
    with pytest.raises(budget.QueryTooCostly, match=r"200 excluded words without any search word"):
        budget.check(budget.estimate(parse_query(exclusions(200))))
    budget.check(budget.estimate(parse_query(exclusions(50))))  # listings exclude as cheaply as searches
    budget.check(budget.estimate(parse_query("食品 " + exclusions(30))))
    with pytest.raises(budget.QueryTooCostly, match=r"51 excluded words without any search word \(at most 50"):
        budget.check(budget.estimate(parse_query(exclusions(51))))
    with pytest.raises(budget.QueryTooCostly, match=r"excluded words \(at most 50\)"):
        budget.check(budget.estimate(parse_query("食品 " + exclusions(60))))


def test_long_phrases_and_deep_pages_are_refused() -> None:
    with pytest.raises(budget.QueryTooCostly, match="quoted phrases"):
        budget.check(budget.estimate(parse_query('"' + "法律规定" * 50 + '"')))
    with pytest.raises(budget.QueryTooCostly, match=r"page × per_page = 100000"):
        budget.check(budget.estimate(parse_query("质量"), page=1000, per_page=100))


def test_too_many_terms_are_refused_and_the_error_is_a_bad_query() -> None:
    many = ParsedQuery(text="…", words=[f"w{i}" for i in range(700)])
    cost = budget.estimate(many, segment=lambda text: [text])
    assert cost.terms == 700
    with pytest.raises(BadQuery, match="700 search terms"):
        budget.check(cost)
    assert budget.over_budget(cost, budget.Budget(max_terms=1000)) == ""


def test_a_query_of_punctuation_counts_as_matching_everything() -> None:
    punctuation = budget.estimate(parse_query("？？？ " + exclusions(60)))
    assert punctuation.match_all and punctuation.exclusions == 60
    with pytest.raises(budget.QueryTooCostly, match="without any search word"):
        budget.check(punctuation)
    assert not budget.estimate(parse_query("number:GB/T 19001 -2008")).match_all


def test_a_query_refused_for_its_exclusions_is_refused_before_segmenting_them() -> None:
    segmented: list[str] = []

    def segment(text: str) -> list[str]:
        segmented.append(text)
        return [text]

    cost = budget.estimate(parse_query("kind:law " + exclusions(200)), segment=segment)
    assert segmented == [] and cost.exclusions == 200
    with pytest.raises(budget.QueryTooCostly, match="200 excluded words without any search word"):
        budget.check(cost)
    within = budget.estimate(parse_query("kind:law " + exclusions(50)), segment=segment)
    assert len(segmented) == 50 and within.terms == 50
