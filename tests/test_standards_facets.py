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
#: Line ranges of the big catalogue: GB 46523-2025 (two ICS codes, seven CCS codes), 200 records
#: with DB3502 (厦门) among them, the GB/T 19001 editions and a group standard issued under two
#: numbers (T/CAV 002-2023 T/CAS 714-2023).
SLICES = ((147, 148), (2400, 2600), (12900, 13000), (51289, 51290))


def _slice(target: Path) -> Path:
    source = require_shared(CATALOGUES, "ldassistant-catalogue", "records.jsonl")
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    target.write_text("".join(line for start, end in SLICES for line in lines[start:end]), encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Home:
    folder = tmp_path_factory.mktemp("facets")
    older_code = folder / "older-codes.csv"  # a code whose clauses GB 55001-2021's note abolishes
    older_code.write_text("编号,名称,状态\nGB 50153-2008,工程结构可靠性设计统一标准,现行\n", encoding="utf-8")
    inputs = [
        older_code,
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


def test_every_ics_and_ccs_code_of_a_standard_filters_and_counts(home: Home) -> None:
    # GB 46523-2025: ICS 97.190,97.200.50; CCS Y14;Y39;Y46;Y50;Y57;Y81;Y88.
    for filters in ({"ics": "97.190"}, {"ics": "97.200"}, {"ics": "97.200.50"}, {"ccs": "Y14"}, {"ccs": "Y88"}):
        assert "GB 46523-2025" in _numbers(home, q="儿童用品", **filters), filters
    assert "GB 46523-2025" in _numbers(home, q="儿童用品 ics:97")
    assert "GB 46523-2025" not in _numbers(home, q="儿童用品", ics="97.220")
    results = search(home, SearchRequest(q="儿童用品通用安全要求", ics="97"))
    assert {"97.190", "97.200"} <= set(results.facets["ics_group"]) and "97.200.50" in results.facets["ics"]
    assert {"Y14", "Y88"} <= set(results.facets["ccs"])
    phrase = search(home, SearchRequest(q='"儿童用品通用安全要求"', ccs="Y39"))  # Whoosh's own collectors
    assert "GB 46523-2025" in [hit.number for hit in phrase.hits]
    assert {"97.190", "97.200"} <= set(phrase.facets["ics_group"]) and phrase.facets["ccs"]["Y88"] == 1


def test_ics_facet_is_labelled_and_rolled_up_on_the_page_cli_and_api(home: Home) -> None:
    client = create_app({"HOME": home, "TESTING": True}).test_client()
    body = client.get("/api/search", query_string={"q": "儿童用品通用安全要求", "ics": "97"}).get_json()
    assert body["facet_labels"]["ics_field"]["97"] == "家用和商用设备、文娱、体育"
    assert body["facet_labels"]["ics_group"]["97.200"]  # the ICS list's name of the group
    assert body["facet_labels"]["ccs"]["Y88"] == "轻工、文化与生活用品类"
    page = client.get("/", query_string={"q": "儿童用品通用安全要求", "ics": "97"}).get_data(as_text=True)
    tree = page[page.index('id="facet-ics_field"') :]
    tree = tree[: tree.index("</section>")]
    assert "97 家用和商用设备、文娱、体育" in tree and 'class="facet-children"' in tree
    assert tree.index('data-value="97"') < tree.index('data-value="97.190"')
    assert 'href="/?q=%E5%84%BF%E7%AB%A5%E7%94%A8%E5%93%81%E9%80%9A%E7%94%A8%E5%AE%89%E5%85%A8%E8%A6%81%E6%B1%82&amp;ics=97.200"' in tree
    result = CliRunner().invoke(main, ["--home", str(home.root), "search", "儿童用品通用安全要求", "--ics", "97", "--facets"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    field = lines.index("  97 家用和商用设备、文娱、体育 (1) *")
    assert any(line.startswith("    97.200 ") for line in lines[field + 1 :])


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


# --- editions, replacement chains, sources and abolished clauses on pages, hits and the API --


def test_editions_are_linked_in_order_with_the_current_one_marked(home: Home) -> None:
    client = create_app({"HOME": home, "TESTING": True}).test_client()
    page = client.get("/doc/gb-t-19001-2008").get_data(as_text=True)
    editions = page[page.index('class="editions"') :]
    editions = editions[: editions.index("</ol>")]
    assert editions.index("GB/T 19001-2000") < editions.index("GB/T 19001-2008") < editions.index("GB/T 19001-2016")
    assert 'class="current"><a href="/doc/gb-t-19001-2016"' in editions and "现行版本" in editions
    document = client.get("/api/doc/gb-t-19001-2008").get_json()
    assert document["extra"]["current_edition"] == "GB/T 19001-2016"


def test_a_replaced_edition_number_leads_to_the_current_one(home: Home) -> None:
    hit = search(home, SearchRequest(q="GB/T 19001-2008")).hits[0]
    assert hit.number == "GB/T 19001-2008" and hit.current_edition == "GB/T 19001-2016"
    current = search(home, SearchRequest(q="GB/T 19001-2016")).hits[0]
    assert current.current_edition == "" and "GB/T 19001-2008" not in current.replaced_by


def test_replacement_links_in_both_directions(home: Home) -> None:
    old = search(home, SearchRequest(q="GB/T 14833-2011")).hits[0]
    assert "GB/T 14833-2020" in old.replaced_by
    new = search(home, SearchRequest(q="GB/T 14833-2020")).hits[0]
    assert "GB/T 14833-2011" in new.replaces  # said only by the old record: read backwards
    client = create_app({"HOME": home, "TESTING": True}).test_client()
    hit = client.get("/api/search", query_string={"q": "GB/T 14833-2020"}).get_json()["hits"][0]
    assert "GB/T 14833-2011" in hit["replaces"]


def test_abolished_mandatory_clauses_link_to_the_code_that_abolished_them(home: Home) -> None:
    client = create_app({"HOME": home, "TESTING": True}).test_client()
    page = client.get("/doc/gb-50118-2010").get_data(as_text=True)
    assert "已废止的强制性条文" in page and "4.2.5" in page and 'href="/doc/gb-55038-2025"' in page


def test_the_older_code_page_shows_the_note_written_on_the_newer_code(home: Home) -> None:
    client = create_app({"HOME": home, "TESTING": True}).test_client()
    page = client.get("/doc/gb-50153-2008").get_data(as_text=True)
    panel = page[page.index('class="abolished-clauses"') :]
    assert "废止 GB 50153-2008 等 8 项标准相关强条" in panel and 'href="/doc/gb-55001-2021"' in panel
    newer = client.get("/doc/gb-55001-2021").get_data(as_text=True)
    assert 'class="abolishes"' in newer and 'href="/doc/gb-50153-2008"' in newer


def test_hits_of_a_code_with_abolished_clauses_say_so_with_a_link(home: Home) -> None:
    client = create_app({"HOME": home, "TESTING": True}).test_client()
    page = client.get("/", query_string={"q": "民用建筑隔声设计规范"}).get_data(as_text=True)
    group = page[page.index('data-doc-id="gb-50118-2010"') :]
    group = group[: group.index("</article>")]
    assert 'class="abolished-note"' in group and "4.2.1、4.2.2、4.2.5" in group and 'href="/doc/gb-55038-2025"' in group
    older = client.get("/", query_string={"q": "工程结构可靠性设计统一标准"}).get_data(as_text=True)
    group = older[older.index('data-doc-id="gb-50153-2008"') :]
    group = group[: group.index("</article>")]
    assert 'class="abolished-note"' in group and 'href="/doc/gb-55001-2021"' in group


def test_a_page_lists_every_source_and_flags_data_problems(home: Home) -> None:
    client = create_app({"HOME": home, "TESTING": True}).test_client()
    page = client.get("/doc/gb-t-19001-2016").get_data(as_text=True)
    assert "来源（" in page and "records.jsonl" in page


def test_a_committee_code_is_not_shown_as_a_standard(home: Home) -> None:
    results = search(home, SearchRequest(q="", per_page=100, kind="standard"))
    assert all(not r.startswith("TC") for hit in results.hits for r in hit.replaced_by)


def test_a_standard_issued_under_two_numbers_is_found_by_either(home: Home) -> None:
    for typed in ("T/CAV 002-2023", "T/CAS 714-2023", "TCAS714-2023"):
        hit = search(home, SearchRequest(q=typed)).hits[0]
        assert hit.number == "T/CAV 002-2023" and hit.doc_id == "t-cav-002-2023", typed


def test_the_api_says_when_a_number_is_not_in_the_corpus(home: Home) -> None:
    client = create_app({"HOME": home, "TESTING": True}).test_client()
    body = client.get("/api/search", query_string={"q": "GB/T 99999-2019"}).get_json()
    assert body["total"] == 0 and body["notice"] == "GB/T 99999-2019 不在语料库中"
    result = CliRunner().invoke(main, ["--home", str(home.root), "search", "GB/T 99999-2019"])
    assert result.exit_code == 1 and "GB/T 99999-2019 不在语料库中" in result.output
    assert "notice" not in client.get("/api/search", query_string={"q": "GB/T 19001-2016"}).get_json()


# --- the same facets and filters on the OpenSearch engine -------------------------------------

STANDARDS_FILTERS = (
    {"kind": "standard"}, {"ics": "97"}, {"ics": "97.200"}, {"ics": "03.120.10"}, {"ccs": "Y88"}, {"industry": "体育"},
    {"mandatory": "强制性"}, {"region": "厦门"}, {"region": "福建", "mandatory": "推荐性"},
)


def test_opensearch_filters_and_counts_the_standards_facets_like_whoosh(home: Home, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from conftest import OPENSEARCH_URL_ENV, on_engine

    if not os.environ.get(OPENSEARCH_URL_ENV):
        if os.environ.get("CI") == "true":
            pytest.fail(f"${OPENSEARCH_URL_ENV} is not set: .ci/run starts the cluster before the tests")
        pytest.skip(f"no OpenSearch cluster: ${OPENSEARCH_URL_ENV} is unset")
    on_engine(home, "opensearch")
    answers = {}
    for engine in ("whoosh", "opensearch"):
        monkeypatch.setenv("STDSEARCH_ENGINE", engine)
        answers[engine] = [
            search(home, SearchRequest(q="", semantic="off", per_page=20, **filters)) for filters in STANDARDS_FILTERS
        ]
    for filters, whoosh, cluster in zip(STANDARDS_FILTERS, answers["whoosh"], answers["opensearch"], strict=True):
        assert whoosh.total, filters
        assert cluster.total == whoosh.total, filters
        assert cluster.facets == whoosh.facets, filters
