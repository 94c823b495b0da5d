"""One input parsed in shares: a big catalogue or law collection (tens of thousands of records,
one file) is parsed by several worker processes at once, each building the documents of its
own contiguous share of the records (:func:`share`), while the ingesting process puts the
shares back together in order before it stores the input.

Parsers that read many records call :func:`mine` on the list of what they would turn into
documents; outside a :func:`share` block it is the whole list.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")

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


def mine(items: Sequence[T]) -> list[T]:
    """The contiguous part of ``items`` that is this share's (all of them outside :func:`share`)."""
    index, count = _SHARE.get()
    return list(items[len(items) * index // count : len(items) * (index + 1) // count])
