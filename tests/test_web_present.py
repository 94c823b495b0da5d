"""The pure presentation helpers of the web layer, without an app or an index."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from stdsearch import citations
from stdsearch.errors import BadQuery
from stdsearch.records import Clause, Document
from stdsearch.web import present


@dataclass
class FakeHit:
    """The fields of stdsearch.search.Hit that grouping reads."""

    doc_id: str
    clause_id: str
    score: float = 1.0
    title: str = "标题"
    kind: str = "law"
    level: str = "法律"
    status: str = "现行"
    number: str = ""
    replaced_by: list[str] = field(default_factory=list)


def law() -> Document:
    """A small law: two articles, the second with two 款 and the first 款 with two 项."""
    clauses = [
        Clause("a1", "第一条", "为了测试，制定本法。", heading="第一章 总则", position=0),
        Clause(
            "a2",
            "第二条",
            "生产者应当符合下列要求：\n（一）安全；\n（二）可用。\n违反前款规定的，予以处罚。",
            heading="第一章 总则",
            position=1,
        ),
        Clause(
            "a2.p1", "第一款", "生产者应当符合下列要求：", "第一章 总则 > 第二条", 2, 1, "a2", False
        ),
        Clause("a2.p1.i1", "（一）", "安全；", "第一章 总则 > 第二条", 3, 2, "a2.p1", False),
        Clause("a2.p1.i2", "（二）", "可用。", "第一章 总则 > 第二条", 4, 2, "a2.p1", False),
        Clause(
            "a2.p2",
            "第二款",
            "违反前款规定的，予以处罚。",
            "第一章 总则 > 第二条",
            5,
            1,
            "a2",
            False,
        ),
        Clause("a3", "第三条", "本法自公布之日起施行。", heading="第二章 附则", position=6),
    ]
    return Document("law-1", "中华人民共和国测试法", kind="law", clauses=clauses)


def policy() -> Document:
    """A policy whose section headings are clauses that do not repeat their items."""
    clauses = [
        Clause("1", "一、", "总体要求", position=0),
        Clause("1.1", "(一)", "指导思想\n坚持质量第一。", "一、总体要求", 1, 1, "1"),
        Clause("2", "二、", "主要任务", position=2),
        Clause("2.2", "(二)", "提升质量", "二、主要任务", 3, 1, "2"),
        Clause("2.2.1", "1.", "提高农产品质量。", "二、主要任务 > (二)提升质量", 4, 2, "2.2"),
        Clause("2.2.2", "2.", "提升食品质量。", "二、主要任务 > (二)提升质量", 5, 2, "2.2"),
    ]
    return Document("policy-1", "某市实施意见", kind="policy", clauses=clauses)


# --- parameters -------------------------------------------------------------------------


def test_parse_search_args_defaults() -> None:
    args = present.parse_search_args({"q": "  质量  "})
    assert args == {
        "q": "质量",
        "kind": "",
        "level": "",
        "status": "",
        "region": "",
        "city": "",
        "issuer": "",
        "year": "",
        "industry": "",
        "mandatory": "",
        "ics_field": "",
        "ics_group": "",
        "ics": "",
        "ccs": "",
        "sort": "relevance",
        "page": 1,
        "per_page": 10,
        "semantic": "auto",
        "as_of": "",
        "explain": False,
    }


def test_parse_search_args_reads_filters_and_numbers() -> None:
    args = present.parse_search_args(
        {"q": "x", "kind": "law", "page": "3", "per_page": "100", "sort": "newest"}
    )
    assert (args["kind"], args["page"], args["per_page"], args["sort"]) == ("law", 3, 100, "newest")


@pytest.mark.parametrize(
    "params",
    [
        {"page": "abc"},
        {"page": "0"},
        {"page": "-1"},
        {"page": "1.5"},
        {"per_page": "101"},
        {"sort": "x"},
        {"page": "１"},
    ],
)
def test_parse_search_args_rejects_bad_values(params: dict[str, str]) -> None:
    with pytest.raises(BadQuery):
        present.parse_search_args({"q": "x", **params})


def test_link_args_resets_page_and_drops_defaults() -> None:
    current = present.parse_search_args({"q": "质量", "kind": "law", "page": "4"})
    assert present.link_args(current, level="法律") == {"q": "质量", "kind": "law", "level": "法律"}
    assert present.link_args(current, kind="") == {"q": "质量"}
    assert present.link_args(current, page=5) == {"q": "质量", "kind": "law", "page": 5}
    assert present.link_args(current, sort="newest")["sort"] == "newest"


# --- facets ----------------------------------------------------------------------------


def test_build_facets_toggles_values_and_keeps_the_query() -> None:
    current = present.parse_search_args({"q": "质量", "kind": "law"})
    facets = present.build_facets(
        {"kind": {"law": 3, "policy": 5}, "level": {"法律": 2}, "year": {}}, current
    )
    assert [f.name for f in facets] == ["kind", "level"]
    kind = facets[0]
    assert [(v.value, v.label, v.count, v.selected) for v in kind.values] == [
        ("policy", "政策文件", 5, False),
        ("law", "法律法规", 3, True),
    ]
    assert kind.values[0].args == {"q": "质量", "kind": "policy"}
    assert kind.values[1].args == {"q": "质量"}, "a selected value links to its removal"
    assert facets[1].values[0].args == {"q": "质量", "kind": "law", "level": "法律"}


def test_build_facets_keeps_a_selected_value_beyond_the_limit() -> None:
    counts = {"issuer": {f"机关{i:02d}": 100 - i for i in range(30)}}
    current = present.parse_search_args({"q": "x", "issuer": "机关29"})
    values = present.build_facets(counts, current, limit=5)[0].values
    assert len(values) == 6 and values[-1].selected


def test_active_filters_link_to_their_removal() -> None:
    current = present.parse_search_args({"q": "质量", "kind": "law", "status": "现行"})
    active = present.active_filters(current)
    assert [(f.label, f.args) for f in active] == [
        ("类型:法律法规", {"q": "质量", "status": "现行"}),
        ("状态:现行", {"q": "质量", "kind": "law"}),
    ]


# --- grouping and pagination -------------------------------------------------------------


def test_group_hits_keeps_every_hit_in_rank_order_and_shows_the_first() -> None:
    hits = [
        FakeHit("a", "1", 9),
        FakeHit("b", "1", 8),
        FakeHit("a", "2", 7),
        FakeHit("a", "3", 6),
        FakeHit("a", "4", 5),
    ]
    groups = present.group_hits(hits, max_per_doc=3)
    assert [g.doc_id for g in groups] == ["a", "b"]
    assert [h.clause_id for h in groups[0].hits] == ["1", "2", "3", "4"]
    assert [h.clause_id for h in groups[0].shown] == ["1", "2", "3"]
    assert [h.clause_id for h in groups[0].more] == ["4"] and groups[1].more == []
    assert groups[0].url == "/doc/a" and groups[0].score == 9


@pytest.mark.parametrize(
    ("page", "total", "window"),
    [
        (1, 0, [1]),
        (1, 35, [1, 2, 3, 4]),
        (6, 200, [1, None, 4, 5, 6, 7, 8, None, 20]),
        (20, 200, [1, None, 18, 19, 20]),
        (3, 50, [1, 2, 3, 4, 5]),
    ],
)
def test_pagination_window(page: int, total: int, window: list[int | None]) -> None:
    assert present.Pagination(page, 10, total).window() == window


def test_pagination_bounds() -> None:
    pagination = present.Pagination(2, 10, 25)
    assert (pagination.pages, pagination.prev, pagination.next) == (3, 1, 3)
    assert (pagination.first_index, pagination.last_index) == (11, 20)
    last = present.Pagination(3, 10, 25)
    assert (last.next, last.first_index, last.last_index) == (None, 21, 25)
    assert present.Pagination(1, 10, 0).first_index == 0


# --- documents and clauses -------------------------------------------------------------


def test_own_text_cuts_out_the_sub_parts_of_a_law_article() -> None:
    document = law()
    tree = present.children_map(document.clauses)
    assert present.own_text(document.clause("a2"), tree) == present.ClauseParts("", "")
    assert present.own_text(document.clause("a2.p1"), tree) == present.ClauseParts(
        "生产者应当符合下列要求：", ""
    )
    assert present.own_text(document.clause("a1"), tree).lead == "为了测试，制定本法。"


def test_own_text_keeps_a_policy_heading_whole() -> None:
    document = policy()
    tree = present.children_map(document.clauses)
    assert present.own_text(document.clause("2.2"), tree).lead == "提升质量"


def test_clause_body_drops_a_repeated_label() -> None:
    assert present.clause_body(Clause("a1", "第一条", "第一条 为了测试。")) == "为了测试。"
    assert present.clause_body(Clause("1", "一、", "总体要求")) == "总体要求"


def test_toc_groups_top_level_clauses_under_headings_and_skips_sub_parts() -> None:
    sections = present.build_toc(law().clauses)
    assert [s.opens for s in sections] == [[(0, "第一章 总则", "h1")], [(0, "第二章 附则", "h2")]]
    assert [e.clause_id for e in sections[0].entries] == ["a1", "a2"]
    assert sections[0].entries[1].children == []
    nested = present.build_toc(policy().clauses)
    assert [e.clause_id for e in nested[0].entries] == ["1", "2"]
    assert [c.clause_id for c in nested[0].entries[1].children[0].children] == ["2.2.1", "2.2.2"]


def test_new_headings_opens_only_the_levels_that_change() -> None:
    assert present.new_headings("", "第一编 总则 > 第一章 一般规定") == [
        (0, "第一编 总则"),
        (1, "第一章 一般规定"),
    ]
    assert present.new_headings("第一编 总则 > 第一章 一般规定", "第一编 总则 > 第二章 自然人") == [
        (1, "第二章 自然人")
    ]
    assert present.new_headings("第一章 总则", "第一章 总则") == []


def test_neighbours_stay_at_the_same_depth() -> None:
    document = law()
    before, after = present.neighbours(document, document.clause("a2"))
    assert (before.clause_id, after.clause_id) == ("a1", "a3")
    assert present.neighbours(document, document.clause("a1"))[0] is None
    items = present.neighbours(document, document.clause("a2.p1.i1"))
    assert items == (None, document.clause("a2.p1.i2"))


def test_citations() -> None:
    document = law()
    assert present.citation(document) == "《中华人民共和国测试法》"
    assert present.citation(document, document.clause("a2")) == "《中华人民共和国测试法》第二条"
    assert (
        present.citation(document, document.clause("a2.p2"))
        == "《中华人民共和国测试法》第二条第二款"
    )
    assert (
        present.citation(document, document.clause("a2.p1.i2"))
        == "《中华人民共和国测试法》第二条第一款第（二）项"
    )
    standard = Document(
        "gb-t-19001-2016", "质量管理体系 要求", kind="standard", number="GB/T 19001-2016"
    )
    standard.clauses = [Clause("7.1.4", "7.1.4", "过程运行环境")]
    assert present.citation(standard, standard.clauses[0]) == "GB/T 19001-2016 7.1.4"
    assert present.citation(standard) == "GB/T 19001-2016"
    document = policy()
    assert present.citation(document, document.clause("2.2.1")) == "《某市实施意见》二、(二)1"


def standard(number: str = "") -> Document:
    """A standard with a chapter, nested clauses, an appendix and an appendix sub-clause."""
    clauses = [
        Clause("preamble", "", "智能网联汽车 组合驾驶辅助系统安全要求"),
        Clause("4", "4", "技术要求"),
        Clause("4.8", "4.8", "驾驶员状态监测", "4 技术要求", depth=1, parent_id="4"),
        Clause("4.8.3", "4.8.3", "应能监测。", "4 技术要求 > 4.8 驾驶员状态监测", depth=2, parent_id="4.8"),
        Clause("B", "附录B", "仿真试验可信度"),
        Clause("B.2", "B.2", "要求", "附录B", depth=1, parent_id="B"),
        Clause("B.2.2", "B.2.2", "模型", "附录B > B.2", depth=2, parent_id="B.2"),
        Clause("B.2.2.1", "B.2.2.1", "应验证。", "附录B > B.2 > B.2.2", depth=3, parent_id="B.2.2"),
    ]
    return Document("std-1", "智能网联汽车 组合驾驶辅助系统安全要求", kind="standard", number=number, clauses=clauses)


@pytest.mark.parametrize(
    ("number", "clause_id", "expected"),
    [
        ("", "4.8.3", "《智能网联汽车 组合驾驶辅助系统安全要求》4.8.3"),
        ("", "B.2.2.1", "《智能网联汽车 组合驾驶辅助系统安全要求》B.2.2.1"),
        ("", "B", "《智能网联汽车 组合驾驶辅助系统安全要求》附录B"),
        ("", "4", "《智能网联汽车 组合驾驶辅助系统安全要求》第4章"),
        ("", "preamble", "《智能网联汽车 组合驾驶辅助系统安全要求》"),
        ("GB 44495-2025", "4.8.3", "GB 44495-2025 4.8.3"),
        ("GB 44495-2025", "B.2.2.1", "GB 44495-2025 B.2.2.1"),
        ("GB 44495-2025", "B", "GB 44495-2025 附录B"),
        ("GB 44495-2025", "4", "GB 44495-2025 第4章"),
    ],
)
def test_standard_clauses_are_cited_by_their_own_number(number: str, clause_id: str, expected: str) -> None:
    document = standard(number)
    assert present.citation(document, document.clause(clause_id)) == expected


def test_law_items_under_a_single_paragraph_and_code_parts_are_cited_plainly() -> None:
    clauses = [
        Clause("a1165", "第一千一百六十五条", "行为人因过错侵害他人民事权益造成损害的，应当承担侵权责任。"),
        Clause("a1166", "第一千一百六十六条", "应当承担侵权责任：\n（一）甲；"),
        Clause("a1166.p1.i1", "（一）", "甲；", depth=1, parent_id="a1166", searchable=False),
    ]
    document = Document("law-2", "中华人民共和国民法典 侵权责任编", kind="law", clauses=clauses)
    assert present.citation(document, document.clause("a1165")) == "《中华人民共和国民法典》第一千一百六十五条"
    assert present.citation(document, document.clause("a1166.p1.i1")) == "《中华人民共和国民法典》第一千一百六十六条第（一）项"


def test_breadcrumb_links_the_heading_parts_that_name_ancestors() -> None:
    document = policy()
    clause = document.clause("2.2.1")
    crumbs = present.breadcrumb(clause, present.ancestors(document, clause))
    assert crumbs == [("二、主要任务", "2"), ("(二)提升质量", "2.2")]
    article = law().clause("a2.p2")
    assert present.breadcrumb(article, present.ancestors(law(), article)) == [
        ("第一章 总则", ""),
        ("第二条", "a2"),
    ]


def test_ref_candidates_accept_ids_and_numbers() -> None:
    assert present.ref_candidates("gb-t-19001-2016") == ["gb-t-19001-2016"]
    assert present.ref_candidates("GB/T 19001-2016") == ["gb-t-19001-2016"]


def test_citing_clause_keeps_citations_of_that_clause() -> None:
    entries = [
        {"doc_id": "x", "clause_id": "1", "cited_clause_id": "a2"},
        {"doc_id": "y", "clause_id": "2", "cited_clause_id": ""},
    ]
    assert present.citing_clause(entries, "a2") == entries[:1]
    assert present.citing_clause(entries, "a3") == []


def test_links_resolved_at_ingest_are_rendered_as_anchors() -> None:
    standard = Document("gb-t-1-2020", "测试标准", kind="standard", number="GB/T 1-2020")
    standard.clauses = [
        Clause("4", "4", "技术要求", position=0),
        Clause(
            "4.1",
            "4.1",
            "应符合4.2的要求，并符合GB/T 19001-2016的规定。",
            position=1,
            depth=1,
            parent_id="4",
        ),
        Clause(
            "4.2", "4.2", "见《中华人民共和国测试法》第二条。", position=2, depth=1, parent_id="4"
        ),
    ]
    cited = "《中华人民共和国测试法》第二条"
    start = standard.clauses[2].text.index(cited)
    links = [["4.2", start, start + len(cited), "law-1", "a2", "4.2"]]  # as the links table holds it
    own = citations.own_links(standard)
    assert own == [["4.1", 3, 6, "4.2"]]
    found = present.stored_cross_references(standard, links, own)
    assert found["4.1"] == [present.Anchor("4.2", "#4.2", True)]
    assert found["4.2"] == [present.Anchor(cited, "/doc/law-1#a2")]
    on_page = present.stored_cross_references(standard, links, own, "/doc/gb-t-1-2020/{clause_id}")
    assert on_page["4.1"] == [present.Anchor("4.2", "/doc/gb-t-1-2020/4.2", True)]


def test_link_segments() -> None:
    a, b = present.Anchor("《甲法》第二条", "/doc/x#a2"), present.Anchor("《甲法》", "/doc/x")
    segments = present.link_segments("依照《甲法》第二条和《甲法》处理", [b, a])
    assert segments == [
        ("依照", None),
        ("《甲法》第二条", a),
        ("和", None),
        ("《甲法》", b),
        ("处理", None),
    ]
    assert present.link_segments("", [a]) == [("", None)]
    assert present.link_segments("无引用", []) == [("无引用", None)]


def test_heading_openings_number_every_opened_level() -> None:
    clauses = [
        Clause("a1", "第一条", "x", heading="第一编 总则 > 第一章 基本规定", position=0),
        Clause("a2", "第二条", "x", heading="第一编 总则 > 第一章 基本规定", position=1),
        Clause("a3", "第三条", "x", heading="第一编 总则 > 第二章 自然人", position=2),
        Clause("a4", "第四条", "x", heading="第二编 物权", position=3),
    ]
    assert present.heading_openings(clauses) == {
        "a1": [(0, "第一编 总则", "h1"), (1, "第一章 基本规定", "h2")],
        "a3": [(1, "第二章 自然人", "h3")],
        "a4": [(0, "第二编 物权", "h4")],
    }


def test_a_part_of_a_code_is_cited_under_the_code() -> None:
    part = Document("law-2", "中华人民共和国民法典 合同编", kind="law")
    part.clauses = [Clause("a470", "第四百七十条", "合同的内容由当事人约定。")]
    assert present.citation(part, part.clauses[0]) == "《中华人民共和国民法典》第四百七十条"
    assert present.citation(Document("x", "某某条例 (2020修订)")) == "《某某条例 (2020修订)》"


def test_safe_snippet_keeps_only_mark_tags() -> None:
    assert (
        present.safe_snippet("a &lt;b&gt; <mark>质量</mark> &amp; c")
        == "a &lt;b&gt; <mark>质量</mark> &amp; c"
    )
    assert (
        present.safe_snippet("<script>x</script><mark>y</mark>")
        == "&lt;script&gt;x&lt;/script&gt;<mark>y</mark>"
    )
