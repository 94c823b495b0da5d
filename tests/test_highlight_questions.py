"""On questions, function characters (不, 给) and question words are not highlighted."""

from __future__ import annotations

from stdsearch.query import parse_query
from stdsearch.search.snippets import highlight, highlight_terms

CLAUSE = "生产者不得生产国家明令淘汰的产品。售出的产品不符合质量要求，给购买产品的消费者造成损失的，销售者应当负责赔偿损失。"


def test_a_question_marks_its_content_words_only() -> None:
    terms = highlight_terms(parse_query("产品质量不合格给消费者造成损失怎么赔偿"))
    assert {"消费者", "损失", "赔偿"} <= set(terms)
    assert not {"不", "给", "怎么"} & set(terms)
    marked = highlight(CLAUSE, "产品质量不合格给消费者造成损失怎么赔偿")
    assert "<mark>不</mark>" not in marked and "<mark>给</mark>" not in marked
    assert "<mark>消费者</mark>" in marked and "<mark>赔偿</mark>" in marked


def test_keywords_and_phrases_are_marked_as_typed() -> None:
    assert "不" in highlight_terms(parse_query("不 合格"))
    assert "<mark>不得</mark>" in highlight(CLAUSE, '"不得" 怎么处罚')
