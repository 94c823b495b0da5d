"""The engine seam: what a search engine must do for stdsearch, and nothing more.

An engine holds the clause records of one home and answers :class:`~stdsearch.search.plan.Plan`
objects. It is given everything already decided — terms, fields, weights, BM25 parameters,
priors, filters, sort, page — and applies it; it never parses queries or reads the store.

Three parts, each a small :class:`typing.Protocol`:

- :class:`Engine`: ``run(plan)`` ranks, counts and facets; ``fetch(keys)`` returns stored fields;
  ``vocabulary()`` answers the term statistics plan building needs; ``nearest(vector, filters,
  k)`` answers the dense leg of hybrid search when the engine holds the clause vectors (None
  when it does not: the home's own vectors are ranked beside it).
- :class:`Vocabulary`: document frequencies and the word list, for resolving query words.
- :class:`EngineWriter`: add / replace / delete the clause records of documents, then commit
  atomically (readers see the old state or the new one, never half). A writer of an engine that
  can search vectors also has ``add_vectors(keys, matrix) -> bool`` (True when it stored them).

The embedded default is :mod:`stdsearch.search.engines.whoosh`; another engine is a module
beside it, registered in :mod:`stdsearch.search.engines`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from stdsearch.search.plan import Plan

#: One clause as the engines index it: the fields of :func:`stdsearch.index.clause_fields`
#: (``key`` = ``doc_id/clause_id``, ``doc_id``, ``title``, ``heading``, ``text``, the facet
#: fields, ``number_keys``, ``position``, ``current`` …). Written by ingest, ``title``,
#: ``heading`` and ``text`` hold the words it cut (:class:`~stdsearch.segments.Segmented`) and
#: ``_stored_<field>`` the string: a writer indexes those words and stores the string, never
#: segmenting again.
ClauseRecord = dict[str, Any]


@dataclass
class EngineResult:
    """The answer to one plan.

    ``keys`` and ``scores``: the first ``plan.wanted`` clauses in the plan's order (best first;
    under a sort, scores are the relevance scores or 0.0). ``total``: every matching clause
    (exact). ``facet_counts``: per field of ``plan.facets``, value → matching clauses, most
    frequent first then by value, empty values left out. ``fields``: stored fields of some or
    all of ``keys`` when the engine read them anyway (saves a :meth:`Engine.fetch`).
    """

    keys: list[str]
    scores: list[float]
    total: int
    facet_counts: dict[str, dict[str, int]]
    fields: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def empty(cls, facets: Sequence[str] = ()) -> EngineResult:
        """No matches."""
        return cls([], [], 0, {name: {} for name in facets})


class Vocabulary(Protocol):
    """Term statistics of the live index, read while a plan is built."""

    def clause_count(self) -> int:
        """Number of live clauses."""

    def doc_frequency(self, field: str, word: str) -> int:
        """Number of live clauses whose ``field`` holds ``word``."""

    def doc_frequencies(self, terms: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
        """:meth:`doc_frequency` of each (field, word), all at once (a remote engine asks in
        one round trip and keeps the answers for the words' later questions)."""

    def words_containing(self, char: str) -> list[str]:
        """Indexed words of the ``text`` field that contain ``char`` (any stable order)."""

    def number_keys(self) -> list[str]:
        """Every exact standard-number key in the index (for "did you mean")."""


class Engine(Protocol):
    """A search engine over the clause records of one home."""

    def run(self, plan: Plan) -> EngineResult:
        """Rank the clauses matching ``plan`` as it says; count them and their facets."""

    def fetch(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Stored fields of the clauses with these keys (absent keys are left out)."""

    def vocabulary(self) -> Vocabulary:
        """The term statistics of the state this engine reads."""

    def nearest(self, vector: Sequence[float], filters: Mapping[str, str], k: int) -> list[tuple[str, float]] | None:
        """(key, similarity: the dot product of unit vectors) of the ``k`` clauses nearest to ``vector`` that pass the
        exact-value ``filters``, best first; None when this engine holds no clause vectors."""


class EngineWriter(Protocol):
    """Writes clause records; nothing is visible to readers before :meth:`commit`."""

    def add(self, records: Iterable[ClauseRecord]) -> int:
        """Add clause records (of documents not yet indexed); returns how many."""

    def replace(self, doc_id: str, records: Iterable[ClauseRecord]) -> int:
        """Replace every clause of document ``doc_id`` by ``records``; returns how many."""

    def delete(self, doc_id: str) -> None:
        """Remove every clause of document ``doc_id``."""

    def commit(self) -> None:
        """Make every change visible at once."""

    def cancel(self) -> None:
        """Drop every change since the writer was opened."""
