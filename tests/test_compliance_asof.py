"""Point in time (issue 15 part 3): as_of in the query, the request, the CLI, the web and API;
law versions linked both ways; statuses implied by dates and versions."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import pytest
from click.testing import CliRunner

from stdsearch.cli import main
from stdsearch.compliance import asof, check
from stdsearch.errors import BadQuery
from stdsearch.query import parse_query
from stdsearch.search import SearchRequest, search
from stdsearch.store import Store
from stdsearch.web import create_app

ANTITRUST = "中华人民共和国反垄断法"


@pytest.fixture(scope="module")
def antitrust(compliance_home) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The doc ids of the 2007 and 2022 反垄断法."""
    manifest = Store(compliance_home).manifest()
    found = {e["publish_date"][:4]: i for i, e in manifest.items() if e["title"] == ANTITRUST}
    return {"old": found["2007"], "new": found["2022"]}


def numbers_of(results: Any) -> set[str]:
    return {hit.number for hit in results.hits}


def test_query_syntax_reads_as_of() -> None:
    parsed = parse_query("塑胶跑道 as_of:2000-01-01")
    assert parsed.as_of == "2000-01-01" and parsed.words == ["塑胶跑道"]


def test_standards_in_force_that_day_only(compliance_home) -> None:
    then = search(compliance_home, SearchRequest(q="塑胶跑道 as_of:2000-01-01", per_page=50))
    assert numbers_of(then) == {"GB/T 14833-1993"}
    editions = {day: numbers_of(search(compliance_home, SearchRequest(q="GB/T 14833", as_of=day)))
                for day in ("2000-01-01", "2013-01-01", "2025-01-01")}
    assert editions == {"2000-01-01": {"GB/T 14833-1993"}, "2013-01-01": {"GB/T 14833-2011"},
                        "2025-01-01": {"GB/T 14833-2020"}}
    assert len(numbers_of(search(compliance_home, SearchRequest(q="GB/T 14833")))) == 3
    by_number = search(compliance_home, SearchRequest(q="GB 19272", as_of="2012-06-01"))
    assert numbers_of(by_number) == {"GB 19272-2011"}


def test_the_law_version_in_force_that_day(compliance_home, antitrust: dict[str, str]) -> None:
    then = search(compliance_home, SearchRequest(q="经营者集中 申报", kind="law", as_of="2015-01-01", per_page=50))
    now = search(compliance_home, SearchRequest(q="经营者集中 申报", kind="law", per_page=50))
    assert {hit.doc_id for hit in then.hits} == {antitrust["old"]}
    assert antitrust["new"] in {hit.doc_id for hit in now.hits}
    before_any = search(compliance_home, SearchRequest(q="经营者集中", kind="law", as_of="2001-01-01"))
    assert before_any.total == 0


def test_bad_as_of_is_a_usage_error(compliance_home) -> None:
    with pytest.raises(BadQuery, match="YYYY-MM-DD"):
        search(compliance_home, SearchRequest(q="跑道", as_of="2020-13-01"))
    client = create_app({"HOME": compliance_home, "TESTING": True}).test_client()
    assert client.get("/api/search?q=跑道&as_of=yesterday").status_code == 400
    body = client.get("/api/search?q=塑胶跑道&as_of=2000-01-01").get_json()
    assert {hit["number"] for hit in body["hits"]} == {"GB/T 14833-1993"}


def test_cli_as_of(compliance_home) -> None:
    result = CliRunner().invoke(main, ["--home", str(compliance_home.root), "search", "塑胶跑道", "--as-of", "2000-01-01", "--json"])
    assert result.exit_code == 0, result.output
    assert {hit["number"] for hit in json.loads(result.output)["hits"]} == {"GB/T 14833-1993"}


def test_search_page_keeps_the_day(compliance_home) -> None:
    client = create_app({"HOME": compliance_home, "TESTING": True}).test_client()
    html = client.get("/?q=塑胶跑道&as_of=2000-01-01").get_data(as_text=True)
    assert 'name="as_of" value="2000-01-01"' in html and "GB/T 14833-1993" in html
    assert "GB/T 14833-2020" not in html


def test_law_versions_link_both_ways(compliance_home, antitrust: dict[str, str]) -> None:
    client = create_app({"HOME": compliance_home, "TESTING": True}).test_client()
    old = client.get(f"/doc/{antitrust['old']}").get_data(as_text=True)
    assert "本版本已被修订 → 现行版本" in old and f'href="/doc/{antitrust["new"]}"' in old
    new = client.get(f"/doc/{antitrust['new']}").get_data(as_text=True)
    assert "本版本已被修订" not in new and f'href="/doc/{antitrust["old"]}"' in new


def test_statuses_implied_by_versions_and_dates(tmp_path) -> None:
    manifest = {
        "law-a-2001": {"title": "某某条例", "kind": "law", "status": "", "effective_date": "2001-05-01"},
        "law-a-2019": {"title": "某某条例", "kind": "law", "status": "现行", "effective_date": "2019-03-01"},
        "law-a-2020": {"title": "某某条例(2020年修订)", "kind": "law", "status": "", "publish_date": "2020-07-01"},
        "policy-b": {"title": "某某通知", "kind": "policy", "status": "", "publish_date": "2999-01-01"},
        "policy-c": {"title": "某某条例", "kind": "policy", "status": ""},
    }
    path = tmp_path / "register.sqlite3"
    check.Register.build(manifest, path)
    register = check.Register(sqlite3.connect(path))
    assert [register.status(d) for d in manifest] == ["被代替", "被代替", "现行", "即将实施", ""]
    assert register.versions("law-a-2019") == ["law-a-2001", "law-a-2019", "law-a-2020"]
    assert register.versions("policy-c") == ["policy-c"]
    assert register.in_force_on("2010-01-01") >= {"law-a-2001", "policy-c"}
    assert "law-a-2019" in register.in_force_on("2019-03-01") and "law-a-2019" not in register.in_force_on("2020-07-01")
    found = asof.versions(register, "law-a-2001", today="2021-01-01")
    assert [v.in_force for v in found] == [False, False, True] and found[0].this


# --- one status everywhere: the page's badge, the hits and the API say what check and lint say ---


def test_an_old_law_version_is_shown_replaced_everywhere(compliance_home, antitrust: dict[str, str]) -> None:
    client = create_app({"HOME": compliance_home, "TESTING": True}).test_client()
    page = client.get(f"/doc/{antitrust['old']}").get_data(as_text=True)
    header = page.split('<div class="doc-actions">')[0]
    assert '<span class="badge badge-replaced">被代替</span>' in header and "badge-repealed" not in header
    assert "来源标注:废止" in page
    body = client.get(f"/api/doc/{antitrust['old']}").get_json()
    assert (body["status"], body["status_source"]) == ("被代替", "废止")
    assert client.get(f"/api/doc/{antitrust['new']}").get_json()["status_source"] == ""
    hits = client.get("/api/search?q=经营者集中&kind=law&as_of=2015-01-01").get_json()["hits"]
    assert hits and {hit["status"] for hit in hits} == {"被代替"}


def test_a_standard_past_its_implementation_date_is_current_everywhere(dated_home) -> None:  # type: ignore[no-untyped-def]
    from conftest import NMPA_PASSED, NMPA_UPCOMING

    client = create_app({"HOME": dated_home, "TESTING": True}).test_client()
    passed = Store(dated_home).find(number=NMPA_PASSED)[0]
    body = client.get(f"/api/doc/{passed}").get_json()
    assert (body["effective_date"], body["status"], body["status_source"]) == ("2026-11-01", "现行", "即将实施")
    page = client.get(f"/doc/{passed}").get_data(as_text=True)
    assert '<span class="badge badge-current">现行</span>' in page and "本文件尚未实施" not in page
    hits = {hit["number"]: hit["status"] for hit in client.get("/api/search?q=GB&per_page=10").get_json()["hits"]}
    assert hits == {NMPA_PASSED: "现行", NMPA_UPCOMING: "即将实施"}
    checked = client.post("/api/check", json={"numbers": [NMPA_PASSED]}).get_json()["rows"][0]
    assert (checked["status"], checked["verdict"]) == ("现行", "current")
