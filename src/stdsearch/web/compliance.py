"""The compliance pages and their JSON twins: batch check (/check, POST /api/check) and the
change feed (GET /changes, /api/changes, /feed.atom).

Each view reads its input, calls :mod:`stdsearch.compliance` and renders the answer as a page,
a CSV download or JSON; the three are built from the same rows.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, render_template, request, url_for
from markupsafe import Markup

from stdsearch.compliance import apply as apply_mod
from stdsearch.compliance import asof
from stdsearch.compliance import changes as changes_mod
from stdsearch.compliance import check as check_mod
from stdsearch.compliance import lint as lint_mod
from stdsearch.errors import BadQuery
from stdsearch.records import STATUS_REPEALED, STATUS_REPLACED, Document
from stdsearch.search.request import positive_int
from stdsearch.web import absolute_url, get_store
from stdsearch.web.present import link_args

bp = Blueprint("compliance", __name__)


@bp.record_once
def register_template_globals(state: Any) -> None:
    """``lint_report(document)`` for the citation-status panel of every document page."""
    state.app.jinja_env.globals.update(
        lint_report=lint_report, law_versions=law_versions, link_args=link_args, stale_marker=stale_marker
    )


def request_register() -> check_mod.Register:
    """The corpus register, opened once per request (closed at its end)."""
    if "register" not in g:
        g.register = check_mod.load_register(get_store())
    return g.register


@bp.teardown_app_request
def close_register(_error: BaseException | None) -> None:
    """Close the request's register connection, if one was opened."""
    register = g.pop("register", None)
    if register is not None:
        register.connection.close()


def settle_status(document: Document) -> str:
    """Give a stored document the status it has today (its dates and versions considered, as
    check, lint and as_of see it); returns the source's own word where that differs, else ""."""
    register = request_register()
    if not register.entry(document.doc_id):
        return ""
    document.status = register.status(document.doc_id)
    return register.status_source(document.doc_id)


def law_versions(document: Document) -> dict[str, Any]:
    """The versions of a law for its page: all of them, and the one in force today."""
    found = asof.versions(request_register(), document.doc_id)
    return {"versions": found, "in_force": asof.version_in_force(found)}


def lint_report(document: Document) -> lint_mod.LintReport:
    """The citations of a stored document with their status (the document page's panel)."""
    return lint_mod.lint(document, request_register())


def stale_marker(url: str) -> Markup:
    """A visible marker after a link to a document that is no longer current ("" otherwise)."""
    doc_id = url.removeprefix("/doc/").split("#")[0].split("/")[0]
    status = request_register().status(doc_id) if url.startswith("/doc/") else ""
    if status not in (STATUS_REPEALED, STATUS_REPLACED):
        return Markup("")
    return Markup('<span class="stale-mark" title="所链接的文件已{}">{}</span>').format(status, status)

#: Most numbers one check request may hold (a register of a large product is a few hundred).
MAX_CHECK_NUMBERS = 5000
#: Entries of the Atom feed.
FEED_ENTRIES = 200
#: Largest uploaded or pasted input, in bytes.
MAX_CHECK_BYTES = 5_000_000


def check_input() -> list[check_mod.Wanted]:
    """The numbers of a check request: an uploaded file, pasted text, or (API) a JSON body
    ``{"numbers": [...]}`` or ``{"text": "..."}``, or a text/plain body."""
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        data = upload.read(MAX_CHECK_BYTES + 1)
        wanted = check_mod.extract(check_mod.input_text(_bounded(data), upload.filename))
    elif request.is_json:
        wanted = _json_input(request.get_json(silent=True))
    elif request.form:
        wanted = check_mod.extract(_bounded(request.form.get("text", "").encode()).decode())
    else:
        wanted = check_mod.extract(check_mod.input_text(_bounded(request.get_data()), ""))
    if len(wanted) > MAX_CHECK_NUMBERS:
        raise BadQuery(f"at most {MAX_CHECK_NUMBERS} numbers per check (got {len(wanted)})")
    return wanted


def _bounded(data: bytes) -> bytes:
    """The input, or BadQuery when it is larger than :data:`MAX_CHECK_BYTES`."""
    if len(data) > MAX_CHECK_BYTES:
        raise BadQuery(f"input larger than {MAX_CHECK_BYTES // 1_000_000} MB")
    return data


def _json_input(body: Any) -> list[check_mod.Wanted]:
    """The numbers of a JSON body: a list under ``numbers``, or any text under ``text``."""
    if not isinstance(body, dict):
        raise BadQuery('send {"numbers": ["GB/T 19001-2016", …]} or {"text": "…"}')
    numbers, text = body.get("numbers"), body.get("text")
    if isinstance(numbers, list) and all(isinstance(n, str) for n in numbers):
        return check_mod.from_list(numbers)
    if isinstance(text, str):
        return check_mod.extract(_bounded(text.encode()).decode())
    raise BadQuery('"numbers" must be a list of strings, or "text" a string')


def run_check(wanted: list[check_mod.Wanted]) -> list[check_mod.CheckRow]:
    """Check the numbers against this app's corpus."""
    return check_mod.check(wanted, request_register())


@bp.route("/check", methods=["GET", "POST"])
def check_page() -> tuple[str, int]:
    """The form (paste or upload); after POST, the sortable table with its CSV download."""
    context: dict[str, Any] = {"rows": None, "text": "", "labels": check_mod.VERDICT_LABELS, "error": ""}
    if request.method == "POST":
        try:
            wanted = check_input()
        except BadQuery as error:
            context["error"] = str(error)
            return render_template("check.html", **context), 400
        rows = run_check(wanted)
        context.update(rows=rows, summary=check_mod.summary(rows), text="\n".join(w.as_written for w in wanted))
    return render_template("check.html", **context), 200


@bp.post("/check.csv")
def check_csv() -> Response:
    """The check's rows as a CSV download (UTF-8 with BOM, so spreadsheets read it)."""
    rows = run_check(check_input())
    body = "\ufeff" + check_mod.to_csv(rows)
    headers = {"Content-Disposition": 'attachment; filename="stdsearch-check.csv"'}
    return Response(body, mimetype="text/csv", headers=headers)


@bp.post("/api/check")
def api_check() -> Response:
    """Check numbers: JSON ``{"numbers": [...]}`` or ``{"text": "..."}``, a form or a file."""
    rows = run_check(check_input())
    if not rows:
        raise BadQuery("no standard number found in the input")
    return jsonify(check_mod.report(rows))


@bp.get("/changes")
@bp.get("/api/changes")
def changes() -> tuple[Response, int]:
    """Documents added, changed, status-changed and removed after ?since= (ISO), oldest first,
    paged (?page=, ?per_page=, ?change= one kind); ``next`` links the following page."""
    try:
        page = changes_mod.since(
            current_app.config["HOME"],
            request.args.get("since", ""),
            page=_int_arg("page", 1),
            per_page=_int_arg("per_page", 100),
            change=request.args.get("change", ""),
        )
    except BadQuery as error:
        return jsonify({"error": {"code": 400, "message": str(error)}}), 400
    payload = page.to_dict()
    args = {**request.args.to_dict(), "page": page.page + 1}
    payload["next"] = url_for(request.endpoint or "compliance.changes", **args) if page.has_next else None
    return jsonify(payload), 200


def _int_arg(name: str, default: int) -> int:
    """A positive integer query parameter; BadQuery when it is not one (checked before
    conversion, so thousands of digits are a 400 too)."""
    return positive_int(request.args, name, default)


@bp.get("/feed.atom")
def feed() -> Response:
    """The latest changes as an Atom feed (newest first)."""
    latest = changes_mod.latest(current_app.config["HOME"], limit=FEED_ENTRIES)
    body = changes_mod.atom_feed(latest, absolute_url(""))
    return Response(body, mimetype="application/atom+xml")


@bp.get("/api/lint/<doc_id>")
def api_lint(doc_id: str) -> Response:
    """The standards and laws a stored document cites, each with its status, stale ones first."""
    return jsonify(lint_report(get_store().get(doc_id)).to_dict())


def apply_args() -> tuple[str, str, str]:
    """The product description, region and ICS code of an /apply request."""
    return tuple((request.args.get(name) or "").strip()[:200] for name in ("q", "region", "ics"))  # type: ignore[return-value]


@bp.get("/apply")
def apply_page() -> tuple[str, int]:
    """The applicability finder: a product in plain words (+ region, ICS) → what applies."""
    text, region, ics = apply_args()
    report = apply_mod.find_applicable(current_app.config["HOME"], text, region, ics) if text else None
    return render_template("apply.html", report=report, q=text, region=region, ics=ics, groups=apply_mod.GROUPS), 200


@bp.get("/api/apply")
def api_apply() -> Response:
    """The applicability finder's answer as JSON (?q=, ?region=, ?ics=)."""
    text, region, ics = apply_args()
    return jsonify(apply_mod.find_applicable(current_app.config["HOME"], text, region, ics).to_dict())
