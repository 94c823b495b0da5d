"""Stale references (issue 15 part 2): a document's citations with their status, on a real
NMPA text that cites old editions of medical-device standards."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner

from stdsearch.cli import main
from stdsearch.compliance import check, lint
from stdsearch.store import Store
from stdsearch.web import create_app

INSPECTION_TITLE = "25种医疗器械生产环节风险清单和检查要点"


@pytest.fixture(scope="module")
def inspection_id(compliance_home) -> str:  # type: ignore[no-untyped-def]
    """The doc_id of the NMPA inspection points."""
    store = Store(compliance_home)
    return next(i for i, e in store.manifest().items() if e["title"] == INSPECTION_TITLE)


def test_old_editions_cited_are_flagged_with_their_successor(compliance_home, inspection_id: str) -> None:
    store = Store(compliance_home)
    report = lint.lint(store.get(inspection_id), check.load_register(store))
    items = {item.cited: item for item in report.items}
    syringe = items["GB 15810-2001"]
    assert syringe.stale and syringe.row.current_edition == "GB 15810-2019"
    assert syringe.row.current_doc_id == "gb-15810-2019"
    assert any(place.text.startswith("GB 15810-2001") for place in syringe.places)
    assert items["GB 19083-2010"].row.current_edition == "GB 19083-2023"
    assert report.items[: len(report.stale)] == report.stale  # stale ones first
    assert not any(item.stale for item in report.items[len(report.stale) :])


def test_a_standard_does_not_flag_the_edition_it_replaces(compliance_home) -> None:
    store = Store(compliance_home)
    document = store.get("db37-t-2904-2019")
    assert "本标准代替DB37/T 2904—2017" in document.text
    report = lint.lint(document, check.load_register(store))
    assert report.stale == [] and "DB37/T 2904-2017" not in {item.cited for item in report.items}


def test_cli_lint_of_a_stored_document(compliance_home, inspection_id: str) -> None:
    result = CliRunner().invoke(main, ["--home", str(compliance_home.root), "lint", inspection_id, "--json"])
    data = json.loads(result.output)
    assert result.exit_code == 1 and data["stored"] is True and data["stale"] >= 2
    first = data["items"][0]
    assert first["stale"] is True and first["current_edition"] and first["places"]


def test_cli_lint_of_a_file_parses_it_without_adding_it(compliance_home, tmp_path) -> None:
    spec = tmp_path / "跑道招标技术要求.md"
    spec.write_text(
        "# 跑道招标技术要求\n\n1 面层应符合 GB/T 14833-2011 和 GB 36246—2018 的规定。\n\n"
        "2 健身器材应符合 GB 19272-2024。\n",
        encoding="utf-8",
    )
    before = len(Store(compliance_home).ids())
    result = CliRunner().invoke(main, ["--home", str(compliance_home.root), "lint", str(spec)])
    assert result.exit_code == 1, result.output
    assert "STALE GB/T 14833-2011" in result.output and "GB/T 14833-2020" in result.output
    assert "not in the corpus" in result.output.splitlines()[0]
    assert len(Store(compliance_home).ids()) == before
    clean = tmp_path / "clean.txt"
    clean.write_text("健身器材应符合 GB 19272-2024 的规定。\n", encoding="utf-8")
    assert CliRunner().invoke(main, ["--home", str(compliance_home.root), "lint", str(clean)]).exit_code == 0
    missing = CliRunner().invoke(main, ["--home", str(compliance_home.root), "lint", "no-such-doc"])
    assert missing.exit_code == 2


@pytest.fixture(scope="module")
def client(compliance_home) -> Any:  # type: ignore[no-untyped-def]
    return create_app({"HOME": compliance_home, "TESTING": True}).test_client()


def test_document_page_has_the_citation_status_panel(client: Any, inspection_id: str) -> None:
    html = client.get(f"/doc/{inspection_id}").get_data(as_text=True)
    assert 'id="cited-status"' in html and "lint-has-stale" in html
    assert 'href="/doc/gb-15810-2019"' in html


def test_links_to_documents_no_longer_current_are_marked(client: Any) -> None:
    html = client.get("/doc/db37-t-2904-2019").get_data(as_text=True)
    link = html.index('class="xref" href="/doc/db37-t-2904-2017')
    assert '<span class="stale-mark" title="所链接的文件已废止">废止</span>' in html[link : link + 200]
    current = client.get("/doc/db37-t-2904-2017").get_data(as_text=True)
    assert "stale-mark" not in current


def test_api_lint_matches_openapi(client: Any, inspection_id: str) -> None:
    from openapi_schema_validator import OAS30Validator

    spec = client.get("/api/openapi.json").get_json()
    body = client.get(f"/api/lint/{inspection_id}").get_json()
    validator = OAS30Validator({"$ref": "#/components/schemas/LintReport", "components": spec["components"]})
    assert not [e.message for e in validator.iter_errors(body)]
    assert body["stale"] >= 2 and body["items"][0]["stale"] is True
    assert client.get("/api/lint/no-such-doc").status_code == 404


def test_replacement_and_cited_by_links_are_marked_too(client: Any) -> None:
    oldest = client.get("/doc/gb-19272-2003").get_data(as_text=True)
    start = oldest.index('href="/doc/gb-19272-2011"')  # replaced by 2011, itself withdrawn since
    assert '<span class="stale-mark"' in oldest[start : start + 300]
    old = client.get("/doc/gb-19272-2011").get_data(as_text=True)
    link = old.index('href="/doc/gb-19272-2024"')
    assert "stale-mark" not in old[link : link + 200]  # the current edition carries no marker
