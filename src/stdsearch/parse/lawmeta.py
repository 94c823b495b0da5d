"""Metadata of the LawRefBook Markdown laws, from the SQLite databases beside them.

``laws/db.sqlite3`` (national folders) and ``laws/DLC/<province>/db.sqlite3`` have a
``category`` table (``folder`` relative to the database's directory) and a ``law`` table
(``level``, ``name``, ``filename``, ``publish``, ``valid_from``, ``expired``, ``subtitle``).
A Markdown file ``<folder>/<name>(<publish>).md`` is matched on (folder, name, publish), then
on (folder, name) when the file has no date, then on (folder, filename or subtitle).
Each database is read once per process. No clock: "即将实施" is for the query side to compute
from ``effective_date``.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from stdsearch.records import STATUS_CURRENT, STATUS_REPEALED, STATUS_UNKNOWN

DB_NAME = "db.sqlite3"
_DATED_NAME = re.compile(r"^(?P<name>.+?)\((?P<date>\d{4}-\d{2}-\d{2})\)$")

#: Level of a file that is not in a database, by the first folder under laws/.
FOLDER_LEVELS: dict[str, str] = {
    "宪法": "宪法",
    "宪法相关法": "法律",
    "民法典": "法律",
    "民法商法": "法律",
    "行政法": "法律",
    "经济法": "法律",
    "社会法": "法律",
    "刑法": "法律",
    "诉讼与非诉讼程序法": "法律",
    "行政法规": "行政法规",
    "司法解释": "司法解释",
    "部门规章": "部门规章",
    "案例": "案例",
    "其他": "其他",
    "地方性法规": "地方性法规",
}


@dataclass(frozen=True)
class LawMeta:
    """What the metadata says about one law file (empty strings when unknown)."""

    level: str = ""
    status: str = STATUS_UNKNOWN
    publish_date: str = ""
    effective_date: str = ""
    region: str = ""
    matched: bool = False


@dataclass(frozen=True)
class _Row:
    """One row of the law table joined with its category name."""

    level: str
    name: str
    filename: str
    subtitle: str
    publish: str
    valid_from: str
    expired: bool
    category_name: str


def split_dated_name(stem: str) -> tuple[str, str]:
    """``产品质量法(2018-12-29)`` → (``产品质量法``, ``2018-12-29``); no date → (stem, '')."""
    match = _DATED_NAME.match(stem)
    return (match.group("name"), match.group("date")) if match else (stem, "")


def find_database(path: Path) -> Path | None:
    """The nearest ``db.sqlite3`` in the folders above ``path`` (None if there is none)."""
    for folder in path.resolve().parents:
        candidate = folder / DB_NAME
        if candidate.is_file():
            return candidate
    return None


def lookup(path: Path) -> LawMeta:
    """The metadata of a Markdown law file, or a LawMeta with only the folder's level."""
    database = find_database(path)
    if database is None:
        return LawMeta()
    folder = path.resolve().parent.relative_to(database.parent).as_posix()
    name, date = split_dated_name(path.stem)
    row = _match(_load(database), folder, name, date)
    if row is None:
        return LawMeta(level=_folder_level(folder), region=_folder_region(folder))
    return _to_meta(row, folder)


def _match(rows: dict[str, list[_Row]], folder: str, name: str, date: str) -> _Row | None:
    """The row of this file in its category folder, or None."""
    candidates = rows.get(folder, [])
    exact = [r for r in candidates if r.name == name and r.publish == date]
    if exact:
        return exact[0]
    if not date:
        undated = [r for r in candidates if r.name == name]
        if len(undated) == 1:
            return undated[0]
    by_file = [
        r for r in candidates if name in (r.filename, r.subtitle) and r.publish in ("", date)
    ]
    return by_file[0] if by_file else None


def _to_meta(row: _Row, folder: str) -> LawMeta:
    """LawMeta from a database row."""
    region = row.category_name if row.level == "地方性法规" else _folder_region(folder)
    return LawMeta(
        level=row.level,
        status=STATUS_REPEALED if row.expired else STATUS_CURRENT,
        publish_date=row.publish,
        effective_date=row.valid_from,
        region=region,
        matched=True,
    )


def _folder_level(folder: str) -> str:
    """The level implied by the category folder ('' when the folder is unknown)."""
    return FOLDER_LEVELS.get(folder.split("/")[0], "")


def _folder_region(folder: str) -> str:
    """The region of a local-regulation folder (``地方性法规/上海`` → 上海), else ''."""
    parts = folder.split("/")
    return parts[1] if parts[0] == "地方性法规" and len(parts) > 1 else ""


@lru_cache(maxsize=32)
def _load(database: Path) -> dict[str, list[_Row]]:
    """All law rows of one database, grouped by category folder (read once per process)."""
    query = (
        "SELECT l.level, l.name, l.filename, l.subtitle, l.publish, l.valid_from, l.expired, "
        "c.name, c.folder FROM law l JOIN category c ON c.id = l.category_id"
    )
    grouped: dict[str, list[_Row]] = {}
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        for *values, folder in connection.execute(query):
            level, name, filename, subtitle, publish, valid_from, expired, category = values
            row = _Row(
                level or "",
                name or "",
                filename or "",
                subtitle or "",
                publish or "",
                valid_from or "",
                bool(expired),
                category or "",
            )
            grouped.setdefault(folder, []).append(row)
    finally:
        connection.close()
    return grouped
