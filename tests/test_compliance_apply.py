"""Applicability (issue 15 part 4) on real catalogue records: running tracks and medical
electrical equipment."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner
from openapi_schema_validator import OAS30Validator

from stdsearch.cli import main
from stdsearch.compliance import apply
from stdsearch.errors import BadQuery
from stdsearch.web import create_app


def numbers(report: apply.ApplyReport, group: str) -> list[str]:
    return [entry.number for entry in report.groups[group]]


def test_running_tracks_grouped_with_reasons(compliance_home) -> None:
    report = apply.find_applicable(compliance_home, "合成材料跑道")
    assert "GB 36246-2018" in numbers(report, "national-mandatory")
    assert "GB/T 14833-2020" in numbers(report, "national-recommended")
    assert any(n.startswith("T/") for n in numbers(report, "group"))
    every = [e for entries in report.groups.values() for e in entries]
    assert all(e.status in ("现行", "即将实施") or e.status == "" for e in every)
    assert "GB/T 14833-1993" not in {e.number for e in every}  # withdrawn: not in force
    track = next(e for e in report.groups["national-recommended"] if e.number == "GB/T 14833-2020")
    assert track.reasons and "合成" in track.reasons[0]
    assert report.groups["local"] == [] and any("region" in note for note in report.notes)


def test_region_lists_that_regions_local_standards_only(compliance_home) -> None:
    report = apply.find_applicable(compliance_home, "运动场地 合成材料面层", region="山东")
    local = report.groups["local"]
    assert local and all(entry.region == "山东" for entry in local)
    assert any("山东地方标准" in reason for entry in local for reason in entry.reasons)


def test_medical_electrical_equipment_and_ics(compliance_home) -> None:
    report = apply.find_applicable(compliance_home, "医用电气设备")
    assert "GB 9706.1-2020" in numbers(report, "national-mandatory")
    assert all(e.number.startswith("GB 9706") for e in report.groups["national-mandatory"])
    wrong_ics = apply.find_applicable(compliance_home, "医用电气设备", ics="97.220")
    assert not any(wrong_ics.groups.values())


def test_empty_description_is_a_usage_error(compliance_home) -> None:
    with pytest.raises(BadQuery):
        apply.find_applicable(compliance_home, "  ")


def test_cli_apply_json(compliance_home) -> None:
    result = CliRunner().invoke(main, ["--home", str(compliance_home.root), "apply", "合成材料跑道", "--json"])
    data = json.loads(result.output)
    assert result.exit_code == 0
    assert [g["group"] for g in data["groups"]] == list(apply.GROUPS)
    text = CliRunner().invoke(main, ["--home", str(compliance_home.root), "apply", "合成材料跑道"])
    assert text.output.index("强制性国家标准") < text.output.index("推荐性国家标准") < text.output.index("团体标准")


@pytest.fixture(scope="module")
def client(compliance_home) -> Any:  # type: ignore[no-untyped-def]
    return create_app({"HOME": compliance_home, "TESTING": True}).test_client()


def test_apply_page_and_api(client: Any) -> None:
    html = client.get("/apply?q=合成材料跑道").get_data(as_text=True)
    assert "强制性国家标准" in html and 'href="/doc/gb-36246-2018"' in html and "匹配原因" in html
    assert client.get("/apply").status_code == 200
    spec = client.get("/api/openapi.json").get_json()
    body = client.get("/api/apply?q=合成材料跑道").get_json()
    validator = OAS30Validator({"$ref": "#/components/schemas/ApplyReport", "components": spec["components"]})
    assert not [e.message for e in validator.iter_errors(body)]
    assert client.get("/api/apply?q=").status_code == 400
    escaped = client.get("/apply?q=<script>跑道").get_data(as_text=True)
    assert "<script>跑道" not in escaped
