"""``stdsearch crawl`` as cron runs it: real pipeline, --json summary, exit codes 0 / 1 / 2."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from stdsearch.cli import main
from stdsearch.crawl.sources import load_sources
from stdsearch.store import Store

from .conftest import PROJECT, SEED, require_shared
from .crawlsite import GB_PAGE_TITLE, Site

FETCH = """
[fetch]
connect_timeout = 1.0
read_timeout = 0.3
total_timeout = 5.0
max_bytes = 1500000
retries = 1
backoff = 0.01
"""
SUMMARY_KEYS = {"fetched", "not_modified", "failed", "documents", "added", "updated", "failures"}


@pytest.fixture
def site() -> Iterator[Site]:
    with Site(require_shared(), SEED.read_text(encoding="utf-8")) as running:
        yield running


def crawl(home: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--home", str(home), "crawl", *args])


def summary(result: Result) -> dict:
    return json.loads(result.output.strip().splitlines()[-1])


def write_sources(home: Path, site: Site | None) -> Path:
    config = home / "corpus" / "sources.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(
        FETCH
        + f"""
[[source]]
name = "site"
start_urls = ["{site.url("/") if site else "http://127.0.0.1:9/"}"]
allowed_hosts = ["127.0.0.1"]
allow_private = true
delay = 0.0
concurrency = 4
max_depth = 1
region = "测试"

[[source]]
name = "elsewhere"
start_urls = ["http://127.0.0.1:9/"]
enabled = false
""",
        encoding="utf-8",
    )
    return config


def test_configured_crawl_indexes_documents_and_reports_failures(
    site: Site, tmp_path: Path
) -> None:
    write_sources(tmp_path, site)
    result = crawl(tmp_path, "--json")
    assert result.exit_code == 1, result.output  # the timeout, the oversized pages
    first = summary(result)
    assert set(first) >= SUMMARY_KEYS
    failed = {f["url"].replace(site.root, "") for f in first["failures"]}
    assert {"/slow.html", "/big.html"} <= failed and "/missing.html" not in failed
    assert [d["url"].replace(site.root, "") for d in first["dead_links"]] == ["/missing.html"]
    assert first["added"] == first["documents"] >= 8
    stored = [Store(_home(tmp_path)).get(i) for i in Store(_home(tmp_path)).ids()]
    policy = next(d for d in stored if d.title == GB_PAGE_TITLE)
    assert policy.number == "厦委发〔2023〕5号" and policy.clauses

    again = summary(crawl(tmp_path, "--json", "site"))
    assert again["added"] == 0 and again["documents"] == first["documents"]
    assert again["fetched"] >= 8 and again["updated"] == 0


def test_url_crawl_exit_codes(site: Site, tmp_path: Path) -> None:
    ok = crawl(tmp_path, site.url("/gov/npc.html"), "--max-depth", "0", "--allow-private", "--json")
    assert ok.exit_code == 0, ok.output
    assert summary(ok)["fetched"] == 1 and summary(ok)["added"] == 1

    missing = crawl(tmp_path, site.url("/missing.html"), "--allow-private", "--delay", "0")
    assert missing.exit_code == 1
    assert "pages: 0 fetched" in missing.output and "HTTP 404" in missing.output

    private = crawl(tmp_path, site.url("/"), "--json", "--max-depth", "0")
    assert private.exit_code == 1
    assert "non-public address 127.0.0.1" in summary(private)["failures"][0]["reason"]


@pytest.mark.parametrize(
    "args",
    [
        ["http://127.0.0.1/", "site"],
        ["nosuchsource"],
        ["--max-pages", "0", "http://127.0.0.1/"],
        ["--allow-host", "example.org", "site"],
        ["ftp://127.0.0.1/file"],
    ],
)
def test_usage_errors_exit_2(tmp_path: Path, args: list[str]) -> None:
    write_sources(tmp_path, None)
    result = crawl(tmp_path, *args)
    assert result.exit_code == 2, result.output


def test_shipped_sources_are_real_sites_marked_as_needing_network() -> None:
    sources = load_sources(PROJECT / "corpus" / "sources.toml")
    hosts = {h for s in sources for h in s.hosts}
    assert {"www.xm.gov.cn", "std.samr.gov.cn", "openstd.samr.gov.cn"} <= hosts
    assert all(s.network and not s.allow_private for s in sources)


def _home(path: Path):  # type: ignore[no-untyped-def]
    from stdsearch.settings import Home

    return Home(path)


def test_an_interrupted_crawl_prints_its_summary_and_exits_130(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from stdsearch.crawl import crawler

    def interrupted(*_: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(crawler.Crawler, "_crawl", interrupted)
    result = crawl(tmp_path, site.url("/"), "--allow-private", "--json")
    assert result.exit_code == 130
    assert summary(result)["interrupted"] is True


def test_a_new_home_crawls_with_the_shipped_sources_file(tmp_path: Path) -> None:
    from stdsearch.crawl.sources import default_sources
    from stdsearch.settings import Home

    home = Home.resolve(tmp_path / "new")
    assert default_sources(home) == PROJECT / "corpus" / "sources.toml"
    assert any(s.name == "xm-policy" for s in load_sources(default_sources(home)))
    result = crawl(home.root, "no-such-source")
    assert result.exit_code == 2 and "no-such-source" in result.output
    assert not (home.root / "corpus" / "sources.toml").exists()
