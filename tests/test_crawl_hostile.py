"""Hostile documents on a crawled site (issue 16 parts 2 and 3): each is parsed in a bounded
worker, so a zip-bomb DOCX is that page's failure in the JSON summary, with the reason, while
the crawl goes on and indexes the rest; and no worker outlives the crawl, whether it ends
normally or is killed with ``kill -9``."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from stdsearch.cli import main
from stdsearch.crawl.links import MAX_LINKS_PER_PAGE, extract_links, is_listing
from stdsearch.search import SearchRequest, search
from stdsearch.settings import Home
from stdsearch.store import Store

from .conftest import SEED
from .crawlsite import HTML, Reply, Site
from .test_crash import cli, descendants, outlived
from .test_hostile_files import GOOD_LAW, _children, zip_bomb_docx

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#: Nesting as deep as a 1.5 MB page allows.
DEEP_PAGE = b"<html><body>" + b"<div>" * 120_000 + "第一条 深层嵌套的页面仍是一份文件。".encode() + b"</div>" * 120_000
GOOD_PAGE = ("<html><head><title>电动自行车停放管理办法</title></head><body>"
             + "".join(f"<p>{line}</p>" for line in GOOD_LAW.splitlines()) + "</body></html>").encode()


def hostile_site(site: Site) -> str:
    """Add the hostile pages to ``site``; the URL of the page linking them."""
    links = ("/hostile/bomb.docx", "/hostile/deep.html", "/hostile/good.html")
    listing = "".join(f'<li><a href="{link}">{link}</a></li>' for link in links)
    site.extra.update({
        "/hostile/": Reply(body=f"<html><body><ul>{listing}</ul></body></html>".encode(), headers={"Content-Type": HTML}),
        "/hostile/bomb.docx": Reply(body=zip_bomb_docx(24), headers={"Content-Type": DOCX}),
        "/hostile/deep.html": Reply(body=DEEP_PAGE, headers={"Content-Type": HTML}),
        "/hostile/good.html": Reply(body=GOOD_PAGE, headers={"Content-Type": HTML}),
    })
    return site.url("/hostile/")


def write_sources(home: Path, site: Site, *, slow_source: bool = False) -> None:
    """A sources file with the hostile site (and, when ``slow_source``, a second source whose
    only page trickles, so the crawl is still running after the first source was parsed)."""
    config = home / "corpus" / "sources.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    text = f"""
[fetch]
connect_timeout = 2.0
read_timeout = 30.0
total_timeout = 60.0
max_bytes = 1500000
retries = 0

[[source]]
name = "hostile"
start_urls = ["{hostile_site(site)}"]
allowed_hosts = ["127.0.0.1"]
documents = ['/hostile/[a-z]+[.][a-z]+$']
allow_private = true
delay = 0.0
concurrency = 2
max_depth = 1
"""
    if slow_source:
        site.extra["/trickle.html"] = Reply(body=GOOD_PAGE, headers={"Content-Type": HTML}, trickle=0.5)
        text += f"""
[[source]]
name = "trickle"
start_urls = ["{site.url("/trickle.html")}"]
allowed_hosts = ["127.0.0.1"]
allow_private = true
delay = 0.0
max_depth = 0
"""
    config.write_text(text, encoding="utf-8")


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    with Site(tmp_path / "no-saved-pages") as running:
        yield running


@pytest.fixture
def small_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """A decompression limit the 24 MB bomb crosses."""
    monkeypatch.setenv("STDSEARCH_PARSE_DECOMPRESSED_MB", "16")


def test_a_hostile_document_is_its_pages_failure_and_the_crawl_goes_on(
    site: Site, tmp_path: Path, small_limits: None
) -> None:
    home = Home.resolve(tmp_path / "home")
    write_sources(home.root, site)
    before = _children()

    result = CliRunner().invoke(main, ["--home", str(home.root), "crawl", "--json"])

    assert result.exit_code == 1, result.output  # a document page failed
    summary = json.loads(result.output.strip().splitlines()[-1])
    failures = {f["url"].replace(site.root, ""): f["reason"] for f in summary["failures"]}
    assert list(failures) == ["/hostile/bomb.docx"]
    assert "more than the 16 MB limit" in failures["/hostile/bomb.docx"]
    assert summary["added"] == 2  # the deep page and the good one
    assert search(home, SearchRequest(q="电动自行车停放")).total >= 1
    assert search(home, SearchRequest(q="深层嵌套")).total >= 1
    assert _children() <= before  # the parsing worker stopped with the crawl


@pytest.mark.slow  # a crawl in its own process, killed while its worker is alive
def test_a_killed_crawl_leaves_no_worker(site: Site, tmp_path: Path) -> None:
    home = tmp_path / "home"
    write_sources(home, site, slow_source=True)
    crawl = cli(home, "crawl", "--json")
    workers: set[int] = set()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and crawl.poll() is None:
        workers |= {pid for pid in descendants(crawl.pid) if b"stdsearch.workers" in _command_line(pid)}
        if workers and site.hits("/trickle.html"):
            break
        time.sleep(0.05)
    assert crawl.poll() is None and workers, "the crawl never parsed the first source while running"

    os.kill(crawl.pid, signal.SIGKILL)
    crawl.wait()
    assert not outlived(workers), f"a parsing worker outlived the killed crawl: {outlived(workers)}"
    # nothing holds the home: the next writer runs, and indexes what the killed crawl had parsed
    assert cli(home, "ingest", str(SEED)).wait(timeout=300) == 0
    stored = {Store(Home(home)).get(doc_id).title for doc_id in Store(Home(home)).ids()}
    assert "电动自行车停放管理办法" in stored


def _command_line(pid: int) -> bytes:
    """The command line of a process (empty when it is gone)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def test_a_page_of_endless_links_is_read_up_to_the_cap() -> None:
    count = MAX_LINKS_PER_PAGE + 5_000
    page = b"<html><body>" + b"".join(b'<a href="/p%d">p</a>' % n for n in range(count)) + b"</body></html>"
    links = extract_links(page, "http://127.0.0.1/")
    assert len(links) == MAX_LINKS_PER_PAGE and links[0] == "http://127.0.0.1/p0"
    assert is_listing(page)  # followed (up to the cap), not indexed
