"""Query parsing is pure: no index needed."""

from __future__ import annotations

import pytest

from stdsearch.errors import BadQuery
from stdsearch.query import parse_query


def test_words_phrases_exclusions_and_filters() -> None:
    parsed = parse_query('质量 "明厨亮灶" -食品 level:法律 status:现行 number:GB/T 19001')
    assert parsed.words == ["质量", "19001"]
    assert parsed.phrases == ["明厨亮灶"]
    assert parsed.excluded == ["食品"]
    assert parsed.filters == {"level": "法律", "status": "现行"}
    assert parsed.number == "GB/T"


def test_what_is_searched_keeps_the_order_typed_without_filters_or_exclusions() -> None:
    parsed = parse_query('title:产品质量法 -食品 "第二十六条" level:法律 第二款 注意:事项 as_of:2020-01-01')
    assert parsed.searched == ["产品质量法", "第二十六条", "第二款", "注意:事项"]


def test_unknown_field_prefix_stays_text() -> None:
    assert parse_query("注意:事项").words == ["注意:事项"]


def test_questions_are_recognised() -> None:
    assert parse_query("老公欠的钱我要还吗").is_question()
    assert not parse_query("产品质量 标准").is_question()


def test_overlong_query_is_rejected() -> None:
    with pytest.raises(BadQuery):
        parse_query("质" * 1001)
