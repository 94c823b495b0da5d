"""What a search returns: a page of clause hits (:class:`Hit`) in :class:`Results`.

Field names are part of the JSON API (``/api/search``) and its OpenAPI document, which is
generated from these dataclasses (:mod:`stdsearch.web.openapi`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass, field
from typing import Any

#: What each Hit field means (the OpenAPI schema of a hit is generated from these).
HIT_DESCRIPTIONS = {
    "doc_id": "Id of the clause's document",
    "clause_id": "Id of the clause within its document",
    "title": "Title of the document",
    "label": "The clause's numbering as printed (第十二条, 4.1.1)",
    "heading": "Headings above the clause, joined with ' > '",
    "text": "Full text of the clause",
    "snippet": "HTML: the best window of the text, escaped, matched terms in <mark>",
    "url": "Permalink path /doc/<doc_id>/<clause_id>",
    "score": "Relevance score (higher is better; comparable within one result list)",
    "kind": "Document kind: law, policy, standard or page",
    "level": "Document level: 法律, 行政法规, 国家标准 …",
    "status": "Lifecycle status: 现行, 即将实施, 废止, 被代替, or empty when unknown",
    "number": "Standard or document number, or empty",
    "issuer": "Issuing body",
    "region": "Region of a local document, or empty",
    "publish_date": "Publication date: ISO date YYYY-MM-DD, or empty",
    "effective_date": "Implementation date: ISO date YYYY-MM-DD, or empty",
    "replaced_by": "Doc ids or numbers of the documents that replace this one",
    "replaces": "Numbers of the documents this one replaces (its own statement and others')",
    "current_edition": "For a standard that is not the one in force: the number of the current edition, else empty",
    "matched_by": (
        "Which retrievers found this clause in a hybrid search (lexical, semantic); [citation] for the"
        " clause the query cites (first hit); [] otherwise"
    ),
}

#: What each Results field means.
RESULTS_DESCRIPTIONS = {
    "query": "The query as given",
    "total": "Number of matching clauses",
    "hits": "The clauses of this page, best first",
    "facets": "Per facet field: value → number of matching clauses, most frequent first",
    "facet_labels": "Per coded facet field (ics_field, ics_group, ics, ccs): value → its name "
    "(ICS fields in Chinese, deeper ICS levels from the ICS list, CCS by first-level class)",
    "page": "Page number",
    "per_page": "Hits per page",
    "suggestions": "Queries that may work better when this one found little (did you mean)",
    "explanation": "With explain=1 only: the query's tokens, strategy and parameters, and per hit "
    "(doc_id/clause_id) the fields matched with weights, priors and retrievers",
    "notice": "What the answer is when not what was typed: a number not in the corpus (and its other editions)",
}


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
    replaces: list[str] = field(default_factory=list)
    current_edition: str = ""
    #: Which retrievers found this clause in a hybrid search ("lexical", "semantic"), ["citation"]
    #: for the clause the query cites (:mod:`stdsearch.cite`); [] otherwise.
    matched_by: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        """The clause key ``doc_id/clause_id`` engines and fusion use."""
        return f"{self.doc_id}/{self.clause_id}"


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
    #: Names of coded facet values (ICS, CCS), filled by :func:`stdsearch.search.search`.
    facet_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    notice: str = ""
    #: Why each hit matched (``explain=1``, :mod:`stdsearch.search.explain`); None otherwise.
    explanation: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: {"query", "total", "hits", "facets", "page", "per_page", "suggestions"},
        "facet_labels" and "notice" when there are some, and "explanation" when one was asked for."""
        data = asdict(self)
        if data["explanation"] is None:
            del data["explanation"]
        if not data["notice"]:
            del data["notice"]
        if not data["facet_labels"]:
            del data["facet_labels"]
        return data


def hit_from_fields(stored: dict[str, Any], score: float, snippet: str) -> Hit:
    """A Hit from a clause's stored fields (as an engine's ``fetch`` returns them)."""
    values: dict[str, Any] = {}
    for spec in dataclasses.fields(Hit):
        if spec.name in stored:
            values[spec.name] = stored[spec.name]
        elif spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING:
            values[spec.name] = ""
    values.update(
        snippet=snippet,
        url=f"/doc/{stored['doc_id']}/{stored['clause_id']}",
        score=round(score, 4),
        replaced_by=list(stored.get("replaced_by") or []),
        replaces=list(stored.get("replaces") or []),
        matched_by=[],
    )
    return Hit(**values)
