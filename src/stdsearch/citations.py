"""Cross-references across the corpus: what each clause cites, and what cites each document.

At ingest, every searchable clause's citations (standard numbers, 《titles》, with the clause
they name) are extracted once (:func:`extract`) into corpus/cites.json. After each ingest the
"cited by" map (corpus/citations.json) is rebuilt from those lists by resolving each citation
against the corpus (:mod:`stdsearch.references`): a number with a year → that edition, without
→ the current one; a title → the document of that title. Both files are derived.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from stdsearch import references
from stdsearch.records import Document
from stdsearch.store import Store, write_atomically


@dataclass(frozen=True)
class Link:
    """A resolved citation inside a clause: ``text[start:end]`` links to ``url``."""

    start: int
    end: int
    doc_id: str
    clause_id: str
    url: str


def extract(document: Document) -> list[list[Any]]:
    """Citations as rows [clause_id, start, end, number, title, cited clause_id, clause label]."""
    rows = []
    for clause in document.clauses:
        if not clause.searchable:
            continue
        for citation in references.find_citations(clause.text):
            rows.append(
                [clause.clause_id, citation.start, citation.end, citation.target_number,
                 citation.target_title, citation.clause_id, clause.label]
            )
    return rows


def lookup_documents(store: Store) -> list[Document]:
    """Light Documents (metadata only) for building the resolution tables."""
    return [
        Document(
            doc_id=doc_id,
            title=entry.get("title", ""),
            number=entry.get("number", ""),
            status=entry.get("status", ""),
            publish_date=entry.get("publish_date", ""),
            effective_date=entry.get("effective_date", ""),
        )
        for doc_id, entry in store.manifest().items()
    ]


class Resolver:
    """Resolves citation rows against one corpus."""

    def __init__(self, store: Store):
        self.titles, self.numbers = references.build_lookup(lookup_documents(store))
        self.has_clause = ClauseIndex(store)

    def resolve(self, row: list[Any]) -> tuple[str, str] | None:
        """(doc_id, clause_id) of the document a row cites, or None when not in the corpus."""
        _, start, end, number, title, clause_id = row[:6]
        citation = references.Citation(start, end, "number" if number else "title", number, title, "", clause_id)
        return references.resolve(citation, self.titles, self.numbers, self.has_clause)


class ClauseIndex:
    """``(doc_id, clause_id) → bool``: does a stored document hold that clause? Documents are
    read on first question only (in practice the few parts of a code such as the 民法典)."""

    def __init__(self, store: Store):
        self.store = store
        self._ids: dict[str, frozenset[str]] = {}

    def __call__(self, doc_id: str, clause_id: str) -> bool:
        if doc_id not in self._ids:
            found = self.store.exists(doc_id)
            self._ids[doc_id] = frozenset(c.clause_id for c in self.store.get(doc_id).clauses) if found else frozenset()
        return clause_id in self._ids[doc_id]


def links(document: Document, resolver: Resolver) -> dict[str, list[Link]]:
    """Resolved citations of each clause of a document, to other documents in the corpus."""
    found: dict[str, list[Link]] = {}
    for row in document.extra.get("cites") or extract(document):
        target = resolver.resolve(row)
        if target is None or target[0] == document.doc_id:
            continue
        doc_id, clause_id = target
        url = f"/doc/{doc_id}/{clause_id}" if clause_id else f"/doc/{doc_id}"
        found.setdefault(row[0], []).append(Link(row[1], row[2], doc_id, clause_id, url))
    return found


def load_rows(store: Store) -> dict[str, list[list[Any]]]:
    """corpus/cites.json: doc_id → citation rows."""
    try:
        return json.loads((store.home.corpus / "cites.json").read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def update(store: Store, changed: list[Document], removed: list[str]) -> int:
    """Record the citations of changed documents, then rebuild the cited-by map.

    Returns the number of resolved citations in the corpus.
    """
    rows = load_rows(store)
    for doc_id in removed:
        rows.pop(doc_id, None)
    for document in changed:
        rows[document.doc_id] = document.extra.get("cites") or extract(document)
    rows = {doc_id: r for doc_id, r in rows.items() if doc_id in store.manifest()}
    write_atomically(store.home.corpus / "cites.json", json.dumps(rows, ensure_ascii=False))
    cited_by = build_cited_by(store, rows)
    store.save_citations(cited_by)
    return sum(len(v) for v in cited_by.values())


def build_cited_by(store: Store, rows: dict[str, list[list[Any]]]) -> dict[str, list[dict[str, Any]]]:
    """cited doc_id → the citing clauses: {doc_id, clause_id, title, label, cited_clause_id}."""
    resolver = Resolver(store)
    manifest = store.manifest()
    cited_by: dict[str, list[dict[str, Any]]] = {}
    for citing_id, citing_rows in rows.items():
        seen = set()
        for row in citing_rows:
            target = resolver.resolve(row)
            if target is None or target[0] == citing_id or (target, row[0]) in seen:
                continue
            seen.add((target, row[0]))
            cited_by.setdefault(target[0], []).append(
                {
                    "doc_id": citing_id,
                    "clause_id": row[0],
                    "title": manifest.get(citing_id, {}).get("title", ""),
                    "label": row[6] if len(row) > 6 else "",
                    "cited_clause_id": target[1],
                }
            )
    return cited_by
