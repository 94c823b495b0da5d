"""Fetched content parsed in a worker process under the ingest limits.

A crawled page, DOCX or PDF is parsed, stamped and split into clauses by
:func:`parse_task` in a :class:`stdsearch.workers.WorkerPool` — the same workers and
:class:`~stdsearch.workers.Limits` (wall time, memory, decompressed bytes, nesting depth,
clauses per document) as ``ingest`` — so a hostile document is that page's failure with a
reason, never a crash, a hang or a memory blow-up of the crawl.

The worker is started on first use and kept for the next pages; :meth:`BoundedParser.close`
stops it and the crawler calls it on every way out of a crawl (a ``kill -9`` of the crawl
takes the worker with it: workers die with their parent).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from stdsearch import workers
from stdsearch.crawl.documents import parse_fetched
from stdsearch.crawl.sources import Source
from stdsearch.errors import ParseError
from stdsearch.records import Document

#: Parses the stored bytes of one content: (data, urls, content_type, source) → documents.
ContentParser = Callable[[bytes, list[str], str, Source], list[Document]]


def parse_task(payload: tuple[bytes, list[str], str, Source], send: Callable[[Any], None]) -> None:
    """Worker task: parse fetched bytes, stamp the documents with their source and URLs, split
    them into clauses and check the clause limit; send the documents as one part."""
    from stdsearch.clauses import split
    from stdsearch.parse import parse_bytes
    from stdsearch.pipeline import check_limits

    data, urls, content_type, source = payload
    documents = parse_fetched(parse_bytes, data, urls, content_type, source)
    limits = workers.current_limits()
    for document in documents:
        document.clauses = document.clauses or split(document)
        check_limits(document, limits)
    send(documents)


class BoundedParser:
    """A :data:`ContentParser` that parses in a worker process under the limits; a failure
    (bad file, over a limit, the worker killed) is a :class:`ParseError` with the reason."""

    def __init__(self, limits: workers.Limits | None = None) -> None:
        self.limits = limits
        self._pool: workers.WorkerPool | None = None

    def __enter__(self) -> BoundedParser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close(kill=exc[0] is not None)

    def __call__(self, data: bytes, urls: list[str], content_type: str, source: Source) -> list[Document]:
        """The documents of one content, parsed in the worker."""
        if self._pool is None:
            self._pool = workers.WorkerPool(parse_task, 1, self.limits)
        (outcome,) = list(self._pool.run([(urls[0], (data, urls, content_type, source))]))
        if outcome.failed:
            raise ParseError(outcome.error)
        return [document for part in outcome.parts for document in part]

    def close(self, kill: bool = False) -> None:
        """Stop the worker (killing it when ``kill``); the next call starts a new one."""
        if self._pool is not None:
            self._pool.close(kill=kill)
            self._pool = None
