"""The store's manifest (SQLite, written row by row; an old manifest.json carried over) and its
derived values: built once per manifest version, rebuilt after every save, and never cached
from unsaved changes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stdsearch.errors import NotFound
from stdsearch.records import Document
from stdsearch.settings import Home
from stdsearch.store import Store, manifest_entry, write_atomically


def _titles(built: list[int]):  # type: ignore[no-untyped-def]
    def build(store: Store) -> list[str]:
        built.append(1)
        return sorted(entry["title"] for entry in store.manifest().values())

    return build


def test_a_derived_value_is_built_once_per_manifest_version(tmp_path: Path) -> None:
    home = Home(tmp_path)
    writer = Store(home)
    writer.put(Document("a-1", "产品质量法"))
    writer.save_manifest()
    built: list[int] = []
    build = _titles(built)
    assert Store(home).derived("titles", build) == ["产品质量法"]
    assert Store(home).derived("titles", build) == ["产品质量法"]
    assert len(built) == 1, "a second reader of the same manifest version reuses the value"
    writer.put(Document("b-2", "标准化法"))
    assert writer.derived("titles", build) == ["产品质量法", "标准化法"], "a writer sees its own changes"
    assert Store(home).derived("titles", build) == ["产品质量法"], "readers keep the saved state"
    writer.save_manifest()
    assert Store(home).derived("titles", build) == ["产品质量法", "标准化法"]
    assert len(built) == 3


def test_the_version_changes_with_every_save(tmp_path: Path) -> None:
    store = Store(Home(tmp_path))
    assert store.version() == ""
    store.put(Document("a-1", "产品质量法"))
    store.save_manifest()
    first = store.version()
    store.save_manifest()
    assert first and store.version() != first


def test_documents_are_found_by_every_source_they_came_from(tmp_path: Path) -> None:
    store = Store(Home(tmp_path))
    first = Document("gb-1-2020", "标准甲", kind="standard", source="/a.json", sources={"/a.json": "1", "/b.csv": "2"})
    store.put(first)
    store.put(Document("gb-2-2020", "标准乙", kind="standard", source="/b.csv"))
    assert store.ids_from_source("/b.csv") == ["gb-1-2020", "gb-2-2020"]
    store.put(Document("gb-1-2020", "标准甲", kind="standard", source="/a.json", sources={"/a.json": "3"}))
    store.delete("gb-2-2020")
    assert store.ids_from_source("/b.csv") == [], "entries changed or removed no longer count"
    assert store.ids_from_source("/a.json") == ["gb-1-2020"]
    store.save_manifest()
    assert Store(Home(tmp_path)).ids_from_source("/a.json") == ["gb-1-2020"]


def test_a_save_writes_the_changed_rows_and_an_old_manifest_json_is_carried_over(tmp_path: Path) -> None:
    home = Home(tmp_path)
    home.corpus.mkdir(parents=True)
    old = Store(home)
    for doc in (Document("a-1", "产品质量法", source="/a.md"), Document("b-2", "标准化法", source="/b.md")):
        write_atomically(old.path(doc.doc_id), doc.to_json())
    legacy = {"a-1": manifest_entry(Document("a-1", "产品质量法", source="/a.md")),
              "b-2": manifest_entry(Document("b-2", "标准化法", source="/b.md"))}
    (home.corpus / "manifest.json").write_text(json.dumps(legacy, ensure_ascii=False), encoding="utf-8")
    assert Store(home).entry("b-2") == legacy["b-2"] and Store(home).ids_from_source("/a.md") == ["a-1"]
    writer = Store(home)
    writer.put(Document("c-3", "计量法", source="/c.md"))
    writer.save_manifest()
    assert not (home.corpus / "manifest.json").exists(), "replaced by the SQLite manifest"
    assert sorted(Store(home).manifest()) == ["a-1", "b-2", "c-3"]
    writer = Store(home)
    writer.delete("a-1")
    writer.put(Document("b-2", "中华人民共和国标准化法", source="/b.md"))
    assert Store(home).entry("b-2")["title"] == "标准化法", "readers see the saved state until the save"
    writer.save_manifest()
    reader = Store(home)
    assert reader.entry("a-1") is None and reader.entry("b-2")["title"] == "中华人民共和国标准化法"
    assert reader.ids_from_source("/a.md") == [] and reader.ids_from_source("/c.md") == ["c-3"]
    assert list(reader.manifest()) == ["b-2", "c-3"]


def test_documents_are_rows_and_an_old_homes_files_are_read_then_replaced(tmp_path: Path) -> None:
    home = Home(tmp_path)
    old = Store(home)
    for doc in (Document("a-1", "产品质量法", source="/a.md"), Document("b-2", "标准化法", source="/b.md")):
        write_atomically(old.path(doc.doc_id), doc.to_json())  # as homes before the table kept them
    reader = Store(home)
    assert reader.ids() == ["a-1", "b-2"] and reader.get("b-2").title == "标准化法" and reader.exists("a-1")
    writer = Store(home)
    writer.put(Document("b-2", "中华人民共和国标准化法", source="/b.md"))
    writer.put(Document("c-3", "计量法", source="/c.md"))
    assert not old.path("b-2").exists() and not old.path("c-3").exists(), "a row, not a file"
    assert home.documents.exists() and old.path("a-1").exists(), "the unchanged one stays a file until written"
    reader = Store(home)  # another process would see the same: each put is committed
    assert reader.ids() == ["a-1", "b-2", "c-3"] and reader.get("b-2").title == "中华人民共和国标准化法"
    assert set(reader.sizes()) == {"a-1", "b-2", "c-3"} and min(reader.sizes().values()) > 10
    writer.delete("a-1")
    writer.delete("c-3")
    writer.delete("never-stored")
    assert Store(home).ids() == ["b-2"] and not old.path("a-1").exists() and not Store(home).exists("c-3")
    with pytest.raises(NotFound):
        Store(home).get("c-3")


def test_a_batch_of_puts_is_committed_together_and_read_at_once_by_its_store(tmp_path: Path) -> None:
    home = Home(tmp_path)
    writer = Store(home)
    writer.put(Document("a-1", "产品质量法", source="/a.md"))
    with writer.batch():
        writer.put(Document("b-2", "标准化法", source="/b.md"))
        writer.delete("a-1")
        assert writer.ids() == ["b-2"] and writer.get("b-2").title == "标准化法", "its own store reads it at once"
        assert Store(home).ids() == ["a-1"], "others see the last commit"
    assert Store(home).ids() == ["b-2"]
    with pytest.raises(RuntimeError), writer.batch():
        writer.put(Document("c-3", "计量法", source="/c.md"))
        raise RuntimeError("an error in the middle")
    assert Store(home).exists("c-3"), "what was stored before the error is kept"


def test_entries_encoded_ahead_are_saved_as_they_are_then(tmp_path: Path) -> None:
    home = Home(tmp_path)
    writer = Store(home)
    for number in range(5):
        writer.put(Document(f"a-{number}", f"标准{number}"))
    assert writer.encode_entries(count=3) is True  # two left
    writer.put(Document("a-1", "标准1（修订）"))  # after its entry was encoded
    assert writer.encode_entries(count=3) is False
    writer.delete("a-2")
    writer.save_manifest()

    saved = Store(home).manifest()
    assert {doc_id: entry["title"] for doc_id, entry in saved.items()} == {
        "a-0": "标准0", "a-1": "标准1（修订）", "a-3": "标准3", "a-4": "标准4"
    }
    assert saved["a-0"] == manifest_entry(Document("a-0", "标准0"))
