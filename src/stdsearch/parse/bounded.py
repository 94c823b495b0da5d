"""Decompression that a hostile file cannot blow up: gzip streams and ZIP members are read
only up to the decompressed-bytes limit of the current worker
(:func:`stdsearch.workers.current_limits`), and a file over it is a ParseError."""

from __future__ import annotations

import zipfile
import zlib

from stdsearch.errors import ParseError


def decompressed_limit() -> int:
    """Bytes a file may decompress to (``STDSEARCH_PARSE_DECOMPRESSED_MB``)."""
    from stdsearch.workers import current_limits

    return current_limits().decompressed_mb * 1024 * 1024


def gunzip(data: bytes) -> bytes:
    """The decompressed bytes of a (multi-member) gzip stream, at most the limit."""
    limit = decompressed_limit()
    out = bytearray()
    while data:
        stream = zlib.decompressobj(wbits=31)
        try:
            out += stream.decompress(data, limit + 1 - len(out))
        except zlib.error as error:
            raise ParseError(f"broken gzip data: {error}") from error
        if len(out) > limit or stream.unconsumed_tail:
            raise ParseError(f"gzip data decompresses to more than {limit // 2**20} MB (the limit)")
        if not stream.eof:
            raise ParseError("broken gzip data: truncated stream")
        data = stream.unused_data.lstrip(b"\x00")
    return bytes(out)


def check_zip(archive: zipfile.ZipFile) -> None:
    """ParseError when the members of a ZIP would decompress to more than the limit.

    Python's zipfile stops each member at its declared size, so the declared sizes bound
    what reading can produce."""
    limit = decompressed_limit()
    total = sum(info.file_size for info in archive.infolist())
    if total > limit:
        raise ParseError(f"ZIP members decompress to {total // 2**20} MB, more than the {limit // 2**20} MB limit")
