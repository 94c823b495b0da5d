"""The JSON API: the twins of the HTML pages, built from the same library calls.

``/api/search`` returns :meth:`stdsearch.search.Results.to_dict`; ``/api/doc/<doc_id>`` a
document's metadata and clauses; ``/api/doc/<doc_id>/<clause_id>`` one clause with its
heading, neighbours and document. Field names are those of the records. Errors are
``{"error": {"code", "message"}}`` with status 400 or 404 (see :mod:`stdsearch.web`).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from stdsearch.errors import NotFound
from stdsearch.records import Clause, Document
from stdsearch.web import absolute_url, cited_by, get_store, present
from stdsearch.web.compliance import settle_status
from stdsearch.web.openapi import OMITTED_DOCUMENT_FIELDS, openapi_document

bp = Blueprint("api", __name__)


@bp.get("/search")
def search() -> Response:
    """Clause-level hits for ?q=…, with the same parameters as the search page."""
    from stdsearch.search import SearchRequest
    from stdsearch.search import search as run_search

    args = present.parse_search_args(request.args)
    results = run_search(current_app.config["HOME"], SearchRequest(**args))
    return jsonify(results.to_dict())


@bp.get("/doc/<doc_id>")
def document(doc_id: str) -> Response:
    """A document's metadata, its clauses and the clauses that cite it."""
    doc = get_store().get(doc_id)
    payload = document_metadata(doc)
    payload["clauses"] = [clause_dict(doc, c) for c in doc.clauses]
    payload["cited_by"] = cited_by(doc.doc_id)
    return jsonify(payload)


@bp.get("/doc/<doc_id>/<clause_id>")
def clause(doc_id: str, clause_id: str) -> Response:
    """One clause with its heading path, previous/next clause ids and its document."""
    doc = get_store().get(doc_id)
    found = doc.clause(clause_id)
    if found is None:
        raise NotFound(f"no clause {clause_id!r} in document {doc_id!r}")
    before, after = present.neighbours(doc, found)
    payload = clause_dict(doc, found)
    payload.update(
        {
            "heading_path": present.heading_parts(found.heading),
            "parents": [a.clause_id for a in present.ancestors(doc, found)],
            "children": [c.clause_id for c in doc.clauses if c.parent_id == found.clause_id],
            "prev": before.clause_id if before else None,
            "next": after.clause_id if after else None,
            "citation": present.citation(doc, found),
            "cited_by": present.citing_clause(cited_by(doc.doc_id), found.clause_id),
            "document": document_metadata(doc),
        }
    )
    return jsonify(payload)


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3 description of this API."""
    return jsonify(openapi_document(absolute_url("")))


def document_metadata(doc: Document) -> dict[str, Any]:
    """A document's fields without its body, plus its permalink path and citation; its status
    is today's, the source's word under ``status_source`` where it differs."""
    status_source = settle_status(doc)
    data = {k: v for k, v in doc.to_dict().items() if k not in OMITTED_DOCUMENT_FIELDS}
    data["status_source"] = status_source
    data["url"] = doc.url()
    data["citation"] = present.citation(doc)
    return data


def clause_dict(doc: Document, found: Clause) -> dict[str, Any]:
    """A clause's fields with its document id and permalink path."""
    return {"doc_id": doc.doc_id, **dataclasses.asdict(found), "url": doc.url(found.clause_id)}
