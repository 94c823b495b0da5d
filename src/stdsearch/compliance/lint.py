"""Stale references: the standards and laws a document cites, each with its status today.

:func:`lint` reads every searchable clause's citations (standard numbers and 《titles》, see
:mod:`stdsearch.references`), groups them by what they cite, and resolves each one: a number
through the :class:`~stdsearch.compliance.check.Register` (the edition named, its status, the
chain to the current edition), a title through the corpus's title table (the current version
of a law first). A citation is *stale* when what it names is withdrawn or replaced; stale
ones say what replaced them. A document need not be stored: :func:`document_from_file`
parses a file on the fly without adding it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from stdsearch import references
from stdsearch.compliance.check import (
    IN_FORCE,
    STATUS_VERDICTS,
    VERDICT_NOT_FOUND,
    VERDICT_REPLACED,
    VERDICT_UNKNOWN,
    VERDICT_WITHDRAWN,
    CheckRow,
    Register,
    Wanted,
    check_one,
)
from stdsearch.numbers import parse_number
from stdsearch.records import Document

#: Verdicts that make a citation stale.
STALE_VERDICTS = (VERDICT_REPLACED, VERDICT_WITHDRAWN)


@dataclass
class CitedIn:
    """Where a document cites something: the clause and the words it uses."""

    clause_id: str
    label: str
    text: str


@dataclass
class LintItem:
    """One cited standard or law, with its status in the corpus and where it is cited."""

    cited: str
    kind: str
    row: CheckRow
    places: list[CitedIn] = field(default_factory=list)

    @property
    def stale(self) -> bool:
        """True when the cited document is withdrawn or replaced."""
        return self.row.verdict in STALE_VERDICTS

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: the check row's fields, plus kind, stale and the citing clauses."""
        data = self.row.to_dict()
        data.pop("line")
        return {"cited": self.cited, "kind": self.kind, "stale": self.stale, **data,
                "places": [asdict(p) for p in self.places]}


@dataclass
class LintReport:
    """The citations of one document."""

    doc_id: str
    title: str
    stored: bool
    items: list[LintItem]

    @property
    def stale(self) -> list[LintItem]:
        """The stale citations."""
        return [item for item in self.items if item.stale]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "doc_id": self.doc_id, "title": self.title, "stored": self.stored,
            "cited": len(self.items), "stale": len(self.stale),
            "items": [item.to_dict() for item in self.items],
        }


def lint(document: Document, register: Register, stored: bool = True) -> LintReport:
    """What ``document`` cites, grouped by target, stale ones first, in order of first citation."""
    items: dict[str, LintItem] = {}
    for clause in document.clauses:
        if not clause.searchable:
            continue
        for citation in references.find_citations(clause.text):
            key = citation.target_number or references.title_key(citation.target_title)
            if key in items:
                item = items[key]
            else:
                item = items[key] = _item(citation, register)
            if item is None or item.row.doc_id == document.doc_id:
                continue
            words = clause.text[citation.start : citation.end]
            if not any(p.clause_id == clause.clause_id for p in item.places):
                item.places.append(CitedIn(clause.clause_id, clause.label, words))
    lineage = _lineage(document)
    found = _merged(
        item for item in items.values()
        if item is not None and item.row.doc_id != document.doc_id and not _in_lineage(item, lineage)
    )
    found.sort(key=lambda item: not item.stale)
    return LintReport(document.doc_id, document.title, stored, found)


def _lineage(document: Document) -> set[str]:
    """What a document's own editions are called: its number without year and the numbers and
    ids it replaces or is replaced by (a summary's 代替 GB 19272-2011 is no reference)."""
    names = set(document.replaces) | set(document.replaced_by)
    for raw in [document.number, *document.replaces, *document.replaced_by]:
        number = parse_number(raw) if raw else None
        if number is not None:
            names.update({number.canonical, number.without_year})
    return names


def _in_lineage(item: LintItem, lineage: set[str]) -> bool:
    """True when a cited item is an edition of the document itself, or one it replaces."""
    number = parse_number(item.row.normalised) if item.kind == "number" else None
    names = {item.row.doc_id, item.row.normalised} | ({number.without_year} if number else set())
    return bool(names & lineage - {""})


def _merged(items: Iterable[LintItem]) -> list[LintItem]:
    """One item per cited document: a 《title》 and a number naming the same document merge
    (the number's item kept, the places joined)."""
    by_doc: dict[str, LintItem] = {}
    kept: list[LintItem] = []
    for item in items:
        first = by_doc.get(item.row.doc_id) if item.row.doc_id else None
        if first is None:
            kept.append(item)
            by_doc.setdefault(item.row.doc_id, item)
            continue
        known = {p.clause_id for p in first.places}
        first.places.extend(p for p in item.places if p.clause_id not in known)
    return kept


def _item(citation: references.Citation, register: Register) -> LintItem | None:
    """The lint item of a citation's target (None for a number that does not parse)."""
    if citation.target_number:
        number = parse_number(citation.target_number)
        if number is None:
            return None
        row = check_one(Wanted(0, citation.target_number, number), register)
        return LintItem(citation.target_number, "number", row)
    return LintItem(f"《{citation.target_title}》", "title", _title_row(citation.target_title, register))


def _title_row(title: str, register: Register) -> CheckRow:
    """The row of a 《title》: the document of that title (current version first), its status,
    and the newer version in force when it is an old one."""
    row = CheckRow(0, f"《{title}》")
    candidates = register.by_title(title)
    if not candidates:
        row.verdict = VERDICT_NOT_FOUND
        return row
    doc_id = candidates[0]
    entry = register.entry(doc_id)
    row.found, row.doc_id, row.normalised = True, doc_id, entry.get("title", "")
    row.title, row.status = entry.get("title", ""), entry.get("status", "")
    row.effective_date, row.abolish_date = entry.get("effective_date", ""), entry.get("abolish_date", "")
    row.chain = register.chain(doc_id)
    row.verdict = STATUS_VERDICTS.get(row.status, VERDICT_UNKNOWN)
    last = row.chain[-1]
    if len(row.chain) > 1 and last.status in IN_FORCE:
        row.current_edition, row.current_doc_id = last.number, last.doc_id
        row.verdict = VERDICT_REPLACED if row.verdict == VERDICT_WITHDRAWN else row.verdict
    return row


def document_from_file(path: Path) -> Document:
    """The first document of a file (or multi-file standard folder), parsed and split into
    clauses but not stored."""
    from stdsearch import clauses, pipeline

    documents = pipeline.read_documents(path)
    if not documents:
        from stdsearch.errors import ParseError

        raise ParseError(f"no document in {path}")
    document = documents[0]
    if not document.clauses:
        document.clauses = clauses.split(document)
    return document
