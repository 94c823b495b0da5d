"""Cross-references: what a clause cites, and where that is in the corpus (pure functions).

* :func:`find_citations` — standard numbers (``GB 50016-2014``) and titles in 《…》 or 〈…〉
  inside any text, with the clause they name when they name one (``GB 50016-2014第5.1.2条`` →
  ``5.1.2``; ``《产品质量法》第二十六条第二款`` → ``a26.p2``; ``附录A`` → ``A``).
* :func:`build_lookup` + :func:`resolve` — citation → ``(doc_id, clause_id)``: a number with a
  year finds that edition, without a year the current edition; a title finds the document
  whose title matches with 中华人民共和国 and edition notes stripped (《产品质量法》 →
  中华人民共和国产品质量法), current documents first.
* :func:`internal_links` — references inside one document (符合4.8.3的要求, 见附录B, 第5章,
  E.1～E.8) → spans and the clause ids they point to.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from stdsearch import files
from stdsearch.clauses.numerals import NUMERAL_CHARS, cn_to_int
from stdsearch.numbers import StandardNumber, find_numbers, fold, key_of, parse_number
from stdsearch.records import STATUS_CURRENT, STATUS_UPCOMING, Document

_N = f"[{NUMERAL_CHARS}0-9]+"
_TITLE = re.compile(r"《(?P<a>[^《》\n]{2,80})》|〈(?P<b>[^〈〉\n]{2,80})〉")
_CLAUSE_AFTER = re.compile(
    rf"^\s*(?:中的|中|的)?\s*(?:"
    rf"第\s*(?P<std>[1-9]\d?(?:\.\d+)+|[A-Z](?:\.\d+)+)\s*条"
    rf"|(?<=中)(?P<std2>[1-9]\d?(?:\.\d+)+|[A-Z](?:\.\d+)+)(?![\d.])"
    rf"|第\s*(?P<chapter>[1-9]\d?)\s*章"
    rf"|(?P<appendix>附\s*录\s*[A-Z](?:\.\d+)*)"
    rf"|第(?P<art>{_N})条(?:之(?P<sub>{_N}))?(?:第(?P<para>{_N})款)?(?:第(?P<item>{_N})项)?"
    rf")"
)
_LEADING_PARTICLE = re.compile(r"^\s*(?:中的|中|的)?\s*")
_NUMBER_AFTER_TITLE = re.compile(r"^\s*[（(]?\s*$")
_NATION = "中华人民共和国"
#: A code published in parts: "中华人民共和国民法典 合同编" is cited as 《中华人民共和国民法典》.
_PART = re.compile(r"^(?P<code>.+?)\s+(?:\S+编|总则|附则|分则)$")
_EDITION = re.compile(r"[（(][^（）()]*(?:修正|修订|年版|版|试行|草案|征求意见稿)[^（）()]*[）)]$")

_INTERNAL = re.compile(
    r"(?<![A-Za-z0-9.])(?P<num>[1-9]\d?(?:\.\d{1,3})+|[A-Z](?:\.\d{1,3})+)(?![A-Za-z0-9]|\.\d)"
    r"|(?P<appendix>附\s*录\s*(?P<letter>[A-Z]))(?![A-Za-z])"
    r"|第\s*(?P<chapter>[1-9]\d?)\s*章"
)
#: A character every internal reference has, in either width (a text without one has none).
_MAY_LINK = re.compile(r"[0-9A-Z０-９Ａ-Ｚ录章]")
_NOT_A_CLAUSE_BEFORE = re.compile(r"[表图式公]\s*$")
_UNIT_AFTER = re.compile(
    r"^\s*(?:km|m|cm|mm|s|ms|min|h|kg|g|Hz|V|A|W|N|Pa|MPa|dB|%|℃|°)(?![A-Za-z])"
)
_FOREIGN_GAP = re.compile(r"^\s*(?:中的|中|的|第)?\s*$")


@dataclass(frozen=True)
class Citation:
    """One citation in a text: ``text[start:end]`` names a standard number or a title.

    ``kind`` is ``"number"`` when a standard number is cited (``target_number``, canonical;
    ``target_title`` too when the number follows a 《title》), else ``"title"``.
    ``clause_label`` is the clause as printed (第二十六条, 5.1.2, 附录A) and ``clause_id`` its id
    in the cited document (a26, 5.1.2, A), or both ''.
    """

    start: int
    end: int
    kind: str
    target_number: str = ""
    target_title: str = ""
    clause_label: str = ""
    clause_id: str = ""


def find_citations(text: str) -> list[Citation]:
    """Every citation of a standard number or a 《title》 in ``text``, in order."""
    found = find_numbers(text)
    titles = list(_title_citations(text, found))
    taken = [(c.start, c.end) for c in titles]
    numbers = [
        _with_clause(text, Citation(start, end, "number", target_number=n.canonical))
        for start, end, n in found
        if not any(s <= start < e for s, e in taken)
    ]
    return sorted(titles + numbers, key=lambda c: c.start)


def _title_citations(
    text: str, numbers: list[tuple[int, int, StandardNumber]]
) -> Iterable[Citation]:
    """Citations of 《titles》, merged with a number right after them (《…》GB 50016-2014)."""
    for match in _TITLE.finditer(text):
        title = (match.group("a") or match.group("b")).strip()
        inside = parse_number(title) or _leading_number(title)
        after = next((n for n in numbers if n[0] >= match.end()), None)
        citation = Citation(match.start(), match.end(), "title", target_title=title)
        if inside is not None:
            citation = Citation(match.start(), match.end(), "number", inside.canonical, title)
        elif after and _NUMBER_AFTER_TITLE.match(text[match.end() : after[0]]):
            end = after[1] + (1 if text[after[1] : after[1] + 1] in "）)" else 0)
            citation = Citation(match.start(), end, "number", after[2].canonical, title)
        yield _with_clause(text, citation)


def _leading_number(title: str) -> StandardNumber | None:
    """A standard number that opens a title (《GB/T 1.1—2020 标准化工作导则》)."""
    found = find_numbers(title)
    return found[0][2] if found and found[0][0] == 0 else None


def _with_clause(text: str, citation: Citation) -> Citation:
    """The citation extended over the clause it names right after it, if any."""
    match = _CLAUSE_AFTER.match(text[citation.end :])
    if not match:
        return citation
    clause_id = clause_id_of(match)
    if not clause_id:
        return citation
    label = _LEADING_PARTICLE.sub("", match.group(0)).strip()
    return Citation(
        citation.start,
        citation.end + match.end(),
        citation.kind,
        citation.target_number,
        citation.target_title,
        clause_label=label,
        clause_id=clause_id,
    )


def clause_id_of(match: re.Match[str]) -> str:
    """The clause id a matched clause reference names (5.1.2, 5, A, a26, a10-1.p2.i3)."""
    if match.group("std") or match.group("std2"):
        return match.group("std") or match.group("std2")
    if match.group("chapter"):
        return match.group("chapter")
    if match.group("appendix"):
        return re.sub(r"附\s*录\s*", "", match.group("appendix"))
    try:
        article = f"a{cn_to_int(match.group('art'))}"
        if match.group("sub"):
            article += f"-{cn_to_int(match.group('sub'))}"
        if match.group("para"):
            article += f".p{cn_to_int(match.group('para'))}"
        if match.group("item"):
            article += f".i{cn_to_int(match.group('item'))}"
    except ValueError:
        return ""
    return article


# --- resolving against the corpus -------------------------------------------------------


def title_key(title: str) -> str:
    """A title as compared: folded, no spaces or brackets, no 中华人民共和国, no edition note."""
    folded = unicodedata.normalize("NFKC", title).strip().strip("《》〈〉<>")
    folded = _EDITION.sub("", folded)
    folded = re.sub(r"\s+", "", folded)
    return folded.removeprefix(_NATION)


@functools.cache
def short_names() -> dict[str, str]:
    """data/law_short_names.tsv: a law's common short name → its title, both as :func:`title_key`
    compares them (消法 → 消费者权益保护法)."""
    rows = files.data_rows("law_short_names.tsv")
    return {title_key(row[0]): title_key(row[1]) for row in rows if len(row) > 1 and row[1].strip()}


class Citable(NamedTuple):
    """What :func:`build_lookup` files a document by: its metadata (as a manifest entry keeps
    it), without its text."""

    doc_id: str
    title: str
    number: str
    status: str
    publish_date: str
    effective_date: str

    @classmethod
    def of_entry(cls, doc_id: str, entry: dict[str, Any]) -> Citable:
        """The metadata of a manifest entry."""
        return cls(
            doc_id, entry.get("title", ""), entry.get("number", ""), entry.get("status", ""),
            entry.get("publish_date", ""), entry.get("effective_date", ""),
        )


def build_lookup(
    documents: Iterable[Document | Citable],
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """``(titles, numbers)`` tables for :func:`resolve`: current first, then newest first.

    ``titles`` maps :func:`title_key` → doc_ids; ``numbers`` maps a number key (with year →
    that edition; without year → every edition) → doc_ids.
    """
    by_date = sorted(documents, key=lambda d: d.effective_date or d.publish_date, reverse=True)
    ranked = sorted(by_date, key=_status_rank)
    titles: dict[str, list[str]] = {}
    numbers: dict[str, list[str]] = {}
    for document in ranked:
        titles.setdefault(title_key(document.title), []).append(document.doc_id)
        part = _PART.match(document.title.strip())
        if part:
            titles.setdefault(title_key(part["code"]), []).append(document.doc_id)
        number = parse_number(document.number) if document.number else None
        if number is not None:
            for key in {key_of(number), key_of(StandardNumber(number.prefix, number.body))}:
                numbers.setdefault(key, []).append(document.doc_id)
    return titles, numbers


def _status_rank(document: Document | Citable) -> int:
    """Current documents first, then upcoming ones, then the rest."""
    return {STATUS_CURRENT: 0, STATUS_UPCOMING: 1}.get(document.status, 2)


def resolve(
    citation: Citation,
    titles: dict[str, list[str]],
    numbers: dict[str, list[str]],
    has_clause: Callable[[str, str], bool] | None = None,
) -> tuple[str, str] | None:
    """``(doc_id, clause_id)`` of the cited document in the corpus, or None when absent.

    When several documents answer (the parts of a code) and a clause is named, ``has_clause``
    (doc_id, clause_id) picks the first that holds it.
    """
    candidates: list[str] = []
    if citation.target_number:
        number = parse_number(citation.target_number)
        candidates = numbers.get(key_of(number), []) if number else []
    if not candidates and citation.target_title:
        candidates = titles.get(title_key(citation.target_title), [])
    if has_clause and citation.clause_id and len(candidates) > 1:
        holding = [doc_id for doc_id in candidates if has_clause(doc_id, citation.clause_id)]
        candidates = holding or candidates
    return (candidates[0], citation.clause_id) if candidates else None


# --- references inside one document -----------------------------------------------------


def internal_links(clause_text: str, clause_ids: Collection[str]) -> list[tuple[int, int, str]]:
    """Spans of references to clauses of the same document (4.8.3, 附录B, 第5章, E.1～E.8).

    Only ids in ``clause_ids`` are linked; numbers inside a cited standard number, clause
    numbers of another standard (GB/T 28046.2—2019中4.3.1.1.2), table and figure numbers
    (表A.1, 图2) and quantities (5.4 m) are not.
    """
    if not _MAY_LINK.search(clause_text):
        return []
    folded = fold(clause_text)
    cited: list[tuple[int, int, object]] | None = None  # the standard numbers, found once something may link
    links = []
    for match in _INTERNAL.finditer(folded):
        target = match.group("num") or match.group("letter") or match.group("chapter")
        if target not in clause_ids:
            continue
        if cited is None:
            cited = find_numbers(folded)
        if not _is_foreign(folded, match, cited):
            links.append((match.start(), match.end(), target))
    return links


def _is_foreign(text: str, match: re.Match[str], cited: list[tuple[int, int, object]]) -> bool:
    """True when a matched number is not a reference to this document's clause."""
    start = match.start()
    if any(s <= start < e for s, e, _ in cited):
        return True
    if any(e <= start and _FOREIGN_GAP.match(text[e:start]) for s, e, _ in cited):
        return True
    if match.group("num") and _NOT_A_CLAUSE_BEFORE.search(text[max(0, start - 2) : start]):
        return True
    return bool(match.group("num")) and bool(_UNIT_AFTER.match(text[match.end() :]))
