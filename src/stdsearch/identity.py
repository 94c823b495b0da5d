"""Stable, ASCII, URL-safe document ids.

A standard's id is its normalised number (``gb-t-19001-2016``); a law or policy's id is
its kind, its date and a short hash of its title and date, so that re-ingesting the same
document yields the same id wherever the file lives.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

_NON_ID = re.compile(r"[^a-z0-9]+")
#: The longest id accepted: a document is stored as ``<doc_id>.json`` (plus a temporary suffix
#: while it is written), and file names stop at 255 bytes.
MAX_ID_LENGTH = 200


def slugify(text: str) -> str:
    """Lower-case ASCII slug of the Latin letters and digits in ``text`` ('' if none)."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return _NON_ID.sub("-", folded).strip("-")


def short_hash(*parts: str, length: int = 10) -> str:
    """A short hex digest of the parts, stable across runs and machines."""
    digest = hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:length]


def document_id(kind: str, title: str, date: str = "", number: str = "") -> str:
    """The doc_id of a document.

    Standards are identified by their number; everything else by kind, date and a
    hash of title + date (the Chinese title itself is not ASCII).
    """
    if kind == "standard" and number:
        slug = slugify(number)
        if len(slug) <= MAX_ID_LENGTH:
            return slug
        return f"{slug[: MAX_ID_LENGTH - 11]}-{short_hash(slug)}"
    compact_date = date.replace("-", "")
    stem = "-".join(p for p in (slugify(kind) or "doc", compact_date) if p)
    return f"{stem}-{short_hash(title.strip(), date)}"


def is_valid_id(value: str) -> bool:
    """True when ``value`` is a well-formed doc_id or clause_id (ASCII, no slashes, not too long)."""
    return 0 < len(value) <= MAX_ID_LENGTH and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", value) is not None
