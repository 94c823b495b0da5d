"""The store's derived values: built once per manifest version, rebuilt after every save, and
never cached from unsaved changes."""

from __future__ import annotations

from pathlib import Path

from stdsearch.records import Document
from stdsearch.settings import Home
from stdsearch.store import Store


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
