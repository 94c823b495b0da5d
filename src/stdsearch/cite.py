"""Cite and land: a query that cites a clause (``产品质量法第二十六条``) gets that clause first.

Two parts, kept apart:

* :func:`parse_citation` — pure: query text → :class:`CitedClause` (the work, by title or
  standard number, and the clause path), or None when the query is not a citation. Laws are
  cited by full title, short title (without 中华人民共和国), in 《》 or not, with the article in
  Chinese or Arabic numerals (第二十六条, 第26条, 26条), optionally 之一, 款 and 项
  (第二十六条第二款第三项); standards by number (``GB 50016-2014 5.1.2``,
  ``GB 50016 第5.1.2条``, ``附录A``) or by title followed by a clause number.
* :class:`CiteIndex` — the corpus side: titles and numbers of the stored documents (built once
  per manifest state) resolve a citation to ``(doc_id, clause_id)``, current edition first; the
  clause is the one named, else its nearest existing parent (第二十六条第三项 of an article with one
  款 is ``a26.p1.i3``).

:func:`land` pins the cited clause as the first hit of page 1, with the cited document's other
clauses after it (found by its title or number; totals and pages count the clause once).
"""

from __future__ import annotations

import dataclasses
import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from stdsearch import analysis, citations, references
from stdsearch import index as index_mod
from stdsearch.clauses.numerals import NUMERAL_CHARS, cn_to_int
from stdsearch.numbers import find_numbers, key_of, parse_number
from stdsearch.query import ParsedQuery
from stdsearch.records import Clause, Document
from stdsearch.search.request import facet_holds
from stdsearch.search.results import Hit, hit_from_fields
from stdsearch.search.snippets import snippet
from stdsearch.settings import Home
from stdsearch.standards.facets import normalise_filters
from stdsearch.store import Store

#: Retriever name put in ``Hit.matched_by`` of a clause pinned because the query cites it.
CITATION = "citation"

_N = rf"[{NUMERAL_CHARS}0-9]+"
_FIELD_PREFIX = re.compile(r"(?i)(?<![A-Za-z])(?:title|number):")
_QUOTES = re.compile(r"[\"“”‘’'「」『』]")
#: What may end a citation: 的规定, 之规定, 的内容.
_CITATION_END = r"\s*(?:[的之]?规定|的?内容)?\s*$"
#: The law part: 第二十六条之一第二款第三项 (第 optional before each number; 项 may be （三）).
_LAW_CLAUSE = re.compile(
    rf"(?:的)?\s*第?\s*(?P<art>{_N})\s*[条條]"
    rf"(?:\s*之\s*(?P<sub>{_N}))?"
    rf"(?:\s*第?\s*(?P<para>{_N})\s*款)?"
    rf"(?:\s*第?\s*(?:[（(]\s*(?P<item_b>{_N})\s*[）)]|(?P<item>{_N}))\s*项?)?"
    rf"{_CITATION_END}"
)
#: Several whole articles of one law: 第四十九条、第五十条 / 第49、50条 / 第四十九条至第五十一条.
_ARTICLE_LIST = re.compile(
    rf"第\s*(?P<articles>{_N}\s*[条條]?(?:\s*(?:、|，|,|和|及|与|或|至|到|~|-)\s*第?\s*{_N}\s*[条條]?)+)"
    rf"{_CITATION_END}"
)
_LIST_PART = re.compile(rf"(?P<sep>至|到|~|-)?\s*第?\s*(?P<n>{_N})")
#: Where a second cited part begins (、第五十条).
_LISTED_AFTER = re.compile(r"(?<=[条條款项項）)])\s*(?:、|，|,|和|及|以及|与)\s*(?=第)")
#: Most articles a cited range (第一条至第九十九条) pins: beyond this, it is a reading list, not a citation.
MAX_CITED_ARTICLES = 10
#: A standard's clause: 5.1.2, 第5.1.2条, A.0.1, 附录A, 附录 B.2.
_STANDARD_CLAUSE = re.compile(
    r"^\s*(?:中的|的|中)?\s*(?:第\s*)?"
    r"(?:附\s*录\s*(?P<appendix>[A-Z](?:\.\d{1,3})*)|(?P<clause>\d{1,2}(?:\.\d{1,3})*|[A-Z](?:\.\d{1,3})+))"
    r"\s*(?:条|章|节)?\s*(?:的?规定)?\s*$"
)
#: Words before a cited title (根据产品质量法第二十六条).
_LEADING_VERB = re.compile(r"^(?:根据|依据|依照|按照|参照|违反|适用)")
_VERB_BEFORE_QUOTE = re.compile(r"^(?:根据|依据|依照|按照|参照|违反|适用)\s*(?=[《〈])")
_TITLE_EDGES = re.compile(r"^[\s《〈<]+|[\s》〉>]+$")
#: A version remark after a title or a standard number: （2018年修正）, (2018修订), （2018年版）.
_REMARK = r"[（(][^（）()]{0,10}?(?:修正|修订|修改|版)[^（）()]{0,4}[）)]"
_VERSION_REMARK = re.compile(rf"\s*{_REMARK}\s*$")
#: The same remark before a standard's clause, after its number (（2018年版）第5.1.2条).
_LEADING_REMARK = re.compile(rf"^\s*[》〉>)）]*\s*{_REMARK}")
#: What may stand between a standard's title and its number, or its number and the clause: brackets.
_AROUND_NUMBER = re.compile(r"^[\s》〉>（()）]+|[\s《〈<（()）]+$")


@dataclass(frozen=True)
class CitedClause:
    """What a citation query names: a work (by ``title`` or standard ``number``) and a clause.

    Laws: ``article`` (26), ``sub`` (之一 → 1), ``paragraph`` (款) and ``item`` (项), 0 when
    absent. Standards: ``clause`` (``5.1.2``, ``A``, ``A.0.1``).
    """

    title: str = ""
    number: str = ""
    article: int = 0
    sub: int = 0
    paragraph: int = 0
    item: int = 0
    clause: str = ""
    #: The other whole articles cited with ``article`` (第四十九条、第五十条 → 50), in order.
    more_articles: tuple[int, ...] = ()

    def law_clause_ids(self) -> list[str]:
        """Ids to try in a law, most precise first (a26.p2.i3, a26.p2, a26)."""
        if not self.article:
            return []
        article = f"a{self.article}" + (f"-{self.sub}" if self.sub else "")
        ids = []
        if self.item:
            ids.append(f"{article}.p{self.paragraph or 1}.i{self.item}")
        if self.paragraph:
            ids.append(f"{article}.p{self.paragraph}")
        return [*ids, article]

    def standard_clause_ids(self) -> list[str]:
        """Ids to try in a standard: the clause, then its parents (5.1.2, 5.1, 5)."""
        clause = self.clause or (str(self.article) if self.article and not self.sub else "")
        parts = clause.split(".") if clause else []
        return [".".join(parts[:n]) for n in range(len(parts), 0, -1)]

    def clause_ids(self, kind: str) -> list[str]:
        """Ids to try in a document of this kind, most precise first."""
        return self.standard_clause_ids() if kind == "standard" else self.law_clause_ids()


# --- parsing (pure) ---------------------------------------------------------------------


def normalise_query(text: str) -> str:
    """The query folded (NFKC: full-width digits and letters), without field prefixes or quotes."""
    folded = unicodedata.normalize("NFKC", text)
    folded = _FIELD_PREFIX.sub(" ", folded)
    return re.sub(r"\s+", " ", _QUOTES.sub("", folded)).strip()


def parse_citation(text: str) -> CitedClause | None:
    """The clause a query cites, or None when it is not a citation of one clause."""
    query = normalise_query(text)
    if not query or len(query) > 120:
        return None
    return _standard_citation(query) or _law_citation(query) or _titled_standard_citation(query)


def clean_title(text: str) -> str:
    """The cited title without a verb before its 《》 (依照《…》), without its brackets and without
    a version remark after it (《产品质量法》（2018年修正）, 产品质量法(2018修正))."""
    return _TITLE_EDGES.sub("", _VERB_BEFORE_QUOTE.sub("", _VERSION_REMARK.sub("", text.strip())))


def _standard_citation(query: str) -> CitedClause | None:
    """``GB 50016-2014 5.1.2`` / ``GB 50016 第5.1.2条`` / ``《GB 50016-2014》附录A``, also with the
    title before the number (``《建筑设计防火规范》GB 50016-2014 第5.1.2条``, ``建筑设计防火规范（GB 50016）5.1.2``)
    and a version remark after it (``GB 50016-2014（2018年版）第5.1.2条``)."""
    stripped = query.lstrip("《〈<").strip()
    found = find_numbers(stripped)
    if not found:
        return None
    start, end, number = found[0]
    before = _AROUND_NUMBER.sub("", stripped[:start])
    if before and (re.search(r"\d", before) or len(clean_title(before)) < 2):
        return None
    rest = _AROUND_NUMBER.sub("", _VERSION_REMARK.sub("", _LEADING_REMARK.sub("", stripped[end:])))
    match = _STANDARD_CLAUSE.match(rest)
    if not match:
        return None
    return CitedClause(number=number.canonical, clause=match["appendix"] or match["clause"])


def _law_citation(query: str) -> CitedClause | None:
    """``产品质量法第二十六条``, ``《中华人民共和国食品安全法》第148条``, ``民法典 1165条``, and
    several articles: ``产品质量法第四十九条、第五十条``, ``第49至51条``."""
    listed = _article_list_citation(query)
    if listed is not None:
        return listed
    first = _LISTED_AFTER.split(query, maxsplit=1)[0]  # 第四十九条第二款、第五十条 cites the first first
    for match in _LAW_CLAUSE.finditer(first):
        title = clean_title(query[: match.start()])
        if len(title) < 2:
            continue
        try:
            article = cn_to_int(match["art"])
            sub = cn_to_int(match["sub"]) if match["sub"] else 0
            paragraph = cn_to_int(match["para"]) if match["para"] else 0
            item_text = match["item_b"] or match["item"]
            item = cn_to_int(item_text) if item_text else 0
        except ValueError:
            continue
        if article:
            return CitedClause(title=title, article=article, sub=sub, paragraph=paragraph, item=item)
    return None


def _article_list_citation(query: str) -> CitedClause | None:
    """A title and several whole articles (a range is expanded), or None."""
    match = _ARTICLE_LIST.search(query)
    if match is None or not match["articles"].endswith(("条", "條")):
        return None
    title = clean_title(query[: match.start()])
    if len(title) < 2:
        return None
    articles: list[int] = []
    try:
        for part in _LIST_PART.finditer(match["articles"]):
            number = cn_to_int(part["n"])
            if part["sep"] and articles and articles[-1] < number:
                articles.extend(range(articles[-1] + 1, min(number, articles[-1] + MAX_CITED_ARTICLES) + 1))
            else:
                articles.append(number)
    except ValueError:
        return None
    articles = [a for a in dict.fromkeys(articles) if a][:MAX_CITED_ARTICLES]
    if len(articles) < 2:
        return None
    return CitedClause(title=title, article=articles[0], more_articles=tuple(articles[1:]))


def _titled_standard_citation(query: str) -> CitedClause | None:
    """``《建筑设计防火规范》5.1.2`` / ``建筑设计防火规范 第5.1.2条``: a title, then a clause number;
    a bare whole number after a title (``食品安全法148``, ``民法典 1165``) is a law's article or a
    standard's chapter, whichever the cited document has."""
    match = re.match(
        r"^(?P<title>.*?\D)\s*(?:中的|的|中)?\s*(?:第\s*)?"
        r"(?:附\s*录\s*(?P<appendix>[A-Z](?:\.\d{1,3})*)"
        r"|(?P<clause>\d{1,2}(?:\.\d{1,3})+|[A-Z](?:\.\d{1,3})+)|(?P<whole>[1-9]\d{0,3}))"
        r"\s*(?:条)?\s*(?:的?规定)?\s*$",
        query,
    )
    if not match:
        return None
    title = clean_title(match["title"])
    if len(title) < 2 or find_numbers(title):
        return None
    if match["whole"]:
        return CitedClause(title=title, article=int(match["whole"]), clause=match["whole"])
    return CitedClause(title=title, clause=match["appendix"] or match["clause"])


# --- resolving against the corpus -------------------------------------------------------


@dataclass(frozen=True)
class Landing:
    """A resolved citation: the document and the clause (the named one or its nearest parent)."""

    document: Document
    clause: Clause
    #: The other clauses cited with it (第四十九条、第五十条), in the order cited.
    more: tuple[Clause, ...] = ()

    def clauses(self) -> list[Clause]:
        """Every cited clause, the first first."""
        return [self.clause, *self.more]


class CiteIndex:
    """Titles and numbers of one corpus state, resolving citations to stored clauses.

    Built from the manifest (no document is read); documents are read when a citation names
    them, and the last few are kept.
    """

    DOCUMENTS_KEPT = 32

    def __init__(self, store: Store):
        self.store = store
        titles, self.numbers = references.build_lookup(citations.lookup_documents(store))
        self.titles: dict[str, list[str]] = {}
        for key, doc_ids in titles.items():
            self.titles.setdefault(fold_title(key), []).extend(doc_ids)
        self.kinds = {doc_id: entry.get("kind", "") for doc_id, entry in store.manifest().items()}
        self.shas = {doc_id: entry.get("sha256", "") for doc_id, entry in store.manifest().items()}
        self._keys = sorted(self.titles)
        self._documents: OrderedDict[str, Document] = OrderedDict()
        self._lock = threading.Lock()

    def candidates(self, cited: CitedClause) -> list[str]:
        """Doc ids the citation may name, best first: by number, else by title."""
        if cited.number:
            number = parse_number(cited.number)
            return list(self.numbers.get(key_of(number), [])) if number else []
        key = fold_title(cited.title)
        bare = _LEADING_VERB.sub("", key)
        short = references.short_names()
        full = [fold_title(short[k]) for k in (key, bare) if k in short]  # 消法 → 消费者权益保护法
        for candidate in dict.fromkeys([key, bare, *full]):
            if candidate in self.titles:
                return list(self.titles[candidate])
        return self._titles_ending_with(key)

    def _titles_ending_with(self, key: str) -> list[str]:
        """Documents of the one title that ends with ``key`` (a short form of a longer title)."""
        if len(key) < 3:
            return []
        found = [k for k in self._keys if k.endswith(key)]
        return list(self.titles[found[0]]) if len(found) == 1 else []

    def document(self, doc_id: str) -> Document:
        """A stored document (kept while few others are asked for)."""
        with self._lock:
            if doc_id in self._documents:
                self._documents.move_to_end(doc_id)
                return self._documents[doc_id]
        document = self.store.get(doc_id)
        with self._lock:
            self._documents[doc_id] = document
            while len(self._documents) > self.DOCUMENTS_KEPT:
                self._documents.popitem(last=False)
        return document

    def resolve(self, cited: CitedClause) -> Landing | None:
        """The stored clause a citation names (or its nearest parent), current edition first.

        The first document (by :meth:`candidates`) holding the cited article or clause wins, so
        a 款 the current edition lacks lands on its article rather than on an old edition.
        """
        for doc_id in self.candidates(cited):
            if not self.store.exists(doc_id):
                continue
            document = self.document(doc_id)
            clauses = {c.clause_id: c for c in document.clauses}
            found = [clauses[i] for i in cited.clause_ids(self.kinds.get(doc_id) or document.kind) if i in clauses]
            if found:
                more = [clauses[f"a{article}"] for article in cited.more_articles if f"a{article}" in clauses]
                return Landing(document, found[0], tuple(c for c in more if c is not found[0]))
        return None


def fold_title(title: str) -> str:
    """A title as compared: :func:`references.title_key`, then folded (traditional → simplified)."""
    return analysis.normalize(references.title_key(title))


def cite_index(home: Home) -> CiteIndex:
    """The home's :class:`CiteIndex`, built once per manifest version."""
    return Store(home).derived("cite", CiteIndex)


def land(home: Home, request: Any, run: Callable[[Any], R]) -> R | None:
    """The results of a request whose query cites a clause: that clause first, then the cited
    document's other clauses as ``run`` (the search) finds them for its title or number — the
    citation's own words make a poor and slow query. None when the query cites nothing in the
    corpus, or the request's filters exclude the cited document.
    """
    parsed = request.parsed()
    landing = lookup(home, parsed)
    if landing is None or not matches_filters(landing, {**parsed.filters, **request.filters()}):
        return None
    around = dataclasses.replace(request, q=landing.document.number or landing.document.title)

    def fetch(page: int, per_page: int) -> R:
        return run(dataclasses.replace(around, page=page, per_page=per_page))

    results = pin([cited_hit(landing.document, clause) for clause in landing.clauses()], request.page, request.per_page, fetch)
    return dataclasses.replace(results, query=request.q)  # type: ignore[type-var]


def lookup(home: Home, parsed: ParsedQuery) -> Landing | None:
    """The clause a parsed query cites in the home's corpus, or None. What it searches for is
    read as the citation; its filters and exclusions are not part of it."""
    cited = parse_citation(" ".join(parsed.searched))
    if cited is None:
        return None
    return cite_index(home).resolve(cited)


# --- pinning the cited clause -----------------------------------------------------------


def matches_filters(landing: Landing, filters: dict[str, str]) -> bool:
    """True when the cited clause has every facet value the request filters on (as the index
    holds them: a city given as region, an ICS code of any depth)."""
    values = index_mod.facet_values(landing.document, landing.clause)
    return all(facet_holds(name, values.get(name, ""), value) for name, value in normalise_filters(filters).items() if value)


class HitLike(Protocol):
    """What pinning needs of a hit: its clause's address."""

    doc_id: str
    clause_id: str


class ResultsLike(Protocol):
    """What pinning needs of a page of results."""

    query: str
    total: int
    hits: list[Any]
    page: int
    per_page: int


R = TypeVar("R", bound=ResultsLike)

#: Largest page :func:`pin` asks the search for at once (the API's per_page limit).
MAX_FETCH = 100


def pin(pinned: list[HitLike], page: int, per_page: int, fetch: Callable[[int, int], R]) -> R:
    """Page ``page`` of: the pinned hits, then the search's hits without them.

    ``fetch(page, per_page)`` runs the search itself. The total counts each pinned clause once
    (once more than the search's for each the search did not find).
    """
    start = (page - 1) * per_page
    if start + per_page <= MAX_FETCH:  # whatever pinned hits it holds, this is enough of the rest
        found = fetch(1, min(start + per_page + len(pinned), MAX_FETCH))
        rest = [h for h in found.hits if not _among(h, pinned)]
        missing = len(pinned) - (len(found.hits) - len(rest))
        hits = [*pinned, *rest][start : start + per_page]
    else:
        first = fetch(1, MAX_FETCH)
        missing = len(pinned) - sum(1 for h in first.hits if _among(h, pinned))
        found = fetch(page, per_page)
        # the pinned clauses the search did not find push its hits down the pages
        before = fetch(page - 1, per_page).hits[-missing:] if missing and start else []
        hits = [h for h in [*before, *found.hits] if not _among(h, pinned)][:per_page]
    total = found.total + missing
    return dataclasses.replace(found, total=total, hits=hits, page=page, per_page=per_page)  # type: ignore[type-var]


def cited_hit(document: Document, clause: Clause) -> Hit:
    """The hit of a clause a query cites (its snippet: the clause's opening, unmarked)."""
    fields = index_mod.clause_fields(document, clause, [])
    hit = hit_from_fields(fields, 0.0, snippet(clause.text, []))
    hit.matched_by = [CITATION]
    return hit


def _among(hit: HitLike, pinned: list[HitLike]) -> bool:
    return any(_same(hit, other) for other in pinned)


def _same(hit: HitLike, other: HitLike) -> bool:
    return hit.doc_id == other.doc_id and hit.clause_id == other.clause_id
