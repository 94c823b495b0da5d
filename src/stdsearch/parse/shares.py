"""One input parsed in shares: a big catalogue or law collection (tens of thousands of records,
one file) is parsed by several worker processes at once, each building the documents of its
own share of the records (:func:`share`), while the ingesting process puts the shares back
together before it stores the input.

Parsers that read many records ask :func:`holds` of each record's document id as they read (a
share by a stable hash of the id, so that the records of one document stay in one share and a
worker keeps only its own); outside a :func:`share` block everything is theirs.
"""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import Iterator
from contextvars import ContextVar

#: (this share, how many shares) of the input being parsed; (0, 1) = all of it.
_SHARE: ContextVar[tuple[int, int]] = ContextVar("input_share", default=(0, 1))


@contextlib.contextmanager
def share(index: int, count: int) -> Iterator[None]:
    """Within the block, parsers build only share ``index`` of ``count`` of their records."""
    if not 0 <= index < count:
        raise ValueError(f"share {index} of {count}")
    token = _SHARE.set((index, count))
    try:
        yield
    finally:
        _SHARE.reset(token)


def holds(key: str) -> bool:
    """True when the document with this id is this share's (by a stable hash of the id: the
    same id in every process, always in the same share; every id outside :func:`share`)."""
    index, count = _SHARE.get()
    return count == 1 or zlib.crc32(key.encode("utf-8")) % count == index
