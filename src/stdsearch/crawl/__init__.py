"""The crawler: keep the corpus current from the web, as a nightly job runs it.

    sources.toml ─► frontier (SQLite) ─► policy (scheme, host, address, robots.txt, rate)
        ─► fetch (the one network seam) ─► raw store (bytes + provenance, by sha256)
        ─► parse.parse_bytes (pure) ─► sink = pipeline.index_documents

Modules: :mod:`~stdsearch.crawl.sources` (sources.toml), :mod:`~stdsearch.crawl.policy`,
:mod:`~stdsearch.crawl.fetch`, :mod:`~stdsearch.crawl.rawstore`,
:mod:`~stdsearch.crawl.frontier`, :mod:`~stdsearch.crawl.links`,
:mod:`~stdsearch.crawl.documents` and :mod:`~stdsearch.crawl.govmeta` (raw bytes →
Documents with provenance, 文号 and dates), :mod:`~stdsearch.crawl.indexer` (hand-off to the
pipeline), :mod:`~stdsearch.crawl.crawler` (the loop), :mod:`~stdsearch.crawl.command`
(``stdsearch crawl``).
"""

from stdsearch.crawl.crawler import Crawler, crawl
from stdsearch.crawl.fetch import USER_AGENT, Fetched, FetchSettings
from stdsearch.crawl.sources import Source, adhoc_source, load_sources
from stdsearch.crawl.summary import CrawlSummary

__all__ = [
    "USER_AGENT",
    "CrawlSummary",
    "Crawler",
    "FetchSettings",
    "Fetched",
    "Source",
    "adhoc_source",
    "crawl",
    "load_sources",
]
