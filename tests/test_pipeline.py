"""The pipeline's own decisions: bundled samples on a fresh home, removed pages, lifecycle."""

from __future__ import annotations

import datetime as dt
import gc
import shutil
from pathlib import Path

import pytest

from conftest import SEED
from stdsearch import pipeline
from stdsearch.records import Clause, Document
from stdsearch.search import SearchRequest, search
from stdsearch.settings import Home
from stdsearch.store import Store


def page(doc_id: str, text: str, **extra: object) -> Document:
    return Document(
        doc_id=doc_id,
        title="测试页面",
        text=text,
        clauses=[Clause(clause_id="p1", label="第一段", text=text)],
        extra=dict(extra),
    )


def test_fresh_home_serves_the_bundled_sample(tmp_path: Path) -> None:
    (tmp_path / "corpus" / "samples").mkdir(parents=True)
    shutil.copy(SEED, tmp_path / "corpus" / "samples")
    home = Home.resolve(tmp_path)
    pipeline.ensure_index(home)
    assert search(home, SearchRequest(q="明厨亮灶")).total == 1


def test_missing_index_is_rebuilt_from_the_store(tmp_path: Path) -> None:
    home = Home.resolve(tmp_path)
    pipeline.ingest(home, [SEED])
    shutil.rmtree(home.index)
    pipeline.ensure_index(home)
    assert search(home, SearchRequest(q="明厨亮灶")).total == 1


def test_a_removed_page_is_kept_but_no_longer_found(tmp_path: Path) -> None:
    home = Home.resolve(tmp_path)
    pipeline.index_documents(home, [page("page-1", "电动自行车停放管理")])
    assert search(home, SearchRequest(q="电动自行车")).total == 1
    pipeline.index_documents(home, [page("page-1", "电动自行车停放管理", removed=True)])
    assert search(home, SearchRequest(q="电动自行车")).total == 0
    assert Store(home).get("page-1").extra["removed"] is True


def test_a_document_taking_effect_later_is_upcoming() -> None:
    document = Document(doc_id="d", title="t", status="现行", effective_date="2031-01-01")
    pipeline.apply_lifecycle(document, dt.date(2026, 11, 28))
    assert document.status == "即将实施"
    repealed = Document(doc_id="r", title="t", status="废止", effective_date="2031-01-01")
    pipeline.apply_lifecycle(repealed, dt.date(2026, 11, 28))
    assert repealed.status == "废止"


def test_a_document_filed_under_two_folders_is_stored_once_and_unchanged_the_next_night(tmp_path: Path) -> None:
    samples = Path(SEED).parent / "laws"
    law = next(p for p in sorted(samples.rglob("*.md")) if not p.name.startswith("_"))
    for folder in ("社会法", "经济法"):  # the shared data files some laws under two branches of law
        (tmp_path / "in" / folder).mkdir(parents=True)
        shutil.copy(law, tmp_path / "in" / folder / law.name)
    home = Home.resolve(tmp_path / "home")
    first = pipeline.ingest(home, [tmp_path / "in"])
    (doc_id,) = Store(home).ids()
    assert (first.added, first.updated, first.failed) == (1, 1, 0)
    assert sorted(Store(home).entry(doc_id)["sources"]) == sorted(str(p.resolve()) for p in (tmp_path / "in").rglob("*.md"))
    again = pipeline.ingest(home, [tmp_path / "in"])
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2), "nothing to do the next night (two files unchanged)"
    (tmp_path / "in" / "社会法" / law.name).unlink()
    after = pipeline.ingest(home, [tmp_path / "in"])
    assert Store(home).ids() == [doc_id] and after.removed == 0, "still given by the other file"
    assert list(Store(home).entry(doc_id)["sources"]) == [str((tmp_path / "in" / "经济法" / law.name).resolve())]
    assert search(home, SearchRequest(q=Store(home).get(doc_id).title)).total > 0


def test_the_cyclic_garbage_collector_is_paused_only_within_an_ingest_block() -> None:
    assert gc.isenabled()
    with pipeline.collection_paused():
        assert not gc.isenabled()
        with pipeline.collection_paused():
            assert not gc.isenabled()
        assert not gc.isenabled(), "an inner block leaves the outer one paused"
    assert gc.isenabled()
    with pytest.raises(ValueError), pipeline.collection_paused():
        raise ValueError("a failed ingest")
    assert gc.isenabled(), "collection resumes after an error too"


def test_documents_relinked_are_journalled_before_they_are_stored(tmp_path: Path) -> None:
    from stdsearch.standards import ingest as standards_ingest

    store = Store(Home.resolve(tmp_path))
    old = Document(doc_id="gb-t-1-2000", title="标准化工作导则", kind="standard", number="GB/T 1-2000", status="现行")
    new = Document(
        doc_id="gb-t-1-2010", title="标准化工作导则", kind="standard", number="GB/T 1-2010", status="现行",
        replaces=["GB/T 1-2000"],
    )
    store.put(old)
    store.put(new)
    noted: dict[str, list[str]] = {}

    def journal(doc_ids: list[str]) -> None:  # what the store held when the ids were noted
        noted.update({doc_id: list(store.get(doc_id).replaced_by) for doc_id in doc_ids})

    standards_ingest.link_editions(store, [new], journal)
    assert noted.get("gb-t-1-2000") == [], "noted while the store still held the old links"
    assert store.get("gb-t-1-2000").replaced_by == ["GB/T 1-2010"]
