"""The one text recipe for embedding a clause, shared by ingest, ``stdsearch embed`` and the
benchmark scripts, so that every caller hashes exactly the same string and hits the cache.

A clause is embedded as its document title, its label and the first
:data:`PASSAGE_CHARS` characters of its text (measured on STARD: the title carries the
subject, the first 400 characters carry most of an article's meaning; e5-small reads
at most 512 tokens anyway).
"""

from __future__ import annotations

import hashlib

#: How much of a clause's text is embedded.
PASSAGE_CHARS = 400


def passage_text(title: str, label: str, text: str) -> str:
    """The string embedded for one clause: ``<title><label> <first 400 chars of text>``."""
    head = f"{title.strip()}{label.strip()}"
    body = " ".join(text.split())[:PASSAGE_CHARS] if text else ""
    return f"{head} {body}".strip()


def text_hash(text: str) -> str:
    """The cache key of a text: sha1 of its UTF-8 bytes, hex."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()
