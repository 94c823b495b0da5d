"""References inside a law to its own articles: 本法第N条, 第N条规定, 本条第二款, 前款, 前条.

:func:`law_links` finds them in one clause's text and names the clause each points to, with
the ids of :mod:`stdsearch.clauses.law` (``a26``, ``a26.p2``, ``a26.p2.i3``, ``a10-1``):

* ``本法第二十六条`` (本条例 / 本办法 / 本规定 / 本细则 / 本解释 / 本决定 / 本规则 …), optionally
  ``第二款`` and ``第三项`` (``第（三）项``) → that article, 款 or 项;
* a bare ``第二十六条`` (``依照第二十六条规定``) → this law's article, unless a law's name comes
  right before it (``刑法第二十六条``, ``《…》第二十六条`` cite another law), also along a list
  (``刑法第十条、第十一条``);
* ``本条第二款`` and a bare ``第二款`` → a 款 of the same article; ``前款`` → the 款 before the
  one the text is in; ``前条`` → the article before.

Only targets that exist (``clause_ids``) are linked, never the clause itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from stdsearch.clauses.numerals import NUMERAL_CHARS, cn_to_int

_N = f"[{NUMERAL_CHARS}0-9]+"
_SELF = r"本(?:法|法典|条例|办法|规定|细则|解释|决定|规则|规章|准则|章程|实施细则)"
_REFERENCE = re.compile(
    rf"(?P<self>{_SELF})?"
    rf"第(?P<art>{_N})条(?:之(?P<sub>{_N}))?(?:第(?P<para>{_N})款)?(?:第[（(]?(?P<item>{_N})[）)]?项)?"
    rf"|本条第(?P<own_para>{_N})款(?:第[（(]?(?P<own_item>{_N})[）)]?项)?"
    rf"|(?<![条本])第(?P<bare_para>{_N})款(?:第[（(]?(?P<bare_item>{_N})[）)]?项)?"
    rf"|(?P<previous>前款|前条)"
)
#: A law's name just before 第N条: it cites that law, not this one.
_OTHER_LAW_BEFORE = re.compile(r"(?:[法典例定法则释》]|办法|规定|细则|决定|规则|解释)\s*$")
#: How far before 第N条 a law's name is looked for (its last characters and some white space).
_NAME_END = 16
#: What may separate the items of a list of articles (第十条、第十一条和第十二条).
_LIST_GAP = re.compile(r"^\s*(?:、|，|,|和|或者|或|以及|及|至|到)\s*$")
_ARTICLE_ID = re.compile(r"a\d+(?:-\d+)?")


@dataclass(frozen=True)
class OwnClauses:
    """A law's clause ids as :func:`law_links` needs them: all of them, and its articles in order.

    Built once per document: building it per clause made linking a long law quadratic.
    """

    ids: frozenset[str]
    articles: tuple[str, ...]

    @classmethod
    def of(cls, clause_ids: Iterable[str]) -> OwnClauses:
        """From the clause ids in document order."""
        ordered = list(clause_ids)
        return cls(frozenset(ordered), tuple(i for i in ordered if _ARTICLE_ID.fullmatch(i)))


def law_links(
    text: str, article_id: str, clauses: OwnClauses | Iterable[str], paragraph: int = 0
) -> list[tuple[int, int, str]]:
    """Spans of ``text`` that refer to clauses of the same law, with their target ids.

    ``article_id`` is the article the text belongs to (``a26``), ``clauses`` the law's clause
    ids (in document order) or their :class:`OwnClauses`, ``paragraph`` the text's 款 number
    when the text is one 款 (0 for a whole article: 前款 is then not resolved).
    """
    if "第" not in text and "前" not in text:  # every reference has one (most clauses have neither)
        return []
    own = clauses if isinstance(clauses, OwnClauses) else OwnClauses.of(clauses)
    links: list[tuple[int, int, str]] = []
    external_until = -1
    for match in _REFERENCE.finditer(text):
        target = _target(match, article_id, paragraph, own.articles)
        if match["art"] and not match["self"]:
            before = text[max(0, match.start() - _NAME_END) : match.start()]
            chained = external_until >= 0 and _LIST_GAP.match(text[external_until : match.start()])
            if _OTHER_LAW_BEFORE.search(before) or chained:
                external_until = match.end()
                continue
        external_until = -1
        if target and target in own.ids and target != article_id:
            links.append((match.start(), match.end(), target))
    return links


def _target(match: re.Match[str], article_id: str, paragraph: int, order: tuple[str, ...]) -> str:
    """The clause id a reference names ('' when it cannot be told)."""
    try:
        if match["art"]:
            target = f"a{cn_to_int(match['art'])}" + (f"-{cn_to_int(match['sub'])}" if match["sub"] else "")
            return _with_parts(target, match["para"], match["item"])
        if match["own_para"] or match["bare_para"]:
            para, item = (match["own_para"], match["own_item"]) if match["own_para"] else (match["bare_para"], match["bare_item"])
            return _with_parts(article_id, para, item)
    except ValueError:
        return ""
    if match["previous"] == "前款":
        return f"{article_id}.p{paragraph - 1}" if paragraph > 1 else ""
    if match["previous"] == "前条" and article_id in order:
        index = order.index(article_id)
        return order[index - 1] if index > 0 else ""
    return ""


def _with_parts(article: str, para: str | None, item: str | None) -> str:
    """``a26`` + 款 (``.p2``) + 项 (``.i3``; under ``.p1`` when no 款 is named)."""
    if para:
        article += f".p{cn_to_int(para)}"
    if item:
        article += ("" if para else ".p1") + f".i{cn_to_int(item)}"
    return article

