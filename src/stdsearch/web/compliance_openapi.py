"""OpenAPI declarations of the compliance endpoints, merged into /api/openapi.json by
:func:`stdsearch.web.openapi.openapi_document` (closed schemas, like the rest of the API)."""

from __future__ import annotations

from typing import Any

from stdsearch.compliance.check import CSV_COLUMNS, VERDICTS


def _closed(properties: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "type": "object",
        "description": description,
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def _text(description: str) -> dict[str, Any]:
    return {"type": "string", "description": description}


def _schema(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


CHAIN_LINK = _closed(
    {
        "number": _text("Edition's standard number"),
        "doc_id": _text("Its doc_id, or empty when it is not in the corpus"),
        "status": _text("Its status"),
    },
    "One edition on the way to the current one",
)

CHECK_ROW_FIELDS: dict[str, Any] = {
    "line": {"type": "integer", "description": "Line (or list position) of the input"},
    "as_written": _text("The number as written in the input"),
    "normalised": _text("Canonical form (GB/T 19001-2016), empty when no number was recognised"),
    "found": {"type": "boolean", "description": "True when the corpus holds the edition named"},
    "doc_id": _text("doc_id of the edition found, or empty"),
    "title": _text("Title of the edition found"),
    "status": _text("Its status: 现行, 即将实施, 废止, 被代替 or empty"),
    "effective_date": _text("Its implementation date YYYY-MM-DD, or empty"),
    "abolish_date": _text("Its withdrawal date, or empty"),
    "verdict": {"type": "string", "enum": list(VERDICTS), "description": "What to do about it"},
    "current_edition": _text("The edition in force that the chain leads to, or empty"),
    "current_doc_id": _text("Its doc_id, or empty"),
    "chain": {"type": "array", "items": _schema("ChainLink"), "description": "Editions from the one named to the current one"},
    "note": _text("Explanation (undated reference, edition not stored …)"),
    "ok": {"type": "boolean", "description": "True when the edition named is in force"},
    "url": _text("Permalink path of the edition found, or empty"),
}
assert set(CSV_COLUMNS) <= set(CHECK_ROW_FIELDS)

LINT_ITEM_FIELDS: dict[str, Any] = {
    "cited": _text("What is cited: a standard number or a 《title》"),
    "kind": {"type": "string", "enum": ["number", "title"], "description": "How it is cited"},
    "stale": {"type": "boolean", "description": "True when the cited document is withdrawn or replaced"},
    **{k: v for k, v in CHECK_ROW_FIELDS.items() if k != "line"},
    "places": {
        "type": "array",
        "description": "The clauses that cite it",
        "items": _closed(
            {"clause_id": _text("Citing clause"), "label": _text("Its label"), "text": _text("The words cited")},
            "A citing clause",
        ),
    },
}

APPLICABLE_FIELDS: dict[str, Any] = {
    "doc_id": _text("Document id"),
    "title": _text("Title"),
    "number": _text("Standard number, or empty"),
    "level": _text("Level: 国家标准, 行业标准, 地方标准, 团体标准, 法律 …"),
    "status": _text("Status"),
    "effective_date": _text("Implementation date, or empty"),
    "region": _text("Region of a local document, or empty"),
    "ics": {"type": "array", "items": {"type": "string"}, "description": "ICS codes"},
    "mandatory": _text("强制性, 推荐性 or 指导性 when the catalogue says, else empty"),
    "clause_id": _text("The best matching clause"),
    "label": _text("Its label"),
    "url": _text("Permalink path of that clause"),
    "snippet": _text("Its text around the matched words (HTML, <mark>)"),
    "score": {"type": "number", "description": "Search score of that clause"},
    "matched": {"type": "array", "items": {"type": "string"}, "description": "Words of the description it matches"},
    "reasons": {"type": "array", "items": {"type": "string"}, "description": "Why it is listed"},
}

SCHEMAS: dict[str, Any] = {
    "ChainLink": CHAIN_LINK,
    "CheckRow": _closed(CHECK_ROW_FIELDS, "The answer for one number"),
    "CheckReport": _closed(
        {
            "all_current": {"type": "boolean", "description": "True when every number is in force"},
            "summary": {
                "type": "object",
                "description": "total, and the number of rows per verdict",
                "additionalProperties": {"type": "integer"},
            },
            "rows": {"type": "array", "items": _schema("CheckRow")},
        },
        "A batch check",
    ),
    "Applicable": _closed(APPLICABLE_FIELDS, "A standard or law clause that applies, and why"),
    "ApplyReport": _closed(
        {
            "query": _text("The description"),
            "region": _text("The region asked for, or empty"),
            "ics": _text("The ICS prefix asked for, or empty"),
            "words": {"type": "array", "items": {"type": "string"}, "description": "Its words as searched"},
            "groups": {
                "type": "array",
                "description": "Standards in force by group: national-mandatory, national-recommended, industry, local, group, other",
                "items": _closed(
                    {
                        "group": _text("Group name"),
                        "label": _text("Its label"),
                        "standards": {"type": "array", "items": _schema("Applicable")},
                    },
                    "One group",
                ),
            },
            "laws": {"type": "array", "items": _schema("Applicable"), "description": "Law and regulation clauses"},
            "notes": {"type": "array", "items": {"type": "string"}, "description": "What was left out and why"},
        },
        "What applies to a product",
    ),
    "Change": _closed(
        {
            "seq": {"type": "integer", "description": "Position in the history (increasing); 0 for a status "
                    "change its dates brought that no write has recorded yet"},
            "id": _text("Stable id (URN) of the change, the Atom entry's id"),
            "time": _text("When it was recorded, or the day a date changed the status (UTC, ISO 8601)"),
            "doc_id": _text("Document id"),
            "change": {"type": "string", "enum": ["added", "changed", "status-changed", "removed"]},
            "title": _text("Title"),
            "number": _text("Standard number, or empty"),
            "kind": _text("Document kind"),
            "status": _text("Status after the change"),
            "fields": {
                "type": "object",
                "description": "Each changed field → {from, to} (text: digests of the body; a status "
                "changed by a date: its date too)",
                "additionalProperties": {"type": "object"},
            },
            "url": _text("Permalink path of the document"),
        },
        "One change",
    ),
    "ChangePage": _closed(
        {
            "since": _text("The time asked for (UTC), or empty"),
            "total": {"type": "integer", "description": "Changes since then"},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "changes": {"type": "array", "items": _schema("Change")},
            "next": {"type": "string", "nullable": True, "description": "URL of the next page, or null"},
        },
        "Changes since a time, oldest first",
    ),
    "LintItem": _closed(LINT_ITEM_FIELDS, "One cited standard or law with its status"),
    "LintReport": _closed(
        {
            "doc_id": _text("The document linted"),
            "title": _text("Its title"),
            "stored": {"type": "boolean", "description": "True when the document is in the corpus"},
            "cited": {"type": "integer", "description": "How many documents it cites"},
            "stale": {"type": "integer", "description": "How many of them are withdrawn or replaced"},
            "items": {"type": "array", "items": _schema("LintItem")},
        },
        "The citations of a document with their status",
    ),
}

CHECK_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {
                    "numbers": {"type": "array", "items": {"type": "string"}, "description": "One number per item"},
                    "text": _text("Any text: numbers are pulled out of it"),
                },
                "anyOf": [{"required": ["numbers"]}, {"required": ["text"]}],
            }
        },
        "text/plain": {"schema": _text("Any text: numbers one per line, or cited anywhere")},
    },
}


def _json(schema: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _schema(schema)}}}


PATHS: dict[str, Any] = {
    "/api/changes": {
        "get": {
            "summary": "Documents added, changed, status-changed and removed since a time (also at /changes)",
            "operationId": "changes",
            "parameters": [
                {"name": "since", "in": "query", "required": False, "description": "ISO date or time",
                 "schema": {"type": "string", "maxLength": 64}},
                {"name": "change", "in": "query", "required": False, "description": "Only this kind of change",
                 "schema": {"type": "string", "enum": ["added", "changed", "status-changed", "removed"]}},
                {"name": "page", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1}},
                {"name": "per_page", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1, "maximum": 500}},
            ],
            "responses": {"200": _json("ChangePage", "A page of changes"), "400": _json("Error", "A bad parameter")},
        }
    },
    "/api/apply": {
        "get": {
            "summary": "Standards in force and law clauses that apply to a product, by group",
            "operationId": "apply",
            "parameters": [
                {"name": "q", "in": "query", "required": True, "description": "Product, material or activity",
                 "schema": {"type": "string", "minLength": 1, "maxLength": 200}},
                {"name": "region", "in": "query", "required": False, "description": "Region for local standards",
                 "schema": {"type": "string", "maxLength": 200}},
                {"name": "ics", "in": "query", "required": False, "description": "ICS code prefix",
                 "schema": {"type": "string", "maxLength": 200}},
            ],
            "responses": {"200": _json("ApplyReport", "What applies"), "400": _json("Error", "No description")},
        }
    },
    "/api/lint/{doc_id}": {
        "get": {
            "summary": "The standards and laws a document cites, with their status (stale ones first)",
            "operationId": "lint",
            "parameters": [{"name": "doc_id", "in": "path", "required": True, "description": "Document id", "schema": {"type": "string"}}],
            "responses": {"200": _json("LintReport", "The citations"), "404": _json("Error", "Unknown document")},
        }
    },
    "/api/check": {
        "post": {
            "summary": "Check the status of standard numbers (a register, a contract, any text)",
            "operationId": "check",
            "requestBody": CHECK_BODY,
            "responses": {
                "200": _json("CheckReport", "One row per distinct number"),
                "400": _json("Error", "No number in the input, or a malformed body"),
            },
        }
    },
}
