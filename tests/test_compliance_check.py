"""Batch status check (issue 15 part 1) on real catalogue records and laws."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from stdsearch.cli import main
from stdsearch.compliance import check
from stdsearch.store import Store

CONTRACT = (
    "5 规范性引用文件\n"
    "本合同产品应符合GB 19272—2011《室外健身器材的安全 通用要求》及ＧＢ／Ｔ　１４８３３－２０２０的规定，\n"
    "施工按 GB 55001-2021 执行。\n"
)


def rows_for(home, text: str) -> dict[str, check.CheckRow]:
    register = check.load_register(Store(home))
    return {row.as_written: row for row in check.check(check.extract(text), register)}


def test_replaced_edition_leads_to_the_current_one(compliance_home) -> None:
    row = rows_for(compliance_home, "GB 19272-2003\n")["GB 19272-2003"]
    assert row.found and row.status == "废止"
    assert row.verdict == check.VERDICT_REPLACED and not row.ok
    assert [link.number for link in row.chain] == ["GB 19272-2003", "GB 19272-2011", "GB 19272-2024"]
    assert row.current_edition == "GB 19272-2024"
    assert row.title == "健身器材  室外健身器材的安全  通用要求"


def test_undated_number_is_the_edition_in_force(compliance_home) -> None:
    row = rows_for(compliance_home, "gb/t14833\n")["gb/t14833"]
    assert row.normalised == "GB/T 14833"
    assert row.verdict == check.VERDICT_CURRENT
    assert row.current_edition == "GB/T 14833-2020" and row.effective_date == "2021-02-01"


def test_numbers_are_pulled_out_of_running_text_as_written(compliance_home) -> None:
    rows = rows_for(compliance_home, CONTRACT)
    assert list(rows) == ["GB 19272—2011", "ＧＢ／Ｔ　１４８３３－２０２０", "GB 55001-2021"]
    assert rows["GB 19272—2011"].verdict == check.VERDICT_REPLACED
    assert rows["ＧＢ／Ｔ　１４８３３－２０２０"].normalised == "GB/T 14833-2020"
    assert rows["GB 55001-2021"].ok and rows["GB 55001-2021"].title == "工程结构通用规范"


def test_unknown_numbers_and_lines_that_are_no_number(compliance_home) -> None:
    rows = rows_for(compliance_home, "GB/T 19001-2016\nXYZ 12\nGB/T 14833-2011\n")
    assert rows["GB/T 19001-2016"].verdict == check.VERDICT_NOT_FOUND and not rows["GB/T 19001-2016"].found
    assert rows["XYZ 12"].verdict == check.VERDICT_NOT_A_NUMBER
    assert rows["GB/T 14833-2011"].current_edition == "GB/T 14833-2020"


def test_a_number_repeated_is_checked_once(compliance_home) -> None:
    rows = check.extract("GB 19272-2024\nGB 19272—2024 again\n")
    assert len(rows) == 1 and rows[0].line == 1


@pytest.mark.parametrize(
    ("text", "code"), [("GB 19272-2024\nGB 55001-2021\n", 0), ("GB 19272-2024\nGB 19272-2003\n", 1)]
)
def test_cli_exit_code_says_whether_all_are_current(compliance_home, text: str, code: int) -> None:
    result = CliRunner().invoke(main, ["--home", str(compliance_home.root), "check", "-"], input=text)
    assert result.exit_code == code, result.output
    assert "GB 19272-2024" in result.output


def test_cli_json_and_csv(compliance_home, tmp_path) -> None:
    register = tmp_path / "register.csv"
    register.write_text("序号,标准号,名称\n1,GB 19272-2003,健身器材\n2,GB/T 14833-2020,合成材料运动场地面层\n", encoding="utf-8")
    runner = CliRunner()
    as_json = runner.invoke(main, ["--home", str(compliance_home.root), "check", str(register), "--json"])
    data = json.loads(as_json.output)
    assert as_json.exit_code == 1 and data["all_current"] is False
    assert data["summary"] == {"total": 2, "current": 1, "replaced": 1}
    assert data["rows"][0]["chain"][-1] == {"number": "GB 19272-2024", "doc_id": "gb-19272-2024", "status": "现行"}
    as_csv = runner.invoke(main, ["--home", str(compliance_home.root), "check", str(register), "--csv"])
    lines = as_csv.output.splitlines()
    assert lines[0].split(",") == list(check.CSV_COLUMNS)
    assert "GB 19272-2003 → GB 19272-2011 → GB 19272-2024" in lines[1]


@pytest.mark.parametrize(
    "args", [["check", "/nonexistent/file.txt"], ["check", "-", "--json", "--csv"], ["check", "-"]]
)
def test_cli_usage_errors_exit_2(compliance_home, args: list[str]) -> None:
    result = CliRunner().invoke(main, ["--home", str(compliance_home.root), *args], input="no numbers here\n")
    assert result.exit_code == 2, result.output
