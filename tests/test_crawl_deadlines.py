"""The fetcher's deadlines against a real local server (tests/crawlsite) that misbehaves:
one byte at a time in the headers or the body, or a header block that does not parse.

A trickling server must not hold a fetch past ``headers_timeout`` / ``total_timeout`` (each
byte arrives well within ``read_timeout``, so only the deadlines can stop it), an expired
deadline is one failure (not retried), and nothing it sent is kept.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from stdsearch.crawl.crawler import Crawler
from stdsearch.crawl.fetch import (
    DeadlineExceeded,
    Fetcher,
    FetchSettings,
    MalformedResponse,
)
from stdsearch.crawl.rawstore import RawStore
from stdsearch.crawl.sources import Source
from stdsearch.errors import FetchError
from stdsearch.settings import Home

from .crawlsite import Reply, Site

#: Every byte arrives within read_timeout; headers and the whole response do not.
SETTINGS = FetchSettings(
    connect_timeout=1.0,
    read_timeout=1.0,
    headers_timeout=0.6,
    total_timeout=1.5,
    retries=2,
    backoff=0.01,
)
#: The slack allowed over a deadline (thread start-up, a loaded CI machine).
SLACK = 1.5
PAGE = b"<html><body>" + "质量".encode() * 200 + b"</body></html>"


def allow_all(url: str) -> None:
    """A policy check that lets every URL through."""


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    """The local site; only the replies a test adds to ``site.extra`` are requested."""
    with Site(tmp_path) as running:
        yield running


@pytest.fixture
def fetcher(tmp_path: Path) -> Fetcher:
    """A fetcher storing into a raw store under tmp_path."""
    return Fetcher(RawStore(tmp_path / "raw"), SETTINGS)


def stored_bodies(fetcher: Fetcher) -> list[Path]:
    """Every body file in the fetcher's raw store."""
    return list(fetcher.raw.root.rglob("*.body")) if fetcher.raw.root.exists() else []


def timed_failure(fetcher: Fetcher, url: str) -> tuple[FetchError, float]:
    """The error a fetch raised and the seconds it took."""
    started = time.monotonic()
    with pytest.raises(FetchError) as raised:
        fetcher.fetch(url, allow_all)
    return raised.value, time.monotonic() - started


def test_headers_trickling_a_byte_at_a_time_stop_at_the_headers_deadline(
    site: Site, fetcher: Fetcher
) -> None:
    site.extra["/trickle-headers"] = Reply(
        body=PAGE, headers={"Content-Type": "text/html", "X-Padding": "p" * 200}, trickle=0.05
    )
    error, seconds = timed_failure(fetcher, site.url("/trickle-headers"))
    assert isinstance(error, DeadlineExceeded) and "headers" in str(error)
    assert seconds < SETTINGS.headers_timeout + SLACK
    assert site.hits("/trickle-headers") == 1, "an expired deadline is not retried"
    assert stored_bodies(fetcher) == []


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "until-close"])
def test_a_body_trickling_a_byte_at_a_time_stops_at_the_total_deadline(
    site: Site, fetcher: Fetcher, declared: bool
) -> None:
    headers = {"Content-Type": "text/html"}
    if declared:
        headers["Content-Length"] = str(len(PAGE))
    site.extra["/trickle-body"] = Reply(body=PAGE, headers=headers, trickle=0.05, trickle_body=True)
    error, seconds = timed_failure(fetcher, site.url("/trickle-body"))
    assert isinstance(error, DeadlineExceeded) and f"{SETTINGS.total_timeout:g}s" in str(error)
    assert seconds < SETTINGS.total_timeout + SLACK
    assert site.hits("/trickle-body") == 1
    assert stored_bodies(fetcher) == [], "a body cut short by the deadline is not kept"


def test_robots_txt_is_under_the_same_deadlines(site: Site, fetcher: Fetcher) -> None:
    site.extra["/robots.txt"] = Reply(body=b"User-agent: *\n" * 50, trickle=0.05)
    started = time.monotonic()
    with pytest.raises(FetchError, match="headers"):
        fetcher.fetch_text(site.url("/robots.txt"), allow_all)
    assert time.monotonic() - started < SETTINGS.headers_timeout + SLACK


@pytest.mark.parametrize(
    "raw",
    [
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nthis line is not a header\r\n\r\n<p>x</p>",
        b"HTTP/1.1 200 OK\r\n Content-Type: text/html\r\n\r\n<p>x</p>",
        b"HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n<p>x</p>",
        b"HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n<p>x</p>",
        b"HTTP/1.1 302 Found\r\nLocation: http://[::1\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:port/\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 abc OK\r\n\r\n<p>x</p>",
    ],
    ids=[
        "line-without-colon",
        "continuation-first",
        "length-not-a-number",
        "negative-length",
        "redirect-to-a-broken-url",
        "redirect-to-a-bad-port",
        "bad-status-line",
    ],
)
def test_a_malformed_header_block_is_a_failure_not_an_empty_page(
    site: Site, fetcher: Fetcher, raw: bytes
) -> None:
    site.extra["/malformed"] = Reply(raw=raw)
    error, _ = timed_failure(fetcher, site.url("/malformed"))
    assert isinstance(error, MalformedResponse | FetchError)
    assert stored_bodies(fetcher) == []


def test_a_body_shorter_than_its_content_length_is_a_failure(site: Site, fetcher: Fetcher) -> None:
    raw = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5000\r\n\r\n<p>short</p>"
    site.extra["/short"] = Reply(raw=raw)
    timed_failure(fetcher, site.url("/short"))
    assert stored_bodies(fetcher) == []


def test_a_well_behaved_slowish_server_is_still_fetched(site: Site, fetcher: Fetcher) -> None:
    site.extra["/steady"] = Reply(
        body=PAGE[:20], headers={"Content-Type": "text/html"}, trickle=0.01, trickle_body=True
    )
    fetched = fetcher.fetch(site.url("/steady"), allow_all)
    assert fetched.ok and Path(fetched.body_path).read_bytes() == PAGE[:20]


@pytest.fixture
def hung_resolver(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A host name whose DNS lookup never answers (until the test ends); other names resolve."""
    answer = threading.Event()
    real = socket.getaddrinfo

    def getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
        if host == "hung.test":
            answer.wait()
            raise socket.gaierror(socket.EAI_AGAIN, "the resolver gave up")
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield "hung.test"
    answer.set()


def test_a_hung_resolver_is_under_the_connect_deadline(site: Site, fetcher: Fetcher, hung_resolver: str) -> None:
    port = site.url("/").split(":")[-1].rstrip("/")
    error, _ = timed_failure(fetcher, f"http://{hung_resolver}:{port}/page")
    assert f"cannot resolve {hung_resolver}: no answer within {SETTINGS.connect_timeout:g}s" in str(error)


def test_a_name_is_connected_to_each_of_its_addresses_in_turn(
    site: Site, fetcher: Fetcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    site.extra["/page"] = Reply(body=PAGE, headers={"Content-Type": "text/html"})
    port = int(site.url("/").split(":")[-1].rstrip("/"))
    real = socket.getaddrinfo

    def getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
        if host == "twice.test":  # first an address where nothing listens, then the site's
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)) for address in ("127.0.0.2", "127.0.0.1")]
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    fetched = fetcher.fetch(f"http://twice.test:{port}/page", allow_all)
    assert fetched.ok and Path(fetched.body_path).read_bytes() == PAGE


def test_the_crawl_policys_lookup_is_under_the_connect_deadline(tmp_path: Path, hung_resolver: str) -> None:
    source = Source(
        "hung", (f"http://{hung_resolver}/",), allowed_hosts=(hung_resolver,), allow_private=True, delay=0.0
    )
    summary = Crawler(Home(tmp_path / "home"), lambda documents, removed: None, settings=SETTINGS).run([source])
    assert summary.exit_code == 1
    assert [f["reason"] for f in summary.failures] == [
        f"cannot resolve {hung_resolver}: no answer within {SETTINGS.connect_timeout:g}s"
    ]
