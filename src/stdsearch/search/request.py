"""The search request: one validated type, built once from CLI, web or API arguments.

Everything a caller may ask for is declared here once — the facet (filter) fields, the sort
orders, the ranking modes, the semantic modes and the page cap — and the CLI, the web pages,
the JSON API, its OpenAPI document, the index schema and every engine read these declarations.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from stdsearch import budget
from stdsearch.errors import BadQuery
from stdsearch.query import ParsedQuery, parse_query

#: Document fields copied onto every clause, filterable and faceted (exact values), in the
#: order the facets are shown.
#: Standards add: the city of a city-level local standard, the industry of a prefix, 强制性 /
#: 推荐性 / 指导性 (per clause), ICS rolled up (field → group → subgroup) and CCS.
FACET_FIELDS = (
    "kind", "level", "status", "region", "city", "issuer", "year", "industry", "mandatory",
    "ics_field", "ics_group", "ics", "ccs",
)
#: Facet fields holding several values per clause (every ICS and CCS code of a standard): the
#: index keeps them comma-separated, a filter matches any one value, and each value is counted.
MULTI_VALUED_FACETS = ("ics_field", "ics_group", "ics", "ccs")
#: Sort orders: by relevance, by publication date (newest first), by implementation date.
SORTS = ("relevance", "newest", "effective")
#: Ranking modes: "default" (all relevance features) and "baseline" (plain BM25 over the
#: article text, for measuring the features side by side; see stdsearch.evaluation).
MODES = ("default", "baseline")
#: Values of the ``semantic`` parameter: never hybrid, hybrid for any free text, or hybrid for
#: questions when clause vectors exist (the default).
SEMANTIC_MODES = ("off", "on", "auto")
#: The most hits one page may hold.
MAX_PER_PAGE = 100
#: Hits per page when the caller does not say.
DEFAULT_PER_PAGE = 10
#: Longest query accepted, in characters.
MAX_QUERY_CHARS = 1000

#: A day as ``as_of`` takes it.
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def facet_values_of(name: str, stored: str) -> list[str]:
    """The values a clause's stored value of facet ``name`` holds: several for a facet of
    :data:`MULTI_VALUED_FACETS` (stored comma-joined), else itself."""
    return stored.split(",") if name in MULTI_VALUED_FACETS else [stored]


def facet_holds(name: str, stored: str, wanted: str) -> bool:
    """True when a clause's stored value of facet ``name`` is ``wanted``, or holds it among its values."""
    return stored == wanted or wanted in facet_values_of(name, stored)


def is_day(text: str) -> bool:
    """True for a real calendar day written YYYY-MM-DD."""
    try:
        return bool(ISO_DATE.fullmatch(text)) and bool(dt.date.fromisoformat(text))
    except ValueError:
        return False


def is_true(value: str | None) -> bool:
    """A URL flag: 1, true, yes, on (any case) → True."""
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


#: What each request field means (the OpenAPI parameters are generated from these).
FIELD_DESCRIPTIONS = {
    "q": "The query: words, \"a phrase\", -excluded, field:value filters (number:, title:, level: …)",
    "kind": "Only documents of this kind (law, policy, standard, page)",
    "level": "Only documents of this level (法律, 行政法规, 国家标准 …)",
    "status": "Only documents with this status (现行, 即将实施, 废止, 被代替)",
    "region": "Only documents of this region: a province (福建) or a city (厦门, also 厦门市)",
    "city": "Only local standards of this city (DB3502 → 厦门)",
    "industry": "Only industry standards of this industry (化工, 医药 …: from the number's prefix)",
    "mandatory": "Only 强制性, 推荐性 or 指导性 standards and clauses (强制性（已废止）: abolished mandatory clauses)",
    "ics_field": "Only standards in this ICS field (03)",
    "ics_group": "Only standards in this ICS group (03.120)",
    "ics": "Only standards with this ICS code, at any depth (03, 03.120 or 03.120.10)",
    "ccs": "Only standards with this CCS code (A00)",
    "issuer": "Only documents of this issuing body",
    "year": "Only documents published (else taking effect) in this year",
    "sort": "Order of the hits",
    "page": f"Page number, from 1 (page × per_page at most {budget.DEFAULT_BUDGET.max_result_window})",
    "per_page": f"Hits per page (at most {MAX_PER_PAGE})",
    "mode": "Ranking: default (all relevance features) or baseline (plain BM25, for evaluation)",
    "semantic": "Hybrid lexical + dense search: off, on, or auto (questions, when vectors exist)",
    "explain": "1: explain why each hit matched (tokens, fields and weights, priors, retrievers)",
    "as_of": "Only documents in force on this day (YYYY-MM-DD): the law version of that day, "
    "standards implemented by then and not yet withdrawn",
}


#: The request fields a URL (the web pages, /api/search) may set; ``mode`` is for evaluation.
URL_PARAMETERS = ("q", *FACET_FIELDS, "sort", "page", "per_page", "semantic", "as_of", "explain")


@dataclass
class SearchRequest:
    """What a user asked for: the query text, filters, sort and page.

    Build it with keyword arguments (CLI, library) or :meth:`from_args` (URL parameters);
    :meth:`validate` checks it, and :func:`stdsearch.search.search` calls that first.
    """

    q: str
    kind: str = ""
    level: str = ""
    status: str = ""
    region: str = ""
    city: str = ""
    issuer: str = ""
    year: str = ""
    industry: str = ""
    mandatory: str = ""
    ics_field: str = ""
    ics_group: str = ""
    ics: str = ""
    ccs: str = ""
    sort: str = "relevance"
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    mode: str = "default"
    semantic: str = "auto"
    as_of: str = ""
    explain: bool = False

    def validate(self) -> None:
        """Raise BadQuery for parameters out of range, and QueryTooCostly (a BadQuery) for a
        query over the cost budget (:mod:`stdsearch.budget`)."""
        if len(self.q) > MAX_QUERY_CHARS:
            raise BadQuery(f"query too long ({MAX_QUERY_CHARS} characters at most)")
        if self.mode not in MODES:
            raise BadQuery(f"unknown mode {self.mode!r}: use one of {', '.join(MODES)}")
        if self.semantic not in SEMANTIC_MODES:
            raise BadQuery(f"unknown semantic {self.semantic!r}: use one of {', '.join(SEMANTIC_MODES)}")
        if self.sort not in SORTS:
            raise BadQuery(f"unknown sort {self.sort!r}: use one of {', '.join(SORTS)}")
        if self.page < 1:
            raise BadQuery("page must be 1 or more")
        if not 1 <= self.per_page <= MAX_PER_PAGE:
            raise BadQuery(f"per_page must be between 1 and {MAX_PER_PAGE}")
        if self.as_of and not is_day(self.as_of):
            raise BadQuery(f"as_of must be a date YYYY-MM-DD, not {self.as_of[:20]!r}")
        budget.check_request(self.parsed(), self.page, self.per_page)

    def parsed(self) -> ParsedQuery:
        """The query text parsed (once per text: validation, citation landing and the search
        stages share it)."""
        cached = self.__dict__.get("_parsed")
        if cached is None or cached[0] != self.q:
            cached = (self.q, parse_query(self.q))
            self.__dict__["_parsed"] = cached
        return cached[1]

    def filters(self) -> dict[str, str]:
        """The non-empty facet filters of this request."""
        return {name: getattr(self, name) for name in FACET_FIELDS if getattr(self, name)}

    @property
    def wanted(self) -> int:
        """How many ranked hits cover this request's page (page × per_page)."""
        return self.page * self.per_page

    def to_dict(self) -> dict[str, Any]:
        """The request as JSON-ready data."""
        return asdict(self)

    @classmethod
    def parameter_names(cls) -> tuple[str, ...]:
        """The request's fields, in declaration order (the URL parameters of a search)."""
        return tuple(f.name for f in fields(cls))

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> SearchRequest:
        """A validated request from URL-style string parameters (absent or empty: the defaults).

        Raises BadQuery for a page or page size that is not a positive integer, a page size
        over the cap, or an unknown sort, mode or semantic mode.
        """
        values: dict[str, Any] = {"q": (args.get("q") or "").strip()}
        for name in FACET_FIELDS:
            values[name] = (args.get(name) or "").strip()
        values["as_of"] = (args.get("as_of") or "").strip()
        values["explain"] = is_true(args.get("explain"))
        for name, default in (("sort", "relevance"), ("mode", "default"), ("semantic", "auto")):
            values[name] = (args.get(name) or default).strip()
        values["page"] = positive_int(args, "page", 1)
        values["per_page"] = positive_int(args, "per_page", DEFAULT_PER_PAGE)
        request = cls(**values)
        request.validate()
        return request


def positive_int(args: Mapping[str, str], name: str, default: int) -> int:
    """The parameter as an integer ≥ 1, its default when absent, else BadQuery."""
    raw = (args.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9 or int(raw) < 1:
        raise BadQuery(f"{name} must be a positive integer, not {raw[:20]!r}")
    return int(raw)
