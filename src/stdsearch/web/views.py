"""The HTML pages: search, help, a document, a clause.

Each view reads its parameters, calls the library (search, store), shapes the data with
:mod:`stdsearch.web.present` and renders a template. The JSON twins in
:mod:`stdsearch.web.api` are built from the same calls.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, request, url_for
from markupsafe import Markup, escape

from stdsearch.errors import BadQuery, NotFound
from stdsearch.records import Clause, Document
from stdsearch.web import absolute_url, cited_by, get_store, present
from stdsearch.web.compliance import settle_status, stale_marker

bp = Blueprint("views", __name__)


def highlighted(text: str, query: str) -> Markup:
    """Text as HTML: escaped, with the query's terms in <mark> when there is a query."""
    if query:
        from stdsearch.search.snippets import highlight

        return Markup(highlight(text, query))
    return escape(text)


@bp.app_template_filter("highlight")
def highlight_filter(text: str, query: str = "") -> Markup:
    """Clause text as HTML: escaped, with the query's terms in <mark>."""
    return highlighted(text, query)


@bp.app_template_filter("clause_html")
def clause_html_filter(text: str, query: str = "", anchors: Any = ()) -> Markup:
    """Clause text as HTML: escaped, query terms marked, cross-references linked."""
    if not anchors:
        return highlighted(text, query)
    parts = []
    for segment, anchor in present.link_segments(text, anchors):
        html = highlighted(segment, query)
        if anchor is not None:
            kind = "xref internal" if anchor.internal else "xref"
            html = Markup('<a class="{}" href="{}">{}</a>').format(kind, anchor.url, html)
            html += "" if anchor.internal else stale_marker(anchor.url)
        parts.append(html)
    return Markup("").join(parts)


@bp.app_template_filter("snippet")
def snippet_filter(snippet: str) -> Markup:
    """A hit's snippet as HTML: escaped text with <mark> around matched terms."""
    return Markup(present.safe_snippet(snippet))


@bp.app_template_filter("paragraphs")
def paragraphs_filter(text: str) -> list[str]:
    """The non-empty lines of a text, each one paragraph."""
    return [line.strip() for line in text.split("\n") if line.strip()]


@bp.app_template_filter("blocks")
def blocks_filter(paragraphs: list[str]) -> list[Any]:
    """Paragraphs with runs of Markdown table rows made tables (see present.with_tables)."""
    return present.with_tables(paragraphs)


@bp.record_once
def register_template_globals(state: Any) -> None:
    """Names every template (and every imported macro) can use."""
    state.app.jinja_env.globals.update(
        status_class=lambda status: present.STATUS_CLASSES.get(status, "unknown"),
        kind_label=lambda kind: present.KIND_LABELS.get(kind, kind),
        heading_parts=present.heading_parts,
        shows_label=present.shows_label,
        facet_labels=present.FACET_LABELS,
        filter_fields=present.FACET_FIELDS,
        sorts=present.SORTS,
    )


def search_page_context(args: dict[str, Any]) -> dict[str, Any]:
    """Run the search named by the parameters and shape it for the results page."""
    from stdsearch.search import SearchRequest, search

    results = search(current_app.config["HOME"], SearchRequest(**args))
    pagination = present.Pagination(results.page, results.per_page, results.total)
    return {
        "results": results,
        "groups": present.group_hits(results.hits, current_app.config["HITS_PER_DOCUMENT"]),
        "abolished": abolished_notes({hit.doc_id for hit in results.hits if hit.kind == "standard"}),
        "facets": present.build_facets(results.facets, args, labels=results.facet_labels),
        "active": present.active_filters(args, results.facet_labels),
        "pagination": pagination,
        "page_args": {n: present.link_args(args, page=n) for n in pagination.window() if n},
    }


@bp.get("/")
def search_page() -> tuple[str, int]:
    """The search box; with ?q= (or a filter), the results grouped by document."""
    args = present.parse_search_args(request.args)
    context: dict[str, Any] = {"args": args, "error": ""}
    status = 200
    if args["q"] or any(args[name] for name in present.FACET_FIELDS):
        try:
            context.update(search_page_context(args))
        except BadQuery as error:
            context["error"], status = str(error), 400
    return render_template("search.html", **context), status


@bp.get("/help")
def help_page() -> str:
    """How to write queries, and the API."""
    return render_template("help.html")


@bp.get("/doc/<doc_id>")
def document_page(doc_id: str) -> str:
    """A whole document: metadata, table of contents, every clause with its anchor."""
    document = get_store().get(doc_id)
    query = request.args.get("q", "").strip()
    status_source = settle_status(document)
    return render_template(
        "document.html",
        document=document,
        status_source=status_source,
        query=query,
        toc=present.build_toc(document.clauses),
        openings=present.heading_openings(document.clauses),
        tree=present.children_map(document.clauses),
        own_text=present.own_text,
        citation=present.citation,
        cites=present.citations(document),
        permalink=lambda clause_id="": permalink(document, clause_id),
        refs=document_refs(document),
        standard=standard_panel(document),
        links=cross_references(document),
        cited_by=cited_by(document.doc_id),
    )


@bp.get("/doc/<doc_id>/<clause_id>")
def clause_page(doc_id: str, clause_id: str) -> str:
    """One clause with its parent headings, neighbours, and what cites it."""
    document = get_store().get(doc_id)
    clause = document.clause(clause_id)
    if clause is None:
        raise NotFound(f"no clause {clause_id!r} in document {doc_id!r}")
    settle_status(document)
    before, after = present.neighbours(document, clause)
    citations = cited_by(document.doc_id)
    return render_template(
        "clause.html",
        document=document,
        clause=clause,
        query=request.args.get("q", "").strip(),
        crumbs=present.breadcrumb(clause, present.ancestors(document, clause)),
        children=[c for c in document.clauses if c.parent_id == clause.clause_id],
        before=before,
        after=after,
        citation=present.citation(document, clause),
        permalink=permalink(document, clause_id),
        refs=document_refs(document),
        links=clause_links(document, clause),
        cited_by=present.citing_clause(citations, clause_id),
        document_citations=len(citations),
    )


def clause_links(document: Document, clause: Clause) -> list[present.Anchor]:
    """The links inside one clause, as shown on its own page."""
    clause_url = f"/doc/{document.doc_id}/{{clause_id}}"
    return cross_references(document, clause_url).get(clause.clause_id, [])


def permalink(document: Document, clause_id: str = "") -> str:
    """The permanent URL of a document or clause: under BASE_URL when configured, else
    relative to the site (the copy buttons make it absolute in the browser)."""
    if clause_id:
        path = url_for("views.clause_page", doc_id=document.doc_id, clause_id=clause_id)
    else:
        path = url_for("views.document_page", doc_id=document.doc_id)
    return absolute_url(path)


def document_refs(document: Document) -> dict[str, list[present.DocRef]]:
    """The documents this one replaces and is replaced by, resolved against the corpus."""
    return {
        "replaces": [resolve_ref(ref) for ref in document.replaces],
        "replaced_by": [resolve_ref(ref) for ref in document.replaced_by],
    }


def standard_panel(document: Document) -> dict[str, Any]:
    """What a standard's page shows beyond its fields: its editions (current marked), the
    current edition, ICS labels, every source, data problems and abolished mandatory clauses."""
    from stdsearch.standards import editions, reference

    if document.kind != "standard":
        return {}
    home = current_app.config["HOME"]
    labels = reference.of(home)
    current = document.extra.get("current_edition", "")
    abolished = abolished_notes({document.doc_id}).get(document.doc_id, [])
    return {
        "editions": editions.of(home).editions_of(document.number) if document.number else [],
        "current": resolve_ref(current) if current else None,
        "ics": [(code, labels.ics_label(code)) for code in document.ics],
        "sources": document.extra.get("sources", []),
        "problems": document.extra.get("problems", []),
        "abolished": abolished,
        "abolishes": [resolve_ref(n) for n in document.extra.get("abolishes_clauses_of", [])],
        "partial": document.extra.get("partial", []),
        "not_standards": document.extra.get("not_standards", []),
    }


def abolished_entries(document: Document) -> list[dict[str, Any]]:
    """Every note on abolished mandatory clauses of ``document`` — its own and those the newer
    codes wrote about it — each with a reference to the code that abolished them."""
    entries = document.extra.get("abolished_clauses", []) + abolished_by_others(document)
    return [{**entry, "ref": resolve_ref(entry["by"])} for entry in entries]


def abolished_notes(doc_ids: set[str]) -> dict[str, list[dict[str, Any]]]:
    """doc_id → its abolished-clauses notes, for the standards among the hits of a page: worked
    out once per document and corpus state (reading the document and what cites it), then
    remembered — most standards have none, and every page would read them all again."""
    store = get_store()
    known: dict[str, list[dict[str, Any]]] = store.derived("web.abolished_notes", lambda _store: {})
    for doc_id in sorted(doc_ids - known.keys()):
        known[doc_id] = abolished_entries(store.get(doc_id)) if store.exists(doc_id) else []
    return {doc_id: known[doc_id] for doc_id in sorted(doc_ids) if known[doc_id]}


def abolished_by_others(document: Document) -> list[dict[str, Any]]:
    """The abolished-clauses notes about ``document`` written on the newer codes that cite it
    (their catalogue summaries name it: "废止 GB 50153-2008 等 8 项标准相关强条")."""
    from stdsearch.standards import abolished

    store = get_store()
    citing = {c["doc_id"] for c in cited_by(document.doc_id) if c.get("clause_id") == "summary"} - {document.doc_id}
    others = [store.get(doc_id) for doc_id in sorted(citing) if store.exists(doc_id)]
    return abolished.said_by_others(document, others)


def resolve_ref(ref: str) -> present.DocRef:
    """A reference (doc id or standard number) with the document's id and title when stored."""
    store = get_store()
    for candidate in present.ref_candidates(ref):
        entry = store.entry(candidate)
        if entry is not None:
            return present.DocRef(ref, candidate, entry.get("title", ""))
    return present.DocRef(ref)


def cross_references(document: Document, clause_url: str = "#{clause_id}") -> dict[str, list[present.Anchor]]:
    """Links inside the clauses of a document, resolved at ingest and kept true by every ingest,
    remove and reindex: to other documents and to its own clauses (see :mod:`stdsearch.citations`)."""
    from stdsearch import citations

    links, own = citations.links_of(get_store(), document.doc_id)
    return present.stored_cross_references(document, links, own, clause_url)

