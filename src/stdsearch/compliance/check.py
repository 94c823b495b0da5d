"""Batch status check: standard numbers (a register, a contract, any text) → status and the
current edition.

:func:`extract` pulls the numbers out of a text: one per line, or cited anywhere in running
text or CSV cells. A :class:`Register` (built once per corpus manifest) resolves each one:
a number with a year names that edition; without a year it names the standard, whose
applicable edition is the current one. From the edition found, the chain of ``replaced_by``
links (and, when a replaced edition names no successor, the newest current edition of the
same number) leads to the current edition. :func:`check` returns one :class:`CheckRow` per
distinct number; :func:`all_current` decides the exit code of ``stdsearch check``.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import PurePath
from typing import Any

from stdsearch.numbers import StandardNumber, find_numbers, parse_number
from stdsearch.parse import parse_bytes
from stdsearch.parse.encoding import decode
from stdsearch.records import STATUS_CURRENT, STATUS_REPEALED, STATUS_REPLACED, STATUS_UPCOMING
from stdsearch.store import Store

#: Verdicts of a checked number, in the order a report lists them.
VERDICT_CURRENT = "current"
VERDICT_UPCOMING = "upcoming"
VERDICT_REPLACED = "replaced"
VERDICT_WITHDRAWN = "withdrawn"
VERDICT_UNKNOWN = "status unknown"
VERDICT_NOT_FOUND = "not found"
VERDICT_NOT_A_NUMBER = "not a number"
VERDICTS = (
    VERDICT_CURRENT, VERDICT_UPCOMING, VERDICT_REPLACED, VERDICT_WITHDRAWN,
    VERDICT_UNKNOWN, VERDICT_NOT_FOUND, VERDICT_NOT_A_NUMBER,
)
#: Verdict labels shown to people (web page, table).
VERDICT_LABELS = {
    VERDICT_CURRENT: "现行有效",
    VERDICT_UPCOMING: "即将实施",
    VERDICT_REPLACED: "已被代替",
    VERDICT_WITHDRAWN: "已废止",
    VERDICT_UNKNOWN: "状态不明",
    VERDICT_NOT_FOUND: "库中未收录",
    VERDICT_NOT_A_NUMBER: "不是标准号",
}
_STATUS_VERDICTS = {
    STATUS_CURRENT: VERDICT_CURRENT,
    STATUS_UPCOMING: VERDICT_UPCOMING,
    STATUS_REPLACED: VERDICT_REPLACED,
    STATUS_REPEALED: VERDICT_WITHDRAWN,
}
#: Statuses of an edition one may still apply (the end of a replacement chain).
IN_FORCE = (STATUS_CURRENT, STATUS_UPCOMING)
#: Columns of the CSV and of the table, in order (the keys of :meth:`CheckRow.to_dict`).
CSV_COLUMNS = (
    "line", "as_written", "normalised", "found", "doc_id", "title", "status", "effective_date",
    "abolish_date", "verdict", "current_edition", "chain", "note",
)
#: Longest replacement chain followed (guards against cycles in bad catalogues).
MAX_CHAIN = 20
#: A line of a register that is short enough to be meant as a number (reported when it is none).
_LIST_LINE = re.compile(r"^[\sA-Za-z0-9/.\-—–:~＿_()（）]{2,40}$")


@dataclass(frozen=True)
class Wanted:
    """A number as it appears in the input: its line, the text as written, the parsed number."""

    line: int
    as_written: str
    number: StandardNumber | None


@dataclass
class ChainLink:
    """One edition on the way to the current one."""

    number: str
    doc_id: str = ""
    status: str = ""


@dataclass
class CheckRow:
    """The answer for one number of the input."""

    line: int
    as_written: str
    normalised: str = ""
    found: bool = False
    doc_id: str = ""
    title: str = ""
    status: str = ""
    effective_date: str = ""
    abolish_date: str = ""
    verdict: str = VERDICT_NOT_FOUND
    current_edition: str = ""
    current_doc_id: str = ""
    chain: list[ChainLink] = field(default_factory=list)
    note: str = ""

    @property
    def ok(self) -> bool:
        """True when the number names an edition in force today."""
        return self.verdict == VERDICT_CURRENT

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the API and ``--json``)."""
        return {**asdict(self), "ok": self.ok, "url": f"/doc/{self.doc_id}" if self.doc_id else ""}

    def csv_cells(self) -> list[str]:
        """The row's cells under :data:`CSV_COLUMNS` (the chain written ``A → B``)."""
        values = self.to_dict()
        values["chain"] = " → ".join(link.number for link in self.chain)
        values["found"] = "yes" if self.found else "no"
        return [str(values[name]) for name in CSV_COLUMNS]


# --- reading the input ------------------------------------------------------------------


def extract(text: str) -> list[Wanted]:
    """The numbers of a text, in order, each once: cited anywhere on a line, or (a short line
    of a register that holds none) reported as not a number."""
    wanted: list[Wanted] = []
    seen: set[str] = set()
    for line_no, line in enumerate(text.splitlines(), 1):
        found = find_numbers(line)
        if not found and _LIST_LINE.match(line) and any(c.isdigit() for c in line):
            wanted.append(Wanted(line_no, line.strip(), None))
        for start, end, number in found:
            if number.canonical not in seen:
                seen.add(number.canonical)
                wanted.append(Wanted(line_no, line[start:end].strip(), number))
    return wanted


#: Inputs read as plain text (numbers pulled out of lines or cells); other files are parsed.
PLAIN_SUFFIXES = (".txt", ".csv", ".tsv", ".md", ".list", "")


def input_text(data: bytes, name: str) -> str:
    """The text of an input file: plain text and CSV as decoded bytes (UTF-8, GB18030 …);
    a contract or specification (.docx, .pdf, .html) as its parsed body."""
    if PurePath(name).suffix.lower() in PLAIN_SUFFIXES:
        return decode(data)[0]
    documents = parse_bytes(data, name)
    return "\n".join(f"{d.number}\n{d.title}\n{d.text}" for d in documents)


def from_list(numbers: Iterable[str]) -> list[Wanted]:
    """Numbers given one per item (the JSON API's ``numbers``), each parsed as a whole."""
    wanted = []
    for index, raw in enumerate(numbers, 1):
        text = str(raw).strip()
        number = parse_number(text)
        if number is None:
            found = find_numbers(text)
            number = found[0][2] if found else None
        wanted.append(Wanted(index, text, number))
    return wanted


# --- the corpus side --------------------------------------------------------------------


def _year(number: StandardNumber) -> str:
    return number.year or "0000"


class Register:
    """Every standard number of a corpus, by edition and by standard (built from the manifest)."""

    def __init__(self, manifest: Mapping[str, Mapping[str, Any]]):
        self.entries = manifest
        self.by_edition: dict[str, str] = {}
        self.by_standard: dict[str, list[tuple[StandardNumber, str]]] = {}
        for doc_id, entry in manifest.items():
            number = _parsed_number(entry.get("number") or "")
            if number is None:
                continue
            self.by_edition.setdefault(number.canonical, doc_id)
            self.by_standard.setdefault(number.without_year, []).append((number, doc_id))
        for editions in self.by_standard.values():
            editions.sort(key=lambda pair: _year(pair[0]), reverse=True)

    def edition(self, number: StandardNumber) -> str:
        """The doc_id of exactly this edition ("" when absent)."""
        return self.by_edition.get(number.canonical, "")

    def editions(self, number: StandardNumber) -> list[tuple[StandardNumber, str]]:
        """Every stored edition of the standard, newest first."""
        return self.by_standard.get(number.without_year, [])

    def status(self, doc_id: str) -> str:
        """The stored status of a document."""
        return self.entries.get(doc_id, {}).get("status", "")

    def resolve(self, number: StandardNumber) -> str:
        """The document a number names: that edition, or (no year) the edition in force."""
        if number.year:
            return self.edition(number)
        editions = self.editions(number)
        in_force = [doc_id for _, doc_id in editions if self.status(doc_id) in IN_FORCE]
        return (in_force or [doc_id for _, doc_id in editions] or [""])[0]

    def resolve_ref(self, ref: str) -> tuple[str, str]:
        """(number as printed, doc_id or "") of a ``replaced_by`` reference (number or id)."""
        if ref in self.entries:
            return self.entries[ref].get("number") or ref, ref
        number = parse_number(ref)
        if number is None:
            return ref, ""
        return number.canonical, self.edition(number) or (self.resolve(number) if not number.year else "")

    def successor(self, doc_id: str) -> tuple[str, str] | None:
        """The next edition after a replaced or withdrawn one: its first resolvable
        ``replaced_by``, else the newest edition in force of the same number, if newer."""
        written = self.entries.get(doc_id, {}).get("replaced_by") or []
        refs = [self.resolve_ref(ref) for ref in written if ref in self.entries or parse_number(ref)]
        resolved = [ref for ref in refs if ref[1]]
        if resolved or refs:
            return (resolved or refs)[0]
        number = _parsed_number(self.entries.get(doc_id, {}).get("number") or "")
        if number is None:
            return None
        for edition, other in self.editions(number):
            if _year(edition) > _year(number) and self.status(other) in IN_FORCE:
                return edition.canonical, other
        return None

    def chain(self, doc_id: str) -> list[ChainLink]:
        """The editions from ``doc_id`` to the current one (the first link is ``doc_id``)."""
        links = [ChainLink(self.entries[doc_id].get("number", ""), doc_id, self.status(doc_id))]
        while len(links) < MAX_CHAIN and links[-1].doc_id and links[-1].status not in IN_FORCE:
            step = self.successor(links[-1].doc_id)
            if step is None or any(link.number == step[0] for link in links):
                break
            links.append(ChainLink(step[0], step[1], self.status(step[1]) if step[1] else ""))
        return links


@functools.lru_cache(maxsize=200_000)
def _parsed_number(text: str) -> StandardNumber | None:
    """parse_number of a stored number (cached: the same numbers are parsed for every check)."""
    return parse_number(text)


_REGISTERS: dict[str, tuple[int, Register]] = {}


def load_register(store: Store) -> Register:
    """The register of a store's corpus, rebuilt only when its manifest file changes."""
    key = str(store.manifest_path)
    try:
        stamp = store.manifest_path.stat().st_mtime_ns
    except OSError:
        stamp = 0
    cached = _REGISTERS.get(key)
    if cached is None or cached[0] != stamp or not stamp:
        cached = _REGISTERS[key] = (stamp, Register(store.manifest()))
    return cached[1]


# --- checking ---------------------------------------------------------------------------


def check(wanted: Iterable[Wanted], register: Register) -> list[CheckRow]:
    """One row per wanted number: found or not, its status, and the way to its current edition."""
    return [check_one(item, register) for item in wanted]


def check_one(item: Wanted, register: Register) -> CheckRow:
    """The row of one number."""
    row = CheckRow(item.line, item.as_written)
    if item.number is None:
        row.verdict, row.note = VERDICT_NOT_A_NUMBER, "no standard number recognised"
        return row
    row.normalised = item.number.canonical
    doc_id = register.resolve(item.number)
    if not doc_id:
        return _not_found(row, item.number, register)
    entry = register.entries[doc_id]
    row.found, row.doc_id = True, doc_id
    row.title, row.status = entry.get("title", ""), entry.get("status", "")
    row.effective_date, row.abolish_date = entry.get("effective_date", ""), entry.get("abolish_date", "")
    row.verdict = _STATUS_VERDICTS.get(row.status, VERDICT_UNKNOWN)
    row.chain = register.chain(doc_id)
    _set_current(row)
    if row.verdict == VERDICT_WITHDRAWN and row.current_edition:
        row.verdict = VERDICT_REPLACED
    if not item.number.year:
        row.note = f"undated reference: the edition in force is {entry.get('number', '')}"
    return row


def _set_current(row: CheckRow) -> None:
    """The current edition is the end of the chain when that edition is in force."""
    last = row.chain[-1] if row.chain else None
    if last is not None and last.status in IN_FORCE:
        row.current_edition, row.current_doc_id = last.number, last.doc_id
    elif len(row.chain) > 1 and not last.doc_id:  # type: ignore[union-attr]
        row.current_edition = last.number  # type: ignore[union-attr]
        row.note = f"replaced by {last.number}, which is not in the corpus"  # type: ignore[union-attr]


def _not_found(row: CheckRow, number: StandardNumber, register: Register) -> CheckRow:
    """A number whose edition is not stored: point at the stored editions of the standard."""
    editions = register.editions(number)
    if editions:
        current = register.resolve(StandardNumber(number.prefix, number.body))
        row.current_edition = register.entries[current].get("number", "")
        row.current_doc_id = current
        stored = ", ".join(edition.canonical for edition, _ in editions)
        row.note = f"this edition is not in the corpus; editions stored: {stored}"
    return row


def all_current(rows: Iterable[CheckRow]) -> bool:
    """True when every row names an edition in force (the exit code 0 of ``stdsearch check``)."""
    return all(row.ok for row in rows)


def summary(rows: list[CheckRow]) -> dict[str, int]:
    """How many rows got each verdict (verdicts with no row left out), and the total."""
    counts = {verdict: sum(row.verdict == verdict for row in rows) for verdict in VERDICTS}
    return {"total": len(rows), **{k: v for k, v in counts.items() if v}}


def report(rows: list[CheckRow]) -> dict[str, Any]:
    """The JSON answer: a summary and the rows."""
    return {"all_current": all_current(rows), "summary": summary(rows), "rows": [r.to_dict() for r in rows]}


def to_csv(rows: Iterable[CheckRow]) -> str:
    """The rows as CSV with a header (UTF-8 text; spreadsheets want the BOM the caller adds)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(row.csv_cells() for row in rows)
    return buffer.getvalue()
