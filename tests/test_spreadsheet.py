"""Catalogues handed over as spreadsheets (.xlsx): read as the same records a CSV would give."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest

from stdsearch import pipeline
from stdsearch.errors import ParseError
from stdsearch.parse import parse_file
from stdsearch.parse.catalogue import parse_catalogue
from stdsearch.search import SearchRequest, search
from stdsearch.settings import Home


def workbook(*rows: tuple) -> bytes:  # type: ignore[type-arg]
    """An .xlsx file whose first sheet holds ``rows``."""
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


EXPORT = workbook(
    ("全国标准信息公共服务平台 标准目录导出",),  # a title row above the header
    (),
    ("序号", "标准号", "标准名称", "标准性质", "标准状态", "发布日期", "实施日期", "代替标准"),
    (1, "GB 17761-2024", "电动自行车安全技术规范", "强制性", "现行", dt.datetime(2024, 12, 31), dt.date(2025, 9, 1), "GB 17761-2018"),
    (2, "GB 17761-2018", "电动自行车安全技术规范", "强制性", "废止", "2018-05-15", "2019-04-15", None),
    (),
)


def test_an_export_with_a_title_row_and_dates_as_dates() -> None:
    new, old = sorted(parse_catalogue(EXPORT, "export.xlsx"), key=lambda d: d.number, reverse=True)
    assert (new.number, new.title, new.mandatory, new.status) == ("GB 17761-2024", "电动自行车安全技术规范", "强制性", "现行")
    assert (new.publish_date, new.effective_date, new.replaces) == ("2024-12-31", "2025-09-01", ["GB 17761-2018"])
    assert (old.number, old.status) == ("GB 17761-2018", "废止")


def test_a_sheet_without_a_header_it_can_read_names_its_columns() -> None:
    data = workbook(("编码", "名字"), ("X1", "某产品"))
    with pytest.raises(ParseError, match="columns|catalogue"):
        parse_catalogue(data, "odd.xlsx")


def test_a_broken_workbook_is_one_clear_failure() -> None:
    with pytest.raises(ParseError, match="xlsx"):
        parse_catalogue(b"PK\x03\x04 not really a zip", "broken.xlsx")


def test_ingest_and_search_a_spreadsheet(tmp_path: Path) -> None:
    path = tmp_path / "standards.xlsx"
    path.write_bytes(EXPORT)
    assert [d.number for d in parse_file(path)] != []
    home = Home.resolve(tmp_path / "home")
    report = pipeline.ingest(home, [path])
    assert (report.added, report.failed) == (2, 0)
    hits = search(home, SearchRequest(q="电动自行车", status="现行")).hits
    assert [h.doc_id for h in hits] == ["gb-17761-2024"]
