"""The one place that chains the stages: files → parse → clauses → store → index.

The CLI, the crawler and the web app call these functions; each stage stays a function
from one record to the next.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stdsearch import citations, clauses, parse, semantic
from stdsearch import index as index_mod
from stdsearch.compliance import changes
from stdsearch.errors import NotADocument, StdsearchError
from stdsearch.parse import catalogue, standard_md
from stdsearch.records import STATUS_CURRENT, STATUS_UPCOMING, Document
from stdsearch.search import engines
from stdsearch.settings import Home
from stdsearch.standards import ingest as standards_ingest
from stdsearch.standards import reference as standards_reference
from stdsearch.store import Store, manifest_entry

#: Bump when parsing or clause splitting changes, so unchanged files are parsed again.
PIPELINE_VERSION = 2
#: Batches larger than this rebuild the index with two processes instead of updating it.
REBUILD_THRESHOLD = 300

Progress = Callable[[str], None]


@dataclass
class Failure:
    """An input that could not be ingested, and why."""

    path: str
    reason: str


@dataclass
class IngestReport:
    """What an ingest run did: the summary a script reads."""

    documents: int = 0
    clauses: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    failed: int = 0
    failures: list[Failure] = field(default_factory=list)
    #: Inputs knowingly not documents (catalogue metadata; reference data, which is kept).
    skipped: list[Failure] = field(default_factory=list)
    seconds: float = 0.0
    #: The documents removed because their file under an ingested folder is gone.
    removed_documents: list[dict[str, str]] = field(default_factory=list)

    def fail(self, path: str, reason: str) -> None:
        """Record a failed input."""
        self.failed += 1
        self.failures.append(Failure(path, reason))

    def skip(self, path: str, reason: str) -> None:
        """Record an input that is not a document (not a failure)."""
        self.skipped.append(Failure(path, reason))

    def summary(self) -> str:
        """One line for people."""
        line = (
            f"{self.documents} documents ({self.added} added, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.removed} removed), {self.clauses} clauses indexed, "
            f"{self.failed} failed, {len(self.skipped)} skipped in {self.seconds:.1f} s"
        )
        return line


# --- inputs -----------------------------------------------------------------------------


def expand_paths(paths: Iterable[Path], report: IngestReport) -> Iterator[Path]:
    """Files named directly, and the document files found recursively in folders.

    A multi-file standard (README.md with sections/ beside it) is one input: its folder.
    """
    for path in paths:
        if standard_md.is_standard_folder(path):
            yield path.parent if path.is_file() else path
        elif path.is_dir():
            yield from _walk(path)
        elif path.is_file():
            yield path
        else:
            report.fail(str(path), "no such file or folder")


def _walk(folder: Path) -> Iterator[Path]:
    if standard_md.is_standard_folder(folder):
        yield folder
        return
    for child in sorted(folder.iterdir()):
        if child.name.startswith("."):
            continue
        if child.is_dir():
            yield from _walk(child)
        elif parse.is_document_file(child):
            yield child


def file_sha256(path: Path) -> str:
    """The sha256 of a file's bytes (of a bundle folder: of its files' bytes)."""
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        digest.update(file.read_bytes())
    return digest.hexdigest()


def read_documents(path: Path) -> list[Document]:
    """Parse one input: a file, or a multi-file standard's folder; catalogue entries that
    name a full-text file (relative to the catalogue) get its text and clauses."""
    if path.is_dir():
        return standard_md.parse_standard_folder(path)
    return [_with_fulltext(d, path.parent) for d in parse.parse_file(path)]


def _with_fulltext(document: Document, base: Path) -> Document:
    fulltext = document.extra.get("fulltext")
    if not fulltext:
        return document
    target = base / fulltext
    if not target.exists():
        document.extra["fulltext_missing"] = str(target)
        return document
    parsed = read_documents(target)
    return catalogue.attach_fulltext(document, parsed[0]) if parsed else document


# --- stages -----------------------------------------------------------------------------


def apply_lifecycle(document: Document, today: dt.date) -> None:
    """A current document that takes effect after today is 即将实施."""
    if document.status in (STATUS_CURRENT, "") and document.effective_date > today.isoformat():
        document.status = STATUS_UPCOMING


def prepare(document: Document, sha256: str, today: dt.date) -> Document:
    """Split a parsed document into clauses (unless its parser did) and stamp it."""
    if not document.clauses:
        document.clauses = clauses.split(document)
    document.sha256 = document.sha256 or sha256
    document.extra["pipeline"] = PIPELINE_VERSION
    document.extra["cites"] = citations.extract(document)
    apply_lifecycle(document, today)
    return document


def is_unchanged(store: Store, source: str, sha256: str) -> bool:
    """True when this source was ingested before with the same bytes and pipeline."""
    ids = store.ids_from_source(source)
    if not ids:
        return False
    entries = [store.manifest()[i] for i in ids]
    return all(_source_sha(e, source) == sha256 and e.get("pipeline") == PIPELINE_VERSION for e in entries)


def _source_sha(entry: dict, source: str) -> str:
    """The sha256 of ``source`` as it was when it contributed to this manifest entry."""
    return (entry.get("sources") or {}).get(source) or entry.get("sha256", "")


def ingest_file(store: Store, path: Path, today: dt.date, report: IngestReport) -> tuple[list[Document], list[str]]:
    """Parse one file into stored documents; returns (changed documents, removed ids)."""
    source = str(path.resolve())
    sha256 = file_sha256(path)
    if is_unchanged(store, source, sha256):
        report.unchanged += len(store.ids_from_source(source))
        return [], []
    ref = standards_reference.of(store.home)
    documents = [prepare(standards_ingest.derive(d, ref), sha256, today) for d in read_documents(path)]
    previous = set(store.ids_from_source(source))
    for position, document in enumerate(documents):
        document.source = source
        settled = standards_ingest.settle(store, document, source, sha256)
        if settled is not document:
            documents[position] = document = prepare(settled, sha256, today)
        if store.exists(document.doc_id):
            report.updated += 1
        else:
            report.added += 1
        store.put(document)
    removed = []
    for doc_id in sorted(previous - {d.doc_id for d in documents}):
        rest = standards_ingest.withdraw(store, doc_id, source)
        if rest is None:
            store.delete(doc_id)
            removed.append(doc_id)
        else:
            store.put(prepare(rest, rest.sha256, today))
            documents.append(rest)
    return documents, removed


@dataclass
class RemoveReport:
    """What ``stdsearch remove`` did: the summary a script reads."""

    removed: int = 0
    documents: list[dict[str, str]] = field(default_factory=list)
    failed: int = 0
    failures: list[Failure] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        """One line for people."""
        return f"{self.removed} documents removed, {self.failed} targets not found in {self.seconds:.1f} s"


def _removal(store: Store, doc_id: str, reason: str = "") -> dict[str, str]:
    """How a removed document is reported: its id, title, source (and why it went)."""
    entry = store.manifest().get(doc_id, {})
    gone = {"doc_id": doc_id, "title": entry.get("title", ""), "source": entry.get("source", "")}
    return {**gone, "reason": reason} if reason else gone


def _under(source: str, folder: str) -> bool:
    """True when the stored source path lies inside ``folder`` (both resolved)."""
    return source.startswith(folder.rstrip(os.sep) + os.sep)


def vanished_under(store: Store, folder: Path) -> list[str]:
    """Ids of stored documents whose source file (or bundle folder) under ``folder`` is gone."""
    root = str(folder.resolve())
    return sorted(
        doc_id
        for doc_id, entry in store.manifest().items()
        if _under(entry.get("source") or "", root) and not Path(entry["source"]).exists()
    )


def ids_for_target(store: Store, target: str) -> list[str]:
    """The stored documents a ``remove`` target names: a document id, a URL, or a file or
    folder path (every document that came from it, whether or not it still exists)."""
    if store.exists(target):
        return [target]
    if "://" in target:
        return store.ids_from_source(target)
    resolved = str(Path(target).expanduser().resolve())
    return sorted(
        doc_id
        for doc_id, entry in store.manifest().items()
        if (entry.get("source") or "") == resolved or _under(entry.get("source") or "", resolved)
    )


def remove(home: Home, targets: Iterable[str]) -> RemoveReport:
    """Remove documents (ids, or the files, folders and URLs they came from) from the store and
    the index, and update vectors and cross-references. A target that names nothing is a failure.
    Raises IndexBusy when another process is writing."""
    started = time.perf_counter()
    report = RemoveReport()
    store = Store(home)
    with index_mod.write_lock(home):
        removed: list[str] = []
        for target in targets:
            ids = [i for i in ids_for_target(store, target) if i not in removed]
            if not ids and not any(target in (d["doc_id"], d["source"]) for d in report.documents):
                report.failed += 1
                report.failures.append(Failure(target, "no document with this id, file, folder or URL"))
            report.documents.extend(_removal(store, doc_id) for doc_id in ids)
            removed.extend(ids)
        _drop(home, store, removed)
    report.removed = len(removed)
    report.seconds = time.perf_counter() - started
    return report


def _drop(home: Home, store: Store, removed: list[str]) -> None:
    """Delete documents from the store, the index, the vectors and the cross-references
    (the caller holds the write lock)."""
    if not removed:
        return
    for doc_id in removed:
        store.delete(doc_id)
    store.save_manifest()
    _write_index(home, store, [], removed)
    citations.update(store, [], removed)
    changes.record(home, [], removed)


def ingest(
    home: Home,
    paths: Iterable[Path | str],
    progress: Progress | None = None,
    on_total: Callable[[int], None] | None = None,
) -> IngestReport:
    """Ingest files and folders into a home: store every document, update the index.

    A bad file is recorded in the report and skipped; the rest of the batch lands. The
    documents whose files under an ingested folder are gone are removed (and listed in
    ``removed_documents``). ``progress`` is called with each input as it starts, ``on_total``
    once with the number of inputs. Raises IndexBusy when another process is writing.
    """
    started = dt.datetime.now()
    clock = time.perf_counter()
    report = IngestReport()
    store = Store(home)
    inputs = [Path(p) for p in paths]
    with index_mod.write_lock(home):
        changed, removed = [], []
        for folder in (p for p in inputs if p.is_dir()):
            for doc_id in vanished_under(store, folder):
                if doc_id not in removed:
                    report.removed_documents.append(_removal(store, doc_id, "file gone"))
                    store.delete(doc_id)
                    removed.append(doc_id)
        found = list(standards_ingest.reference_first(expand_paths(inputs, report)))
        if on_total:
            on_total(len(found))
        for path in found:
            if progress:
                progress(str(path))
            try:
                docs, gone = ingest_file(store, path, started.date(), report)
            except standards_reference.ReferenceData as data:
                standards_reference.save(home, data)
                report.skip(str(path), str(data))
                continue
            except NotADocument as error:
                report.skip(str(path), str(error))
                continue
            except (StdsearchError, OSError, UnicodeError, ValueError) as error:
                report.fail(str(path), _reason(error))
                continue
            changed.extend(docs)
            removed.extend(gone)
        relinked = standards_ingest.link_editions(store, changed)
        store.save_manifest()
        report.clauses = _write_index(home, store, changed + relinked, removed)
        if changed or removed:
            citations.update(store, changed, removed)
            changes.record(home, changed, removed)
    report.documents = len(changed) + report.unchanged
    report.removed = len(removed)
    report.seconds = round(time.perf_counter() - clock, 3)
    return report


def index_documents(home: Home, documents: Iterable[Document], removed_ids: Iterable[str] = ()) -> IngestReport:
    """Store already-parsed documents (from the crawler) and update the index."""
    report = IngestReport()
    store = Store(home)
    today = dt.date.today()
    with index_mod.write_lock(home):
        changed = []
        for document in documents:
            prepare(document, document.sha256, today)
            report.updated += store.exists(document.doc_id)
            report.added += not store.exists(document.doc_id)
            store.put(document)
            changed.append(document)
        removed = list(removed_ids)
        store.save_manifest()
        report.clauses = _write_index(home, store, changed, removed)
        citations.update(store, changed, removed)
        changes.record(home, changed, removed)
    report.documents = len(changed)
    report.removed = len(removed)
    return report


def _reason(error: BaseException) -> str:
    if isinstance(error, StdsearchError):
        return str(error)
    if isinstance(error, OSError):
        return f"cannot read: {error.strerror or error}"
    return f"{type(error).__name__}: {error}"


def _write_index(home: Home, store: Store, changed: list[Document], removed: list[str]) -> int:
    """Bring the index up to date with the store: incrementally, or by a rebuild."""
    replica = engines.replica()
    if not index_mod.exists(home) or len(changed) > REBUILD_THRESHOLD:
        count = index_mod.rebuild(home, store.documents(), procs=2 if len(changed) > REBUILD_THRESHOLD else 1)
        if replica:
            replica.rebuild_documents(home, store.documents())
        return count
    if not changed and not removed:
        if replica:
            replica.ensure_documents(home, store.documents)
        return 0
    count = index_mod.update(home, changed, removed)
    semantic.after_ingest(home, changed, removed)
    if replica:
        replica.update_documents(home, changed, removed)
    return count


def reindex(home: Home, procs: int = 2, progress: Callable[[Document], None] | None = None) -> int:
    """Rebuild the whole index from corpus/docs and swap it in atomically. The manifest, the
    links and "cited by" are rebuilt from the same pass over the stored documents, so nothing
    points at a document that is no longer stored."""
    store = Store(home)
    manifest: dict[str, dict[str, Any]] = {}
    rows: dict[str, list[list[Any]]] = {}

    def noted(documents: Iterable[Document]) -> Iterator[Document]:
        for document in documents:
            manifest[document.doc_id] = manifest_entry(document)
            rows[document.doc_id] = document.extra.get("cites") or citations.extract(document)
            yield document

    with index_mod.write_lock(home):
        count = index_mod.rebuild(home, noted(store.documents()), procs=procs, progress=progress)
        store.replace_manifest(manifest)
        citations.rebuild(store, rows)
        replica = engines.replica()
        if replica:
            replica.rebuild_documents(home, store.documents())
        return count


def ensure_index(home: Home) -> None:
    """Make sure a home can be searched: ingest the bundled samples into an empty home,
    or rebuild the index from the stored documents when it is missing or outdated."""
    if index_mod.exists(home):
        _ensure_replica(home)
        return
    store = Store(home)
    if store.ids():
        reindex(home)
    elif home.samples.exists():
        from stdsearch.semantic.config import temporary_mode

        with temporary_mode("off"):  # the first run shows the product at once; `stdsearch embed` adds vectors
            ingest(home, [home.samples])
    else:
        with index_mod.write_lock(home):
            index_mod.rebuild(home, [])
        _ensure_replica(home)


def _ensure_replica(home: Home) -> None:
    """Copy the stored documents into the chosen engine's own index when it has none yet
    (the OpenSearch engine on a home indexed by Whoosh only)."""
    replica = engines.replica()
    if replica:
        with index_mod.write_lock(home):
            replica.ensure_documents(home, Store(home).documents)
