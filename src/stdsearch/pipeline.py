"""The one place that chains the stages: files → parse → clauses → store → index.

The CLI, the crawler and the web app call these functions; each stage stays a function
from one record to the next.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import gc
import hashlib
import itertools
import json
import os
import pickle
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from stdsearch import batch as batches
from stdsearch import citations, clauses, parse, semantic, workers
from stdsearch import index as index_mod
from stdsearch.batch import IndexBatch
from stdsearch.compliance import changes
from stdsearch.errors import NotADocument, ParseError, StdsearchError
from stdsearch.parse import catalogue, shares, standard_md
from stdsearch.records import STATUS_CURRENT, STATUS_UPCOMING, Document, transitions
from stdsearch.search import engines
from stdsearch.segments import (
    DocumentSegments,
    SegmentCache,
    Segmented,
    searchable_clauses,
    segment_document,
    texts_digest,
    texts_of,
)
from stdsearch.settings import Home
from stdsearch.standards import ingest as standards_ingest
from stdsearch.standards import reference as standards_reference
from stdsearch.store import Journal, Store, entry_sources, manifest_entry

#: Bump when parsing or clause splitting changes, so unchanged files are parsed again.
PIPELINE_VERSION = 2
#: Batches larger than this rebuild the index instead of updating it.
REBUILD_THRESHOLD = 300
#: Documents a worker sends back at a time.
PART_SIZE = 200
#: Stored documents handed to a worker at a time (re-segmentation on reindex).
STORED_BATCH = 16
#: A rebuild that indexes at least this many stored documents writes its Whoosh segments in
#: worker processes (fewer are written by one writer in this process).
PARALLEL_INDEX_MIN = 50
#: Scratch indexes (so segments) a parallel rebuild writes per worker process (its slices are
#: balanced by stored bytes, so one each keeps every core busy to the end, and each term's
#: postings are written once per worker rather than once per slice).
SCRATCHES_PER_PROCESS = 1
#: Runs of inputs a rebuild's one pass gives each worker process to parse and index (one scratch
#: index, so one segment, each; more runs even out the workers' ends).
PASS_CHUNKS_PER_PROCESS = 2
#: Documents an index worker reports at a time (progress).
INDEX_PART_SIZE = 50
#: Wall-time limit of one index-writing task (its input is the home's own stored documents).
INDEX_TASK_SECONDS = 3600.0
#: New segmentations held before they are written to the cache.
SEGMENTS_HELD = 256
#: Documents whose change events a rebuild holds before writing them to the history at once.
CHANGES_HELD = 2000
#: A file of records (catalogue, law collection) is parsed in shares of about this many bytes
#: at least, one share per worker process (see :mod:`stdsearch.parse.shares`).
SHARE_BYTES = 2 * 1024 * 1024
#: Parsed documents the ingesting process holds in memory while their inputs are incomplete
#: (more go to a spool file on disk).
SPOOL_HELD = 2000
#: The suffixes of files that may hold many records.
SHARED_SUFFIXES = frozenset({".json", ".jsonl", ".csv", ".tsv", ".gz"})


@dataclass
class ProgressState:
    """Where a long ingest or reindex is: inputs done of all, documents and clauses indexed."""

    done: int = 0
    total: int = 0
    documents: int = 0
    clauses: int = 0
    started: float = field(default_factory=time.perf_counter)

    @property
    def seconds(self) -> float:
        """Wall time so far."""
        return time.perf_counter() - self.started

    @property
    def rate(self) -> float:
        """Clauses indexed per second so far."""
        return self.clauses / self.seconds if self.seconds > 0 else 0.0

    @property
    def eta(self) -> float | None:
        """Seconds left at the rate so far (None before the first input is done)."""
        if not self.done or not self.total:
            return None
        return self.seconds / self.done * max(0, self.total - self.done)


Progress = Callable[[ProgressState], None]


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
    """The status a document's dates imply today: 现行 (or no word) taking effect after today is
    即将实施; 即将实施 past its implementation date is 现行; in force past its abolition date is 废止,
    or 被代替 when it names its replacement (:func:`stdsearch.records.transitions`). The source's own word
    is kept as ``extra["status_source"]`` (the page shows both)."""
    said, day = document.status, today.isoformat()
    if document.status in (STATUS_CURRENT, "") and document.effective_date > day:
        document.status = STATUS_UPCOMING
    dated = {"status": document.status, "effective_date": document.effective_date,
             "abolish_date": document.abolish_date, "replaced_by": document.replaced_by}
    for _, status in transitions(dated, day):
        document.status = status
    if said and document.status != said:
        document.extra.setdefault("status_source", said)


def settle_overtaken(store: Store, journal: Journal, today: dt.date) -> list[Document]:
    """The stored documents whose status their dates have overtaken since they were stored
    (即将实施 past its implementation date …), settled (:func:`apply_lifecycle`) and stored again
    — noted in the journal first — for the caller to index: so that the status filter and facet
    say what the pages say, each (nightly) ingest keeping them so."""
    due = store.ids_with_status_overtaken(today.isoformat())
    if not due:
        return []
    journal.note(stored=due)
    settled = []
    with store.batch():
        for doc_id in due:
            document = store.get(doc_id)
            apply_lifecycle(document, today)
            store.put(document)
            settled.append(document)
    return settled


def prepare(document: Document, sha256: str, today: dt.date) -> Document:
    """Split a parsed document into clauses (unless its parser did) and stamp it."""
    if not document.clauses:
        document.clauses = clauses.split(document)
    document.sha256 = document.sha256 or sha256
    document.extra["pipeline"] = PIPELINE_VERSION
    document.extra["cites"] = citations.extract(document)
    apply_lifecycle(document, today)
    return document


def check_limits(document: Document, limits: workers.Limits) -> None:
    """ParseError when a document exceeds the per-document limits (too many clauses)."""
    if len(document.clauses) > limits.clauses:
        raise ParseError(f"{len(document.clauses)} clauses in one document (limit {limits.clauses})")


Parsed = tuple[Document, bytes]


class Written(NamedTuple):
    """What a parse worker that also wrote a document's index records (a rebuild's one pass,
    :func:`parse_and_index`) tells the ingesting process of them: the scratch index holding
    them and how many, and what an index worker would otherwise report (its citations, the
    links to its own clauses, its passages for the clause vectors when they are wanted)."""

    scratch: str
    clauses: int
    cites: list[Any]
    own_links: list[Any]
    passages: list[Any] | None


class Prepared(NamedTuple):
    """A parsed document in the form the ingesting process stores it, made by a parse worker
    (so the ingesting process neither builds nor serialises the document unless it must merge
    it with what another source said): its stored JSON, manifest entry and segmentation, and
    where its index records are when the worker wrote them too."""

    doc_id: str
    kind: str
    number: str
    data: str
    entry: dict[str, Any]
    segments: bytes
    written: Written | None = None

    @classmethod
    def made(cls, document: Document, segments: bytes, written: Written | None = None) -> Prepared:
        """The stored form of a prepared document and its serialised segmentation."""
        data, entry = document.to_json(), manifest_entry(document)
        return cls(document.doc_id, document.kind, document.number, data, entry, segments, written)

    def document(self) -> Document:
        """The document itself (read back from its stored JSON)."""
        return Document.from_dict(json.loads(self.data))


def worker_warm_up() -> None:
    """Run by each worker process as it starts: import the analyzer (jieba's whole dictionary
    is loaded once there is more to segment than a changed file's few new texts)."""
    from stdsearch import analysis  # noqa: F401


def known_texts(root: str, documents: list[Document]) -> dict[str, Segmented]:
    """text → words of the texts the documents' last ingest cut (from the segment cache and
    the stored documents of the home at ``root``): a changed file is cut only where it changed."""
    home = Home(Path(root))
    previous = SegmentCache.previous(home.index / "segments.sqlite", [d.doc_id for d in documents])
    store, known = Store(home), {}
    for doc_id, segments in previous.items():
        if store.exists(doc_id):
            known.update(texts_of(store.get(doc_id), segments))
    return known


@contextlib.contextmanager
def collection_paused() -> Iterator[None]:
    """Within the block (or the function it decorates), Python's cyclic garbage collector does
    not run; reference counting still frees whatever holds no cycle, which is all an ingest makes
    (documents, entries, postings). Its full collections walk every object alive: on the
    catalogues they cost a quarter of a parse worker's time, a tenth of an index worker's and
    4.5 s of the ingesting process's, and found nothing to free. Collection resumes after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def links_editions(kind: str, number: str) -> bool:
    """True for a document indexed only once the editions of its standard are linked across
    the batch (replaces, replaced by, current edition): a standard with a number."""
    return kind == "standard" and bool(number)


def parsed_parts(
    path: str, sha256: str, today: str, mapping: dict[str, str], root: str, reuse: bool, share: tuple[int, int]
) -> Iterator[dict[str, Any] | list[tuple[Document, DocumentSegments]]]:
    """Parse one input (or one share of a big one, see :mod:`stdsearch.parse.shares`); split,
    stamp and derive its documents (their facets from the home's reference data, which an
    ingest stores before it parses anything else), segment them (texts the last ingest of the
    same documents cut are reused when ``reuse``: not in a home that had none), and give them
    in parts of (document, segmentation). An input that is not a document gives one part
    ``{"skip": reason}`` (reference data: ``{"reference": …}`` too)."""
    try:
        with catalogue.column_mapping(mapping), shares.share(*share):
            documents = read_documents(Path(path))
    except standards_reference.ReferenceData as data:
        yield {"skip": str(data), "reference": (data.kind, data.data, str(data))}
        return
    except NotADocument as error:
        yield {"skip": str(error)}
        return
    limits = workers.current_limits()
    source = str(Path(path).resolve())
    home = Home(Path(root))
    for start in range(0, len(documents), PART_SIZE):
        part = documents[start : start + PART_SIZE]
        for document in part:
            prepare(document, sha256, dt.date.fromisoformat(today))
            check_limits(document, limits)
            document.source, document.sources = source, {source: sha256}
            standards_ingest.derive(document, standards_reference.of(home))
        known = known_texts(root, part) if reuse else {}
        yield [(document, segment_document(document, known)) for document in part]


@collection_paused()
def parse_input(
    payload: tuple[str, str, str, dict[str, str], str, bool, tuple[int, int]], send: Callable[[Any], None]
) -> None:
    """Worker task: the :func:`parsed_parts` of one input, sent as parts of :class:`Prepared`
    documents (or the one note of an input that is not a document)."""
    for part in parsed_parts(*payload):
        send(part if isinstance(part, dict) else [Prepared.made(d, segments.to_bytes()) for d, segments in part])


@collection_paused()
def parse_and_index(
    payload: tuple[list[tuple[str, str]], str, dict[str, str], str, bool, str, str, bool, int],
    send: Callable[[Any], None],
) -> None:
    """Worker task of a rebuild's one pass: parse a run of inputs one after another, each as
    :func:`parse_input` does (its parts sent as ``(number, part)``, then ``(number, None)`` once
    it is complete, or ``(number, {"fail": reason})`` instead), and write the index records of
    their documents into one scratch index as it goes — all but those indexed once their
    editions are linked (:func:`links_editions`). An input's records are written only once all
    of it was parsed; the scratch index is published (its table of contents) at the end.
    Payload: ((path, sha256) of each input, today, column mapping, home root, reuse, scratch
    folder, scratch name, with passages, writer MB)."""
    inputs, today, mapping, root, reuse, scratch, name, with_passages, limit_mb = payload

    def records() -> Iterator[dict[str, Any]]:
        for number, (path, sha256) in enumerate(inputs):
            parsed: list[tuple[Document, DocumentSegments]] = []
            try:
                for part in parsed_parts(path, sha256, today, mapping, root, reuse, (0, 1)):
                    if isinstance(part, dict):
                        send((number, part))
                        continue
                    prepared = [_prepared_and_written(d, segments, name, with_passages) for d, segments in part]
                    send((number, prepared))
                    parsed += [pair for pair, made in zip(part, prepared, strict=True) if made.written is not None]
            except MemoryError:
                raise  # the worker is not trusted with the rest: they are parsed again, one by one
            except RecursionError:
                send((number, {"fail": "nested too deeply"}))
                continue
            except Exception as error:  # noqa: BLE001 - any failure is this input's failure
                send((number, {"fail": workers.describe(error)}))
                continue
            send((number, None))
            for document, segments in parsed:
                yield from index_mod.index_records(document, segments)

    index_mod.write_scratch_index(Path(scratch), records(), limit_mb)


def _prepared_and_written(document: Document, segments: DocumentSegments, scratch: str, with_passages: bool) -> Prepared:
    """A document :func:`parse_and_index` parsed, as it sends it: prepared, and with what the
    ingesting process needs of its index records when it writes them (into ``scratch``)."""
    if links_editions(document.kind, document.number):
        return Prepared.made(document, segments.to_bytes())
    written = Written(scratch, len(searchable_clauses(document)), *_index_report(document, with_passages))
    return Prepared.made(document, segments.to_bytes(), written)


def _index_report(document: Document, with_passages: bool) -> tuple[list[Any], list[Any], list[Any] | None]:
    """What the ingesting process needs of a document a worker indexed: its citation rows, its
    links to its own clauses, and its passages for the clause vectors (None: not wanted)."""
    passages = None
    if with_passages:
        from stdsearch.semantic.build import passages as clause_passages

        passages = clause_passages(document)
    return citations.cites_of(document), citations.own_links(document), passages


def ingest_task(payload: tuple[str, Any], send: Callable[[Any], None]) -> None:
    """Worker task of an ingest: ``("parse", …)`` one input (:func:`parse_input`), ``("pass",
    …)`` a run of inputs parsed and indexed (:func:`parse_and_index`)."""
    kind, arguments = payload
    (parse_and_index if kind == "pass" else parse_input)(arguments, send)


@dataclass(frozen=True)
class IndexedDocument:
    """What an index worker tells the ingesting process about one document it indexed: its
    clause count, manifest entry (when the manifest is rebuilt: a reindex), citations and links
    to its own clauses; its new segmentation when the cache had none (to be cached), and its
    passages for the clause vectors when they are wanted."""

    doc_id: str
    clauses: int
    entry: dict[str, Any] | None
    cites: list[Any]
    own_links: list[Any]
    segments: bytes | None = None
    passages: list[Any] | None = None


@collection_paused()
def index_stored(
    payload: tuple[str, str, list[str], bool, bool, int], send: Callable[[list[IndexedDocument]], None]
) -> None:
    """Worker task: write the index records of stored documents into a scratch Whoosh index
    (one segment), segmented from the cache or now, and send an :class:`IndexedDocument` for
    each as it goes. Payload: (home root, scratch folder, doc ids, with passages, with manifest
    entries, writer MB)."""
    root, scratch, doc_ids, with_passages, with_entries, limit_mb = payload
    home = Home(Path(root))
    store, cache = Store(home), SegmentCache(home)
    part: list[IndexedDocument] = []

    def records() -> Iterator[dict[str, Any]]:
        for doc_id in doc_ids:
            document = store.get(doc_id)
            segments = cache.get(doc_id, texts_digest(document))
            fresh = None
            if segments is None:
                segments = segment_document(document)
                fresh = segments.to_bytes()
            count = 0
            for record in index_mod.index_records(document, segments):
                count += 1
                yield record
            part.append(_indexed(document, count, fresh, with_passages, with_entries))
            if len(part) >= INDEX_PART_SIZE:
                send(part[:])
                part.clear()

    try:
        index_mod.write_scratch_index(Path(scratch), records(), limit_mb)
    finally:
        cache.close()
    if part:
        send(part)


def _indexed(
    document: Document, clauses: int, segments: bytes | None, with_passages: bool, with_entry: bool
) -> IndexedDocument:
    """The :class:`IndexedDocument` of one document an index worker wrote."""
    cites, own, passages = _index_report(document, with_passages)
    entry = manifest_entry(document) if with_entry else None
    return IndexedDocument(document.doc_id, clauses, entry, cites, own, segments, passages)


def segment_stored(payload: tuple[str, list[str]], send: Callable[[list[Parsed]], None]) -> None:
    """Worker task: read stored documents and segment them (a reindex without cached segments)."""
    root, doc_ids = payload
    store = Store(Home(Path(root)))
    send([(document, segment_document(document).to_bytes()) for document in map(store.get, doc_ids)])


def is_unchanged(store: Store, source: str, sha256: str) -> bool:
    """True when this source was ingested before with the same bytes and pipeline."""
    ids = store.ids_from_source(source)
    if not ids:
        return False
    entries = [store.entry(i) or {} for i in ids]
    return all(_source_sha(e, source) == sha256 and e.get("pipeline") == PIPELINE_VERSION for e in entries)


def _source_sha(entry: dict, source: str) -> str:
    """The sha256 of ``source`` as it was when it contributed to this manifest entry."""
    return entry_sources(entry).get(source) or entry.get("sha256", "")


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
    entry = store.entry(doc_id) or {}
    gone = {"doc_id": doc_id, "title": entry.get("title", ""), "source": entry.get("source", "")}
    return {**gone, "reason": reason} if reason else gone


def _under(source: str, folder: str) -> bool:
    """True when the stored source path lies inside ``folder`` (both resolved)."""
    return source.startswith(folder.rstrip(os.sep) + os.sep)


def vanished_under(store: Store, folder: Path) -> dict[str, list[str]]:
    """Stored document id → its source files (or bundle folders) under ``folder`` that are gone,
    for each document with any."""
    root = str(folder.resolve())
    found = {}
    for doc_id, entry in store.manifest().items():
        gone = [s for s in entry_sources(entry) if _under(s, root) and not Path(s).exists()]
        if gone:
            found[doc_id] = gone
    return dict(sorted(found.items()))


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
    journal = Journal(home)
    changed, gone = _recover(store, journal)
    journal.note(deleted=removed)
    removed = list(dict.fromkeys([*gone, *removed]))
    for doc_id in removed:
        store.delete(doc_id)
    _write_index(home, store, changed, removed)
    citations.update(store, changed, removed)
    store.save_manifest()  # last: what is derived from a manifest version is written before it
    changes.record(home, changed, removed)
    journal.clear()


# --- ingest -----------------------------------------------------------------------------


@dataclass
class _Input:
    """One input to parse: its path, the source recorded for it, the digest of its bytes."""

    path: Path
    source: str
    sha256: str


class _Spool:
    """The parts workers send of the inputs being parsed, kept until all of an input is parsed:
    the ingesting process then stores it part by part. An input's parts stay in memory while
    all inputs' held parts have fewer than :data:`SPOOL_HELD` documents (a file of a few
    documents is stored as it arrives); beyond that they go to disk, so however big an input
    (a catalogue of 50,000 records), one part at a time is held."""

    def __init__(self, root: Path):
        root.mkdir(parents=True, exist_ok=True)
        for stale in root.glob(".spool-*"):  # left by a killed ingest (we hold the write lock)
            shutil.rmtree(stale, ignore_errors=True)
        self.folder = Path(tempfile.mkdtemp(prefix=".spool-", dir=root))
        self._files: dict[tuple[str, int], Path] = {}
        self._held: dict[tuple[str, int], list[list[Prepared]]] = {}
        self._numbers = itertools.count()
        #: (source, share) → the ids of the documents spooled, in order.
        self.ids: dict[tuple[str, int], list[str]] = {}
        #: (source, share) → the note of an input that is not a document.
        self.notes: dict[tuple[str, int], dict[str, Any]] = {}

    def take(self, source: str, share: int, part: Any) -> bool:
        """Keep one part a worker sent (always taken)."""
        key = (source, share)
        if isinstance(part, dict):
            self.notes[key] = part
            return True
        self.ids.setdefault(key, []).extend(prepared.doc_id for prepared in part)
        in_memory = sum(len(self.ids[other]) for other in self._held if other != key) + len(self.ids[key])
        if key not in self._files and in_memory <= SPOOL_HELD:
            self._held.setdefault(key, []).append(part)
            return True
        if key not in self._files:
            self._files[key] = self.folder / f"{next(self._numbers)}.pickle"
        with open(self._files[key], "ab") as handle:
            for earlier in [*self._held.pop(key, []), part]:
                pickle.dump(earlier, handle, protocol=pickle.HIGHEST_PROTOCOL)
        return True

    def parts(self, source: str, share: int) -> Iterator[list[Prepared]]:
        """The parts spooled for one share of an input, in order (then forgotten)."""
        path = self._files.pop((source, share), None)
        self.ids.pop((source, share), None)
        yield from self._held.pop((source, share), [])
        if path is None:
            return
        try:
            with open(path, "rb") as handle:
                while True:
                    try:
                        yield pickle.load(handle)  # noqa: S301 - written by this process just now
                    except EOFError:
                        return
        finally:
            path.unlink(missing_ok=True)

    def drop(self, source: str, share: int) -> None:
        """Forget one share of an input (failed, or not a document)."""
        path = self._files.pop((source, share), None)
        if path is not None:
            path.unlink(missing_ok=True)
        self._held.pop((source, share), None)
        self.ids.pop((source, share), None)
        self.notes.pop((source, share), None)

    def close(self) -> None:
        """Remove the spool's folder."""
        shutil.rmtree(self.folder, ignore_errors=True)


class _Run:
    """The state of one ingest under the write lock: the store, the journal of what is stored
    but not yet searchable, the index batch, the segment cache, the worker pool."""

    def __init__(self, home: Home, report: IngestReport, progress: Progress | None, processes: int | None):
        self.home = home
        self.report = report
        self.store = Store(home)
        self.journal = Journal(home)
        self.cache = SegmentCache(home)
        #: True when the segment cache held something as the run began (a changed file's last
        #: segmentation may be reused).
        self.cache_at_start = not self.cache.empty()
        self.progress = progress
        self.state = ProgressState()
        self.processes = processes
        self.changed: list[Document] = []
        self.removed: list[str] = []
        self.touched: set[str] = set()
        #: A rebuild's citation rows and own links, staged as documents are indexed.
        self.staged: citations.Staged | None = None
        #: The manifest entries of the documents indexed, when the manifest is rebuilt from them
        #: (a reindex; an ingest keeps the manifest as it stores documents).
        self.entries: dict[str, dict[str, Any]] | None = None
        #: New serialised segmentations, for the cache.
        self.segments: list[bytes] = []
        self.held_changes: tuple[list[Document | changes.Stored], list[str]] = ([], [])
        #: True once this run recorded the status changes dates brought (one scan per run).
        self.dated = False
        #: Standards held back until their editions are linked across the whole batch.
        self.deferred: list[tuple[Document, bytes | None]] = []
        #: A rebuild's standards, linked across the whole batch from the store (not held).
        self.stored_standards: list[str] = []
        #: The documents a rebuild's parse workers indexed as they parsed them (a rebuild only).
        self.passes: _Passes | None = None
        #: Work of the ingesting process that may wait until the index workers run (done a
        #: piece at a time as they report, so it overlaps their work rather than adding to it).
        self.chores: list[Callable[[], bool | None]] = []
        self._pool: workers.WorkerPool | None = None
        #: Pools replaced by another, their workers exiting (waited for at :meth:`close`).
        self._retired: list[workers.WorkerPool] = []
        self._spool: _Spool | None = None
        self._indexing_stored = False

    def spool(self) -> _Spool:
        """Where the parts of parsed inputs wait until their input is complete."""
        if self._spool is None:
            self._spool = _Spool(self.home.root)
        return self._spool

    @property
    def process_count(self) -> int:
        """How many worker processes run at once."""
        return self.processes or os.cpu_count() or 1

    def pool(self, function: workers.TaskFunction, limits: workers.Limits | None = None) -> workers.WorkerPool:
        """A pool of worker processes running ``function`` (replacing any running another); it
        starts no more workers than it has tasks."""
        if self._pool is not None and self._pool.function is not function:
            self._pool.close(wait=False)  # its idle workers exit while this process goes on
            self._retired.append(self._pool)
            self._pool = None
        if self._pool is None:
            self._pool = workers.WorkerPool(function, self.process_count, limits)
        return self._pool

    def close(self) -> None:
        """Stop the workers (idle by now, or abandoned after an error) and close the cache."""
        for pool in [*self._retired, *([self._pool] if self._pool is not None else [])]:
            pool.close(kill=True)
        if self._spool is not None:
            self._spool.close()
        self.cache.close()

    def later(self, chore: Callable[[], bool | None]) -> None:
        """Do ``chore`` while the index workers run (or, without them, before the index commit);
        again, after the others, each time it returns True (it has more to do)."""
        self.chores.append(chore)

    def do_chore(self) -> None:
        """Do the oldest chore left, if any."""
        if self.chores:
            chore = self.chores.pop(0)
            if chore():
                self.chores.append(chore)

    def finish_chores(self) -> None:
        """Do every chore left."""
        while self.chores:
            self.do_chore()

    def tick(self, documents: int = 0, clauses: int = 0, done: int = 0) -> None:
        """Count progress and tell the caller."""
        self.state.documents += documents
        self.state.clauses += clauses
        self.state.done += done
        if self.progress:
            self.progress(self.state)

    def add(self, batch: IndexBatch, document: Document, blob: bytes | None, keep: bool) -> None:
        """Index one document (segmented by a worker when ``blob``, from the cache else).

        A rebuild only keeps the segmentation now (:meth:`hold`)."""
        if batch.rebuild and not self._indexing_stored:
            self.hold(document.doc_id, blob)
            return
        segments = DocumentSegments.from_bytes(blob) if blob else self.cache.get(document.doc_id, texts_digest(document))
        if blob and segments is not None:
            self.hold_segments(blob)
        clauses = batch.add(document, segments)
        self.touched.add(document.doc_id)
        self.note(document)
        if keep:
            self.changed.append(document)
        self.tick(documents=1, clauses=clauses)

    def journal_stored(self, doc_ids: list[str]) -> None:
        """Journal documents about to be stored (before they are: a kill in between loses nothing)."""
        self.journal.note(stored=doc_ids)

    def note_stored(self, batch: IndexBatch, doc_id: str, written: Written | None = None) -> None:
        """A rebuild stored a document again: as a parse worker wrote its index records
        (``written``: their citations, clauses and passages are noted) or otherwise (a copy a
        worker wrote is not the document as stored)."""
        if self.passes is None:
            return
        self.passes.stored(doc_id, written)
        if written is None:
            return
        if self.staged is not None:
            self.staged.add(doc_id, written.cites, written.own_links)
        if written.passages is not None:
            batch.vectors.add_passages(written.passages)
        self.tick(clauses=written.clauses)

    def hold(self, doc_id: str, blob: bytes | None) -> None:
        """Keep the segmentation of a document a rebuild stored: it indexes every stored document
        once at the end (a document stored twice in one batch must not be indexed twice)."""
        if blob is not None:
            self.hold_segments(blob)
        self.touched.add(doc_id)
        self.tick(documents=1)

    def note(self, document: Document) -> None:
        """Remember what the manifest and the cross-references need of an indexed document."""
        if self.staged is not None:
            rows = citations.cites_of(document)
            self.staged.add(document.doc_id, rows, citations.own_links(document))
        if self.entries is not None:
            self.entries[document.doc_id] = manifest_entry(document)

    def note_indexed(self, batch: IndexBatch, indexed: IndexedDocument) -> None:
        """Take what an index worker reported of one document: its manifest entry and
        citations, its new segmentation (to cache), its passages (for the vectors)."""
        if self.staged is not None:
            self.staged.add(indexed.doc_id, indexed.cites, indexed.own_links)
        if self.entries is not None and indexed.entry is not None:
            self.entries[indexed.doc_id] = indexed.entry
        if indexed.segments is not None:
            self.hold_segments(indexed.segments)
        if indexed.passages is not None:
            batch.vectors.add_passages(indexed.passages)
        self.tick(documents=self.first_count(indexed.doc_id), clauses=indexed.clauses, done=1)

    def first_count(self, doc_id: str) -> int:
        """1 the first time a document is counted in the progress, 0 after (a rebuild ingest
        counts it as parsed, then indexes it)."""
        if doc_id in self.touched:
            return 0
        self.touched.add(doc_id)
        return 1

    def hold_segments(self, blob: bytes) -> None:
        """Keep a new (serialised) segmentation for the cache (written a few hundred at a time)."""
        self.segments.append(blob)
        if len(self.segments) >= SEGMENTS_HELD:
            self.flush_segments()

    def flush_segments(self) -> None:
        """Write the new segmentations to the cache."""
        if self.segments:
            self.cache.put_many(self.segments)
            self.segments = []

    def record_changes(self, stored: list[Document | changes.Stored], gone: list[str]) -> None:
        """Note the change events of a rebuild's stored and dropped documents, written to the
        history two thousand at a time (one transaction each, not one per input). Recording is
        idempotent: a document recorded again unchanged adds no event, so what a killed run held
        is recorded by the next (:func:`_ingest_locked` records the documents it recovers)."""
        held_stored, held_gone = self.held_changes
        held_stored.extend(d if isinstance(d, changes.Stored) else changes.Stored.of(d) for d in stored)
        held_gone.extend(gone)
        if len(held_stored) + len(held_gone) >= CHANGES_HELD:
            self.flush_changes()

    def flush_changes(self) -> None:
        """Write the held change events to the history."""
        held_stored, held_gone = self.held_changes
        if held_stored or held_gone:
            changes.record(self.home, held_stored, held_gone, dated=not self.dated)
            self.held_changes, self.dated = ([], []), True


def _inputs(run: _Run, paths: list[Path]) -> list[_Input]:
    """The inputs that changed since they were last ingested (the others are counted unchanged)."""
    todo = []
    for path in expand_paths(paths, run.report):
        source = str(path.resolve())
        try:
            sha256 = file_sha256(path)
        except OSError as error:
            run.report.fail(str(path), _reason(error))
            continue
        if is_unchanged(run.store, source, sha256):
            run.report.unchanged += len(run.store.ids_from_source(source))
            continue
        todo.append(_Input(path, source, sha256))
    return todo


def _parse_into(run: _Run, batch: IndexBatch, todo: list[_Input], keep: bool) -> None:
    """Parse, split and segment the inputs in worker processes and index what they give back.

    Reference data (ICS list, prefix table) is read first, since deriving other documents'
    facets uses it. An input is journalled, stored and indexed only once all of it was parsed;
    a failed input is reported with its reason and the others go on."""
    references = [item for item in todo if item.path.is_file() and standards_reference.looks_like_reference(item.path)]
    others = [item for item in todo if item not in references]
    for group in (references, others):
        if group:
            _parse_group(run, batch, group, keep)


def share_count(path: Path, processes: int) -> int:
    """In how many shares a worker each an input is parsed: a big catalogue or law collection
    (one file of many records) in one per process, about :data:`SHARE_BYTES` each at least."""
    if processes < 2 or not path.is_file() or path.suffix.lower() not in SHARED_SUFFIXES:
        return 1
    return max(1, min(processes, path.stat().st_size // SHARE_BYTES))


@dataclass
class _Chunk:
    """A run of small inputs one worker parses and indexes in one pass (:func:`parse_and_index`)
    into the scratch index ``name``; ``done`` numbers the inputs whose outcome arrived."""

    name: str
    items: list[_Input]
    done: set[int] = field(default_factory=set)


class _Passes:
    """The documents parse workers indexed as they parsed them (a rebuild's one pass), by
    scratch index. A document last stored as a worker wrote it, in a scratch whose worker
    finished, is indexed by that copy; every other copy (of a document stored again: an earlier
    copy, or one replaced by a merge or another input, or no longer stored; or in the scratch of
    a worker that failed) is deleted, and a document none of whose copies is kept is indexed
    from the store."""

    def __init__(self) -> None:
        #: doc_id → the scratches holding a copy of its records, in the order they were stored
        self.copies: dict[str, list[str]] = {}
        #: doc_id → its clauses in its last copy, and in all its copies (counted as written)
        self.clauses: dict[str, int] = {}
        self.written: dict[str, int] = {}
        #: the documents last stored as their last copy holds them
        self.valid: set[str] = set()
        #: the scratches whose worker finished, in the order they are adopted
        self.finished: list[str] = []

    def stored(self, doc_id: str, written: Written | None) -> None:
        """Note that ``doc_id`` was stored: as a worker wrote its records (``written``) or otherwise."""
        if written is None:
            self.valid.discard(doc_id)
            return
        self.copies.setdefault(doc_id, []).append(written.scratch)
        self.clauses[doc_id] = written.clauses
        self.written[doc_id] = self.written.get(doc_id, 0) + written.clauses
        self.valid.add(doc_id)

    def adopted(self, stored_ids: set[str]) -> dict[str, _Adoption]:
        """What becomes of each finished scratch's copies, in order, given the ids stored at the
        end of the batch."""
        finished = set(self.finished)
        adoptions = {name: _Adoption([], [], {}) for name in self.finished}
        for doc_id, scratches in self.copies.items():
            last = scratches[-1] if doc_id in self.valid and doc_id in stored_ids else None
            for name in set(scratches) & finished:
                adoption = adoptions[name]
                if name != last:
                    adoption.dropped.append(doc_id)
                    continue
                adoption.kept.append(doc_id)
                if scratches.count(name) > 1:  # an earlier copy too: the last written are kept
                    adoption.trimmed[doc_id] = self.clauses[doc_id]
        return adoptions


class _Adoption(NamedTuple):
    """What a scratch index of the one pass keeps: the documents it indexes, those whose
    records it holds are all deleted, and those of which it keeps only the last ``n`` records
    (it holds an earlier copy of them too)."""

    kept: list[str]
    dropped: list[str]
    trimmed: dict[str, int]


def _one_pass_chunks(run: _Run, batch: IndexBatch, todo: list[_Input], counts: dict[str, int]) -> list[_Chunk]:
    """The runs of inputs parsed and indexed in one pass: in a rebuild whose engine takes
    segments written by workers, the small inputs (:func:`_small_input`), when there are at
    least :data:`PARALLEL_INDEX_MIN`; in :data:`PASS_CHUNKS_PER_PROCESS` contiguous runs a
    process, about equal in bytes."""
    if not batch.parallel or run.passes is None:
        return []
    small = [item for item in todo if counts[item.source] == 1 and _small_input(item.path)]
    if len(small) < PARALLEL_INDEX_MIN:
        return []
    sizes = {item.source: item.path.stat().st_size for item in small}
    runs = balanced_slices([item.source for item in small], [max(1, sizes[i.source]) for i in small],
                           PASS_CHUNKS_PER_PROCESS * run.process_count)
    by_source = {item.source: item for item in small}
    return [_Chunk(f"pass-{n}", [by_source[source] for source in part]) for n, part in enumerate(runs)]


def _small_input(path: Path) -> bool:
    """True for a file under :data:`SHARE_BYTES` that is not compressed (a gzip file of records
    may hold many times its size: it is parsed alone, its documents indexed from the store)."""
    return path.is_file() and path.suffix.lower() != ".gz" and path.stat().st_size < SHARE_BYTES


def _parse_group(run: _Run, batch: IndexBatch, todo: list[_Input], keep: bool, one_pass: bool = True) -> None:
    """Parse a group of inputs in worker processes and store each once all of it is parsed;
    a rebuild's small inputs are indexed as they are parsed (:func:`_one_pass_chunks`)."""
    today = dt.date.today()
    mapping = dict(catalogue._MAPPING.get())  # the caller's column mapping, for the workers
    root, reuse = str(run.home.root), run.cache_at_start  # a fresh home has no segmentation to reuse
    counts = {item.source: share_count(item.path, run.process_count) for item in todo}
    chunks = _one_pass_chunks(run, batch, todo, counts) if one_pass else []
    chunked = {item.source for chunk in chunks for item in chunk.items}
    limit_mb, with_passages = index_mod.scratch_limit_mb(run.process_count), bool(chunks) and batch.vectors.wanted
    pass_tasks = (
        (chunk, ("pass", ([(str(i.path), i.sha256) for i in chunk.items], today.isoformat(), mapping, root, reuse,
                          str(batch.scratch(chunk.name)), chunk.name, with_passages, limit_mb)))
        for chunk in chunks
    )
    tasks = (
        ((item, index), ("parse", (str(item.path), item.sha256, today.isoformat(), mapping, root, reuse,
                                   (index, counts[item.source]))))
        for item in todo
        if item.source not in chunked
        for index in range(counts[item.source])
    )
    received: dict[str, dict[int, workers.Outcome]] = {}
    spool, retry = run.spool(), []

    def on_part(task: Any, part: Any) -> bool:
        if not isinstance(task, _Chunk):
            return spool.take(task[0].source, task[1], part)
        number, value = part
        item = task.items[number]
        if value is not None and "fail" not in value:
            return spool.take(item.source, 0, value)
        task.done.add(number)
        outcome = workers.Outcome((item, 0), [], value["fail"] if value else "")
        _parsed_input(run, batch, item, [outcome], today, keep)
        return True

    outcomes = run.pool(ingest_task).run(itertools.chain(pass_tasks, tasks), on_part, lambda t: isinstance(t, _Chunk))
    for outcome in outcomes:
        if isinstance(outcome.task, _Chunk):
            _chunk_ended(run, batch, outcome, retry)
            continue
        item, index = outcome.task
        shares_done = received.setdefault(item.source, {})
        shares_done[index] = outcome
        if len(shares_done) == counts[item.source]:
            del received[item.source]
            _parsed_input(run, batch, item, [shares_done[i] for i in sorted(shares_done)], today, keep)
    if retry:
        _parse_group(run, batch, retry, keep, one_pass=False)


def _chunk_ended(run: _Run, batch: IndexBatch, outcome: workers.Outcome, retry: list[_Input]) -> None:
    """A one-pass run of inputs ended: its scratch index is to be adopted; or, when its worker
    failed, dropped, and the inputs it had not finished are parsed again one by one (the
    documents it stored are indexed from the store)."""
    chunk: _Chunk = outcome.task
    if not outcome.failed:
        run.passes.finished.append(chunk.name)
        return
    shutil.rmtree(batch.scratch(chunk.name), ignore_errors=True)
    for number, item in enumerate(chunk.items):
        if number not in chunk.done:
            run.spool().drop(item.source, 0)
            retry.append(item)


def _parsed_input(
    run: _Run, batch: IndexBatch, item: _Input, outcomes: list[workers.Outcome], today: dt.date, keep: bool
) -> None:
    """Store what the workers made of one input (its shares in order, spooled), or note why not."""
    run.tick(done=1)
    spool, shares_of = run.spool(), [(item.source, index) for index in range(len(outcomes))]
    failed = next((outcome for outcome in outcomes if outcome.failed), None)
    note = next((spool.notes[key] for key in shares_of if key in spool.notes), None)
    if failed is not None or note is not None:
        for key in shares_of:
            spool.drop(*key)
        if failed is not None:
            run.report.fail(str(item.path), failed.error)
        else:
            _not_a_document(run, item, note or {})
        return
    ids = [doc_id for key in shares_of for doc_id in spool.ids.get(key, [])]
    parts = (part for key in shares_of for part in spool.parts(*key))
    _store_input(run, batch, item, ids, parts, today, keep)


def _not_a_document(run: _Run, item: _Input, note: dict[str, Any]) -> None:
    """An input that is not a document: skipped (reference data is kept in the home)."""
    if "reference" in note:
        kind, data, _ = note["reference"]
        standards_reference.save(run.home, standards_reference.ReferenceData(kind, data, item.path.name))
    run.report.skip(str(item.path), note["skip"])


def _store_input(
    run: _Run, batch: IndexBatch, item: _Input, ids: list[str], parts: Iterable[list[Prepared]], today: dt.date,
    keep: bool,
) -> None:
    """Store and index the documents of one parsed input (``ids``, given part by part; merged
    with what other sources said of the same standard), and drop those it no longer lists."""
    store = run.store
    gone = sorted(set(store.ids_from_source(item.source)) - set(ids))
    run.journal.note(stored=ids, deleted=gone)
    with store.batch():  # committed a few hundred at a time: the journal lists them meanwhile
        for part in parts:
            for prepared in part:
                _store_document(run, batch, item, prepared, today, keep)
    for doc_id in gone:
        rest = _stored_without(run, doc_id, [item.source], today)
        run.note_stored(batch, doc_id)
        if rest is None:
            store.delete(doc_id)
            batch.delete(doc_id)
            run.removed.append(doc_id)
        else:
            run.add(batch, rest, None, keep)
            if not keep:
                run.record_changes([rest], [])
    if not keep:  # a rebuild keeps no documents in memory: their change events are written soon
        run.record_changes([], [doc_id for doc_id in gone if doc_id in run.removed])


def _store_document(
    run: _Run, batch: IndexBatch, item: _Input, prepared: Prepared, today: dt.date, keep: bool
) -> None:
    """Store and index one document of an input (a standard: once its editions are linked).
    A standard another source said something of is merged with it first; any other document
    is stored as the worker made it, naming every file it came from (a law filed under two
    folders is one document from both: neither file is new the next time)."""
    store = run.store
    entry = store.entry(prepared.doc_id)
    if entry is not None and standards_ingest.merges(entry, prepared.kind, item.source):
        merged = standards_ingest.settle(store, prepared.document(), item.source, item.sha256)
        prepared = Prepared.made(prepare(merged, item.sha256, today), prepared.segments)
    elif entry is not None and (others := standards_ingest.other_sources(entry, item.source)):
        document = prepared.document()
        document.sources = {**others, item.source: item.sha256}  # no index record names its sources
        prepared = Prepared.made(document, prepared.segments, prepared.written)
    if entry is None:
        run.report.added += 1
    else:
        run.report.updated += 1
    store.put_stored(prepared.doc_id, prepared.data, prepared.entry)
    if batch.rebuild:
        run.hold(prepared.doc_id, prepared.segments)  # a rebuild indexes it at the end (unless written)
        run.note_stored(batch, prepared.doc_id, prepared.written)
        if links_editions(prepared.kind, prepared.number):
            run.stored_standards.append(prepared.doc_id)  # linked (and its change noted) then
        else:
            run.record_changes([_summary(store, prepared.doc_id, {prepared.doc_id: prepared.entry})], [])
    elif links_editions(prepared.kind, prepared.number):
        run.deferred.append((prepared.document(), prepared.segments))  # indexed (and its change noted) once linked
    else:
        document = prepared.document()
        run.add(batch, document, prepared.segments, keep)
        if not keep:
            run.record_changes([document], [])


def _adopt_passes(run: _Run, batch: IndexBatch, stored_ids: list[str]) -> list[str]:
    """Adopt the scratch indexes a rebuild's one pass wrote, once the copies of documents they
    are not to index are deleted from them (:class:`_Passes`); returns the stored ids still to
    index, in order."""
    passes = run.passes
    if passes is None or not passes.copies:
        return stored_ids
    indexed: set[str] = set()
    for name, adoption in passes.adopted(set(stored_ids)).items():
        if adoption.dropped or adoption.trimmed:
            index_mod.delete_from_scratch(batch.scratch(name), adoption.dropped, adoption.trimmed)
        batch.adopt(batch.scratch(name), sum(passes.clauses[doc_id] for doc_id in adoption.kept))
        indexed.update(adoption.kept)
    lost = {doc_id for doc_id in passes.copies if doc_id not in indexed}
    again = {doc_id for doc_id in indexed if len(passes.copies[doc_id]) > 1}
    # clauses were counted as each copy was written: the lost ones are counted again when indexed
    extra = sum(passes.written[doc_id] for doc_id in lost)
    extra += sum(passes.written[doc_id] - passes.clauses[doc_id] for doc_id in again)
    run.tick(clauses=-extra)
    batch.vectors.forget(lost | again)  # noted again when indexed from the store, or now
    for doc_id in again if batch.vectors.wanted else ():
        batch.vectors.add(run.store.get(doc_id))
    return [doc_id for doc_id in stored_ids if doc_id not in indexed]


def _index_stored(run: _Run, batch: IndexBatch, doc_ids: list[str]) -> None:
    """Index stored documents: with their cached segmentation where the analyzer and their
    texts are unchanged, else segmented again in worker processes."""
    run._indexing_stored = True
    if _indexes_in_workers(batch, len(doc_ids)):
        _index_stored_in_workers(run, batch, doc_ids)
        run.finish_chores()
        return
    run.finish_chores()
    missing = []
    for doc_id in doc_ids:
        document = run.store.get(doc_id)
        cached = run.cache.get(doc_id, texts_digest(document))
        if cached is None:
            missing.append(doc_id)
            continue
        batch.add(document, cached)
        run.note(document)
        run.tick(documents=run.first_count(doc_id), clauses=len(cached.clauses), done=1)
    chunks = [missing[i : i + STORED_BATCH] for i in range(0, len(missing), STORED_BATCH)]
    if not chunks:
        return
    tasks = ((chunk, (str(run.home.root), chunk)) for chunk in chunks)
    for outcome in run.pool(segment_stored).run(tasks):
        if outcome.failed:
            raise StdsearchError(f"cannot segment stored documents {outcome.task}: {outcome.error}")
        for document, blob in outcome.parts[0]:
            run.add(batch, document, blob, keep=False)
            run.state.done += 1


def _indexes_in_workers(batch: IndexBatch, count: int) -> bool:
    """True when a rebuild indexes ``count`` stored documents in worker processes."""
    return batch.parallel and count >= PARALLEL_INDEX_MIN


def _left_to_index(run: _Run, recovered: list[Document]) -> int:
    """About how many stored documents a rebuild will index from the store once its inputs
    are parsed (those its parse workers did not index as they parsed them)."""
    indexed = len(run.passes.valid) if run.passes is not None else 0
    return len(run.touched) + len(recovered) - indexed


def _index_pool(run: _Run) -> workers.WorkerPool:
    """The pool of index workers (an index task's input is the home's own stored documents, so
    it may run longer than a parse task)."""
    base = workers.Limits.from_env()
    return run.pool(index_stored, dataclasses.replace(base, seconds=max(base.seconds, INDEX_TASK_SECONDS)))


def balanced_slices(items: list[str], weights: list[int], count: int) -> list[list[str]]:
    """``items`` cut into at most ``count`` contiguous, non-empty slices of about equal total
    weight (each slice ends where the running total first reaches its share)."""
    total = sum(weights) or 1
    slices: list[list[str]] = [[]]
    running = 0
    for item, weight in zip(items, weights, strict=True):
        if slices[-1] and running >= total * len(slices) / count:
            slices.append([])
        slices[-1].append(item)
        running += weight
    return slices


def _index_stored_in_workers(run: _Run, batch: IndexBatch, doc_ids: list[str]) -> None:
    """Write the index of stored documents in worker processes, in parallel: one scratch index
    per contiguous slice of ``doc_ids`` (about equal in stored bytes, one per worker), which the
    batch adopts in slice order at its commit, so documents are numbered as one writer in this
    process would number them."""
    count = min(len(doc_ids), SCRATCHES_PER_PROCESS * run.process_count)
    sizes = run.store.sizes()
    slices = balanced_slices(doc_ids, [max(1, sizes.get(doc_id, 1)) for doc_id in doc_ids], count)
    with_passages, limit_mb = batch.vectors.wanted, index_mod.scratch_limit_mb(run.process_count)
    with_entries = run.entries is not None  # an ingest keeps the manifest as it stores documents
    tasks = (
        (number, (str(run.home.root), str(batch.scratch(number)), chunk, with_passages, with_entries, limit_mb))
        for number, chunk in enumerate(slices)
    )
    written: dict[int, int] = {}

    def received(_number: int, part: list[IndexedDocument]) -> None:
        for indexed in part:
            run.note_indexed(batch, indexed)
        run.do_chore()

    for outcome in _index_pool(run).run(tasks, on_part=received):
        if outcome.failed:
            raise StdsearchError(f"cannot index stored documents (part {outcome.task}): {outcome.error}")
        written[outcome.task] = sum(indexed.clauses for part in outcome.parts for indexed in part)
    for number in sorted(written):
        batch.adopt(batch.scratch(number), written[number])


def ingest(
    home: Home,
    paths: Iterable[Path | str],
    progress: Progress | None = None,
    processes: int | None = None,
    on_total: Callable[[int], None] | None = None,
) -> IngestReport:
    """Ingest files and folders into a home: store every document, update the index.

    Files are parsed, split and segmented in worker processes (``processes``, default: all
    cores), each under :class:`stdsearch.workers.Limits`. A bad file is recorded in the report
    with its reason and the rest of the batch lands. A document counts as stored once it is
    searchable: until the index commit it is listed in the journal, and the next writer indexes
    whatever a killed run left stored but not indexed. The documents whose files under an
    ingested folder are gone are removed (and listed in ``removed_documents``). ``progress`` gets
    a :class:`ProgressState` as documents are indexed, ``on_total`` the number of inputs to parse
    once it is known. Raises IndexBusy when another process is writing.
    """
    clock = time.perf_counter()
    report = IngestReport()
    inputs = [Path(p) for p in paths]
    with index_mod.write_lock(home), collection_paused():
        run = _Run(home, report, progress, processes)
        try:
            _ingest_locked(run, inputs, on_total)
        finally:
            run.close()
    report.documents = report.added + report.updated + report.unchanged
    report.removed = len(run.removed)
    report.seconds = round(time.perf_counter() - clock, 3)
    return report


def _ingest_locked(run: _Run, inputs: list[Path], on_total: Callable[[int], None] | None = None) -> None:
    store, report = run.store, run.report
    recovered, lost = _recover(store, run.journal)
    recovered += settle_overtaken(store, run.journal, dt.date.today())
    for folder in (p for p in inputs if p.is_dir()):
        recovered += _withdraw_vanished(run, vanished_under(store, folder))
    run.journal.note(deleted=run.removed)
    for doc_id in run.removed:
        store.delete(doc_id)
    run.removed = list(dict.fromkeys([*lost, *run.removed]))
    dropped_first = list(run.removed)
    # workers warm up while the inputs are compared with the store: one for a file, all for more
    run.pool(ingest_task).start(1 if len(inputs) == 1 and inputs[0].is_file() else run.process_count)
    todo = _inputs(run, inputs)
    run.state.total = len(todo)
    if on_total:
        on_total(len(todo))
    rebuild = not engines.index_exists(home := run.home) or len(todo) > REBUILD_THRESHOLD
    if rebuild:
        run.staged, run.passes = citations.Staged(store), _Passes()
    with IndexBatch(home, rebuild=rebuild) as batch:
        for doc_id in run.removed:
            batch.delete(doc_id)
        for document in recovered:
            run.add(batch, document, None, keep=not rebuild)
        if rebuild:
            run.record_changes(recovered, [])
        _parse_into(run, batch, todo, keep=not rebuild)
        if rebuild and _indexes_in_workers(batch, _left_to_index(run, recovered)):
            _index_pool(run).start(run.process_count)  # they start up while editions are linked
        _link_editions(run, batch, keep=not rebuild)
        if rebuild:
            run.flush_segments()
            run.flush_changes()
            # the manifest is final now: citations are resolved as the documents are indexed
            run.staged.resolve_from_now()
            run.later(run.staged.resolve_some)
            run.later(store.encode_entries)  # the manifest's JSON, for its save at the end
            rest = _adopt_passes(run, batch, store.ids())
            run.state.total += len(rest)
            _index_stored(run, batch, rest)
            run.flush_changes()
        report.clauses = run.state.clauses
        run.flush_segments()
        batch.commit()
    if not rebuild and (run.changed or run.removed):
        semantic.after_ingest(home, run.changed, run.removed)
    if rebuild:
        citations.rebuild(store, run.staged)
    elif run.changed or run.removed:
        citations.update(store, run.changed, run.removed)
    store.save_manifest()  # last: what is derived from a manifest version is written before it
    if rebuild:
        changes.record(home, [], dropped_first)
    elif run.changed or run.removed:
        changes.record(home, run.changed, run.removed)
    run.journal.clear()


def _withdraw_vanished(run: _Run, vanished: dict[str, list[str]]) -> list[Document]:
    """Take the files that are gone out of the documents they gave (``vanished``: id → those
    files): a document no other file gives is to be removed (listed in ``run.removed``); one
    still given by another file is stored again without them and returned, to be indexed."""
    kept = []
    today = dt.date.today()
    for doc_id, gone in vanished.items():
        rest = _stored_without(run, doc_id, gone, today)
        if rest is None and doc_id not in run.removed:
            run.report.removed_documents.append(_removal(run.store, doc_id, "file gone"))
            run.removed.append(doc_id)
        elif rest is not None:
            kept.append(rest)
    return kept


def _stored_without(run: _Run, doc_id: str, sources: list[str], today: dt.date) -> Document | None:
    """A stored document stored again without ``sources`` (gone, or no longer giving it) and
    journalled as stored; None, leaving it as it is, when no other source gives it."""
    rest = standards_ingest.withdraw(run.store, doc_id, sources)
    if rest is None:
        return None
    run.journal_stored([doc_id])  # after a deletion noted with the input: it stays
    rest = prepare(rest, rest.sha256, today)
    run.store.put(rest)
    return rest


def _link_stored_editions(run: _Run) -> None:
    """A rebuild's standards: their editions linked across the batch from the store, then their
    change events noted as linked, read back two thousand at a time (memory does not grow with
    the batch) while the rebuild indexes them, and the documents whose links changed, from the
    store (:meth:`_Run.later`: the ingesting process is otherwise idle then)."""
    standards_ingest.link_stored_editions(run.store, run.stored_standards, run.journal_stored)
    ids, run.stored_standards = list(dict.fromkeys(run.stored_standards)), []
    manifest = run.store.manifest()
    for start in range(0, len(ids), CHANGES_HELD):
        chunk = ids[start : start + CHANGES_HELD]
        run.later(lambda chunk=chunk: run.record_changes([_summary(run.store, i, manifest) for i in chunk], []))


def _summary(store: Store, doc_id: str, manifest: dict[str, dict[str, Any]]) -> changes.Stored:
    """What the history needs of a stored document: from its manifest entry (else read back)."""
    return changes.Stored.from_entry(doc_id, manifest[doc_id]) or changes.Stored.of(store.get(doc_id))


def _link_editions(run: _Run, batch: IndexBatch, keep: bool) -> None:
    """Link the editions of the standards this batch stored (replaces / replaced by / current
    edition, both ways), then index them and the stored standards whose links changed."""
    if run.stored_standards:
        _link_stored_editions(run)
    held = [document for document, _ in run.deferred]
    relinked = standards_ingest.link_editions(run.store, held, run.journal_stored)
    for document, blob in run.deferred:
        run.add(batch, document, blob, keep)
    run.deferred = []
    if keep:  # relinked: their editions' links changed (recorded after the new editions)
        changes.record(run.home, [*held, *relinked])
    else:
        run.record_changes([*held, *relinked], [])
    for document in relinked:
        if batch.rebuild:
            continue  # a rebuild indexes every stored document not indexed yet, as now stored
        run.add(batch, document, None, keep=False)


def _recover(store: Store, journal: Journal) -> tuple[list[Document], list[str]]:
    """What a killed writer left stored but not indexed: (documents to index, ids to drop);
    their change events are recorded now, in case the kill came before (no event twice)."""
    stored, deleted = journal.pending()
    documents = []
    for doc_id in stored:
        if store.exists(doc_id):
            document = store.get(doc_id)
            store.note(document)
            documents.append(document)
    gone = [doc_id for doc_id in deleted if doc_id not in stored]
    for doc_id in gone:
        store.delete(doc_id)
    if documents or gone:
        changes.record(store.home, documents, gone)  # a crash may have come before their events
    return documents, gone


def index_documents(home: Home, documents: Iterable[Document], removed_ids: Iterable[str] = ()) -> IngestReport:
    """Store already-parsed documents (from the crawler) and update the index."""
    report = IngestReport()
    store = Store(home)
    today = dt.date.today()
    with index_mod.write_lock(home):
        journal = Journal(home)
        changed, removed = _recover(store, journal)
        changed += settle_overtaken(store, journal, today)
        for document in documents:
            prepare(document, document.sha256, today)
            journal.note(stored=[document.doc_id])
            report.updated += store.exists(document.doc_id)
            report.added += not store.exists(document.doc_id)
            store.put(document)
            changed.append(document)
        removed += list(removed_ids)
        journal.note(deleted=removed)
        report.clauses = _write_index(home, store, changed, removed)
        citations.update(store, changed, removed)
        store.save_manifest()  # last: what is derived from a manifest version is written before it
        changes.record(home, changed, removed)
        journal.clear()
    report.documents = len(changed)
    report.removed = len(removed)
    return report


def _reason(error: BaseException) -> str:
    return workers.describe(error)


def _write_index(home: Home, store: Store, changed: list[Document], removed: list[str]) -> int:
    """Bring the chosen engine's index up to date with the store in this process: incrementally,
    or by a rebuild."""
    if not engines.index_exists(home) or len(changed) > REBUILD_THRESHOLD:
        return batches.rebuild(home, store.documents())
    if not changed and not removed:
        return 0
    return batches.update(home, changed, removed)


def reindex(
    home: Home, procs: int | None = None, progress: Callable[[Any], None] | None = None
) -> int:
    """Rebuild the whole index from corpus/docs and swap it in atomically.

    Stored segmentation is reused where the analyzer and the texts are unchanged; the rest is
    segmented again in ``procs`` worker processes (default: all cores). The manifest, the links
    and "cited by" are rebuilt from the same pass over the stored documents, so nothing points
    at a document that is no longer stored.
    """
    report = IngestReport()
    with index_mod.write_lock(home), collection_paused():
        run = _Run(home, report, progress, procs)
        run.entries, run.staged = {}, citations.Staged(run.store)
        try:
            _recover(run.store, run.journal)
            ids = run.store.ids()
            run.state.total = len(ids)
            with IndexBatch(home, rebuild=True) as batch:
                _index_stored(run, batch, ids)
                run.flush_segments()
                count = batch.commit()
            run.store.replace_manifest(run.entries or {})
            citations.rebuild(run.store, run.staged)
            run.store.save_manifest()  # last: what is derived from a manifest version is written before it
            changes.record(home, [])  # the status changes dates brought since the last write
            run.journal.clear()
        finally:
            run.close()
        return count


def ensure_index(home: Home) -> None:
    """Make sure a home can be searched: ingest the bundled samples into an empty home,
    or rebuild the index from the stored documents when it is missing or outdated."""
    if engines.index_exists(home):
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
            batches.rebuild(home, [])
