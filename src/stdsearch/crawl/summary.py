"""What a crawl did, for the morning reader and for cron: counts, failures, one line, JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class CrawlSummary:
    """Counts of one crawl (all sources). ``failures`` make the exit status 1.

    Pages: ``fetched`` (2xx bodies received), ``not_modified`` (304), ``failed``, ``refused``
    (policy: robots.txt, host, private address — not failures), ``removed`` (a known page now
    404/410), ``skipped`` (not a document type, or a listing page). ``dead_links``: links found
    inside pages that could not be fetched (reported, not failures). ``interrupted``: Ctrl-C. Documents: ``documents`` (live documents this
    crawl touched), ``added``, ``updated``, ``unchanged``, ``marked_removed``.
    """

    fetched: int = 0
    not_modified: int = 0
    failed: int = 0
    refused: int = 0
    removed: int = 0
    skipped: int = 0
    documents: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    marked_removed: int = 0
    resumed: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    failures: list[dict[str, str]] = field(default_factory=list)
    refusals: list[dict[str, str]] = field(default_factory=list)
    dead_links: list[dict[str, str]] = field(default_factory=list)
    interrupted: bool = False
    seconds: float = 0.0
    doc_ids: set[str] = field(default_factory=set, repr=False)

    def fail(self, url: str, reason: str) -> None:
        """Record a page that could not be fetched or parsed."""
        self.failed += 1
        self.failures.append({"url": url, "reason": reason})

    def refuse(self, url: str, reason: str) -> None:
        """Record a URL the policy refused (nothing was sent to it)."""
        self.refused += 1
        self.refusals.append({"url": url, "reason": reason})

    def dead_link(self, url: str, reason: str, found_on: str = "") -> None:
        """Record a link found inside a page that could not be fetched (not a failure)."""
        self.dead_links.append({"url": url, "reason": reason, "found_on": found_on})

    @property
    def exit_code(self) -> int:
        """130 when interrupted, 1 when a start URL or a document page failed, else 0
        (dead links inside pages are reported, not failures)."""
        if self.interrupted:
            return 130
        return 1 if self.failed else 0

    def to_dict(self) -> dict[str, Any]:
        """The JSON form printed by ``stdsearch crawl --json``."""
        self.documents = len(self.doc_ids)
        data = {k: v for k, v in self.__dict__.items() if k != "doc_ids"}
        data["seconds"] = round(self.seconds, 2)
        return data

    def line(self) -> str:
        """One line for people (and for a cron mail)."""
        self.documents = len(self.doc_ids)
        return (
            f"pages: {self.fetched} fetched, {self.not_modified} not modified, "
            f"{self.failed} failed, {self.refused} refused, {self.removed} removed, "
            f"{len(self.dead_links)} dead links; "
            f"documents: {self.documents} ({self.added} added, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.marked_removed} marked removed) "
            f"in {self.seconds:.1f} s" + (" (interrupted: run it again to resume)" if self.interrupted else "")
        )
