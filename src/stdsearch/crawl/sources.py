"""Crawl sources: what to fetch, where to stay, and how politely (``corpus/sources.toml``).

A source names its start URLs (each run also re-checks the document pages it found before,
unless ``recheck = false``), the hosts it may visit, regular expressions for links to
follow and for URLs that are documents, defaults for the documents' kind / level / region /
issuer, its politeness (delay between requests to a host, concurrent requests) and whether it
may reach private addresses. Example::

    [[source]]
    name = "xm-policy"
    start_urls = ["https://www.xm.gov.cn/zwgk/flfg/sfwj/"]
    allowed_hosts = ["www.xm.gov.cn"]
    follow = ['/zwgk/flfg/']
    documents = ['/t\\d{8}_\\d+\\.htm$']
    kind = "policy"
    region = "厦门"
    delay = 2.0

An optional ``[fetch]`` table sets the network limits of every source (see
:class:`stdsearch.crawl.fetch.FetchSettings`): ``connect_timeout``, ``read_timeout``,
``headers_timeout``, ``total_timeout``, ``max_bytes``, ``retries``, ``backoff``, ``max_redirects``, ``user_agent``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from stdsearch.crawl.fetch import FetchSettings
from stdsearch.errors import StdsearchError
from stdsearch.settings import Home


class SourceError(StdsearchError):
    """sources.toml cannot be read, or names a source that does not exist."""


@dataclass(frozen=True)
class Source:
    """One site (or part of a site) to crawl, with its policy and document defaults."""

    name: str
    start_urls: tuple[str, ...]
    allowed_hosts: tuple[str, ...] = ()
    follow: tuple[str, ...] = ()
    documents: tuple[str, ...] = ()
    kind: str = ""
    level: str = ""
    region: str = ""
    issuer: str = ""
    delay: float = 1.0
    concurrency: int = 1
    max_pages: int = 500
    max_depth: int = 3
    allow_private: bool = False
    private_networks: tuple[str, ...] = ()
    network: bool = True
    enabled: bool = True
    recheck: bool = True
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def hosts(self) -> tuple[str, ...]:
        """The hosts this source may visit: ``allowed_hosts``, else its start URLs' hosts."""
        if self.allowed_hosts:
            return tuple(h.lower() for h in self.allowed_hosts)
        return tuple(dict.fromkeys((urlsplit(u).hostname or "").lower() for u in self.start_urls))


_TUPLE_FIELDS = {"start_urls", "allowed_hosts", "follow", "documents", "private_networks"}


def source_from_dict(data: dict[str, Any]) -> Source:
    """Build a Source from one ``[[source]]`` table, rejecting unknown keys and bad values."""
    known = {f.name for f in fields(Source)}
    unknown = sorted(set(data) - known)
    name = data.get("name", "?")
    if unknown:
        raise SourceError(f"source {name!r}: unknown keys {', '.join(unknown)}")
    if not data.get("name") or not data.get("start_urls"):
        raise SourceError(f"source {name!r}: 'name' and 'start_urls' are required")
    values = {k: tuple(v) if k in _TUPLE_FIELDS else v for k, v in data.items()}
    source = Source(**values)
    _check(source)
    return source


def _check(source: Source) -> None:
    """Reject values a crawl cannot honour (bad URLs, negative delays, zero concurrency)."""
    for url in source.start_urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SourceError(f"source {source.name!r}: start URL {url!r} is not http(s)")
    if source.delay < 0 or source.concurrency < 1 or source.max_pages < 1 or source.max_depth < 0:
        raise SourceError(
            f"source {source.name!r}: delay >= 0, concurrency >= 1, max_pages >= 1, "
            "max_depth >= 0 are required"
        )


def read_config(path: str | Path) -> dict[str, Any]:
    """The parsed TOML of a sources file (SourceError when missing or malformed)."""
    path = Path(path)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SourceError(f"{path}: no such sources file") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SourceError(f"{path}: {exc}") from exc


def load_fetch_settings(path: str | Path) -> FetchSettings:
    """The ``[fetch]`` table of a sources file as FetchSettings (defaults when absent)."""
    table = read_config(path).get("fetch", {})
    known = {f.name for f in fields(FetchSettings)}
    unknown = sorted(set(table) - known)
    if unknown:
        raise SourceError(f"{path}: unknown [fetch] keys {', '.join(unknown)}")
    return FetchSettings(**table)


def load_sources(path: str | Path) -> list[Source]:
    """All sources in a sources.toml file (``[[source]]`` tables), in file order."""
    data = read_config(path)
    sources = [source_from_dict(table) for table in data.get("source", [])]
    names = [s.name for s in sources]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise SourceError(f"{path}: duplicate source names {', '.join(duplicates)}")
    return sources


def select_sources(sources: Iterable[Source], names: Iterable[str] = ()) -> list[Source]:
    """The named sources (any, even disabled ones), or every enabled source when none is named."""
    sources = list(sources)
    wanted = list(names)
    if not wanted:
        return [s for s in sources if s.enabled]
    by_name = {s.name: s for s in sources}
    missing = [n for n in wanted if n not in by_name]
    if missing:
        known = ", ".join(by_name) or "none"
        raise SourceError(f"unknown source {', '.join(missing)} (known: {known})")
    return [by_name[n] for n in wanted]


def adhoc_source(
    urls: Iterable[str],
    *,
    max_pages: int | None = None,
    max_depth: int | None = None,
    allow_hosts: Iterable[str] = (),
    allow_private: bool = False,
    delay: float | None = None,
) -> Source:
    """A source for ``stdsearch crawl URL...``: stay on the URLs' hosts plus ``allow_hosts``."""
    start = tuple(urls)
    hosts = [(urlsplit(u).hostname or "").lower() for u in start]
    hosts += [h.lower() for h in allow_hosts]
    values: dict[str, Any] = {
        "name": "adhoc",
        "start_urls": start,
        "allowed_hosts": tuple(dict.fromkeys(hosts)),
        "allow_private": allow_private,
        "recheck": False,
    }
    if max_pages is not None:
        values["max_pages"] = max_pages
    if max_depth is not None:
        values["max_depth"] = max_depth
    if delay is not None:
        values["delay"] = delay
    source = Source(**values)
    _check(source)
    return source


def shipped_sources() -> Path | None:
    """The sources file shipped with stdsearch: ``stdsearch/_corpus/sources.toml`` in a wheel,
    ``corpus/sources.toml`` of the checkout in a source or editable install (None if neither)."""
    package = Path(__file__).resolve().parents[1]
    for candidate in (package / "_corpus" / "sources.toml", package.parents[1] / "corpus" / "sources.toml"):
        if candidate.is_file():
            return candidate
    return None


def default_sources(home: Home) -> Path:
    """The sources file a crawl without --config reads: the home's corpus/sources.toml when it
    has one, else the shipped one (so the README's crawl commands work on a new home)."""
    if home.sources.exists():
        return home.sources
    return shipped_sources() or home.sources
