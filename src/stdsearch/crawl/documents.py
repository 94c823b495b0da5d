"""Stored raw bytes → Documents stamped with their crawl provenance.

Parsing itself is :func:`stdsearch.parse.parse_bytes` (pure); this module only names the
bytes so the parser picks the right format, applies the source's defaults, adds the 文号 and
dates from the text (:mod:`stdsearch.crawl.govmeta`) and records every URL serving the
content in ``extra["urls"]`` — the same content at two URLs is one document.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from stdsearch.crawl import govmeta
from stdsearch.crawl.sources import Source
from stdsearch.records import Document

#: ``parse_bytes(data, name, url, media_type)``.
Parse = Callable[..., list[Document]]

DOCUMENT_TYPES: dict[str, str] = {
    "text/html": ".html",
    "application/xhtml+xml": ".html",
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "text/plain": ".txt",
    "text/markdown": ".md",
}


def media_type(content_type: str) -> str:
    """The media type of a Content-Type header value, lower-case, without parameters."""
    return content_type.split(";")[0].strip().lower()


def is_document_type(content_type: str) -> bool:
    """True when responses of this type can become documents (unknown type: let parse decide)."""
    kind = media_type(content_type)
    return not kind or kind in DOCUMENT_TYPES or kind == "application/octet-stream"


def file_name(url: str, content_type: str, data: bytes = b"") -> str:
    """A file name for the parser: the URL's last segment with the suffix of the media type,
    else of the bytes' magic number (attachments served as octet-stream by ``download.jsp``)."""
    path = PurePosixPath(unquote(urlsplit(url).path))
    stem = path.stem or "index"
    suffix = DOCUMENT_TYPES.get(media_type(content_type)) or sniff_suffix(data)
    return stem + (suffix or path.suffix or ".html")


def sniff_suffix(data: bytes) -> str:
    """The suffix the first bytes betray: .pdf, .docx, .html, or ''."""
    head = data[:4096]
    if head.lstrip().startswith(b"%PDF-"):
        return ".pdf"
    if head.startswith(b"PK\x03\x04") and b"word/" in head:
        return ".docx"
    if re.match(rb"\s*(?:<!doctype html|<html)", head, re.I):
        return ".html"
    return ""


def parse_fetched(
    parse: Parse, data: bytes, urls: list[str], content_type: str, source: Source
) -> list[Document]:
    """Parse stored bytes and stamp each Document with the source defaults and its URLs."""
    canonical = urls[0]
    documents = parse(
        data, file_name(canonical, content_type, data), url=canonical, media_type=content_type
    )
    for document in documents:
        stamp(document, source, urls)
        govmeta.enrich(document)
    return documents


def stamp(document: Document, source: Source, urls: list[str]) -> Document:
    """Fill what the parser left empty from the source; record the URLs and the source name."""
    if source.kind and document.kind in ("", "page"):
        document.kind = source.kind
    document.level = document.level or source.level
    document.region = document.region or source.region
    document.issuer = document.issuer or source.issuer
    document.source_url = urls[0]
    document.source = urls[0]
    document.extra["urls"] = list(urls)
    document.extra["crawl_source"] = source.name
    return document


def mark_removed(document: Document, reason: str, when: str) -> Document:
    """Mark a document whose page is gone: kept in the corpus, flagged, with why and when."""
    document.extra["removed"] = True
    document.extra["removed_reason"] = reason
    document.extra["removed_at"] = when
    return document
