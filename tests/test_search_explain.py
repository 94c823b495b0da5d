"""Why this matched (issue 15 part 6): explain=1 in the library, the API and the results page."""

from __future__ import annotations

from typing import Any

import pytest
from openapi_schema_validator import OAS30Validator

from stdsearch import analysis
from stdsearch.search import SearchRequest, search
from stdsearch.search.explain import STRATEGIES
from stdsearch.web import create_app


def test_keyword_hits_say_which_fields_matched_with_weights(compliance_home) -> None:
    results = search(compliance_home, SearchRequest(q="合成材料 面层", explain=True))
    query = results.explanation["query"]
    assert query["tokens"] == analysis.query_terms("合成材料 面层")
    assert query["strategy"] == "keyword" and query["strategy"] in STRATEGIES
    assert query["field_weights"] == {"title": 2.0, "heading": 1.5, "text": 1.0}
    assert list(results.explanation["hits"]) == [hit.key for hit in results.hits]
    first = results.explanation["hits"][results.hits[0].key]
    assert first["matched_by"] == ["lexical"] and first["score"] == results.hits[0].score
    assert {w["word"] for w in first["fields"]["title"]} >= {"面层"}
    assert all(w["weight"] == 2.0 for w in first["fields"]["title"])


def test_question_priors_are_reported(compliance_home) -> None:
    results = search(compliance_home, SearchRequest(q="经营者集中应当如何申报", explain=True, semantic="off"))
    query = results.explanation["query"]
    assert query["strategy"] == "question" and query["document_weight"] == 0.3
    assert query["level_prior"]["行政法规"] == 0.7
    hit = results.explanation["hits"][results.hits[0].key]
    assert hit["priors"]["document_weight"] == 0.3 and hit["fields"]["text"]


def test_number_and_as_of_are_explained(compliance_home) -> None:
    results = search(compliance_home, SearchRequest(q="GB/T 14833", as_of="2013-01-01", explain=True))
    assert results.explanation["query"]["strategy"] == "number"
    assert results.explanation["query"]["as_of"] == "2013-01-01"
    assert results.explanation["hits"][results.hits[0].key]["fields"]["number"]


def test_no_explanation_unless_asked(compliance_home) -> None:
    assert "explanation" not in search(compliance_home, SearchRequest(q="合成材料")).to_dict()


@pytest.fixture(scope="module")
def client(compliance_home) -> Any:  # type: ignore[no-untyped-def]
    return create_app({"HOME": compliance_home, "TESTING": True}).test_client()


def test_api_explain_matches_openapi(client: Any) -> None:
    spec = client.get("/api/openapi.json").get_json()
    body = client.get("/api/search?q=合成材料 面层&explain=1").get_json()
    validator = OAS30Validator({"$ref": "#/components/schemas/Results", "components": spec["components"]})
    assert not [e.message for e in validator.iter_errors(body)]
    assert body["explanation"]["query"]["strategy"] == "keyword"
    assert "explanation" not in client.get("/api/search?q=合成材料 面层").get_json()


def test_results_page_links_and_shows_why(client: Any) -> None:
    plain = client.get("/?q=合成材料 面层").get_data(as_text=True)
    assert plain.count('class="why-link"') >= 1 and "explain=True" in plain
    explained = client.get("/?q=合成材料 面层&explain=1").get_data(as_text=True)
    assert "检索如何执行" in explained and "为什么匹配" in explained and "标题:「" in explained
    assert 'class="why-link"' not in explained
