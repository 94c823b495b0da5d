"""The Whoosh index of clauses, derived from the corpus store.

Layout under index/: ``live`` is a symlink to the generation readers use (``gen-<n>``);
``write.lock`` serialises writers. Incremental updates commit into the live generation
(Whoosh commits are atomic); a rebuild writes a new generation beside it and swaps the
symlink with :func:`os.replace`, so readers never see a half-built index and a failed
rebuild leaves the old one serving.
"""

from __future__ import annotations

import contextlib
import fcntl
import operator
import os
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from pickle import dumps
from typing import Any

from whoosh import formats
from whoosh import index as whoosh_index
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.system import pack_uint
from whoosh.writing import IndexWriter

from stdsearch import analysis, numbers
from stdsearch.errors import IndexBusy, StdsearchError
from stdsearch.records import Clause, Document
from stdsearch.search.request import FACET_FIELDS, MULTI_VALUED_FACETS
from stdsearch.segment_writer import DirectSegmentWriter
from stdsearch.segments import DocumentSegments, Segmented, searchable_clauses
from stdsearch.settings import Home
from stdsearch.standards import facets as standards_facets

#: Bump when the schema or analysis changes: an index of another version is rebuilt.
INDEX_VERSION = 6


class SegmentedText(TEXT):
    """A TEXT field that also accepts text already segmented by our analyzer.

    Given a :class:`~stdsearch.segments.Segmented` value it indexes those words as they are
    (with the search-mode sub-words when ``subwords``), exactly as its analyzer would have cut
    the text; given a string it runs the analyzer. Queries always go through the analyzer.
    """

    def __init__(self, subwords: bool = False, stored: bool = True, field_boost: float = 1.0):
        analyzer = analysis.index_analyzer() if subwords else analysis.plain_analyzer()
        super().__init__(analyzer=analyzer, stored=stored, field_boost=field_boost)
        self.subwords = subwords

    def index(self, value: Any, **kwargs: Any) -> Iterable[tuple[bytes, int, float, bytes]]:
        """(term bytes, frequency, weight, encoded positions) of each distinct term; of a
        :class:`Segmented` value, as a list with the weights as floats (as a segment writer
        keeps them)."""
        if not isinstance(value, Segmented):
            return super().index(value, **kwargs)  # type: ignore[no-any-return]
        boost = float(self.format.field_boost)
        positions = value.positions(self.subwords)
        if type(self.format) is not formats.Positions:
            encode = self.format.encode
            return [(term.encode("utf-8"), len(at), len(at) * boost, encode(at)) for term, at in positions.items()]
        one, many = _ONE_POSITION, _encode_positions
        return [
            (term.encode("utf-8"), 1, boost, one[at[0]]) if len(at) == 1 and at[0] < _ONE_POSITION_LIMIT
            else (term.encode("utf-8"), len(at), len(at) * boost, many(at))
            for term, at in positions.items()
        ]


def _encode_positions(positions: list[int]) -> bytes:
    """Whoosh's encoding of a term's positions in one field value (``formats.Positions.encode``:
    the count, then the pickled gaps between positions)."""
    return pack_uint(len(positions)) + dumps([positions[0], *map(operator.sub, positions[1:], positions)], 2)


#: Positions below this have their one-position encoding (most terms of a clause) made in advance.
_ONE_POSITION_LIMIT = 4096
_ONE_POSITION = [_encode_positions([position]) for position in range(_ONE_POSITION_LIMIT)]


class FacetValue(ID):
    """An exact-value facet field (stored, sortable) that indexes no posting for an empty
    value: no filter asks for it and facet counts leave it out, so the postings of the empty
    value on every clause of a document without one would serve nothing."""

    def index(self, value: Any, **kwargs: Any) -> Iterator[tuple[bytes, int, float, bytes]]:
        """The field's postings; none for the empty value."""
        if value == "":
            return iter(())
        return super().index(value, **kwargs)  # type: ignore[no-any-return]


def sorted_only(field: Any) -> Any:
    """``field`` kept (stored, and as a sortable column) but not indexed: searches sort on it
    and read it, and no query looks its values up (the clause's position, its dates, whether
    its document is current)."""
    field.indexed = False
    return field


def build_schema() -> Schema:
    """The index schema, derived from the Document and Clause fields."""
    facets = {
        name: KEYWORD(stored=True, commas=True) if name in MULTI_VALUED_FACETS else FacetValue(stored=True, sortable=True)
        for name in FACET_FIELDS
    }
    return Schema(
        key=ID(unique=True, stored=True),
        doc_id=ID(stored=True, sortable=True),
        clause_id=STORED(),
        title=SegmentedText(),
        heading=SegmentedText(),
        text=SegmentedText(subwords=True),
        number=STORED(),
        number_keys=KEYWORD(lowercase=True, commas=True, scorable=True),
        label=STORED(),
        position=sorted_only(NUMERIC(stored=True, sortable=True, shift_step=0)),
        publish_date=sorted_only(ID(stored=True, sortable=True)),
        effective_date=sorted_only(ID(stored=True, sortable=True)),
        replaced_by=STORED(),
        replaces=STORED(),
        current_edition=STORED(),
        current=sorted_only(NUMERIC(stored=True, sortable=True, shift_step=0)),
        **facets,
    )


def document_year(document: Document) -> str:
    """The year shown in the year facet: of publication, else of taking effect."""
    return (document.publish_date or document.effective_date)[:4]


def number_keys(document: Document) -> list[str]:
    """Exact-match keys of a document's standard number and of the other numbers it was issued
    under jointly (``extra.joint_numbers``); empty when it has none."""
    if not document.number:
        return []
    keys = []
    for written in [document.number, *document.extra.get("joint_numbers", [])]:
        parsed = numbers.parse_number(written)
        keys.extend(numbers.number_keys(parsed) if parsed else [written.lower().replace(" ", "")])
    return list(dict.fromkeys(keys))


def facet_values(document: Document, clause: Clause) -> dict[str, str]:
    """The value of every facet field (:data:`FACET_FIELDS`) for one clause of a document."""
    values = {**_document_facets(document), "mandatory": standards_facets.clause_mandatory(document, clause)}
    return {name: values[name] for name in FACET_FIELDS}


def _document_facets(document: Document) -> dict[str, str]:
    """The facet values every clause of a document shares (all but ``mandatory``, a clause's own)."""
    return {
        "kind": document.kind,
        "level": document.level,
        "status": document.status,
        "region": document.region,
        "issuer": document.issuer,
        "year": document_year(document),
        **standards_facets.document_facets(document),
    }


def document_fields(document: Document, keys: list[str]) -> dict[str, Any]:
    """The indexed fields every clause of a document carries: its own and the shared facets."""
    facets = _document_facets(document)
    return {
        "doc_id": document.doc_id,
        "title": document.title,
        "number": document.number,
        "number_keys": ",".join(keys),
        "publish_date": document.publish_date,
        "effective_date": document.effective_date,
        "replaced_by": list(document.replaced_by),
        "replaces": list(document.replaces),
        "current_edition": document.extra.get("current_edition", ""),
        "current": 0 if document.status in ("废止", "被代替") else 1,
        **{name: facets[name] for name in FACET_FIELDS if name in facets},
    }


def clause_fields(
    document: Document, clause: Clause, keys: list[str], segments: DocumentSegments | None = None,
    shared: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The indexed fields of one clause, with its document's fields (``shared``: its
    :func:`document_fields`, computed once for all its clauses) copied on.

    With the document's ``segments`` the title, heading and text fields carry the analyzer's
    words (and the original strings as their stored values), so nothing is segmented again.
    """
    fields: dict[str, Any] = {
        **(document_fields(document, keys) if shared is None else shared),
        "key": f"{document.doc_id}/{clause.clause_id}",
        "clause_id": clause.clause_id,
        "heading": clause.heading,
        "text": clause.text,
        "label": clause.label,
        "position": clause.position,
        "mandatory": standards_facets.clause_mandatory(document, clause),
    }
    cut = segments.clauses.get(clause.clause_id) if segments else None
    if segments is not None and cut is not None:
        fields.update(
            title=segments.title, _stored_title=document.title,
            heading=cut.heading, _stored_heading=clause.heading,
            text=cut.text, _stored_text=clause.text,
        )
    return fields


def index_records(document: Document, segments: DocumentSegments | None = None) -> Iterator[dict[str, Any]]:
    """The searchable clauses of a document as index records (pre-segmented when ``segments``
    are given and were cut from this document's texts).

    A page the crawler found removed from its site stays in the corpus (with the date
    and reason) but is no longer a search result.
    """
    keys = number_keys(document)
    shared = document_fields(document, keys)
    for clause in searchable_clauses(document):
        yield clause_fields(document, clause, keys, segments, shared)


# --- locations and the write lock -------------------------------------------------------


def live_path(home: Home) -> Path:
    """index/live: the symlink to the generation readers open."""
    return home.index / "live"


def exists(home: Home) -> bool:
    """True when a usable index of the current version is live."""
    live = live_path(home)
    return live.exists() and whoosh_index.exists_in(live) and _version(live) == INDEX_VERSION


def _version(directory: Path) -> int:
    try:
        return int((directory / "VERSION").read_text().strip())
    except (OSError, ValueError):
        return 0


@contextlib.contextmanager
def write_lock(home: Home) -> Iterator[None]:
    """Hold the single-writer lock of this home, or raise IndexBusy at once.

    A lock whose recorded holder is dead (its lock kept alive only by an orphaned child that
    inherited it) is taken over at once: the lock file is replaced and the new one locked.
    The next writer also removes half-built generations a killed rebuild left behind.
    """
    home.index.mkdir(parents=True, exist_ok=True)
    lock_path = home.index / "write.lock"
    for _attempt in range(5):
        handle = open(lock_path, "a+", encoding="utf-8")  # noqa: SIM115 - held across the yield
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip()
            handle.close()
            if _holder_is_dead(holder):
                _replace_lock_file(lock_path)
                continue
            raise IndexBusy(
                f"index busy: {holder or 'another process'} is writing to {home.index}; try again when it has finished"
            ) from None
        if not _same_file(handle, lock_path):  # replaced by a takeover while we waited
            handle.close()
            continue
        break
    else:
        raise IndexBusy(f"index busy: could not lock {lock_path}")
    with handle:
        handle.seek(0)
        handle.truncate()
        handle.write(f"stdsearch pid {os.getpid()}")
        handle.flush()
        try:
            remove_abandoned_generations(home)
            yield
        finally:
            handle.truncate(0)
            fcntl.flock(handle, fcntl.LOCK_UN)


def _holder_is_dead(holder: str) -> bool:
    """True when the lock file names a process of this machine that no longer runs."""
    parts = holder.split()
    if len(parts) != 3 or parts[:2] != ["stdsearch", "pid"] or not parts[2].isdigit():
        return False
    try:
        os.kill(int(parts[2]), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _replace_lock_file(lock_path: Path) -> None:
    """Put a fresh lock file in place of one held only by orphans of a dead writer."""
    fresh = lock_path.with_name(f".write.lock.{os.getpid()}")
    fresh.write_text("", encoding="utf-8")
    os.replace(fresh, lock_path)


def _same_file(handle: Any, path: Path) -> bool:
    try:
        return os.fstat(handle.fileno()).st_ino == os.stat(path).st_ino
    except OSError:
        return False


def open_index(home: Home) -> whoosh_index.Index:
    """The live index for reading; StdsearchError when there is none yet."""
    if not exists(home):
        raise StdsearchError(f"no index in {home.index}: run `stdsearch reindex` or ingest files")
    return whoosh_index.open_dir(str(live_path(home).resolve()))


def live_generation(home: Home) -> str:
    """The name of the live generation (changes when a rebuild is swapped in)."""
    try:
        return os.readlink(live_path(home))
    except OSError:
        return ""


# --- writing ----------------------------------------------------------------------------


#: Memory for Whoosh's posting pool before it spills runs to disk (per writer).
WRITER_LIMIT_MB = 256
#: The same for the scratch writers of a parallel rebuild, all together (each worker's share:
#: :func:`scratch_limit_mb`); a share that holds a slice's postings spares the sorted runs on disk.
SCRATCH_LIMIT_MB = 512


def scratch_limit_mb(writers: int) -> int:
    """Each of ``writers`` scratch writers' share of :data:`SCRATCH_LIMIT_MB` (at least 32 MB)."""
    return max(32, SCRATCH_LIMIT_MB // max(1, writers))
#: About what one posting costs a :class:`DirectSegmentWriter` in memory, until its segment is written.
POSTING_BYTES = 120
#: Whoosh's name for the index inside a folder.
INDEX_NAME = "MAIN"


def _writer(ix: whoosh_index.Index) -> IndexWriter:
    """One in-process Whoosh writer (never Whoosh's multi-process writer: its children would
    hold the home's write lock past a kill of this process)."""
    return ix.writer(limitmb=WRITER_LIMIT_MB)


def write_scratch_index(directory: Path, records: Iterable[dict[str, Any]], limit_mb: int) -> int:
    """Write clause records into a fresh Whoosh index in ``directory`` for :meth:`IndexBatch.adopt`
    to take into a generation; run by a worker process, returns how many records it wrote.

    Segments are written by :class:`~stdsearch.segment_writer.DirectSegmentWriter` (postings
    collected in memory, in document order: the segment Whoosh's own writer would write); when
    the postings held reach about ``limit_mb`` the segment is finished and the next one begun,
    so memory does not grow with the corpus. Published at once by one table of contents.
    """
    storage = FileStorage(str(directory)).create()
    schema = build_schema()
    budget = limit_mb * 1024 * 1024 // POSTING_BYTES
    segments = []
    writer = DirectSegmentWriter(storage, schema, INDEX_NAME)
    count = 0
    try:
        for record in records:
            writer.add(record)
            count += 1
            if writer.postings_held >= budget:
                segments.append(writer.finish())
                writer = DirectSegmentWriter(storage, schema, INDEX_NAME)
        if writer.docnum or not segments:
            segments.append(writer.finish())
    except BaseException:
        writer.cancel()
        raise
    whoosh_index.TOC(schema, segments, 0).write(storage, INDEX_NAME)
    return count


def delete_from_scratch(directory: Path, doc_ids: Iterable[str], keep_last: dict[str, int] | None = None) -> None:
    """Mark the clauses of ``doc_ids`` deleted in the finished scratch index in ``directory``,
    and those of each document in ``keep_last`` but the last ``n`` it wrote (a segment keeps its
    deleted documents' numbers until it is merged; readers skip them)."""
    ix = whoosh_index.open_dir(str(directory), indexname=INDEX_NAME)
    writer = ix.writer()
    try:
        for doc_id in doc_ids:
            writer.delete_by_term("doc_id", doc_id)
        with writer.searcher() as searcher:
            for doc_id, kept in (keep_last or {}).items():
                numbers = sorted(searcher.document_numbers(doc_id=doc_id))
                for number in numbers[: len(numbers) - kept]:
                    writer.delete_document(number)
    except BaseException:
        writer.cancel()
        raise
    writer.commit(merge=False)


def _table_of_contents(directory: Path) -> whoosh_index.TOC:
    """The latest committed table of contents (schema and segments) of the index in ``directory``."""
    return whoosh_index.TOC.read(FileStorage(str(directory)), INDEX_NAME)


def _segment_files(directory: Path, segment: Any) -> list[Path]:
    """The files of one Whoosh segment (its id is in their names)."""
    prefix = segment.segment_id() + "."
    return [path for path in directory.iterdir() if path.name.startswith(prefix)]


def adopt_segments(generation: Path, scratches: list[Path]) -> int:
    """Move the segments of finished scratch indexes into the index in ``generation`` and make
    them visible in one step: a new table of contents listing the generation's segments and
    theirs, in the order given (so documents are numbered as one writer would have numbered
    them), written atomically by Whoosh. Returns how many segments were added."""
    current = _table_of_contents(generation)
    segments = list(current.segments)
    added = 0
    for scratch in scratches:
        for segment in _table_of_contents(scratch).segments:
            for path in _segment_files(scratch, segment):
                target = generation / path.name
                if target.exists():
                    raise StdsearchError(f"segment file {path.name} exists twice in {generation}")
                os.replace(path, target)
            segments.append(segment)
            added += 1
    if added:
        toc = whoosh_index.TOC(current.schema, segments, current.generation + 1)
        toc.write(FileStorage(str(generation)), INDEX_NAME)
    for scratch in scratches:
        shutil.rmtree(scratch, ignore_errors=True)
    return added


def _new_generation(home: Home) -> Path:
    existing = [int(p.name.split("-")[1]) for p in home.index.glob("gen-*") if p.name[4:].isdigit()]
    path = home.index / f"gen-{max(existing, default=0) + 1}"
    path.mkdir(parents=True)
    return path


def remove_abandoned_generations(home: Home) -> list[str]:
    """Delete the generations that are neither live nor the finished one before it: those a
    killed rebuild left half-built. The caller holds the write lock. Returns their names."""
    live = live_generation(home)
    numbered = sorted((p for p in home.index.glob("gen-*") if p.name[4:].isdigit()), key=lambda p: int(p.name[4:]))
    live_number = int(live[4:]) if live[4:].isdigit() else 0
    finished_before = [p.name for p in numbered if int(p.name[4:]) < live_number and (p / "VERSION").exists()]
    keep = {live, *finished_before[-1:]}
    removed = [p.name for p in numbered if p.name not in keep]
    for name in removed:
        shutil.rmtree(home.index / name, ignore_errors=True)
    (home.index / "live.tmp").unlink(missing_ok=True)
    return removed


def _swap_in(home: Home, generation: Path) -> None:
    """Point index/live at ``generation`` atomically, then drop generations older than the last."""
    tmp_link = home.index / "live.tmp"
    tmp_link.unlink(missing_ok=True)
    tmp_link.symlink_to(generation.name)
    previous = live_generation(home)
    os.replace(tmp_link, live_path(home))
    keep = {generation.name, previous}
    for old in home.index.glob("gen-*"):
        if old.name not in keep:
            shutil.rmtree(old, ignore_errors=True)


class IndexBatch:
    """The Whoosh engine's writer (:class:`stdsearch.search.engine.EngineWriter`): one batch of
    clause records, committed at once — a fresh generation swapped in (``rebuild=True``) or an
    update of the live one.

    Feed it clause records (:meth:`add`, :meth:`replace`) and documents to drop (:meth:`delete`),
    then :meth:`commit`; on :meth:`cancel` (or any exception inside ``with``) nothing changes and
    a half-built generation is removed. The caller holds :func:`write_lock`. Documents come in
    through the engine-neutral :class:`stdsearch.batch.IndexBatch`, which also keeps the vectors.

    A rebuild can also take segments that worker processes wrote in parallel: each writes a
    scratch index in a folder of the new generation (:meth:`scratch`), and :meth:`adopt` lists
    it for the commit, which moves their segments in and publishes them with the rest at once.
    A killed rebuild leaves its scratch indexes inside an unfinished generation, which the next
    writer removes.
    """

    def __init__(self, home: Home, rebuild: bool):
        self.home = home
        self.rebuild = rebuild
        self.generation: Path | None = None
        self.scratches: list[Path] = []
        if rebuild:
            self.generation = _new_generation(home)
            try:
                self.ix = whoosh_index.create_in(str(self.generation), build_schema())
            except BaseException:
                shutil.rmtree(self.generation, ignore_errors=True)
                raise
        else:
            self.ix = open_index(home)
        self._writer: IndexWriter | None = None if rebuild else _writer(self.ix)
        self._open = True

    @property
    def writer(self) -> IndexWriter:
        """The in-process Whoosh writer (opened at first use in a rebuild)."""
        if self._writer is None:
            self._writer = _writer(self.ix)
        return self._writer

    def scratch(self, number: int | str) -> Path:
        """The folder for a worker's scratch index ``number`` (rebuilds only)."""
        if self.generation is None:
            raise StdsearchError("scratch indexes are for rebuilds")
        return self.generation / f"scratch-{number}"

    def adopt(self, scratch: Path) -> None:
        """Take a worker's finished scratch index into this batch's commit."""
        self.scratches.append(scratch)

    def __enter__(self) -> IndexBatch:
        return self

    def __exit__(self, kind: object, *rest: object) -> None:
        if kind is not None and self._open:
            self.cancel()

    def add(self, records: Iterable[dict[str, Any]]) -> int:
        """Add clause records (:func:`index_records`) of documents not in the index; returns how many."""
        added = 0
        for record in records:
            self.writer.add_document(**record)
            added += 1
        return added

    def replace(self, doc_id: str, records: Iterable[dict[str, Any]]) -> int:
        """Replace every clause of ``doc_id`` by ``records``; returns how many."""
        self.delete(doc_id)
        return self.add(records)

    def delete(self, doc_id: str) -> None:
        """Drop a document's clauses (nothing to drop in a fresh generation)."""
        if not self.rebuild:
            self.writer.delete_by_term("doc_id", doc_id)

    def commit(self) -> None:
        """Make the batch visible to readers at once."""
        try:
            if self._writer is not None:
                self._writer.commit()
            self._open = False
            if self.generation is not None:
                adopt_segments(self.generation, self.scratches)
                (self.generation / "VERSION").write_text(str(INDEX_VERSION))
        except BaseException:
            self._remove_generation()
            raise
        if self.generation is not None:
            _swap_in(self.home, self.generation)

    def cancel(self) -> None:
        """Abandon the batch: the index stays as it was."""
        if self._open:
            self._open = False
            if self._writer is not None:
                with contextlib.suppress(Exception):
                    self._writer.cancel()
        self._remove_generation()

    def _remove_generation(self) -> None:
        if self.generation is not None:
            shutil.rmtree(self.generation, ignore_errors=True)


def clause_count(home: Home) -> int:
    """Number of clauses in the live index (0 without one)."""
    return open_index(home).doc_count() if exists(home) else 0


def size_on_disk(home: Home) -> int:
    """Bytes used by the live index generation."""
    live = live_path(home)
    if not live.exists():
        return 0
    return sum(p.stat().st_size for p in live.resolve().iterdir() if p.is_file())
