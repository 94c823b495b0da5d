"""Standard numbers: every written form parses to one canonical number; non-numbers stay text."""

from __future__ import annotations

import pytest

from stdsearch.identity import document_id
from stdsearch.numbers import (
    StandardNumber,
    expand_compact,
    find_numbers,
    joint_numbers,
    key_of,
    level_of,
    number_keys,
    parse_number,
    query_keys,
    suggest,
)

WRITTEN_FORMS = [
    ("GB/T19001-2016", "GB/T 19001-2016"),
    ("gb/t 19001—2016", "GB/T 19001-2016"),
    ("GBT 19001-2016", "GB/T 19001-2016"),
    ("GB T 19001-2016", "GB/T 19001-2016"),
    ("jgj t 59-2011", "JGJ/T 59-2011"),
    ("gbt19001-2016", "GB/T 19001-2016"),
    ("ＧＢ／Ｔ　１９００１－２０１６", "GB/T 19001-2016"),
    ("GB / T 19001 – 2016", "GB/T 19001-2016"),
    ("GB/T 19001―2016", "GB/T 19001-2016"),
    ("GB/T 19001~2016", "GB/T 19001-2016"),
    ("GB/T 19001:2016", "GB/T 19001-2016"),
    ("GB/T 19001", "GB/T 19001"),
    ("GB 2760—2014", "GB 2760-2014"),
    ("GB 50016-2014", "GB 50016-2014"),
    ("GB/Z 20000-2009", "GB/Z 20000-2009"),
    ("GBZ 2.1-2019", "GBZ 2.1-2019"),
    ("GBZ/T 205-2007", "GBZ/T 205-2007"),
    ("GB 8923-88", "GB 8923-1988"),
    ("GB 17945-00", "GB 17945-2000"),
    ("DB35/T 1234-2021", "DB35/T 1234-2021"),
    ("DB3502/T 045—2022", "DB3502/T 045-2022"),
    ("DB3502T 045-2022", "DB3502/T 045-2022"),
    ("DB35 T 1234-2021", "DB35/T 1234-2021"),
    ("db35 1234-2021", "DB35 1234-2021"),
    ("T/CAS 123-2020", "T/CAS 123-2020"),
    ("T/CECS 10001-2019", "T/CECS 10001-2019"),
    ("HG/T 20592~20635-2009", "HG/T 20592~20635-2009"),
    ("GB 50254～50259-96", "GB 50254~50259-1996"),
    ("JGJ 130-2011", "JGJ 130-2011"),
    ("JGJ/T 59-2011", "JGJ/T 59-2011"),
    ("DL/T 5168-2016", "DL/T 5168-2016"),
    ("YY/T 0287-2017", "YY/T 0287-2017"),
    ("HJ/T 24-2014", "HJ/T 24-2014"),
    ("XYZ/T 12-2020", "XYZ/T 12-2020"),
    ("CECS 21:2000", "CECS 21:2000"),
    ("CECS 24-2020", "CECS 24:2020"),
    ("Q/CSG 510001-2015", "Q/CSG 510001-2015"),
    ("Q/CSG 2 16 004-2019", "Q/CSG 2 16 004-2019"),
    ("CNS 12681", "CNS 12681"),
    ("CNS 15030-1", "CNS 15030-1"),
    ("ISO 9001:2015", "ISO 9001:2015"),
    ("iso 9001-2015", "ISO 9001:2015"),
    ("ISO/IEC 27001:2022", "ISO/IEC 27001:2022"),
    ("IEC 60335-2-40:2022", "IEC 60335-2-40:2022"),
    ("GB/T 1.1—2020", "GB/T 1.1-2020"),
    ("GB 1499.2-2018", "GB 1499.2-2018"),
    ("JJG 1036-2008", "JJG 1036-2008"),
    ("JJF 1059.1-2012", "JJF 1059.1-2012"),
    ("DBJ/T 13-118-2014", "DBJ/T 13-118-2014"),
]

NOT_NUMBERS = [
    "2023-05-01",
    "2016年",
    "0592-1234567",
    "12345",
    "19001",
    "第十二条",
    "厦委发〔2023〕5号",
    "国发[2021]3号",
    "98.5%",
    "5G",
    "BIM",
    "ISBN 978-7-111-12345-6",
    "9-787-5214-1575-9",
    "T/CSMT",
    "Abc 123-20",
    "住建部令第 37 号",
    "GB",
    "GB 5768.2-1",
    "GB/T 19001-2016 质量管理体系",
    "",
]


@pytest.mark.parametrize(("written", "canonical"), WRITTEN_FORMS)
def test_every_written_form_parses_to_the_canonical_number(written: str, canonical: str) -> None:
    number = parse_number(written)
    assert number is not None, written
    assert number.canonical == canonical


@pytest.mark.parametrize("text", NOT_NUMBERS)
def test_what_is_not_a_standard_number_is_not_parsed(text: str) -> None:
    assert parse_number(text) is None


def test_parts_of_a_number() -> None:
    assert parse_number("GB/T 1.1—2020") == StandardNumber("GB/T", "1.1", "2020")
    assert parse_number("GB/T 19001").without_year == "GB/T 19001"
    assert parse_number("GB/T 19001-2016").without_year == "GB/T 19001"


def test_slug_is_the_standard_doc_id() -> None:
    number = parse_number("gb/t 19001—2016")
    assert number.slug == "gb-t-19001-2016"
    assert number.slug == document_id("standard", "质量管理体系 要求", number=number.canonical)
    assert parse_number("CECS 21:2000").slug == "cecs-21-2000"


@pytest.mark.parametrize(
    ("written", "level"),
    [
        ("GB/T 19001", "国家标准"),
        ("GBZ 2.1", "国家标准"),
        ("HG/T 20592", "行业标准"),
        ("DB35/T 1234", "地方标准"),
        ("T/CAS 123", "团体标准"),
        ("CECS 21:2000", "团体标准"),
        ("Q/CSG 510001", "企业标准"),
        ("ISO 9001", "国际标准"),
        ("CNS 12681", "台湾地区标准"),
        ("JJG 1036-2008", "国家计量技术规范"),
        ("DBJ/T 13-118-2014", "地方标准"),
    ],
)
def test_level_follows_the_prefix(written: str, level: str) -> None:
    assert level_of(parse_number(written)) == level


def test_numbers_are_found_in_running_text() -> None:
    text = "本文件按照GB/T 1.1—2020《标准化工作导则》起草。按照GB 50016-2014第5.1.2条执行。"
    found = find_numbers(text)
    assert [n.canonical for _, _, n in found] == ["GB/T 1.1-2020", "GB 50016-2014"]
    start, end, _ = found[1]
    assert text[start:end] == "GB 50016-2014"


def test_full_width_spans_point_into_the_original_text() -> None:
    text = "执行ＧＢ／Ｔ　１９００１－２０１６的要求"
    [(start, end, number)] = find_numbers(text)
    assert text[start:end] == "ＧＢ／Ｔ　１９００１－２０１６"
    assert number.canonical == "GB/T 19001-2016"


def test_adopted_international_numbers_are_both_found() -> None:
    found = find_numbers("GB/T 19001-2016/ISO 9001:2015 质量管理体系")
    assert [n.canonical for _, _, n in found] == ["GB/T 19001-2016", "ISO 9001:2015"]


@pytest.mark.parametrize(
    "text",
    [
        "联系电话0592-1234567，自2023-05-01起施行",
        "依据第十二条和厦委发〔2023〕5号、国发[2021]3号",
        "合格率98.5%，推广5G和BIM，ISBN 978-7-111-12345-6",
        "航班MH370与股票SH600000",
        "16GB 内存",
    ],
)
def test_running_text_without_numbers_yields_none(text: str) -> None:
    assert find_numbers(text) == []


def test_number_keys_cover_year_no_year_and_bare_forms() -> None:
    assert number_keys(parse_number("GB/T 19001-2016")) == ["gb/t19001-2016", "gb/t19001", "19001"]


def test_number_keys_keep_prefixes_and_parts_apart() -> None:
    gbt = set(number_keys(parse_number("GB/T 19001-2016")))
    gb = set(number_keys(parse_number("GB 19001-2016")))
    assert gbt & gb == {"19001"}
    part = number_keys(parse_number("GB/T 1.1-2020"))
    assert "gb/t1" not in part and "gb/t1.1" in part


def test_a_range_is_found_by_each_member() -> None:
    keys = number_keys(parse_number("HG/T 20592~20635-2009"))
    assert "hg/t20615" in keys and "hg/t20615-2009" in keys and "hg/t20636" not in keys


@pytest.mark.parametrize(
    ("query", "keys"),
    [
        ("GB/T 19001-2016", ["gb/t19001-2016"]),
        ("gbt19001", ["gb/t19001"]),
        ("ＧＢ／Ｔ　１９００１", ["gb/t19001"]),
        ("19001", ["19001"]),
        ("1499.2", ["1499.2"]),
        ("12", []),
        ("质量管理体系", []),
        ("GB 50016 防火间距", ["gb50016"]),
    ],
)
def test_query_keys(query: str, keys: list[str]) -> None:
    assert query_keys(query) == keys


@pytest.mark.parametrize("written", [w for w, _ in WRITTEN_FORMS])
def test_every_written_form_finds_the_indexed_standard(written: str) -> None:
    indexed = set(number_keys(parse_number(written)))
    assert set(query_keys(written)) <= indexed


KNOWN = ["GB/T 19001-2016", "GB/T 19004-2011", "GB 50016-2014", "GB/T 24001-2016"]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("GB/T 19010-2016", "GB/T 19001-2016"),
        ("GB 19001", "GB/T 19001"),
        ("GB/T 50016", "GB 50016"),
        ("GB 50061-2014", "GB 50016-2014"),
    ],
)
def test_suggest_a_number_typed_almost_right(typed: str, expected: str) -> None:
    assert suggest(typed, KNOWN)[0] == expected


def test_no_suggestion_for_exact_or_unrelated_input() -> None:
    assert suggest("GB/T 19001-2016", ["GB/T 19001-2016"]) == []
    assert suggest("质量", KNOWN) == []
    assert suggest("GB 8978-1996", KNOWN) == []


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("db35t1234", "DB35/T 1234"),
        ("DB3502T087-2022", "DB3502/T 087-2022"),
        ("TCAS1111", "T/CAS 1111"),
        ("QCSG510001", "Q/CSG 510001"),
        ("DG/TJ08-9-2023", "DG/TJ08-9-2023"),
        ("DG/TJ 08-9-2023", "DG/TJ08-9-2023"),
        ("DGJ08-20-2019", "DGJ08-20-2019"),
    ],
)
def test_compact_and_shanghai_forms(typed: str, canonical: str) -> None:
    number = parse_number(typed)
    assert number is not None and number.canonical == canonical
    assert query_keys(typed) == [key_of(number)]


CATALOGUE_FORMS = [
    ("JJG (电子) 02001-1988", "JJG(电子) 02001-1988", "部门计量技术规范"),
    ("JJF(浙)1104-2014", "JJF(浙) 1104-2014", "地方计量技术规范"),
    ("JJF（CR）032-2020", "JJF(CR) 032-2020", "部门计量技术规范"),
    ("GB/T 19001-2008/XG1-2011", "GB/T 19001-2008/XG1-2011", "国家标准"),
    ("YY 9706.241-2020/XG1-2022", "YY 9706.241-2020/XG1-2022", "行业标准"),
    ("GB/T 24359-2009E", "GB/T 24359-2009E", "国家标准"),
    ("农业部1193号公告-1-2009", "农业部1193号公告-1-2009", "行业标准"),
    ("农业农村部公告第111号-8-2018", "农业农村部公告第111号-8-2018", "行业标准"),
    ("YBB00122004-2015", "YBB 00122004-2015", "行业标准"),
    ("ZB B 04005-1986", "ZB B 04005-1986", "行业标准"),
    ("DG5306/T 18-2014", "DG5306/T 18-2014", "地方标准"),
    ("DBS15/ 003-2012", "DBS15/ 003-2012", "地方标准"),
    ("DB4117T 329-2021", "DB4117/T 329-2021", "地方标准"),
    ("Q/CSG 1203004-2015", "Q/CSG 1203004-2015", "企业标准"),
    ("T/CNFMA B028-2023", "T/CNFMA B028-2023", "团体标准"),
    ("T/IAC CAMRA 20.1-2018", "T/IAC CAMRA 20.1-2018", "团体标准"),
    ("T/HNJK  01-2022", "T/HNJK 01-2022", "团体标准"),
    ("NJ 106-1986", "NJ 106-1986", "行业标准"),
    ("CNCA 10C-20047-2001", "CNCA 10C-20047-2001", "行业标准"),
    ("ybb 0026-2004", "YBB 0026-2004", "行业标准"),
    ("DG5325T62-2015", "DG5325/T 62-2015", "地方标准"),
    ("SFT0098-2021", "SF/T 0098-2021", "行业标准"),
]


@pytest.mark.parametrize(("written", "canonical", "level"), CATALOGUE_FORMS)
def test_catalogue_forms_parse_with_their_level(written: str, canonical: str, level: str) -> None:
    number = parse_number(written)
    assert number is not None and number.canonical == canonical and level_of(number) == level
    assert query_keys(written) == [key_of(number)] and key_of(number) in number_keys(number)


def test_a_variant_is_its_own_document_not_an_edition() -> None:
    amendment, standard = parse_number("GB/T 19001-2008/XG1-2011"), parse_number("GB/T 19001-2008")
    assert amendment is not None and standard is not None
    assert amendment.slug == "gb-t-19001-2008-xg1-2011" and amendment.without_year != standard.without_year
    assert not set(number_keys(amendment)) & set(number_keys(standard))


def test_a_chinese_prefix_does_not_share_the_doc_id_of_the_national_number() -> None:
    local, national = parse_number("JJF(浙)1104-2014"), parse_number("JJF 1104-2014")
    assert local is not None and national is not None
    assert national.slug == "jjf-1104-2014" and local.slug.startswith("jjf-1104-2014-") and local.slug != national.slug


def test_a_standard_issued_under_several_numbers_lists_them_all() -> None:
    assert [n.canonical for n in joint_numbers("T/CAV 002-2023 T/CAS 714-2023")] == ["T/CAV 002-2023", "T/CAS 714-2023"]
    assert len(joint_numbers("DB50/T 10008-2024 DB51/T 10008-2024")) == 2
    assert joint_numbers("GB/T 19001-2016") == [] and joint_numbers("GB/T 19001-2016 质量管理体系 GB 2760") == []


def test_an_unlisted_code_says_nothing_about_mandatory_force() -> None:
    from stdsearch.standards.sheets import mandatory_from_number

    assert mandatory_from_number("NJ 106-1986") == "" and mandatory_from_number("农业部1193号公告-1-2009") == ""
    assert mandatory_from_number("GB 6675.1-2014") == "强制性" and mandatory_from_number("HG/T 20592-2009") == "推荐性"


def test_an_ambiguous_compact_local_code_is_not_guessed() -> None:
    assert expand_compact("DB351234") == ""


def test_a_group_code_does_not_swallow_the_digits_of_its_number() -> None:
    assert parse_number("T/CAS111-2020") == StandardNumber("T/CAS", "111", "2020")
