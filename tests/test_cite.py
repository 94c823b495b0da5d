"""Cite and land: a query citing a clause gets that clause first (search, API, CLI).

The home holds real laws (产品质量法, 食品安全法, two parts of the 民法典, a local regulation)
and the draft GB standard from ../shared/data, given a number on its cover.
"""

from __future__ import annotations

import json
import re
import shutil

import pytest
from click.testing import CliRunner

from stdsearch import pipeline
from stdsearch.cite import CitedClause, parse_citation
from stdsearch.cli import main
from stdsearch.search import SearchRequest, search
from stdsearch.search import request as request_module
from stdsearch.settings import Home
from stdsearch.web import create_app

from .conftest import require_shared

LAWS = [
    ("经济法", "产品质量法(2018-12-29).md"),
    ("行政法", "食品安全法(2021-04-29).md"),
    ("民法典", "侵权责任编.md"),
    ("民法典", "总则.md"),
]
STANDARD_NUMBER = "GB 44495—2025"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("产品质量法第二十六条", CitedClause(title="产品质量法", article=26)),
        ("食品安全法第148条", CitedClause(title="食品安全法", article=148)),
        ("《中华人民共和国食品安全法》第一百四十八条", CitedClause(title="中华人民共和国食品安全法", article=148)),
        ("title:产品质量法 第二十六条", CitedClause(title="产品质量法", article=26)),
        ("产品质量法 26条", CitedClause(title="产品质量法", article=26)),
        ("产品质量法第２６条", CitedClause(title="产品质量法", article=26)),
        ("产品质量法第二十六条第二款第三项", CitedClause(title="产品质量法", article=26, paragraph=2, item=3)),
        ("产品质量法第26条第2款第（3）项", CitedClause(title="产品质量法", article=26, paragraph=2, item=3)),
        ("刑法第一百二十条之一第二款", CitedClause(title="刑法", article=120, sub=1, paragraph=2)),
        ("民法典 第1165条的规定", CitedClause(title="民法典", article=1165)),
        ("依照《食品安全法》第148条第二款的规定", CitedClause(title="食品安全法", article=148, paragraph=2)),
        ("GB 50016-2014 5.1.2", CitedClause(number="GB 50016-2014", clause="5.1.2")),
        ("GB 50016 第5.1.2条", CitedClause(number="GB 50016", clause="5.1.2")),
        ("GB50016—2014附录A", CitedClause(number="GB 50016-2014", clause="A")),
        ("《建筑设计防火规范》5.1.2", CitedClause(title="建筑设计防火规范", clause="5.1.2")),
        ("食品安全法148", CitedClause(title="食品安全法", article=148, clause="148")),
        ("民法典 1165", CitedClause(title="民法典", article=1165, clause="1165")),
        ("产品质量法第四十九条、第五十条", CitedClause(title="产品质量法", article=49, more_articles=(50,))),
        ("根据《中华人民共和国产品质量法》（2018年修正）第二十六条", CitedClause(title="中华人民共和国产品质量法", article=26)),
        ("产品质量法(2018修正)第26条之规定", CitedClause(title="产品质量法", article=26)),
        ("GB 50016-2014（2018年版）第5.1.2条", CitedClause(number="GB 50016-2014", clause="5.1.2")),
        ("《建筑设计防火规范》GB 50016-2014 第5.1.2条", CitedClause(number="GB 50016-2014", clause="5.1.2")),
        ("建筑设计防火规范（GB 50016）5.1.2", CitedClause(number="GB 50016", clause="5.1.2")),
        ("产品质量法第49、50条", CitedClause(title="产品质量法", article=49, more_articles=(50,))),
        ("《产品质量法》第四十九条至第五十一条的规定", CitedClause(title="产品质量法", article=49, more_articles=(50, 51))),
        ("产品质量法第四十九条和第五十一条", CitedClause(title="产品质量法", article=49, more_articles=(51,))),
        ("产品质量法第四十九条第二款、第五十条", CitedClause(title="产品质量法", article=49, paragraph=2)),
        ("食品安全法第三十四条第（一）项、第三十五条", CitedClause(title="食品安全法", article=34, item=1)),
    ],
)
def test_citations_are_parsed(query: str, expected: CitedClause) -> None:
    assert parse_citation(query) == expected


@pytest.mark.parametrize("query", ["第二十六条", "产品质量", "GB 50016-2014", "生产者的产品质量责任", "", "26条"])
def test_other_queries_are_not_citations(query: str) -> None:
    assert parse_citation(query) is None


def test_clause_ids_go_from_the_named_part_to_the_article() -> None:
    assert CitedClause(title="x", article=26, paragraph=2, item=3).law_clause_ids() == ["a26.p2.i3", "a26.p2", "a26"]
    assert CitedClause(title="x", article=26, item=3).law_clause_ids() == ["a26.p1.i3", "a26"]
    assert CitedClause(title="x", article=10, sub=1).law_clause_ids() == ["a10-1"]
    assert CitedClause(number="GB 1", clause="B.2.2").standard_clause_ids() == ["B.2.2", "B.2", "B"]


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Home:
    """Four real laws, and the draft standard with a number on its cover."""
    laws = [require_shared("laws", folder, name) for folder, name in LAWS]
    draft = require_shared("standards-fulltext", "gb-icv-combined-driver-assistance-draft")
    standard = tmp_path_factory.mktemp("standard") / "gb44495"
    shutil.copytree(draft, standard)
    readme = standard / "README.md"
    cover = readme.read_text(encoding="utf-8")
    readme.write_text(cover.replace("</strong></p>", f"</strong></p>\n<p>{STANDARD_NUMBER}</p>", 1), encoding="utf-8")
    home = Home.resolve(tmp_path_factory.mktemp("cite-home"))
    report = pipeline.ingest(home, [*laws, standard])
    assert report.failed == 0, report.failures
    return home


def first(home: Home, query: str, **options: object) -> tuple[str, str]:
    """(title, clause_id) of the first hit."""
    hit = search(home, SearchRequest(q=query, **options)).hits[0]  # type: ignore[arg-type]
    return hit.title, hit.clause_id


@pytest.mark.parametrize(
    ("query", "title", "clause_id"),
    [
        ("产品质量法第二十六条", "中华人民共和国产品质量法", "a26"),
        ("食品安全法第148条", "中华人民共和国食品安全法", "a148"),
        ("《中华人民共和国食品安全法》第一百四十八条", "中华人民共和国食品安全法", "a148"),
        ("title:产品质量法 第二十六条", "中华人民共和国产品质量法", "a26"),
        ("产品质量法 26条", "中华人民共和国产品质量法", "a26"),
        ("产品质量法第二十六条第二款", "中华人民共和国产品质量法", "a26.p2"),
        ("产品质量法第二十六条第二款第三项", "中华人民共和国产品质量法", "a26.p2.i3"),
        ("民法典第一千一百六十五条", "中华人民共和国民法典 侵权责任编", "a1165"),
        ("民法典第3条", "中华人民共和国民法典 总则", "a3"),
        ("根据产品质量法第二十六条", "中华人民共和国产品质量法", "a26"),
        ("依照《食品安全法》第一百四十八条第二款的规定", "中华人民共和国食品安全法", "a148.p2"),
        ("產品質量法第26條", "中华人民共和国产品质量法", "a26"),
        ("产品质量法第２６条", "中华人民共和国产品质量法", "a26"),
        ("食品安全法148", "中华人民共和国食品安全法", "a148"),
        ("民法典 1165", "中华人民共和国民法典 侵权责任编", "a1165"),
        ("GB 44495-2025 4", "智能网联汽车 组合驾驶辅助系统安全要求", "4"),
        ("GB 44495-2025 4.1.1", "智能网联汽车 组合驾驶辅助系统安全要求", "4.1.1"),
        ("GB 44495 第4.1.1条", "智能网联汽车 组合驾驶辅助系统安全要求", "4.1.1"),
        ("GB44495—2025 附录B", "智能网联汽车 组合驾驶辅助系统安全要求", "B"),
        ("GB 44495-2025 B.2.2.1", "智能网联汽车 组合驾驶辅助系统安全要求", "B.2.2.1"),
        ("《智能网联汽车 组合驾驶辅助系统安全要求》4.1.1", "智能网联汽车 组合驾驶辅助系统安全要求", "4.1.1"),
        ("《智能网联汽车 组合驾驶辅助系统安全要求》GB 44495—2025 第4.1.1条", "智能网联汽车 组合驾驶辅助系统安全要求", "4.1.1"),
        ("根据《中华人民共和国产品质量法》（2018年修正）第二十六条之规定", "中华人民共和国产品质量法", "a26"),
        ("食安法第一百四十八条", "中华人民共和国食品安全法", "a148"),
        ("依据《食安法》第148条第二款的规定", "中华人民共和国食品安全法", "a148.p2"),
    ],
)
def test_the_cited_clause_comes_first(home: Home, query: str, title: str, clause_id: str) -> None:
    assert first(home, query) == (title, clause_id)


def test_a_law_named_by_its_short_name_answers_with_that_law(home: Home) -> None:
    hits = search(home, SearchRequest(q="食安法")).hits
    assert hits and {hit.title for hit in hits} == {"中华人民共和国食品安全法"}
    elsewhere = search(home, SearchRequest(q="消法第二十四条")).hits  # 消费者权益保护法 is not in this home
    assert not elsewhere or elsewhere[0].clause_id != "a24", "a short name of a law not held lands on no other law"


def test_a_missing_article_is_not_invented(home: Home) -> None:
    results = search(home, SearchRequest(q="产品质量法第九百条"))
    assert all(hit.clause_id != "a900" for hit in results.hits)
    assert all("citation" not in hit.matched_by for hit in results.hits)


def three_pages(home: Home, query: str, per_page: int) -> tuple[list, list[tuple[str, str]]]:  # type: ignore[type-arg]
    """Pages 1–3 of a search, and the (doc id, clause id) of their hits, checked to add up to
    one page of them all: the same total on every page, no hit twice, the same order."""
    pages = [search(home, SearchRequest(q=query, page=p, per_page=per_page)) for p in (1, 2, 3)]
    assert {p.total for p in pages} == {pages[0].total}
    seen = [(h.doc_id, h.clause_id) for p in pages for h in p.hits]
    assert len(seen) == len(set(seen)) == 3 * per_page
    whole = search(home, SearchRequest(q=query, per_page=3 * per_page))
    assert [(h.doc_id, h.clause_id) for h in whole.hits] == seen
    return pages, seen


def test_the_cited_clause_is_counted_once_across_pages(home: Home) -> None:
    pages, seen = three_pages(home, "产品质量法第二十六条", per_page=5)
    assert seen[0][1] == "a26" and pages[0].hits[0].matched_by == ["citation"]
    assert all("citation" not in h.matched_by for p in pages[1:] for h in p.hits)


def test_several_cited_articles_come_first_in_the_order_cited(home: Home) -> None:
    results = search(home, SearchRequest(q="《产品质量法》第四十九条至第五十一条的规定", per_page=5))
    assert [h.clause_id for h in results.hits[:3]] == ["a49", "a50", "a51"]
    assert all(h.matched_by == ["citation"] for h in results.hits[:3])
    assert all("citation" not in h.matched_by for h in results.hits[3:])


def test_several_cited_articles_are_counted_once_across_pages(home: Home) -> None:
    query = "产品质量法第二十六条、第四十九条"
    _, seen = three_pages(home, query, per_page=4)
    assert [c for _, c in seen[:2]] == ["a26", "a49"]
    deep = [search(home, SearchRequest(q=query, page=p, per_page=50)) for p in (1, 2)]  # past one fetch of 100
    seen = [(h.doc_id, h.clause_id) for p in deep for h in p.hits]
    whole = search(home, SearchRequest(q=query, per_page=100))
    assert seen == [(h.doc_id, h.clause_id) for h in whole.hits] and len(seen) == len(set(seen)) == whole.total


def test_a_filter_that_excludes_the_cited_document_wins(home: Home) -> None:
    results = search(home, SearchRequest(q="产品质量法第二十六条", kind="standard"))
    assert all(hit.kind == "standard" for hit in results.hits)


def test_filters_and_exclusions_in_the_query_text_are_not_part_of_the_citation(home: Home) -> None:
    assert first(home, "产品质量法第二十六条 level:法律 -广告") == ("中华人民共和国产品质量法", "a26")
    results = search(home, SearchRequest(q="产品质量法第二十六条 kind:standard"))
    assert all(hit.kind == "standard" and "citation" not in hit.matched_by for hit in results.hits)


def test_the_query_is_parsed_once_per_search(home: Home, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = request_module.parse_query
    monkeypatch.setattr(request_module, "parse_query", lambda text: calls.append(text) or real(text))
    search(home, SearchRequest(q="食品安全法第148条"))
    assert calls == ["食品安全法第148条", "中华人民共和国食品安全法"]


def test_the_api_lands_on_the_cited_clause(home: Home) -> None:
    client = create_app({"HOME": home, "TESTING": True}).test_client()
    data = client.get("/api/search", query_string={"q": "食品安全法第一百四十八条第二款"}).get_json()
    assert data["hits"][0]["clause_id"] == "a148.p2"
    assert data["hits"][0]["url"].endswith("/a148.p2")
    assert data["hits"][0]["matched_by"] == ["citation"]


def test_the_cli_lands_on_the_cited_clause(home: Home) -> None:
    result = CliRunner().invoke(main, ["--home", str(home.root), "search", "--json", "产品质量法第26条"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["hits"][0]["clause_id"] == "a26"


def test_the_search_page_shows_the_cited_clause_first(home: Home) -> None:
    client = create_app({"HOME": home, "TESTING": True}).test_client()
    page = client.get("/", query_string={"q": "《产品质量法》第二十六条"}).get_data(as_text=True)
    first_hit = re.search(r'class="hit-link" href="[^"]*/(a\d+)\?q=', page)
    assert first_hit is not None and first_hit.group(1) == "a26"
    assert "所引条款" in page


@pytest.mark.parametrize(
    ("query", "citation"),
    [
        ("产品质量法第二十六条第二款第三项", "《中华人民共和国产品质量法》第二十六条第二款第（三）项"),
        ("民法典第一千一百六十五条", "《中华人民共和国民法典》第一千一百六十五条"),
        ("GB 44495-2025 B.2.2.1", "GB 44495-2025 B.2.2.1"),
        ("GB 44495-2025 4.8.3", "GB 44495-2025 4.8.3"),
        ("GB 44495-2025 附录B", "GB 44495-2025 附录B"),
    ],
)
def test_the_clause_page_offers_the_right_citation(home: Home, query: str, citation: str) -> None:
    """Cite, land, and copy: the landed clause's page cites it as it was cited."""
    hit = search(home, SearchRequest(q=query)).hits[0]
    client = create_app({"HOME": home, "TESTING": True}).test_client()
    page = client.get(hit.url).get_data(as_text=True)
    assert f"<cite>{citation}</cite>" in page
    assert parse_citation(citation) is not None
    assert search(home, SearchRequest(q=citation)).hits[0].clause_id == hit.clause_id


@pytest.mark.parametrize("query", ["产品质量 生产者", "产品质量法第二十六条"])
def test_the_page_shows_every_hit_the_api_returns_grouped_by_document(home: Home, query: str) -> None:
    """Results that show every hit: the web page and its JSON twin agree page by page."""
    client = create_app({"HOME": home, "TESTING": True}).test_client()
    seen: list[str] = []
    for page_number in (1, 2):
        args = {"q": query, "page": page_number}
        data = client.get("/api/search", query_string=args).get_json()
        page = client.get("/", query_string=args).get_data(as_text=True)
        shown = re.findall(r'class="hit-link" href="([^"?]+)\?q=', page)
        assert shown and sorted(shown) == sorted(h["url"] for h in data["hits"])
        assert len(shown) == min(10, data["total"] - (page_number - 1) * 10)
        assert f"共 <strong>{data['total']}</strong> 个条款" in page
        groups = re.findall(r'<li class="doc-group" data-doc-id="([^"]+)"', page)
        assert len(groups) == len(set(groups)) == len({h["doc_id"] for h in data["hits"]})
        for more in re.findall(r"本文件另有 (\d+) 条结果", page):
            assert int(more) >= 1
        seen += shown
    assert len(seen) == len(set(seen))
