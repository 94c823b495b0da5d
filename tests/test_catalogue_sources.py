"""Catalogues as they come: every real catalogue's own field names, dates and status words;
unreadable columns explained and mappable; reference data kept apart; replacement statements;
one document per standard across sources, with disagreements and data problems flagged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import require_shared
from stdsearch import pipeline
from stdsearch.cli import main
from stdsearch.errors import NotADocument, ParseError
from stdsearch.numbers import parse_number
from stdsearch.parse.catalogue import column_mapping, normalise_date, parse_catalogue
from stdsearch.settings import Home
from stdsearch.standards import reference, regions
from stdsearch.standards.replacement import parse_field, parse_statement
from stdsearch.store import Store

CATALOGUES = ("standards-catalogues",)


def _parse(*parts: str) -> dict[str, object]:
    path = require_shared(*CATALOGUES, *parts)
    return {d.number or d.title: d for d in parse_catalogue(path.read_bytes(), str(path))}


def _ldassistant_slice(tmp_path: Path, lines: int = 3000) -> Path:
    source = require_shared(*CATALOGUES, "ldassistant-catalogue", "records.jsonl")
    target = tmp_path / "records.jsonl"
    with open(source, encoding="utf-8") as handle:
        target.write_text("".join(next(handle) for _ in range(lines)), encoding="utf-8")
    return target


@pytest.mark.parametrize(
    ("parts", "number", "title", "status"),
    [
        (("sports-standards", "standards.json"), "GB 36246-2018", "中小学合成材料面层运动场地", "现行"),
        (("arch-standards-index", "standards.csv"), "GB 55031-2022", "民用建筑通用规范", "现行"),
        (("docmcp-nmpa-medical-device", "standards.json"), "GB 9706.1-2020", None, "现行"),
    ],
)
def test_each_real_catalogue_loads_with_its_own_field_names(parts, number, title, status) -> None:
    documents = _parse(*parts)
    document = documents[number]
    assert document.kind == "standard" and document.status == status
    assert title is None or document.title == title


def test_the_shanghai_tsv_loads_with_its_mixed_dates() -> None:
    documents = _parse("arch-standards-index", "sh_local.tsv")
    assert len(documents) == 60
    assert all(d.effective_date.count("-") == 2 for d in documents.values() if d.effective_date)


def test_the_big_catalogue_keeps_the_source_status_word(tmp_path: Path) -> None:
    path = _ldassistant_slice(tmp_path)
    documents = parse_catalogue(path.read_bytes(), str(path))
    withdrawn = [d for d in documents if d.extra.get("catalogue_status") == "作废"]
    assert withdrawn and all(d.status == "废止" for d in withdrawn)
    beijing = next(d for d in documents if d.number == "DB11/T 3047-2025")
    assert beijing.replaces == ["DB11/T 2025-2022"] and beijing.region == "北京"
    assert beijing.ics == ["03.080"] and beijing.ccs == ["A10"]


@pytest.mark.parametrize(
    ("raw", "date"),
    [("2019-5-1", "2019-05-01"), ("2019.05.01", "2019-05-01"), ("20190501", "2019-05-01"),
     ("2019/5/1", "2019-05-01"), ("2019年5月1日", "2019-05-01"), ("2026-08-18 21:01:43", "2026-08-18")],
)  # fmt: skip
def test_dates_in_every_form(raw: str, date: str) -> None:
    assert normalise_date(raw) == date


def _one(record: dict[str, object]) -> object:
    [document] = parse_catalogue(json.dumps([record], ensure_ascii=False).encode(), "c.json")
    return document


@pytest.mark.parametrize(
    ("word", "status"),
    [("作废", "废止"), ("已作废", "废止"), ("有更新版", "被代替"), ("确认有效", "现行"), ("active", "现行"),
     ("upcoming", "即将实施"), ("被代替", "被代替")],
)  # fmt: skip
def test_status_words_are_normalised_and_the_source_word_kept(word: str, status: str) -> None:
    document = _one({"标准编号": "GB/T 1-2000", "标准名称": "x", "标准状态": word})
    assert document.status == status
    assert document.extra.get("catalogue_status", status) == word


def test_a_catalogue_with_field_names_never_seen_before() -> None:
    record = {"std_num": "HG/T 2521-2022", "name_cn": "工业硅溶胶", "publishDate": "2022.04.20",
              "implementationDate": "20221001", "state": "current", "ICS号": "71.060", "isMandatory": False}  # fmt: skip
    document = _one(record)
    assert (document.number, document.title, document.status) == ("HG/T 2521-2022", "工业硅溶胶", "现行")
    assert (document.publish_date, document.effective_date) == ("2022-04-20", "2022-10-01")
    assert document.ics == ["71.060"] and document.mandatory == "推荐性"


def test_unrecognised_columns_fail_with_the_columns_and_how_to_map_them() -> None:
    data = "甲,乙\nGB 1-2000,某标准\n".encode()
    with pytest.raises(ParseError) as caught:
        parse_catalogue(data, "odd.csv")
    assert "columns found: 甲, 乙" in str(caught.value) and "--map number=甲,title=乙" in str(caught.value)
    with column_mapping({"number": "甲", "title": "乙"}):
        [document] = parse_catalogue(data, "odd.csv")
    assert (document.number, document.title) == ("GB 1-2000", "某标准")


def test_the_cli_map_option_loads_it_and_a_failure_loads_nothing(tmp_path: Path) -> None:
    catalogue = tmp_path / "odd.csv"
    catalogue.write_text("甲,乙\nGB 1-2000,某标准\nGB 2-2001,另一标准\n", encoding="utf-8")
    home = tmp_path / "home"
    runner = CliRunner()
    failed = runner.invoke(main, ["--home", str(home), "ingest", "--no-embed", str(catalogue)])
    assert failed.exit_code != 0 and "columns found: 甲, 乙" in failed.output
    assert Store(Home.resolve(home)).ids() == []
    mapping = tmp_path / "map.txt"
    mapping.write_text("number=甲\ntitle=乙\n", encoding="utf-8")
    for options in (["--map", "number=甲,title=乙"], ["--map-file", str(mapping)]):
        done = runner.invoke(main, ["--home", str(home), "ingest", "--no-embed", *options, str(catalogue)])
        assert done.exit_code == 0, done.output
    assert Store(Home.resolve(home)).ids() == ["gb-1-2000", "gb-2-2001"]


def test_reference_data_and_catalogue_metadata_are_not_documents() -> None:
    ics = require_shared(*CATALOGUES, "iso-ics-codes", "ics_ed7.jsonl")
    with pytest.raises(reference.ReferenceData) as caught:
        parse_catalogue(ics.read_bytes(), str(ics))
    assert caught.value.data["03.120.10"] == "Quality management and quality assurance"
    prefixes = require_shared(*CATALOGUES, "gb-prefix-agencies", "prefixes.json")
    with pytest.raises(reference.ReferenceData) as caught:
        parse_catalogue(prefixes.read_bytes(), str(prefixes))
    assert caught.value.data["industries"]["HG"]["industry"] == "化工"
    stats = require_shared(*CATALOGUES, "ldassistant-catalogue", "stats.json")
    with pytest.raises(NotADocument, match="not a standards catalogue"):
        parse_catalogue(stats.read_bytes(), str(stats))


@pytest.mark.parametrize(
    ("text", "replaces", "replaced_by", "partial"),
    [
        ("代替GB/T 19001-2008", ["GB/T 19001-2008"], [], []),
        ("被GB/T 19001-2016代替", [], ["GB/T 19001-2016"], []),
        ("代替GB 4404.1-2008,GB 4404.3-2010", ["GB 4404.1-2008", "GB 4404.3-2010"], [], []),
        ("代替GB/T 1575-1987被GB/T 1575-2018代替", ["GB/T 1575-1987"], ["GB/T 1575-2018"], []),
        ("代替GB 12837-1991被GB 1796.5-2009部分代替", ["GB 12837-1991"], ["GB 1796.5-2009"], ["GB 1796.5-2009"]),
        ("代替GB 4806.11-2016(部分)", ["GB 4806.11-2016"], [], ["GB 4806.11-2016"]),
        ("部分代替：GBZ/T160.48-2004", ["GBZ/T 160.48-2004"], [], ["GBZ/T 160.48-2004"]),
        ("代替YY 0300—2009", ["YY 0300-2009"], [], []),
        ("标准类别：计量检定规程", [], [], []),
    ],
)
def test_replacement_statements(text, replaces, replaced_by, partial) -> None:
    result = parse_statement(text, parse_number("GB 99999-2020"))
    assert (result.replaces, result.replaced_by, result.partial) == (replaces, replaced_by, partial)


def test_a_bare_list_is_read_by_year_and_the_own_number_left_out() -> None:
    own = parse_number("GB/T 14824-2008")
    result = parse_statement("GB/T14824-1993被GB/T 14824-2021代替", own)
    assert result.replaced_by == ["GB/T 14824-2021"]
    result = parse_statement("GB/T 4109-2008", parse_number("GB/T 4109-2022"))
    assert result.replaces == ["GB/T 4109-2008"]


def test_a_committee_code_is_not_a_standard() -> None:
    result = parse_field("TC291", "replaced_by")
    assert result.replaced_by == [] and result.not_standards == ["TC291"]


def test_city_level_local_codes() -> None:
    assert regions.region_path(parse_number("DB3502/T 001-2020")) == ["福建", "厦门"]
    assert regions.region_path(parse_number("DB1310/T 255-2021")) == ["河北", "廊坊"]
    assert regions.region_path(parse_number("DB35/T 1234-2020")) == ["福建"]
    assert regions.normalise_region("厦门市") == "厦门"


def _catalogue(tmp_path: Path, name: str, records: list[dict[str, object]], updated: str) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"updated": updated, "standards": records}, ensure_ascii=False), encoding="utf-8")
    return path


def test_one_standard_from_several_catalogues_is_one_document(tmp_path: Path) -> None:
    older = _catalogue(tmp_path, "older.json", [
        {"code": "GB/T 14833-2011", "title": "合成材料跑道面层", "status": "现行", "issuedBy": "旧部门",
         "issueDate": "2011-12-30", "replacedBy": "TC291"}], "2020-01-01")  # fmt: skip
    newer = _catalogue(tmp_path, "newer.json", [
        {"标准编号": "GB/T 14833-2011", "标准名称": "合成材料跑道面层", "标准状态": "作废",
         "发布日期": "1900-01-01", "替代情况": "被GB/T 14833-2020代替"}], "2026-08-01")  # fmt: skip
    home = Home.resolve(tmp_path / "home")
    report = pipeline.ingest(home, [older, newer])
    assert report.failed == 0, report.failures
    store = Store(home)
    assert store.ids() == ["gb-t-14833-2011"]
    document = store.get("gb-t-14833-2011")
    assert document.status == "废止" and document.issuer == "旧部门"
    assert document.replaced_by == ["GB/T 14833-2020"] and document.extra["not_standards"] == ["TC291"]
    assert document.publish_date == "2011-12-30"
    listed = [s["source"] for s in document.extra["sources"]]
    assert len(listed) == 2 and listed[0].endswith("newer.json") and listed[1].endswith("older.json")
    problems = " ".join(document.extra["problems"])
    assert "来源对状态说法不一" in problems and "1900-01-01" in problems
    # Re-ingesting the older catalogue without the standard leaves the newer one's document.
    older.write_text(json.dumps({"updated": "2020-01-01", "standards": [
        {"code": "GB 1-2000", "title": "其他"}]}, ensure_ascii=False), encoding="utf-8")  # fmt: skip
    pipeline.ingest(home, [older])
    document = Store(home).get("gb-t-14833-2011")
    assert document.issuer == "" and len(document.extra["sources"]) == 1


def test_data_problems_are_flagged_not_shown_as_facts() -> None:
    late = _one({"标准编号": "GB/T 1-2010", "标准名称": "x", "发布日期": "2011-05-01", "实施日期": "2010-12-01"})
    assert late.publish_date == "" and late.effective_date == "2010-12-01"
    assert "晚于实施日期" in late.extra["problems"][0]
    first_issue = _one({"标准编号": "GB/T 2260-2007", "标准名称": "x", "发布日期": "1980-12-10"})
    assert first_issue.publish_date == "" and "编号年份 2007" in first_issue.extra["problems"][0]
