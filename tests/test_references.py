"""Cross-references: citations of numbers and 《titles》, resolution, links inside a document."""

from __future__ import annotations

import pytest

from conftest import require_shared
from stdsearch.parse.standard_md import parse_standard_folder
from stdsearch.records import Document
from stdsearch.references import (
    Citation,
    build_lookup,
    find_citations,
    internal_links,
    resolve,
    title_key,
)


def only(text: str) -> Citation:
    [citation] = find_citations(text)
    return citation


@pytest.mark.parametrize(
    ("text", "kind", "target", "clause_id", "label"),
    [
        ("按照GB 50016-2014第5.1.2条执行", "number", "GB 50016-2014", "5.1.2", "第5.1.2条"),
        ("《产品质量法》第二十六条", "title", "产品质量法", "a26", "第二十六条"),
        ("依据《中华人民共和国产品质量法》第二十六条第二款", "title", "中华人民共和国产品质量法",
         "a26.p2", "第二十六条第二款"),
        ("见《民法典》第十条之一", "title", "民法典", "a10-1", "第十条之一"),
        ("贯彻〈质量强国建设纲要〉", "title", "质量强国建设纲要", "", ""),
        ("《建筑设计防火规范》（GB 50016-2014）第5.1.2条", "number", "GB 50016-2014", "5.1.2",
         "第5.1.2条"),
        ("按照GB/T 28046.2—2019中4.3.1.1.2的方法", "number", "GB/T 28046.2-2019", "4.3.1.1.2",
         "4.3.1.1.2"),
        ("符合GB/T 1.1—2020附录A的规定", "number", "GB/T 1.1-2020", "A", "附录A"),
        ("执行GB 2760", "number", "GB 2760", "", ""),
    ],
)  # fmt: skip
def test_citations(text: str, kind: str, target: str, clause_id: str, label: str) -> None:
    citation = only(text)
    assert citation.kind == kind
    assert (citation.target_number or citation.target_title) == target
    assert (citation.clause_id, citation.clause_label) == (clause_id, label)
    assert text[citation.start : citation.end].endswith(label or text[citation.end - 1])


def test_a_title_followed_by_its_number_is_one_citation_of_the_number() -> None:
    citation = only("《建筑设计防火规范》GB 50016-2014")
    assert citation.target_title == "建筑设计防火规范" and citation.target_number == "GB 50016-2014"


def test_several_citations_in_order() -> None:
    text = "依据《福建省绿色建筑发展条例》和GB/T 50378-2019、GB 55015-2021。"
    kinds = [(c.kind, c.target_title or c.target_number) for c in find_citations(text)]
    assert kinds == [
        ("title", "福建省绿色建筑发展条例"),
        ("number", "GB/T 50378-2019"),
        ("number", "GB 55015-2021"),
    ]


def test_no_citations_in_plain_text() -> None:
    assert find_citations("自2023-05-01起施行，电话0592-1234567，厦委发〔2023〕5号") == []


def doc(
    doc_id: str, title: str, number: str = "", status: str = "现行", date: str = ""
) -> Document:
    return Document(doc_id=doc_id, title=title, number=number, status=status, publish_date=date)


CORPUS = [
    doc("law-old", "中华人民共和国产品质量法", status="废止", date="2009-08-27"),
    doc("law-new", "中华人民共和国产品质量法", date="2018-12-29"),
    doc("gb-50016-2006", "建筑设计防火规范", "GB 50016-2006", status="被代替"),
    doc("gb-50016-2014", "建筑设计防火规范", "GB 50016-2014"),
    doc("gb-t-50016-2020", "某推荐性标准", "GB/T 50016-2020"),
]


@pytest.fixture(scope="module")
def lookup():
    return build_lookup(CORPUS)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("《产品质量法》第二十六条", ("law-new", "a26")),
        ("《中华人民共和国产品质量法（2018年修正）》", ("law-new", "")),
        ("GB 50016-2006第5.1.2条", ("gb-50016-2006", "5.1.2")),
        ("GB 50016第5.1.2条", ("gb-50016-2014", "5.1.2")),
        ("GB/T 50016", ("gb-t-50016-2020", "")),
        ("《建筑设计防火规范》", ("gb-50016-2014", "")),
        ("《不存在的办法》", None),
        ("GB 99999-2020", None),
    ],
)
def test_resolve(lookup, text: str, expected: tuple[str, str] | None) -> None:
    titles, numbers = lookup
    assert resolve(only(text), titles, numbers) == expected


def test_title_key_strips_the_state_name_and_edition_notes() -> None:
    assert title_key("中华人民共和国产品质量法（2018年修正）") == title_key("《产品质量法》")
    assert title_key("ＧＢ　建筑 设计") == "GB建筑设计"


IDS = {"4.8.1.3", "4.8.2", "5.4.6", "5.4.8", "B", "5", "E.1", "E.8", "A.1", "5.4", "4.3.1.1.2"}


def linked(text: str) -> list[tuple[str, str]]:
    return [(text[s:e], target) for s, e, target in internal_links(text, IDS)]


def test_internal_links() -> None:
    text = "应符合4.8.1.3和4.8.2的要求。按5.4.6～5.4.8进行试验，见附录B和第5章，符合E.1～E.8。"
    assert linked(text) == [
        ("4.8.1.3", "4.8.1.3"),
        ("4.8.2", "4.8.2"),
        ("5.4.6", "5.4.6"),
        ("5.4.8", "5.4.8"),
        ("附录B", "B"),
        ("第5章", "5"),
        ("E.1", "E.1"),
        ("E.8", "E.8"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "如表A.1所示",
        "速度为5.4 m/s",
        "按照GB/T 28046.2—2019中4.3.1.1.2的方法",
        "见4.9（不存在的条）",
        "GB/T 5.4-2020",
    ],
)
def test_what_is_not_an_internal_link(text: str) -> None:
    assert linked(text) == []


def test_internal_links_in_the_draft_standard() -> None:
    [document] = parse_standard_folder(
        require_shared("standards-fulltext", "gb-icv-combined-driver-assistance-draft")
    )
    ids = {c.clause_id for c in document.clauses}
    first = document.clause("4.1.1")
    assert [target for _, _, target in internal_links(first.text, ids)] == ["4.8.3"]
    total = sum(len(internal_links(c.text, ids)) for c in document.clauses)
    assert total > 100


def test_a_code_in_parts_resolves_to_the_part_holding_the_article() -> None:
    parts = [doc("code-general", "中华人民共和国民法典 总则", ""), doc("code-contract", "中华人民共和国民法典 合同编", "")]
    titles, numbers = build_lookup(parts)
    holds = {"code-general": {"a1", "a13"}, "code-contract": {"a577"}}
    has_clause = lambda doc_id, clause_id: clause_id in holds[doc_id]  # noqa: E731
    assert resolve(only("《中华人民共和国民法典》第五百七十七条"), titles, numbers, has_clause) == ("code-contract", "a577")
    assert resolve(only("《民法典》第十三条"), titles, numbers, has_clause) == ("code-general", "a13")
    assert resolve(only("《民法典》"), titles, numbers, has_clause)[0] in holds
