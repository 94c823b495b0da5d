"""End-to-end: a person searching, filtering, reading and citing in headless Chromium."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

pytestmark = pytest.mark.slow


def params(url: str) -> dict[str, list[str]]:
    """The query parameters of a URL."""
    return parse_qs(urlsplit(url).query)


def no_horizontal_scroll(page: Any) -> bool:
    """True when nothing sticks out of the viewport sideways."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_search_shows_grouped_results_and_a_hit_lands_on_the_highlighted_clause(
    page: Any, base_url: str, doc: dict[str, str]
) -> None:
    page.goto(base_url + "/")
    page.get_by_label("检索标准、法律法规和政策条款").fill("质量奖评定管理办法")
    page.keyboard.press("Enter")
    page.wait_for_selector(".doc-group")
    assert "共" in page.locator(".results-count").inner_text()
    first = page.locator(".doc-group").first
    assert first.locator("h2 a").inner_text().startswith("中共厦门市委")
    assert first.locator(".hit").count() >= 1
    first.locator(".hit-link").first.click()
    page.wait_for_url(re.compile(rf"/doc/{doc['seed']}/2\.9\.22\?q="))
    body = page.locator(".clause-body")
    assert body.locator("mark").first.inner_text() in ("质量奖", "质量奖评定管理办法", "质量")
    assert page.locator("h1").inner_text() == "22."


def test_clause_page_links_to_its_place_in_the_document(
    page: Any, base_url: str, doc: dict[str, str]
) -> None:
    page.goto(f"{base_url}/doc/{doc['seed']}/2.9.22?q=质量奖")
    page.get_by_role("link", name="在全文中查看").click()
    page.wait_for_url(re.compile(r"#2\.9\.22$"))
    target = page.locator('[id="2.9.22"]')
    assert "targeted" in (target.get_attribute("class") or "")
    assert target.locator("mark").count() >= 1
    box = target.bounding_box()
    assert box is not None and 0 <= box["y"] < page.viewport_size["height"]


def test_facets_apply_combine_and_remove_without_losing_the_query(page: Any, base_url: str) -> None:
    page.goto(base_url + "/?q=产品")
    page.locator('a[data-facet="kind"][data-value="law"]').click()
    page.wait_for_url(re.compile("kind=law"))
    assert params(page.url)["q"] == ["产品"]
    kinds = page.locator(".doc-group .meta-line").all_inner_texts()
    assert kinds and all("法律法规" in k for k in kinds)
    page.locator('a[data-facet="status"][data-value="被代替"]').click()
    page.wait_for_url(re.compile("status="))
    assert params(page.url) == {"q": ["产品"], "kind": ["law"], "status": ["被代替"]}
    assert page.locator(".active-filters .chip[data-remove]").count() == 2
    page.locator('.chip[data-remove="law"]').click()
    page.wait_for_url(lambda url: "kind=" not in url)
    assert params(page.url) == {"q": ["产品"], "status": ["被代替"]}
    assert page.locator("#q").input_value() == "产品"


def test_sort_select_reorders_without_losing_filters(page: Any, base_url: str) -> None:
    page.goto(base_url + "/?q=产品&kind=law")
    page.select_option("#sort", "newest")
    page.wait_for_url(re.compile("sort=newest"))
    assert params(page.url)["kind"] == ["law"]
    assert page.locator(".doc-group").count() >= 1


def test_copy_citation_puts_citation_and_permalink_on_the_clipboard(
    page: Any, base_url: str, doc: dict[str, str]
) -> None:
    page.goto(f"{base_url}/doc/{doc['new']}")
    clause = page.locator('[id="a3"]')
    clause.locator(".clause-line").first.hover()
    clause.locator("button[data-copy-cite]").first.click()
    expected = f"《中华人民共和国测试产品安全法》第三条 {base_url}/doc/{doc['new']}/a3"
    page.wait_for_function("t => navigator.clipboard.readText().then(x => x === t)", arg=expected)
    assert clause.locator("button.copied").first.get_attribute("data-copied") == expected


def test_copy_link_on_a_clause_page(page: Any, base_url: str, doc: dict[str, str]) -> None:
    page.goto(f"{base_url}/doc/{doc['seed']}/2.9.22")
    page.locator('.clause-tools button[data-label="复制链接"]').click()
    expected = f"{base_url}/doc/{doc['seed']}/2.9.22"
    page.wait_for_function("t => navigator.clipboard.readText().then(x => x === t)", arg=expected)


def test_table_of_contents_navigates_to_a_clause(
    page: Any, base_url: str, doc: dict[str, str]
) -> None:
    page.goto(f"{base_url}/doc/{doc['seed']}")
    toc = page.locator("details#toc")
    assert toc.get_attribute("open") is not None, "open on a wide screen"
    toc.locator('a[href="#2.9.22"]').click()
    page.wait_for_url(re.compile(r"#2\.9\.22$"))
    assert "targeted" in (page.locator('[id="2.9.22"]').get_attribute("class") or "")


def test_keyboard_skip_link_and_slash_shortcut(
    page: Any, base_url: str, doc: dict[str, str]
) -> None:
    page.goto(f"{base_url}/doc/{doc['seed']}")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert skip.bounding_box()["y"] >= 0, "the focused skip link is on screen"
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")
    page.locator("body").press("/")
    assert page.evaluate("document.activeElement.id") == "header-q"


def test_phone_layout(phone: Any, base_url: str, doc: dict[str, str]) -> None:
    phone.goto(base_url + "/?q=质量")
    assert no_horizontal_scroll(phone)
    facets = phone.locator("details#facets")
    assert facets.get_attribute("open") is None, "facets folded on a phone"
    facets.locator("summary").tap()
    assert phone.locator('a[data-facet="kind"]').first.is_visible()
    phone.goto(f"{base_url}/doc/{doc['seed']}")
    assert no_horizontal_scroll(phone)
    toc = phone.locator("details#toc")
    assert toc.get_attribute("open") is None, "table of contents folded on a phone"
    toc.locator("summary").tap()
    toc.locator('a[href="#2.9.22"]').tap()
    phone.wait_for_url(re.compile(r"#2\.9\.22$"))
    phone.goto(f"{base_url}/doc/{doc['seed']}/2.9.22")
    assert no_horizontal_scroll(phone)
    assert phone.locator(".clause-tools button").first.is_visible()


def test_query_with_markup_shows_as_text(page: Any, base_url: str) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(base_url + "/?q=" + "%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    assert page.locator("#q").input_value() == "<script>alert(1)</script>"
    page.goto(base_url + "/?q=演示")
    page.wait_for_timeout(200)
    assert dialogs == []


def test_print_layout_hides_navigation(page: Any, base_url: str, doc: dict[str, str]) -> None:
    page.goto(f"{base_url}/doc/{doc['new']}")
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.locator("nav.toc").is_visible()
    assert page.locator('[id="a1"]').is_visible()


def test_screenshots(
    page: Any,
    phone: Any,
    base_url: str,
    doc: dict[str, str],
    screenshots: Path | None,
    tmp_path: Path,
) -> None:
    """Search, document and clause pages at 1280 and 360 px (kept in docs/screenshots/ on request)."""
    folder = screenshots or tmp_path
    law = doc.get("showcase", doc["new"])
    pages = {
        "search": "/?q=质量奖",
        "document": f"/doc/{law}?q=产品质量" if "showcase" in doc else f"/doc/{doc['new']}",
        "clause": f"/doc/{doc['seed']}/2.9.22?q=质量奖",
    }
    for width, tab in ((1280, page), (360, phone)):
        for name, url in pages.items():
            tab.goto(base_url + url)
            tab.wait_for_load_state("networkidle")
            path = folder / f"{name}-{width}.png"
            tab.screenshot(path=str(path))
            assert path.stat().st_size > 10_000


def test_every_hit_of_a_page_is_shown_and_more_in_a_document_opens(
    page: Any, base_url: str, doc: dict[str, str]
) -> None:
    if "showcase" not in doc:
        pytest.skip("needs the 产品质量法 from ../shared/data")
    page.goto(base_url + "/?q=" + "产品质量 生产者")
    page.wait_for_selector(".doc-group")
    count = page.locator(".results-count").inner_text()
    first, last = (int(n) for n in re.search(r"第 (\d+)–(\d+) 条", count).groups())
    hits = page.locator(".hit")
    assert hits.count() == last - first + 1 == 10
    more = page.locator("details.more-hits").first
    summary = more.locator("summary").inner_text()
    hidden = int(re.search(r"另有 (\d+) 条", summary).group(1))
    assert hidden == more.locator(".hit").count() > 0
    assert not more.locator(".hit").first.is_visible()
    more.locator("summary").click()
    assert more.locator(".hit").first.is_visible()
    assert page.locator(".doc-group h2", has_text="中华人民共和国产品质量法").count() == 1


def test_a_cited_article_is_the_first_hit(page: Any, base_url: str, doc: dict[str, str]) -> None:
    if "showcase" not in doc:
        pytest.skip("needs the 产品质量法 from ../shared/data")
    page.goto(base_url + "/?q=" + "《产品质量法》第26条")
    page.wait_for_selector(".doc-group")
    first = page.locator(".hit").first
    assert first.locator(".hit-label").inner_text() == "第二十六条"
    assert first.locator(".hit-cited").is_visible()
    first.locator(".hit-link").click()
    page.wait_for_url(re.compile(rf"/doc/{doc['showcase']}/a26\?q="))
    assert "第二十六条" in page.locator(".citation-preview").inner_text()
