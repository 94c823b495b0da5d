"""Law metadata from the SQLite databases beside the Markdown files."""

from __future__ import annotations

from stdsearch.parse import parse_file
from stdsearch.parse.lawmeta import lookup, split_dated_name

from .conftest import require_shared


def test_dated_file_names() -> None:
    assert split_dated_name("产品质量法(2018-12-29)") == ("产品质量法", "2018-12-29")
    assert split_dated_name("刑法") == ("刑法", "")


def test_expired_law_is_repealed() -> None:
    doc = parse_file(require_shared("laws", "宪法相关法", "立法法(2015-03-15).md"))[0]
    assert doc.status == "废止" and doc.level == "法律"
    current = parse_file(require_shared("laws", "宪法相关法", "立法法(2023-03-13).md"))[0]
    assert current.status == "现行"


def test_local_regulation_has_region_and_level() -> None:
    path = require_shared(
        "laws", "DLC", "上海地方法规", "地方性法规", "上海", "上海市产品质量条例(2012-04-19).md"
    )
    meta = lookup(path)
    assert meta.matched and (meta.level, meta.region) == ("地方性法规", "上海")


def test_civil_code_part_matches_by_file_name() -> None:
    meta = lookup(require_shared("laws", "民法典", "物权编.md"))
    assert meta.matched and meta.level == "法律"


def test_file_outside_any_database(tmp_path) -> None:
    path = tmp_path / "某法(2020-01-01).md"
    path.write_text("# 某法\n<!-- INFO END -->\n第一条 甲。\n", encoding="utf-8")
    assert not lookup(path).matched
    doc = parse_file(path)[0]
    assert doc.status == "" and doc.level == ""
