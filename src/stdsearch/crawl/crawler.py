"""The crawl loop: frontier → policy → fetch → raw store → parse → the pipeline's sink.

:func:`crawl` runs sources one after another. For each, a run is started (or an interrupted
one resumed) in the frontier, seeded with the start URLs and every document page the source
found before (so changed and removed pages are noticed). Batches of URLs are fetched by a
small thread pool (politeness per host in :class:`~stdsearch.crawl.policy.HostThrottle`);
results are recorded by the main thread only. Every ``flush_every`` pages, and at the end,
pages whose content the index does not yet hold are parsed from the raw store — in a worker
process under the ingest limits (:mod:`stdsearch.crawl.bounded`), stopped whenever the crawl
ends — and handed to ``sink(documents, removed_ids)``, by default
:func:`stdsearch.pipeline.index_documents`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import urlsplit

import requests

from stdsearch.crawl.bounded import BoundedParser, ContentParser
from stdsearch.crawl.documents import Parse, is_document_type, parse_fetched
from stdsearch.crawl.fetch import Fetched, Fetcher, FetchSettings, utc_now
from stdsearch.crawl.frontier import Frontier, Page, QueueItem
from stdsearch.crawl.indexer import Indexer, Sink
from stdsearch.crawl.links import extract_links, is_html, is_listing
from stdsearch.crawl.policy import (
    HostThrottle,
    Refused,
    Resolver,
    Robots,
    UrlPolicy,
    resolve_within,
)
from stdsearch.crawl.rawstore import RawStore
from stdsearch.crawl.sources import Source
from stdsearch.crawl.summary import CrawlSummary
from stdsearch.errors import FetchError
from stdsearch.identity import short_hash
from stdsearch.settings import Home

#: Called after each URL is handled: (url, outcome).
Progress = Callable[[str, str], None]
GONE = (404, 410)
#: Statuses of a link that leads nowhere (a dead link when found inside a page).
DEAD = frozenset({400, 401, 403, 404, 405, 410, 451})


@dataclass(frozen=True)
class Job:
    """A URL to fetch, with the validators of its previous fetch (for conditional GET)."""

    item: QueueItem
    etag: str = ""
    last_modified: str = ""


@dataclass(frozen=True)
class Outcome:
    """What fetching a Job gave: a Fetched record or the error."""

    job: Job
    fetched: Fetched | None = None
    error: FetchError | None = None


class SourceRun:
    """Per-source policy objects shared by the fetch threads."""

    def __init__(self, source: Source, fetcher: Fetcher, resolver: Resolver) -> None:
        self.source = source
        self.fetcher = fetcher
        self.policy = UrlPolicy(
            source.hosts, source.allow_private, source.private_networks, resolver=resolver
        )
        self.robots = Robots(fetcher.settings.user_agent, self._load_robots)
        self.throttle = HostThrottle(source.delay, source.concurrency)
        self._follow = [re.compile(p) for p in source.follow]
        self._documents = [re.compile(p) for p in source.documents]

    def _load_robots(self, url: str) -> tuple[int, str]:
        """Fetch robots.txt through the same seam and address policy."""
        return self.fetcher.fetch_text(url, self.policy.check, self.policy.check_peer)

    def check(self, url: str) -> None:
        """The policy every URL and redirect hop must pass: scheme, host, address, robots."""
        self.policy.check(url)
        if not self.robots.allowed(url):
            raise Refused("disallowed by robots.txt")

    def fetch(self, job: Job) -> Outcome:
        """Fetch one URL politely (runs in a worker thread; touches no database)."""
        url = job.item.url
        try:
            self.check(url)
            host = urlsplit(url).hostname or ""
            self.throttle.ask_delay(host, self.robots.crawl_delay(url))
            with self.throttle.slot(host):
                fetched = self.fetcher.fetch(
                    url, self.check, job.etag, job.last_modified, self.policy.check_peer
                )
        except FetchError as error:
            return Outcome(job, error=error)
        return Outcome(job, fetched=fetched)

    def follows(self, url: str) -> bool:
        """True when a discovered link should be queued (in scope, matching follow/documents)."""
        if not self.policy.in_scope(url):
            return False
        patterns = self._follow + self._documents
        return not self._follow or any(p.search(url) for p in patterns)

    def is_document(self, url: str) -> bool:
        """True when a URL's content should become documents (all pages unless patterns say)."""
        return not self._documents or any(p.search(url) for p in self._documents)

    def is_document_page(self, url: str, content_type: str, data: bytes) -> bool:
        """True when a fetched page should become documents: its URL and type qualify and,
        unless the source's document patterns name it, it is not a listing or hub page
        (those are followed for their links, not indexed)."""
        if not self.is_document(url) or not is_document_type(content_type):
            return False
        if self._documents or not is_html(content_type, data):
            return True
        return not is_listing(data, _charset(content_type))

    def must_succeed(self, item: QueueItem, previous: Page | None) -> bool:
        """True when failing to fetch this URL fails the crawl: a start URL, a document page
        known from an earlier crawl, or a link the source's document patterns name. Other
        links found inside pages that answer 4xx are dead links: reported, not failures."""
        if item.depth == 0 or (previous is not None and previous.document):
            return True
        return bool(self._documents) and self.is_document(item.url)


def run_key(source: Source) -> str:
    """The frontier key of a source: its name and start URLs (ad hoc crawls differ by URL)."""
    return f"{source.name}:{short_hash(*source.start_urls)}"


class Crawler:
    """Crawls sources into a home; network through ``session``, documents into ``sink``.

    Documents are parsed in a bounded worker process, unless ``parse`` (a
    :func:`stdsearch.parse.parse_bytes`-like function) asks for parsing in this process."""

    def __init__(
        self,
        home: Home,
        sink: Sink,
        *,
        settings: FetchSettings | None = None,
        session: requests.Session | None = None,
        resolver: Resolver | None = None,
        parse: Parse | None = None,
        progress: Progress | None = None,
        flush_every: int = 50,
    ) -> None:
        self.home = home
        self.raw = RawStore(home.raw)
        self.fetcher = Fetcher(self.raw, settings, session)
        # the policy's lookups are bounded by the connect timeout, like the connections' own
        self.resolver = resolver or partial(resolve_within, seconds=self.fetcher.settings.connect_timeout)
        self.sink = sink
        self.parse = parse
        self.progress = progress
        self.flush_every = flush_every

    def run(self, sources: Iterable[Source]) -> CrawlSummary:
        """Crawl every source in turn; return the summary (failures are counted, not raised).

        Ctrl-C stops the crawl where it is: what was fetched is kept (the run resumes next
        time) and the summary says ``interrupted`` (exit status 130)."""
        started = time.monotonic()
        summary = CrawlSummary()
        frontier = Frontier(self.home.corpus / "crawl.sqlite3")
        bounded = BoundedParser() if self.parse is None else None
        parser = bounded or partial(parse_fetched, self.parse)
        try:
            for source in sources:
                summary.sources.append(source.name)
                self._crawl(frontier, source, summary, parser)
        except KeyboardInterrupt:
            summary.interrupted = True
        finally:
            if bounded is not None:
                bounded.close(kill=True)  # idle by now, or abandoned
            frontier.close()
            summary.seconds = time.monotonic() - started
        return summary

    def _crawl(self, frontier: Frontier, source: Source, summary: CrawlSummary, parser: ContentParser) -> None:
        """One source: resume or start a run, fetch batches, index, finish."""
        seeds = [QueueItem(url, 0) for url in source.start_urls]
        if source.recheck:
            seeds += frontier.known_documents(source.name)
        crawl_id, resumed = frontier.start(run_key(source), source.name, seeds, utc_now())
        if resumed:
            summary.resumed.append(source.name)
        run = SourceRun(source, self.fetcher, self.resolver)
        indexer = Indexer(frontier, self.raw, source, self.sink, summary, parser)
        indexer.flush()
        recorder = Recorder(frontier, self.raw, run, crawl_id, summary)
        pool = ThreadPoolExecutor(max_workers=source.concurrency)
        try:
            while batch := self._next_batch(frontier, crawl_id, source):
                for outcome in pool.map(run.fetch, batch):
                    self._report(outcome.job.item.url, recorder.record(outcome))
                if indexer.pending() >= self.flush_every:
                    indexer.flush()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        indexer.flush()
        frontier.finish(crawl_id, utc_now())

    def _next_batch(self, frontier: Frontier, crawl_id: int, source: Source) -> list[Job]:
        """The next pending URLs (within max_pages), with their previous validators."""
        room = source.max_pages - frontier.count_done(crawl_id)
        if room <= 0:
            return []
        jobs = []
        for item in frontier.pending(crawl_id, min(room, source.concurrency * 4)):
            page = frontier.page(item.url)
            fresh = page is None or page.removed or not page.sha256
            jobs.append(Job(item) if fresh else Job(item, page.etag, page.last_modified))
        return jobs

    def _report(self, url: str, outcome: str) -> None:
        """Tell the progress display."""
        if self.progress:
            self.progress(url, outcome)


class Recorder:
    """Records one fetch outcome: page state, raw provenance, fetch log, discovered links."""

    def __init__(
        self,
        frontier: Frontier,
        raw: RawStore,
        run: SourceRun,
        crawl_id: int,
        summary: CrawlSummary,
    ) -> None:
        self.frontier, self.raw, self.run = frontier, raw, run
        self.crawl_id, self.summary = crawl_id, summary

    def record(self, outcome: Outcome) -> str:
        """Record the outcome of one URL; return a one-word description of it."""
        item = outcome.job.item
        previous = self.frontier.page(item.url)
        if outcome.error is not None:
            word = self._error(item, outcome.error)
        else:
            assert outcome.fetched is not None
            word = self._response(item, outcome.fetched, previous)
        self.frontier.done(self.crawl_id, item.url)
        return word

    def _error(self, item: QueueItem, error: FetchError) -> str:
        """A refusal of a discovered link, a dead link, or a failure (a refused start URL is a failure)."""
        if isinstance(error, Refused) and item.depth > 0:
            self.summary.refuse(item.url, str(error))
            self.frontier.log(self.crawl_id, item.url, "refused", reason=str(error))
            return "refused"
        self.summary.fail(item.url, str(error))
        self.frontier.log(
            self.crawl_id, item.url, "failed", reason=str(error), fetched_at=utc_now()
        )
        return "failed"

    def _response(self, item: QueueItem, fetched: Fetched, previous: Page | None) -> str:
        """Dispatch on the response status."""
        if fetched.not_modified and previous and previous.sha256:
            return self._not_modified(item, fetched, previous)
        if fetched.status in GONE and previous and previous.sha256 and not previous.removed:
            return self._gone(item, fetched, previous)
        if not fetched.ok:
            reason = f"HTTP {fetched.status}"
            if fetched.status in DEAD and not self.run.must_succeed(item, previous):
                self._log(fetched, "dead_link", reason)
                return self._dead(item, reason)
            self.summary.fail(item.url, reason)
            self._log(fetched, "failed", reason)
            return "failed"
        return self._stored(item, fetched, previous)

    def _dead(self, item: QueueItem, reason: str) -> str:
        """A link found inside a page that leads nowhere: reported, not a failure."""
        self.summary.dead_link(item.url, reason, item.referrer)
        return "dead link"

    def _not_modified(self, item: QueueItem, fetched: Fetched, previous: Page) -> str:
        """304: nothing to parse; still follow the page's links from the stored copy."""
        self.summary.not_modified += 1
        previous.fetched_at = fetched.fetched_at
        self.frontier.save_page(previous)
        self._count_unchanged(previous)
        self._log(fetched, "not_modified")
        self._follow_links(
            item, previous.final_url or item.url, previous.content_type, previous.sha256
        )
        return "not_modified"

    def _gone(self, item: QueueItem, fetched: Fetched, previous: Page) -> str:
        """404/410 for a page we had: mark it removed (its documents are flagged, not deleted)."""
        self.summary.removed += 1
        previous.removed = True
        previous.removed_reason = f"HTTP {fetched.status} on {fetched.fetched_at}"
        previous.status = fetched.status
        previous.fetched_at = fetched.fetched_at
        self.frontier.save_page(previous)
        self._log(fetched, "removed", previous.removed_reason)
        return "removed"

    def _stored(self, item: QueueItem, fetched: Fetched, previous: Page | None) -> str:
        """A 2xx body is in the raw store: update the page, note provenance, follow links."""
        self.summary.fetched += 1
        content_type = fetched.headers.get("content-type", "")
        page = previous or Page(item.url, first_seen=fetched.fetched_at, depth=item.depth)
        page.source, page.final_url, page.status = (
            self.run.source.name,
            fetched.final_url,
            fetched.status,
        )
        page.etag, page.last_modified = fetched.etag, fetched.last_modified
        page.sha256, page.content_type, page.fetched_at = (
            fetched.sha256,
            content_type,
            fetched.fetched_at,
        )
        page.depth = min(page.depth, item.depth)
        data = self.raw.read(fetched.sha256) if self.raw.has(fetched.sha256) else b""
        page.document = self.run.is_document_page(fetched.final_url, content_type, data)
        page.removed, page.removed_reason = False, ""
        self.frontier.save_page(page)
        self.raw.record(fetched.sha256, item.url, _provenance(fetched))
        if not page.document:
            self.summary.skipped += 1
        elif not page.needs_indexing:
            self._count_unchanged(page)
        self._log(fetched, "fetched")
        self._follow_links(item, fetched.final_url, content_type, fetched.sha256)
        return "fetched"

    def _count_unchanged(self, page: Page) -> None:
        """A page whose documents did not change."""
        if page.document and not page.removed:
            self.summary.unchanged += len(page.doc_ids)
            self.summary.doc_ids.update(page.doc_ids)

    def _follow_links(self, item: QueueItem, base: str, content_type: str, sha256: str) -> None:
        """Queue the in-scope links of an HTML page, unless it is at the depth limit."""
        if item.depth >= self.run.source.max_depth or not self.raw.has(sha256):
            return
        data = self.raw.read(sha256)
        if not is_html(content_type, data):
            return
        charset = _charset(content_type)
        for link in extract_links(data, base, charset):
            if self.run.follows(link):
                self.frontier.add(self.crawl_id, QueueItem(link, item.depth + 1, item.url))

    def _log(self, fetched: Fetched, outcome: str, reason: str = "") -> None:
        """One fetch-log row."""
        self.frontier.log(
            self.crawl_id,
            fetched.url,
            outcome,
            reason=reason,
            final_url=fetched.final_url,
            status=fetched.status,
            sha256=fetched.sha256,
            size=fetched.size,
            headers=fetched.headers,
            fetched_at=fetched.fetched_at,
            attempts=fetched.attempts,
        )


def _provenance(fetched: Fetched) -> dict[str, Any]:
    """What the raw store keeps about one URL serving a body."""
    return {
        "final_url": fetched.final_url,
        "status": fetched.status,
        "headers": fetched.headers,
        "fetched_at": fetched.fetched_at,
        "redirects": fetched.redirects,
    }


def _charset(content_type: str) -> str:
    """The charset parameter of a Content-Type ('' when none)."""
    match = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", content_type, re.I)
    return match.group(1).lower() if match else ""


def crawl(home: Home, sources: Iterable[Source], sink: Sink, **options: Any) -> CrawlSummary:
    """Crawl ``sources`` into ``home`` and hand new/changed documents to ``sink``."""
    return Crawler(home, sink, **options).run(sources)
