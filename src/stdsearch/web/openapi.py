"""The OpenAPI 3 description of the JSON API, served at /api/openapi.json.

The search parameters and the ``Hit``, ``Results``, ``DocumentMetadata``, ``Document``,
``Clause`` and ``ClausePage`` schemas are generated from the declarations they describe —
:class:`~stdsearch.search.request.SearchRequest` with its field descriptions and allowed
values, the :class:`~stdsearch.search.results.Hit` and ``Results`` dataclasses and the
:class:`~stdsearch.records.Document` and ``Clause`` records with theirs — so a field added
there appears here. Schemas are strict (``additionalProperties:
false``) so that the test which validates real responses against them fails when a field is
added without being documented.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from stdsearch.budget import DEFAULT_BUDGET
from stdsearch.records import CLAUSE_DESCRIPTIONS, DOCUMENT_DESCRIPTIONS, Clause, Document
from stdsearch.search import request as declared
from stdsearch.search.results import HIT_DESCRIPTIONS, RESULTS_DESCRIPTIONS, Hit, Results
from stdsearch.web import compliance_openapi


def _string(description: str, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "description": description, **extra}


def _strings(description: str) -> dict[str, Any]:
    return {"type": "array", "items": {"type": "string"}, "description": description}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict[str, Any], description: str = "") -> dict[str, Any]:
    """A closed object whose listed properties are all required."""
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }
    if description:
        schema["description"] = description
    return schema


#: Document fields left out of the API's document metadata (the body is given clause by clause).
OMITTED_DOCUMENT_FIELDS = ("text", "clauses")

CITING_CLAUSE = {
    "type": "object",
    "description": "A clause of another document that cites this one",
    "properties": {
        "doc_id": _string("Citing document"),
        "clause_id": _string("Citing clause"),
        "title": _string("Title of the citing document"),
        "label": _string("Label of the citing clause"),
        "cited_clause_id": _string("Clause of this document that is cited, or empty"),
    },
    "required": ["doc_id", "clause_id"],
}

#: JSON schema of a dataclass field's annotation (as a string: the modules use postponed
#: annotations).
_TYPES: dict[str, dict[str, Any]] = {
    "str": {"type": "string"},
    "int": {"type": "integer"},
    "float": {"type": "number"},
    "bool": {"type": "boolean"},
    "list[str]": {"type": "array", "items": {"type": "string"}},
    "dict[str, str]": {"type": "object", "additionalProperties": {"type": "string"}},
    "dict[str, Any]": {"type": "object"},
}


def dataclass_properties(
    cls: type, descriptions: dict[str, str], optional: tuple[str, ...] = (), **overrides: Any
) -> dict[str, Any]:
    """The properties of a dataclass's JSON form: each field's type and description
    (``overrides``: field name → schema, for fields of other types; ``optional``: fields left
    out here, as the JSON form leaves them out when unset)."""
    properties = {}
    for spec in dataclasses.fields(cls):
        if spec.name in optional:
            continue
        schema = overrides.get(spec.name) or {**_TYPES[str(spec.type)], "description": descriptions[spec.name]}
        properties[spec.name] = schema
    return properties


HIT_FIELDS: dict[str, Any] = dataclass_properties(Hit, HIT_DESCRIPTIONS)


def document_properties(cls: type = Document, descriptions: dict[str, str] = DOCUMENT_DESCRIPTIONS) -> dict[str, Any]:
    """The API's document metadata: the record's fields but its body, the source's status word
    where it differs, its permalink path and citation."""
    return {
        **dataclass_properties(cls, descriptions, optional=OMITTED_DOCUMENT_FIELDS),
        "status_source": _string(
            "The status the source gave, when it differs from status (which is the status today: dates "
            "and versions considered, as check and lint see it); else empty"
        ),
        "url": _string("Permalink path /doc/<doc_id>"),
        "citation": _string("How to cite the document: 《title》 or its standard number"),
    }


def clause_properties(cls: type = Clause, descriptions: dict[str, str] = CLAUSE_DESCRIPTIONS) -> dict[str, Any]:
    """The API's clause: the record's fields with its document id and permalink path."""
    return {
        "doc_id": _string("Id of the clause's document"),
        **dataclass_properties(cls, descriptions),
        "url": _string("Permalink path /doc/<doc_id>/<clause_id>"),
    }


DOCUMENT_FIELDS: dict[str, Any] = document_properties()
CLAUSE_FIELDS: dict[str, Any] = clause_properties()

COUNTS = {
    "type": "object",
    "additionalProperties": {"type": "integer"},
    "description": "Value → number of matching clauses",
}

RESULTS_FIELDS: dict[str, Any] = dataclass_properties(
    Results,
    RESULTS_DESCRIPTIONS,
    optional=("explanation", "notice", "facet_labels"),
    hits={"type": "array", "items": _ref("Hit"), "description": RESULTS_DESCRIPTIONS["hits"]},
    facets={
        "type": "object",
        "description": RESULTS_DESCRIPTIONS["facets"],
        "properties": {name: COUNTS for name in declared.FACET_FIELDS},
        "additionalProperties": COUNTS,
    },
)

CLAUSE_PAGE_FIELDS: dict[str, Any] = {
    **CLAUSE_FIELDS,
    "heading_path": _strings("The heading path as a list, outermost first"),
    "parents": _strings("clause_ids of the enclosing clauses, outermost first"),
    "children": _strings("clause_ids of the clause's direct sub-parts"),
    "prev": {
        "type": "string",
        "nullable": True,
        "description": "Previous clause at the same depth",
    },
    "next": {"type": "string", "nullable": True, "description": "Next clause at the same depth"},
    "citation": _string("Citation text: 《title》第X条 or NUMBER clause"),
    "cited_by": {
        "type": "array",
        "items": _ref("CitingClause"),
        "description": "Clauses citing this one",
    },
    "document": _ref("DocumentMetadata"),
}

def _with_optional(schema: dict[str, Any], name: str, value: dict[str, Any]) -> dict[str, Any]:
    """A closed object schema with one more property that may be absent."""
    schema["properties"][name] = value
    return schema


SCHEMAS: dict[str, Any] = {
    "Hit": _object(HIT_FIELDS, "One matching clause with its document's fields"),
    "Results": _with_optional(
        _with_optional(
            _with_optional(
                _object(RESULTS_FIELDS, "A page of search results"),
                "facet_labels",
                {
                    "type": "object",
                    "description": "Only when a facet has coded values with names: "
                    + RESULTS_DESCRIPTIONS["facet_labels"],
                    "additionalProperties": {"type": "object", "additionalProperties": {"type": "string"}},
                },
            ),
            "notice",
            _string("Only when the answer is not what was typed: a standard number not in the corpus "
                    "(GB/T 99999-2019 不在语料库中), or an edition not in it answered by the others"),
        ),
        "explanation",
        {
            "type": "object",
            "description": "With explain=1 only: query (tokens, strategy, k1, b, field_weights, filters, "
            "as_of, priors) and hits (doc_id/clause_id → score, matched_by, fields matched with "
            "weights, priors applied)",
            "properties": {"query": {"type": "object"}, "hits": {"type": "object", "additionalProperties": {"type": "object"}}},
            "required": ["query", "hits"],
        },
    ),
    "DocumentMetadata": _object(DOCUMENT_FIELDS, "A document's fields without its body"),
    "Clause": _object(CLAUSE_FIELDS, "One clause of a document"),
    "CitingClause": CITING_CLAUSE,
    "Document": _object(
        {
            **DOCUMENT_FIELDS,
            "clauses": {
                "type": "array",
                "items": _ref("Clause"),
                "description": DOCUMENT_DESCRIPTIONS["clauses"],
            },
            "cited_by": {
                "type": "array",
                "items": _ref("CitingClause"),
                "description": "Citing clauses",
            },
        },
        "A document with its clauses",
    ),
    "ClausePage": _object(CLAUSE_PAGE_FIELDS, "A clause with its context"),
    "Error": _object(
        {
            "error": _object(
                {
                    "code": {"type": "integer", "description": "HTTP status code"},
                    "message": _string("What went wrong"),
                }
            )
        },
        "An error",
    ),
}


def _param(name: str, description: str, schema: dict[str, Any], required: bool = False) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema,
    }


#: The deepest result a search may page to (the query budget's result window).
MAX_RESULT_WINDOW = DEFAULT_BUDGET.max_result_window

#: Schemas of the search parameters beyond their type and default: allowed values and limits.
_PARAMETER_LIMITS: dict[str, dict[str, Any]] = {
    "q": {"maxLength": declared.MAX_QUERY_CHARS},
    "sort": {"enum": list(declared.SORTS)},
    "mode": {"enum": list(declared.MODES)},
    "semantic": {"enum": list(declared.SEMANTIC_MODES)},
    "as_of": {"format": "date"},
    "explain": {"type": "string", "enum": ["", "0", "1", "true", "false", "yes", "no", "on", "off"]},
    "page": {"minimum": 1, "maximum": MAX_RESULT_WINDOW},
    "per_page": {"minimum": 1, "maximum": declared.MAX_PER_PAGE},
}


def search_parameters() -> list[dict[str, Any]]:
    """The query parameters of /api/search: the URL parameters of a SearchRequest."""
    parameters = []
    for spec in dataclasses.fields(declared.SearchRequest):
        if spec.name not in declared.URL_PARAMETERS:
            continue
        schema = {**_TYPES[str(spec.type)], **_PARAMETER_LIMITS.get(spec.name, {})}
        if spec.default not in (dataclasses.MISSING, "", False):
            schema["default"] = spec.default
        parameters.append(_param(spec.name, declared.FIELD_DESCRIPTIONS[spec.name], schema))
    return parameters


SEARCH_PARAMETERS = search_parameters()


def _json(schema: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


def _path_param(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string"},
    }


def openapi_document(server_url: str = "") -> dict[str, Any]:
    """The OpenAPI 3.0 document of the API (served from ``server_url`` when given)."""
    not_found = _json("Error", "Unknown document or clause")
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "stdsearch API",
            "version": "1",
            "description": "Clause-level search over Chinese standards, laws and policy texts. "
            "Every hit links to its clause; every HTML page has this JSON twin.",
        },
        "servers": [{"url": server_url or "/"}],
        "paths": {
            "/api/search": {
                "get": {
                    "summary": "Search clauses",
                    "operationId": "search",
                    "parameters": SEARCH_PARAMETERS,
                    "responses": {
                        "200": _json("Results", "A page of results"),
                        "400": _json("Error", "A bad parameter or query syntax"),
                        "409": _json("Error", "semantic=on, but this home has no clause vectors (run `stdsearch embed`)"),
                    },
                }
            },
            "/api/doc/{doc_id}": {
                "get": {
                    "summary": "A document with its clauses",
                    "operationId": "document",
                    "parameters": [_path_param("doc_id", "Document id")],
                    "responses": {"200": _json("Document", "The document"), "404": not_found},
                }
            },
            "/api/doc/{doc_id}/{clause_id}": {
                "get": {
                    "summary": "One clause with its heading, neighbours and document",
                    "operationId": "clause",
                    "parameters": [
                        _path_param("doc_id", "Document id"),
                        _path_param("clause_id", "Clause id"),
                    ],
                    "responses": {"200": _json("ClausePage", "The clause"), "404": not_found},
                }
            },
            "/api/openapi.json": {
                "get": {
                    "summary": "This document",
                    "operationId": "openapi",
                    "responses": {"200": {"description": "OpenAPI 3 document"}},
                }
            },
            **compliance_openapi.PATHS,
        },
        "components": {"schemas": {**SCHEMAS, **compliance_openapi.SCHEMAS}},
    }
