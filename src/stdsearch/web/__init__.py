"""The web UI and JSON API: a Flask app factory and its two blueprints.

``create_app(config)`` layers settings: built-in defaults, then ``STDSEARCH_*``
environment variables, then the ``config`` argument (tests, the CLI). The home
directory comes from the ``HOME`` key (a path or a :class:`stdsearch.settings.Home`).
Templates and static files live in the repository's top-level ``web/`` folder, which
the wheel installs as ``stdsearch/_web``.
"""

from __future__ import annotations

import importlib.resources
import os
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from stdsearch.errors import BadQuery, NotFound, StdsearchError, Unavailable
from stdsearch.settings import HOME_ENV, Home

#: Settings with their defaults; each may be overridden by env STDSEARCH_<NAME> or config.
DEFAULTS: dict[str, Any] = {
    "HOME": None,  # the home directory; None = $STDSEARCH_HOME or the current directory
    "ENSURE_INDEX": False,  # build the index from corpus/ at start-up when it is missing
    "HITS_PER_DOCUMENT": 3,  # clauses shown under each document on the results page
    # Public address of the site (https://example.org/search) for permalinks and the OpenAPI
    # servers entry; "" = links relative to the site (the Host header is never trusted).
    "BASE_URL": "",
    "JSON_AS_ASCII": False,
}


def web_root() -> Path:
    """The folder holding templates/ and static/ (source checkout first, then the wheel)."""
    checkout = Path(__file__).resolve().parents[3] / "web"
    if (checkout / "templates").is_dir():
        return checkout
    return Path(str(importlib.resources.files("stdsearch") / "_web"))


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the stdsearch web app: defaults → environment → ``config`` overrides."""
    root = web_root()
    app = Flask(
        __name__,
        template_folder=str(root / "templates"),
        static_folder=str(root / "static"),
        static_url_path="/static",
    )
    app.config.update(DEFAULTS)
    app.config.from_prefixed_env("STDSEARCH")
    app.config.update(config or {})
    app.config["HOME"] = _resolve_home(app.config.get("HOME"))
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]

    if app.config["ENSURE_INDEX"]:
        from stdsearch.pipeline import ensure_index

        ensure_index(app.config["HOME"])

    from stdsearch.web import api, compliance, views

    app.register_blueprint(views.bp)
    app.register_blueprint(compliance.bp)
    app.register_blueprint(api.bp, url_prefix="/api")
    _register_error_handlers(app)
    app.after_request(security_headers)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    return app


#: Pages load nothing but this app's own files: no asset from the internet, no inline script.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def security_headers(response: Response) -> Response:
    """Headers every response carries: the content security policy and no MIME sniffing."""
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def _resolve_home(value: Any) -> Home:
    """A Home from a Home, a path, or nothing (then $STDSEARCH_HOME or the cwd)."""
    if isinstance(value, Home):
        return value
    return Home.resolve(value or os.environ.get(HOME_ENV) or None)


def wants_json() -> bool:
    """True when the request is for the JSON API."""
    return request.path.startswith("/api/") or request.path == "/api"


def error_response(status: int, message: str) -> tuple[Response | str, int]:
    """An error as JSON under /api/, as an HTML page elsewhere."""
    if wants_json():
        return jsonify({"error": {"code": status, "message": message}}), status
    return render_template("error.html", status=status, message=message), status


def _register_error_handlers(app: Flask) -> None:
    """Map domain errors and HTTP errors to 4xx/5xx in the format asked for."""

    @app.errorhandler(NotFound)
    def not_found(error: NotFound) -> tuple[Response | str, int]:
        return error_response(404, str(error) or "not found")

    @app.errorhandler(BadQuery)
    def bad_query(error: BadQuery) -> tuple[Response | str, int]:
        return error_response(400, str(error) or "bad query")

    @app.errorhandler(Unavailable)
    def unavailable(error: Unavailable) -> tuple[Response | str, int]:
        return error_response(409, str(error) or "not available in this home")

    @app.errorhandler(StdsearchError)
    def other_error(error: StdsearchError) -> tuple[Response | str, int]:
        app.logger.exception("stdsearch error")
        return error_response(503, str(error) or "service unavailable")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        body, status = error_response(error.code or 500, error.description or error.name)
        response = app.make_response((body, status))
        allowed = getattr(error, "valid_methods", None)
        if allowed:
            response.headers["Allow"] = ", ".join(allowed)
        return response


def absolute_url(path: str) -> str:
    """``path`` under the configured BASE_URL, or ``path`` itself (relative to the site) when
    none is set: the request's Host header never reaches a link."""
    from flask import current_app

    base = str(current_app.config.get("BASE_URL") or "").rstrip("/")
    return base + path


def get_store() -> Any:
    """The corpus store of the app's home, one per request (so its manifest is fresh)."""
    from flask import current_app

    from stdsearch.store import Store

    if "store" not in g:
        g.store = Store(current_app.config["HOME"])
    return g.store


def cited_by(doc_id: str) -> list[dict[str, Any]]:
    """The clauses of other documents that cite this one (looked up for this document only, once
    per request: a standard's page asks for its panel and for the list)."""
    if "cited_by" not in g:
        g.cited_by = {}
    if doc_id not in g.cited_by:
        lookup = getattr(get_store(), "cited_by", None)
        g.cited_by[doc_id] = list(lookup(doc_id)) if lookup else []
    return list(g.cited_by[doc_id])
