"""Pure presentation helpers shared by the HTML and JSON renderers.

Nothing here touches Flask, the index or the disk: each function takes records
(hits, documents, clauses, query parameters) and returns plain values that a
template or a JSON response can use directly, so they are tested without an app.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from stdsearch.errors import BadQuery
from stdsearch.identity import is_valid_id, slugify
from stdsearch.records import (
    STATUS_CURRENT,
    STATUS_REPEALED,
    STATUS_REPLACED,
    STATUS_UPCOMING,
    Clause,
    Document,
)
from stdsearch.search import request as request_declarations

#: Filter fields of a search, in the order the facets are shown.
FACET_FIELDS = request_declarations.FACET_FIELDS

#: Labels shown for facet fields.
FACET_LABELS = {
    "kind": "类型",
    "level": "层级",
    "status": "状态",
    "region": "地区",
    "issuer": "发布机关",
    "year": "年份",
    "city": "城市",
    "industry": "行业",
    "mandatory": "强制性",
    "ics_field": "ICS 大类",
    "ics_group": "ICS 中类",
    "ics": "ICS 小类",
    "ccs": "CCS 分类",
}

#: Labels shown for document kinds.
KIND_LABELS = {"law": "法律法规", "policy": "政策文件", "standard": "标准", "page": "网页"}

#: Labels shown for the sort orders.
SORT_LABELS = {"relevance": "相关度", "newest": "最新发布", "effective": "实施日期"}
#: Sort orders accepted by the search, with their labels.
SORTS = {name: SORT_LABELS[name] for name in request_declarations.SORTS}

#: CSS modifier of the status badge, per status.
STATUS_CLASSES = {
    STATUS_CURRENT: "current",
    STATUS_UPCOMING: "upcoming",
    STATUS_REPEALED: "repealed",
    STATUS_REPLACED: "replaced",
}

#: Statuses that make a document no longer applicable (a banner is shown).
INACTIVE_STATUSES = (STATUS_REPEALED, STATUS_REPLACED)

MAX_PER_PAGE = request_declarations.MAX_PER_PAGE
DEFAULT_PER_PAGE = request_declarations.DEFAULT_PER_PAGE
#: The largest page number or page size read from a URL; the query budget bounds the rest.
MAX_PARAMETER_VALUE = 1_000_000
HEADING_SEPARATOR = " > "

_PARAGRAPH_LABEL = re.compile(r"^第[零〇一二三四五六七八九十百\d]+款$")
#: A part of a code in its title (中华人民共和国民法典 合同编): cited under the code's name.
_PART_SUFFIX = re.compile(r"\s+(第[一二三四五六七八九十]+编\s*)?\S*(编|总则|附则)$")
_ITEM_LABEL = re.compile(r"^[（(][零〇一二三四五六七八九十百]+[)）]$")
_LAW_ARTICLE = re.compile(r"^第[零〇一二三四五六七八九十百千万\d]+条(之[一二三四五六七八九十]+)?$")


# --- query parameters -------------------------------------------------------------


SEMANTIC_MODES = request_declarations.SEMANTIC_MODES


def parse_search_args(args: Mapping[str, str]) -> dict[str, Any]:
    """The keyword arguments of a SearchRequest, read and checked from URL parameters.

    Raises BadQuery for a page or page size that is not a positive integer, a page
    size over the cap, or an unknown sort order.
    """
    values: dict[str, Any] = {"q": (args.get("q") or "").strip()}
    for name in FACET_FIELDS:
        values[name] = (args.get(name) or "").strip()
    sort = (args.get("sort") or "relevance").strip()
    if sort not in SORTS:
        raise BadQuery(f"unknown sort {shorten(sort)!r}: use one of {', '.join(SORTS)}")
    values["sort"] = sort
    values["page"] = _positive_int(args, "page", 1)
    values["per_page"] = _positive_int(args, "per_page", DEFAULT_PER_PAGE)
    if values["per_page"] > MAX_PER_PAGE:
        raise BadQuery(f"per_page must be at most {MAX_PER_PAGE}")
    semantic = (args.get("semantic") or "auto").strip()
    if semantic not in SEMANTIC_MODES:
        raise BadQuery(f"unknown semantic {shorten(semantic)!r}: use one of {', '.join(SEMANTIC_MODES)}")
    values["semantic"] = semantic
    values["as_of"] = (args.get("as_of") or "").strip()
    values["explain"] = (args.get("explain") or "").strip().lower() in ("1", "true", "yes", "on")
    return values


def _positive_int(args: Mapping[str, str], name: str, default: int) -> int:
    """The parameter as an integer from 1 to MAX_PARAMETER_VALUE, its default when absent,
    else BadQuery (a number of thousands of digits is refused before it is converted)."""
    raw = (args.get(name) or "").strip()
    if not raw:
        return default
    digits = raw.lstrip("0")
    if not (raw.isascii() and raw.isdigit()) or not digits or len(digits) > len(str(MAX_PARAMETER_VALUE)):
        raise BadQuery(f"{name} must be a positive integer, not {shorten(raw)!r}")
    value = int(digits)
    if value > MAX_PARAMETER_VALUE:
        raise BadQuery(f"{name} must be at most {MAX_PARAMETER_VALUE}")
    return value


def shorten(text: str, limit: int = 40) -> str:
    """Text cut to ``limit`` characters (with an ellipsis), for echoing user input in a message."""
    return text if len(text) <= limit else text[:limit] + "…"


def link_args(current: Mapping[str, Any], **changes: Any) -> dict[str, Any]:
    """URL parameters of the current search with some changed; empty values are dropped.

    Any change other than ``page`` sends the user back to page 1, and the defaults
    (relevance, 10 per page, page 1) are left out so links stay short.
    """
    merged = {k: current.get(k) for k in ("q", *FACET_FIELDS, "as_of", "sort", "page", "per_page", "explain")}
    merged.update(changes)
    if "page" not in changes:
        merged["page"] = 1
    defaults = {"sort": "relevance", "page": 1, "per_page": DEFAULT_PER_PAGE, "explain": False}
    return {k: v for k, v in merged.items() if v not in (None, "") and defaults.get(k) != v}


# --- facets --------------------------------------------------------------------------


@dataclass
class FacetValue:
    """One value of a facet with its count and the URL parameters that toggle it."""

    value: str
    label: str
    count: int
    selected: bool
    args: dict[str, Any]
    #: Narrower values shown under this one (ICS groups under a field, subgroups under a group).
    children: list[FacetValue] = field(default_factory=list)


@dataclass
class Facet:
    """A facet field with its values, most frequent first."""

    name: str
    label: str
    values: list[FacetValue] = field(default_factory=list)


def facet_value_label(name: str, value: str, labels: Mapping[str, Mapping[str, str]] | None = None) -> str:
    """The label shown for a facet value: document kinds translated, coded values (ICS, CCS)
    followed by their name from ``labels`` (``97 家用和商用设备、文娱、体育``)."""
    if name == "kind":
        return KIND_LABELS.get(value, value)
    named = (labels or {}).get(name, {}).get(value, "")
    return f"{value} {named}" if named else value


#: The ICS facet fields, broadest first: shown as one tree under ``ics_field``.
ICS_LEVELS = ("ics_field", "ics_group", "ics")
#: Narrower ICS values listed under one broader value.
ICS_CHILDREN_LIMIT = 8


def build_facets(
    facets: Mapping[str, Mapping[str, int]],
    current: Mapping[str, Any],
    limit: int = 12,
    labels: Mapping[str, Mapping[str, str]] | None = None,
) -> list[Facet]:
    """Facets ready to render: each value links to the search with it set or removed; ICS as
    one tree (field → group → subgroup) whose values are labelled from ``labels``.

    A selected value is always listed, even when it falls past ``limit``.
    """
    built = []
    for name in FACET_FIELDS:
        if name in ICS_LEVELS[1:]:
            continue
        counts = facets.get(name) or {}
        chosen = current.get(name) or ""
        if name == "ics_field":
            values = ics_tree(facets, current, limit, labels)
        else:
            values = [
                FacetValue(
                    value=value,
                    label=facet_value_label(name, value, labels),
                    count=count,
                    selected=value == chosen,
                    args=link_args(current, **{name: "" if value == chosen else value}),
                )
                for value, count in _shown(counts, chosen, limit)
            ]
        if values:
            built.append(Facet(name, "ICS 分类" if name == "ics_field" else FACET_LABELS[name], values))
    return built


def _shown(counts: Mapping[str, int], chosen: str, limit: int) -> list[tuple[str, int]]:
    """The (value, count) pairs listed: the ``limit`` most frequent, and the chosen one always."""
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    shown = [item for i, item in enumerate(ranked) if i < limit or item[0] == chosen]
    if chosen and chosen not in counts:
        shown.insert(0, (chosen, 0))
    return [(value, count) for value, count in shown if value]


def chosen_ics(current: Mapping[str, Any]) -> str:
    """The ICS code the search is filtered by, at any depth ('' when none)."""
    return next((current.get(name) or "" for name in ("ics", "ics_group", "ics_field") if current.get(name)), "")


def ics_tree(
    facets: Mapping[str, Mapping[str, int]],
    current: Mapping[str, Any],
    limit: int,
    labels: Mapping[str, Mapping[str, str]] | None,
    depth: int = 0,
    parent: str = "",
) -> list[FacetValue]:
    """The ICS values of one level under ``parent``, each linking to ``ics=<code>``; the values
    on the path to the chosen code (or the only value of a level) list their narrower ones."""
    name = ICS_LEVELS[depth]
    chosen = chosen_ics(current)
    counts = {v: n for v, n in (facets.get(name) or {}).items() if not parent or v.startswith(parent + ".")}
    parts = chosen.split(".") if chosen else []
    on_path = ".".join(parts[: depth + 1]) if len(parts) > depth else ""
    values = []
    for value, count in _shown(counts, on_path, limit):
        node = FacetValue(
            value=value,
            label=facet_value_label(name, value, labels),
            count=count,
            selected=value == chosen,
            args=link_args(current, ics_field="", ics_group="", ics="" if value == chosen else value),
        )
        if depth < len(ICS_LEVELS) - 1 and (value == on_path or len(counts) == 1):
            node.children = ics_tree(facets, current, ICS_CHILDREN_LIMIT, labels, depth + 1, value)
        values.append(node)
    return values


def active_filters(current: Mapping[str, Any], labels: Mapping[str, Mapping[str, str]] | None = None) -> list[FacetValue]:
    """The filters in force, each with the URL parameters that remove it (coded values named
    from ``labels``)."""
    return [
        FacetValue(
            value=current[name],
            label=f"{FACET_LABELS[name]}:{facet_value_label(name, current[name], labels)}",
            count=0,
            selected=True,
            args=link_args(current, **{name: ""}),
        )
        for name in FACET_FIELDS
        if current.get(name)
    ]


# --- grouping and pagination ----------------------------------------------------------


@dataclass
class DocGroup:
    """The hits of one document on a results page, with the document's fields."""

    doc_id: str
    title: str
    url: str
    kind: str
    level: str
    status: str
    number: str
    issuer: str
    region: str
    publish_date: str
    effective_date: str
    replaced_by: list[str]
    hits: list[Any] = field(default_factory=list)
    #: How many of the hits are shown at once; the rest open under "N more in this document".
    shown_count: int = 3

    @property
    def shown(self) -> list[Any]:
        """The document's first hits on this page, shown at once."""
        return self.hits[: self.shown_count]

    @property
    def more(self) -> list[Any]:
        """The document's other hits on this page, behind "N more in this document"."""
        return self.hits[self.shown_count :]

    @property
    def score(self) -> float:
        """The best score among the document's hits."""
        return max((getattr(h, "score", 0.0) for h in self.hits), default=0.0)


def group_hits(hits: Iterable[Any], max_per_doc: int = 3) -> list[DocGroup]:
    """Hits grouped by document, documents in the order of their best hit.

    Every hit is kept, in rank order under its document: the first ``max_per_doc`` are
    shown, the others are the group's :attr:`DocGroup.more` (so a page shows all its hits).
    """
    groups: dict[str, DocGroup] = {}
    for hit in hits:
        group = groups.get(hit.doc_id)
        if group is None:
            group = groups[hit.doc_id] = DocGroup(
                doc_id=hit.doc_id,
                title=hit.title,
                url=f"/doc/{hit.doc_id}",
                kind=hit.kind,
                level=hit.level,
                status=hit.status,
                number=hit.number,
                issuer=getattr(hit, "issuer", ""),
                region=getattr(hit, "region", ""),
                publish_date=getattr(hit, "publish_date", ""),
                effective_date=getattr(hit, "effective_date", ""),
                replaced_by=list(getattr(hit, "replaced_by", []) or []),
                shown_count=max_per_doc,
            )
        group.hits.append(hit)
    return list(groups.values())


@dataclass
class Pagination:
    """Where a results page sits among all pages."""

    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        """The number of pages (at least 1)."""
        return max(1, -(-self.total // self.per_page))

    @property
    def first_index(self) -> int:
        """1-based rank of the first hit on this page (0 when there are none)."""
        return 0 if self.total == 0 else min(self.total, (self.page - 1) * self.per_page + 1)

    @property
    def last_index(self) -> int:
        """1-based rank of the last hit on this page."""
        return min(self.total, self.page * self.per_page)

    @property
    def prev(self) -> int | None:
        """The previous page number, or None on the first page."""
        return self.page - 1 if self.page > 1 else None

    @property
    def next(self) -> int | None:
        """The next page number, or None on the last page."""
        return self.page + 1 if self.page < self.pages else None

    def window(self, radius: int = 2) -> list[int | None]:
        """Page numbers to show: first, last, and those near the current page; None is a gap."""
        shown = sorted(
            {1, self.pages}
            | set(range(max(1, self.page - radius), min(self.pages, self.page + radius) + 1))
        )
        result: list[int | None] = []
        for number in shown:
            if result and number - (result[-1] or 0) > 1:
                result.append(None)
            result.append(number)
        return result


# --- documents and clauses ----------------------------------------------------------


def heading_parts(heading: str) -> list[str]:
    """The heading path of a clause as a list (outermost first)."""
    return [part.strip() for part in heading.split(HEADING_SEPARATOR.strip()) if part.strip()]


def clause_body(clause: Clause) -> str:
    """The clause text without its leading label (the label is shown apart)."""
    text = clause.text.lstrip()
    if clause.label and text.startswith(clause.label):
        text = text[len(clause.label) :].lstrip(" \u3000、.．")
    return text


def children_map(clauses: Sequence[Clause]) -> dict[str, list[Clause]]:
    """Clause ids mapped to their direct children in document order ('' = the top level)."""
    ids = {c.clause_id for c in clauses}
    tree: dict[str, list[Clause]] = {}
    for clause in sorted(clauses, key=lambda c: c.position):
        parent = clause.parent_id if clause.parent_id in ids else ""
        tree.setdefault(parent, []).append(clause)
    return tree


@dataclass
class ClauseParts:
    """A clause's own text, cut around its sub-parts for rendering."""

    lead: str
    tail: str = ""


def descendants(tree: Mapping[str, Sequence[Clause]], clause_id: str) -> list[Clause]:
    """All clauses under one, depth first in document order (``tree`` from children_map)."""
    found: list[Clause] = []
    for child in tree.get(clause_id, []):
        found.append(child)
        found.extend(descendants(tree, child.clause_id))
    return found


def own_text(clause: Clause, tree: Mapping[str, Sequence[Clause]]) -> ClauseParts:
    """The clause's own text: what comes before and after the text of its sub-parts.

    A law article's text repeats its 款 and 项 (with the 项's printed labels), which are
    rendered as elements of their own, so they are cut out; a policy heading's text does
    not include its items and is returned whole.
    """
    body = clause_body(clause)
    start = end = -1
    for part in descendants(tree, clause.clause_id):
        text = part.text.strip()
        found = body.find(text, max(end, 0)) if text else -1
        if found < 0:
            continue
        label_start = found - len(part.label)
        if part.label and label_start >= 0 and body[label_start:found] == part.label:
            found = label_start
        start = found if start < 0 else start
        end = max(end, body.find(text, found) + len(text))
    if start < 0:
        return ClauseParts(body)
    return ClauseParts(body[:start].rstrip(), body[end:].strip())


def shows_label(clause: Clause) -> bool:
    """True when the clause's label is printed in the text (not for an article's 款)."""
    return bool(clause.label) and not _PARAGRAPH_LABEL.match(clause.label)


@dataclass
class TocSection:
    """The headings opening at one point of the table of contents, and the clauses under them.

    ``opens`` lists (level, text, anchor) of each heading level that starts here.
    """

    opens: list[tuple[int, str, str]]
    entries: list[TocEntry] = field(default_factory=list)


@dataclass
class TocEntry:
    """One clause in the table of contents."""

    clause_id: str
    label: str
    title: str
    children: list[TocEntry] = field(default_factory=list)


def toc_title(clause: Clause, limit: int = 24) -> str:
    """A short title for a TOC line: the clause's first line (of a table: its header cells),
    cut to ``limit`` characters."""
    first = clause_body(clause).split("\n", 1)[0].strip()
    if _TABLE_ROW.match(first):
        first = "表：" + "、".join(cell for cell in table_cells(first) if cell)
    return first if len(first) <= limit else first[:limit].rstrip() + "…"


def heading_openings(clauses: Sequence[Clause]) -> dict[str, list[tuple[int, str, str]]]:
    """The headings (编/章/节) that open before each top-level clause: (level, text, anchor).

    Anchors are ``h1``, ``h2`` … in document order; the document body and its table of
    contents both use them.
    """
    openings: dict[str, list[tuple[int, str, str]]] = {}
    previous, count = "", 0
    for clause in children_map(clauses).get("", []):
        opened = []
        for level, text in new_headings(previous, clause.heading):
            count += 1
            opened.append((level, text, f"h{count}"))
        if opened:
            openings[clause.clause_id] = opened
        previous = clause.heading
    return openings


def build_toc(clauses: Sequence[Clause]) -> list[TocSection]:
    """The table of contents: headings and the searchable clause tree under them.

    Only searchable clauses are listed (an article's 款 and 项 have anchors but are
    not TOC lines).
    """
    tree = children_map([c for c in clauses if c.searchable])
    openings = heading_openings(clauses)

    def entries(parent: str) -> list[TocEntry]:
        return [
            TocEntry(c.clause_id, c.label, toc_title(c), entries(c.clause_id))
            for c in tree.get(parent, [])
        ]

    sections: list[TocSection] = []
    for entry, clause in zip(entries(""), tree.get("", []), strict=True):
        if not sections or clause.clause_id in openings:
            sections.append(TocSection(openings.get(clause.clause_id, [])))
        sections[-1].entries.append(entry)
    return sections


def neighbours(document: Document, clause: Clause) -> tuple[Clause | None, Clause | None]:
    """The previous and next clause at the same depth, in document order."""
    peers = sorted(
        (
            c
            for c in document.clauses
            if c.depth == clause.depth and c.searchable == clause.searchable
        ),
        key=lambda c: c.position,
    )
    index = next(i for i, c in enumerate(peers) if c.clause_id == clause.clause_id)
    before = peers[index - 1] if index > 0 else None
    after = peers[index + 1] if index + 1 < len(peers) else None
    return before, after


def ancestors(
    document: Document, clause: Clause, by_id: Mapping[str, Clause] | None = None
) -> list[Clause]:
    """The clauses above this one, outermost first (``by_id``: the document's clauses by id)."""
    by_id = by_id if by_id is not None else {c.clause_id: c for c in document.clauses}
    chain: list[Clause] = []
    parent = by_id.get(clause.parent_id) if clause.parent_id else None
    while parent is not None and parent not in chain:
        chain.insert(0, parent)
        parent = by_id.get(parent.parent_id) if parent.parent_id else None
    return chain


def citation(document: Document, clause: Clause | None = None) -> str:
    """How people cite the document or clause.

    A standard: its number (or 《title》 when it has none) and the clause's own number, which
    names its parents (``GB/T 19001-2016 7.1.4``, ``《…》附录B``, ``《…》B.2.2.1``); anything else:
    its title in 《》 followed by the clause's label, with the parent article for an
    article's 款/项 (``《中华人民共和国产品质量法》第二十六条第二款``).
    """
    if clause is None:
        if document.kind == "standard" and document.number:
            return document.number
        return f"《{_PART_SUFFIX.sub('', document.title)}》"
    return citations(document, [clause])[clause.clause_id]


def citations(document: Document, clauses: Iterable[Clause] | None = None) -> dict[str, str]:
    """The citation of each clause (all of the document's by default), by clause id."""
    by_id = {c.clause_id: c for c in document.clauses}
    siblings: dict[str, int] = {}
    for c in document.clauses:
        siblings[c.parent_id] = siblings.get(c.parent_id, 0) + 1
    head = citation(document)
    cited = {}
    for clause in document.clauses if clauses is None else clauses:
        if document.kind == "standard":
            cited[clause.clause_id] = _standard_citation(head, clause)
            continue
        chain = [*ancestors(document, clause, by_id), clause]
        if document.kind == "law" or _LAW_ARTICLE.match(clause.label):
            labels = "".join(_law_label(c, siblings.get(c.parent_id, 0)) for c in chain)
        else:
            labels = "".join(c.label for c in chain if c.label and c.clause_id != "preamble")
        cited[clause.clause_id] = head + labels.rstrip(".．")
    return cited


def _standard_citation(head: str, clause: Clause) -> str:
    """A standard's clause cited by its own number, which already names its parents
    (``GB 50016-2014 5.1.2``, ``GB 50016-2014 第5章``, ``《…》附录B``, ``《…》B.2.2.1``); the text before the first
    clause is the document itself."""
    if clause.clause_id == "preamble" or not clause.label:
        return head
    label = clause.label.rstrip(".．")
    if label.isdigit():
        label = f"第{label}章"
    separator = "" if head.endswith("》") else " "
    return f"{head}{separator}{label}"


def _law_label(clause: Clause, siblings: int) -> str:
    """A law clause's part of a citation: 第二条, 第二款 (none when it is the only 款), 第（一）项."""
    if _PARAGRAPH_LABEL.match(clause.label):
        return clause.label if siblings > 1 else ""
    if _ITEM_LABEL.match(clause.label):
        return f"第{clause.label}项"
    return clause.label


def breadcrumb(clause: Clause, chain: Sequence[Clause]) -> list[tuple[str, str]]:
    """The path above a clause as (text, clause_id) pairs; clause_id is '' for a plain heading.

    The heading path names the enclosing 编/章/节 and, for nested clauses, the enclosing
    clauses too; those last parts are linked to the ancestor clauses they name.
    """
    parts = heading_parts(clause.heading)
    if len(parts) < len(chain):
        return [(c.label, c.clause_id) for c in chain]
    plain = len(parts) - len(chain)
    return [(p, "") for p in parts[:plain]] + [
        (p, c.clause_id) for p, c in zip(parts[plain:], chain, strict=True)
    ]


@dataclass
class DocRef:
    """A reference to another document: a link when it is in the corpus, a search otherwise."""

    text: str
    doc_id: str = ""
    title: str = ""

    @property
    def in_corpus(self) -> bool:
        """True when the referenced document is in the corpus."""
        return bool(self.doc_id)


def ref_candidates(ref: str) -> list[str]:
    """Doc ids a reference (a doc id or a standard number) may denote."""
    candidates = [ref] if is_valid_id(ref) else []
    slug = slugify(ref)
    if slug and slug not in candidates:
        candidates.append(slug)
    return candidates


def citing_clause(cited_by: Iterable[Mapping[str, Any]], clause_id: str) -> list[Mapping[str, Any]]:
    """The citations of a document that name this clause as their target (``cited_clause_id``)."""
    return [entry for entry in cited_by if entry.get("cited_clause_id") == clause_id]


def new_headings(previous: str, heading: str) -> list[tuple[int, str]]:
    """The heading levels that open between two consecutive top-level clauses.

    Returns (level, text) pairs, level 0 the outermost, for each part of ``heading``
    from the first one that differs from ``previous``.
    """
    before, after = heading_parts(previous), heading_parts(heading)
    same = 0
    while same < min(len(before), len(after)) and before[same] == after[same]:
        same += 1
    return list(enumerate(after))[same:]


# --- cross-references -----------------------------------------------------------------


@dataclass(frozen=True)
class Anchor:
    """A cited passage of a clause (``text``) and where it leads (``url``)."""

    text: str
    url: str
    internal: bool = False


def stored_cross_references(
    document: Document,
    links: Sequence[Sequence[Any]],
    own: Sequence[Sequence[Any]],
    clause_url: str = "#{clause_id}",
) -> dict[str, list[Anchor]]:
    """The links inside each clause, as resolved at ingest (:mod:`stdsearch.citations`):
    ``links``, rows ``[clause_id, start, end, cited doc_id, cited clause_id, …]``, lead to
    other documents; ``own``, rows ``[clause_id, start, end, target clause_id]``, to this
    document's clauses (``clause_url`` formats
    those). A sub-part shows its own links (前款 is relative to it), then its searchable
    ancestor's."""
    texts = {c.clause_id: c.text for c in document.clauses}
    external = _anchors(texts, ((row[0], row[1], row[2], _document_url(row[3], row[4]), False) for row in links))
    internal = _anchors(texts, ((row[0], row[1], row[2], clause_url.format(clause_id=row[3]), True) for row in own))
    found: dict[str, list[Anchor]] = {}
    for clause in document.clauses:
        anchors = external.get(clause.clause_id, []) + internal.get(clause.clause_id, [])
        if clause.searchable and anchors:
            found[clause.clause_id] = anchors
    tree = children_map(document.clauses)
    for clause_id, anchors in list(found.items()):
        for part in descendants(tree, clause_id):
            found[part.clause_id] = internal.get(part.clause_id, []) + anchors
    for clause_id, anchors in internal.items():
        found.setdefault(clause_id, anchors)
    return found


def _document_url(doc_id: str, clause_id: str) -> str:
    """The path of a cited document, at the cited clause when there is one."""
    return f"/doc/{doc_id}#{clause_id}" if clause_id else f"/doc/{doc_id}"


def _anchors(texts: Mapping[str, str], spans: Iterable[tuple[str, int, int, str, bool]]) -> dict[str, list[Anchor]]:
    """clause_id → the anchors of its spans (spans of clauses the document lacks are dropped)."""
    found: dict[str, list[Anchor]] = {}
    for clause_id, start, end, url, internal in spans:
        if clause_id in texts:
            found.setdefault(clause_id, []).append(Anchor(texts[clause_id][start:end], url, internal))
    return found


def link_segments(text: str, anchors: Sequence[Anchor]) -> list[tuple[str, Anchor | None]]:
    """The text cut into plain segments and linked ones, each anchor's text linked where it occurs.

    Longer anchors win over shorter ones inside them; occurrences never overlap.
    """
    spans: list[tuple[int, int, Anchor]] = []
    for anchor in sorted(anchors, key=lambda a: -len(a.text)):
        if not anchor.text:
            continue
        start = text.find(anchor.text)
        while start >= 0:
            end = start + len(anchor.text)
            if not any(s < end and start < e for s, e, _ in spans):
                spans.append((start, end, anchor))
            start = text.find(anchor.text, end)
    segments: list[tuple[str, Anchor | None]] = []
    cursor = 0
    for start, end, anchor in sorted(spans, key=lambda span: span[0]):
        if start > cursor:
            segments.append((text[cursor:start], None))
        segments.append((text[start:end], anchor))
        cursor = end
    if cursor < len(text) or not segments:
        segments.append((text[cursor:], None))
    return segments


_MARK_TAG = re.compile(r"(</?mark>)")


def safe_snippet(snippet: str) -> str:
    """A snippet as HTML in which only <mark> and </mark> survive as tags.

    Snippets come escaped from the search; each piece between the tags is unescaped and
    escaped again, so that a correct snippet is unchanged and an unescaped one is made safe.
    """
    pieces = _MARK_TAG.split(snippet)
    return "".join(
        p if _MARK_TAG.fullmatch(p) else html.escape(html.unescape(p), quote=False) for p in pieces
    )


# --- Markdown tables ----------------------------------------------------------------------


@dataclass
class Table:
    """A Markdown table found among a clause's paragraphs: header cells (may be []) and rows."""

    header: list[str]
    rows: list[list[str]]


_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_TABLE_RULE = re.compile(r"^\s*:?-{2,}:?\s*$")


def table_cells(line: str) -> list[str]:
    """The cells of one ``| a | b |`` row, stripped."""
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def with_tables(paragraphs: Iterable[str]) -> list[str | Table]:
    """Paragraphs with each run of two or more ``| … |`` rows made a :class:`Table` (the row
    before a ``|---|---|`` rule is its header); other paragraphs are kept as they are."""
    blocks: list[str | Table] = []
    run: list[str] = []
    for paragraph in [*paragraphs, ""]:
        if _TABLE_ROW.match(paragraph):
            run.append(paragraph)
            continue
        if len(run) >= 2:
            blocks.append(_table(run))
        else:
            blocks.extend(run)
        run = []
        if paragraph:
            blocks.append(paragraph)
    return blocks


def _table(lines: list[str]) -> Table:
    """A Table from its rows; a rule row (|---|) makes the row above it the header."""
    rows = [table_cells(line) for line in lines]
    rule = next((i for i, row in enumerate(rows) if row and all(_TABLE_RULE.match(c) for c in row)), None)
    if rule == 1:
        return Table(header=rows[0], rows=rows[2:])
    return Table(header=[], rows=[row for i, row in enumerate(rows) if i != rule])
