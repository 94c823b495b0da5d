"""The pipeline's hooks for standards: reference files first, one document per standard across
files (merge on store, withdraw on re-ingest), and facets derived from reference data."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from stdsearch.numbers import parse_number
from stdsearch.records import Document
from stdsearch.standards import reference, sheets
from stdsearch.store import Store


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
    entry = store.manifest().get(document.doc_id)
    if not entry:
        return document
    others = set(entry.get("sources") or {entry.get("source", ""): ""}) - {source}
    if not others or document.kind != "standard":
        return document
    merged = sheets.combine(store.get(document.doc_id), document, source)
    return derive(merged, reference.of(store.home))


def withdraw(store: Store, doc_id: str, source: str) -> Document | None:
    """What is left of a stored document once ``source`` no longer lists it (None: delete it)."""
    entry = store.manifest().get(doc_id) or {}
    if not set(entry.get("sources") or {}) - {source}:
        return None
    rest = sheets.without_source(store.get(doc_id), source)
    return derive(rest, reference.of(store.home)) if rest else None
