"""Markdown documents, in particular the LawRefBook laws (``标题(YYYY-MM-DD).md``).

Layout of a law file: ``# 标题`` (H1), an optional second H1 (a subtitle such as the 民法典
part), history lines (``2018年12月29日 …第三次修正``), the marker ``<!-- INFO END -->``, then
the body: ``##``/``###``/``####`` headings for 编/分编/章/节 and one paragraph per article.
The body is kept as one paragraph per line with headings as ``#``-prefixed lines, so that the
clause splitter sees the structure. Metadata (level, status, dates, region) comes from the
SQLite database beside the files (:mod:`stdsearch.parse.lawmeta`) when ``name`` is a real path.
"""

from __future__ import annotations

import re
from pathlib import Path

from stdsearch.errors import ParseError
from stdsearch.identity import document_id
from stdsearch.parse import lawmeta
from stdsearch.parse.encoding import decode
from stdsearch.parse.fold import fold_compatibility
from stdsearch.parse.text import (
    clean_lines,
    iso_date,
    issuer_from_title,
    name_stem,
    region_from_issuer,
    sha256_hex,
)
from stdsearch.records import Document

INFO_END = "<!-- INFO END -->"
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_FRONT_MATTER = re.compile(r"\A\ufeff?---\s*\n.*?\n---\s*(?:\n|\Z)", re.DOTALL)
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_SPACES = re.compile(r"[ \u3000\xa0\t\u2000-\u200a]+")


def is_hugo_stub(text: str) -> bool:
    """True for a Hugo ``_index.md``-style file: front matter and nothing else."""
    return not _FRONT_MATTER.sub("", text, count=1).strip()


def parse_markdown(data: bytes, name: str, url: str = "") -> list[Document]:
    """Parse a Markdown file into one Document (a law when it has the INFO END marker)."""
    text = fold_compatibility(decode(data)[0])
    if Path(name).name == "_index.md" or is_hugo_stub(text):
        raise ParseError("not a document: Hugo _index.md stub")
    text = _FRONT_MATTER.sub("", text, count=1)
    is_law = INFO_END in text
    header, body = text.split(INFO_END, 1) if is_law else _split_leading_h1s(text)
    titles, history = _read_header(header)
    body_lines = normalise_body(body)
    if not titles and not body_lines:
        raise ParseError("no text found")
    title = " ".join(titles) or name_stem(name)
    document = _new_document(data, name, url, title, is_law)
    document.history = history
    document.text = "\n".join(body_lines)
    _set_dates(document, name, history)
    if is_law:
        _apply_law_metadata(document, Path(name))
    return [document]


def _split_leading_h1s(text: str) -> tuple[str, str]:
    """(leading H1 lines, rest) of a Markdown file without the INFO END marker."""
    lines = text.splitlines()
    index = 0
    while index < len(lines) and (not lines[index].strip() or lines[index].startswith("# ")):
        index += 1
    return "\n".join(lines[:index]), "\n".join(lines[index:])


def _read_header(header: str) -> tuple[list[str], list[str]]:
    """(H1 titles, history lines) of the part above ``<!-- INFO END -->``."""
    titles: list[str] = []
    history: list[str] = []
    for line in clean_lines(_COMMENT.sub("", header).splitlines()):
        match = _HEADING.match(line)
        if match and len(match.group(1)) == 1:
            titles.append(_SPACES.sub(" ", match.group(2)).strip())
        elif match:
            continue
        else:
            history.append(_SPACES.sub(" ", line))
    return titles, history


def normalise_body(body: str) -> list[str]:
    """Body paragraphs, one per line; headings as ``## 第一章 总则`` (whitespace collapsed)."""
    lines = []
    for line in clean_lines(_COMMENT.sub("", body).splitlines()):
        match = _HEADING.match(line)
        if match:
            heading = _SPACES.sub(" ", match.group(2)).strip()
            if heading:
                lines.append(f"{match.group(1)} {heading}")
        elif not re.fullmatch(r"[-*_]{3,}", line):
            lines.append(line)
    return lines


def _new_document(data: bytes, name: str, url: str, title: str, is_law: bool) -> Document:
    """A Document with identity fields left for :func:`_set_dates` to finish."""
    issuer = "" if is_law else issuer_from_title(title)
    return Document(
        doc_id="",
        title=title,
        kind="law" if is_law else "policy",
        issuer=issuer,
        region=region_from_issuer(issuer),
        source=name,
        source_url=url,
        sha256=sha256_hex(data),
    )


def _set_dates(document: Document, name: str, history: list[str]) -> None:
    """publish_date from the file name (else the last non-施行 history date), then doc_id."""
    _stem, date = lawmeta.split_dated_name(name_stem(name))
    enacted = [iso_date(line) for line in history if "施行" not in line]
    in_force = [iso_date(line) for line in history if "施行" in line]
    document.publish_date = date or next((d for d in reversed(enacted) if d), "")
    document.effective_date = next((d for d in in_force if d), "")
    document.doc_id = document_id(document.kind, document.title, document.publish_date)


def _apply_law_metadata(document: Document, path: Path) -> None:
    """Level, status, effective date and region from the law database, when there is one."""
    if not path.is_file():
        return
    meta = lawmeta.lookup(path)
    document.level = meta.level
    document.status = meta.status
    document.region = meta.region or document.region
    document.effective_date = meta.effective_date or document.effective_date
    if not document.publish_date and meta.publish_date:
        document.publish_date = meta.publish_date
        document.doc_id = document_id(document.kind, document.title, document.publish_date)
    document.extra["metadata_matched"] = meta.matched
