"""Parsers: bytes of a file or page → Documents without clauses (pure: no network, no clock).

Formats are a small registry. A new format is a module with a function
``parse_x(data: bytes, name: str, url: str = "") -> list[Document]`` plus one
:func:`register` line at the bottom of this file. Dispatch is on the file extension, then
the media type, then content sniffing (only when neither names a format).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from stdsearch.errors import ParseError
from stdsearch.parse.encoding import decode
from stdsearch.parse.text import sha256_hex
from stdsearch.records import Document

#: A format's parser: (bytes, name, url) → Documents.
Parser = Callable[[bytes, str, str], list[Document]]
#: A content sniffer: True when the bytes look like this format.
Sniffer = Callable[[bytes], bool]

#: Files in a document folder that are never documents (stubs, templates, provenance notes).
NOT_DOCUMENTS = frozenset(
    {"_index.md", "readme.md", "sources.md", "upstream_readme.md", "license.md", "法律法规模版.md", "attribution.md", "notice.md"}
)


@dataclass(frozen=True)
class Format:
    """One registered input format."""

    suffixes: tuple[str, ...]
    media_types: tuple[str, ...]
    parser: Parser
    sniff: Sniffer | None = None


_FORMATS: list[Format] = []


def register(
    suffixes: Iterable[str], media_types: Iterable[str], func: Parser, sniff: Sniffer | None = None
) -> None:
    """Register a parser for file suffixes (``.md``) and media types (``text/markdown``)."""
    normalised = tuple(s.lower() if s.startswith(".") else f".{s.lower()}" for s in suffixes)
    _FORMATS.append(Format(normalised, tuple(m.lower() for m in media_types), func, sniff))


def supported_suffixes() -> set[str]:
    """Every registered file suffix."""
    return {suffix for fmt in _FORMATS for suffix in fmt.suffixes}


def is_document_file(path: Path) -> bool:
    """True when a folder walk should parse this file (a registered format, not a stub)."""
    name = path.name
    if name.lower() in NOT_DOCUMENTS or name.startswith((".", "_", "LEFT_OUT")):
        return False
    return path.suffix.lower() in supported_suffixes()


def parse_file(path: Path) -> list[Document]:
    """Read a file and parse it; ``source`` of each Document is the path as given."""
    path = Path(path)
    if path.name == "_index.md":
        raise ParseError("not a document: Hugo _index.md stub")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ParseError(f"cannot read {path}: {error.strerror or error}") from error
    return parse_bytes(data, str(path))


def parse_bytes(data: bytes, name: str, url: str = "", media_type: str = "") -> list[Document]:
    """Parse bytes named ``name`` (a path or file name) fetched from ``url`` (optional).

    ``media_type`` is the HTTP Content-Type when there is one; its ``charset`` parameter is
    honoured (verified like any declaration) by handing the parser UTF-8 bytes, while
    ``sha256`` stays the digest of the bytes as received.
    """
    if not data.strip():
        raise ParseError("no text found")
    fmt = choose_format(data, name or url, media_type)
    utf8 = _transcoded(data, charset_of(media_type))
    if utf8 is None:
        return fmt.parser(data, name, url)
    documents = fmt.parser(utf8, name, url)
    for document in documents:
        document.sha256 = sha256_hex(data)
    return documents


def charset_of(media_type: str) -> str:
    """The ``charset`` parameter of a Content-Type value ('' if none)."""
    match = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", media_type, re.I)
    return match.group(1) if match else ""


def _transcoded(data: bytes, charset: str) -> bytes | None:
    """UTF-8 bytes of ``data`` decoded with a declared charset, or None when not needed."""
    if not charset:
        return None
    text, used = decode(data, declared=charset)
    return None if used.startswith("utf-8") else text.encode("utf-8")


def choose_format(data: bytes, name: str, media_type: str = "") -> Format:
    """The format for these bytes: by suffix, then media type, then sniffing."""
    suffix = PurePosixPath(name.split("?", 1)[0]).suffix.lower()
    by_suffix = [f for f in _FORMATS if suffix and suffix in f.suffixes]
    if by_suffix:
        return by_suffix[0]
    kind = media_type.split(";", 1)[0].strip().lower()
    by_type = [f for f in _FORMATS if kind and kind in f.media_types]
    if by_type:
        return by_type[0]
    if suffix and suffix not in _SNIFFABLE_SUFFIXES:
        raise ParseError(f"not a supported format: {suffix}")
    for fmt in _FORMATS:
        if fmt.sniff is not None and fmt.sniff(data):
            return fmt
    raise ParseError(f"not a supported format: {suffix or kind or 'unknown content'}")


#: Suffixes that say nothing about the format (web paths like ``/content/12345.do``).
_SNIFFABLE_SUFFIXES = frozenset({".do", ".aspx", ".asp", ".php", ".action", ".cgi", ".htm_"})


# --- registrations (one line per format) -------------------------------------------------
from stdsearch.parse import catalogue as _catalogue  # noqa: E402
from stdsearch.parse import html as _html  # noqa: E402
from stdsearch.parse import markdown as _markdown  # noqa: E402
from stdsearch.parse import spreadsheet as _spreadsheet  # noqa: E402
from stdsearch.parse import text as _text  # noqa: E402
from stdsearch.parse import twlaw as _twlaw  # noqa: E402

register([".md", ".markdown"], ["text/markdown", "text/x-markdown"], _markdown.parse_markdown)
register(
    [".html", ".htm", ".jsp", ".shtml", ".xhtml", ".xml"],
    ["text/html", "application/xhtml+xml", "application/xml", "text/xml", "application/rss+xml"],
    _html.parse_html,
    _html.looks_like_html,
)
register([".txt", ".text"], ["text/plain"], _text.parse_text, _text.looks_like_text)
register([".json", ".jsonl", ".csv", ".tsv"], ["application/json", "application/x-ndjson", "text/csv", "text/tab-separated-values"], _catalogue.parse_catalogue, _catalogue.looks_like_catalogue)  # fmt: skip
register([".xlsx"], ["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"], _catalogue.parse_catalogue, _spreadsheet.looks_like_xlsx)  # fmt: skip
register([".gz"], ["application/gzip"], _twlaw.parse_twlaw, _twlaw.looks_like_twlaw)
from stdsearch.parse import docx as _docx  # noqa: E402
from stdsearch.parse import pdf as _pdf  # noqa: E402

register([".pdf"], ["application/pdf", "application/x-pdf"], _pdf.parse_pdf, _pdf.looks_like_pdf)
register([".docx"], ["application/vnd.openxmlformats-officedocument.wordprocessingml.document"], _docx.parse_docx, _docx.looks_like_docx)  # fmt: skip
