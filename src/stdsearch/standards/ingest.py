"""The pipeline's hooks for standards: reference files first, one document per standard across
files (merge on store, withdraw on re-ingest), and facets derived from reference data."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from pathlib import Path
from typing import Any, NamedTuple

from stdsearch.numbers import parse_number
from stdsearch.records import Document
from stdsearch.standards import editions, reference, sheets
from stdsearch.store import Store, entry_sources


def reference_first(paths: Iterable[Path]) -> list[Path]:
    """The inputs with reference files (ICS list, prefix table) first, otherwise in order."""
    listed = list(paths)
    return sorted(listed, key=lambda p: not (p.is_file() and reference.looks_like_reference(p)))


def derive(document: Document, ref: reference.Reference) -> Document:
    """Fill the facets reference data gives: the industry of an industry standard's prefix."""
    if document.kind == "standard" and document.level == "行业标准" and not document.industry:
        document.industry = ref.industry(parse_number(document.number))
    return document


def settle(store: Store, document: Document, source: str, sha256: str) -> Document:
    """The document to store for ``document`` from ``source``: merged with what other sources
    said about the same standard (see :mod:`stdsearch.standards.sheets`)."""
    document.sources = {source: sha256}
    entry = store.entry(document.doc_id)
    if not entry or not merges(entry, document.kind, source):
        return document
    merged = sheets.combine(store.get(document.doc_id), document, source)
    return derive(merged, reference.of(store.home))


def merges(entry: dict[str, Any], kind: str, source: str) -> bool:
    """True when a document of ``kind`` from ``source`` is merged with the stored one whose
    manifest entry is ``entry``: a standard that other sources said something of too."""
    return bool(other_sources(entry, source)) and kind == "standard"


def other_sources(entry: dict[str, Any], source: str) -> dict[str, str]:
    """The files or URLs besides ``source`` a stored document came from (manifest ``entry``)."""
    return {other: sha256 for other, sha256 in entry_sources(entry).items() if other != source}


def withdraw(store: Store, doc_id: str, sources: Collection[str]) -> Document | None:
    """What is left of a stored document once ``sources`` no longer give it (None: delete it):
    a standard, what its other sources said of it; any other document, itself, from the other
    files that still give it."""
    left = {s: sha256 for s, sha256 in entry_sources(store.entry(doc_id) or {}).items() if s not in sources}
    if not left:
        return None
    rest: Document | None = store.get(doc_id)
    if rest is not None and rest.kind != "standard":
        rest.sources, rest.source = left, next(iter(left))
        return rest
    for source in sources:
        rest = sheets.without_source(rest, source) if rest is not None else None
    return derive(rest, reference.of(store.home)) if rest else None


#: What is told the ids of documents about to be stored again (a journal), or None.
Noting = Callable[[list[str]], None] | None


def link_editions(store: Store, changed: list[Document], noting: Noting = None) -> list[Document]:
    """Bring replacement links (both directions) and the current edition up to date on the
    changed standards and on the standards they name or share a number with; returns the
    documents updated that were not among ``changed`` (they need re-indexing too).
    ``noting`` gets the ids of the documents to store again before any is stored (a journal)."""
    standards_changed = [d for d in changed if d.kind == "standard" and d.number]
    if not standards_changed:
        return []
    by_id = {d.doc_id: d for d in changed}
    named = [_Named(d.number, d.replaces, d.replaced_by) for d in standards_changed]
    return [d for d in _relink_around(store, named, by_id, noting) if d.doc_id not in by_id]


def link_stored_editions(store: Store, doc_ids: list[str], noting: Noting = None) -> list[Document]:
    """:func:`link_editions` for standards already stored and not held in memory (a rebuild's):
    only the documents whose links change are read back and stored again; returns them."""
    manifest = store.manifest()
    entries = (manifest[doc_id] for doc_id in dict.fromkeys(doc_ids) if doc_id in manifest)
    standards = [
        _Named(entry["number"], entry.get("replaces") or [], entry.get("replaced_by") or [])
        for entry in entries
        if entry.get("kind") == "standard" and entry.get("number")
    ]
    return _relink_around(store, standards, {}, noting) if standards else []


class _Named(NamedTuple):
    """What :func:`_neighbourhood` reads of a standard: its number and the numbers it names."""

    number: str
    replaces: list[str]
    replaced_by: list[str]


def _relink_around(store: Store, standards: list[_Named], by_id: dict[str, Document], noting: Noting) -> list[Document]:
    """Relink the standards around ``standards`` (the documents of ``by_id`` as given, the
    others as stored); returns every document whose links changed, stored again once
    ``noting`` has their ids."""
    manifest = store.manifest()
    index = editions.build(manifest)
    relinked: dict[str, Document] = {}
    for number in _neighbourhood(index, standards):
        doc_id = index.doc_ids.get(number)
        if doc_id is None or doc_id in relinked:
            continue
        document = by_id.get(doc_id)
        if document is None:
            entry = manifest.get(doc_id, {})
            if "current_edition" in entry and _links_of(index, number, entry) == _links_kept(entry):
                continue  # unchanged: not read back
            document = store.get(doc_id)
        if _relink(index, document):
            relinked[doc_id] = document
    if noting is not None and relinked:
        noting(list(relinked))
    with store.batch():  # committed a few hundred at a time, not one by one
        for document in relinked.values():
            store.put(document)
    return list(relinked.values())


def _neighbourhood(index: editions.EditionIndex, documents: list[_Named]) -> list[str]:
    """The numbers whose links may change with these documents: theirs, those they name, their
    other editions."""
    numbers: dict[str, None] = {}
    for document in documents:
        numbers[document.number] = None
        for ref in [*document.replaces, *document.replaced_by]:
            numbers[ref] = None
        for edition in index.editions_of(document.number):
            numbers[edition.number] = None
    return list(numbers)


Links = tuple[list[str], list[str], str]


def _links_of(index: editions.EditionIndex, number: str, entry: dict) -> Links:  # type: ignore[type-arg]
    """(replaces, replaced by, current edition) the edition index gives the standard ``number``
    whose own record says ``entry["replaces"]`` and ``entry["replaced_by"]``."""
    links = index.links(number, list(entry.get("replaces") or []), list(entry.get("replaced_by") or []))
    current = index.current_of(number)
    return links["replaces"], links["replaced_by"], "" if current == number else current


def _links_kept(entry: dict) -> Links:  # type: ignore[type-arg]
    """(replaces, replaced by, current edition) as a manifest entry keeps them."""
    return list(entry.get("replaces") or []), list(entry.get("replaced_by") or []), entry.get("current_edition", "")


def _relink(index: editions.EditionIndex, document: Document) -> bool:
    """Set both directions and the current edition on ``document``; True when anything changed."""
    kept = (document.replaces, document.replaced_by, document.extra.get("current_edition", ""))
    links = _links_of(index, document.number, {"replaces": kept[0], "replaced_by": kept[1]})
    if links == kept:
        return False
    document.replaces, document.replaced_by, current = links
    if current:
        document.extra["current_edition"] = current
    else:
        document.extra.pop("current_edition", None)
    return True
