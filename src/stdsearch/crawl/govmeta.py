"""Government-document metadata read from a page's text: 文号, publish and effective dates.

The HTML parser takes title, issuer and publish date from the page's meta tags; many gov
pages print the rest only in the text — the document number (``厦委发〔2023〕5号``), the
date under the signature (``2023年5月6日``) and when it takes effect (``自2023年6月1日起施行``).
:func:`enrich` fills only fields the parser left empty. Pure functions, no clock.
"""

from __future__ import annotations

import re

from stdsearch.records import Document

#: 文号: issuer abbreviation + 〔year〕 (any bracket form) + number + 号.
_NUMBER = (
    r"(?P<number>[\u4e00-\u9fff]{2,7}"
    r"[〔［\[（(【]\s*(?:19|20)\d{2}\s*[〕］\]）)】]\s*第?\s*\d{1,5}\s*号)"
)
#: A 文号 alone on its line (how gov pages print it under the title) …
DOC_NUMBER_LINE = re.compile(r"^\s*" + _NUMBER + r"\s*$", re.M)
#: … else the first one in the text.
DOC_NUMBER = re.compile(_NUMBER)
#: Words that precede a 文号 quoted inside a sentence (根据国办发〔2021〕3号).
_LEAD_WORDS = re.compile(
    r"^[\u4e00-\u9fff]*?(?:依据|根据|按照|依照|参照|印发|转发|现将|详见|见|和|及|与|的)"
)
_CN_DATE = r"(?P<y>(?:19|20)\d{2})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日"
_ISO_DATE = r"(?P<y>(?:19|20)\d{2})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})"
PUBLISH_LABEL = re.compile(r"(?:发布|印发|成文|发文)(?:日期|时间)\s*[:：]?\s*(?:" + _CN_DATE + ")")
PUBLISH_LABEL_ISO = re.compile(
    r"(?:发布|印发|成文|发文)(?:日期|时间)\s*[:：]?\s*(?:" + _ISO_DATE + ")"
)
SIGNATURE_DATE = re.compile(r"^\s*" + _CN_DATE + r"\s*$", re.M)
EFFECTIVE = re.compile(r"自\s*" + _CN_DATE + r"\s*起(?:施行|实施|执行|生效)")


def find_doc_number(text: str) -> str:
    """The first 文号 in the head of the text, normalised to 〔〕 brackets ('' when none)."""
    head = text[:3000]
    match = DOC_NUMBER_LINE.search(head) or DOC_NUMBER.search(head)
    if not match:
        return ""
    number = re.sub(r"\s+", "", match.group("number"))
    number = _LEAD_WORDS.sub("", number)
    return re.sub(r"[［\[（(【](\d{4})[］\]）)】]", r"〔\1〕", number)


def find_publish_date(text: str) -> str:
    """A labelled publish date, else a date alone on a line (the signature), as YYYY-MM-DD."""
    for pattern in (PUBLISH_LABEL, PUBLISH_LABEL_ISO):
        match = pattern.search(text)
        if match:
            return _iso(match)
    matches = list(SIGNATURE_DATE.finditer(text))
    return _iso(matches[-1]) if matches else ""


def find_effective_date(text: str) -> str:
    """The date the text says it takes effect (自…起施行), as YYYY-MM-DD ('' when none)."""
    match = EFFECTIVE.search(text)
    return _iso(match) if match else ""


def enrich(document: Document) -> Document:
    """Fill 文号 (``number`` for non-standards) and dates the parser left empty."""
    text = document.text
    if document.kind != "standard" and not document.number:
        document.number = find_doc_number(text)
    document.publish_date = document.publish_date or find_publish_date(text)
    document.effective_date = document.effective_date or find_effective_date(text)
    return document


def _iso(match: re.Match[str]) -> str:
    """YYYY-MM-DD from a match with y/m/d groups ('' when not a real date)."""
    year, month, day = int(match["y"]), int(match["m"]), int(match["d"])
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return ""
    return f"{year:04d}-{month:02d}-{day:02d}"
