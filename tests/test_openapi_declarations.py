"""The OpenAPI document is generated from the declarations it describes: the search request's
URL parameters with their allowed values and limits, the Hit and Results dataclasses, and the
Document and Clause records."""

from __future__ import annotations

import dataclasses

import pytest

from stdsearch.records import CLAUSE_DESCRIPTIONS, DOCUMENT_DESCRIPTIONS, Clause, Document
from stdsearch.search import request as declared
from stdsearch.search.results import Hit, Results
from stdsearch.web.openapi import (
    OMITTED_DOCUMENT_FIELDS,
    clause_properties,
    dataclass_properties,
    document_properties,
    openapi_document,
)


def parameters_of_search() -> dict[str, dict]:  # type: ignore[type-arg]
    document = openapi_document()
    return {p["name"]: p for p in document["paths"]["/api/search"]["get"]["parameters"]}


def test_every_url_parameter_of_a_search_request_is_documented_with_its_limits() -> None:
    parameters = parameters_of_search()
    assert list(parameters) == [n for n in declared.SearchRequest.parameter_names() if n in declared.URL_PARAMETERS]
    assert set(parameters) == set(declared.URL_PARAMETERS)
    assert parameters["sort"]["schema"]["enum"] == list(declared.SORTS)
    assert parameters["semantic"]["schema"]["enum"] == list(declared.SEMANTIC_MODES)
    assert parameters["per_page"]["schema"]["maximum"] == declared.MAX_PER_PAGE
    assert parameters["per_page"]["schema"]["default"] == declared.DEFAULT_PER_PAGE
    assert parameters["q"]["schema"]["maxLength"] == declared.MAX_QUERY_CHARS
    for name in declared.FACET_FIELDS:
        assert parameters[name]["description"] == declared.FIELD_DESCRIPTIONS[name]


def test_hit_and_results_schemas_list_the_dataclass_fields() -> None:
    schemas = openapi_document()["components"]["schemas"]
    assert list(schemas["Hit"]["properties"]) == [f.name for f in dataclasses.fields(Hit)]
    assert list(schemas["Results"]["properties"]) == [f.name for f in dataclasses.fields(Results)]
    assert "explanation" not in schemas["Results"]["required"]  # only with explain=1
    assert schemas["Hit"]["properties"]["score"]["type"] == "number"
    assert schemas["Results"]["properties"]["total"]["type"] == "integer"
    assert set(schemas["Results"]["properties"]["facets"]["properties"]) == set(declared.FACET_FIELDS)


def test_a_new_dataclass_field_gets_its_type_and_description() -> None:
    @dataclasses.dataclass
    class Example:
        name: str
        count: int = 0
        tags: list[str] = dataclasses.field(default_factory=list)

    properties = dataclass_properties(Example, {"name": "A name", "count": "How many", "tags": "Labels"})
    assert properties == {
        "name": {"type": "string", "description": "A name"},
        "count": {"type": "integer", "description": "How many"},
        "tags": {"type": "array", "items": {"type": "string"}, "description": "Labels"},
    }


def test_document_and_clause_schemas_list_the_record_fields() -> None:
    schemas = openapi_document()["components"]["schemas"]
    metadata = [f.name for f in dataclasses.fields(Document) if f.name not in OMITTED_DOCUMENT_FIELDS]
    assert list(schemas["DocumentMetadata"]["properties"]) == [*metadata, "status_source", "url", "citation"]
    assert list(schemas["Document"]["properties"]) == [*metadata, "status_source", "url", "citation", "clauses", "cited_by"]
    assert list(schemas["Clause"]["properties"]) == ["doc_id", *(f.name for f in dataclasses.fields(Clause)), "url"]
    assert schemas["Clause"]["properties"]["searchable"]["type"] == "boolean"
    assert schemas["DocumentMetadata"]["properties"]["sources"]["additionalProperties"] == {"type": "string"}
    for name, schema in schemas["DocumentMetadata"]["properties"].items():
        assert schema.get("description"), name


def test_a_field_added_to_a_record_shows_up_in_its_schema() -> None:
    @dataclasses.dataclass
    class GradedDocument(Document):
        grade: str = ""

    @dataclasses.dataclass
    class NotedClause(Clause):
        notes: list[str] = dataclasses.field(default_factory=list)

    grade = {"grade": "How strict the document is"}
    assert document_properties(GradedDocument, {**DOCUMENT_DESCRIPTIONS, **grade})["grade"] == {
        "type": "string", "description": "How strict the document is",
    }
    notes = {"notes": "Editorial notes"}
    assert clause_properties(NotedClause, {**CLAUSE_DESCRIPTIONS, **notes})["notes"] == {
        "type": "array", "items": {"type": "string"}, "description": "Editorial notes",
    }
    with pytest.raises(KeyError, match="grade"):
        document_properties(GradedDocument)  # a field without a description is refused
