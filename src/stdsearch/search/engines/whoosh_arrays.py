"""The Whoosh engine's array ranking: BM25F scores, totals, facets and sorts over numpy arrays.

Whoosh scores matches one at a time in Python (a few microseconds each, times every query
node). A question OR-ing ten words matches around 10,000 clauses of the laws, and counting
facets over all of them doubled that again: about a second a question. Here each term's
postings are read once into numpy arrays (cached per index state, shared by threads), the same BM25F formula
is applied to whole arrays, and Or / And / And-Not combine them as sums over unions and
intersections. Facet counts are ``bincount`` over per-clause codes; totals are exact.

Plan nodes made of Term, AnyOf, AllOf (with exclusions), Everything and Nothing are evaluated
here, and so are excluded phrases (only their clause numbers are needed: intersections of the
words' positions, read once per index state); anything else (phrases to rank) returns None from
:func:`evaluate`, and the engine runs Whoosh's own matcher. Scores equal Whoosh's BM25F for
the same query (tested), so both paths rank alike.
Everything (a listing by filters only) is every live clause with Whoosh's constant score 1.0:
Whoosh's match-all collector took seconds a listing, here it is one array.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from whoosh.searching import Searcher

from stdsearch.search.plan import AllOf, AnyOf, Everything, Node, Nothing, Phrase, Plan, Term
from stdsearch.search.request import MULTI_VALUED_FACETS

#: Postings kept in memory per index state (ids and frequencies, 8 bytes each): about 32 MB.
POSTINGS_CACHE_ELEMENTS = 4_000_000
#: The score of every clause matched by Everything: Whoosh's match-all (``Every``) scores each
#: clause by its boost, 1.0, so both paths order listings alike.
EVERYTHING_SCORE = 1.0
#: Index states (generations) whose arrays are kept; older ones are dropped.
STATES_KEPT = 2
#: Bits of a (clause, position) key that hold the position (phrase matching over arrays).
POSITION_BITS = 24


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
    postings, field lengths, facet codes, sort keys, the live clause numbers and the
    character → words map, each built on first use."""

    size: int
    deleted: np.ndarray
    postings: OrderedDict[tuple[str, ...], tuple[np.ndarray, np.ndarray]] = field(default_factory=OrderedDict)
    postings_held: int = 0
    lengths: dict[str, np.ndarray] = field(default_factory=dict)
    facets: dict[str, tuple[np.ndarray, list[str]]] = field(default_factory=dict)
    pairs: dict[str, tuple[np.ndarray, np.ndarray, list[str]]] = field(default_factory=dict)
    columns: dict[str, np.ndarray] = field(default_factory=dict)
    words_by_char: dict[str, list[str]] | None = None
    live: np.ndarray | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


_states: OrderedDict[tuple[Any, ...], ReaderArrays] = OrderedDict()
_states_lock = threading.Lock()


def state_key(searcher: Searcher, location: str) -> tuple[Any, ...]:
    """What identifies an index state whatever thread reads it: the generation folder
    ``location`` and its segments with their live clause counts.

    (The reader's storage object is no part of it: a one-segment index is read through a
    compound file whose storage object differs in every thread's reader.)
    """
    reader = searcher.reader()
    segments = tuple((leaf.segment().segment_id(), leaf.doc_count()) for leaf, _ in reader.leaf_readers())
    return (location, segments)


def arrays_for(searcher: Searcher, location: str) -> ReaderArrays:
    """The arrays of the index state ``searcher`` reads (built once, shared between threads)."""
    key = state_key(searcher, location)
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


def view_of(searcher: Searcher, location: str) -> View:
    """The view of ``searcher`` on the generation at ``location``: its own segment readers,
    the state's shared arrays."""
    return View(searcher, arrays_for(searcher, location), list(searcher.reader().leaf_readers()))


def words_containing(view: View, char: str) -> list[str]:
    """Indexed words of the text field containing ``char``, in lexicon order (map built once
    per index state)."""
    arrays = view.arrays
    if arrays.words_by_char is None:
        mapping: dict[str, list[str]] = {}
        for raw in view.searcher.reader().lexicon("text"):
            word = raw.decode("utf-8") if isinstance(raw, bytes) else raw
            for c in set(word):
                mapping.setdefault(c, []).append(word)
        arrays.words_by_char = mapping
    return arrays.words_by_char.get(char, [])


# --- reading the index into arrays -------------------------------------------------------


def _leaf_postings(leaf: Any, fieldname: str, text: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(docnums, term frequencies) of one term in one segment, deletions included, read
    through Whoosh's public matcher interface (about as fast as reading its blocks directly:
    decoding the blocks is most of the cost, and the arrays are cached)."""
    if (fieldname, text) not in leaf:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    matcher = leaf.postings(fieldname, text)
    ids: list[int] = []
    weights: list[float] = []
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
    btext = _term_bytes(view, fieldname, text)
    parts = [_leaf_postings(leaf, fieldname, btext) for leaf, _ in view.leaves] if btext is not None else []
    ids = np.concatenate([p[0] + off for p, (_, off) in zip(parts, view.leaves, strict=True)] or [np.zeros(0, dtype=np.int64)])
    weights = np.concatenate([p[1] for p in parts] or [np.zeros(0, dtype=np.float64)])
    live = ~view.arrays.deleted[ids]
    found = (ids[live].astype(np.int32), weights[live].astype(np.float32))
    _remember(view.arrays, key, found)
    return found


def _term_bytes(view: View, fieldname: str, text: str) -> bytes | None:
    """A word as the field indexes it (None: no such field, or not a value of it)."""
    schema = view.searcher.schema
    if fieldname not in schema:
        return None
    try:
        return schema[fieldname].to_bytes(text)  # type: ignore[no-any-return]
    except ValueError:
        return None


def _remember(cache: ReaderArrays, key: tuple[str, ...], found: tuple[np.ndarray, np.ndarray]) -> None:
    """Keep arrays read from the index, dropping the least recently used past the budget."""
    with cache.lock:
        if key not in cache.postings:
            cache.postings[key] = found
            cache.postings_held += len(found[0])
        while cache.postings_held > POSTINGS_CACHE_ELEMENTS and len(cache.postings) > 1:
            _, (dropped, _) = cache.postings.popitem(last=False)
            cache.postings_held -= len(dropped)


def field_lengths(view: View, fieldname: str) -> np.ndarray:
    """Every clause's length in a field, as Whoosh stores it (a lossy byte, decoded)."""
    if fieldname not in view.arrays.lengths:
        parts = [segment_lengths(leaf, fieldname) for leaf, _ in view.leaves]
        view.arrays.lengths[fieldname] = np.concatenate(parts) if parts else np.zeros(0)
    return view.arrays.lengths[fieldname]


_segment_lengths: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
_segment_lengths_lock = threading.Lock()
#: Segments whose length arrays are kept (a segment never changes, so an incremental update
#: re-reads only the segments it wrote).
SEGMENT_LENGTHS_KEPT = 64


def segment_lengths(leaf: Any, fieldname: str) -> np.ndarray:
    """One segment's field lengths, read once per segment through the public reader interface
    (``doc_field_length``); 0 where a clause has none, deleted clauses included."""
    key = (leaf.segment().segment_id(), fieldname)
    with _segment_lengths_lock:
        found = _segment_lengths.get(key)
        if found is not None:
            _segment_lengths.move_to_end(key)
            return found
    count = leaf.doc_count_all()
    # doc_field_length decodes the stored byte (byte_to_length), None where there is none.
    found = np.fromiter((leaf.doc_field_length(d, fieldname) or 0 for d in range(count)), dtype=np.float64, count=count)
    with _segment_lengths_lock:
        _segment_lengths[key] = found
        while len(_segment_lengths) > SEGMENT_LENGTHS_KEPT:
            _segment_lengths.popitem(last=False)
    return found


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


def facet_pairs(view: View, fieldname: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(clause numbers, value codes, value per code) of a multi-valued field: one pair per
    clause and value it holds (a standard with two ICS codes is counted under both)."""
    if fieldname not in view.arrays.pairs:
        values = sorted({t.decode() if isinstance(t, bytes) else t for t in view.searcher.lexicon(fieldname)})
        ids = [postings(view, fieldname, value)[0] for value in values]
        codes = [np.full(len(found), code, dtype=np.int32) for code, found in enumerate(ids)]
        view.arrays.pairs[fieldname] = (
            np.concatenate(ids) if ids else np.zeros(0, dtype=np.int64),
            np.concatenate(codes) if codes else np.zeros(0, dtype=np.int32),
            values,
        )
    return view.arrays.pairs[fieldname]


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


# --- evaluating a plan's query --------------------------------------------------------


class Unsupported(Exception):
    """The query has a node this module does not evaluate."""


@dataclass(frozen=True)
class Scoring:
    """BM25F parameters of one evaluation: k1, b and per-field b."""

    k1: float
    b: float
    field_b: dict[str, float]

    @classmethod
    def of(cls, plan: Plan) -> Scoring:
        """The parameters a plan asks for."""
        return cls(plan.k1, plan.b, dict(plan.field_b))


def evaluate(view: View, query: Node, scoring: Scoring) -> Matches | None:
    """The matches of ``query`` with BM25F scores, or None when Whoosh must run it."""
    try:
        return _evaluate(view, query, scoring)
    except Unsupported:
        return None


def _evaluate(view: View, query: Node, scoring: Scoring) -> Matches:
    if isinstance(query, Nothing):
        return Matches.empty()
    if isinstance(query, Everything):
        return everything(view)
    if isinstance(query, Term):
        return _term(view, query, scoring)
    if isinstance(query, AnyOf):
        return _union(view, query, scoring)
    if isinstance(query, AllOf):
        return _intersection(view, query, scoring)
    raise Unsupported(type(query).__name__)


def live_ids(view: View) -> np.ndarray:
    """Every live clause number, ascending (built once per index state)."""
    arrays = view.arrays
    if arrays.live is None:
        arrays.live = np.flatnonzero(~arrays.deleted)
    return arrays.live


def everything(view: View) -> Matches:
    """Every live clause, each scored :data:`EVERYTHING_SCORE`."""
    ids = live_ids(view)
    return Matches(ids, np.full(len(ids), EVERYTHING_SCORE, dtype=np.float64))


def _term(view: View, query: Term, scoring: Scoring) -> Matches:
    searcher = view.searcher
    ids, tf = postings(view, query.field, query.word)
    if not len(ids):
        return Matches.empty()
    ids, tf = ids.astype(np.int64), tf.astype(np.float64)
    if not searcher.schema[query.field].scorable:
        scores = tf.copy()
    else:
        b = scoring.field_b.get(query.field, scoring.b)
        k1 = scoring.k1
        idf = searcher.idf(query.field, query.word)
        avgfl = searcher.avg_field_length(query.field) or 1
        lengths = field_lengths(view, query.field)[ids]
        scores = idf * ((tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * lengths / avgfl)))
    if query.boost != 1.0:
        scores = scores * query.boost
    return Matches(ids, scores)


def _union(view: View, query: AnyOf, scoring: Scoring) -> Matches:
    parts = [_evaluate(view, q, scoring) for q in query.children]
    parts = [p for p in parts if len(p.ids)]
    if not parts:
        return Matches.empty()
    if len(parts) == 1:
        return parts[0]
    total = np.zeros(view.arrays.size, dtype=np.float64)
    hit = np.zeros(view.arrays.size, dtype=bool)
    for part in parts:
        total[part.ids] += part.scores
        hit[part.ids] = True
    ids = np.flatnonzero(hit)
    return Matches(ids, total[ids])


def _intersection(view: View, query: AllOf, scoring: Scoring) -> Matches:
    if not query.children:
        raise Unsupported("AllOf without children")
    result = _evaluate(view, query.children[0], scoring)
    for q in query.children[1:]:
        if not len(result.ids):
            break
        other = _evaluate(view, q, scoring)
        common, mine, theirs = np.intersect1d(result.ids, other.ids, assume_unique=True, return_indices=True)
        result = Matches(common, result.scores[mine] + other.scores[theirs])
    if query.excluded and len(result.ids):
        excluded = np.zeros(view.arrays.size, dtype=bool)
        for q in query.excluded:
            mark_matching(view, q, scoring, excluded)
        keep = ~excluded[result.ids]
        result = Matches(result.ids[keep], result.scores[keep])
    return result


def mark_matching(view: View, query: Node, scoring: Scoring, marks: np.ndarray) -> None:
    """Set ``marks`` at the clauses matching ``query``, unscored (what an exclusion needs):
    phrases too."""
    if isinstance(query, Phrase):
        marks[phrase_ids(view, query)] = True
    elif isinstance(query, AnyOf):
        for child in query.children:
            mark_matching(view, child, scoring, marks)
    else:
        marks[_evaluate(view, query, scoring).ids] = True


def phrase_ids(view: View, query: Phrase) -> np.ndarray:
    """The live clause numbers holding the phrase's words at consecutive positions (Whoosh's
    phrase semantics), ascending: each word's (clause, position) keys, shifted back by the
    word's place in the phrase, intersected (cached with the postings)."""
    key = (query.field, *query.words, "phrase")
    with view.arrays.lock:
        cached = view.arrays.postings.get(key)
        if cached is not None:
            view.arrays.postings.move_to_end(key)
            return cached[0]
    keys = term_positions(view, query.field, query.words[0])
    for place, word in enumerate(query.words[1:], 1):
        if not len(keys):
            break
        keys = np.intersect1d(keys, term_positions(view, query.field, word) - place, assume_unique=True)
    found = np.unique(keys >> POSITION_BITS)
    _remember(view.arrays, key, (found, found[:0]))
    return found


def term_positions(view: View, fieldname: str, word: str) -> np.ndarray:
    """Every occurrence of a word in a field of the live clauses, as ascending keys
    ``clause << POSITION_BITS | position`` (read once per index state, cached with the postings)."""
    key = (fieldname, word, "positions")
    with view.arrays.lock:
        cached = view.arrays.postings.get(key)
        if cached is not None:
            view.arrays.postings.move_to_end(key)
            return cached[0]
    btext = _term_bytes(view, fieldname, word)
    parts = [_leaf_positions(leaf, offset, fieldname, btext) for leaf, offset in view.leaves] if btext is not None else []
    # a word can sit twice at one position (the analyzer's sub-words of a longer word)
    keys = np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)
    keys = keys[~view.arrays.deleted[keys >> POSITION_BITS]]
    _remember(view.arrays, key, (keys, keys[:0]))
    return keys


def _leaf_positions(leaf: Any, offset: int, fieldname: str, text: bytes) -> np.ndarray:
    """The (clause, position) keys of one term in one segment, deletions included."""
    if (fieldname, text) not in leaf:
        return np.zeros(0, dtype=np.int64)
    matcher = leaf.postings(fieldname, text)
    keys: list[int] = []
    while matcher.is_active():
        base = (matcher.id() + offset) << POSITION_BITS
        keys.extend(base + position for position in matcher.value_as("positions"))
        matcher.next()
    return np.asarray(keys, dtype=np.int64)


# --- document-level evidence --------------------------------------------------------------


def level_prior(view: View, matches: Matches, factors: dict[str, float]) -> Matches:
    """Scores multiplied by the factor of each clause's document level (1 where none is given)."""
    codes, values = facet_codes(view, "level")
    by_code = np.array([factors.get(v, 1.0) for v in values] + [1.0])  # code -1 → the last
    return Matches(matches.ids, matches.scores * by_code[codes[matches.ids]])


def with_document_evidence(view: View, matches: Matches, weight: float) -> Matches:
    """Each clause's score plus ``weight`` times the best score among its document's clauses.

    A question touches several articles of the law that answers it; a lone matching article
    in an unrelated document then ranks below an equally good one in the right law.
    """
    if not weight or not len(matches.ids):
        return matches
    documents = column(view, "doc_id")[matches.ids]
    best = np.zeros(int(documents.max()) + 1)
    np.maximum.at(best, documents, matches.scores)
    return Matches(matches.ids, matches.scores + weight * best[documents])


# --- the ranked page, totals and facets --------------------------------------------------


def restrict(view: View, matches: Matches, filters: dict[str, str]) -> Matches:
    """The matches whose exact-value fields hold every ``filters`` value."""
    for name, value in filters.items():
        if not len(matches.ids):
            break
        allowed, _ = postings(view, name, value)
        keep = np.isin(matches.ids, allowed, assume_unique=True)
        matches = Matches(matches.ids[keep], matches.scores[keep])
    return matches


def document_mask(view: View, documents: frozenset[str]) -> np.ndarray:
    """Per clause: True when its document is one of ``documents``."""
    codes, values = facet_codes(view, "doc_id")
    allowed = np.array([value in documents for value in values] + [False])  # code -1 → the last
    return allowed[codes]


def restrict_documents(view: View, matches: Matches, documents: frozenset[str]) -> Matches:
    """The matches in one of ``documents``."""
    keep = document_mask(view, documents)[matches.ids]
    return Matches(matches.ids[keep], matches.scores[keep])


def facet_counts(view: View, ids: np.ndarray, fieldname: str) -> dict[str, int]:
    """Value → number of matching clauses, most frequent first (empty values left out); a
    clause of a multi-valued field counts under each of its values."""
    if fieldname in MULTI_VALUED_FACETS:
        pair_ids, pair_codes, values = facet_pairs(view, fieldname)
        chosen = pair_codes[np.isin(pair_ids, ids)]
        counts = np.bincount(chosen, minlength=len(values))
        return ordered_counts({values[c]: int(n) for c, n in enumerate(counts) if n})
    codes, values = facet_codes(view, fieldname)
    counts = np.bincount(codes[ids][codes[ids] >= 0], minlength=len(values))
    return ordered_counts({values[c]: int(n) for c, n in enumerate(counts) if n})


def ordered_counts(counts: dict[str, int]) -> dict[str, int]:
    """Facet counts most frequent first, then by value; empty values left out."""
    return dict(sorted(((k, v) for k, v in counts.items() if k), key=lambda kv: (-kv[1], kv[0])))


def order(view: View, matches: Matches, keys: tuple[tuple[str, bool], ...], limit: int) -> np.ndarray:
    """Positions into ``matches`` of the first ``limit`` by sort ``keys`` ((field, descending)),
    the field ``"score"`` standing for the score; ties keep index order (docnum ascending)."""
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
