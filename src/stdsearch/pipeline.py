"""The one place that chains the stages: files → parse → clauses → store → index.

The CLI, the crawler and the web app call these functions; each stage stays a function
from one record to the next.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from stdsearch import citations, clauses, parse, semantic
from stdsearch import index as index_mod
from stdsearch.errors import StdsearchError
from stdsearch.parse import catalogue, standard_md
from stdsearch.records import STATUS_CURRENT, STATUS_UPCOMING, Document
from stdsearch.settings import Home
from stdsearch.store import Store

#: Bump when parsing or clause splitting changes, so unchanged files are parsed again.
PIPELINE_VERSION = 1
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
    seconds: float = 0.0

    def fail(self, path: str, reason: str) -> None:
        """Record a failed input."""
        self.failed += 1
        self.failures.append(Failure(path, reason))

    def summary(self) -> str:
        """One line for people."""
        line = (
            f"{self.documents} documents ({self.added} added, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.removed} removed), {self.clauses} clauses indexed, "
            f"{self.failed} failed in {self.seconds:.1f} s"
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
    return all(e.get("sha256") == sha256 and e.get("pipeline") == PIPELINE_VERSION for e in entries)


def ingest_file(store: Store, path: Path, today: dt.date, report: IngestReport) -> tuple[list[Document], list[str]]:
    """Parse one file into stored documents; returns (changed documents, removed ids)."""
    source = str(path.resolve())
    sha256 = file_sha256(path)
    if is_unchanged(store, source, sha256):
        report.unchanged += len(store.ids_from_source(source))
        return [], []
    documents = [prepare(d, sha256, today) for d in read_documents(path)]
    previous = set(store.ids_from_source(source))
    for document in documents:
        document.source = source
        if store.exists(document.doc_id):
            report.updated += 1
        else:
            report.added += 1
        store.put(document)
    removed = sorted(previous - {d.doc_id for d in documents})
    for doc_id in removed:
        store.delete(doc_id)
    return documents, removed


def ingest(home: Home, paths: Iterable[Path | str], progress: Progress | None = None) -> IngestReport:
    """Ingest files and folders into a home: store every document, update the index.

    A bad file is recorded in the report and skipped; the rest of the batch lands.
    Raises IndexBusy when another process is writing.
    """
    started = dt.datetime.now()
    report = IngestReport()
    store = Store(home)
    with index_mod.write_lock(home):
        changed, removed = [], []
        for path in expand_paths([Path(p) for p in paths], report):
            if progress:
                progress(str(path))
            try:
                docs, gone = ingest_file(store, path, started.date(), report)
            except (StdsearchError, OSError, UnicodeError, ValueError) as error:
                report.fail(str(path), _reason(error))
                continue
            changed.extend(docs)
            removed.extend(gone)
        store.save_manifest()
        report.clauses = _write_index(home, store, changed, removed)
        if changed or removed:
            citations.update(store, changed, removed)
    report.documents = len(changed) + report.unchanged
    report.removed = len(removed)
    report.seconds = (dt.datetime.now() - started).total_seconds()
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
    if not index_mod.exists(home) or len(changed) > REBUILD_THRESHOLD:
        return index_mod.rebuild(home, store.documents(), procs=2 if len(changed) > REBUILD_THRESHOLD else 1)
    if not changed and not removed:
        return 0
    count = index_mod.update(home, changed, removed)
    semantic.after_ingest(home, changed, removed)
    return count


def reindex(home: Home, procs: int = 2) -> int:
    """Rebuild the whole index from corpus/docs and swap it in atomically."""
    store = Store(home)
    with index_mod.write_lock(home):
        return index_mod.rebuild(home, store.documents(), procs=procs)


def ensure_index(home: Home) -> None:
    """Make sure a home can be searched: ingest the bundled samples into an empty home,
    or rebuild the index from the stored documents when it is missing or outdated."""
    if index_mod.exists(home):
        return
    store = Store(home)
    if store.ids():
        reindex(home)
    elif home.samples.exists():
        ingest(home, [home.samples])
    else:
        with index_mod.write_lock(home):
            index_mod.rebuild(home, [])
