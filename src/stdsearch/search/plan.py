"""Plans: what to search for and how to rank it, decided once and engine-neutral.

A :class:`Plan` says everything an engine needs — a small query tree of weighted terms per
field, phrases and exclusions; exact-value filters; the BM25 parameters; the document priors
(level prior, not-current factor, document-evidence weight); the sort; the facets wanted; the
page — so that every engine applies the same signals. Building plans is pure given a
:class:`~stdsearch.search.engine.Vocabulary` (the index's term statistics) and the title
routing; nothing here touches an engine's objects.

Every ranking constant lives at the top of this module.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from stdsearch import analysis, numbers
from stdsearch.query import ParsedQuery
from stdsearch.search.request import FACET_FIELDS, SearchRequest
from stdsearch.search.words import baseline_words, legal_terms, question_words
from stdsearch.standards import facets as standards_facets

if TYPE_CHECKING:
    from stdsearch.search.engine import Vocabulary

# --- every ranking constant ----------------------------------------------------------------

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
#: An unknown single character is searched as the OR of at most this many words containing it.
MAX_EXPANSIONS = 64
#: Words in more than this share of clauses (的, 中, 关于 …) carry almost no weight but make a
#: query scan most of the index; they are dropped from OR queries when rarer words remain.
COMMON_SHARE = 0.08

#: Sort keys ((field, descending); "score" is the relevance score) of each sort order; the
#: relevance order is by score, current documents first (NOT_CURRENT_FACTOR).
SORT_KEYS: dict[str, tuple[tuple[str, bool], ...]] = {
    "relevance": (),
    "newest": (("publish_date", True), ("score", True)),
    "effective": (("effective_date", True), ("score", True)),
}
#: The relevance order of an exact answer (a standard number, a titled document): current
#: editions first, newest first, then document order.
DOCUMENT_ORDER = (("current", True), ("publish_date", True), ("doc_id", False), ("position", False))


def exact_answer_order(sort: str) -> tuple[tuple[str, bool], ...]:
    """Sort keys of an exact answer: :data:`DOCUMENT_ORDER` under relevance, else the sort's."""
    return SORT_KEYS[sort] or DOCUMENT_ORDER


# --- the query tree ----------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """``word`` (one analysed token) in ``field``; BM25F score times ``boost``."""

    field: str
    word: str
    boost: float = 1.0


@dataclass(frozen=True)
class Phrase:
    """The tokens ``words`` adjacent and in order in ``field``; score times ``boost``."""

    field: str
    words: tuple[str, ...]
    boost: float = 1.0


@dataclass(frozen=True)
class AnyOf:
    """Clauses matching any child; the score is the sum of the matching children's scores."""

    children: tuple[Node, ...]


@dataclass(frozen=True)
class AllOf:
    """Clauses matching every child and no ``excluded`` node; score: the children's sum."""

    children: tuple[Node, ...]
    excluded: tuple[Node, ...] = ()


@dataclass(frozen=True)
class Everything:
    """Every clause (a query of filters or exclusions only)."""


@dataclass(frozen=True)
class Nothing:
    """No clause (a word the index cannot match: it empties an AllOf, drops out of an AnyOf)."""


Node = Term | Phrase | AnyOf | AllOf | Everything | Nothing


# --- the plan ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """One engine-neutral search: what matches, how it ranks, which page and facets.

    Engines apply every field: match ``query`` within ``filters`` (exact values, AND-ed);
    score with BM25F (``k1``, ``b``, per-field ``field_b``; boosts are in the query's terms);
    multiply by ``level_prior[level]`` per clause; add ``document_weight`` × the best score of
    the clause's document among the matches; then order by ``sort`` ((field, descending),
    "score" = that score), or, when ``sort`` is empty, by score with clauses of documents not
    current multiplied by ``not_current_factor``; ties in docnum/index order. Return the first
    ``page × per_page`` with the exact total and the counts of ``facets``.

    ``kind`` says which strategy built it: number, title, keyword (all words), any (some
    words), question or baseline. ``number_keys``: the exact standard-number keys searched.
    ``documents``: when not None, only clauses of these documents match (``as_of``: the
    documents in force that day, see :mod:`stdsearch.compliance.asof`).
    """

    query: Node
    kind: str
    filters: Mapping[str, str] = field(default_factory=dict)
    k1: float = BM25_K1
    b: float = BM25_B
    field_b: Mapping[str, float] = field(default_factory=lambda: dict(FIELD_B))
    level_prior: Mapping[str, float] = field(default_factory=dict)
    document_weight: float = 0.0
    not_current_factor: float = NOT_CURRENT_FACTOR
    sort: tuple[tuple[str, bool], ...] = ()
    facets: tuple[str, ...] = FACET_FIELDS
    page: int = 1
    per_page: int = 10
    number_keys: tuple[str, ...] = ()
    documents: frozenset[str] | None = None

    @property
    def wanted(self) -> int:
        """How many ranked clauses the engine returns: page × per_page."""
        return self.page * self.per_page

    def uses_priors(self) -> bool:
        """True when a level prior or document evidence changes the BM25F scores."""
        return bool(self.level_prior) or bool(self.document_weight)


# --- building nodes ----------------------------------------------------------------------


def field_any(word: str, weight: float = 1.0, boosts: Mapping[str, float] = FIELD_BOOSTS) -> Node:
    """A word matched in the title, heading or text, each with its BM25F weight."""
    return AnyOf(tuple(Term(name, word, boost * weight) for name, boost in boosts.items() if boost > 0))


def phrase(words: list[str]) -> Node:
    """Words in order: in the text, or (weighted) in the title; one word: in any field."""
    if len(words) == 1:
        return field_any(words[0])
    return AnyOf((Phrase("text", tuple(words)), Phrase("title", tuple(words), FIELD_BOOSTS["title"])))


def without(core: Node, parsed: ParsedQuery) -> Node:
    """``core`` minus the clauses matching any excluded word or phrase of the query."""
    excluded = [phrase(analysis.query_terms(w)) for w in parsed.excluded if analysis.query_terms(w)]
    return AllOf((core,), (AnyOf(tuple(excluded)),)) if excluded else core


class TermResolver:
    """Resolves query words against the index's vocabulary.

    A word the index knows is searched as it is. An unknown longer word (segmented
    differently in context) becomes the AND of its known pieces; an unknown single
    character becomes the OR of the indexed words that contain it — so single characters
    and unknown words are still findable. ``disjunctive``: for OR queries, leave out the
    fields where a word is very common.
    """

    def __init__(self, vocabulary: Vocabulary, disjunctive: bool = False):
        self.vocabulary = vocabulary
        self.disjunctive = disjunctive

    @functools.cached_property
    def clauses(self) -> int:
        """Number of live clauses (asked for once, after the first word's frequencies: an engine
        may answer both at once)."""
        return max(1, self.vocabulary.clause_count())

    def is_common(self, word: str) -> bool:
        """True for a word found in more than COMMON_SHARE of all clauses' text."""
        return self.vocabulary.doc_frequency("text", word) > COMMON_SHARE * self.clauses

    def prune(self, words: list[str]) -> list[str]:
        """The words without the very common ones, unless nothing else would be left."""
        rarer = [w for w in words if not self.is_common(w)]
        return rarer or words

    def known(self, word: str) -> bool:
        """True when some field of the index holds this word."""
        return any(self.vocabulary.doc_frequency(name, word) for name in FIELD_BOOSTS)

    def _fields_for(self, word: str) -> Node:
        """The word in every field; in an OR query, not in a field where it is very common.

        A document's title is repeated on each of its clauses, so a title word such as
        最高人民法院 matches tens of thousands of clauses; OR-ing it makes the query scan them
        all for little ranking signal.
        """
        if not self.disjunctive:
            return field_any(word)
        frequencies = {n: self.vocabulary.doc_frequency(n, word) for n in FIELD_BOOSTS}
        limit = COMMON_SHARE * self.clauses
        fields = [n for n in FIELD_BOOSTS if frequencies[n] <= limit]
        return AnyOf(tuple(Term(n, word, FIELD_BOOSTS[n]) for n in fields)) if fields else Nothing()

    def resolve(self, word: str) -> Node:
        """The node of one analysed query word; Nothing when nothing can match it."""
        if self.known(word):
            return self._fields_for(word)
        if not re.search(r"[\u3400-\u9fff]", word):
            return Nothing()  # an unknown number or Latin word matches nothing, not its letters
        if len(word) == 1:
            words = self.vocabulary.words_containing(word)[:MAX_EXPANSIONS]
            return AnyOf(tuple(Term("text", w) for w in words)) if words else Nothing()
        pieces = [p for p in analysis.default_words(word, hmm=False) if p != word] or list(word)
        resolved = [self.resolve(p) for p in pieces]
        if any(isinstance(r, Nothing) for r in resolved):
            return Nothing()
        return AllOf(tuple(resolved))


def ask_frequencies(vocabulary: Vocabulary, parsed: ParsedQuery) -> None:
    """Ask for the frequencies of every query word in every field at once, before the resolvers
    ask word by word (one round trip to a remote engine instead of one per word)."""
    words = analysis.query_terms(parsed.free_text)
    if words:
        vocabulary.doc_frequencies({(name, word) for word in words for name in FIELD_BOOSTS})


def word_nodes(
    parsed: ParsedQuery,
    resolve: Callable[[str], Node] | None = None,
    prune: Callable[[list[str]], list[str]] | None = None,
) -> list[Node]:
    """One node per analysed word of the free text, plus one per quoted phrase and title word.

    ``resolve`` turns a word the index does not know into something it does (its pieces);
    without it every word is searched as it is. ``prune`` drops words too common to matter.
    """
    resolve = resolve or field_any
    terms = analysis.query_terms(parsed.free_text)
    if prune:
        terms = prune(terms)
    nodes: list[Node] = [resolve(t) for t in dict.fromkeys(terms)]
    for quoted in parsed.phrases:
        words = analysis.query_terms(quoted)
        if words:
            nodes.append(phrase(words))
    for title in parsed.title:
        nodes.extend(Term("title", w) for w in analysis.query_terms(title))
    return nodes


def keyword_query(
    parsed: ParsedQuery,
    conjunctive: bool,
    resolve: Callable[[str], Node] | None = None,
    prune: Callable[[list[str]], list[str]] | None = None,
) -> Node:
    """The words of a keyword query AND-ed (``conjunctive``) or OR-ed, minus exclusions."""
    nodes = word_nodes(parsed, resolve, prune)
    if not nodes:
        core: Node = Everything()
    elif conjunctive:
        core = AllOf(tuple(nodes))
    else:
        core = AnyOf(tuple(nodes))
    return without(core, parsed)


def question_query(parsed: ParsedQuery, words: list[str]) -> Node:
    """The OR of a question's words (question field weights), with colloquial words mapped to
    legal terms (EXPANSION_WEIGHT), minus exclusions.

    Common words are kept: dropping words in over 8% of clauses halved the time but cost
    0.016 recall@10 and 0.01 MRR@10 on STARD (even ids).
    """
    nodes = [field_any(w, 1.0, QUESTION_BOOSTS) for w in words]
    if EXPANSION_WEIGHT > 0:
        legal = legal_terms(analysis.normalize(parsed.free_text), words)
        nodes += [field_any(t, EXPANSION_WEIGHT, QUESTION_BOOSTS) for t in legal if t not in words]
    core: Node = AnyOf(tuple(nodes)) if nodes else Everything()
    return without(core, parsed)


def baseline_query(parsed: ParsedQuery) -> Node:
    """Plain BM25: the OR of the question's jieba default-mode words in the article text.

    Stop words are the STARD baseline's list (data/cn_stopwords.txt); no field weights,
    no expansions, no version preference.
    """
    kept = baseline_words(parsed)
    return AnyOf(tuple(Term("text", w) for w in kept)) if kept else Everything()


def query_number_keys(parsed: ParsedQuery) -> list[str]:
    """The exact standard-number keys of a query that is or names a number ([] otherwise)."""
    candidate = parsed.number or (parsed.text if not parsed.phrases else "")
    return numbers.query_keys(candidate) if candidate else []


def typed_number(parsed: ParsedQuery) -> numbers.StandardNumber | None:
    """The standard number the whole query is (compact forms too), else None."""
    if parsed.phrases or parsed.excluded:
        return None
    return numbers.parse_number(parsed.number or parsed.text)


def editions_plan(request: SearchRequest, parsed: ParsedQuery, filters: Mapping[str, str]) -> Plan | None:
    """For a number with a year: every edition of that number (asked when the edition typed is
    not in the corpus: the current one answers, first)."""
    number = typed_number(parsed)
    if number is None or not number.year:
        return None
    key = numbers.key_of(numbers.StandardNumber(number.prefix, number.body))
    query = AnyOf((Term("number_keys", key),))
    return _plan(request, filters, query, "edition", sort=exact_answer_order(request.sort), number_keys=(key,))


# --- the plans of a request ----------------------------------------------------------------


def _plan(request: SearchRequest, filters: Mapping[str, str], query: Node, kind: str, **settings: object) -> Plan:
    """A plan of ``query`` with the request's page and sort (``settings`` override fields)."""
    values: dict[str, object] = {
        "filters": dict(filters),
        "sort": SORT_KEYS[request.sort],
        "page": request.page,
        "per_page": request.per_page,
    }
    values.update(settings)
    return Plan(query=query, kind=kind, **values)  # type: ignore[arg-type]


def number_plan(request: SearchRequest, parsed: ParsedQuery, filters: Mapping[str, str]) -> Plan | None:
    """The exact standard-number plan when the query is or names a number."""
    keys = query_number_keys(parsed)
    if not keys:
        return None
    query = AnyOf(tuple(Term("number_keys", k) for k in keys))
    return _plan(request, filters, query, "number", sort=exact_answer_order(request.sort), number_keys=tuple(keys))


def plans(
    request: SearchRequest,
    parsed: ParsedQuery,
    vocabulary: Vocabulary,
    titled: Callable[[str], list[str]],
    in_force: Callable[[str], frozenset[str]] | None = None,
) -> Iterator[Plan]:
    """The plans of a request, in order: the first that matches anything answers (the last
    answers anyway). Built lazily, so later plans cost nothing when an earlier one answers.

    A standard number first; then, by the query: the baseline (mode "baseline"), a titled
    document (``titled(text)`` → doc ids), a question (OR of content words, question
    parameters and priors), keywords (AND of every word, then an OR of the rarer words when
    that finds nothing), or an OR of the rarer words. With ``as_of`` (request or query),
    ``in_force(day)`` → the ids of the documents in force that day, which every plan keeps to.
    """
    day = request.as_of or parsed.as_of
    documents = in_force(day) if day and in_force is not None else None
    for plan in _plans(request, parsed, vocabulary, titled):
        yield plan if documents is None else dataclasses.replace(plan, documents=documents)


def _plans(
    request: SearchRequest,
    parsed: ParsedQuery,
    vocabulary: Vocabulary,
    titled: Callable[[str], list[str]],
) -> Iterator[Plan]:
    """The plans of :func:`plans`, before the documents in force are applied."""
    filters = standards_facets.normalise_filters({**parsed.filters, **request.filters()})
    number = number_plan(request, parsed, filters)
    if number is not None:
        yield number
        editions = editions_plan(request, parsed, filters)
        if editions is not None:
            yield editions
        if typed_number(parsed) is not None:
            return  # a number not in the corpus is answered as such, not by its letters and digits
    if parsed.is_empty and not filters:
        return
    if request.mode == "baseline":
        yield _plan(request, filters, baseline_query(parsed), "baseline", not_current_factor=1.0)
        return
    documents = titled(parsed.free_text) if not parsed.phrases else []
    if documents:
        query = AnyOf(tuple(Term("doc_id", d) for d in documents))
        yield _plan(request, filters, query, "title", sort=exact_answer_order(request.sort))
        return
    any_words = TermResolver(vocabulary, disjunctive=True)
    if parsed.is_question():
        words = question_words(parsed)
        if words:
            yield _plan(
                request, filters, question_query(parsed, words), "question",
                k1=QUESTION_K1, level_prior=dict(QUESTION_LEVEL_PRIOR), document_weight=QUESTION_DOCUMENT_WEIGHT,
            )
        else:
            yield _plan(request, filters, keyword_query(parsed, False, any_words.resolve, any_words.prune), "any")
        return
    ask_frequencies(vocabulary, parsed)
    yield _plan(request, filters, keyword_query(parsed, True, TermResolver(vocabulary).resolve), "keyword")
    if len(word_nodes(parsed)) > 1 and number is None:
        yield _plan(request, filters, keyword_query(parsed, False, any_words.resolve, any_words.prune), "any")


def offers_suggestions(plan: Plan, parsed: ParsedQuery, total: int) -> bool:
    """True when the answer of ``plan`` comes with "did you mean" suggestions: a keyword,
    any-word or question search that found nothing, or whose query also looks like a number."""
    return plan.kind in ("keyword", "any", "question") and (total == 0 or bool(query_number_keys(parsed)))
