"""Plain-text documents, and the line handling every text-like parser shares.

A ``.txt`` file is one paragraph per line. Page noise left over from a web scrape (搜索关键字,
打印本页, 【字体：大 中 小】, 分享到 …) is dropped; the title is the first substantial line that
looks like a title; everything after it is the body, one paragraph per line.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from pathlib import PurePath

from stdsearch.errors import ParseError
from stdsearch.identity import document_id
from stdsearch.parse.encoding import decode
from stdsearch.parse.fold import fold_compatibility
from stdsearch.records import Document

#: Short lines that are page furniture, not document text.
NOISE_LINE = re.compile(
    r"^[\s【\[（(]*(?:搜索关键字|搜索|打印本页|打印|关闭窗口|关闭|字体[:：]?\s*[大中小\s]*|"
    r"分享到[:：]?.*|分享|收藏|返回顶部|返回|上一篇.*|下一篇.*|当前位置[:：].*|您现在的位置[:：].*|"
    r"扫一扫.*|【?字号[:：]?.*|浏览次数[:：]?\s*\d*|来源[:：]\s*|\||责任编辑[:：].*|责编[:：].*|"
    r"(?:【\d+】)+|上一页|下一页|点击进入.*>>|\d+)[\s】\]）)]*$"
)
_NUMBERED_START = re.compile(
    r"^(?:第[零〇一二三四五六七八九十百千]+[条條章节編编]|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|\d+[.．、])"
)
_SENTENCE_END = "。；;，,：:！？!?"
_DATE_CN = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_DATE_ISO = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_ISSUER_TITLE = re.compile(
    r"^(?P<issuer>[\u4e00-\u9fff、]{2,60}?(?:委员会|人民政府|政府|办公厅|办公室|市委|省委|区委|县委|党委|"
    r"国务院|部|局|委|厅|院|署|会))(?:关于)?(?:印发|转发|发布|关于)"
)
_REGION = re.compile(r"^(?:中共)?(?P<region>[\u4e00-\u9fff]{2,7}?)(?:省|市|自治区|特别行政区)")
#: Words before 市/省 that are not places (国家市场监督管理总局 is national, not 国家市).
_NOT_REGIONS = ("国家", "全国", "中国", "中华人民共和国", "中央", "国务院")


def sha256_hex(data: bytes) -> str:
    """Hex SHA-256 of the raw bytes (the document's content fingerprint)."""
    return hashlib.sha256(data).hexdigest()


def clean_lines(lines: Iterable[str]) -> list[str]:
    """Stripped, non-empty lines with page-noise lines removed."""
    out = []
    for line in lines:
        stripped = line.strip().strip("\u3000\xa0\ufeff").strip()
        if stripped and not is_noise(stripped):
            out.append(stripped)
    return out


def is_noise(line: str) -> bool:
    """True for page furniture such as 搜索关键字, 打印本页, 【字体：大 中 小】, 分享到."""
    return len(line) <= 40 and NOISE_LINE.match(line) is not None


def looks_like_title(line: str) -> bool:
    """A line that could be a document title: short, not numbered, not a sentence."""
    if not 4 <= len(line) <= 120 or _NUMBERED_START.match(line):
        return False
    return line[-1] not in _SENTENCE_END and not line.startswith("#")


def split_title(lines: list[str], fallback: str) -> tuple[str, list[str]]:
    """(title, body lines): the first title-like line among the first few, else ``fallback``."""
    for index, line in enumerate(lines[:5]):
        if looks_like_title(line):
            return line, lines[index + 1 :]
    return fallback, lines


def iso_date(text: str) -> str:
    """The first date in ``text`` as YYYY-MM-DD ('' if none)."""
    match = _DATE_CN.search(text) or _DATE_ISO.search(text)
    return date_from_match(match) if match else ""


def date_from_match(match: re.Match[str]) -> str:
    """YYYY-MM-DD from a match whose three groups are year, month and day ('' if implausible)."""
    year, month, day = (int(g) for g in match.groups())
    if not (1900 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31):
        return ""
    return f"{year:04d}-{month:02d}-{day:02d}"


def issuer_from_title(title: str) -> str:
    """The issuing body when the title starts with it (XX人民政府关于印发…), else ''."""
    match = _ISSUER_TITLE.match(title)
    return match.group("issuer") if match else ""


def region_from_issuer(issuer: str) -> str:
    """The province or city named at the start of the issuer (厦门 for 中共厦门市委…), else ''."""
    first = issuer.split("、")[0]
    match = _REGION.match(first)
    if match is None or match.group("region").startswith(_NOT_REGIONS):
        return ""
    return match.group("region")


def name_stem(name: str) -> str:
    """The file name without folders and extension (the fallback title)."""
    return PurePath(name).stem or name


def policy_document(data: bytes, name: str, url: str, title: str, body: list[str]) -> Document:
    """A policy Document (no clauses yet) from a title and body lines."""
    issuer = issuer_from_title(title)
    return Document(
        doc_id=document_id("policy", title, ""),
        title=title,
        kind="policy",
        issuer=issuer,
        region=region_from_issuer(issuer),
        source=name,
        source_url=url,
        sha256=sha256_hex(data),
        text="\n".join(body),
    )


def looks_like_text(data: bytes) -> bool:
    """True for bytes without NULs whose start decodes as text (a last-resort sniff)."""
    head = data[:4096]
    if b"\x00" in head:
        return False
    try:
        decode(head)
    except ParseError:
        return False
    return True


def parse_text(data: bytes, name: str, url: str = "") -> list[Document]:
    """Parse a plain-text file: one paragraph per line, title first."""
    text, _encoding = decode(data)
    lines = clean_lines(fold_compatibility(text).splitlines())
    if not lines:
        raise ParseError("no text found")
    title, body = split_title(lines, name_stem(name))
    return [policy_document(data, name, url, title, body)]
