"""The corpus store: corpus/docs/<doc_id>.json, the source of truth.

The index is derived from these files and can always be rebuilt from them. A small manifest
(corpus/manifest.json: doc_id → source, sha256, title, number, status …) is derived too; it
lets ingest decide quickly what changed and lets pages resolve titles and numbers.

Whatever else is derived from the corpus (title and number tables, the citation resolver,
the edition index, the compliance register, the "cited by" map) is built through
:meth:`Store.derived`: once per manifest version and process. Writers save the manifest last,
after the derived files, so a value built for a manifest version never predates it.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from stdsearch import files
from stdsearch.errors import NotFound
from stdsearch.identity import is_valid_id
from stdsearch.records import Document
from stdsearch.settings import Home

#: Manifest fields copied from each document.
MANIFEST_FIELDS = (
    "title", "kind", "level", "number", "status", "source", "sha256", "issuer", "region",
    "publish_date", "effective_date", "abolish_date", "replaces", "replaced_by", "sources",
)


def write_atomically(path: Path, data: str) -> None:
    """Write text to ``path`` so that readers see the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(data)
        files.give_default_mode(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


T = TypeVar("T")

#: (home root, name) → (manifest version, value): what :meth:`Store.derived` built.
_derived: dict[tuple[str, str], tuple[str, Any]] = {}
_derived_lock = threading.Lock()


def manifest_entry(document: Document) -> dict[str, Any]:
    """The manifest's summary of one document."""
    entry = {name: getattr(document, name) for name in MANIFEST_FIELDS}
    entry["pipeline"] = document.extra.get("pipeline")
    entry["current_edition"] = document.extra.get("current_edition", "")
    entry["digest"] = document.body_digest()  # what the change history compares
    return entry


class Store:
    """Documents as JSON files under a home's corpus/docs/."""

    def __init__(self, home: Home):
        self.home = home
        self._manifest: dict[str, dict[str, Any]] | None = None
        self._unsaved = False
        #: source → ids whose entries named it (checked against the manifest when asked).
        self._by_source: dict[str, set[str]] | None = None

    def path(self, doc_id: str) -> Path:
        """The JSON file of a document."""
        if not is_valid_id(doc_id):
            raise NotFound(f"no document {doc_id!r}")
        return self.home.docs / f"{doc_id}.json"

    def get(self, doc_id: str) -> Document:
        """The stored document; NotFound when there is none."""
        path = self.path(doc_id)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise NotFound(f"no document {doc_id!r}") from None
        return Document.from_dict(data)

    def exists(self, doc_id: str) -> bool:
        """True when the document is stored."""
        return is_valid_id(doc_id) and self.path(doc_id).exists()

    def ids(self) -> list[str]:
        """All stored document ids, sorted."""
        if not self.home.docs.exists():
            return []
        return sorted(p.stem for p in self.home.docs.glob("*.json") if not p.name.startswith("."))

    def documents(self) -> Iterator[Document]:
        """Every stored document, in id order."""
        for doc_id in self.ids():
            yield self.get(doc_id)

    def put(self, document: Document) -> None:
        """Store (or replace) a document; the manifest is updated by :meth:`save_manifest`."""
        write_atomically(self.path(document.doc_id), document.to_json())
        self.note(document)

    def note(self, document: Document) -> None:
        """Bring a stored document's manifest entry up to date (saved by :meth:`save_manifest`)."""
        entry = self.manifest()[document.doc_id] = manifest_entry(document)
        self._unsaved = True
        if self._by_source is not None:
            for source in _sources_of(entry):
                self._by_source.setdefault(source, set()).add(document.doc_id)

    def delete(self, doc_id: str) -> None:
        """Remove a document from the store (no error when absent)."""
        self.path(doc_id).unlink(missing_ok=True)
        self.manifest().pop(doc_id, None)
        self._unsaved = True

    @property
    def manifest_path(self) -> Path:
        """corpus/manifest.json."""
        return self.home.corpus / "manifest.json"

    def manifest(self) -> dict[str, dict[str, Any]]:
        """doc_id → summary of every stored document (rebuilt from the docs when missing)."""
        if self._manifest is None:
            try:
                self._manifest = json.loads(self.manifest_path.read_text(encoding="utf-8"))
            except (FileNotFoundError, json.JSONDecodeError):
                self._manifest = {d.doc_id: manifest_entry(d) for d in self.documents()}
        return self._manifest

    def save_manifest(self) -> None:
        """Write the manifest after a batch of puts and deletes."""
        payload = json.dumps(self.manifest(), ensure_ascii=False, sort_keys=True)
        write_atomically(self.manifest_path, payload)
        self._unsaved = False

    def version(self) -> str:
        """What identifies the saved manifest's state: a new value after every save ("" when
        there is none). Each save writes a new file, so its inode, time and size change."""
        try:
            info = self.manifest_path.stat()
        except OSError:
            return ""
        return f"{info.st_ino}:{info.st_mtime_ns}:{info.st_size}"

    def derived(self, name: str, build: Callable[[Store], T]) -> T:
        """The value ``build(store)`` derives from this corpus, built once per manifest version
        and shared by every Store of this home in the process (a store with unsaved changes
        builds its own, uncached)."""
        if self._unsaved:
            return build(self)
        version = self.version()
        key = (str(self.home.root), name)
        with _derived_lock:
            cached = _derived.get(key)
        if cached is not None and cached[0] == version:
            return cached[1]
        value = build(self)
        with _derived_lock:
            _derived[key] = (version, value)
        return value

    def replace_manifest(self, manifest: dict[str, dict[str, Any]]) -> None:
        """Replace the manifest with one rebuilt from the stored documents (written by
        :meth:`save_manifest`)."""
        self._manifest = manifest
        self._unsaved = True
        self._by_source = None

    def ids_from_source(self, source: str) -> list[str]:
        """Ids of stored documents that came from this file or URL, sorted (looked up in a
        table of sources built once per store, not by a pass over the whole manifest)."""
        if self._by_source is None:
            self._by_source = {}
            for doc_id, entry in self.manifest().items():
                for named in _sources_of(entry):
                    self._by_source.setdefault(named, set()).add(doc_id)
        manifest = self.manifest()
        candidates = self._by_source.get(source, ())
        return sorted(i for i in candidates if i in manifest and source in _sources_of(manifest[i]))

    def find(self, **conditions: str) -> list[str]:
        """Ids of documents whose manifest entries match all the given field values."""
        return [
            doc_id
            for doc_id, entry in self.manifest().items()
            if all(entry.get(k) == v for k, v in conditions.items())
        ]

    def cited_by(self, doc_id: str) -> list[dict[str, Any]]:
        """Clauses of other documents that cite this one (from corpus/citations.json)."""
        return self.citations().get(doc_id, [])

    def citations(self) -> dict[str, list[dict[str, Any]]]:
        """The derived citation map: cited doc_id → citing clauses."""
        path = self.home.corpus / "citations.json"
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return {}

    def save_citations(self, citations: dict[str, list[dict[str, Any]]]) -> None:
        """Replace the derived citation map."""
        write_atomically(self.home.corpus / "citations.json", json.dumps(citations, ensure_ascii=False))


def _sources_of(entry: dict[str, Any]) -> set[str]:
    """The files and URLs a manifest entry came from."""
    return {entry.get("source") or "", *(entry.get("sources") or ())} - {""}


class Journal:
    """corpus/pending.log: the documents stored (or deleted) by a write not yet committed to
    the index, one ``stored <id>`` or ``deleted <id>`` line each.

    A writer notes ids here before it changes the store, and clears the journal once the index
    commit and the manifest are written; whatever is still listed after a kill is what the next
    writer must index again (or drop) before anything else.
    """

    def __init__(self, home: Home):
        self.path = home.corpus / "pending.log"

    def note(self, stored: list[str] | tuple[str, ...] = (), deleted: list[str] | tuple[str, ...] = ()) -> None:
        """Append ids about to be stored or deleted (written before the store changes)."""
        lines = [f"stored {i}\n" for i in stored] + [f"deleted {i}\n" for i in deleted]
        if not lines:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as handle:  # in the page cache before the
            handle.writelines(lines)  # store changes: a killed process cannot lose it (no fsync,
            # like the documents themselves: a power cut is not what this journal is for)

    def pending(self) -> tuple[list[str], list[str]]:
        """(ids stored, ids deleted) since the last commit, each in first-noted order; an id
        deleted after it was stored counts as deleted, and the other way round."""
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return [], []
        last: dict[str, str] = {}
        for line in lines:
            action, _, doc_id = line.partition(" ")
            if action in ("stored", "deleted") and is_valid_id(doc_id):
                last.pop(doc_id, None)
                last[doc_id] = action
        return [i for i, a in last.items() if a == "stored"], [i for i, a in last.items() if a == "deleted"]

    def clear(self) -> None:
        """Forget everything: the index and the manifest agree with the store."""
        self.path.unlink(missing_ok=True)
