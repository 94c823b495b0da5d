"""Why this matched: the explanation of a search (``explain=1``) for users and maintainers.

Built from the plan that answered (:mod:`.plan`) and the hits, so it holds for every engine:

* for the query — its segmented tokens, the strategy that answered (number, title, keyword,
  any, question), the BM25F parameters and field weights, the filters and ``as_of``;
* for each hit — which of the plan's words its title, heading and text contain, with each
  word's weight in that field; the priors that changed its score (level prior, document
  evidence, the not-current factor); and whether lexical search, semantic search or both
  ranked it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from stdsearch import analysis
from stdsearch.query import ParsedQuery
from stdsearch.search.plan import AllOf, AnyOf, Node, Phrase, Plan, Term
from stdsearch.search.results import Hit

#: What each strategy means, for people.
STRATEGIES = {
    "number": "standard number: exact match on the number keys",
    "title": "document title: the clauses of the titled documents, in document order",
    "keyword": "keywords: every word must match (BM25F)",
    "any": "keywords: any of the rarer words (BM25F), since no clause held them all",
    "question": "question: any word, question weights and document priors (BM25F)",
    "baseline": "baseline: plain BM25 over the text",
}
#: Fields of a hit whose words are compared with the plan's terms.
TEXT_FIELDS = ("title", "heading", "text")


def terms(node: Node) -> Iterator[tuple[str, str, float]]:
    """(field, word or phrase, weight) of every positive term of a plan's query tree."""
    if isinstance(node, Term):
        yield node.field, node.word, node.boost
    elif isinstance(node, Phrase):
        yield node.field, "".join(node.words), node.boost
    elif isinstance(node, (AnyOf, AllOf)):
        for child in node.children:
            yield from terms(child)


def describe_query(plan: Plan, parsed: ParsedQuery, as_of: str = "") -> dict[str, Any]:
    """The query part of an explanation."""
    weights: dict[str, float] = {}
    for name, _, boost in terms(plan.query):
        weights[name] = max(weights.get(name, 0.0), boost)
    return {
        "tokens": analysis.query_terms(parsed.free_text) if parsed.free_text else [],
        "phrases": parsed.phrases,
        "excluded": parsed.excluded,
        "strategy": plan.kind,
        "strategy_means": STRATEGIES.get(plan.kind, plan.kind),
        "k1": plan.k1,
        "b": plan.b,
        "field_weights": weights,
        "filters": dict(plan.filters),
        "as_of": as_of,
        "level_prior": dict(plan.level_prior),
        "document_weight": plan.document_weight,
        "not_current_factor": plan.not_current_factor if not plan.sort else 1.0,
        "sort": [list(key) for key in plan.sort],
    }


def describe_hit(plan: Plan | None, hit: Hit) -> dict[str, Any]:
    """The per-hit part: fields matched with weights, priors applied, retrievers."""
    matched: dict[str, list[dict[str, Any]]] = {}
    for name, word, boost in terms(plan.query) if plan is not None else ():
        if name in TEXT_FIELDS and analysis.normalize(word) in analysis.normalize(getattr(hit, name, "") or ""):
            entries = matched.setdefault(name, [])
            if not any(e["word"] == word for e in entries):
                entries.append({"word": word, "weight": boost})
        elif name == "number_keys":
            matched.setdefault("number", []).append({"word": word, "weight": boost})
        elif name == "doc_id" and word == hit.doc_id:
            matched.setdefault("title_route", []).append({"word": hit.title, "weight": boost})
    return {
        "score": hit.score,
        "matched_by": retrievers(hit),
        "fields": matched,
        "priors": priors(plan, hit) if plan is not None else {},
    }


def retrievers(hit: Hit) -> list[str]:
    """Which retrievers ranked the hit: lexical, semantic or both (a cited clause: citation)."""
    return list(hit.matched_by) or ["lexical"]


def priors(plan: Plan, hit: Hit) -> dict[str, float]:
    """The score factors and weights that applied to this hit."""
    applied: dict[str, float] = {}
    if hit.level in plan.level_prior:
        applied["level_prior"] = plan.level_prior[hit.level]
    if plan.document_weight:
        applied["document_weight"] = plan.document_weight
    if not plan.sort and hit.status in ("废止", "被代替") and plan.not_current_factor != 1.0:
        applied["not_current_factor"] = plan.not_current_factor
    return applied


def explanation(plan: Plan | None, parsed: ParsedQuery, hits: list[Hit], as_of: str = "") -> dict[str, Any]:
    """The whole explanation: the query's, and each hit's under its key ``doc_id/clause_id``."""
    query = describe_query(plan, parsed, as_of) if plan is not None else {"tokens": [], "strategy": ""}
    return {"query": query, "hits": {hit.key: describe_hit(plan, hit) for hit in hits}}


def complete(found: dict[str, Any], hits: list[Hit]) -> dict[str, Any]:
    """An explanation made after fusion: hits the lexical plan did not rank (semantic only)
    get their entry, and every entry's retrievers are the fused ones."""
    for hit in hits:
        entry = found["hits"].setdefault(hit.key, describe_hit(None, hit))
        entry["matched_by"] = retrievers(hit)
        entry["score"] = hit.score
    found["hits"] = {hit.key: found["hits"][hit.key] for hit in hits}
    return found
