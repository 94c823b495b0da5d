"""A law's references to its own articles (本法第N条, 第N条规定, 本条第二款, 前款, 前条) link to them."""

from __future__ import annotations

import re

import pytest

from stdsearch import citations, pipeline
from stdsearch.lawlinks import law_links
from stdsearch.settings import Home
from stdsearch.store import Store
from stdsearch.web import create_app

from .conftest import require_shared

IDS = ["a1", "a2", "a3", "a3.p1", "a3.p2", "a3.p3", "a10", "a10-1", "a12", "a12.p1.i3", "a33", "a33.p1", "a33.p1.i1"]


def targets(text: str, article: str = "a12", paragraph: int = 0) -> list[tuple[str, str]]:
    return [(text[s:e], t) for s, e, t in law_links(text, article, IDS, paragraph)]


@pytest.mark.parametrize(
    ("text", "article", "paragraph", "expected"),
    [
        ("违反本法第十条规定的", "a12", 0, [("本法第十条", "a10")]),
        ("依照第十条之一的规定", "a12", 0, [("第十条之一", "a10-1")]),
        ("有本条例第三十三条第一款第一项情形的", "a12", 0, [("本条例第三十三条第一款第一项", "a33.p1.i1")]),
        ("有本法第十二条第（三）项情形", "a1", 0, [("本法第十二条第（三）项", "a12.p1.i3")]),
        ("违反前款规定的", "a3", 2, [("前款", "a3.p1")]),
        ("违反前款规定的", "a3", 0, []),
        ("依照本条第二款处理", "a3", 3, [("本条第二款", "a3.p2")]),
        ("有第二款情形的", "a3", 3, [("第二款", "a3.p2")]),
        ("依照前条规定", "a10-1", 0, [("前条", "a10")]),
        ("依照刑法第十条、第十二条追究", "a3", 0, []),
        ("依照《中华人民共和国刑法》第十条处罚", "a3", 0, []),
        ("本法第九百条", "a3", 0, []),
        ("依照本法第十二条", "a12", 0, []),
    ],
)
def test_references_to_the_same_law(text: str, article: str, paragraph: int, expected: list[tuple[str, str]]) -> None:
    assert targets(text, article, paragraph) == expected


@pytest.fixture(scope="module")
def food_law(tmp_path_factory: pytest.TempPathFactory) -> tuple[Home, str]:
    home = Home.resolve(tmp_path_factory.mktemp("lawlinks"))
    report = pipeline.ingest(home, [require_shared("laws", "行政法", "食品安全法(2021-04-29).md")])
    assert report.failed == 0, report.failures
    return home, Store(home).ids()[0]


def internal_hrefs(page: str) -> list[tuple[str, str]]:
    return re.findall(r'<a class="xref internal" href="([^"]+)">([^<]+)</a>', page)


def test_the_document_page_links_own_references(food_law: tuple[Home, str]) -> None:
    home, doc_id = food_law
    client = create_app({"HOME": home, "TESTING": True}).test_client()
    page = client.get(f"/doc/{doc_id}").get_data(as_text=True)
    links = internal_hrefs(page)
    assert ("#a37", "本法第三十七条") in links
    assert ("#a63.p1", "前款") in links  # in 第六十三条第二款
    assert ("#a35.p2", "本法第三十五条第二款") in links


def test_the_clause_page_links_own_references(food_law: tuple[Home, str]) -> None:
    home, doc_id = food_law
    client = create_app({"HOME": home, "TESTING": True}).test_client()
    page = client.get(f"/doc/{doc_id}/a63.p2").get_data(as_text=True)
    assert (f"/doc/{doc_id}/a63.p1", "前款") in internal_hrefs(page)


@pytest.mark.parametrize("parallel", [False, True], ids=["one-writer", "parallel-rebuild"])
def test_own_references_are_resolved_at_ingest_and_only_rendered(
    food_law: tuple[Home, str], parallel: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if parallel:  # the rebuild of a larger corpus: index workers report each document's links
        monkeypatch.setattr(pipeline, "PARALLEL_INDEX_MIN", 1)
    home, doc_id = food_law
    stored = citations.database_path(Store(home))
    kept = citations.load_own_links(Store(home))
    rows = kept[doc_id]
    article = Store(home).get(doc_id).clause("a63.p2")
    assert article is not None
    assert {(article.text[s:e], t) for c, s, e, t in rows if c == "a63.p2"} == {("前款", "a63.p1")}
    client = create_app({"HOME": home, "TESTING": True}).test_client()
    before = internal_hrefs(client.get(f"/doc/{doc_id}").get_data(as_text=True))
    saved = stored.read_bytes()
    stored.unlink()
    try:
        assert internal_hrefs(client.get(f"/doc/{doc_id}").get_data(as_text=True)) == []  # nothing computed on show
        pipeline.reindex(home)
        assert citations.load_own_links(Store(home)) == kept  # a reindex resolves them again
    finally:
        if not stored.exists():
            stored.write_bytes(saved)
    assert internal_hrefs(client.get(f"/doc/{doc_id}").get_data(as_text=True)) == before
