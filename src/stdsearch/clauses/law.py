"""Law-style clauses: 第X条 articles with their 款 (paragraphs) and 项 (（一） items).

Ids: 第十二条 → ``a12``; 第十条之一 → ``a10-1``; its second 款 → ``a12.p2``; 项 （一） of that
款 → ``a12.p2.i1`` (of an article with a single 款: ``a12.p1.i1``). Articles are searchable
and carry their whole text (label removed, paragraphs joined by newlines); 款 and 项 are clauses
of their own with ``searchable=False``, emitted only when an article has several 款 (款) or
items (项). Headings (编/分编/章/节, as Markdown ``#`` lines or plain 第X章 lines) are not
clauses: they form the ``heading`` path of the clauses below them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from stdsearch.clauses.numerals import NUMERAL_CHARS, cn_to_int, int_to_cn
from stdsearch.records import Clause

SEPARATOR = r"[\s\u3000\xa0\u2000-\u200a]"
ARTICLE = re.compile(
    rf"^(?P<label>第(?P<num>[{NUMERAL_CHARS}0-9０-９]+)[条條](?:之(?P<sub>[{NUMERAL_CHARS}]+))?)"
    rf"(?:{SEPARATOR}+|$)"
)
ITEM = re.compile(rf"^(?P<label>[（(](?P<num>[{NUMERAL_CHARS}]+)[）)]){SEPARATOR}*")
#: A Markdown table row: part of the 款 (or 项) above it, not a 款 of its own.
TABLE_ROW = re.compile(r"^\|.*\|$")
MARKDOWN_HEADING = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<text>.+)$")
PLAIN_HEADING = re.compile(
    rf"^第[{NUMERAL_CHARS}0-9]+(?P<kind>分编|编|編|章|节|節)(?:{SEPARATOR}+\S.{{0,40}}|{SEPARATOR}*)$"
)
_PLAIN_LEVELS = {"编": 1, "編": 1, "分编": 2, "章": 3, "节": 4, "節": 4}
HEADING_JOINER = " > "
PREAMBLE_ID = "preamble"


class HeadingTrail:
    """The current path of headings (编 > 章 > 节) while reading lines in order."""

    def __init__(self) -> None:
        """Start with no headings."""
        self._levels: dict[int, str] = {}

    def feed(self, line: str) -> bool:
        """Take ``line`` if it is a heading (Markdown or plain 第X章); True when taken."""
        match = MARKDOWN_HEADING.match(line)
        if match:
            self._set(len(match.group("hashes")), match.group("text").strip())
            return True
        plain = PLAIN_HEADING.match(line)
        if plain and "。" not in line:
            self._set(_PLAIN_LEVELS[plain.group("kind")], re.sub(rf"{SEPARATOR}+", " ", line))
            return True
        return False

    def _set(self, level: int, text: str) -> None:
        """Set the heading at ``level`` and forget the deeper ones."""
        self._levels = {k: v for k, v in self._levels.items() if k < level}
        self._levels[level] = text

    @property
    def path(self) -> str:
        """The headings above the current line, outermost first, joined with `` > ``."""
        return HEADING_JOINER.join(self._levels[k] for k in sorted(self._levels))


def join_heading(*parts: str) -> str:
    """Join non-empty heading parts with `` > ``."""
    return HEADING_JOINER.join(p for p in parts if p)


@dataclass
class _Article:
    """An article while it is being read: its label, heading path and paragraphs."""

    label: str
    clause_id: str
    heading: str
    paragraphs: list[str] = field(default_factory=list)


def count_articles(lines: list[str]) -> int:
    """How many lines start with an article label (第X条 + space)."""
    return sum(1 for line in lines if ARTICLE.match(line))


def detect(lines: list[str]) -> bool:
    """True when the text is article-structured (at least two 第X条 paragraphs)."""
    return count_articles(lines) >= 2


def split_law(lines: list[str]) -> list[Clause]:
    """Articles, 款 and 项 of a law, in document order (positions set by the caller)."""
    preamble, articles = _read_articles(lines)
    clauses = preamble_clause(preamble, "序言")
    for article in articles:
        clauses.extend(_article_clauses(article))
    return clauses


def preamble_clause(lines: list[str], label: str) -> list[Clause]:
    """The text before the first numbered unit as a ``preamble`` clause ([] when empty)."""
    if not lines:
        return []
    return [Clause(clause_id=PREAMBLE_ID, label=label, text="\n".join(lines))]


def _read_articles(lines: list[str]) -> tuple[list[str], list[_Article]]:
    """(preamble lines, articles): every line goes to the article it follows."""
    trail = HeadingTrail()
    preamble: list[str] = []
    articles: list[_Article] = []
    for line in lines:
        if trail.feed(line):
            continue
        match = ARTICLE.match(line)
        if match:
            article = _Article(match.group("label"), article_id(match), trail.path)
            article.paragraphs.append(line[match.end() :].strip())
            articles.append(article)
        elif articles:
            articles[-1].paragraphs.append(line)
        else:
            preamble.append(line)
    return preamble, articles


def article_id(match: re.Match[str]) -> str:
    """``a12`` for 第十二条, ``a10-1`` for 第十条之一."""
    number = f"a{cn_to_int(match.group('num'))}"
    sub = match.group("sub")
    return f"{number}-{cn_to_int(sub)}" if sub else number


def _article_clauses(article: _Article) -> list[Clause]:
    """The article clause followed by its 款 and 项 clauses."""
    paragraphs = [p for p in article.paragraphs if p] or [""]
    clauses = [
        Clause(
            clause_id=article.clause_id,
            label=article.label,
            text="\n".join(paragraphs),
            heading=article.heading,
        )
    ]
    kuan = _group_kuan(article.paragraphs)
    emit_kuan = len(kuan) >= 2
    for index, (text, items) in enumerate(kuan, start=1):
        kuan_id = f"{article.clause_id}.p{index}"
        kuan_label = f"第{int_to_cn(index)}款"
        under_article = join_heading(article.heading, article.label)
        if emit_kuan:
            clauses.append(
                _sub_clause(kuan_id, kuan_label, text, under_article, 1, article.clause_id)
            )
        item_parent = kuan_id if emit_kuan else article.clause_id
        item_heading = join_heading(under_article, kuan_label if emit_kuan else "")
        for label, number, item_text in items:
            clauses.append(
                _sub_clause(
                    f"{kuan_id}.i{number}",
                    label,
                    item_text,
                    item_heading,
                    2 if emit_kuan else 1,
                    item_parent,
                )
            )
    return clauses


def _group_kuan(paragraphs: list[str]) -> list[tuple[str, list[tuple[str, int, str]]]]:
    """Paragraphs grouped into 款 (text, [(item label, item number, item text)])."""
    kuan: list[tuple[str, list[tuple[str, int, str]]]] = []
    for index, paragraph in enumerate(paragraphs):
        item = ITEM.match(paragraph)
        if kuan and TABLE_ROW.match(paragraph):
            text, items = kuan[-1]
            if items:
                label, number, item_text = items[-1]
                items[-1] = (label, number, f"{item_text}\n{paragraph}")
            else:
                kuan[-1] = (f"{text}\n{paragraph}", items)
        elif item and kuan:
            kuan[-1][1].append(
                (item.group("label"), cn_to_int(item.group("num")), paragraph[item.end() :].strip())
            )
        elif paragraph or index == 0:
            kuan.append((paragraph, []))
    return kuan


def _sub_clause(
    clause_id: str, label: str, text: str, heading: str, depth: int, parent_id: str
) -> Clause:
    """A 款 or 项 clause (not searchable on its own: its article is)."""
    return Clause(
        clause_id=clause_id,
        label=label,
        text=text,
        heading=heading,
        depth=depth,
        parent_id=parent_id,
        searchable=False,
    )
