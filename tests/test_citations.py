"""Cross-references: a clause citing 《产品质量法》第二十六条 links there, and the law lists who cites it."""

from __future__ import annotations

from pathlib import Path

from conftest import require_shared
from stdsearch import citations, pipeline
from stdsearch.records import Document
from stdsearch.settings import Home
from stdsearch.store import Store


def _law_and_policy(tmp_path: Path) -> Home:
    """A fresh home holding 产品质量法 and a notice citing its article 26 (ingested)."""
    law = require_shared("laws", "经济法", "产品质量法(2018-12-29).md")
    policy = tmp_path / "policy.txt"
    policy.write_text(
        "关于产品质量监督的通知\n\n一、总体要求\n\n1.生产者应当按照《中华人民共和国产品质量法》第二十六条的规定对产品质量负责。\n",
        encoding="utf-8",
    )
    home = Home.resolve(tmp_path / "home")
    report = pipeline.ingest(home, [law, policy])
    assert report.failed == 0, report.failures
    return home


def test_citing_clause_links_to_the_cited_article_and_is_listed_as_cited_by(tmp_path: Path) -> None:
    store = Store(_law_and_policy(tmp_path))
    law_id = next(i for i, e in store.manifest().items() if e["title"] == "中华人民共和国产品质量法")
    policy_id = next(i for i in store.ids() if i != law_id)

    cited_by = store.cited_by(law_id)
    assert {(c["doc_id"], c["cited_clause_id"]) for c in cited_by} == {(policy_id, "a26")}

    links = citations.links(store.get(policy_id), citations.Resolver(store))
    (link,) = [link for clause_links in links.values() for link in clause_links]
    assert link.url == f"/doc/{law_id}/a26"


def test_a_citation_of_the_civil_code_lands_in_the_part_holding_the_article(tmp_path: Path) -> None:
    general = require_shared("laws", "民法典", "总则.md")
    contract = require_shared("laws", "民法典", "合同编.md")
    notice = tmp_path / "notice.txt"
    notice.write_text(
        "关于合同纠纷调解的通知\n\n一、依照《中华人民共和国民法典》第五百七十七条和第十三条的规定处理。\n",
        encoding="utf-8",
    )
    home = Home.resolve(tmp_path / "home")
    assert pipeline.ingest(home, [general, contract, notice]).failed == 0
    store = Store(home)
    contract_id = next(i for i, e in store.manifest().items() if e["title"].endswith("合同编"))
    cited = {(c["cited_clause_id"]) for c in store.cited_by(contract_id)}
    assert cited == {"a577"}


def test_a_rebuild_files_each_document_under_the_keys_it_can_be_cited_by(tmp_path: Path) -> None:
    store = Store(Home.resolve(tmp_path / "home"))
    documents = [
        Document("law-quality", "中华人民共和国产品质量法", kind="law", status="现行"),
        Document("gb-t-19001-2016", "质量管理体系 要求", kind="standard", number="GB/T 19001-2016", status="现行"),
        Document("gb-t-19001-2008", "质量管理体系 要求", kind="standard", number="GB/T 19001-2008", status="废止"),
        Document("civil-code-contract", "中华人民共和国民法典 合同编", kind="law"),
    ]
    for document in documents:
        store.put(document)
    filed = citations.Resolver(store).keys_by_document()
    assert filed == {d.doc_id: citations.document_keys(d) for d in documents}
    assert {"n:gb/t19001-2016", "n:gb/t19001"} <= filed["gb-t-19001-2016"]


def _citation_tables(store: Store) -> dict[str, list[tuple[str, ...]]]:
    """Every row of the citation tables, sorted, by table."""
    import sqlite3

    connection = sqlite3.connect(citations.database_path(store))
    try:
        tables = ("cites", "cite_keys", "links", "link_targets", "own_links", "doc_keys")
        return {table: sorted(connection.execute(f"SELECT * FROM {table}").fetchall()) for table in tables}  # noqa: S608
    finally:
        connection.close()


def test_an_ingest_resolves_citations_as_it_indexes_as_a_rebuild_from_the_kept_rows_does(tmp_path: Path) -> None:
    home = _law_and_policy(tmp_path)  # a fresh home: resolved while indexing
    store = Store(home)
    resolved_while_indexing = _citation_tables(store)
    assert resolved_while_indexing["links"] and resolved_while_indexing["own_links"]
    assert resolved_while_indexing["doc_keys"] and resolved_while_indexing["cite_keys"]

    citations.rebuild(Store(home))  # from the kept rows, resolved one document at a time
    assert _citation_tables(store) == resolved_while_indexing


def test_rows_staged_before_the_manifest_is_final_are_resolved_and_newer_rows_win(tmp_path: Path) -> None:
    store = Store(_law_and_policy(tmp_path))
    expected = _citation_tables(store)
    documents = [store.get(doc_id) for doc_id in store.ids()]
    policy_id = next(d.doc_id for d in documents if d.title == "关于产品质量监督的通知")

    staged = citations.Staged(store)
    for document in documents:  # as a one-pass rebuild stages what its parse workers indexed
        staged.add(document.doc_id, citations.cites_of(document), citations.own_links(document))
    staged.add(policy_id, [], [])  # a copy the rebuild dropped: indexed again below
    staged.resolve_from_now()
    staged.resolve_some(count=1)  # one row now, the rest as the rebuild is published
    policy_document = store.get(policy_id)
    staged.add(policy_id, citations.cites_of(policy_document), citations.own_links(policy_document))
    citations.rebuild(store, staged)
    assert _citation_tables(store) == expected
    assert expected["links"]
