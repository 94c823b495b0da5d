"""Catalogues of standards metadata: the real export loads as it is; aliases, statuses, dates."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from conftest import require_shared
from stdsearch.errors import ParseError
from stdsearch.parse.catalogue import (
    attach_fulltext,
    looks_like_catalogue,
    normalise_date,
    normalise_status,
    parse_catalogue,
)
from stdsearch.parse.standard_md import parse_standard_folder

REAL = ("standards", "smart-construction-ai_standards_database.json")


@pytest.fixture(scope="module")
def real_documents():
    path = require_shared(*REAL)
    return parse_catalogue(path.read_bytes(), str(path))


def test_the_real_catalogue_loads_every_record(real_documents) -> None:
    assert len(real_documents) == 84
    kinds = Counter(d.kind for d in real_documents)
    assert kinds == {"standard": 73, "law": 8, "policy": 3}


def test_standards_are_identified_by_their_normalised_number(real_documents) -> None:
    by_id = {d.doc_id: d for d in real_documents}
    gb = by_id["gb-50300-2013"]
    assert gb.number == "GB 50300-2013" and gb.level == "国家标准" and gb.status == "现行"
    assert gb.replaces == ["GB 50300-2001"]
    assert by_id["cecs-21-2000"].level == "团体标准"
    assert by_id["gb-50254-50259-1996"].title == "电气装置安装工程施工及验收规范"
    assert by_id["q-csg-510001-2015"].level == "企业标准"


def test_laws_and_ministry_orders_without_standard_numbers_become_documents(real_documents) -> None:
    by_title = {d.title: d for d in real_documents}
    law = by_title["中华人民共和国安全生产法"]
    assert law.kind == "law" and law.doc_id.startswith("law-") and law.number == ""
    order = by_title["危险性较大的分部分项工程安全管理规定"]
    assert order.kind == "law" and order.number == "住建部令第 37 号"
    notice = by_title["危险性较大的分部分项工程安全管理办法"]
    assert notice.kind == "policy" and notice.status == "被代替"
    assert notice.replaced_by == ["住建部令第 37 号"]


def test_unknown_status_is_blank_and_the_original_kept(real_documents) -> None:
    pending = [d for d in real_documents if d.extra.get("catalogue_status") == "待查"]
    assert len(pending) == 10 and all(d.status == "" for d in pending)


def test_an_entry_without_text_is_a_searchable_summary_with_one_clause(real_documents) -> None:
    gb = next(d for d in real_documents if d.doc_id == "gb-175-2020")
    assert gb.text.splitlines()[0] == "GB 175-2020 通用硅酸盐水泥"
    assert "状态：现行" in gb.text and "代替：GB 175-2007" in gb.text
    assert [c.clause_id for c in gb.clauses] == ["summary"]
    assert gb.extra["category"] == "原材料标准"


def test_ids_are_unique_and_stable(real_documents) -> None:
    path = require_shared(*REAL)
    again = parse_catalogue(path.read_bytes(), str(path))
    assert [d.doc_id for d in again] == [d.doc_id for d in real_documents]
    assert len({d.doc_id for d in real_documents}) == 84


CSV = (
    "标准号,标准名称,状态,发布日期,实施日期,ICS,CCS,代替标准,全文\n"
    "DB35/T 1234-2021,绿色建筑评价标准,现行,2021/06/01,2021年9月1日,91.040,P30,DB35/T 1234-2015,"
    "texts/db35.md\n"
    "GB/T 19001-2016,质量管理体系 要求,作废,20161230,2017-07-01,03.120.10,A00,"
    "GB/T 19001-2008;GB/T 19001-2008/XG1-2009,\n"
)


def test_csv_with_chinese_headers() -> None:
    local, qms = parse_catalogue(CSV.encode("utf-8-sig"), "cat/standards.csv")
    assert local.doc_id == "db35-t-1234-2021" and local.level == "地方标准"
    assert local.region == "福建"
    assert (local.publish_date, local.effective_date) == ("2021-06-01", "2021-09-01")
    assert local.ics == ["91.040"] and local.ccs == ["P30"]
    assert local.extra["fulltext"] == "cat/texts/db35.md"
    assert qms.status == "废止" and qms.publish_date == "2016-12-30"
    assert qms.replaces[0] == "GB/T 19001-2008"


def test_gbk_csv_export_loads() -> None:
    [doc] = parse_catalogue(
        "标准编号,名称\nGB 2760-2014,食品添加剂使用标准\n".encode("gb18030"), "x.csv"
    )
    assert doc.number == "GB 2760-2014"


def test_json_lines_with_english_keys() -> None:
    lines = [
        {"std_no": "T/CAS 123-2020", "name": "团体标准样例", "status": "upcoming"},
        {"standard_number": "ISO 9001:2015", "title": "Quality management systems"},
    ]
    data = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines).encode()
    group, iso = parse_catalogue(data, "x.jsonl")
    assert group.doc_id == "t-cas-123-2020" and group.status == "即将实施"
    assert group.level == "团体标准" and iso.level == "国际标准"


RECORD = {"standardNo": "GB/T 19001-2016", "standardName": "质量管理体系 要求", "standardStatus": "现行"}


@pytest.mark.parametrize(
    "shape",
    [
        {"code": 0, "msg": "ok", "data": {"total": 1, "list": [RECORD]}},  # an API's answer
        {"result": {"page": 1, "rows": [RECORD]}},
        {"fields": ["标准号", "标准名称", "标准状态"], "rows": [["GB/T 19001-2016", "质量管理体系 要求", "现行"]]},
        {"GB/T 19001-2016": {"title": "质量管理体系 要求", "status": "现行"}},  # keyed by number
    ],
)
def test_json_shapes_other_catalogues_use(shape: dict) -> None:
    (doc,) = parse_catalogue(json.dumps(shape, ensure_ascii=False).encode(), "api.json")
    assert (doc.number, doc.title, doc.status) == ("GB/T 19001-2016", "质量管理体系 要求", "现行")


def test_columns_no_alias_names_are_read_by_their_words() -> None:
    """A catalogue export with column names of its own (as the national platform's, or English ones)."""
    header = "序号,标准编号（新）,中文标准名称,英文标准名称,标准性质,现行状态说明,Date of Issue,标准实施日期,废止时间说明,被替代标准,执行单位\n"
    row = "1,GB 17761-1999,电动自行车通用技术条件,General technical requirements,强制性,作废,1999-05-28,1999-10-01,2019-04-15,GB 17761-2018,某研究院\n"
    (doc,) = parse_catalogue((header + row).encode(), "export.csv")
    assert (doc.number, doc.title, doc.mandatory, doc.status) == ("GB 17761-1999", "电动自行车通用技术条件", "强制性", "废止")
    assert (doc.publish_date, doc.effective_date, doc.abolish_date) == ("1999-05-28", "1999-10-01", "2019-04-15")
    assert doc.replaced_by == ["GB 17761-2018"] and doc.extra["执行单位"] == "某研究院"


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("现行", "现行"),
        ("已替代", "被代替"),
        ("作废", "废止"),
        ("待查", ""),
        ("即将实施", "即将实施"),
        # words no catalogue of ours uses, as other sources write them
        ("现 行", "现行"),
        ("现行（代替 GB 1-2000）", "现行"),
        ("作废（被 GB/T 1-2020 代替）", "被代替"),
        ("已废止(2020-01-01)", "废止"),
        ("无效", "废止"),
        ("将于2025-05-01实施", "即将实施"),
        ("Withdrawn 2019", "废止"),
        ("Superseded by ISO 9001:2015", "被代替"),
        ("ＡＣＴＩＶＥ", "现行"),
        ("修订中", ""),
        ("現行", "现行"),
        ("已廢止", "废止"),
    ],
)
def test_status_normalisation(raw: str, status: str) -> None:
    assert normalise_status(raw) == status


@pytest.mark.parametrize(
    ("raw", "date"),
    [
        ("2016-12-30", "2016-12-30"),
        ("2016/1/5", "2016-01-05"),
        ("2016.12.30", "2016-12-30"),
        ("2016年12月30日", "2016-12-30"),
        (1556640000000, "2019-05-01"),  # an API's Unix time in milliseconds (China time)
        ("1556640000", "2019-05-01"),
        (43586, "2019-05-01"),  # a spreadsheet's day number
        ("12345", ""),
        ("20161230", "2016-12-30"),
        ("2016", ""),
        (None, ""),
    ],
)
def test_date_normalisation(raw: str | None, date: str) -> None:
    assert normalise_date(raw) == date


@pytest.mark.parametrize(
    "data",
    [b'{"version": 1, "items": [{"a": 1}]}', b"[1, 2, 3]", b'{"name_of_thing": "x"}'],
)
def test_random_json_is_a_clear_parse_error(data: bytes) -> None:
    with pytest.raises(ParseError, match="not a standards catalogue"):
        parse_catalogue(data, "random.json")
    assert not looks_like_catalogue(data)


def test_csv_without_number_or_title_column_is_refused() -> None:
    with pytest.raises(ParseError, match="columns found: a, b.*--map number=a,title=b"):
        parse_catalogue(b"a,b\n1,2\n", "x.csv")


def test_invalid_json_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="invalid JSON"):
        parse_catalogue(b"{not json", "x.json")


def test_a_full_text_fills_the_catalogue_entry() -> None:
    folder = require_shared("standards-fulltext", "gb-icv-combined-driver-assistance-draft")
    [fulltext] = parse_standard_folder(folder)
    line = {"标准号": "GB 99999-2026", "标准名称": "智能网联汽车 组合驾驶辅助系统安全要求", "状态": "即将实施",
            "全文": str(folder)}  # fmt: skip
    [entry] = parse_catalogue(json.dumps([line], ensure_ascii=False).encode(), "cat.json")
    assert entry.extra["fulltext"] == str(folder)
    merged = attach_fulltext(entry, fulltext)
    assert merged.doc_id == "gb-99999-2026" and merged.status == "即将实施"
    assert merged.clause("4.1.1") is not None and merged.level == "国家标准"
    assert "GB/T 1865-2009" in merged.extra["references"]


UNSEEN = """Standard No.,Standard Title,Publication Date,Effective From,State,Issuing Authority,ICS Code,Remarks
GB/T 19001-2016,质量管理体系 要求,2016.12.30,20170701,Active,国家质量监督检验检疫总局,03.120.10,
HG/T 20592~20635-2009,钢制管法兰、垫片、紧固件,2009-7-1,2009-12-1,有更新版,工业和信息化部,23.040.60;23.040.80,系列标准
"""


def test_a_catalogue_with_field_names_we_have_not_listed_is_read() -> None:
    documents = parse_catalogue(UNSEEN.encode("utf-8"), "register.csv")
    first, second = documents
    assert (first.number, first.title, first.status) == ("GB/T 19001-2016", "质量管理体系 要求", "现行")
    assert (first.publish_date, first.effective_date, first.issuer) == ("2016-12-30", "2017-07-01", "国家质量监督检验检疫总局")
    assert second.status == "被代替" and second.ics == ["23.040.60", "23.040.80"]
    assert second.publish_date == "2009-07-01" and second.extra["notes"] == "系列标准"
    qualified = parse_catalogue("标准编号#,标准名称（中文）\nGB 2760-2014,食品安全国家标准 食品添加剂使用标准\n".encode(), "a.csv")
    assert (qualified[0].number, qualified[0].title) == ("GB 2760-2014", "食品安全国家标准 食品添加剂使用标准")


def test_a_mapping_naming_a_missing_column_says_so() -> None:
    from stdsearch.parse.catalogue import column_mapping

    with column_mapping({"number": "丁", "title": "乙"}), pytest.raises(ParseError) as failure:
        parse_catalogue("甲,乙\nGB/T 19001-2016,质量管理体系 要求\n".encode(), "reg.csv")
    assert "columns found: 甲, 乙" in str(failure.value) and "does not have: number=丁" in str(failure.value)
