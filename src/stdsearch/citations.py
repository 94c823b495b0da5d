"""Cross-references across the corpus: what each clause cites, and what cites each document.

At ingest, every searchable clause's citations (standard numbers, 《titles》, with the clause
they name) are extracted once (:func:`extract`) into corpus/cites.json, and resolved against
the corpus (:mod:`stdsearch.references`: a number with a year → that edition, without → the
current one; a title → the document of that title) into corpus/links.json, from which the
"cited by" map (corpus/citations.json) is derived. Every ingest, remove and reindex keeps them
true (:func:`update`, incrementally; :func:`rebuild`), so no link leads to a missing document;
the web layer only renders links.json. References inside one document to its own clauses
(本法第二十六条, 前款, 第二款, 见4.8.3, 附录B) are resolved at ingest too (:func:`own_links`) into
corpus/own_links.json. All these files are derived.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from stdsearch import lawlinks, references
from stdsearch.numbers import key_of, parse_number
from stdsearch.records import Document
from stdsearch.store import Store, write_atomically

#: Derived files under corpus/: citation rows, their lookup keys, resolved links, links
#: inside each document to its own clauses.
CITES_FILE, KEYS_FILE, LINKS_FILE, OWN_LINKS_FILE = "cites.json", "cite_keys.json", "links.json", "own_links.json"
#: A law's clause id: its article (a26, a10-1), 款 (.p2) and 项 (.i3).
_LAW_PART = re.compile(r"^(?P<article>a\d+(?:-\d+)?)(?:\.p(?P<para>\d+))?(?:\.i\d+)?$")


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


def own_links(document: Document) -> list[list[Any]]:
    """References inside a document to its own clauses, as rows ``[clause_id, start, end,
    target clause_id]`` (``text[start:end]`` of the clause refers to the target): in each
    searchable clause, clause numbers (:func:`references.internal_links`: 4.8.3, 附录B, 第5章),
    then in every clause of a law, references to its own articles (:mod:`stdsearch.lawlinks`:
    本法第N条, 第N条规定, 本条第二款, 前款, 前条 — a 款 resolves 前款 relative to itself). Never the
    clause itself (so nothing in a document of one clause, such as a catalogue entry)."""
    if len(document.clauses) < 2:
        return []
    own = lawlinks.OwnClauses.of(c.clause_id for c in document.clauses)
    known = own.ids
    rows: list[list[Any]] = []
    for clause in document.clauses:
        spans = references.internal_links(clause.text, known) if clause.searchable else []
        position = _LAW_PART.match(clause.clause_id)
        if position is not None:
            spans += lawlinks.law_links(clause.text, position["article"], own, int(position["para"] or 0))
        rows.extend([clause.clause_id, start, end, target] for start, end, target in spans if target != clause.clause_id)
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
    return _load(store, CITES_FILE)


def load_links(store: Store) -> dict[str, list[list[Any]]]:
    """corpus/links.json: citing doc_id → resolved links
    ``[clause_id, start, end, cited doc_id, cited clause_id, clause label]``."""
    return _load(store, LINKS_FILE)


def load_own_links(store: Store) -> dict[str, list[list[Any]]]:
    """corpus/own_links.json: doc_id → its links to its own clauses (rows of :func:`own_links`)."""
    return _load(store, OWN_LINKS_FILE)


def _load(store: Store, name: str) -> dict[str, Any]:
    try:
        return json.loads((store.home.corpus / name).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def _save(store: Store, name: str, data: dict[str, Any]) -> None:
    write_atomically(store.home.corpus / name, json.dumps(data, ensure_ascii=False, separators=(",", ":")))


def row_keys(row: list[Any]) -> set[str]:
    """The lookup keys a citation row is resolved by (its number's and its title's)."""
    keys = set()
    number = parse_number(row[3]) if row[3] else None
    if number is not None:
        keys.add("n:" + key_of(number))
    if row[4]:
        keys.add("t:" + references.title_key(row[4]))
    return keys


def document_keys(document: Document) -> set[str]:
    """The lookup keys under which a document can be cited (as :func:`references.build_lookup`
    files it): its title (and its code's, for a part of a code) and its number."""
    titles, numbers = references.build_lookup([document])
    return {"t:" + k for k in titles} | {"n:" + k for k in numbers}


def resolve_rows(citing_id: str, rows: list[list[Any]], resolver: Resolver) -> list[list[Any]]:
    """The rows of one document that resolve to another document in the corpus, as links."""
    found, seen = [], set()
    for row in rows:
        target = resolver.resolve(row)
        if target is None or target[0] == citing_id:
            continue
        link = [row[0], row[1], row[2], target[0], target[1], row[6] if len(row) > 6 else ""]
        if tuple(link[:5]) not in seen:
            seen.add(tuple(link[:5]))
            found.append(link)
    return found


def update(store: Store, changed: list[Document], removed: list[str]) -> int:
    """Record the citations of changed documents and bring links and "cited by" up to date,
    incrementally: only the changed documents and those whose citations could now resolve
    differently (they cite a changed or removed document, or name a changed one's title or
    number) are resolved again. Returns the number of resolved links in the corpus.
    """
    manifest = store.manifest()
    rows, links, keys, own = load_rows(store), load_links(store), _load(store, KEYS_FILE), load_own_links(store)
    for doc_id in removed:
        for table in (rows, links, keys, own):
            table.pop(doc_id, None)
    for document in changed:
        rows[document.doc_id] = document.extra.get("cites") or extract(document)
        keys[document.doc_id] = sorted({k for row in rows[document.doc_id] for k in row_keys(row)})
        own[document.doc_id] = own_links(document)
    for table in (rows, links, keys, own):
        for doc_id in [i for i in table if i not in manifest]:
            table.pop(doc_id)
    for doc_id in [i for i in rows if i not in keys]:  # homes ingested before keys were kept
        keys[doc_id] = sorted({k for row in rows[doc_id] for k in row_keys(row)})
    touched = {d.doc_id for d in changed} | set(removed)
    wanted = set().union(*(document_keys(d) for d in changed)) if changed else set()
    stale = {d.doc_id for d in changed}
    stale |= {i for i, found in links.items() if any(link[3] in touched for link in found)}
    stale |= {i for i, found in keys.items() if wanted.intersection(found)}
    if stale:
        resolver = Resolver(store)
        for doc_id in stale & rows.keys():
            links[doc_id] = resolve_rows(doc_id, rows[doc_id], resolver)
    _save(store, CITES_FILE, rows)
    _save(store, KEYS_FILE, keys)
    _save_own_links(store, own)
    return _publish(store, links)


def rebuild(
    store: Store, rows: dict[str, list[list[Any]]] | None = None, own: dict[str, list[list[Any]]] | None = None
) -> int:
    """Resolve every citation in the corpus again (after a reindex): links and "cited by"
    from the stored documents' rows (``rows``, else corpus/cites.json) against the manifest,
    and the links inside each document (``own``, rows of :func:`own_links`; else those kept)."""
    manifest = store.manifest()
    own = load_own_links(store) if own is None else own
    _save_own_links(store, {i: found for i, found in own.items() if i in manifest})
    rows = {i: r for i, r in (load_rows(store) if rows is None else rows).items() if i in manifest}
    resolver = Resolver(store)
    links = {doc_id: resolve_rows(doc_id, found, resolver) for doc_id, found in rows.items()}
    _save(store, CITES_FILE, rows)
    _save(store, KEYS_FILE, {i: sorted({k for row in r for k in row_keys(row)}) for i, r in rows.items()})
    return _publish(store, links)


def _save_own_links(store: Store, own: dict[str, list[list[Any]]]) -> None:
    """Write own_links.json (documents without such links left out)."""
    _save(store, OWN_LINKS_FILE, {doc_id: found for doc_id, found in own.items() if found})


def _publish(store: Store, links: dict[str, list[list[Any]]]) -> int:
    """Write links.json and the "cited by" map derived from it; returns the number of links."""
    links = {doc_id: found for doc_id, found in links.items() if found}
    _save(store, LINKS_FILE, links)
    store.save_citations(build_cited_by(store, links))
    return sum(len(found) for found in links.values())


def build_cited_by(store: Store, links: dict[str, list[list[Any]]]) -> dict[str, list[dict[str, Any]]]:
    """cited doc_id → the citing clauses: {doc_id, clause_id, title, label, cited_clause_id}
    (each citing clause once per cited clause; only documents in the corpus)."""
    manifest = store.manifest()
    cited_by: dict[str, list[dict[str, Any]]] = {}
    for citing_id in sorted(links):
        seen = set()
        for clause_id, _, _, target_id, target_clause, label in links[citing_id]:
            if target_id not in manifest or (target_id, target_clause, clause_id) in seen:
                continue
            seen.add((target_id, target_clause, clause_id))
            cited_by.setdefault(target_id, []).append(
                {
                    "doc_id": citing_id,
                    "clause_id": clause_id,
                    "title": manifest.get(citing_id, {}).get("title", ""),
                    "label": label,
                    "cited_clause_id": target_clause,
                }
            )
    return cited_by
