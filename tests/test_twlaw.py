"""Taiwan laws: every law and article of the MOJ dump, with 章/節 headings and 項/款/目 clauses."""

from __future__ import annotations

import gzip
import json
from collections import Counter

import pytest

from conftest import require_shared
from stdsearch.errors import ParseError
from stdsearch.parse.catalogue import parse_catalogue
from stdsearch.parse.twlaw import (
    article_id_and_label,
    law_document,
    looks_like_twlaw,
    parse_twlaw,
)

KEYWORD = ("tw-laws", "laws_keyword.jsonl.gz")
SAMPLE = ("tw-laws", "laws_sample.jsonl.gz")


@pytest.fixture(scope="module")
def keyword_laws():
    path = require_shared(*KEYWORD)
    return parse_twlaw(path.read_bytes(), str(path))


@pytest.fixture(scope="module")
def two_laws():
    """商標法 and 標準法 only (fast: the other lines are not decoded)."""
    path = require_shared(*KEYWORD)
    wanted = ('"name":"商標法"', '"name":"標準法"')
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        chosen = [line for line in lines if any(w in line for w in wanted)]
    return [law_document(json.loads(line), str(path)) for line in chosen]


def by_title(documents, title: str):
    return next(d for d in documents if d.title == title)


@pytest.mark.slow
def test_every_law_and_article_of_the_keyword_file(keyword_laws) -> None:
    assert len(keyword_laws) == 2132
    articles = [
        c for d in keyword_laws for c in d.clauses if c.searchable and c.clause_id[0] == "a"
    ]
    assert len(articles) == 31426
    assert Counter(d.status for d in keyword_laws) == {"现行": 1620, "废止": 512}
    assert len({d.doc_id for d in keyword_laws}) == 2132


@pytest.mark.slow
def test_every_law_and_article_of_the_sample_file() -> None:
    path = require_shared(*SAMPLE)
    documents = parse_twlaw(path.read_bytes(), str(path))
    assert len(documents) == 3420
    articles = [c for d in documents for c in d.clauses if c.searchable and c.clause_id[0] == "a"]
    assert len(articles) == 67547


def test_law_metadata(two_laws) -> None:
    law = by_title(two_laws, "商標法")
    assert law.doc_id == "tw-j0070001" and law.kind == "law"
    assert (law.level, law.region, law.status) == ("台湾地区法规", "台湾", "现行")
    assert law.publish_date == "2023-05-24"
    assert law.source_url == "https://law.moj.gov.tw/LawClass/LawAll.aspx?pcode=J0070001"
    assert law.extra["pcode"] == "J0070001" and law.extra["law_level"] == "法律"
    assert len(law.history) >= 10 and "公布" in law.history[0]


def test_articles_keep_the_traditional_text_and_their_chapter(two_laws) -> None:
    law = by_title(two_laws, "商標法")
    first = law.clause("a1")
    assert first.label == "第 1 條" and first.heading == "第一章 總則"
    assert first.text.startswith("為保障商標權")
    assert "第 1 條 為保障商標權" in law.text


def test_paragraphs_items_and_sub_items(two_laws) -> None:
    law = by_title(two_laws, "商標法")
    assert law.clause("a3.p2").text == "商標業務，由經濟部指定專責機關辦理。"
    assert law.clause("a3.p2").searchable is False and law.clause("a3.p2").parent_id == "a3"
    item = law.clause("a5.p1.i2")
    assert item.text.startswith("二、持有") and item.label == "第二款"
    standards_act = by_title(two_laws, "標準法")
    assert standards_act.clause("a3.p1.i4").text.startswith("四、團體標準")


def test_sub_items_and_tables() -> None:
    record = {
        "pcode": "X0000001",
        "name": "測試法",
        "LawModifiedDate": "20240101",
        "LawEffectiveDate": "99991231",
        "discarded": True,
        "divisions": [{"type": "章", "number": 100, "title": "總則", "start": 100, "end": 1501}],
        "articles": [
            {
                "number": 1501,
                "content": [
                    {"text": "前言：", "children": [
                        {"text": "一、甲：", "children": [{"text": "（一）子目。"}, {"text": "（二）丑目。"}]},
                        {"text": "二、乙。"},
                    ]},
                    {"table": "表頭\r\n┌─┐\r\n│甲│"},
                ],
            }
        ],
    }  # fmt: skip
    law = law_document(record, "x.jsonl")
    assert law.status == "废止" and law.effective_date == ""
    ids = [c.clause_id for c in law.clauses]
    assert ids == ["a15-1", "a15-1.p1", "a15-1.p1.i1", "a15-1.p1.i1.s1", "a15-1.p1.i1.s2",
                   "a15-1.p1.i2", "a15-1.p2"]  # fmt: skip
    assert law.clause("a15-1").label == "第 15-1 條"
    assert law.clause("a15-1.p1.i1.s2").text == "（二）丑目。"
    assert law.clause("a15-1.p2").text == "表頭\n┌─┐\n│甲│"
    assert law.clause("a15-1.p1.i1.s1").heading == "第一章 總則 > 第 15-1 條 > 第一項 > 第一款"


@pytest.mark.parametrize(
    ("number", "expected"), [(100, ("a1", "第 1 條")), (1501, ("a15-1", "第 15-1 條"))]
)
def test_article_numbers(number: int, expected: tuple[str, str]) -> None:
    assert article_id_and_label(number) == expected


def test_plain_json_lines_of_laws_go_through_the_catalogue_suffix() -> None:
    path = require_shared(*KEYWORD)
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        head = "".join(next(lines) for _ in range(3))
    documents = parse_catalogue(head.encode("utf-8"), "laws.jsonl")
    assert [d.doc_id.startswith("tw-") for d in documents] == [True] * 3
    assert looks_like_twlaw(path.read_bytes()) and looks_like_twlaw(head.encode())


def test_other_json_lines_are_refused() -> None:
    with pytest.raises(ParseError, match="not Taiwan laws"):
        parse_twlaw(json.dumps({"a": 1}).encode(), "x.jsonl")
    assert not looks_like_twlaw(b"hello")
