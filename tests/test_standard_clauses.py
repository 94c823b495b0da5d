"""GB/T 1.1 full texts: the multi-file draft parses completely; plain-text numbering rules."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from conftest import require_shared
from stdsearch import clauses, parse
from stdsearch.clauses.standard import detect, split_standard
from stdsearch.parse.standard_md import (
    is_standard_folder,
    markdown_lines,
    parse_standard_folder,
    parse_standard_markdown,
)

DRAFT = ("standards-fulltext", "gb-icv-combined-driver-assistance-draft")

#: A numbered clause in the Markdown: a bold lead-in (**4.1.1** …, **C.2.8.1.2.1 标题**) or a
#: heading (## 4. 技术要求, ### 4.1 …, ## 附录A …, ### B.1 …).
NUMBERED_LINE = re.compile(
    r"^\s*\*\*(?P<bold>[0-9A-Z]+(?:\.[0-9]+)+)"
    r"|^\s*#+ (?P<heading>[0-9]+(?:\.[0-9]+)*|附录[A-Z]|[A-Z](?:\.[0-9]+)+)(?:\.? |$)"
)


def printed_numbers(folder: Path) -> Counter[str]:
    """Count the numbered clauses of the draft straight from its files."""
    counts: Counter[str] = Counter()
    for part in ("sections", "appendices"):
        for file in sorted((folder / part).glob("*.md")):
            for line in file.read_text(encoding="utf-8").splitlines():
                match = NUMBERED_LINE.match(line)
                if match:
                    counts[(match["bold"] or match["heading"]).replace("附录", "")] += 1
    return counts


@pytest.fixture(scope="module")
def draft():
    folder = require_shared(*DRAFT)
    [document] = parse_standard_folder(folder)
    return folder, document


def test_the_draft_is_one_document(draft) -> None:
    folder, document = draft
    assert document.kind == "standard" and document.level == "国家标准"
    assert document.title == "智能网联汽车 组合驾驶辅助系统安全要求"
    assert document.extra["stage"] == "征求意见稿"
    assert document.number == ""  # a draft has no number yet
    assert parse_standard_folder(folder / "README.md")[0].doc_id == document.doc_id


def test_every_numbered_clause_is_a_clause(draft) -> None:
    folder, document = draft
    printed = printed_numbers(folder)
    assert sum(printed.values()) > 850
    parsed = Counter(re.sub(r"-[b-z]$", "", c.clause_id) for c in document.clauses)
    parsed.pop("preface")
    assert parsed == printed


def test_clause_ids_are_unique_and_in_order(draft) -> None:
    _, document = draft
    ids = [c.clause_id for c in document.clauses]
    assert len(ids) == len(set(ids))
    assert [c.position for c in document.clauses] == list(range(len(ids)))
    tops = [c.clause_id for c in document.clauses if c.depth == 0]
    assert tops == ["preface", *"123456789", *"ABCDEF"]


def test_a_repeated_number_in_the_draft_keeps_its_printed_label(draft) -> None:
    _, document = draft
    repeated = document.clause("4.8.3.1.1.2-b")
    assert repeated.label == "4.8.3.1.1.2" and repeated.text.startswith("若系统暂时无法检测")


def test_clause_text_heading_and_parent(draft) -> None:
    _, document = draft
    clause = document.clause("4.1.11")
    assert clause.heading == "4 技术要求 > 4.1 总体要求" and clause.parent_id == "4.1"
    assert clause.text.endswith("注：系统发出超过5 m/s² 的制动减速度请求视为执行紧急避撞控制。")
    listed = document.clause("4.1.8")
    assert "a) 适应其他道路使用者的行驶状态" in listed.text and "c) 不无故执行" in listed.text
    term = document.clause("3.21.1")
    assert term.text.startswith("换道准备阶段 lane change preparation phase")
    assert term.heading.endswith("3.21 换道过程 lane change procedure")


def test_appendices_and_their_clauses(draft) -> None:
    _, document = draft
    appendix = document.clause("B")
    assert appendix.label == "附录B" and appendix.text.startswith(
        "（规范性） 仿真试验可信度评估要求"
    )
    assert document.clause("B.2.2.1").heading.startswith("附录B （规范性） 仿真试验可信度评估要求")
    assert document.clause("F.3.6.1.2.1").text.startswith("（Tmax-20℃）条件")


def test_tables_and_captions_stay_in_their_clause(draft) -> None:
    _, document = draft
    assert "| 4.1 总体要求 | 4.1.1 |" in document.clause("A").text
    [captioned] = [c for c in document.clauses if "图2 预试验示意图" in c.text]
    assert captioned.clause_id.startswith("5.3.")


def test_normative_references_become_the_documents_references(draft) -> None:
    _, document = draft
    references = document.extra["references"]
    assert references[:3] == ["GB/T 1865-2009", "GB 5768.2", "GB 5768.3"]
    assert "GB/T 34590" in references and "GB 39732-2020" in references
    assert len(references) == len(set(references)) >= 30


def test_the_folder_layout_is_recognised(tmp_path: Path) -> None:
    folder = require_shared(*DRAFT)
    assert is_standard_folder(folder) and is_standard_folder(folder / "README.md")
    assert not is_standard_folder(tmp_path)
    assert not is_standard_folder(folder / "sections")


PLAIN = """\
前言
本文件按照GB/T 1.1—2020的规定起草。
1 范围
本文件规定了某产品的要求。
2 规范性引用文件
GB/T 19001-2016 质量管理体系 要求
3 术语和定义
3.1
样品 sample
用于试验的产品。
4 技术要求
4.1 一般要求
4.1.1 产品应符合4.2的要求，并满足以下条件：
a) 外观完好；
b) 标志清晰。
4.1.2 产品在运输过程中，其性能应符合
4.2 的要求。
4.2 安全要求
产品的额定电压为
220 V。
5 试验方法
5.1 按附录A进行。
附录 A
（规范性）
试验记录
A.1 记录应保存3年。
"""


def test_plain_text_layout_is_split_by_its_numbering() -> None:
    lines = PLAIN.splitlines()
    assert detect(lines)
    clauses = split_standard(lines)
    ids = [c.clause_id for c in clauses]
    assert ids == ["preface", "1", "2", "3", "3.1", "4", "4.1", "4.1.1", "4.1.2", "4.2", "5",
                   "5.1", "A", "A.1"]  # fmt: skip
    wrapped = next(c for c in clauses if c.clause_id == "4.1.2")
    assert wrapped.text.endswith("4.2 的要求。")
    assert next(c for c in clauses if c.clause_id == "4.2").text.endswith("220 V。")
    assert next(c for c in clauses if c.clause_id == "A.1").heading == "附录A 试验记录"


def test_policy_and_law_texts_are_not_standards() -> None:
    assert not detect(["一、总体要求", "（一）指导思想", "1. 坚持质量第一"])
    assert not detect(["第一条 为了规范……", "第二条 本办法适用于……"])


def test_single_markdown_file_standard() -> None:
    text = "# 某产品通用技术条件\n\nGB/T 99999-2024\n\n## 1 范围\n\n本文件规定了要求。\n\n## 2 规范性引用文件\n\nGB 2760 食品安全国家标准\n\n**2.1** 多余\n"
    [document] = parse_standard_markdown(text.encode(), "x.md")
    assert document.doc_id == "gb-t-99999-2024" and document.extra["references"] == ["GB 2760"]


def test_markdown_lines() -> None:
    markdown = (
        "## 4. 技术要求\n\n**4.1.1** 文本\n\n> **注：** 说明\n\n>> 1) 项\n\n| a | b |\n|---|---|\n"
    )
    assert markdown_lines(markdown) == [
        "4 技术要求",
        "4.1.1 文本",
        "注：说明",
        "1) 项",
        "| a | b |",
    ]


def test_a_chapter_file_in_markdown_is_split_by_the_registered_scheme() -> None:
    chapter = require_shared(*DRAFT) / "sections" / "04-technical-requirements.md"
    [document] = parse.parse_file(chapter)
    lines = clauses.document_lines(document)
    assert clauses.scheme_for(lines) == "standard"
    split = clauses.split(document)
    assert [c.clause_id for c in split[:3]] == ["4", "4.1", "4.1.1"]
    assert (
        split[2].text == "系统的设计应使驾驶员在持续地执行相应的动态驾驶任务，并符合4.8.3的要求。"
    )


def test_a_date_line_does_not_open_a_chapter() -> None:
    lines = ["12 月 1 日发布", "1 范围", "本文件规定了要求。", "2 规范性引用文件", "3 术语和定义"]
    assert [c.clause_id for c in split_standard(lines)] == ["preamble", "1", "2", "3"]
