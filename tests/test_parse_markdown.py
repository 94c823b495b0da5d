"""Markdown laws: titles, subtitles, history, dates, body structure, Hugo stubs."""

from __future__ import annotations

import pytest

from stdsearch.errors import ParseError
from stdsearch.parse import is_document_file, parse_bytes, parse_file

from .conftest import require_shared

SAMPLE = """# 中华人民共和国测试法

2018年12月29日 第十三届全国人民代表大会常务委员会第七次会议第三次修正
2019年1月1日 施行

<!-- INFO END -->

## 第一章\u2002\u2002总则

第一条 为了测试，制定本法。
"""


def test_law_header_and_body() -> None:
    doc = parse_bytes(SAMPLE.encode(), "测试法(2018-12-29).md")[0]
    assert doc.title == "中华人民共和国测试法" and doc.kind == "law"
    assert doc.publish_date == "2018-12-29" and doc.effective_date == "2019-01-01"
    assert len(doc.history) == 2 and doc.history[0].startswith("2018年12月29日")
    assert doc.text.splitlines() == ["## 第一章 总则", "第一条 为了测试，制定本法。"]
    assert doc.clauses == [] and doc.doc_id.startswith("law-20181229-") and len(doc.sha256) == 64


def test_civil_code_parts_have_distinct_titles() -> None:
    folder = require_shared("laws", "民法典")
    titles = {parse_file(p)[0].title for p in folder.glob("*.md") if is_document_file(p)}
    assert len(titles) == 8 and "中华人民共和国民法典 物权编" in titles


def test_product_quality_law_metadata() -> None:
    doc = parse_file(require_shared("laws", "经济法", "产品质量法(2018-12-29).md"))[0]
    assert doc.title == "中华人民共和国产品质量法"
    assert (doc.level, doc.status, doc.publish_date) == ("法律", "现行", "2018-12-29")


def test_hugo_index_stub_is_not_a_document(tmp_path) -> None:
    stub = tmp_path / "_index.md"
    stub.write_text("---\nbookCollapseSection: true\n---\n", encoding="utf-8")
    assert not is_document_file(stub)
    with pytest.raises(ParseError, match="not a document: Hugo _index.md stub"):
        parse_file(stub)


def test_markdown_without_info_marker_is_a_policy() -> None:
    doc = parse_bytes(
        "# 某市人民政府关于印发某方案的通知\n\n一、目标\n\n二、任务\n".encode(), "x.md"
    )[0]
    assert doc.kind == "policy" and doc.issuer == "某市人民政府"
    assert doc.text.splitlines() == ["一、目标", "二、任务"]
