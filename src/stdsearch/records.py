"""The records that flow through the pipeline: a Document and its Clauses.

Field names here are the field names everywhere else: in the corpus store's JSON, in the
Whoosh index's stored fields, in the JSON API and in the templates. What each field means is
declared beside it (``DOCUMENT_DESCRIPTIONS``, ``CLAUSE_DESCRIPTIONS``), and the OpenAPI
schemas of the API's documents and clauses are generated from both.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
from dataclasses import dataclass, field, fields
from typing import Any

#: Document kinds.
KINDS = ("law", "policy", "standard", "page")

#: Lifecycle statuses shown to users.
STATUS_CURRENT = "现行"
STATUS_UPCOMING = "即将实施"
STATUS_REPEALED = "废止"
STATUS_REPLACED = "被代替"
STATUS_UNKNOWN = ""


def transitions(fields: dict[str, Any], today: str) -> list[tuple[str, str]]:
    """The status changes a document's dates imply by ``today`` (ISO date), in order: (day, new
    status). 即将实施 → 现行 on its implementation date; 现行 → 废止 on its abolition date, or 被代替
    when it names what replaced it (as the register says: :func:`stdsearch.compliance.asof.implied_status`)."""
    found, status = [], fields.get("status") or ""
    effective, abolished = fields.get("effective_date") or "", fields.get("abolish_date") or ""
    if status == STATUS_UPCOMING and effective and effective <= today:
        found.append((effective, STATUS_CURRENT))
        status = STATUS_CURRENT
    if status == STATUS_CURRENT and abolished and abolished <= today:
        found.append((abolished, STATUS_REPLACED if fields.get("replaced_by") else STATUS_REPEALED))
    return found


def dates_overtaken(fields: dict[str, Any], today: str) -> bool:
    """True when the status ``fields`` say is one their dates have overtaken by ``today``: when
    :func:`transitions` changes it (in SQL: :func:`dates_overtaken_sql`)."""
    return bool(transitions(fields, today))


def dates_overtaken_sql(column: str) -> str:
    """:func:`dates_overtaken` as an SQL condition on a JSON ``column`` of document fields
    (parameters ``:upcoming``, ``:current``, ``:today``), to find them in a table."""
    status, effective, abolished = (f"json_extract({column}, '$.{name}')" for name in ("status", "effective_date", "abolish_date"))
    return (
        f"(({status} = :upcoming AND {effective} BETWEEN '0' AND :today)"
        f" OR ({status} = :current AND {abolished} BETWEEN '0' AND :today))"
    )


#: What each Clause field means (the API's Clause schema is generated from these).
CLAUSE_DESCRIPTIONS = {
    "clause_id": "Id of the clause, stable within its document (a12, a12.p2, 4.1.1, A.1)",
    "label": "The numbering as printed: 第十二条, 4.1.1, (三)",
    "text": "Full text of the clause, including its sub-parts",
    "heading": "Headings above the clause, joined with ' > '",
    "position": "Order of the clause in its document",
    "depth": "Nesting depth (0 = top level)",
    "parent_id": "clause_id of the enclosing clause, or empty",
    "searchable": "False for sub-parts indexed with their parent",
}

_DATE = "ISO date YYYY-MM-DD, or empty"

#: What each Document field means (the API's Document schema is generated from these).
DOCUMENT_DESCRIPTIONS = {
    "doc_id": "Stable ASCII id of the document (a standard: its normalised number)",
    "title": "Title",
    "kind": "Document kind: law, policy, standard or page",
    "level": "Level: 法律, 行政法规, 国家标准, 地方标准 …",
    "number": "Standard number (GB/T 19001-2016) or document number, or empty",
    "issuer": "Issuing body",
    "region": "Region of a local document, or empty",
    "status": "Lifecycle status: 现行, 即将实施, 废止, 被代替, or empty when unknown",
    "publish_date": f"Publication date: {_DATE}",
    "effective_date": f"Implementation date: {_DATE}",
    "abolish_date": f"Date of repeal or withdrawal: {_DATE}",
    "replaces": "Doc ids or numbers of the documents this one replaces",
    "replaced_by": "Doc ids or numbers of the documents that replace this one",
    "ics": "ICS codes of a standard (03.120.10)",
    "ccs": "CCS codes (中国标准文献分类号) of a standard (A00)",
    "industry": "Industry of an industry standard's prefix (HG/T → 化工), or empty",
    "mandatory": "强制性, 推荐性 or 指导性 (a standard's attribute), or empty",
    "city": "City of a city-level local standard (DB3502 → 厦门), or empty",
    "sources": "Every file merged into this document → the SHA-256 of its bytes",
    "history": "Promulgation and amendment history lines",
    "source": "File or URL the document was read from",
    "source_url": "Original URL, or empty",
    "sha256": "SHA-256 of the source bytes",
    "text": "The body as parsed, the input of clause splitting",
    "clauses": "All clauses in order",
    "extra": "Source-specific metadata",
}


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    """The dataclass field names of a record type, in order (looked up once: ``fields()`` is slow)."""
    return tuple(f.name for f in fields(cls))


@dataclass
class Clause:
    """One addressable part of a document: an article, a numbered clause, a policy item.

    ``clause_id`` is ASCII and derived from the document's own numbering (``a12``,
    ``a12.p2``, ``4.1.1``, ``A.1``, ``2.9.22``); ``label`` is the numbering as printed
    (第十二条, 4.1.1, 22.). ``heading`` is the path of headings above the clause
    (编/章/节, or the parent sections of a policy), joined with `` > ``.

    ``text`` is the clause's full text including its sub-parts (an article's 款 and 项),
    so that an article is one retrieval unit; its sub-parts are clauses of their own,
    with ``searchable`` False, so they still have anchors and permalinks.
    """

    clause_id: str
    label: str
    text: str
    heading: str = ""
    position: int = 0
    depth: int = 0
    parent_id: str = ""
    searchable: bool = True

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Clause:
        """Build a Clause from its JSON form, ignoring unknown keys."""
        names = _field_names(cls)
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass
class Document:
    """A law, regulation, policy text or standard, with its metadata and clauses.

    ``doc_id`` is stable, ASCII and URL-safe (see :mod:`stdsearch.identity`).
    ``text`` is the body as parsed (normalised line structure), the input of clause
    splitting; ``clauses`` is filled in by :func:`stdsearch.clauses.split`.
    Dates are ISO ``YYYY-MM-DD`` strings or ``""``.
    """

    doc_id: str
    title: str
    kind: str = "policy"
    level: str = ""
    number: str = ""
    issuer: str = ""
    region: str = ""
    status: str = STATUS_UNKNOWN
    publish_date: str = ""
    effective_date: str = ""
    abolish_date: str = ""
    replaces: list[str] = field(default_factory=list)
    replaced_by: list[str] = field(default_factory=list)
    #: Standards: ICS and CCS codes, the industry of the prefix, 强制性 / 推荐性 / 指导性, the city
    #: of a city-level local standard (DB3502 → 厦门).
    ics: list[str] = field(default_factory=list)
    ccs: list[str] = field(default_factory=list)
    industry: str = ""
    mandatory: str = ""
    city: str = ""
    #: Every file this document was merged from → the sha256 of its bytes (catalogues, full text).
    sources: dict[str, str] = field(default_factory=dict)
    history: list[str] = field(default_factory=list)
    source: str = ""
    source_url: str = ""
    sha256: str = ""
    text: str = ""
    clauses: list[Clause] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form the store keeps (a copy: changing it leaves the Document as it is)."""
        data = {name: getattr(self, name) for name in _field_names(type(self))}
        for name, value in data.items():
            if isinstance(value, (list, dict)) and name != "clauses":
                data[name] = copy.deepcopy(value)
        data["clauses"] = [{name: getattr(c, name) for name in _field_names(Clause)} for c in self.clauses]
        return data

    def to_json(self) -> str:
        """The JSON text the store keeps (:meth:`to_dict` serialised, without copying)."""
        data = {name: getattr(self, name) for name in _field_names(type(self))}
        data["clauses"] = [{name: getattr(c, name) for name in _field_names(Clause)} for c in self.clauses]
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        """Build a Document from its JSON form, ignoring unknown keys."""
        names = _field_names(cls)
        values = {k: v for k, v in data.items() if k in names}
        values["clauses"] = [Clause.from_dict(c) for c in data.get("clauses", [])]
        return cls(**values)

    def body_digest(self) -> str:
        """A short hash of the body: the text and every clause's id, label and text."""
        hasher = hashlib.sha256(self.text.encode())
        for clause in self.clauses:
            hasher.update(f"\x00{clause.clause_id}\x00{clause.label}\x00{clause.text}".encode())
        return hasher.hexdigest()[:16]

    def clause(self, clause_id: str) -> Clause | None:
        """The clause with this id, or None."""
        for clause in self.clauses:
            if clause.clause_id == clause_id:
                return clause
        return None

    def url(self, clause_id: str = "") -> str:
        """The permalink path of this document, or of one of its clauses."""
        return f"/doc/{self.doc_id}/{clause_id}" if clause_id else f"/doc/{self.doc_id}"
