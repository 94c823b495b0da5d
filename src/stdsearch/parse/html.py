"""HTML pages (gov.cn articles, JSP-wrapped regulation pages, legacy MSHTML markup).

Title: ``<meta name="ArticleTitle">``, else the page's ``<h1>``, else ``<title>`` without
site suffixes and the 《…》学习 decoration. Publish date: ``<meta name="PubDate">``; issuer:
``<meta name="ContentSource">``. Main text: a known content container when the page has one,
else the body without navigation, scripts, forms, share bars and footers; block elements and
``<br>`` become line breaks, so articles (``第一条　…``) come out one per line.
"""

from __future__ import annotations

import re

import lxml.html
from bs4 import BeautifulSoup
from lxml import etree

from stdsearch.errors import ParseError
from stdsearch.identity import document_id
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

_JSP_DIRECTIVE = re.compile(r"<%[@=!]?.*?%>", re.DOTALL)
_HTML_START = re.compile(
    rb"^\s*(?:<%@|<!doctype\s+html|<html|<head|<\?xml|<rss|<body|<meta|<p\b|<div)", re.I
)
#: Elements that never hold document text (``form`` is kept: CMS pages wrap content in one).
_DROP_TAGS = frozenset(
    ("script", "style", "noscript", "iframe", "button", "select", "input", "textarea", "nav",
     "header", "footer", "aside", "svg", "template", "object")
)  # fmt: skip
#: Elements that start a new line in the extracted text.
_BLOCK_TAGS = frozenset(
    ("p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol",
     "section", "article", "blockquote", "pre", "dd", "dt", "dl", "center", "hr", "title",
     "item", "description", "entry", "summary", "content")
)  # fmt: skip
_MIN_CONTENT_CHARS = 100
_HIDDEN_OR_FIXED = re.compile(r"display\s*:\s*none|position\s*:\s*fixed", re.I)
_CELL_TAGS = frozenset({"td", "th"})
_TITLE_DECORATION = re.compile(r"^[《〈](?P<title>.+?)[》〉](?:学习|全文|解读)?$")
_TITLE_SUFFIX = re.compile(r"\s*[-_|｜—–]+\s*[^-_|｜—–]{2,30}$")
_POLICY_TITLE = re.compile(
    r"(?:意见|通知|办法|规定|决定|决议|方案|规划|纲要|条例|公告|通告|细则|指南|批复|命令|规则|标准|法)$"
)
_LABELLED_DATE = re.compile(
    r"(?:发布时间|发布日期|发文日期|成文日期|印发日期)\s*[:：]\s*"
    r"(?P<date>\d{4}\s*[-年/.]\s*\d{1,2}\s*[-月/.]\s*\d{1,2})"
)
_ARTICLE = re.compile(r"^第[零〇一二三四五六七八九十百千]+[条條]")

#: Containers that hold the main text on common Chinese government / CMS pages.
CONTENT_XPATHS = (
    '//*[@id="UCAP-CONTENT"]',
    '//*[@id="vsb_content"]',
    '//*[@class="pages_content"]',
    '//*[@id="zoom"]',
    '//*[@class="TRS_Editor"]',
    '//*[@id="Zoom"]',
    '//*[contains(@class,"article-content")]',
    '//*[@id="content"]',
    '//*[@class="content"]',
    "//article",
)
#: Elements whose class or id marks them as page furniture.
NOISE_MARK = re.compile(
    r"share|bdshare|nav|menu|breadcrumb|footer|foot|header|banner|search|login|sidebar|"
    r"comment|related|copyright|toolbar|print|qrcode|weixin|wechat|ad[-_]|advert",
    re.I,
)


def looks_like_html(data: bytes) -> bool:
    """True when the bytes start like an HTML/XML page (or a JSP directive)."""
    return _HTML_START.match(data[:1024].lstrip(b"\xef\xbb\xbf")) is not None


def parse_html(data: bytes, name: str, url: str = "") -> list[Document]:
    """Parse an HTML page into one Document."""
    text = fold_compatibility(decode(data)[0])
    root = _parse_tree(text)
    title = page_title(root) or name_stem(name)
    date = page_date(root)
    body = main_text_lines(root) or fallback_lines(text)
    if body and body[0] == title:
        body = body[1:]
    if not body:
        raise ParseError("no text found")
    return [_page_document(data, name, url, root, title, body, date)]


def fallback_lines(text: str) -> list[str]:
    """All text lines via BeautifulSoup's html.parser, for pages libxml2 gives up on.

    libxml2 silently drops content nested deeper than its limit (thousands of unclosed
    ``<font>`` tags in some MSHTML output); Python's parser has no such limit.
    """
    soup = BeautifulSoup(_JSP_DIRECTIVE.sub("", text), "html.parser")
    for element in soup(["script", "style", "noscript"]):
        element.decompose()
    return clean_lines(soup.get_text("\n").splitlines())


def _parse_tree(text: str) -> etree._Element:
    """An lxml tree of the page (JSP directives removed), or ParseError."""
    text = _JSP_DIRECTIVE.sub("", text)
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    text = text.replace("<![CDATA[", "").replace("]]>", "")
    if not text.strip():
        raise ParseError("no text found")
    try:
        return lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as error:
        raise ParseError(f"not valid HTML: {error}") from error


def meta_content(root: etree._Element, *names: str) -> str:
    """The content of the first ``<meta name=…>`` among ``names`` that is present."""
    for meta_name in names:
        found = root.xpath(f'//meta[@name="{meta_name}" or @property="{meta_name}"]/@content')
        if found and str(found[0]).strip():
            return str(found[0]).strip()
    return ""


def page_date(root: etree._Element) -> str:
    """Publish date: ``<meta name="PubDate">`` and kin, else a labelled 发布时间/发布日期 on the page."""
    meta = meta_content(root, "PubDate", "pubdate", "publishdate", "firstpublishedtime")
    if meta:
        return iso_date(meta)
    body = root.find("body")
    labelled = _LABELLED_DATE.search(body.text_content() if body is not None else "")
    return iso_date(labelled.group("date")) if labelled else ""


def page_title(root: etree._Element) -> str:
    """The document title of a page (meta ArticleTitle, h1, or a cleaned ``<title>``)."""
    title = meta_content(root, "ArticleTitle", "og:title").split("__")[0].strip()
    if not title:
        headings = [_squash(h.text_content()) for h in root.xpath("//h1")]
        title = next((h for h in headings if 4 <= len(h) <= 120), "")
    if not title:
        found = root.xpath("//title")
        title = _clean_title_tag(_squash(found[0].text_content())) if found else ""
    return title


def _clean_title_tag(title: str) -> str:
    """``《中华人民共和国食品安全法》学习`` → the law's name; ``X - 中国政府网`` → X."""
    match = _TITLE_DECORATION.match(title)
    if match:
        return match.group("title")
    title = title.split("__")[0].strip()
    stripped = _TITLE_SUFFIX.sub("", title)
    return stripped if len(stripped) >= 4 else title


def main_text_lines(root: etree._Element) -> list[str]:
    """The page's main text, one paragraph per line, page furniture dropped."""
    body = root.find("body")
    body = body if body is not None else root
    for element in list(body.iter("script", "style", "noscript")):
        _remove(element)
    container = _content_container(root)
    if container is None:
        container = densest_block(body)
    _drop_noise(container)
    lines = clean_lines(block_text(container).splitlines())
    return [_squash_inner(line) for line in lines]


def _content_container(root: etree._Element) -> etree._Element | None:
    """The first known main-content container that holds a fair amount of text."""
    for xpath in CONTENT_XPATHS:
        for element in root.xpath(xpath):
            if len(_squash(element.text_content())) >= 200:
                return element
    return None


def densest_block(body: etree._Element) -> etree._Element:
    """The element whose own paragraphs hold the most non-link text (the body if none does).

    A paragraph is a direct ``<p>`` child or a run of direct text; link text does not count,
    so navigation lists and link farms lose to the article.
    """
    best, best_score = body, 0
    for element in body.iter("div", "td", "article", "section", "form", "span", "font", "center"):
        score = _paragraph_score(element)
        if score > best_score:
            best, best_score = element, score
    return best if best_score >= _MIN_CONTENT_CHARS else body


def _paragraph_score(element: etree._Element) -> int:
    """Characters of non-link text in the element's direct paragraphs and direct text."""
    score = len((element.text or "").strip())
    for child in element:
        score += len((child.tail or "").strip())
        if isinstance(child.tag, str) and child.tag.lower() in (
            "p",
            "h2",
            "h3",
            "h4",
            "blockquote",
        ):
            links = sum(len(a.text_content()) for a in child.iter("a"))
            score += max(0, len(child.text_content().strip()) - links)
    return score


def _drop_noise(container: etree._Element) -> None:
    """Remove scripts, forms, navigation and elements marked as share bars, footers etc."""
    for element in list(container.iter(*sorted(_DROP_TAGS))):
        _remove(element)
    for comment in container.xpath(".//comment() | .//processing-instruction()"):
        _remove(comment)
    for element in list(container.iter()):
        if not isinstance(element.tag, str):
            continue
        mark = f"{element.get('class', '')} {element.get('id', '')}"
        small = len(element.text_content()) < 600
        if small and (NOISE_MARK.search(mark) or _HIDDEN_OR_FIXED.search(element.get("style", ""))):
            _remove(element)


def _remove(element: etree._Element) -> None:
    """Remove an element (or comment) but keep its tail text in place."""
    parent = element.getparent()
    if parent is None:
        return
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


def block_text(element: etree._Element) -> str:
    """Text of an element with a line break at every block boundary and ``<br>``.

    Iterative (``iterwalk``), so that deeply nested legacy markup cannot exhaust the stack.
    """
    parts: list[str] = []
    for event, node in etree.iterwalk(element, events=("start", "end")):
        tag = node.tag.lower() if isinstance(node.tag, str) else ""
        if event == "start":
            parts.append("\n" if tag in _BLOCK_TAGS else "")
            parts.append(node.text or "" if tag else "")
            continue
        parts.append(" " if tag in _CELL_TAGS else "")
        parts.append("\n" if tag in _BLOCK_TAGS else "")
        if node is not element:
            parts.append(node.tail or "")
    return "".join(parts)


def _squash(text: str) -> str:
    """Whitespace runs collapsed to one space, trimmed."""
    return re.sub(r"\s+", " ", text).strip()


def _squash_inner(line: str) -> str:
    """Collapse long runs of spaces inside a line; keep an article label's separator."""
    line = re.sub(r"[ \xa0\t]{2,}", " ", line)
    return re.sub(r"\u3000{2,}", "\u3000", line)


def page_kind(title: str, body: list[str]) -> str:
    """law (article-structured), policy (an official-document title) or page (news etc.)."""
    if sum(1 for line in body if _ARTICLE.match(line)) >= 3:
        return "law"
    return "policy" if _POLICY_TITLE.search(title) else "page"


def _page_document(
    data: bytes,
    name: str,
    url: str,
    root: etree._Element,
    title: str,
    body: list[str],
    date: str,
) -> Document:
    """A Document from a parsed page (kind from :func:`page_kind`)."""
    kind = page_kind(title, body)
    issuer = meta_content(root, "ContentSource") or (
        "" if kind == "law" else issuer_from_title(title)
    )
    return Document(
        doc_id=document_id(kind, title, date),
        title=title,
        kind=kind,
        issuer=issuer,
        region=region_from_issuer(issuer),
        publish_date=date,
        source=name,
        source_url=url,
        sha256=sha256_hex(data),
        text="\n".join(body),
    )
