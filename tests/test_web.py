"""The web UI and JSON API through Flask's test client, on a small real home.

The home holds the bundled seed policy, two editions of a small law written here (the
older one replaced by the newer) and a notice whose title and text carry HTML, plus a
citation of the newer law by the seed. It is built once for the module.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate as validate_spec

from stdsearch import citations, pipeline
from stdsearch.records import STATUS_CURRENT, STATUS_REPLACED, Document
from stdsearch.settings import Home
from stdsearch.store import Store
from stdsearch.web import create_app, web_root

from .conftest import SEED

LAW_2020 = """# 中华人民共和国测试产品安全法

2020年1月1日第十三届全国人民代表大会常务委员会第一次会议通过

<!-- INFO END -->

## 第一章 总则

第一条 为了保障测试产品的安全，制定本法。

第二条 在中华人民共和国境内生产、销售测试产品，必须遵守本法。

本法所称测试产品，是指用于<script>alert(1)</script>演示的产品。

## 第二章 生产者的责任

第三条 生产者应当保证产品符合下列要求：

（一）不存在危及人身安全的危险；

（二）具备应当具备的使用性能。

第四条 违反本法规定的，依照有关法律处罚。
"""

LAW_2015 = LAW_2020.replace("2020年1月1日", "2015年1月1日").replace("第四条 违反", "第四条 凡违反")

NOTICE = """<img src=x onerror=alert(2)>关于测试标签的通知

一、各单位应当检查<b>标签</b>是否完整，并符合《中华人民共和国测试产品安全法》第三条的规定。

二、本通知自发布之日起施行。
"""

XSS = "<script>alert(1)</script>"
NONSENSE = '"火星移民飞船"'  # a phrase found nowhere


def build_home(sources: Path, root: Path, extra: list[Path] | None = None) -> Home:
    """Build the home described in the module docstring (plus ``extra`` files) under ``root``."""
    (sources / "测试产品安全法(2020-01-01).md").write_text(LAW_2020, encoding="utf-8")
    (sources / "测试产品安全法(2015-01-01).md").write_text(LAW_2015, encoding="utf-8")
    (sources / "notice.txt").write_text(NOTICE, encoding="utf-8")
    home = Home.resolve(root)
    report = pipeline.ingest(home, [SEED, sources, *(extra or [])])
    assert report.failed == 0, report.failures
    roles = ids(home)
    store = Store(home)
    new, old = store.get(roles["new"]), store.get(roles["old"])
    old.status, old.replaced_by = STATUS_REPLACED, [new.doc_id]
    new.status, new.replaces = STATUS_CURRENT, [old.doc_id, "GB/T 99999-2099"]
    pipeline.index_documents(home, [old, new])
    citations.publish_links(store, {roles["seed"]: [["2.9.22", 0, 0, new.doc_id, "a3", "22."]]})
    return home


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Home:
    """The small home described in the module docstring."""
    return build_home(tmp_path_factory.mktemp("web-sources"), tmp_path_factory.mktemp("web-home"))


def ids(home: Home) -> dict[str, str]:
    """Doc ids of the fixture documents by role."""
    manifest = Store(home).manifest()
    found = {}
    for doc_id, entry in manifest.items():
        if entry["title"] == "中华人民共和国测试产品安全法":
            found["old" if entry["publish_date"].startswith("2015") else "new"] = doc_id
        elif "厦门" in entry["title"]:
            found["seed"] = doc_id
        elif "测试标签" in entry["title"]:
            found["notice"] = doc_id
    return found


@pytest.fixture(scope="module")
def doc(home: Home) -> dict[str, str]:
    """Doc ids by role: seed, new, old, notice."""
    return ids(home)


@pytest.fixture(scope="module")
def client(home: Home) -> Any:
    """A test client of an app on the fixture home."""
    return create_app({"HOME": home, "TESTING": True}).test_client()


@pytest.fixture(scope="module")
def spec(client: Any) -> dict[str, Any]:
    """The served OpenAPI document."""
    return client.get("/api/openapi.json").get_json()


class Links(HTMLParser):
    """Collects the attributes of every <a>, and the ids of all elements."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[dict[str, str]] = []
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if "id" in values:
            self.ids.append(values["id"])
        if tag == "a":
            self.links.append(values)


def parse(html: str) -> Links:
    """The links and ids of a page."""
    parser = Links()
    parser.feed(html)
    return parser


def query_of(href: str) -> dict[str, list[str]]:
    """The query parameters of a link."""
    return parse_qs(urlsplit(href).query)


# --- search page -----------------------------------------------------------------------


def test_home_page_has_one_labelled_search_box_and_landmarks(client: Any) -> None:
    html = client.get("/").get_data(as_text=True)
    assert html.count('type="search"') == 1
    assert '<label for="q"' in html
    for landmark in ("<header", "<nav", '<main id="main"', "<footer"):
        assert landmark in html
    assert 'class="skip-link" href="#main"' in html
    assert 'lang="zh-CN"' in html


def test_search_groups_hits_by_document_and_links_to_clauses(
    client: Any, doc: dict[str, str]
) -> None:
    response = client.get("/?q=质量奖评定管理办法")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count(f'data-doc-id="{doc["seed"]}"') == 1
    hrefs = [a["href"] for a in parse(html).links if "hit-link" in a.get("class", "")]
    assert hrefs[0].startswith(f"/doc/{doc['seed']}/2.9.22?q=")
    assert query_of(hrefs[0])["q"] == ["质量奖评定管理办法"]
    assert "<mark>" in html


def test_search_shows_document_fields_and_status_badge(client: Any, doc: dict[str, str]) -> None:
    html = client.get("/?q=测试产品").get_data(as_text=True)
    assert 'class="badge badge-current">现行<' in html
    assert 'class="badge badge-replaced">被代替<' in html
    assert "2020-01-01" in html


def test_facet_links_keep_the_query_and_combine(client: Any) -> None:
    html = client.get("/?q=测试产品&status=现行").get_data(as_text=True)
    facets = [a for a in parse(html).links if a.get("data-facet")]
    assert facets
    for link in facets:
        params = query_of(link["href"])
        assert params["q"] == ["测试产品"]
        if link["data-facet"] != "status":
            assert params["status"] == ["现行"], link
    kind_law = next(a for a in facets if a["data-facet"] == "kind" and a["data-value"] == "law")
    assert query_of(kind_law["href"])["kind"] == ["law"]


def test_facet_filters_and_can_be_removed(client: Any, doc: dict[str, str]) -> None:
    html = client.get("/?q=产品&kind=law&status=被代替").get_data(as_text=True)
    assert f'data-doc-id="{doc["old"]}"' in html
    assert f'data-doc-id="{doc["new"]}"' not in html
    chips = {a["data-remove"]: a["href"] for a in parse(html).links if a.get("data-remove")}
    assert set(chips) == {"law", "被代替"}
    removed = query_of(chips["被代替"])
    assert removed == {"q": ["产品"], "kind": ["law"]}


def test_sort_orders_are_offered_and_checked(client: Any) -> None:
    html = client.get("/?q=产品&sort=newest").get_data(as_text=True)
    assert '<option value="newest" selected>' in html
    assert client.get("/?q=产品&sort=sideways").status_code == 400


def test_pagination_links_keep_the_query(client: Any) -> None:
    first = client.get("/?q=质量&per_page=2").get_data(as_text=True)
    assert "共 <strong>" in first
    pages = [a for a in parse(first).links if a.get("rel") == "next"]
    assert pages, "a next-page link"
    params = query_of(pages[0]["href"])
    assert params == {"q": ["质量"], "page": ["2"], "per_page": ["2"]}
    second = client.get(pages[0]["href"]).get_data(as_text=True)
    assert 'aria-current="page" class="current" href' in second
    assert first.split('class="hit-link"')[1] != second.split('class="hit-link"')[1]


def test_no_results_page_offers_help(client: Any) -> None:
    response = client.get("/", query_string={"q": NONSENSE, "kind": "law"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "没有找到结果" in html
    assert "取消所有筛选" in html
    assert 'href="/help"' in html


@pytest.mark.parametrize(
    "params", ["page=abc", "page=0", "per_page=101", "per_page=-3", "sort=random"]
)
def test_bad_parameters_are_400_in_html_and_json(client: Any, params: str) -> None:
    page = client.get(f"/?q=质量&{params}")
    assert page.status_code == 400
    assert "请求参数有误" in page.get_data(as_text=True)
    api = client.get(f"/api/search?q=质量&{params}")
    assert api.status_code == 400
    body = api.get_json()
    assert body["error"]["code"] == 400 and body["error"]["message"]


def test_query_is_escaped(client: Any) -> None:
    html = client.get("/", query_string={"q": XSS}).get_data(as_text=True)
    assert XSS not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_document_content_is_escaped(client: Any, doc: dict[str, str]) -> None:
    for url in (
        f"/doc/{doc['new']}",
        f"/doc/{doc['new']}?q=演示",
        f"/doc/{doc['notice']}",
        "/?q=演示",
        "/?q=标签",
    ):
        html = client.get(url).get_data(as_text=True)
        assert XSS not in html, url
        assert "<img src=x" not in html and "<b>标签" not in html, url
    assert "&lt;img src=x onerror=alert(2)&gt;" in client.get(f"/doc/{doc['notice']}").get_data(
        as_text=True
    )


# --- document page ---------------------------------------------------------------------


def test_document_page_has_every_clause_anchor_and_a_toc(
    client: Any, home: Home, doc: dict[str, str]
) -> None:
    document = Store(home).get(doc["seed"])
    html = client.get(f"/doc/{doc['seed']}").get_data(as_text=True)
    page = parse(html)
    assert {c.clause_id for c in document.clauses} <= set(page.ids)
    toc = {a["href"] for a in page.links if a["href"].startswith("#")}
    assert {"#2", "#2.9", "#2.9.22"} <= toc
    assert len(page.ids) == len(set(page.ids)), "ids are unique"


def test_law_document_renders_each_paragraph_once(client: Any, doc: dict[str, str]) -> None:
    html = client.get(f"/doc/{doc['new']}").get_data(as_text=True)
    html = html.split('class="doc-body"')[1].split('id="cited-by"')[0]
    assert html.count("不存在危及人身安全的危险") == 1
    assert html.count("生产者应当保证产品符合下列要求") == 1
    assert 'id="a3.p1.i1"' in html or 'id="a3.i1"' in html
    assert '<h2 class="doc-heading" id="h1">第一章 总则</h2>' in html


def test_copy_buttons_carry_citation_and_permalink(client: Any, doc: dict[str, str]) -> None:
    html = client.get(f"/doc/{doc['new']}").get_data(as_text=True)
    section = (
        html.split('id="a3"')[0].rsplit("<section", 1)[1]
        + html.split('id="a3"')[1].split("</div>")[0]
    )
    assert 'data-cite="《中华人民共和国测试产品安全法》第三条"' in section
    assert f'class="clause-page-link" href="/doc/{doc["new"]}/a3"' in section
    assert "data-copy-link" in section and "data-copy-cite" in section
    permalink = f"/doc/{doc['new']}"  # made absolute by the browser (no BASE_URL set)
    assert f'data-copy-url="{permalink}" data-copy-prefix="《中华人民共和国测试产品安全法》 "' in html


def test_document_highlights_query_terms(client: Any, doc: dict[str, str]) -> None:
    html = client.get(f"/doc/{doc['seed']}?q=质量奖").get_data(as_text=True)
    assert "<mark>质量奖</mark>" in html
    assert (
        "<mark>" not in client.get(f"/doc/{doc['seed']}").get_data(as_text=True).split("<main")[1]
    )


def test_replaced_document_has_a_banner_linking_to_its_replacement(
    client: Any, doc: dict[str, str]
) -> None:
    html = client.get(f"/doc/{doc['old']}").get_data(as_text=True)
    assert 'class="banner banner-replaced"' in html
    assert f'href="/doc/{doc["new"]}"' in html.split('class="banner')[1].split("</div>")[0]
    current = client.get(f"/doc/{doc['new']}").get_data(as_text=True)
    assert 'class="banner' not in current
    assert f'href="/doc/{doc["old"]}"' in current
    assert 'href="/?q=GB/T+99999-2099"' in current or "q=GB%2FT+99999-2099" in current


def test_cited_by_is_listed_on_document_and_clause(client: Any, doc: dict[str, str]) -> None:
    citing = f'href="/doc/{doc["seed"]}/2.9.22"'
    assert citing in client.get(f"/doc/{doc['new']}").get_data(as_text=True)
    assert citing in client.get(f"/doc/{doc['new']}/a3").get_data(as_text=True)
    assert citing not in client.get(f"/doc/{doc['new']}/a1").get_data(as_text=True)
    assert "暂无引用本文件" in client.get(f"/doc/{doc['seed']}").get_data(as_text=True)


def test_print_stylesheet_hides_navigation() -> None:
    css = (web_root() / "static" / "style.css").read_text(encoding="utf-8")
    print_rules = css.split("@media print", 1)[1]
    for selector in (".site-header", ".toc", ".clause-actions"):
        assert selector in print_rules


# --- clause page -----------------------------------------------------------------------


def test_clause_page(client: Any, doc: dict[str, str]) -> None:
    response = client.get(f"/doc/{doc['seed']}/2.9.22?q=质量奖")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    links = parse(html).links
    assert any(
        a["href"] == f"/doc/{doc['seed']}?q=%E8%B4%A8%E9%87%8F%E5%A5%96#2.9.22" for a in links
    )
    rel = {a.get("rel"): a["href"] for a in links if a.get("rel") in ("prev", "next")}
    assert rel["prev"].startswith(f"/doc/{doc['seed']}/2.9.21")
    assert rel["next"].startswith(f"/doc/{doc['seed']}/2.9.23")
    assert "(九)打造质量治理现代化体系" in html
    assert "<mark>质量奖</mark>" in html


def test_first_and_last_clauses_have_one_neighbour(client: Any, doc: dict[str, str]) -> None:
    html = client.get(f"/doc/{doc['new']}/a1").get_data(as_text=True)
    assert 'rel="next"' in html and 'rel="prev"' not in html
    html = client.get(f"/doc/{doc['new']}/a4").get_data(as_text=True)
    assert 'rel="prev"' in html and 'rel="next"' not in html


def test_subclause_page_cites_its_article(client: Any, doc: dict[str, str]) -> None:
    html = client.get(f"/doc/{doc['new']}/a2.p2").get_data(as_text=True)
    assert "《中华人民共和国测试产品安全法》第二条第二款" in html
    assert f'href="/doc/{doc["new"]}/a2"' in html


@pytest.mark.parametrize(
    "url",
    ["/doc/no-such-doc", "/doc/no-such-doc/a1", "/doc/..%2Fetc", "/doc/{new}/a999", "/nowhere"],
)
def test_unknown_pages_are_404_in_html_and_json(client: Any, doc: dict[str, str], url: str) -> None:
    url = url.format(**doc)
    page = client.get(url)
    assert page.status_code == 404
    assert "未找到" in page.get_data(as_text=True)
    api = client.get("/api" + url)
    assert api.status_code == 404
    assert api.get_json()["error"]["code"] == 404


def test_help_page_explains_the_query_syntax(client: Any) -> None:
    html = client.get("/help").get_data(as_text=True)
    for syntax in ('"短语"', "-词", "number:", "title:", "level:", "status:"):
        assert syntax in html


def test_pages_use_no_asset_from_the_internet(client: Any, doc: dict[str, str]) -> None:
    for url in ("/", "/?q=质量", f"/doc/{doc['seed']}", f"/doc/{doc['seed']}/2.9.22", "/help"):
        html = client.get(url).get_data(as_text=True)
        assert not re.search(r"<(script|link|img)[^>]+(src|href)=\"(https?:)?//", html), url
    for asset in (web_root() / "static").iterdir():
        assert not re.search(
            r"url\(\s*['\"]?(https?:)?//|@import", asset.read_text(encoding="utf-8")
        )
        with client.get(f"/static/{asset.name}") as response:
            assert response.status_code == 200


# --- JSON API --------------------------------------------------------------------------


def validate_against(spec: dict[str, Any], schema: str, data: Any) -> None:
    """Assert that a response body matches a schema of the OpenAPI document."""
    validator = OAS30Validator(
        {"$ref": f"#/components/schemas/{schema}", "components": spec["components"]}
    )
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]
    assert not errors, errors


def test_openapi_document_is_valid(spec: dict[str, Any]) -> None:
    validate_spec(spec)
    assert set(spec["paths"]) == {
        "/api/search",
        "/api/doc/{doc_id}",
        "/api/doc/{doc_id}/{clause_id}",
        "/api/openapi.json",
        "/api/check",
        "/api/lint/{doc_id}",
        "/api/apply",
        "/api/changes",
    }


def test_api_search_matches_results_and_openapi(
    client: Any, spec: dict[str, Any], doc: dict[str, str]
) -> None:
    body = client.get("/api/search?q=质量奖评定管理办法").get_json()
    validate_against(spec, "Results", body)
    assert list(body) == ["query", "total", "hits", "facets", "page", "per_page", "suggestions"]
    assert body["hits"][0]["url"] == f"/doc/{doc['seed']}/2.9.22"
    filtered = client.get("/api/search?q=产品&kind=law&sort=newest&per_page=3&page=1").get_json()
    validate_against(spec, "Results", filtered)
    assert {hit["kind"] for hit in filtered["hits"]} == {"law"}
    assert filtered["per_page"] == 3


def test_api_empty_search_matches_openapi(client: Any, spec: dict[str, Any]) -> None:
    body = client.get("/api/search", query_string={"q": NONSENSE}).get_json()
    validate_against(spec, "Results", body)
    assert body["total"] == 0


def test_api_document_matches_openapi(
    client: Any, spec: dict[str, Any], doc: dict[str, str]
) -> None:
    for role in ("seed", "new", "old", "notice"):
        body = client.get(f"/api/doc/{doc[role]}").get_json()
        validate_against(spec, "Document", body)
    body = client.get(f"/api/doc/{doc['new']}").get_json()
    assert body["replaces"][0] == doc["old"]
    assert {"doc_id": doc["seed"], "clause_id": "2.9.22", "cited_clause_id": "a3"}.items() <= next(
        c for c in body["cited_by"] if c["clause_id"] == "2.9.22"
    ).items()
    assert [c["clause_id"] for c in body["clauses"]][:2] == ["a1", "a2"]
    assert "text" not in body


def test_api_clause_matches_openapi(client: Any, spec: dict[str, Any], doc: dict[str, str]) -> None:
    body = client.get(f"/api/doc/{doc['seed']}/2.9.22").get_json()
    validate_against(spec, "ClausePage", body)
    assert (body["prev"], body["next"]) == ("2.9.21", "2.9.23")
    assert body["parents"] == ["2", "2.9"]
    assert body["heading_path"] == ["二、主要任务", "(九)打造质量治理现代化体系"]
    assert body["document"]["doc_id"] == doc["seed"]
    first = client.get(f"/api/doc/{doc['new']}/a1").get_json()
    validate_against(spec, "ClausePage", first)
    assert first["prev"] is None and first["citation"] == "《中华人民共和国测试产品安全法》第一条"


def test_api_errors_match_openapi(client: Any, spec: dict[str, Any]) -> None:
    validate_against(spec, "Error", client.get("/api/doc/nope").get_json())
    validate_against(spec, "Error", client.get("/api/search?q=x&per_page=1000").get_json())


def test_api_returns_utf8_json(client: Any) -> None:
    response = client.get("/api/search?q=质量")
    assert response.mimetype == "application/json"
    assert "质量" in response.get_data(as_text=True)


# --- app factory -----------------------------------------------------------------------


def test_create_app_takes_home_from_config_or_environment(
    home: Home, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert create_app({"HOME": str(home.root)}).config["HOME"] == home
    monkeypatch.setenv("STDSEARCH_HOME", str(tmp_path))
    assert create_app().config["HOME"].root == tmp_path.resolve()
    assert create_app({"HOME": home}).config["HOME"] == home


def test_web_root_has_templates_and_static() -> None:
    assert (web_root() / "templates" / "base.html").is_file()
    assert (web_root() / "static" / "style.css").is_file()


def test_citations_in_text_link_to_the_cited_document(client: Any, doc: dict[str, str]) -> None:
    html = client.get(f"/doc/{doc['notice']}").get_data(as_text=True)
    assert (
        f'<a class="xref" href="/doc/{doc["new"]}#a3">《中华人民共和国测试产品安全法》第三条</a>'
        in html
    )
    clause = client.get(f"/doc/{doc['notice']}/1").get_data(as_text=True)
    assert f'href="/doc/{doc["new"]}#a3"' in clause


def test_responses_forbid_outside_assets_and_inline_script(client: Any) -> None:
    for url in ("/", "/api/search?q=质量", "/doc/nope"):
        policy = client.get(url).headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "script-src 'self'" in policy


def test_document_without_clauses_shows_its_text(client: Any, home: Home) -> None:
    store = Store(home)
    store.put(
        Document("page-unsplit", "未切分的页面", kind="page", text="第一段<i>文字</i>\n第二段")
    )
    store.save_manifest()
    html = client.get("/doc/page-unsplit").get_data(as_text=True)
    assert '<p class="clause-text">第一段&lt;i&gt;文字&lt;/i&gt;</p>' in html
    assert '<p class="clause-text">第二段</p>' in html


def test_api_search_is_the_library_result(client: Any, home: Home) -> None:
    from stdsearch.search import SearchRequest, search

    expected = search(home, SearchRequest(q="质量", kind="policy", page=2, per_page=5)).to_dict()
    assert client.get("/api/search?q=质量&kind=policy&page=2&per_page=5").get_json() == expected


def test_api_rejects_an_unknown_semantic_mode(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/search?q=质量&semantic=maybe")
    assert response.status_code == 400
    assert "semantic" in response.get_json()["error"]["message"]
