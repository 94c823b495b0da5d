"""Segmentation done once: the analyzer's words of a document's title, headings and clauses.

Ingest segments every text once (in worker processes), the index writers consume the words
as they are, and a reindex reuses them from a cache as long as the analyzer has not changed.

The records (the interface the engines' writers consume):

- :class:`Segmented` — one text as :func:`stdsearch.analysis.segment` cuts it: accurate-mode
  words, normalised (full-width → half-width, traditional → simplified, lower case),
  punctuation and white space dropped. :meth:`Segmented.terms` gives the index-time terms with
  their positions (the search-mode sub-words of long words at the word's own position, as the
  Whoosh index analyzer emits them); :meth:`Segmented.joined` the words joined by spaces, for
  an engine that indexes with a whitespace analyzer. A clause text carries the sub-words of
  its long words, found where it was cut, so an index writer needs no dictionary.
- :class:`ClauseSegments` — one searchable clause: its heading and its text.
- :class:`DocumentSegments` — a document: its title once, its clauses by ``clause_id``, the
  ``digest`` of the texts they were cut from and the analyzer ``fingerprint`` that cut them.

The cache (``index/segments.sqlite``) maps doc_id → the last segmentation, valid when both the
digest of the document's texts and the analyzer fingerprint match.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import marshal
import sqlite3
import struct
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from zlib_ng.zlib_ng import compress

from stdsearch import analysis
from stdsearch.records import Document
from stdsearch.settings import Home
from stdsearch.store import WAL_PAGES

#: Bump when the way texts are cut into these records changes (not the analyzer: its files are fingerprinted).
SEGMENTS_VERSION = 3


@dataclass(frozen=True, slots=True)
class Segmented:
    """One text as the shared analyzer segments it: its words, in order; with the search-mode
    sub-words of its long words (``pieces``) when they were found as it was cut, else they are
    looked up in the dictionary when asked for."""

    words: tuple[str, ...]
    #: word → its search-mode sub-words, for every word of the text that has some (None: not known)
    pieces: Mapping[str, tuple[str, ...]] | None = field(default=None, compare=False)

    def _subwords_of(self) -> Callable[[str], tuple[str, ...]]:
        """word → its sub-words: from ``pieces`` when known, else from the dictionary."""
        pieces = self.pieces
        if pieces is None:
            return _subword_texts
        return lambda word: pieces.get(word, ())

    def terms(self, subwords: bool) -> Iterator[tuple[str, int]]:
        """(term, position) in the order the index analyzer emits them; with ``subwords`` the
        search-mode pieces of each long word follow it at the same position."""
        if not subwords:
            yield from ((word, position) for position, word in enumerate(self.words))
            return
        subwords_of = self._subwords_of()
        for position, word in enumerate(self.words):
            yield word, position
            for piece in subwords_of(word):
                yield piece, position

    def positions(self, subwords: bool) -> dict[str, list[int]]:
        """term → its positions, ascending (a sub-word at the position of each word it is a
        piece of, as often as it is one)."""
        found: defaultdict[str, list[int]] = defaultdict(list)
        for position, word in enumerate(self.words):
            found[word].append(position)
        if not subwords:
            return found
        subwords_of = self._subwords_of()
        # the words' own positions, taken before any piece is added (a word may be a piece too)
        for word, at in [(word, tuple(at)) for word, at in found.items() if len(word) > 2]:
            for piece in subwords_of(word):
                merged = found[piece]
                merged += at
                if len(merged) > len(at):
                    merged.sort()
        return found

    def joined(self) -> str:
        """The words joined by single spaces."""
        return " ".join(self.words)


@functools.lru_cache(maxsize=200_000)
def _subword_texts(word: str) -> tuple[str, ...]:
    return tuple(piece for piece, _ in analysis.subwords(word))


def subword_pieces(texts: Iterable[Segmented]) -> dict[str, tuple[str, ...]]:
    """word → its search-mode sub-words, for every word of ``texts`` that has some."""
    distinct = set().union(*(text.words for text in texts))
    return {word: pieces for word in distinct if len(word) > 2 and (pieces := _subword_texts(word))}


#: The length of a serialisation's head (what the segments are of), before the head.
_HEAD_SIZE = struct.Struct("!H")


@dataclass(frozen=True, slots=True)
class ClauseSegments:
    """The segmented heading and text of one searchable clause."""

    heading: Segmented
    text: Segmented


@dataclass(frozen=True, slots=True)
class DocumentSegments:
    """The segmented texts of one document, and what they were cut from and with (the clause
    texts with the sub-words of their long words)."""

    doc_id: str
    digest: str
    fingerprint: str
    title: Segmented
    clauses: dict[str, ClauseSegments]

    def to_bytes(self) -> bytes:
        """A compact serialisation (for the cache and for worker pipes): what the segments are
        of (:meth:`key_of`), then the words, compressed (by zlib-ng: zlib's format, five times
        faster to write)."""
        rows = [(cid, c.heading.words, c.text.words) for cid, c in self.clauses.items()]
        pieces = subword_pieces(c.text for c in self.clauses.values())
        head = marshal.dumps((self.doc_id, self.digest, self.fingerprint))
        return _HEAD_SIZE.pack(len(head)) + head + compress(marshal.dumps((self.title.words, rows, pieces)), 1)

    @staticmethod
    def key_of(data: bytes) -> tuple[str, str, str]:
        """(doc_id, digest, fingerprint) of serialised segments, read without the words."""
        (size,) = _HEAD_SIZE.unpack_from(data)
        doc_id, digest, fingerprint = marshal.loads(data[_HEAD_SIZE.size : _HEAD_SIZE.size + size])
        return doc_id, digest, fingerprint

    @classmethod
    def from_bytes(cls, data: bytes) -> DocumentSegments:
        """The inverse of :meth:`to_bytes` (the clause texts know their sub-words)."""
        doc_id, digest, fingerprint = cls.key_of(data)
        (size,) = _HEAD_SIZE.unpack_from(data)
        title, rows, pieces = marshal.loads(zlib.decompress(data[_HEAD_SIZE.size + size :]))
        clauses = {cid: ClauseSegments(Segmented(heading), Segmented(text, pieces)) for cid, heading, text in rows}
        return cls(doc_id, digest, fingerprint, Segmented(title), clauses)


def searchable_clauses(document: Document) -> list:  # type: ignore[type-arg]
    """The clauses the index holds: the searchable ones, none of a page removed from its site."""
    if document.extra.get("removed"):
        return []
    return [clause for clause in document.clauses if clause.searchable]


def texts_digest(document: Document) -> str:
    """A digest of every text the index segments: title, and each searchable clause's heading and text."""
    digest = hashlib.blake2b(document.title.encode("utf-8"), digest_size=16)
    for clause in searchable_clauses(document):
        digest.update(b"\x00" + clause.clause_id.encode("utf-8") + b"\x01" + clause.heading.encode("utf-8"))
        digest.update(b"\x02" + clause.text.encode("utf-8"))
    return digest.hexdigest()


@functools.cache
def fingerprint() -> str:
    """The analyzer's fingerprint: changes whenever its code, dictionaries or libraries change,
    so that stored segmentation is reused only when it would come out the same."""
    import jieba
    import opencc

    routes = importlib.metadata.version("jieba-next")  # the Rust core that finds jieba's routes
    versions = f"{SEGMENTS_VERSION}|{jieba.__version__}|jieba-next {routes}|{_version_of(opencc)}"
    digest = hashlib.blake2b(versions.encode(), digest_size=12)
    # the analyzer's code and the dictionaries it cuts with (not the other word lists under data/:
    # a new colloquial word or law short name changes no segmentation)
    files = [Path(analysis.__file__), Path(jieba.__file__).with_name("dict.txt"), analysis.USER_DICT]
    for path in files:
        if path.is_file():
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def _version_of(module: object) -> str:
    return str(getattr(module, "__version__", "") or getattr(module, "VERSION", ""))


#: Distinct lines whose words a process remembers (versions of a law repeat most clauses;
#: catalogue summaries repeat their field lines: 状态：现行, 标准类别：国家标准 …).
MEMO_TEXTS = 16384


def words(text: str) -> Segmented:
    """The analyzer's words of one text: normalised whole, then cut line by line (no word spans
    a line break, so the words are the same), a line seen recently not cut again."""
    if "\n" not in text:
        return Segmented(_memo_words(text) if text else ())
    lines = analysis.normalize(text).split("\n")
    return Segmented(tuple(word for line in lines if line for word in _memo_normalized_words(line)))


@functools.lru_cache(maxsize=MEMO_TEXTS)
def _memo_words(text: str) -> tuple[str, ...]:
    return tuple(analysis.words_normalized(analysis.normalize(text)))


@functools.lru_cache(maxsize=MEMO_TEXTS)
def _memo_normalized_words(line: str) -> tuple[str, ...]:
    return tuple(analysis.words_normalized(line))


def segment_document(document: Document, known: dict[str, Segmented] | None = None) -> DocumentSegments:
    """Segment a document's title, headings (each distinct heading once) and clause texts;
    texts in ``known`` (:func:`known_texts`) are not cut again."""
    known = {} if known is None else known

    def cut(text: str) -> Segmented:
        found = known.get(text)
        if found is None:
            found = known[text] = words(text)
        return found

    clauses = {c.clause_id: ClauseSegments(cut(c.heading), cut(c.text)) for c in searchable_clauses(document)}
    return DocumentSegments(document.doc_id, texts_digest(document), fingerprint(), cut(document.title), clauses)


def texts_of(document: Document, segments: DocumentSegments) -> dict[str, Segmented]:
    """text → its words, for every text of ``document`` that ``segments`` (cut from exactly
    these texts) holds: title, headings, clause texts."""
    if segments.digest != texts_digest(document) or segments.fingerprint != fingerprint():
        return {}
    found = {document.title: segments.title}
    for clause in searchable_clauses(document):
        cut = segments.clauses.get(clause.clause_id)
        if cut is not None:
            found[clause.heading] = cut.heading
            found[clause.text] = cut.text
    return found


class SegmentCache:
    """doc_id → the document's last segmentation, in ``index/segments.sqlite``.

    Written only by the holder of the home's write lock; read by anyone (WAL mode).
    """

    def __init__(self, home: Home):
        self.path = home.index / "segments.sqlite"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(f"PRAGMA wal_autocheckpoint={WAL_PAGES}")  # fewer checkpoints (and fsyncs)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS segments (doc_id TEXT PRIMARY KEY, digest TEXT, fingerprint TEXT, data BLOB)"
        )

    @staticmethod
    def previous(path: Path, doc_ids: list[str]) -> dict[str, DocumentSegments]:
        """doc_id → the cached segmentation of each of ``doc_ids`` the cache file at ``path``
        holds for this analyzer (whatever texts it was cut from), read-only: a worker reading
        what the last ingest of a changed file cut, to cut only what changed."""
        if not doc_ids or not path.exists():
            return {}
        try:
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        except sqlite3.Error:
            return {}
        try:
            marks = ",".join("?" * len(doc_ids))
            rows = db.execute(
                f"SELECT data FROM segments WHERE fingerprint = ? AND doc_id IN ({marks})", [fingerprint(), *doc_ids]
            ).fetchall()
        except sqlite3.Error:
            return {}
        finally:
            db.close()
        found = (DocumentSegments.from_bytes(data) for (data,) in rows)
        return {segments.doc_id: segments for segments in found}

    def get(self, doc_id: str, digest: str) -> DocumentSegments | None:
        """The cached segmentation when it was cut from the same texts by the same analyzer."""
        row = self._db.execute(
            "SELECT data FROM segments WHERE doc_id = ? AND digest = ? AND fingerprint = ?",
            (doc_id, digest, fingerprint()),
        ).fetchone()
        return DocumentSegments.from_bytes(row[0]) if row else None

    def empty(self) -> bool:
        """True when the cache holds no segmentation."""
        return self._db.execute("SELECT 1 FROM segments LIMIT 1").fetchone() is None

    def put_many(self, blobs: Iterable[bytes]) -> None:
        """Store serialised segmentations (:meth:`DocumentSegments.to_bytes`) in one transaction."""
        rows = [(*DocumentSegments.key_of(data), data) for data in blobs]
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany("INSERT OR REPLACE INTO segments VALUES (?, ?, ?, ?)", rows)

    def delete_many(self, doc_ids: Iterable[str]) -> None:
        """Forget the segmentations of removed documents."""
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany("DELETE FROM segments WHERE doc_id = ?", [(i,) for i in doc_ids])

    def close(self) -> None:
        """Close the database."""
        self._db.close()
