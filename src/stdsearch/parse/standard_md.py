"""Standards written per GB/T 1.1 as Markdown, in one file or across a folder, → one Document.

Layout of a multi-file standard (recognised by :func:`is_standard_folder`)::

    <folder>/README.md          cover (<h1> title, 中华人民共和国国家标准 …), 目次, ## 前言
    <folder>/sections/*.md      chapters 1 … n, in file-name order
    <folder>/appendices/*.md    附录A …, in file-name order

Ingest the folder (or its README.md): :func:`parse_standard_folder` reads the parts in that
order. A single Markdown file of a standard goes through :func:`parse_standard_markdown`.

The Markdown is turned into the plain GB/T 1.1 layout that :mod:`stdsearch.clauses.standard`
splits: ``## 4. 技术要求`` → ``4 技术要求``, ``**4.1.1** 文本`` → ``4.1.1 文本``, ``> a) …`` → ``a) …``,
``**注：** …`` → ``注：…``, HTML tables → one ``| cell | cell |`` line per row, figure captions
(``<strong>图2 …</strong>``) as lines; images are dropped. The clauses are built here too, so the
pipeline keeps them. The 规范性引用文件 list (chapter 2) → ``extra["references"]`` (canonical numbers).
"""

from __future__ import annotations

import hashlib
import html
import re
from pathlib import Path

from stdsearch.clauses import finalise
from stdsearch.clauses.standard import split_standard
from stdsearch.errors import ParseError
from stdsearch.identity import document_id
from stdsearch.numbers import find_numbers, parse_number
from stdsearch.parse.fold import fold_compatibility
from stdsearch.records import Document

PARTS = ("sections", "appendices")
README_NAMES = ("README.md", "readme.md", "Readme.md")
#: README sections that belong to the repository, not to the standard.
SKIPPED_SECTIONS = ("目次", "目录", "免责声明", "使用说明", "disclaimer", "usage", "license")

_TABLE = re.compile(r"<table\b.*?</table>", re.S | re.I)
_ROW = re.compile(r"<tr\b.*?</tr>", re.S | re.I)
_CELL = re.compile(r"<t[hd]\b[^>]*>(.*?)</t[hd]>", re.S | re.I)
_BREAK = re.compile(r"<br\s*/?>|</p>|</div>", re.I)
_TAG = re.compile(r"<[^>]+>")
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_HEADING = re.compile(r"^#{1,6}\s+(?P<text>.*?)\s*#*$")
_CHAPTER_DOT = re.compile(r"^(\d{1,2})\.\s+")
_BOLD_NUMBER = re.compile(r"^\*\*((?:\d{1,2}|[A-Z])(?:\.\d+)+)(?:\*\*)?\s*")
_EMPHASIS = re.compile(r"\*{1,2}([^*\s](?:[^*]*?[^*\s])?)\*{1,2}")
_LABEL_SPACE = re.compile(r"^([^\s：:]{1,6}[：:])\s+")
_TABLE_RULE = re.compile(r"^\|?[\s:|-]+\|[\s:|-]*$")


def is_standard_folder(path: Path) -> bool:
    """True for a folder (or its README.md) with sections/ of Markdown files beside the README."""
    folder = path.parent if path.is_file() else path
    has_readme = any((folder / name).is_file() for name in README_NAMES)
    return has_readme and any((folder / "sections").glob("*.md"))


def standard_files(path: Path) -> list[Path]:
    """README, then sections/*.md, then appendices/*.md, each part in file-name order."""
    folder = path.parent if path.is_file() else path
    readme = next((folder / n for n in README_NAMES if (folder / n).is_file()), None)
    parts = [sorted((folder / part).glob("*.md")) for part in PARTS]
    return ([readme] if readme else []) + [f for files in parts for f in files]


def parse_standard_folder(path: Path) -> list[Document]:
    """The one Document of a multi-file standard (folder or README.md path)."""
    path = Path(path)
    if not is_standard_folder(path):
        raise ParseError(f"{path}: not a standard folder (README.md with sections/*.md beside it)")
    files = standard_files(path)
    readme, bodies = files[0], files[1:]
    cover = fold_compatibility(readme.read_text(encoding="utf-8"))
    body = fold_compatibility("\n\n".join(f.read_text(encoding="utf-8") for f in bodies))
    return [standard_document(cover, body, str(readme.parent), "")]


def parse_standard_markdown(data: bytes, name: str, url: str = "") -> list[Document]:
    """A standard in a single Markdown file (cover, then chapters and appendices)."""
    text = fold_compatibility(data.decode("utf-8-sig"))
    document = standard_document(text, "", name, hashlib.sha256(data).hexdigest())
    document.source_url = url
    return [document]


def standard_document(cover: str, body: str, source: str, sha256: str) -> Document:
    """Build the Document: metadata from the cover, text and clauses from cover + body."""
    meta = cover_metadata(cover)
    lines = markdown_lines(_standard_sections(cover)) + markdown_lines(body)
    number = parse_number(meta.get("number", ""))
    title = meta.get("title") or "未命名标准"
    document = Document(
        doc_id=number.slug if number else document_id("standard", title),
        title=title,
        kind="standard",
        level=meta.get("level", ""),
        number=number.canonical if number else "",
        source=source,
        sha256=sha256,
        text="\n".join(lines),
        extra={k: v for k, v in meta.items() if k not in ("title", "number", "level")},
    )
    document.clauses = finalise(split_standard(lines, explicit=True))
    document.extra["references"] = normative_references(document)
    return document


# --- cover ------------------------------------------------------------------------------


def cover_metadata(cover: str) -> dict[str, str]:
    """Title, English title, level, number, stage (征求意见稿 …) and draft date from the cover."""
    meta: dict[str, str] = {}
    title = re.search(r"<h1[^>]*>(.*?)</h1>", cover, re.S) or re.search(r"^#\s+(.+)$", cover, re.M)
    if title:
        meta["title"] = _plain(title.group(1))
    english = re.search(r"<h2[^>]*>(.*?)</h2>", cover, re.S)
    if english and re.search(r"[A-Za-z]{3}", english.group(1)):
        meta["title_en"] = _plain(english.group(1))
    level = _cover_level(cover)
    if level:
        meta["level"] = level
    stage = re.search(r"[（(]((?:征求意见|送审|报批)稿)[）)]", cover)
    if stage:
        meta["stage"] = stage.group(1)
    number = _cover_number(cover)
    if number:
        meta["number"] = number
    drafted = re.search(r"完成时间[:：]\s*(\d{4})[.\-年](\d{1,2})", cover)
    if drafted:
        meta["draft_date"] = f"{drafted.group(1)}-{int(drafted.group(2)):02d}"
    return meta


def _cover_level(cover: str) -> str:
    """国家标准 / 行业标准 / 地方标准 / 团体标准 from the cover's masthead ('' if none)."""
    masthead = re.search(r"(国家标准|行业标准|地方标准|团体标准)", cover[:1000])
    return masthead.group(1) if masthead else ""


def _cover_number(cover: str) -> str:
    """The standard's own number: a line of the cover block that is only a number."""
    block = re.split(r"(?m)^##", cover, maxsplit=1)[0]
    for line in _TAG.sub("\n", block).splitlines():
        number = parse_number(line.strip())
        if number is not None:
            return number.canonical
    return ""


def _standard_sections(cover: str) -> str:
    """The parts of a cover file that belong to the standard (## 前言, 引言 …)."""
    kept = []
    for chunk in re.split(r"(?m)^(?=##\s)", cover):
        heading = (
            chunk.splitlines()[0].lstrip("#").strip().lower() if chunk.startswith("##") else ""
        )
        if heading and not heading.startswith(SKIPPED_SECTIONS):
            kept.append(chunk)
    return "\n".join(kept)


# --- Markdown → plain GB/T 1.1 lines ----------------------------------------------------


def markdown_lines(markdown: str) -> list[str]:
    """Markdown (with inline HTML) → the plain, non-empty lines of the GB/T 1.1 layout."""
    text = _COMMENT.sub("", markdown)
    text = _TABLE.sub(lambda m: _table_rows(m.group(0)), text)
    text = _BREAK.sub("\n", text)
    text = html.unescape(_TAG.sub("", text))
    lines = (_plain_line(line) for line in text.splitlines())
    return [line for line in lines if line]


def _table_rows(table: str) -> str:
    """An HTML table as one ``| cell | cell |`` line per row."""
    rows = []
    for row in _ROW.findall(table):
        cells = [_plain(c) for c in _CELL.findall(row)]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n" + "\n".join(rows) + "\n"


def _plain(fragment: str) -> str:
    """HTML fragment → text on one line."""
    return re.sub(r"\s+", " ", html.unescape(_TAG.sub(" ", _BREAK.sub(" ", fragment)))).strip()


def _plain_line(line: str) -> str:
    """One Markdown line → one plain line ('' for rules, blank lines and table rules)."""
    line = re.sub(r"^(?:>\s*)+", "", line.strip()).strip()
    line = _LINK.sub(r"\1", _IMAGE.sub("", line))
    if not line or _TABLE_RULE.match(line) or line in ("---", "***"):
        return ""
    heading = _HEADING.match(line)
    if heading:
        return _CHAPTER_DOT.sub(r"\1 ", heading.group("text").replace("**", ""))
    line = _EMPHASIS.sub(r"\1", _BOLD_NUMBER.sub(r"\1 ", line)).replace("**", "")
    return _LABEL_SPACE.sub(r"\1", re.sub(r"\s+", " ", line).strip())


# --- references -------------------------------------------------------------------------


def normative_references(document: Document) -> list[str]:
    """The canonical numbers listed in 规范性引用文件 (chapter 2), in order."""
    chapter = document.clause("2")
    if chapter is None or "引用" not in chapter.text.splitlines()[0]:
        return []
    numbers = []
    for line in chapter.text.splitlines()[1:]:
        found = find_numbers(line)
        if found and found[0][0] == 0:
            numbers.append(found[0][2].canonical)
    return list(dict.fromkeys(numbers))
