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
import datetime as dt
import io
import json
import os
import re
import sqlite3
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePath
from typing import Any

from stdsearch import files
from stdsearch.numbers import StandardNumber, find_numbers, parse_number
from stdsearch.records import STATUS_CURRENT, STATUS_REPEALED, STATUS_REPLACED, STATUS_UPCOMING
from stdsearch.references import title_key
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
STATUS_VERDICTS = {
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
        return _decoded(data)
    from stdsearch.parse import parse_bytes  # the parsers (pdf, docx …) load only when needed

    documents = parse_bytes(data, name)
    return "\n".join(f"{d.number}\n{d.title}\n{d.text}" for d in documents)


def _decoded(data: bytes) -> str:
    """Plain text as UTF-8 when it is, else as detected (GB18030 exports of spreadsheets …)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        from stdsearch.parse.encoding import decode

        return decode(data)[0]


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

#: Manifest fields the register keeps for each document.
REGISTER_FIELDS = (
    "number", "title", "kind", "level", "status", "region", "publish_date", "effective_date",
    "abolish_date", "replaces", "replaced_by", "status_source",
)
_REGISTER_SCHEMA = """
CREATE TABLE docs (
    doc_id TEXT PRIMARY KEY, canonical TEXT, standard TEXT, year TEXT, titlekey TEXT NOT NULL,
    dated TEXT NOT NULL, entry TEXT NOT NULL, valid_from TEXT NOT NULL DEFAULT '',
    valid_until TEXT NOT NULL DEFAULT '9999-12-31'
);
CREATE INDEX docs_canonical ON docs (canonical);
CREATE INDEX docs_standard ON docs (standard);
CREATE INDEX docs_title ON docs (titlekey);
CREATE TABLE meta (stamp TEXT NOT NULL);
"""


def _year(number: StandardNumber) -> str:
    return number.year or "0000"


class Register:
    """Every document of a corpus by standard number: by edition (``GB 19272-2011``) and by
    standard (``GB 19272``, all editions). Kept in a derived SQLite file (corpus/register.sqlite3),
    rebuilt when the manifest changes, so that a check reads only the rows it needs."""

    def __init__(self, connection: sqlite3.Connection):
        self.connection = connection
        self._entries: dict[str, dict[str, Any]] = {}

    @classmethod
    def build(cls, manifest: Mapping[str, Mapping[str, Any]], path: Path, stamp: str = "") -> None:
        """Write the register of ``manifest`` to ``path`` (atomically: a new file swapped in)."""
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.close(fd)
        tmp = Path(name)
        connection = sqlite3.connect(tmp)
        try:
            connection.executescript(_REGISTER_SCHEMA)
            register = cls(connection)
            connection.executemany(
                "INSERT INTO docs (doc_id, canonical, standard, year, titlekey, dated, entry) VALUES (?, ?, ?, ?, ?, ?, ?)",
                _register_rows(manifest, register._entries),
            )
            _store_validities(register)
            connection.execute("INSERT INTO meta VALUES (?)", (stamp,))
            connection.commit()
        except BaseException:
            connection.close()
            tmp.unlink(missing_ok=True)
            raise
        connection.close()
        files.give_default_mode(tmp)
        os.replace(tmp, path)

    def entry(self, doc_id: str) -> dict[str, Any]:
        """The stored fields of a document ({} when there is none)."""
        if doc_id not in self._entries:
            row = self.connection.execute("SELECT entry FROM docs WHERE doc_id = ?", (doc_id,)).fetchone()
            self._entries[doc_id] = json.loads(row[0]) if row else {}
        return self._entries[doc_id]

    def read_entries(self, doc_ids: Iterable[str]) -> None:
        """Read the entries of these documents in one query each few hundred (not one each),
        for the :meth:`entry` calls that follow."""
        wanted = [doc_id for doc_id in dict.fromkeys(doc_ids) if doc_id not in self._entries]
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            found = dict(self.connection.execute(f"SELECT doc_id, entry FROM docs WHERE doc_id IN ({marks})", chunk))
            self._entries.update({doc_id: json.loads(found[doc_id]) if doc_id in found else {} for doc_id in chunk})

    def count(self) -> int:
        """How many documents the register holds."""
        return self.connection.execute("SELECT COUNT(*) FROM docs").fetchone()[0]

    def edition(self, number: StandardNumber) -> str:
        """The doc_id of exactly this edition ("" when absent)."""
        row = self.connection.execute(
            "SELECT doc_id FROM docs WHERE canonical = ? ORDER BY doc_id LIMIT 1", (number.canonical,)
        ).fetchone()
        return row[0] if row else ""

    def editions(self, number: StandardNumber) -> list[tuple[StandardNumber, str]]:
        """Every stored edition of the standard, newest first."""
        rows = self.connection.execute(
            "SELECT year, doc_id FROM docs WHERE standard = ? ORDER BY year DESC, doc_id", (number.without_year,)
        ).fetchall()
        return [(StandardNumber(number.prefix, number.body, year), doc_id) for year, doc_id in rows]

    def status(self, doc_id: str) -> str:
        """The status of a document today: the one its dates and versions imply (see
        :func:`stdsearch.compliance.asof.settled_status`)."""
        return self.entry(doc_id).get("status", "")

    def status_source(self, doc_id: str) -> str:
        """The status its source gave, when that differs from :meth:`status` ("" otherwise,
        or when the source gave none)."""
        return self.entry(doc_id).get("status_source", "")

    def resolve(self, number: StandardNumber) -> str:
        """The document a number names: that edition, or (no year) the edition in force."""
        if number.year:
            return self.edition(number)
        editions = [doc_id for _, doc_id in self.editions(number)]
        for wanted in IN_FORCE:  # current before upcoming: an undated reference means today's
            found = [doc_id for doc_id in editions if self.status(doc_id) == wanted]
            if found:
                return found[0]
        return (editions or [""])[0]

    def resolve_ref(self, ref: str) -> tuple[str, str]:
        """(number as printed, doc_id or "") of a ``replaced_by`` reference (number or id)."""
        if self.entry(ref):
            return self.entry(ref).get("number") or ref, ref
        number = parse_number(ref)
        if number is None:
            return ref, ""
        return number.canonical, self.edition(number) or (self.resolve(number) if not number.year else "")

    def successor(self, doc_id: str) -> tuple[str, str] | None:
        """The next edition after a replaced or withdrawn one: its first resolvable
        ``replaced_by``, else the next newer edition of the same number."""
        written = self.entry(doc_id).get("replaced_by") or []
        refs = [self.resolve_ref(ref) for ref in written if self.entry(ref) or parse_number(ref)]
        resolved = [ref for ref in refs if ref[1]]
        if resolved or refs:
            return (resolved or refs)[0]
        number = parse_number(self.entry(doc_id).get("number") or "")
        if number is None:
            newer = self.newer_versions(doc_id)
            return (self.entry(newer[0]).get("title", ""), newer[0]) if newer else None
        for edition, other in reversed(self.editions(number)):
            if _year(edition) > _year(number):
                return edition.canonical, other
        return None

    def versions(self, doc_id: str) -> list[str]:
        """Every stored version of a text without a standard number (a law and its amended
        versions share a title), oldest first; [doc_id] when it has no other version."""
        entry = self.entry(doc_id)
        if entry.get("kind") != "law" or parse_number(entry.get("number") or ""):
            return [doc_id]
        rows = self.connection.execute(
            "SELECT doc_id FROM docs WHERE titlekey = ? AND canonical IS NULL ORDER BY dated, doc_id",
            (title_key(entry.get("title") or ""),),
        ).fetchall()
        return [row[0] for row in rows if self.entry(row[0]).get("kind") == "law"] or [doc_id]

    def newer_versions(self, doc_id: str) -> list[str]:
        """The versions dated after this one, the one in force first, then newest first."""
        mine = version_date(self.entry(doc_id))
        later = [v for v in self.versions(doc_id) if mine and version_date(self.entry(v)) > mine]
        later.reverse()
        return sorted(later, key=lambda v: self.status(v) not in IN_FORCE)

    def in_force_on(self, day: str) -> frozenset[str]:
        """The ids of the documents in force on ``day`` (ISO date)."""
        rows = self.connection.execute("SELECT doc_id FROM docs WHERE valid_from <= ? AND ? < valid_until", (day, day))
        return frozenset(row[0] for row in rows)

    def by_title(self, title: str) -> list[str]:
        """Documents of this title (compared as :func:`stdsearch.references.title_key`), the ones
        in force first, then newest first."""
        rows = self.connection.execute(
            "SELECT doc_id FROM docs WHERE titlekey = ? ORDER BY dated DESC, doc_id", (title_key(title),)
        ).fetchall()
        found = [row[0] for row in rows]
        return sorted(found, key=lambda d: self.status(d) not in IN_FORCE)

    def chain(self, doc_id: str) -> list[ChainLink]:
        """The editions from ``doc_id`` to the current one (the first link is ``doc_id``)."""
        links = [ChainLink(self.entry(doc_id).get("number", ""), doc_id, self.status(doc_id))]
        while len(links) < MAX_CHAIN and links[-1].doc_id and links[-1].status not in IN_FORCE:
            step = self.successor(links[-1].doc_id)
            if step is None or any(link.number == step[0] for link in links):
                break
            links.append(ChainLink(step[0], step[1], self.status(step[1]) if step[1] else ""))
        return links


def _store_validities(register: Register) -> None:
    """Fill in each document's validity interval and the status its dates and versions imply
    (see :mod:`stdsearch.compliance.asof`), keeping the source's own word under
    ``status_source`` where the two differ."""
    from stdsearch.compliance import asof

    today = dt.date.today().isoformat()
    found = list(asof.validities(register, today))
    rows = [(v.start, v.end, v.doc_id) for v in found]
    register.connection.executemany("UPDATE docs SET valid_from = ?, valid_until = ? WHERE doc_id = ?", rows)
    for validity in found:
        entry = register.entry(validity.doc_id)
        settled = asof.settled_status(entry, validity.status, today)
        if settled != (entry.get("status") or ""):
            entry = {**entry, "status": settled, "status_source": entry.get("status_source") or entry.get("status") or ""}
            register.connection.execute(
                "UPDATE docs SET entry = ? WHERE doc_id = ?", (json.dumps(entry, ensure_ascii=False), validity.doc_id)
            )


def _register_rows(
    manifest: Mapping[str, Mapping[str, Any]], entries: dict[str, dict[str, Any]]
) -> Iterator[tuple[str | None, ...]]:
    """(doc_id, canonical, standard, year, title key, date, entry JSON) of every document; each
    entry is also kept in ``entries`` (the building register reads them back from memory)."""
    for doc_id, entry in manifest.items():
        number = parse_number(entry.get("number") or "")
        entries[doc_id] = {name: entry.get(name, "") for name in REGISTER_FIELDS}
        kept = json.dumps(entries[doc_id], ensure_ascii=False)
        key, dated = title_key(entry.get("title") or ""), version_date(entry)
        if number is None:
            yield doc_id, None, None, None, key, dated, kept
        else:
            yield doc_id, number.canonical, number.without_year, _year(number), key, dated, kept


def version_date(entry: Mapping[str, Any]) -> str:
    """The date that orders versions of a text: effective, else published ("" when neither)."""
    return entry.get("effective_date") or entry.get("publish_date") or ""


def register_path(store: Store) -> Path:
    """corpus/register.sqlite3 (derived from the manifest)."""
    return store.home.corpus / "register.sqlite3"


#: Bump when the register's tables or derivations change, so existing registers are rebuilt.
REGISTER_VERSION = 3


def manifest_stamp(store: Store) -> str:
    """What identifies one state of the manifest (:meth:`Store.version`), the register's layout
    and the day (the statuses dates imply change at midnight)."""
    version = store.version()
    return f"{REGISTER_VERSION}:{version}:{dt.date.today().isoformat()}" if version else ""


def load_register(store: Store) -> Register:
    """The register of a store's corpus, (re)built first when the manifest changed since."""
    return Register(sqlite3.connect(store.derived(f"compliance.register:{dt.date.today().isoformat()}", _register_file), check_same_thread=False))


def _register_file(store: Store) -> Path:
    """corpus/register.sqlite3, built first unless the file was built from this manifest."""
    path, stamp = register_path(store), manifest_stamp(store)
    if _stored_stamp(path) != stamp or not stamp:
        with _BUILDING:  # one build at a time per process (server threads ask together)
            if _stored_stamp(path) != stamp or not stamp:
                store.home.corpus.mkdir(parents=True, exist_ok=True)
                Register.build(store.manifest(), path, stamp)
    return path


_BUILDING = threading.Lock()


def _stored_stamp(path: Path) -> str | None:
    """The manifest stamp a register file was built from (None when unreadable)."""
    if not path.exists():
        return None
    try:
        connection = sqlite3.connect(path)
        try:
            row = connection.execute("SELECT stamp FROM meta").fetchone()
        finally:
            connection.close()
    except sqlite3.DatabaseError:
        return None
    return row[0] if row else None


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
    entry = register.entry(doc_id)
    row.found, row.doc_id = True, doc_id
    row.title, row.status = entry.get("title", ""), entry.get("status", "")
    row.effective_date, row.abolish_date = entry.get("effective_date", ""), entry.get("abolish_date", "")
    row.verdict = STATUS_VERDICTS.get(row.status, VERDICT_UNKNOWN)
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
        stored = ", ".join(edition.canonical for edition, _ in editions)
        row.note = f"this edition is not in the corpus; editions stored: {stored}"
        if register.status(current) in IN_FORCE:
            row.current_edition = register.entry(current).get("number", "")
            row.current_doc_id = current
        newer = parse_number(row.current_edition)
        if newer is not None and newer.year > number.year:
            _newer_edition_note(row, register.entry(current))
    return row


def _newer_edition_note(row: CheckRow, newer: Mapping[str, Any]) -> None:
    """A cited edition absent from the corpus, older than a stored one in force: replaced
    (when that one is current) or about to be (when it is upcoming)."""
    if newer.get("status") == STATUS_CURRENT:
        row.verdict = VERDICT_REPLACED
        row.note = f"this edition is not in the corpus; a newer edition, {row.current_edition}, is in force"
    else:
        date = newer.get("effective_date") or "a date to come"
        row.note = f"this edition is not in the corpus; a newer edition, {row.current_edition}, takes effect on {date}"


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
