"""Clause-level search: a request → Whoosh query → ranked hits with snippets and facets.

Building the query (:func:`build_query`) is separate from running it (:func:`search`).
Ranking is BM25F over document title, heading path and clause text; keyword queries use AND
semantics (falling back to OR when that finds nothing), questions use OR.
"""

from __future__ import annotations

import dataclasses
import functools
import html
import itertools
import re
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import jieba
import numpy as np
from whoosh import scoring, sorting
from whoosh.query import And, Every, Not, NullQuery, Or, Phrase, Query, Term
from whoosh.searching import Searcher

from stdsearch import analysis, numbers, ranking, semantic
from stdsearch import index as index_mod
from stdsearch.errors import BadQuery
from stdsearch.query import ParsedQuery, parse_query
from stdsearch.settings import Home
from stdsearch.store import Store

MAX_PER_PAGE = 100
SORTS = ("relevance", "newest", "effective")
#: Ranking modes: "default" (all relevance features) and "baseline" (plain BM25 over the
#: article text, for measuring the features side by side; see stdsearch.evaluation).
MODES = ("default", "baseline")
#: Field weights of BM25F: a word in the title or heading counts more than one in the text.
FIELD_BOOSTS = {"title": 2.0, "heading": 1.5, "text": 1.0}
#: BM25F parameters: term-frequency saturation and length normalisation (per field where given).
BM25_K1 = 1.2
BM25_B = 0.75
FIELD_B: dict[str, float] = {}
#: Questions saturate term frequency sooner: a long question's many words each count once
#: rather than one repeated word dominating (STARD: +0.011 MRR@10 over 1.2; 0.7 and 0.5 no better).
QUESTION_K1 = 0.9
#: Questions: score factors by document level. Laypeople's questions are mostly answered by
#: laws (法律) and judicial interpretations rather than administrative regulations or
#: departmental rules, which hold most of the articles (see the evaluation notes).
QUESTION_LEVEL_PRIOR = {"行政法规": 0.7, "部门规章": 0.7, "司法解释": 0.9}
#: Questions: weight of the best clause score of a clause's document, added to its own.
QUESTION_DOCUMENT_WEIGHT = 0.3
#: Field weights for natural-language questions: statutes rarely repeat a question's words in
#: their titles, so the article text carries the evidence (measured on STARD, see evaluation).
QUESTION_BOOSTS = {"title": 0.3, "heading": 0.3, "text": 1.0}
#: Weight of a legal term added to a question for a colloquial word it contains (data/colloquial.tsv).
EXPANSION_WEIGHT = 0.8
#: Score multiplier of withdrawn or replaced documents ("current first").
NOT_CURRENT_FACTOR = 0.7
SNIPPET_CHARS = 160


@dataclass
class SearchRequest:
    """What a user asked for: the query text, filters, sort and page."""

    q: str
    kind: str = ""
    level: str = ""
    status: str = ""
    region: str = ""
    issuer: str = ""
    year: str = ""
    sort: str = "relevance"
    page: int = 1
    per_page: int = 10
    mode: str = "default"
    semantic: str = "auto"

    def validate(self) -> None:
        """Raise BadQuery for parameters out of range."""
        if self.mode not in MODES:
            raise BadQuery(f"unknown mode {self.mode!r}: use one of {', '.join(MODES)}")
        if self.semantic not in semantic.REQUEST_MODES:
            raise BadQuery(f"unknown semantic {self.semantic!r}: use one of {', '.join(semantic.REQUEST_MODES)}")
        if self.sort not in SORTS:
            raise BadQuery(f"unknown sort {self.sort!r}: use one of {', '.join(SORTS)}")
        if self.page < 1:
            raise BadQuery("page must be 1 or more")
        if not 1 <= self.per_page <= MAX_PER_PAGE:
            raise BadQuery(f"per_page must be between 1 and {MAX_PER_PAGE}")

    def filters(self) -> dict[str, str]:
        """The non-empty facet filters of this request."""
        return {name: getattr(self, name) for name in index_mod.FACET_FIELDS if getattr(self, name)}

    def to_dict(self) -> dict[str, Any]:
        """The request as JSON-ready data."""
        return asdict(self)


@dataclass
class Hit:
    """One matching clause, with its document's fields."""

    doc_id: str
    clause_id: str
    title: str
    label: str
    heading: str
    text: str
    snippet: str
    url: str
    score: float
    kind: str
    level: str
    status: str
    number: str
    issuer: str = ""
    region: str = ""
    publish_date: str = ""
    effective_date: str = ""
    replaced_by: list[str] = field(default_factory=list)
    #: Which retrievers found this clause in a hybrid search ("lexical", "semantic"); [] otherwise.
    matched_by: list[str] = field(default_factory=list)


@dataclass
class Results:
    """A page of hits, the total, facet counts and suggestions."""

    query: str
    total: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]]
    page: int = 1
    per_page: int = 10
    suggestions: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: {"query", "total", "hits", "facets", "page", "per_page", "suggestions"}."""
        return asdict(self)


# --- building queries (pure, given a term-existence check) -------------------------------


def _field_or(term: str, weight: float = 1.0) -> Query:
    """A word matched in the title, heading or text, each with its BM25F weight."""
    return Or([Term(name, term, boost=boost * weight) for name, boost in FIELD_BOOSTS.items()])


def _phrase(words: list[str]) -> Query:
    if len(words) == 1:
        return _field_or(words[0])
    return Or([Phrase("text", words), Phrase("title", words, boost=FIELD_BOOSTS["title"])])


TermResolver = Callable[[str], Query | None]
TermPruner = Callable[[list[str]], list[str]]


def word_queries(
    parsed: ParsedQuery, resolve: TermResolver | None = None, prune: TermPruner | None = None
) -> list[Query]:
    """One query per analysed word of the free text, plus one per quoted phrase.

    ``resolve`` turns a word the index does not know into something it does (its pieces);
    without it every word is searched as it is. ``prune`` drops words too common to matter.
    """
    resolve = resolve or _field_or
    terms = analysis.query_terms(parsed.free_text)
    if prune:
        terms = prune(terms)
    # A word nothing can match is a NullQuery: it empties an AND and drops out of an OR.
    queries: list[Query] = [resolve(t) or NullQuery for t in dict.fromkeys(terms)]
    for phrase in parsed.phrases:
        words = analysis.query_terms(phrase)
        if words:
            queries.append(_phrase(words))
    for title in parsed.title:
        words = analysis.query_terms(title)
        queries.extend(Term("title", w) for w in words)
    return queries


def legal_terms(text: str, terms: list[str]) -> list[str]:
    """The legal terms mapped from colloquial words found in ``text`` (single characters: as words)."""
    found: list[str] = []
    words = set(terms)
    for colloquial, legal in colloquial_map().items():
        if (colloquial in words) if len(colloquial) == 1 else (colloquial in text):
            found.extend(legal)
    return list(dict.fromkeys(found))


@functools.cache
def colloquial_map() -> dict[str, tuple[str, ...]]:
    """data/colloquial.tsv: colloquial word → the legal terms statutes use for it."""
    path = analysis.USER_DICT.with_name("colloquial.tsv")
    mapping: dict[str, tuple[str, ...]] = {}
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    for line in lines:
        if line.strip() and not line.startswith("#"):
            colloquial, _, legal = line.partition("\t")
            mapping[analysis.normalize(colloquial.strip())] = tuple(analysis.normalize(legal).split())
    return mapping


def number_query(parsed: ParsedQuery) -> Query | None:
    """A query on the exact standard-number field, when the query is or names a number."""
    candidate = parsed.number or (parsed.text if not parsed.phrases else "")
    keys = _number_query_keys(candidate)
    return Or([Term("number_keys", k) for k in keys]) if keys else None


def _number_query_keys(text: str) -> list[str]:
    if not text:
        return []
    return numbers.query_keys(text)


def build_query(
    parsed: ParsedQuery,
    conjunctive: bool,
    resolve: TermResolver | None = None,
    prune: TermPruner | None = None,
) -> Query:
    """The Whoosh query of a parsed query: words AND-ed or OR-ed, minus exclusions."""
    queries = word_queries(parsed, resolve, prune)
    if not queries:
        core: Query = Every()
    elif conjunctive:
        core = And(queries)
    else:
        core = Or(queries)
    excluded = [_phrase(analysis.query_terms(w)) for w in parsed.excluded if analysis.query_terms(w)]
    return And([core, Not(Or(excluded))]) if excluded else core


def filter_query(filters: dict[str, str]) -> Query | None:
    """Exact-value filters on the facet fields, AND-ed."""
    if not filters:
        return None
    return And([Term(name, value) for name, value in filters.items()])


def question_words(parsed: ParsedQuery) -> list[str]:
    """A question's content words: jieba default-mode words minus question words and stop words."""
    analysis.load_dictionary()
    text = analysis.normalize(" ".join([parsed.free_text, *parsed.phrases]))
    words = [w for w in jieba.lcut(text) if analysis.is_wordlike(w) and not w.isspace()]
    dropped = stopwords() | baseline_stopwords()
    return [w for w in dict.fromkeys(words) if w not in dropped]


def _weighted_fields(word: str, weight: float = 1.0) -> Query:
    """A question word in the fields of QUESTION_BOOSTS that have a weight."""
    return Or([Term(n, word, boost=b * weight) for n, b in QUESTION_BOOSTS.items() if b > 0])


def question_query(parsed: ParsedQuery, words: list[str] | None = None) -> Query:
    """BM25 OR-query of a natural-language question, with colloquial words mapped to legal terms.

    Common words are kept: dropping words in over 8% of clauses halved the time but cost
    0.016 recall@10 and 0.01 MRR@10 on STARD (even ids). ``words``: the question's words when
    already known (:func:`question_words`).
    """
    words = question_words(parsed) if words is None else words
    queries = [_weighted_fields(w) for w in words]
    if EXPANSION_WEIGHT > 0:
        legal = legal_terms(analysis.normalize(parsed.free_text), words)
        queries += [_weighted_fields(t, EXPANSION_WEIGHT) for t in legal if t not in words]
    core: Query = Or(queries) if queries else Every()
    excluded = [_phrase(analysis.query_terms(w)) for w in parsed.excluded if analysis.query_terms(w)]
    return And([core, Not(Or(excluded))]) if excluded else core


def baseline_query(parsed: ParsedQuery) -> Query:
    """Plain BM25: the OR of the question's jieba default-mode words in the article text.

    Stop words are the STARD baseline's list (data/cn_stopwords.txt); no field weights,
    no expansions, no version preference.
    """
    analysis.load_dictionary()
    text = analysis.normalize(" ".join([parsed.free_text, *parsed.phrases]))
    words = [w for w in jieba.lcut(text) if analysis.is_wordlike(w) and not w.isspace()]
    kept = [w for w in dict.fromkeys(words) if w not in baseline_stopwords()]
    return Or([Term("text", w) for w in kept]) if kept else Every()


class TermIndex:
    """Resolves query words against the index's vocabulary.

    A word the index knows is searched as it is. An unknown longer word (segmented
    differently in context) becomes the AND of its known pieces; an unknown single
    character becomes the OR of the indexed words that contain it — so single characters
    and unknown words are still findable.
    """

    MAX_EXPANSIONS = 64
    #: Words in more than this share of clauses (的, 中, 关于 …) carry almost no weight but
    #: make a query scan most of the index; they are dropped when rarer words remain.
    COMMON_SHARE = 0.08

    def __init__(self, searcher: Searcher, disjunctive: bool = False):
        self.searcher = searcher
        self.clauses = max(1, searcher.doc_count())
        self.disjunctive = disjunctive

    def is_common(self, word: str) -> bool:
        """True for a word found in more than COMMON_SHARE of all clauses."""
        return self.searcher.doc_frequency("text", word) > self.COMMON_SHARE * self.clauses

    def _fields_for(self, word: str) -> Query:
        """The word in every field; in an OR query, not in a field where it is very common.

        A document's title is repeated on each of its clauses, so a title word such as
        最高人民法院 matches tens of thousands of clauses; OR-ing it makes the query scan them
        all for little ranking signal.
        """
        if not self.disjunctive:
            return _field_or(word)
        limit = self.COMMON_SHARE * self.clauses
        fields = [n for n in FIELD_BOOSTS if self.searcher.doc_frequency(n, word) <= limit]
        return Or([Term(n, word, boost=FIELD_BOOSTS[n]) for n in fields]) if fields else NullQuery

    def prune(self, words: list[str]) -> list[str]:
        """The words without the very common ones, unless nothing else would be left."""
        rarer = [w for w in words if not self.is_common(w)]
        return rarer or words

    def known(self, word: str) -> bool:
        """True when some field of the index holds this word."""
        return any(self.searcher.doc_frequency(name, word) for name in FIELD_BOOSTS)

    def resolve(self, word: str) -> Query | None:
        """The query for one analysed query word, or None when nothing can match it."""
        if self.known(word):
            return self._fields_for(word)
        if not re.search(r"[\u3400-\u9fff]", word):
            return None  # an unknown number or Latin word matches nothing, not its letters
        if len(word) == 1:
            words = _words_containing(self.searcher, word)[: self.MAX_EXPANSIONS]
            return Or([Term("text", w) for w in words]) if words else None
        pieces = [p for p in jieba.lcut(word, HMM=False) if p != word] or list(word)
        resolved = [q for q in (self.resolve(p) for p in pieces) if q is not None]
        return And(resolved) if len(resolved) == len(pieces) else None


_char_maps: dict[int, dict[str, list[str]]] = {}


def _words_containing(searcher: Searcher, char: str) -> list[str]:
    """Indexed words of the text field containing ``char`` (map built once per reader)."""
    reader = searcher.reader()
    key = id(reader)
    if key not in _char_maps:
        _char_maps.clear()
        mapping: dict[str, list[str]] = {}
        for raw in reader.lexicon("text"):
            word = raw.decode("utf-8") if isinstance(raw, bytes) else raw
            for c in set(word):
                mapping.setdefault(c, []).append(word)
        _char_maps[key] = mapping
    return _char_maps[key].get(char, [])


# --- running queries --------------------------------------------------------------------


_local = threading.local()


def get_searcher(home: Home) -> Searcher:
    """This thread's searcher on the live index (Whoosh searchers are not shared between
    threads), reopened after an incremental update or when a rebuild swaps a new generation in."""
    cache: dict[str, tuple[str, Searcher]] = _local.__dict__.setdefault("searchers", {})
    key = str(home.root)
    generation = index_mod.live_generation(home)
    cached = cache.get(key)
    if cached and cached[0] == generation and cached[1].up_to_date():
        searcher = cached[1]
    else:
        # Not Searcher.refresh(): it reuses segment readers and misses new deletions.
        if cached:
            cached[1].close()
        searcher = index_mod.open_index(home).searcher(weighting=weighting())
    cache[key] = (generation, searcher)
    return searcher


def weighting() -> scoring.WeightingModel:
    """BM25F with the module's parameters (per-field B as ``<field>_B``)."""
    per_field = {f"{name}_B": value for name, value in FIELD_B.items()}
    return scoring.BM25F(B=BM25_B, K1=BM25_K1, **per_field)


def search(home: Home, request: SearchRequest) -> Results:
    """Run a search request against a home's live index.

    Questions are answered by hybrid lexical + dense search when clause vectors exist and
    ``semantic`` allows it; everything else (keywords, numbers, titles) stays lexical.
    """
    request.validate()
    parsed = parse_query(request.q)
    if semantic.wants(home, request, parsed):
        deep = dataclasses.replace(semantic.lexical_request(request), semantic="off")
        return semantic.hybrid(home, request, lexical_search(home, deep))
    return lexical_search(home, request)


def lexical_search(home: Home, request: SearchRequest) -> Results:
    """The lexical search path (BM25F, numbers, titles, facets), without parameter checks."""
    parsed = parse_query(request.q)
    filters = {**parsed.filters, **request.filters()}
    searcher = get_searcher(home)
    number_hits = _run_number_query(searcher, parsed, filters, request)
    if number_hits is not None:
        return number_hits
    if parsed.is_empty and not filters:
        return Results(query=request.q, total=0, hits=[], facets={}, page=request.page, per_page=request.per_page)
    if request.mode == "baseline":
        return _run(searcher, baseline_query(parsed), parsed, filters, request, plain=True)
    conjunctive = not parsed.is_question()
    titled = titled_documents(home, parsed.free_text) if not parsed.phrases else []
    if titled:
        query = Or([Term("doc_id", d) for d in titled])
        return _run(searcher, query, parsed, filters, request, number_first=True)
    # OR queries drop very common words (an AND query needs them all to match).
    terms, any_terms = TermIndex(searcher), TermIndex(searcher, disjunctive=True)
    words = [] if conjunctive else question_words(parsed)
    question = bool(words)
    if conjunctive:
        query = build_query(parsed, True, terms.resolve)
    elif question:
        query = question_query(parsed, words)
    else:
        query = build_query(parsed, False, any_terms.resolve, any_terms.prune)
    results = _run(searcher, query, parsed, filters, request, question=question)
    is_number = number_query(parsed) is not None
    if conjunctive and results.total == 0 and len(word_queries(parsed)) > 1 and not is_number:
        query = build_query(parsed, False, any_terms.resolve, any_terms.prune)
        results = _run(searcher, query, parsed, filters, request)
    if results.total == 0 or is_number:
        results.suggestions = suggest(searcher, parsed)
    return results


_titles: dict[str, tuple[float, list[tuple[str, str]]]] = {}


_TITLE_NOISE = re.compile(r"[\s、，,。《》〈〉()（）]+|中华人民共和国")
#: Words that end a document's name: a query ending so is a title, not a topic.
_TITLE_END = re.compile(r"(法|法典|典|条例|规定|办法|细则|解释|决定|规则|标准|规范|意见|通知|纲要)$")
#: A query this long that a title contains is that title, not a question.
MIN_TITLE_QUERY = 6
MAX_TITLED = 20


def titled_documents(home: Home, text: str) -> list[str]:
    """Ids of the documents whose title contains the whole query (a user typing a title).

    Their clauses are the answer, in document order, rather than an OR over the title's
    very common words (最高人民法院, 关于, 规定) across the whole corpus.
    """
    key = analysis.normalize(_TITLE_NOISE.sub("", text))
    if len(key) < 2:
        return []
    titles = _normalised_titles(home)
    exact = [doc_id for doc_id, title in titles if key == title]
    if exact:
        return exact[:MAX_TITLED]
    starting = [doc_id for doc_id, title in titles if title.startswith(key)] if _TITLE_END.search(key) else []
    if len(key) < MIN_TITLE_QUERY or starting:
        return starting if len(starting) <= MAX_TITLED else []
    matches = [doc_id for doc_id, title in titles if key in title]
    return matches if len(matches) <= MAX_TITLED else []


def _normalised_titles(home: Home) -> list[tuple[str, str]]:
    """(doc_id, normalised title) of the corpus, cached until the manifest changes."""
    path = Store(home).manifest_path
    mtime = path.stat().st_mtime if path.exists() else 0.0
    cached = _titles.get(str(home.root))
    if cached is None or cached[0] != mtime:
        manifest = Store(home).manifest()
        titles = [(i, analysis.normalize(_TITLE_NOISE.sub("", e.get("title", "")))) for i, e in manifest.items()]
        cached = _titles[str(home.root)] = (mtime, titles)
    return cached[1]


def _run_number_query(
    searcher: Searcher, parsed: ParsedQuery, filters: dict[str, str], request: SearchRequest
) -> Results | None:
    """Results of the exact number field when the query is a standard number and it matches."""
    query = number_query(parsed)
    if query is None:
        return None
    results = _run(searcher, query, parsed, filters, request, number_first=True)
    return results if results.total else None


def _run(
    searcher: Searcher,
    query: Query,
    parsed: ParsedQuery,
    filters: dict[str, str],
    request: SearchRequest,
    number_first: bool = False,
    plain: bool = False,
    question: bool = False,
) -> Results:
    """Execute one query: rank, page, facet, and make snippets (``plain``: BM25 order only;
    ``question``: with the question parameters and document-level evidence).

    Queries of terms, Or, And and Not are ranked with arrays (:mod:`stdsearch.ranking`);
    others (phrases, match-all) by Whoosh's matchers, with the same scores but without the
    question parameters.
    """
    matches = ranking.evaluate(searcher, query, k1=QUESTION_K1 if question else None)
    if matches is not None:
        matches = ranking.restrict(searcher, matches, filter_query(filters))
    if matches is not None and question:
        matches = ranking.level_prior(searcher, matches, QUESTION_LEVEL_PRIOR)
        matches = ranking.with_document_evidence(searcher, matches, QUESTION_DOCUMENT_WEIGHT)
    if matches is None:
        return _run_with_whoosh(searcher, query, parsed, filters, request, number_first, plain)
    wanted = request.page * request.per_page
    if request.sort != "relevance" or number_first:
        positions = ranking.order(searcher, matches, _sort_keys(request.sort, number_first), wanted)
    else:
        scores = matches.scores
        if not plain:
            current = ranking.column(ranking.view_of(searcher), "current")[matches.ids]
            scores = np.where(current > 0, scores, scores * NOT_CURRENT_FACTOR)
        positions = ranking.top_by_score(scores, wanted)
        matches = ranking.Matches(matches.ids, scores)
    marks = highlight_terms(parsed)
    page = positions[(request.page - 1) * request.per_page :]
    hits = [_hit(searcher.stored_fields(int(matches.ids[p])), float(matches.scores[p]), marks) for p in page]
    counts = {name: ranking.facet_counts(searcher, matches.ids, name) for name in index_mod.FACET_FIELDS}
    return Results(
        query=request.q,
        total=len(matches.ids),
        hits=hits,
        facets=counts,
        page=request.page,
        per_page=request.per_page,
    )


def _sort_keys(sort: str, number_first: bool) -> list[tuple[str, bool]]:
    """Sort keys of :func:`ranking.order` ((field, descending)) for a sort or a number query."""
    if sort == "newest":
        return [("publish_date", True), ("score", True)]
    if sort == "effective":
        return [("effective_date", True), ("score", True)]
    return [("current", True), ("publish_date", True), ("doc_id", False), ("position", False)]


def _run_with_whoosh(
    searcher: Searcher,
    query: Query,
    parsed: ParsedQuery,
    filters: dict[str, str],
    request: SearchRequest,
    number_first: bool,
    plain: bool,
) -> Results:
    """:func:`_run` by Whoosh's own collectors (phrases, match-all, unusual filters)."""
    wanted = request.page * request.per_page
    limit = max(wanted + 50, 100)
    facets = {name: sorting.FieldFacet(name, maptype=sorting.Count) for name in index_mod.FACET_FIELDS}
    raw = searcher.search(
        query,
        limit=limit,
        filter=filter_query(filters),
        groupedby=facets,
        sortedby=_sort_facet(request.sort, number_first),
    )
    # With groupedby, Whoosh keeps every match in rank order: read stored fields of the top only.
    ranked = _rerank(list(itertools.islice(raw, limit)), request.sort, number_first or plain)
    page = ranked[(request.page - 1) * request.per_page : wanted]
    marks = highlight_terms(parsed)
    hits = [_hit(doc, score, marks) for doc, score in page]
    counts = {name: _facet_counts(raw, name) for name in index_mod.FACET_FIELDS}
    return Results(
        query=request.q,
        total=len(raw),
        hits=hits,
        facets=counts,
        page=request.page,
        per_page=request.per_page,
    )


def _sort_facet(sort: str, number_first: bool) -> Any:
    """The Whoosh sort facet of :func:`_sort_keys` (None: by score)."""
    if sort == "relevance" and not number_first:
        return None
    return sorting.MultiFacet(
        [
            sorting.ScoreFacet() if name == "score" else sorting.FieldFacet(name, reverse=descending)
            for name, descending in _sort_keys(sort, number_first)
        ]
    )


def _rerank(hits: list[Any], sort: str, number_first: bool) -> list[tuple[dict[str, Any], float]]:
    """Stored fields and final scores; under relevance sort, current documents come first."""
    # Under a sort facet, Whoosh puts the sort key in hit.score: keep only real scores.
    scored = [(hit.fields(), hit.score if isinstance(hit.score, (int, float)) else 0.0) for hit in hits]
    if sort != "relevance" or number_first:
        return scored
    adjusted = [(f, s * (1.0 if f.get("current", 1) else NOT_CURRENT_FACTOR)) for f, s in scored]
    return sorted(adjusted, key=lambda pair: -pair[1])


def _facet_counts(results: Any, name: str) -> dict[str, int]:
    return ranking.ordered_counts(results.groups(name))


def _hit(fields: dict[str, Any], score: float, marks: list[str]) -> Hit:
    return Hit(
        doc_id=fields["doc_id"],
        clause_id=fields["clause_id"],
        title=fields.get("title", ""),
        label=fields.get("label", ""),
        heading=fields.get("heading", ""),
        text=fields.get("text", ""),
        snippet=snippet(fields.get("text", ""), marks),
        url=f"/doc/{fields['doc_id']}/{fields['clause_id']}",
        score=round(score, 4),
        kind=fields.get("kind", ""),
        level=fields.get("level", ""),
        status=fields.get("status", ""),
        number=fields.get("number", ""),
        issuer=fields.get("issuer", ""),
        region=fields.get("region", ""),
        publish_date=fields.get("publish_date", ""),
        effective_date=fields.get("effective_date", ""),
        replaced_by=list(fields.get("replaced_by") or []),
    )


# --- suggestions -------------------------------------------------------------------------


def suggest(searcher: Searcher, parsed: ParsedQuery) -> list[str]:
    """"Did you mean" for a query that found nothing: close standard numbers, else fewer words."""
    candidate = parsed.number or parsed.text
    if candidate and re.search(r"\d", candidate):
        known = [n for n in searcher.lexicon("number_keys")]
        suggestions = numbers.suggest(candidate, [k.decode() if isinstance(k, bytes) else k for k in known])
        if suggestions:
            return suggestions[:5]
    words = analysis.query_terms(parsed.free_text)
    if len(words) > 1:
        present = [w for w in words if searcher.doc_frequency("text", w)]
        if present and len(present) < len(words):
            return [" ".join(present)]
    return []


# --- snippets and highlighting -----------------------------------------------------------


def highlight_terms(parsed: ParsedQuery) -> list[str]:
    """The normalised strings to mark in results: words, phrase words, title words."""
    pieces = [parsed.free_text, *parsed.phrases, *parsed.title]
    terms = {t for piece in pieces for t in analysis.query_terms(piece)}
    return sorted(terms, key=len, reverse=True)


def _match_spans(text: str, marks: list[str]) -> list[tuple[int, int]]:
    """Non-overlapping spans of ``marks`` in ``text`` (matched on the normalised text)."""
    if not marks:
        return []
    folded = analysis.normalize(text)
    pattern = re.compile("|".join(re.escape(m) for m in marks))
    return [m.span() for m in pattern.finditer(folded)]


def mark(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` HTML-escaped, with <mark> around the spans."""
    out, last = [], 0
    for start, end in spans:
        out.append(html.escape(text[last:start]))
        out.append(f"<mark>{html.escape(text[start:end])}</mark>")
        last = end
    out.append(html.escape(text[last:]))
    return "".join(out)


def highlight(text: str, query: str) -> str:
    """The whole text, HTML-escaped, with the query's terms marked."""
    return mark(text, _match_spans(text, highlight_terms(parse_query(query))))


def snippet(text: str, marks: list[str], width: int = SNIPPET_CHARS) -> str:
    """The window of ``text`` with the most marked terms, HTML-escaped and marked."""
    spans = _match_spans(text, marks)
    if len(text) <= width:
        return mark(text, spans)
    start = _best_window(spans, len(text), width)
    end = min(len(text), start + width)
    inside = [(s - start, e - start) for s, e in spans if s >= start and e <= end]
    body = mark(text[start:end], inside)
    return ("…" if start else "") + body + ("…" if end < len(text) else "")


def _best_window(spans: list[tuple[int, int]], length: int, width: int) -> int:
    """Start of the window of ``width`` characters that covers the most spans."""
    if not spans:
        return 0
    best_start, best_count = 0, -1
    for start, _ in spans:
        begin = max(0, min(start - width // 4, length - width))
        count = sum(1 for s, e in spans if s >= begin and e <= begin + width)
        if count > best_count:
            best_start, best_count = begin, count
    return best_start


_STOPWORDS: set[str] | None = None


@functools.cache
def baseline_stopwords() -> frozenset[str]:
    """The STARD baseline's stop words (lines starting with # are comments)."""
    path = analysis.USER_DICT.with_name("cn_stopwords.txt")
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))



def stopwords() -> set[str]:
    """Question words and particles dropped from natural-language questions."""
    global _STOPWORDS
    if _STOPWORDS is None:
        path = analysis.USER_DICT.with_name("stopwords.txt")
        words = path.read_text(encoding="utf-8").split() if path.exists() else []
        _STOPWORDS = set(words)
    return _STOPWORDS
