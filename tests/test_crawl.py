"""The crawler against a local web site (tests/crawlsite) serving the real saved pages.

Covers robots.txt, a redirect, 404, a 500 that succeeds on retry, a timeout, a GB18030 page
declaring gb2312, a page that changes between crawls (ETag → 304), a removed page, an
oversized response, links to private addresses (refused before any traffic), duplicate
content at two URLs, and resuming an interrupted crawl. Documents go to a fake sink here;
test_crawl_cli.py runs the real pipeline.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import requests

from stdsearch.crawl.crawler import Crawler
from stdsearch.crawl.fetch import FetchSettings
from stdsearch.crawl.sources import Source
from stdsearch.parse import parse_bytes
from stdsearch.records import Document
from stdsearch.settings import Home

from .conftest import SEED, require_shared
from .crawlsite import GB_PAGE_TITLE, Site

#: Tiny timeouts keep the suite fast: the slow page sleeps 0.6 s, the read timeout is 0.2 s.
FAST = FetchSettings(
    connect_timeout=1.0,
    read_timeout=0.2,
    total_timeout=5.0,
    max_bytes=1_500_000,
    retries=2,
    backoff=0.01,
)
PRIVATE_HOSTS = ("10.0.0.1", "192.168.1.1", "intranet.test")


class RecordingSession(requests.Session):
    """A real session that logs every URL it is asked for (and can simulate a kill)."""

    def __init__(self, interrupt_after: int | None = None) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.interrupt_after = interrupt_after

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.urls.append(url)
        if self.interrupt_after is not None and len(self.urls) > self.interrupt_after:
            raise KeyboardInterrupt
        return super().request(method, url, *args, **kwargs)


class Sink:
    """Collects what the crawler hands to the pipeline."""

    def __init__(self) -> None:
        self.calls: list[list[Document]] = []

    def __call__(self, documents: list[Document], removed: list[str]) -> None:
        self.calls.append(list(documents))

    @property
    def documents(self) -> dict[str, Document]:
        return {d.doc_id: d for call in self.calls for d in call}

    def by_title(self, fragment: str) -> Document:
        return next(d for d in self.documents.values() if fragment in d.title)


def fake_resolver(host: str, port: int) -> list[str]:
    """DNS for the tests: intranet.test is a private address; nothing else resolves."""
    if host == "intranet.test":
        return ["192.168.1.1"]
    raise AssertionError(f"unexpected DNS lookup of {host}")


@pytest.fixture
def site() -> Iterator[Site]:
    data = require_shared()
    require_shared("html-gov")
    with Site(data, SEED.read_text(encoding="utf-8")) as running:
        yield running


@pytest.fixture
def home(tmp_path: Path) -> Home:
    return Home(tmp_path)


def site_source(site: Site, **changes: Any) -> Source:
    """The test site as a source: loopback allowed, the private hosts listed but not allowed."""
    source = Source(
        name="site",
        start_urls=(site.url("/"),),
        allowed_hosts=("127.0.0.1", *PRIVATE_HOSTS),
        private_networks=("127.0.0.0/8",),
        delay=0.0,
        concurrency=4,
        max_depth=1,
        region="测试",
    )
    return replace(source, **changes)


class Counting:
    """parse_bytes, counting the calls (unchanged content must not be parsed again)."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def __call__(
        self, data: bytes, name: str, url: str = "", media_type: str = ""
    ) -> list[Document]:
        self.names.append(url)
        return parse_bytes(data, name, url=url, media_type=media_type)


def run(home: Home, source: Source, sink: Sink, **options: Any):  # type: ignore[no-untyped-def]
    options.setdefault("settings", FAST)
    options.setdefault("resolver", fake_resolver)
    return Crawler(home, sink, **options).run([source])


def reasons(entries: list[dict[str, str]], site: Site) -> dict[str, str]:
    return {e["url"].replace(site.root, ""): e["reason"] for e in entries}


def test_first_crawl_fetches_refuses_and_fails_as_a_good_crawler_should(
    site: Site, home: Home
) -> None:
    sink, session = Sink(), RecordingSession()
    summary = run(home, site_source(site), sink, session=session)

    failures = reasons(summary.failures, site)
    assert reasons(summary.dead_links, site) == {"/missing.html": "HTTP 404"}  # reported, not a failure
    assert summary.dead_links[0]["found_on"] == site.url("/")
    assert failures["/slow.html"].startswith("timeout (after 3 attempts)")
    assert "exceeds the 1500000-byte limit" in failures["/big.html"]
    assert "exceeds the 1500000-byte limit" in failures["/big-stream.html"]
    assert set(failures) == {"/slow.html", "/big.html", "/big-stream.html"}

    refusals = reasons(summary.refusals, site)
    assert refusals["/private/secret.html"] == "disallowed by robots.txt"
    assert "non-public address 10.0.0.1" in refusals["http://10.0.0.1/x"]
    assert "non-public address 192.168.1.1" in refusals["http://192.168.1.1/"]
    assert "non-public address 192.168.1.1" in refusals["http://intranet.test/policy.html"]
    assert "non-public address 10.0.0.1" in refusals["/redirect-private.html"]
    assert site.hits("/private/secret.html") == 0
    contacted = {requests.utils.urlparse(u).hostname for u in session.urls}
    assert contacted == {"127.0.0.1"}  # nothing sent to private or off-site hosts
    assert site.hits("/style.css") == 0

    assert site.hits("/flaky.html") == 2 and "/flaky.html" not in failures
    assert all(u.startswith(site.root) or "gov.cn" not in u for u in session.urls)
    assert summary.fetched >= 9 and summary.exit_code == 1
    assert len(summary.doc_ids) == len(sink.documents) == summary.added


def test_documents_carry_urls_metadata_and_the_right_encoding(site: Site, home: Home) -> None:
    sink = Sink()
    run(home, site_source(site), sink)

    npc = sink.by_title("特别国债")
    assert sorted(npc.extra["urls"]) == [site.url("/copy/npc.html"), site.url("/gov/npc.html")]
    assert npc.source_url == npc.extra["urls"][0]
    assert len([d for d in sink.documents.values() if "特别国债" in d.title]) == 1

    policy = sink.by_title(GB_PAGE_TITLE[:20])
    assert policy.title == GB_PAGE_TITLE
    assert "镕" in policy.text and "质量强市" in policy.text and "搜索关键字" not in policy.text
    assert policy.number == "厦委发〔2023〕5号"
    assert policy.publish_date == "2023-05-06"
    assert policy.effective_date == "2023-06-01"
    assert policy.region and policy.extra["crawl_source"] == "site"

    people = sink.by_title("郑板桥")
    assert "父亲节" in people.text  # declared gb2312 (meta and header), really UTF-8
    assert sink.by_title("食品安全法").extra["urls"] == [site.url("/law/food-safety.jsp")]
    raw = list((home.raw).glob("*/*.json"))
    assert raw and all(p.with_suffix(".body").exists() for p in raw)


def test_recrawl_uses_conditional_get_and_marks_removed_pages(site: Site, home: Home) -> None:
    run(home, site_source(site), Sink())
    site.version, site.gone = 1, True
    sink, parse = Sink(), Counting()
    second = run(home, site_source(site), sink, parse=parse)

    assert second.removed == 1
    gone = [d for d in sink.documents.values() if d.extra.get("removed")]
    titles = sorted(d.title for d in gone)
    assert any("抽样检验" in t for t in titles)  # /gone.html now 404
    assert any("食品生产许可" in t for t in titles)  # old content of /changing.html
    assert sink.by_title("食品经营许可").extra["urls"] == [site.url("/changing.html")]
    assert second.updated + second.added >= 1
    assert set(parse.names) <= {site.url("/changing.html"), site.url("/gone.html")}
    assert second.unchanged >= 5  # same bytes: not parsed again

    third_sink = Sink()
    third = run(home, site_source(site), third_sink)
    assert third.not_modified == 1 and third_sink.calls == []


def test_interrupted_crawl_resumes_where_it_stopped(site: Site, home: Home) -> None:
    source = site_source(site, concurrency=1)
    first_sink = Sink()
    stopped = run(home, source, first_sink, session=RecordingSession(interrupt_after=6))
    assert stopped.interrupted and stopped.exit_code == 130
    assert "interrupted" in stopped.line() and stopped.to_dict()["interrupted"] is True
    fetched_before = {p for p in set(site.requests) if p != "/robots.txt"}

    sink = Sink()
    summary = run(home, source, sink)
    assert summary.resumed == ["site"]
    redirect_targets = {"/gov/npc.html"}
    for path in fetched_before - redirect_targets:
        assert site.hits(path) == 1, path  # not fetched again
    fresh = Sink()
    reference = run(Home(home.root / "fresh"), source, fresh)
    assert set(first_sink.documents) | set(sink.documents) == set(fresh.documents)
    assert reference.resumed == []


def test_max_pages_and_depth_limit_the_crawl(site: Site, home: Home) -> None:
    summary = run(home, site_source(site, max_pages=3), Sink())
    assert summary.fetched + summary.failed + summary.refused == 3
    before = len(site.requests)
    shallow = run(Home(home.root / "b"), site_source(site, max_depth=0), Sink())
    assert shallow.fetched == 1 and site.requests[before:] == ["/robots.txt", "/"]


def test_follow_and_document_patterns_choose_what_becomes_a_document(
    site: Site, home: Home
) -> None:
    sink = Sink()
    source = site_source(site, follow=(r"/gov/",), documents=(r"/gov/(npc|kepu)\.html$",))
    summary = run(home, source, sink)
    assert sorted(d.source_url.replace(site.root, "") for d in sink.documents.values()) == [
        "/gov/kepu.html",
        "/gov/npc.html",
    ]
    assert summary.skipped == 2  # the index page and /gov/people.html: fetched, not documents
    assert site.hits("/law/food-safety.jsp") == 0


def test_a_dead_link_inside_a_page_is_reported_but_the_crawl_succeeds(site: Site, home: Home) -> None:
    summary = run(home, site_source(site, follow=(r"/missing\.html$",)), Sink())
    assert summary.failures == [] and summary.exit_code == 0
    assert summary.dead_links == [{"url": site.url("/missing.html"), "reason": "HTTP 404", "found_on": site.url("/")}]
    assert "1 dead links" in summary.line()


def test_a_listing_page_is_followed_but_not_indexed(site: Site, home: Home) -> None:
    sink = Sink()
    summary = run(home, site_source(site), sink)
    assert summary.fetched >= 9 and sink.documents  # the links of the listing were followed
    indexed_urls = {url for d in sink.documents.values() for url in d.extra.get("urls", [])}
    assert site.url("/") not in indexed_urls
