"""HTML pages: JSP regulation pages (articles as clauses) and government pages (meta, main text)."""

from __future__ import annotations

import re

import pytest

from stdsearch.clauses import split
from stdsearch.parse import parse_bytes, parse_file
from stdsearch.records import Clause

from .conftest import require_shared

JSP = ("html", "wkcaeser-video-study-lawPages")
ARTICLE_LINE = re.compile(
    r"^第[零〇一二三四五六七八九十百千]+条(之[一二三四五六七八九十]+)?[ \u3000]", re.M
)


def _articles(clauses: list[Clause]) -> list[Clause]:
    return [c for c in clauses if c.depth == 0 and re.fullmatch(r"a\d+(-\d+)?", c.clause_id)]


def test_food_safety_law_page_matches_its_markdown_twin() -> None:
    page = parse_file(require_shared(*JSP, "lawPage1.jsp"))[0]
    assert page.title == "中华人民共和国食品安全法" and page.kind == "law"
    twin = require_shared("laws", "行政法", "食品安全法(2021-04-29).md")
    expected = len(ARTICLE_LINE.findall(twin.read_text(encoding="utf-8")))
    articles = _articles(split(page))
    assert len(articles) == expected == 154
    assert articles[1].label == "第二条" and "（一）食品生产和加工" in articles[1].text


@pytest.mark.parametrize(
    ("page", "title", "count"),
    [
        ("lawPage4.jsp", "国务院关于加强食品等产品安全监督管理的特别规定", 20),
        ("lawPage9.jsp", "乳品质量安全监督管理条例", 64),
    ],
)
def test_regulation_pages_article_counts(page: str, title: str, count: int) -> None:
    document = parse_file(require_shared(*JSP, page))[0]
    assert document.title == title
    assert len(_articles(split(document))) == count


def test_supervision_law_page_yields_its_69_articles() -> None:
    page = parse_file(require_shared("html-gov", "gne_sxmu_jianchafa-law-text.html"))[0]
    assert (
        page.title == "中华人民共和国监察法" and page.publish_date == "2018-05-17"
    )  # 发布时间 label
    articles = _articles(split(page))
    assert len(articles) == 69 and articles[-1].clause_id == "a69"
    assert articles[0].heading == "第一章 总 则"
    assert "版权所有" not in page.text and "设为首页" not in page.text


def test_gov_cn_page_metadata() -> None:
    page = parse_file(require_shared("html-gov", "gne_govcn_npc-decision.html"))[0]
    assert page.title.startswith("全国人民代表大会常务委员会关于批准财政部发行特别国债")
    assert "国务院公报" not in page.title
    assert page.publish_date == "2007-08-20" and page.issuer == "全国人民代表大会常务委员会"
    assert "听取了财政部部长金人庆" in page.text and page.kind == "policy"


def test_news_page_drops_navigation_and_share_bars() -> None:
    page = parse_file(require_shared("html-gov", "gne_people_declared-gb2312-actually-utf8.html"))[
        0
    ]
    assert page.title == "女儿出嫁，郑板桥画了几笔兰花当嫁妆" and page.kind == "page"
    assert "纸上得来终觉浅" in page.text
    for noise in ("分享", "登录", "热点排行"):
        assert noise not in page.text


@pytest.mark.parametrize(
    "name",
    ["gne_shanxi-gov_news.html", "magichtml_kepu-gov.html", "gne_cmse-gov_press-conference.html"],
)
def test_every_gov_page_has_text_and_clauses(name: str) -> None:
    page = parse_file(require_shared("html-gov", name))[0]
    assert len(page.text) > 500 and split(page)


def test_small_page_with_br_lines() -> None:
    html = "<html><head><title>《某某办法》学习</title></head><body><div>第一条&nbsp;甲。<br>第二条　乙。<br>第三条 丙。</div></body></html>"
    page = parse_bytes(html.encode(), "x.html")[0]
    assert page.title == "某某办法"
    assert [c.clause_id for c in split(page)] == ["a1", "a2", "a3"]


def test_comments_and_scripts_keep_the_text_around_them() -> None:
    html = b"<html><body><p>a<!-- c -->b<script>x()</script>c</p><table><tr><td>x</td><td>y</td></tr></table></body></html>"
    assert parse_bytes(html, "x.html")[0].text == "abc\nx y"


def test_nesting_deeper_than_libxml2_allows_still_yields_text() -> None:
    html = (
        "<html><body>"
        + "<font>" * 3000
        + "第一条 甲。<br>第二条 乙。"
        + "</font>" * 3000
        + "</body></html>"
    )
    page = parse_bytes(html.encode(), "deep.html")[0]
    assert [c.clause_id for c in split(page)] == ["a1", "a2"]
