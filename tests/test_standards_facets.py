"""Facets and filters an engineer uses on real catalogues: region down to the city, ICS rolled up,
CCS, industry from the prefix, 强制性, issuer and year — combinable in the library, CLI and API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import require_shared
from stdsearch import pipeline
from stdsearch.cli import main
from stdsearch.search import SearchRequest, search
from stdsearch.settings import Home
from stdsearch.web import create_app

CATALOGUES = "standards-catalogues"
#: Line ranges of the big catalogue: 200 records with DB3502 (厦门) among them, and the
#: GB/T 19001 editions.
SLICES = ((2400, 2600), (12900, 13000))


def _slice(target: Path) -> Path:
    source = require_shared(CATALOGUES, "ldassistant-catalogue", "records.jsonl")
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    target.write_text("".join(line for start, end in SLICES for line in lines[start:end]), encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Home:
    folder = tmp_path_factory.mktemp("facets")
    inputs = [
        _slice(folder / "records.jsonl"),
        require_shared(CATALOGUES, "sports-standards", "standards.json"),
        require_shared(CATALOGUES, "arch-standards-index", "standards.csv"),
        require_shared(CATALOGUES, "gb-prefix-agencies", "prefixes.json"),
        require_shared(CATALOGUES, "iso-ics-codes", "ics_ed7.jsonl"),
    ]
    home = Home.resolve(folder / "home")
    report = pipeline.ingest(home, inputs)
    assert report.failed == 0, report.failures
    assert len(report.skipped) == 2
    return home


def _numbers(home: Home, **options: str) -> list[str]:
    results = search(home, SearchRequest(per_page=100, **{"q": "", **options}))
    return [hit.number for hit in results.hits]


def test_region_finds_a_city_and_its_province(home: Home) -> None:
    assert "DB3502/T 087-2022" in _numbers(home, q="海绵城市", region="厦门")
    assert "DB3502/T 087-2022" in _numbers(home, q="海绵城市 region:厦门市")
    assert "DB3502/T 087-2022" in _numbers(home, q="海绵城市", region="福建")
    assert "DB3502/T 087-2022" not in _numbers(home, q="海绵城市", region="北京")


def test_ics_rolls_up_field_group_subgroup(home: Home) -> None:
    for code in ("03", "03.120", "03.120.10"):
        assert "GB/T 19001-2016" in _numbers(home, q="质量管理体系", ics=code), code
    results = search(home, SearchRequest(q="质量管理体系"))
    assert results.facets["ics_field"].get("03") and results.facets["ics_group"].get("03.120")


def test_industry_from_the_prefix_table(home: Home) -> None:
    sports = search(home, SearchRequest(q="", industry="体育", per_page=50))
    assert sports.total and all(hit.number.startswith("TY") for hit in sports.hits)


def test_mandatory_combines_with_year_and_level(home: Home) -> None:
    numbers = _numbers(home, q="通用规范", mandatory="强制性", year="", level="国家标准")
    assert "GB 55031-2022" in numbers and not any("/T" in n for n in numbers)
    recommended = _numbers(home, q="质量管理体系", mandatory="推荐", ccs="A00")
    assert "GB/T 19001-2016" in recommended


def test_cli_and_api_take_the_same_filters(home: Home) -> None:
    result = CliRunner().invoke(
        main, ["--home", str(home.root), "search", "质量管理体系", "--ics", "03.120", "--mandatory", "推荐性", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert "GB/T 19001-2016" in [hit["number"] for hit in json.loads(result.output)["hits"]]
    client = create_app({"HOME": home, "TESTING": True}).test_client()
    response = client.get("/api/search", query_string={"q": "海绵城市", "region": "厦门"})
    assert response.status_code == 200
    body = response.get_json()
    assert [hit["number"] for hit in body["hits"]][:1] == ["DB3502/T 087-2022"]
    assert body["facets"]["city"] == {"厦门": body["total"]}
