"""The query cost budget: what a search would make the engine do, estimated before it runs.

:func:`estimate` is a pure function of the parsed query and the page asked for (it segments
with the index's analyzer but never opens the index); :func:`check` refuses a query over the
budget with :class:`QueryTooCostly` (a BadQuery: HTTP 400, CLI exit 2) whose message says which
limit it passed and how to narrow the query. Measured on 22,369 law clauses: a 100-word phrase
of common words took 4.2 s (load ~15), while a 1,000-character pasted paragraph took 0.1 s, so
the limits fall on exclusions, on phrase length and on how deep a page ranks, not on the number
of words. Listings (no search word) with exclusions, excluded phrases included, are evaluated
over arrays: on 15,522 law clauses a listing with 50 excluded words took 0.1 s and one with 100
excluded two-word phrases of the commonest words 0.2–0.3 s (load ~11), where Whoosh's matchers
took 7 s for 10 exclusions; so a listing may exclude as many words as any query.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from stdsearch import analysis
from stdsearch.errors import BadQuery
from stdsearch.query import ParsedQuery

Segmenter = Callable[[str], list[str]]


class QueryTooCostly(BadQuery):
    """A query whose estimated cost is over the budget (the message says which part)."""


@dataclass(frozen=True)
class Budget:
    """The most a single query may ask of the engine."""

    #: Excluded words (``-word`` or ``-"a phrase"``) in a query that has no search words (a
    #: listing): one array operation each over everything the filters let through.
    max_exclusions_without_words: int = 50
    #: Excluded words in any query.
    max_exclusions: int = 50
    #: Words inside quoted phrases, summed over the query: phrase matching reads positions.
    max_phrase_words: int = 32
    #: Search terms in all (words, phrases, titles, exclusions) after segmentation.
    max_terms: int = 600
    #: Results ranked to serve a page (page × per_page), as search servers cap deep paging.
    max_result_window: int = 10_000


DEFAULT_BUDGET = Budget()


@dataclass(frozen=True)
class QueryCost:
    """The parts of a query that drive its cost."""

    terms: int
    phrase_words: int
    exclusions: int
    match_all: bool
    window: int


def estimate(
    parsed: ParsedQuery,
    page: int = 1,
    per_page: int = 10,
    segment: Segmenter | None = None,
    budget: Budget = DEFAULT_BUDGET,
) -> QueryCost:
    """The cost of running ``parsed`` for page ``page`` of ``per_page`` results.

    A query none of whose words, phrases or titles segments into a searchable term (only
    punctuation, say) matches everything its filters let through, like one with no words.
    Excluded texts are segmented only when their number is within ``budget`` (over it, the
    query is refused for their number, and each counts as one term): a refusal costs little.
    """
    count = _counter(segment or analysis.query_terms)
    phrase_words = sum(count(phrase) for phrase in parsed.phrases)
    search_terms = phrase_words + sum(count(text) for text in (*parsed.words, *parsed.title))
    exclusions = len(parsed.excluded)
    countable = exclusions <= max(budget.max_exclusions, budget.max_exclusions_without_words)
    excluded_terms = sum(count(text) for text in parsed.excluded) if countable else exclusions
    return QueryCost(
        terms=search_terms + excluded_terms,
        phrase_words=phrase_words,
        exclusions=exclusions,
        match_all=search_terms == 0 and not parsed.number,
        window=page * per_page,
    )


def _counter(segment: Segmenter) -> Callable[[str], int]:
    """The number of searchable terms a text segments into."""
    return lambda text: len(segment(text)) if text.strip() else 0


def check(cost: QueryCost, budget: Budget = DEFAULT_BUDGET) -> None:
    """Raise QueryTooCostly when ``cost`` is over ``budget``; the first limit passed is named."""
    reason = over_budget(cost, budget)
    if reason:
        raise QueryTooCostly(f"query too costly: {reason}")


def over_budget(cost: QueryCost, budget: Budget = DEFAULT_BUDGET) -> str:
    """Why ``cost`` is over ``budget`` ('' when it is within)."""
    if cost.match_all and cost.exclusions > budget.max_exclusions_without_words:
        return (
            f"{cost.exclusions} excluded words without any search word "
            f"(at most {budget.max_exclusions_without_words}; add a word to search for)"
        )
    if cost.exclusions > budget.max_exclusions:
        return f"{cost.exclusions} excluded words (at most {budget.max_exclusions})"
    if cost.phrase_words > budget.max_phrase_words:
        return (
            f"{cost.phrase_words} words in quoted phrases "
            f"(at most {budget.max_phrase_words}; quote a shorter passage)"
        )
    if cost.terms > budget.max_terms:
        return f"{cost.terms} search terms (at most {budget.max_terms})"
    if cost.window > budget.max_result_window:
        return (
            f"page × per_page = {cost.window} results "
            f"(at most {budget.max_result_window}; narrow the query with filters)"
        )
    return ""


def check_request(parsed: ParsedQuery, page: int, per_page: int, budget: Budget = DEFAULT_BUDGET) -> None:
    """Refuse a parsed query when running it for this page would be over ``budget``."""
    check(estimate(parsed, page, per_page, budget=budget), budget)
