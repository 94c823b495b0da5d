"""Vectorised ranking: BM25F scores, totals, facet counts and sort orders computed over arrays.

Whoosh scores matches one at a time in Python (a few microseconds each, times every query
node). A question OR-ing ten words matches around 10,000 clauses of the laws, and counting
facets over all of them doubled that again: about a second a question. Here each term's
postings are read once into numpy arrays (cached per index state, shared by threads), the same BM25F formula
is applied to whole arrays, and Or / And / And-Not combine them as sums over unions and
intersections. Facet counts are ``bincount`` over per-clause codes; totals are exact.

Only queries made of terms, Or, And, Not and NullQuery are handled; anything else (phrases,
Every, …) returns None from :func:`evaluate`, and the caller runs Whoosh's own matcher.
Scores equal Whoosh's BM25F for the same query (tested), so both paths rank alike.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from whoosh import scoring
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.query import And, Not, NullQuery, Or, Query, Term
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length, length_to_byte

#: byte → field length, as Whoosh decodes its one-byte length column.
_LENGTH_OF_BYTE = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)
#: Postings kept in memory per index state (ids and frequencies, 8 bytes each): about 32 MB.
POSTINGS_CACHE_ELEMENTS = 4_000_000
#: Index states (generations) whose arrays are kept; older ones are dropped.
STATES_KEPT = 2


@dataclass
class Matches:
    """Matching clause numbers (ascending, global docnums) and their scores."""

    ids: np.ndarray
    scores: np.ndarray

    @classmethod
    def empty(cls) -> Matches:
        """No matches."""
        return cls(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))


@dataclass
class ReaderArrays:
    """Arrays derived from one state of the index, shared by every thread's searcher on it:
    postings, field lengths, facet codes and sort keys, each built on first use."""

    size: int
    deleted: np.ndarray
    postings: OrderedDict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = field(default_factory=OrderedDict)
    postings_held: int = 0
    lengths: dict[str, np.ndarray] = field(default_factory=dict)
    facets: dict[str, tuple[np.ndarray, list[str]]] = field(default_factory=dict)
    columns: dict[str, np.ndarray] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


_states: OrderedDict[tuple[Any, ...], ReaderArrays] = OrderedDict()
_states_lock = threading.Lock()


def _state_key(searcher: Searcher) -> tuple[Any, ...]:
    """What identifies an index state: its folder and its segments with their live counts."""
    reader = searcher.reader()
    segments = tuple((leaf.segment().segment_id(), leaf.doc_count()) for leaf, _ in reader.leaf_readers())
    folder = getattr(reader.storage(), "folder", id(reader.storage()))
    return (folder, segments)


def arrays_for(searcher: Searcher) -> ReaderArrays:
    """The arrays of the index state ``searcher`` reads (built once, shared between threads)."""
    key = _state_key(searcher)
    with _states_lock:
        found = _states.get(key)
        if found is None:
            reader = searcher.reader()
            size = reader.doc_count_all()
            deleted = np.zeros(size, dtype=bool)
            for leaf, offset in reader.leaf_readers():
                gone = np.fromiter(leaf.deleted_docs_set if leaf.has_deletions() else (), dtype=np.int64)
                deleted[gone + offset] = True
            found = _states[key] = ReaderArrays(size, deleted)
            while len(_states) > STATES_KEPT:
                _states.popitem(last=False)
        _states.move_to_end(key)
        return found


@dataclass
class View:
    """One thread's searcher with the shared arrays of the index state it reads."""

    searcher: Searcher
    arrays: ReaderArrays
    leaves: list[tuple[Any, int]]


def view_of(searcher: Searcher) -> View:
    """The view of ``searcher``: its own segment readers, the state's shared arrays."""
    return View(searcher, arrays_for(searcher), list(searcher.reader().leaf_readers()))


# --- reading the index into arrays -------------------------------------------------------


def _leaf_postings(leaf: Any, fieldname: str, text: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(docnums, term frequencies) of one term in one segment, deletions included."""
    if (fieldname, text) not in leaf:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    matcher = leaf.postings(fieldname, text)
    while hasattr(matcher, "child") and not hasattr(matcher, "_read_ids"):
        matcher = matcher.child  # the deletion filter: deletions are masked afterwards
    ids: list[Any] = []
    weights: list[Any] = []
    if hasattr(matcher, "_read_ids") and hasattr(matcher, "_next_block"):
        # Whoosh 3 codec: read whole blocks instead of stepping posting by posting.
        while matcher.is_active():
            matcher._read_ids()
            matcher._read_weights()
            ids.append(np.asarray(matcher._ids, dtype=np.int64))
            weights.append(np.asarray(matcher._weights, dtype=np.float64))
            matcher._next_block()
        if not ids:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        return np.concatenate(ids), np.concatenate(weights)
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float64)


def postings(view: View, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray]:
    """(global docnums, term frequencies) of a term over all segments, live clauses only."""
    key = (fieldname, text)
    with view.arrays.lock:
        cached = view.arrays.postings.get(key)
        if cached is not None:
            view.arrays.postings.move_to_end(key)
            return cached
    schema = view.searcher.schema
    if fieldname not in schema:
        found = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))
    else:
        try:
            btext = schema[fieldname].to_bytes(text)
        except ValueError:
            btext = None
        parts = [_leaf_postings(leaf, fieldname, btext) for leaf, _ in view.leaves] if btext is not None else []
        ids = np.concatenate([p[0] + off for p, (_, off) in zip(parts, view.leaves, strict=True)] or [np.zeros(0, dtype=np.int64)])
        weights = np.concatenate([p[1] for p in parts] or [np.zeros(0, dtype=np.float64)])
        live = ~view.arrays.deleted[ids]
        found = (ids[live], weights[live])
    found = (found[0].astype(np.int32), found[1].astype(np.float32))
    cache = view.arrays
    with cache.lock:
        if key not in cache.postings:
            cache.postings[key] = found
            cache.postings_held += len(found[0])
        while cache.postings_held > POSTINGS_CACHE_ELEMENTS and len(cache.postings) > 1:
            _, (dropped, _) = cache.postings.popitem(last=False)
            cache.postings_held -= len(dropped)
    return found


def field_lengths(view: View, fieldname: str) -> np.ndarray:
    """Every clause's length in a field, as Whoosh's length column stores it (lossy byte)."""
    if fieldname not in view.arrays.lengths:
        parts = [_LENGTH_OF_BYTE[_length_bytes(leaf, fieldname)] for leaf, _ in view.leaves]
        view.arrays.lengths[fieldname] = np.concatenate(parts) if parts else np.zeros(0)
    return view.arrays.lengths[fieldname]


def _length_bytes(leaf: Any, fieldname: str) -> np.ndarray:
    """One segment's length bytes of a field (0 where a clause has none)."""
    count = leaf.doc_count_all()
    perdoc = getattr(leaf, "_perdoc", None)
    lenfield = f"_{fieldname}_len"
    if perdoc is None or not perdoc.has_column(lenfield):
        return np.array([length_to_byte(leaf.doc_field_length(d, fieldname) or 0) for d in range(count)], dtype=np.uint8)
    reader = perdoc.column_reader(lenfield, LENGTHS_COLUMN)
    raw = np.zeros(count, dtype=np.uint8)
    stored = min(count, reader._count)
    # One read of the whole one-byte-per-clause column instead of a call per clause.
    raw[:stored] = np.frombuffer(reader._dbfile.get(reader._basepos, stored), dtype=np.uint8)
    return raw


def facet_codes(view: View, fieldname: str) -> tuple[np.ndarray, list[str]]:
    """(code per clause, value per code) of an exact-value field; -1 where it is empty."""
    if fieldname not in view.arrays.facets:
        codes = np.full(view.arrays.size, -1, dtype=np.int32)
        values = sorted({t.decode() if isinstance(t, bytes) else t for t in view.searcher.lexicon(fieldname)})
        for code, value in enumerate(values):
            ids, _ = postings(view, fieldname, value)
            codes[ids] = code
        view.arrays.facets[fieldname] = (codes, values)
    return view.arrays.facets[fieldname]


def column(view: View, fieldname: str) -> np.ndarray:
    """A sortable field as sort ranks per clause (numbers as numbers, text by its order)."""
    if fieldname not in view.arrays.columns:
        values: list[Any] = []
        for leaf, _ in view.leaves:
            values.extend(leaf.column_reader(fieldname))
        if values and isinstance(values[0], (bytes, str)):
            _, ranks = np.unique(np.array([v.decode() if isinstance(v, bytes) else v for v in values], dtype=object).astype(str), return_inverse=True)
            view.arrays.columns[fieldname] = ranks.astype(np.int64)
        else:
            view.arrays.columns[fieldname] = np.asarray(values, dtype=np.float64)
    return view.arrays.columns[fieldname]


# --- evaluating a query ------------------------------------------------------------------


class Unsupported(Exception):
    """The query has a node this module does not evaluate."""


def evaluate(searcher: Searcher, query: Query, k1: float | None = None) -> Matches | None:
    """The matches of ``query`` with BM25F scores, or None when Whoosh must run it.

    ``k1`` overrides the searcher's term-frequency saturation for this query.
    """
    try:
        return _evaluate(view_of(searcher), query, k1)
    except Unsupported:
        return None


def _evaluate(view: View, query: Query, k1: float | None = None) -> Matches:
    if query is NullQuery or type(query).__name__ == "_NullQuery":
        return Matches.empty()
    if type(query) is Term:
        return _term(view, query, k1)
    if type(query) is Or:
        return _union(view, query, k1)
    if type(query) is And:
        return _intersection(view, query, k1)
    raise Unsupported(type(query).__name__)


def _term(view: View, query: Term, k1: float | None = None) -> Matches:
    searcher = view.searcher
    ids, tf = postings(view, query.fieldname, query.text)
    if not len(ids):
        return Matches.empty()
    ids, tf = ids.astype(np.int64), tf.astype(np.float64)
    weighting = searcher.weighting
    if not searcher.schema[query.fieldname].scorable or not isinstance(weighting, scoring.BM25F):
        if not isinstance(weighting, scoring.BM25F):
            raise Unsupported(type(weighting).__name__)
        scores = tf.copy()
    else:
        b = weighting._field_B.get(query.fieldname, weighting.B)
        k1 = weighting.K1 if k1 is None else k1
        idf = searcher.idf(query.fieldname, query.text)
        avgfl = searcher.avg_field_length(query.fieldname) or 1
        lengths = field_lengths(view, query.fieldname)[ids]
        scores = idf * ((tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * lengths / avgfl)))
    if query.boost != 1.0:
        scores = scores * query.boost
    return Matches(ids, scores)


def _subqueries(query: Or | And) -> list[Query]:
    if getattr(query, "scale", None) or getattr(query, "minmatch", 0):
        raise Unsupported("Or with scale or minmatch")
    return list(query.subqueries)


def _boosted(query: Query, subqueries: list[Query], matches: Matches) -> Matches:
    # Whoosh applies a compound query's boost only when it has two or more subqueries.
    if query.boost != 1.0 and len(subqueries) > 1:
        return Matches(matches.ids, matches.scores * query.boost)
    return matches


def _union(view: View, query: Or, k1: float | None) -> Matches:
    subqueries = _subqueries(query)
    parts = [_evaluate(view, q, k1) for q in subqueries]
    parts = [p for p in parts if len(p.ids)]
    if not parts:
        return Matches.empty()
    if len(parts) == 1:
        return _boosted(query, subqueries, parts[0])
    total = np.zeros(view.arrays.size, dtype=np.float64)
    hit = np.zeros(view.arrays.size, dtype=bool)
    for part in parts:
        total[part.ids] += part.scores
        hit[part.ids] = True
    ids = np.flatnonzero(hit)
    return _boosted(query, subqueries, Matches(ids, total[ids]))


def _intersection(view: View, query: And, k1: float | None) -> Matches:
    subqueries = _subqueries(query)
    positive = [q for q in subqueries if type(q) is not Not]
    negative = [q.query for q in subqueries if type(q) is Not]
    if not positive:
        raise Unsupported("And of only Not")
    result = _evaluate(view, positive[0], k1)
    for q in positive[1:]:
        if not len(result.ids):
            break
        other = _evaluate(view, q, k1)
        common, mine, theirs = np.intersect1d(result.ids, other.ids, assume_unique=True, return_indices=True)
        result = Matches(common, result.scores[mine] + other.scores[theirs])
    for q in negative:
        if not len(result.ids):
            break
        excluded = _evaluate(view, q).ids
        keep = ~np.isin(result.ids, excluded, assume_unique=True)
        result = Matches(result.ids[keep], result.scores[keep])
    return _boosted(query, subqueries, result)


# --- document-level evidence --------------------------------------------------------------


def level_prior(searcher: Searcher, matches: Matches, factors: dict[str, float]) -> Matches:
    """Scores multiplied by the factor of each clause's document level (1 where none is given)."""
    codes, values = facet_codes(view_of(searcher), "level")
    by_code = np.array([factors.get(v, 1.0) for v in values] + [1.0])  # code -1 → the last
    return Matches(matches.ids, matches.scores * by_code[codes[matches.ids]])


def with_document_evidence(searcher: Searcher, matches: Matches, weight: float) -> Matches:
    """Each clause's score plus ``weight`` times the best score among its document's clauses.

    A question touches several articles of the law that answers it; a lone matching article
    in an unrelated document then ranks below an equally good one in the right law.
    """
    if not weight or not len(matches.ids):
        return matches
    documents = column(view_of(searcher), "doc_id")[matches.ids]
    best = np.zeros(int(documents.max()) + 1)
    np.maximum.at(best, documents, matches.scores)
    return Matches(matches.ids, matches.scores + weight * best[documents])


# --- the ranked page, totals and facets --------------------------------------------------


def restrict(searcher: Searcher, matches: Matches, filter_query: Query | None) -> Matches | None:
    """The matches that also match ``filter_query`` (None when the filter is unsupported)."""
    if filter_query is None:
        return matches
    allowed = evaluate(searcher, filter_query)
    if allowed is None:
        return None
    keep = np.isin(matches.ids, allowed.ids, assume_unique=True)
    return Matches(matches.ids[keep], matches.scores[keep])


def facet_counts(searcher: Searcher, ids: np.ndarray, fieldname: str) -> dict[str, int]:
    """Value → number of matching clauses, most frequent first (empty values left out)."""
    codes, values = facet_codes(view_of(searcher), fieldname)
    counts = np.bincount(codes[ids][codes[ids] >= 0], minlength=len(values))
    return ordered_counts({values[c]: int(n) for c, n in enumerate(counts) if n})


def ordered_counts(counts: dict[str, int]) -> dict[str, int]:
    """Facet counts most frequent first, then by value; empty values left out."""
    return dict(sorted(((k, v) for k, v in counts.items() if k), key=lambda kv: (-kv[1], kv[0])))


def order(searcher: Searcher, matches: Matches, keys: list[tuple[str, bool]], limit: int) -> np.ndarray:
    """Positions into ``matches`` of the first ``limit`` by sort ``keys`` ((field, descending)),
    the field ``"score"`` standing for the score; ties keep index order (docnum ascending)."""
    view = view_of(searcher)
    columns = []
    for name, descending in keys:
        values = matches.scores if name == "score" else column(view, name)[matches.ids]
        columns.append(-values if descending else values)
    if not columns or not len(matches.ids):
        return np.arange(min(limit, len(matches.ids)))
    # np.lexsort sorts by the last key first; a stable sort keeps docnum order on ties.
    return np.lexsort([np.arange(len(matches.ids)), *reversed(columns)])[:limit]


def top_by_score(scores: np.ndarray, limit: int) -> np.ndarray:
    """Positions of the ``limit`` highest scores, best first, ties by position (docnum)."""
    if len(scores) > limit * 4:
        candidates = np.argpartition(-scores, limit)[:limit]
        threshold = scores[candidates].min()
        candidates = np.flatnonzero(scores >= threshold)
    else:
        candidates = np.arange(len(scores))
    ranked = candidates[np.lexsort((candidates, -scores[candidates]))]
    return ranked[:limit]
