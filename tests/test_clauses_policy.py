"""Policy-style splitting: 一、 / (一) / 1. nested into path ids, on the seed and on snippets."""

from __future__ import annotations

from stdsearch.clauses import split
from stdsearch.parse import parse_file
from stdsearch.records import Clause, Document

from .conftest import SEED


def _seed_clauses() -> list[Clause]:
    return split(parse_file(SEED)[0])


def test_seed_has_3_sections_13_subsections_26_items() -> None:
    clauses = _seed_clauses()
    by_depth = [sum(1 for c in clauses if c.depth == d and c.label != "前言") for d in range(3)]
    assert by_depth == [3, 13, 26]
    assert [c.position for c in clauses] == list(range(len(clauses)))


def test_seed_item_22_is_found_by_its_path() -> None:
    clauses = {c.clause_id: c for c in _seed_clauses()}
    item = clauses["2.9.22"]
    assert item.label == "22."
    assert "质量奖评定管理办法" in item.text
    assert item.heading == "二、主要任务 > (九)打造质量治理现代化体系"
    assert item.parent_id == "2.9" and item.searchable
    assert "明厨亮灶" in clauses["2.3.2"].text


def test_seed_preamble_and_heading_only_sections() -> None:
    clauses = {c.clause_id: c for c in _seed_clauses()}
    assert clauses["preamble"].text.startswith("为深入贯彻党中央")
    assert clauses["1"].text == "总体要求"
    assert clauses["1.1"].text.startswith("指导思想\n以习近平")
    assert clauses["3.11"].text.startswith("加强组织领导。坚持党对质量工作")


def test_full_width_forms_are_accepted() -> None:
    text = "前言一段。\n一、总则\n（一）目标\n１．第一项。\n2、第二项。\n（二）任务\n3.第三项。"
    clauses = split(Document(doc_id="d", title="t", text=text))
    assert [c.clause_id for c in clauses] == [
        "preamble",
        "1",
        "1.1",
        "1.1.1",
        "1.1.2",
        "1.2",
        "1.2.3",
    ]
    assert clauses[3].label == "１．"


def test_ids_stay_unique_when_numbering_repeats() -> None:
    text = "一、甲\n一、乙\n二、丙"
    ids = [c.clause_id for c in split(Document(doc_id="d", title="t", text=text))]
    assert ids == ["1", "1-b", "2"]


def test_unnumbered_text_becomes_paragraphs() -> None:
    text = "## 裁判要点\n第一段。\n第二段。"
    clauses = split(Document(doc_id="d", title="t", text=text))
    assert [(c.clause_id, c.heading, c.searchable) for c in clauses] == [
        ("p1", "裁判要点", True),
        ("p2", "裁判要点", True),
    ]
