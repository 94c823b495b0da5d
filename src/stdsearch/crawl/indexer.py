"""Hand fetched content to the pipeline: parse once per content, mark what is gone.

Pages whose current state the index does not hold yet (new or changed content, or a page now
gone) are grouped by sha256, so the same bytes at two URLs are parsed once and become one
document listing both URLs. The sink — :func:`stdsearch.pipeline.index_documents` — stores
and indexes them; only after it returns are the pages marked indexed, so an interrupted crawl
indexes them on its next run. Documents whose pages are gone are re-sent with
``extra["removed"] = True`` (kept in the corpus, not deleted).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from itertools import groupby
from typing import Any

from stdsearch.crawl.bounded import ContentParser
from stdsearch.crawl.documents import mark_removed
from stdsearch.crawl.fetch import utc_now
from stdsearch.crawl.frontier import Frontier, Page
from stdsearch.crawl.rawstore import RawStore
from stdsearch.crawl.sources import Source
from stdsearch.crawl.summary import CrawlSummary
from stdsearch.errors import StdsearchError
from stdsearch.records import Document

#: ``index_documents(documents, removed_ids)`` with the home already bound.
Sink = Callable[[list[Document], list[str]], Any]


class Indexer:
    """Turns a source's unindexed pages into documents and delivers them to the sink."""

    def __init__(
        self,
        frontier: Frontier,
        raw: RawStore,
        source: Source,
        sink: Sink,
        summary: CrawlSummary,
        parse: ContentParser,
    ) -> None:
        self.frontier, self.raw, self.source = frontier, raw, source
        self.sink, self.summary = sink, summary
        self.parse = parse
        self._failed: set[str] = set()

    def pending(self) -> int:
        """How many pages wait to be indexed."""
        return len(self._waiting())

    def flush(self) -> None:
        """Parse and deliver every waiting page; a page that does not parse is a failure."""
        documents: dict[str, Document] = {}
        marks: list[tuple[Page, list[str]]] = []
        for sha, group in groupby(self._waiting(), key=lambda p: p.sha256):
            pages = list(group)
            try:
                docs = self._documents(sha, pages)
            except (StdsearchError, OSError, ValueError) as error:
                self._failed.add(sha)
                for page in pages:
                    self.summary.fail(page.url, f"parse: {error}")
                continue
            ids = [d.doc_id for d in docs if not d.extra.get("removed")]
            marks.extend((page, ids) for page in pages)
            for doc in docs + self._replaced(pages, set(ids)):
                _merge(documents, doc)
        if marks:
            self._deliver(list(documents.values()), marks)

    def _waiting(self) -> list[Page]:
        """Unindexed document pages of this source, sorted by content (parse failures left out)."""
        pages = [
            p for p in self.frontier.unindexed(self.source.name) if p.sha256 not in self._failed
        ]
        return sorted(pages, key=lambda p: (p.sha256, p.url))

    def _documents(self, sha: str, pages: list[Page]) -> list[Document]:
        """The documents of one content: live ones with all their URLs, or marked removed."""
        live = self.frontier.live_urls(sha)
        if live:
            return self._parse(sha, live, pages[0].content_type)
        docs = self._parse(sha, [p.url for p in pages], pages[0].content_type)
        now = utc_now()
        return [mark_removed(d, pages[0].removed_reason or "gone", now) for d in docs]

    def _replaced(self, pages: Iterable[Page], new_ids: set[str]) -> list[Document]:
        """Documents of a page's previous content that nothing serves any more: mark removed."""
        gone: list[Document] = []
        for page in pages:
            old_sha = page.indexed.split(":")[0]
            stale = [i for i in page.doc_ids if i not in new_ids]
            if (
                not old_sha
                or old_sha == page.sha256
                or not stale
                or self.frontier.live_urls(old_sha)
            ):
                continue
            if not self.raw.has(old_sha):
                continue
            old = self._parse(old_sha, [page.url], page.content_type)
            reason = f"replaced by new content at {page.url}"
            gone += [mark_removed(d, reason, page.fetched_at) for d in old if d.doc_id in stale]
        return gone

    def _parse(self, sha: str, urls: list[str], content_type: str) -> list[Document]:
        """Parse the stored bytes of one content."""
        return self.parse(self.raw.read(sha), urls, content_type, self.source)

    def _deliver(self, documents: list[Document], marks: list[tuple[Page, list[str]]]) -> None:
        """Call the sink, then record what the index now holds and count added/updated."""
        if documents:
            self.sink(documents, [])
        for doc in documents:
            self._count(doc)
        for page, ids in marks:
            self.frontier.mark_indexed(page.url, page.key, ids)
            if not page.removed:
                self.summary.doc_ids.update(ids)

    def _count(self, doc: Document) -> None:
        """Count one delivered document as added, updated or marked removed."""
        removed = bool(doc.extra.get("removed"))
        key = f"{doc.sha256}:removed" if removed else doc.sha256
        previous = self.frontier.doc_key(doc.doc_id)
        if removed:
            self.summary.marked_removed += 1
        elif previous is None:
            self.summary.added += 1
        else:
            self.summary.updated += 1
        self.frontier.set_doc_key(doc.doc_id, key)


def _merge(documents: dict[str, Document], doc: Document) -> None:
    """Add a document; a live one wins over a removed one with the same id, URLs are united."""
    existing = documents.get(doc.doc_id)
    if existing is None or (existing.extra.get("removed") and not doc.extra.get("removed")):
        documents[doc.doc_id] = doc
        if existing is not None:
            doc.extra["urls"] = list(dict.fromkeys(doc.extra["urls"] + existing.extra["urls"]))
        return
    if not doc.extra.get("removed"):
        existing.extra["urls"] = list(dict.fromkeys(existing.extra["urls"] + doc.extra["urls"]))
