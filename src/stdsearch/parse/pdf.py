"""PDF files → one Document, with pypdf (pure Python, no dependencies).

Chosen by measurement (scripts/measure_pdf.py): on Chinese PDFs built from real texts with an
embedded TrueType CJK font and with the non-embedded STSong-Light CID font, pypdf and
pdfplumber both extracted every character of one-column pages, but on two-column pages
pdfplumber interleaved the columns (54 % character accuracy) while pypdf kept the reading
order (100 %), and pypdf was 2–7× faster.

Extraction gives visual lines; running headers/footers (a line repeated on most pages) and
page numbers (``— 3 —``, ``- 3 -``, ``第3页``) are dropped, and lines wrapped inside a paragraph
are joined again, so that clauses (第十二条, 一、, （三）, 4.2.1) start lines as in the source.
A PDF without a text layer (a scan) is a ParseError: it needs OCR.
"""

from __future__ import annotations

import io
import re
from collections import Counter

from stdsearch.errors import ParseError
from stdsearch.identity import document_id
from stdsearch.parse.fold import fold_compatibility
from stdsearch.parse.text import clean_lines, looks_like_title, name_stem, policy_document
from stdsearch.records import Document

PAGE_NUMBER = re.compile(
    r"^[\s\-—–－·•]*(?:第\s*)?\d{1,4}(?:\s*页)?(?:\s*[/／共]\s*\d{1,4}\s*页?)?[\s\-—–－·•]*$"
)
#: A line that starts a new paragraph whatever the previous line looked like.
PARAGRAPH_START = re.compile(
    r"^(?:第[零〇一二三四五六七八九十百千\d]+[章节条條编]|[一二三四五六七八九十]+、|"
    r"[（(][一二三四五六七八九十\d]+[）)]|\d+(?:\.\d+)*[.、．\s]|[A-Z](?:\.\d+)+\s|附件|附录|附表)"
)
PARAGRAPH_END = "。！？；：”」』!?;:"
ARTICLE = re.compile(r"^第[零〇一二三四五六七八九十百千]+[条條]")


def looks_like_pdf(data: bytes) -> bool:
    """True for bytes that start like a PDF file."""
    return data[:1024].lstrip().startswith(b"%PDF-")


def parse_pdf(data: bytes, name: str, url: str = "") -> list[Document]:
    """Parse a PDF's text layer into one Document (title from its first heading)."""
    pages, meta_title = extract_pages(data)
    paragraphs = join_wrapped(strip_furniture(pages))
    if not paragraphs:
        raise ParseError("no text layer in the PDF (a scanned PDF needs OCR)")
    return [document_from_lines(data, name, url, paragraphs, meta_title)]


def extract_pages(data: bytes) -> tuple[list[list[str]], str]:
    """The text lines of every page, and the title in the PDF's metadata ('' if none)."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ParseError("the PDF is encrypted")
        pages = [fold_compatibility(page.extract_text() or "").splitlines() for page in reader.pages]
        title = str((reader.metadata or {}).get("/Title") or "")
    except (PyPdfError, ValueError, KeyError, TypeError) as error:
        raise ParseError(f"unreadable PDF: {error}") from error
    return pages, title


def strip_furniture(pages: list[list[str]]) -> list[str]:
    """All lines, without page numbers and lines repeated on most pages (headers, footers)."""
    repeated: set[str] = set()
    if len(pages) >= 3:
        counts = Counter(line.strip() for page in pages for line in set(page) if line.strip())
        repeated = {line for line, n in counts.items() if n >= 0.6 * len(pages) and len(line) < 40}
    return [
        line
        for page in pages
        for line in page
        if line.strip() and line.strip() not in repeated and not PAGE_NUMBER.match(line)
    ]


def join_wrapped(lines: list[str]) -> list[str]:
    """Paragraphs from visual lines: a line continues the previous one unless that ended a
    sentence, was clearly shorter than a full line, or this one starts a numbered clause."""
    cleaned = [line.strip().strip("\u3000").strip() for line in lines]
    cleaned = [line for line in cleaned if line]
    full = typical_width(cleaned)
    paragraphs: list[str] = []
    previous_line = ""
    for line in cleaned:
        if paragraphs and _continues(previous_line, line, full):
            paragraphs[-1] = _glue(paragraphs[-1], line)
        else:
            paragraphs.append(line)
        previous_line = line
    return paragraphs


def typical_width(lines: list[str]) -> int:
    """The length of a full line: the most common length among the longer lines."""
    lengths = sorted(len(line) for line in lines)
    if not lengths:
        return 0
    long_lines = lengths[len(lengths) // 2 :]
    return Counter(long_lines).most_common(1)[0][0]


def _continues(previous_line: str, line: str, full: int) -> bool:
    """True when ``line`` is the wrapped continuation of the visual line before it."""
    if PARAGRAPH_START.match(line) or previous_line.endswith(tuple(PARAGRAPH_END)):
        return False
    return len(previous_line) >= 0.9 * full


def _glue(previous: str, line: str) -> str:
    """Join a wrapped line: no space between CJK characters, one between Latin words."""
    if previous[-1:].isascii() and line[:1].isascii() and previous[-1:].isalnum():
        return f"{previous} {line}"
    return previous + line


def document_from_lines(
    data: bytes, name: str, url: str, paragraphs: list[str], meta_title: str = ""
) -> Document:
    """A Document from paragraphs: title from the document's own first heading (metadata
    titles are often a template's or a file name's), else Chinese metadata, else the file
    name; kind ``law`` when the text is article-structured (第X条), else ``policy``."""
    lines = clean_lines(paragraphs)
    if not lines:
        raise ParseError("no text found")
    heading = first_heading(lines)
    if heading is not None:
        title, body = heading
    elif re.search(r"[\u4e00-\u9fff]", meta_title):
        title = meta_title.strip()
        body = _without_title(lines, title)
    else:
        title, body = name_stem(name), lines
    document = policy_document(data, name, url, title, body)
    if sum(1 for line in body if ARTICLE.match(line)) >= 3:
        document.kind = "law"
        document.doc_id = document_id("law", title, document.publish_date)
    return document


#: Lines above an official document's title: its 文号, the issuer's masthead, a secrecy mark.
_DOC_NUMBER_LINE = re.compile(r"[〔\[［(（]\s*\d{4}\s*[〕\]］)）]\s*\d+\s*号$")
_MASTHEAD = re.compile(r"(?:文件|公报|简报|通讯)$|^(?:中华人民共和国)?(?:国家|行业|地方|团体)标准$|^(?:密级|秘密|机密|绝密|特急|加急|附件)")
#: Words a document's title ends with: a first line without one may wrap onto the next.
_TITLE_END = re.compile(
    r"(?:通知|意见|办法|规定|条例|法|决定|方案|细则|标准|规范|规则|公告|通告|批复|函|纲要|规划|"
    r"指南|要求|解释|答复|报告|制度|措施|守则|章程|规程)(?:[（(][^（）()]*[）)])?$"
)
MAX_TITLE = 120


def first_heading(lines: list[str]) -> tuple[str, list[str]] | None:
    """(title, body) from the document's first title-like line among the first few, skipping
    the 文号 and masthead above it and joining a title wrapped over two lines; None if none.

    The body keeps the lines above the title except the masthead (the 文号 is metadata)."""
    for index, line in enumerate(lines[:8]):
        if _DOC_NUMBER_LINE.search(line) or _MASTHEAD.search(line):
            continue
        if not looks_like_title(line):
            return None
        title, used = line, 1
        following = lines[index + 1] if index + 1 < len(lines) else ""
        joined = title + following
        if (following and not _TITLE_END.search(title) and looks_like_title(following)
                and _TITLE_END.search(joined) and len(joined) <= MAX_TITLE):
            title, used = joined, 2
        above = [x for x in lines[:index] if not _MASTHEAD.search(x)]
        return title, above + lines[index + used :]
    return None


def _without_title(lines: list[str], title: str) -> list[str]:
    """The lines after the title, which may be wrapped over the first few lines."""
    wanted, seen = re.sub(r"\s+", "", title), ""
    for index, line in enumerate(lines[:4]):
        seen += re.sub(r"\s+", "", line)
        if seen == wanted:
            return lines[index + 1 :]
        if not wanted.startswith(seen):
            break
    return lines
