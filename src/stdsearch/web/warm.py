"""What a server derives from the whole corpus, built before anyone asks for it.

Pages and searches read caches built once per corpus state: a standard's editions, the register of
statuses, the titles and numbers citations resolve against, the index's facet arrays. Built on first use, they made the first
page after a start or an ingest wait seconds on a large corpus (2 s for a standard's page over 54,000
catalogue records, 2.9 s for the first search). ``stdsearch serve`` builds them in a background
thread at start and again whenever an ingest or a crawl changes the corpus.
"""

from __future__ import annotations

import logging
import threading

from stdsearch.settings import Home
from stdsearch.store import Store

#: How often a server looks for a new corpus state (seconds).
POLL_SECONDS = 10.0

log = logging.getLogger(__name__)


def warm(home: Home) -> None:
    """Build every cache ``home``'s pages and searches derive from the whole corpus (each kept
    until the corpus changes)."""
    from stdsearch import cite
    from stdsearch.compliance.check import load_register
    from stdsearch.search import SearchRequest, search, titles
    from stdsearch.standards import editions

    editions.of(home)
    cite.cite_index(home)
    titles.normalised_titles(home)
    titles.normalised_numbers(home)
    load_register(Store(home)).connection.close()
    search(home, SearchRequest(q="*"))  # the index's facet and sort arrays, counted over every clause


def keep_warm(home: Home, poll: float = POLL_SECONDS, stop: threading.Event | None = None) -> threading.Thread:
    """Start a daemon thread that warms ``home``'s caches now and after every change of its
    corpus (until ``stop`` is set); a failure is logged and tried again at the next change."""
    stopping = stop or threading.Event()

    def run() -> None:
        seen: str | None = None
        while not stopping.is_set():
            version = Store(home).version()
            if version != seen:
                seen = version
                try:
                    warm(home)
                except Exception:  # a corpus being written, a bad file: the pages build on demand
                    log.warning("could not warm the caches of %s", home.root, exc_info=True)
            stopping.wait(poll)

    thread = threading.Thread(target=run, name="stdsearch-warm", daemon=True)
    thread.start()
    return thread
