"""Law-style splitting: 第X条 articles, 款 and 项 ids, heading paths; real laws from ../shared/data."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from stdsearch.clauses import split
from stdsearch.errors import ParseError
from stdsearch.parse import is_document_file, parse_file
from stdsearch.records import Clause, Document

from .conftest import require_shared

#: An independent count: paragraphs starting with an article label and a space (data/README.md).
ARTICLE_LINE = re.compile(
    r"^第[零〇一二三四五六七八九十百千]+条(之[一二三四五六七八九十]+)?[ \u3000]", re.M
)

LAW = """## 第一章 总则
第一条 为了测试，制定本法。
第二条　本法所称产品，是指：
（一）甲；
(二)乙。
前款规定以外的，适用其他规定。
第二条之一 补充的条文。
## 第二章 附则
第三条 本法自公布之日起施行。"""


def _clauses(text: str) -> dict[str, Clause]:
    return {c.clause_id: c for c in split(Document(doc_id="d", title="t", text=text))}


def _article_clauses(path: Path) -> list[Clause]:
    return [c for c in split(parse_file(path)[0]) if c.depth == 0 and c.label.startswith("第")]


def test_articles_paragraphs_and_items_have_path_ids() -> None:
    clauses = _clauses(LAW)
    assert list(clauses) == [
        "a1", "a2", "a2.p1", "a2.p1.i1", "a2.p1.i2", "a2.p2", "a2-1", "a3",
    ]  # fmt: skip
    article = clauses["a2"]
    assert article.label == "第二条" and article.searchable and article.heading == "第一章 总则"
    assert article.text.startswith("本法所称产品") and "前款规定以外的" in article.text
    assert not clauses["a2.p2"].searchable and clauses["a2.p2"].label == "第二款"
    assert clauses["a2.p1.i2"].label == "(二)" and clauses["a2.p1.i2"].parent_id == "a2.p1"
    assert clauses["a2-1"].label == "第二条之一"
    assert clauses["a3"].heading == "第二章 附则"


def test_items_of_a_single_paragraph_article_hang_on_the_article() -> None:
    clauses = _clauses("第十二条 下列情形：\n（一）甲；\n（二）乙。\n第十三条 完。")
    assert "a12.p1" not in clauses
    assert clauses["a12.p1.i1"].parent_id == "a12" and clauses["a12.p1.i1"].text == "甲；"


def test_plain_chapter_lines_are_headings_not_text() -> None:
    clauses = _clauses("第一章　总　则\n第一条　甲。\n第二条　乙。")
    assert clauses["a1"].heading == "第一章 总 则" and clauses["a1"].text == "甲。"


@pytest.mark.parametrize(
    "relative",
    [
        "经济法/产品质量法(2018-12-29).md",
        "民法典/总则.md",
        "民法典/物权编.md",
        "民法典/合同编.md",
        "DLC/上海地方法规/地方性法规/上海/上海市产品质量条例(2012-04-19).md",
        "刑法/刑法.md",
    ],
)
def test_article_count_matches_the_file(relative: str) -> None:
    path = require_shared("laws", *relative.split("/"))
    expected = len(ARTICLE_LINE.findall(path.read_text(encoding="utf-8")))
    articles = _article_clauses(path)
    assert len(articles) == expected > 0
    assert len({c.clause_id for c in articles}) == len(articles)


def test_civil_code_heading_paths_and_article_suffixes() -> None:
    clauses = {
        c.clause_id: c for c in split(parse_file(require_shared("laws", "民法典", "物权编.md"))[0])
    }
    assert clauses["a205"].heading == "第一分编 通则 > 第一章 一般规定"
    crime = {
        c.clause_id: c for c in split(parse_file(require_shared("laws", "刑法", "刑法.md"))[0])
    }
    assert crime["a17-1"].label == "第十七条之一"
    assert crime["a34.p1.i3"].text == "没收财产。"


@pytest.mark.slow
def test_every_law_file_parses_and_splits() -> None:
    """All ~2,070 law files: no ParseError, at least one clause each (≈6 s here)."""
    root = require_shared("laws")
    started, count = time.perf_counter(), 0
    for path in sorted(root.rglob("*")):
        if not path.is_file() or not is_document_file(path):
            continue
        try:
            documents = parse_file(path)
        except ParseError as error:  # pragma: no cover - a failure is the report
            pytest.fail(f"{path}: {error}")
        for document in documents:
            assert split(document), path
            count += 1
    assert count > 2000
    assert time.perf_counter() - started < 120
