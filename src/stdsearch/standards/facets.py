"""The facet values of standards, declared in :data:`stdsearch.search.request.FACET_FIELDS`:
ICS rolled up field → group → subgroup, CCS, industry, 强制性 (per document and per clause),
city — and the filters people type (``region:厦门``, ``ics:03.120``) turned into index terms."""

from __future__ import annotations

import re
from typing import Any

from stdsearch.records import Clause, Document
from stdsearch.standards import regions

MANDATORY = "强制性"
#: A clause of a mandatory code whose mandatory status a newer code abolished.
ABOLISHED_MANDATORY = "强制性（已废止）"
#: Words a user may type for the mandatory facet values.
MANDATORY_SYNONYMS = {"强制": "强制性", "强标": "强制性", "推荐": "推荐性", "推标": "推荐性", "指导": "指导性"}
#: A clause marked mandatory inside a full text.
_MARKED = re.compile(r"(?:本条|此条|该条)?为?强制性条文|[(（]强制[性]?[)）]|^\s*【强制】")
#: Engineering codes whose mandatory force is in marked clauses (强制性条文), not the whole text.
_PARTLY_MANDATORY = re.compile(r"^(?:GB 50\d{3}|GB 5\d{4}(?<!55\d{3})|JGJ|CJJ|JTG|JTJ|DBJ)")


def ics_levels(codes: list[str]) -> tuple[list[str], list[str], list[str]]:
    """Every ICS code rolled up into (fields, groups, subgroups), each once, in order:
    [65.020.20, 65.020.30, 03.080] → ([65, 03], [65.020, 03.080], [65.020.20, 65.020.30])."""
    levels: tuple[list[str], list[str], list[str]] = ([], [], [])
    for code in codes:
        parts = code.split(".")
        for depth in range(min(len(parts), 3)):
            value = ".".join(parts[: depth + 1])
            if value not in levels[depth]:
                levels[depth].append(value)
    return levels


def joined(values: list[str]) -> str:
    """Several values of a multi-valued facet as the index holds them (comma-separated)."""
    return ",".join(values)


def clause_mandatory(document: Document, clause: Clause) -> str:
    """强制性 / 推荐性 / 指导性 of one clause: a marked clause of an engineering code, an
    abolished mandatory clause, or the document's own attribute."""
    if clause.clause_id in abolished_clause_ids(document):
        return ABOLISHED_MANDATORY
    if marked_mandatory(clause.text):
        return MANDATORY
    if document.mandatory == MANDATORY and _PARTLY_MANDATORY.match(document.number) and clause.clause_id != "summary":
        return ""
    return document.mandatory


def marked_mandatory(text: str) -> bool:
    """True for a clause marked mandatory inside a full text (本条为强制性条文, （强制）, 【强制】)."""
    return bool(_MARKED.search(text[:200]))


def abolished_clause_ids(document: Document) -> set[str]:
    """Clause ids of the document's mandatory clauses that a newer code abolished."""
    return {c for entry in document.extra.get("abolished_clauses", []) for c in entry.get("clauses", [])}


def document_facets(document: Document) -> dict[str, Any]:
    """The standards facet values every clause of a document shares: every ICS code of the
    document rolled up, every CCS code (the multi-valued fields of
    :data:`stdsearch.search.request.MULTI_VALUED_FACETS`, joined).

    The city of a document whose region is a city (a 厦门 policy) is that city, as for a
    city's local standards (DB3502 → 福建, 厦门): ``region:厦门`` finds both."""
    fields, groups, subgroups = ics_levels(document.ics)
    return {
        "city": document.city or regions.city_of(document.region),
        "industry": document.industry,
        "ics_field": joined(fields),
        "ics_group": joined(groups),
        "ics": joined(subgroups),
        "ccs": joined(list(dict.fromkeys(document.ccs))),
    }


def normalise_filters(filters: dict[str, str]) -> dict[str, str]:
    """Filters as the index holds them: ``region`` naming a city → ``city`` (厦门市 → 厦门), an ICS
    code of any depth → its level's field, 强制 → 强制性."""
    out = dict(filters)
    region = out.get("region")
    if region:
        city = regions.city_of(region)
        if city:
            out.pop("region")
            out["city"] = city
        else:
            out["region"] = regions.normalise_region(region)
    ics = out.pop("ics", "")
    if ics:
        depth = ics.count(".")
        out[("ics_field", "ics_group", "ics")[min(depth, 2)]] = ics
    if out.get("mandatory"):
        out["mandatory"] = MANDATORY_SYNONYMS.get(out["mandatory"], out["mandatory"])
    return out

