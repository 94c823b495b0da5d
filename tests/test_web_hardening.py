"""The web layer against hostile parameters: numbers and ids are validated before use
(400/404, never 500), 405 names the allowed methods, and no link trusts the Host header."""

from __future__ import annotations

from typing import Any

import pytest

from stdsearch.identity import MAX_ID_LENGTH, document_id, is_valid_id
from stdsearch.settings import Home
from stdsearch.store import Store
from stdsearch.web import create_app


@pytest.fixture(scope="module")
def client(seed_home: Home) -> Any:
    """A test client on the seed home (no BASE_URL configured)."""
    return create_app({"HOME": seed_home, "TESTING": True}).test_client()


@pytest.fixture(scope="module")
def seed_id(seed_home: Home) -> str:
    """The doc id of the bundled seed policy."""
    return Store(seed_home).ids()[0]


@pytest.mark.parametrize("name", ["page", "per_page"])
@pytest.mark.parametrize("prefix", ["/?", "/api/search?"])
def test_numbers_of_thousands_of_digits_are_a_400(client: Any, name: str, prefix: str) -> None:
    response = client.get(f"{prefix}q=质量&{name}={'9' * 5000}")
    assert response.status_code == 400
    assert "9" * 100 not in response.get_data(as_text=True), "the number is not echoed whole"


@pytest.mark.parametrize("value", ["-1", "0", "1e3", "１", "0x10", " ", "00"])
def test_page_that_is_not_a_positive_integer_is_a_400(client: Any, value: str) -> None:
    response = client.get(f"/api/search?q=质量&page={value}")
    assert response.status_code in (200, 400)
    if value.strip():
        assert response.status_code == 400
        assert "page" in response.get_json()["error"]["message"]


def test_page_with_leading_zeros_is_read_as_its_number(client: Any) -> None:
    assert client.get("/api/search?q=质量&page=0002").get_json()["page"] == 2


@pytest.mark.parametrize(
    "path", ["/doc/{long}", "/api/doc/{long}", "/doc/{long}/1", "/api/doc/{long}/1", "/doc/{seed}/{long}"]
)
def test_ids_too_long_for_a_file_name_are_a_404(client: Any, seed_id: str, path: str) -> None:
    response = client.get(path.format(long="a" * 300, seed=seed_id))
    assert response.status_code == 404


def test_ids_over_the_limit_are_invalid_and_generated_ids_stay_under_it() -> None:
    assert is_valid_id("a" * MAX_ID_LENGTH) and not is_valid_id("a" * (MAX_ID_LENGTH + 1))
    long_number = "GB/T " + "1" * 400 + "-2020"
    assert is_valid_id(document_id("standard", "标题", number=long_number))
    assert document_id("standard", "", number="GB/T 19001-2016") == "gb-t-19001-2016"


@pytest.mark.parametrize("path", ["/api/search", "/", "/api/doc/x", "/doc/x/y", "/api/openapi.json"])
def test_method_not_allowed_carries_allow(client: Any, path: str) -> None:
    response = client.post(path)
    assert response.status_code == 405
    assert {m.strip() for m in response.headers["Allow"].split(",")} >= {"GET", "HEAD"}


def test_openapi_and_permalinks_ignore_the_host_header(client: Any, seed_id: str) -> None:
    evil = {"Host": "evil.example"}
    spec = client.get("/api/openapi.json", headers=evil).get_json()
    assert spec["servers"] == [{"url": "/"}]
    html = client.get(f"/doc/{seed_id}", headers=evil).get_data(as_text=True)
    assert "evil.example" not in html
    assert f'data-copy-url="/doc/{seed_id}"' in html


def test_configured_base_url_makes_permalinks_absolute(seed_home: Home, seed_id: str) -> None:
    app = create_app({"HOME": seed_home, "TESTING": True, "BASE_URL": "https://std.example/s/"})
    client = app.test_client()
    evil = {"Host": "evil.example"}
    spec = client.get("/api/openapi.json", headers=evil).get_json()
    assert spec["servers"] == [{"url": "https://std.example/s"}]
    html = client.get(f"/doc/{seed_id}", headers=evil).get_data(as_text=True)
    assert f'data-copy-url="https://std.example/s/doc/{seed_id}"' in html
    assert "evil.example" not in html


EXCLUSIONS = " ".join(f"-{word}" for word in ("法律", "规定", "国家", "管理") * 50)


@pytest.mark.parametrize(
    "query",
    [
        {"q": EXCLUSIONS, "kind": "policy"},
        {"q": '"' + "质量发展" * 40 + '"'},
        {"q": "质量", "page": "1000", "per_page": "100"},
    ],
    ids=["match-all-with-200-exclusions", "long-phrase", "deep-page"],
)
def test_queries_over_the_cost_budget_are_a_400_with_a_reason(client: Any, query: dict[str, str]) -> None:
    response = client.get("/api/search", query_string=query)
    assert response.status_code == 400
    assert response.get_json()["error"]["message"].startswith("query too costly: ")
    page = client.get("/", query_string=query)
    assert page.status_code == 400 and "query too costly" in page.get_data(as_text=True)


def test_cli_refuses_a_costly_query_with_exit_2(seed_home: Home) -> None:
    from click.testing import CliRunner

    from stdsearch.cli import main

    result = CliRunner().invoke(main, ["--home", str(seed_home.root), "search", *EXCLUSIONS.split(), "--kind", "policy"])
    assert result.exit_code == 2 and "query too costly" in result.output
