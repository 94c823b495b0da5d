"""Spreadsheets (``.xlsx``) as rows of records: how catalogues of standards are often handed over.

The first sheet whose header row names a standard number or title is read (a title row above
the header — "全国标准信息公共服务平台 导出" — and blank rows are passed over); each following row
becomes one record keyed by the header's column names, as a CSV row would. Dates stored as dates
come out as ``YYYY-MM-DD``. Reading is openpyxl's read-only mode (rows streamed, formulas as
their saved values).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

from stdsearch.errors import ParseError

#: Rows looked at for the header before giving up on a sheet.
HEADER_ROWS = 20


def looks_like_xlsx(data: bytes) -> bool:
    """True for an Office Open XML workbook (a zip holding ``xl/workbook.xml``)."""
    if not data.startswith(b"PK"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def xlsx_records(data: bytes, is_header: Callable[[tuple[str, ...]], bool]) -> Iterator[dict[str, Any]]:
    """The records of the first sheet with a header row (one ``is_header`` accepts), read row by
    row; nothing when no sheet has one. ParseError for a file that is not a readable workbook."""
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises zip, XML and key errors for broken files
        raise ParseError(f"not a readable .xlsx workbook: {error}") from error
    try:
        for sheet in workbook.worksheets:
            rows = sheet.iter_rows(values_only=True)
            header = _header(rows, is_header)
            if header is not None:
                yield from _records(rows, header)
                return
    finally:
        workbook.close()


def _header(rows: Iterator[tuple[Any, ...]], is_header: Callable[[tuple[str, ...]], bool]) -> list[str] | None:
    """The header row's column names (the rows before it consumed), or None."""
    for _, row in zip(range(HEADER_ROWS), rows, strict=False):
        names = tuple(_cell(value) for value in row)
        if is_header(tuple(name for name in names if name)):
            return list(names)
    return None


def _records(rows: Iterator[tuple[Any, ...]], header: list[str]) -> Iterator[dict[str, Any]]:
    """One record per non-blank row, keyed by the header's non-blank names."""
    for row in rows:
        record = {name: _cell(value) for name, value in zip(header, row, strict=False) if name}
        if any(record.values()):
            yield record


def _cell(value: Any) -> str:
    """A cell as text: dates as ``YYYY-MM-DD``, whole numbers without ``.0``, blanks as ''."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
