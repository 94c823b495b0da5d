"""The compliance pages and API (issue 15): /check, /check.csv, POST /api/check."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openapi_schema_validator import OAS30Validator

from stdsearch.web import create_app


@pytest.fixture(scope="module")
def client(compliance_home) -> Any:  # type: ignore[no-untyped-def]
    """A test client of an app on the compliance home."""
    return create_app({"HOME": compliance_home, "TESTING": True}).test_client()


@pytest.fixture(scope="module")
def spec(client: Any) -> dict[str, Any]:
    """The served OpenAPI document."""
    return client.get("/api/openapi.json").get_json()


def validate_against(spec: dict[str, Any], schema: str, data: Any) -> None:
    """Fail with every violation of the named schema of the OpenAPI document."""
    validator = OAS30Validator({"$ref": f"#/components/schemas/{schema}", "components": spec["components"]})
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]
    assert not errors, errors


def test_api_check_with_a_list_matches_openapi(client: Any, spec: dict[str, Any]) -> None:
    response = client.post("/api/check", json={"numbers": ["GB 19272-2003", "GB/T 14833", "GB 9999-1999"]})
    body = response.get_json()
    validate_against(spec, "CheckReport", body)
    assert response.status_code == 200 and body["all_current"] is False
    first, undated, unknown = body["rows"]
    assert first["current_edition"] == "GB 19272-2024" and first["verdict"] == "replaced"
    assert undated["doc_id"] == "gb-t-14833-2020" and undated["ok"] is True
    assert unknown["found"] is False and unknown["verdict"] == "not found"


def test_api_check_pulls_numbers_out_of_text(client: Any, spec: dict[str, Any]) -> None:
    text = "产品应符合 GB 55001—2021 与 GB 19272—2024 的规定。"
    for response in (client.post("/api/check", json={"text": text}),
                     client.post("/api/check", data=text.encode(), content_type="text/plain")):
        body = response.get_json()
        validate_against(spec, "CheckReport", body)
        assert [r["normalised"] for r in body["rows"]] == ["GB 55001-2021", "GB 19272-2024"]
        assert body["all_current"] is True


@pytest.mark.parametrize("payload", [{"numbers": "GB 1"}, {"text": 3}, ["GB 1"], {"text": "没有标准号"}])
def test_api_check_bad_bodies_are_400(client: Any, spec: dict[str, Any], payload: Any) -> None:
    response = client.post("/api/check", json=payload)
    assert response.status_code == 400
    validate_against(spec, "Error", response.get_json())


def test_check_page_renders_a_sortable_escaped_table(client: Any) -> None:
    assert "批量核查" in client.get("/check").get_data(as_text=True)
    page = client.post("/check", data={"text": "GB 19272-2003\n<script>x</script> GB 1-2\n"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'class="check-table sortable"' in html and "compliance.js" in html
    assert "GB 19272-2003 → GB 19272-2011 → GB 19272-2024" in html
    assert 'href="/doc/gb-19272-2024"' in html
    assert "<script>x</script>" not in html


def test_check_upload_and_csv_download(client: Any) -> None:
    upload = {"file": (io.BytesIO("标准号\nGB/T 14833-2011\n".encode("gb18030")), "register.csv")}
    page = client.post("/check", data=upload, content_type="multipart/form-data")
    assert "GB/T 14833-2020" in page.get_data(as_text=True)
    download = client.post("/check.csv", data={"text": "GB/T 14833-2011"})
    assert download.mimetype == "text/csv"
    assert "attachment" in download.headers["Content-Disposition"]
    lines = download.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("line,as_written,normalised") and "GB/T 14833-2020" in lines[1]
