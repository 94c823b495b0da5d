"""Links out of a fetched HTML page: absolute, fragment-free, in document order.

This is the only reading of page content the crawler does itself; turning pages into
documents is :func:`stdsearch.parse.parse_bytes`'s job.
"""

from __future__ import annotations

import itertools
import re
from urllib.parse import urldefrag, urljoin, urlsplit

import lxml.html
from lxml import etree

from stdsearch.errors import ParseError
from stdsearch.parse.encoding import decode

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
#: Links to these never lead to documents (styles, scripts, images, media, archives).
SKIP_SUFFIXES = re.compile(
    r"\.(?:css|js|json|png|jpe?g|gif|bmp|svg|ico|webp|mp[34]|avi|wmv|flv|mov|swf|zip|rar|7z|"
    r"gz|tar|exe|apk|dmg|iso|woff2?|ttf|eot)$",
    re.I,
)
#: Link elements read from one page: real listings have hundreds; a hostile page with a
#: million would cost the crawl's main thread half a minute of URL joining.
MAX_LINKS_PER_PAGE = 20_000


def is_html(content_type: str, data: bytes) -> bool:
    """True when a response is an HTML page (by Content-Type, else by its first bytes)."""
    media = content_type.split(";")[0].strip().lower()
    if media:
        return media in HTML_TYPES
    return re.match(rb"\s*(?:<!doctype html|<html)", data[:512], re.I) is not None


def extract_links(data: bytes, base_url: str, charset: str = "") -> list[str]:
    """The http(s) links of a page, absolute and without fragments ([] when it says nofollow),
    from its first :data:`MAX_LINKS_PER_PAGE` link elements."""
    try:
        text, _ = decode(data, charset)
        root = lxml.html.document_fromstring(text)
    except (ParseError, etree.ParserError, ValueError):
        return []
    if _nofollow(root):
        return []
    base = root.xpath("string(//base/@href)") or base_url
    base = urljoin(base_url, str(base).strip())
    found: dict[str, None] = {}
    elements = root.iter("a", "area", "iframe", "frame")
    for element in itertools.islice(elements, MAX_LINKS_PER_PAGE):
        target = element.get("href") or element.get("src") or ""
        if "nofollow" in (element.get("rel") or "").lower():
            continue
        url = normalise(urljoin(base, target.strip()))
        if url:
            found[url] = None
    return list(found)


#: A page whose visible text is mostly link text, with at least this many links, is a listing.
LISTING_MIN_LINKS = 8
LISTING_LINK_SHARE = 0.6


def is_listing(data: bytes, charset: str = "") -> bool:
    """True for a listing or hub page (an index of links to documents, to be followed but not
    indexed itself): at least :data:`LISTING_MIN_LINKS` links whose text is at least
    :data:`LISTING_LINK_SHARE` of the page's visible text (navigation included)."""
    try:
        text, _ = decode(data, charset)
        root = lxml.html.document_fromstring(text)
    except (ParseError, etree.ParserError, ValueError):
        return False
    for hidden in root.xpath("//script|//style|//noscript|//template"):
        hidden.drop_tree()
    anchors = [a for a in itertools.islice(root.iter("a"), MAX_LINKS_PER_PAGE + 1) if a.get("href")]
    if len(anchors) < LISTING_MIN_LINKS:
        return False
    if len(anchors) > MAX_LINKS_PER_PAGE:
        return True  # a link farm, whatever its text
    visible = _letters(root.text_content())
    linked = sum(_letters(a.text_content()) for a in anchors)
    return visible > 0 and linked / visible >= LISTING_LINK_SHARE


def _letters(text: str) -> int:
    """How many non-space characters ``text`` has."""
    return sum(1 for char in text if not char.isspace())


def normalise(url: str) -> str:
    """An http(s) URL without its fragment, or '' for other schemes and skipped suffixes."""
    url, _ = urldefrag(url)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    if SKIP_SUFFIXES.search(parts.path):
        return ""
    return url


def _nofollow(root: etree._Element) -> bool:
    """True when ``<meta name="robots">`` forbids following the page's links."""
    for meta in root.iter("meta"):
        named = (meta.get("name") or "").lower() in ("robots", "stdsearch")
        if named and "nofollow" in (meta.get("content") or "").lower():
            return True
    return False
