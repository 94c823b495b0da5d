"""Word .docx files → one Document, with python-docx.

Paragraphs and tables are read in body order (a table row becomes one line, cells separated by
a tab), so clause numbering at the start of paragraphs survives for clause splitting. The
title is the document's own first Title / Heading 1 paragraph, else its first title-like line
(see :func:`stdsearch.parse.pdf.first_heading`), and only then its core-properties title —
templates and converters leave stale ones there. Legacy binary .doc is not supported.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator

from stdsearch.errors import ParseError
from stdsearch.parse import bounded
from stdsearch.parse.fold import fold_compatibility
from stdsearch.parse.pdf import document_from_lines
from stdsearch.records import Document

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def looks_like_docx(data: bytes) -> bool:
    """True for a ZIP whose first entries include the Word document part."""
    return data.startswith(b"PK\x03\x04") and b"word/" in data[:4096]


def parse_docx(data: bytes, name: str, url: str = "") -> list[Document]:
    """Parse a .docx into one Document."""
    from docx import Document as open_docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            bounded.check_zip(archive)
        word = open_docx(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as error:
        raise ParseError(f"unreadable .docx: {error}") from error
    lines = [fold_compatibility(line) for line in body_lines(word)]
    if not lines:
        raise ParseError("no text found")
    heading = fold_compatibility(_heading_title(word))
    if heading:
        body = [line for line in lines if line != heading]
        return [document_from_lines(data, name, url, [heading, *body], heading)]
    return [document_from_lines(data, name, url, lines, word.core_properties.title or "")]


def body_lines(word) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The text of every paragraph and table row, in body order."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for child in word.element.body.iterchildren():
        if child.tag == f"{_W}p":
            text = Paragraph(child, word).text.strip()
            if text:
                yield text
        elif child.tag == f"{_W}tbl":
            for row in Table(child, word).rows:
                cells = [c.text.strip() for c in row.cells]
                line = "\t".join(dict.fromkeys(c for c in cells if c))
                if line:
                    yield line


def _heading_title(word) -> str:  # type: ignore[no-untyped-def]
    """The first paragraph styled Title or Heading 1 ('' when none)."""
    for paragraph in word.paragraphs[:10]:
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        if re.match(r"(Title|Heading 1|标题 1|标题)$", style) and paragraph.text.strip():
            return paragraph.text.strip()
    return ""
