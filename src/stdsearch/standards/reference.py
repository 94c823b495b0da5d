"""Reference data that labels standards but is not a standard: the ICS code list and the
standard-number prefix table (prefix → industry and authority; province codes).

``stdsearch ingest`` recognises these files by their content, keeps a copy of what they say
under ``corpus/reference/`` of the home (``ics.json``, ``prefixes.json``) and reports them as
skipped, not as documents. They are read first in a batch, so that the catalogues of the same
batch get their industries; facet labels (ICS names) are looked up when a page is shown.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stdsearch import files
from stdsearch.errors import NotADocument
from stdsearch.numbers import StandardNumber
from stdsearch.settings import Home

ICS = "ics"
PREFIXES = "prefixes"
#: The facet fields holding ICS codes (field, group, subgroup).
ICS_FACETS = ("ics_field", "ics_group", "ics")
#: Chinese names of the ICS fields and of the CCS first-level classes: (scheme, code) → name.
CLASSIFICATION_NAMES = "classification_zh.tsv"
#: Bytes read to recognise a reference file.
SNIFF_BYTES = 4096


class ReferenceData(NotADocument):
    """Raised by the catalogue parser for a reference file: carries what it says."""

    def __init__(self, kind: str, data: dict[str, Any], description: str):
        super().__init__(f"reference data ({description}): used for labels, not a document")
        self.kind = kind
        self.data = data


def ics_table(records: list[dict[str, Any]]) -> dict[str, str] | None:
    """code → English label when the records are an ICS code list, else None."""
    sample = records[:20]
    if not sample or not all("code" in r and "description" in r and "fieldcode" in r for r in sample):
        return None
    return {str(r["code"]): str(r.get("description") or "") for r in records if r.get("code")}


def prefix_table(value: Any) -> dict[str, Any] | None:
    """The prefix → industry/authority map when ``value`` is a prefix table, else None."""
    if not isinstance(value, dict) or not isinstance(value.get("industry_prefixes"), dict):
        return None
    industries = {
        code: {"industry": entry.get("industry_zh", ""), "authority": entry.get("admin_zh", "")}
        for code, entry in value["industry_prefixes"].items()
        if isinstance(entry, dict)
    }
    national = {
        code: {"industry": "", "authority": "、".join(_as_list(entry.get("admin_zh")))}
        for code, entry in (value.get("national_prefixes") or {}).items()
        if isinstance(entry, dict)
    }
    return {"industries": industries, "national": national, "divisions": value.get("local_admin_division_codes") or {}}


def _as_list(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else ([str(value)] if value else [])


def check(records: list[dict[str, Any]], whole: Any) -> None:
    """Raise :class:`ReferenceData` when a parsed catalogue file is reference data."""
    ics = ics_table(records) if records else None
    if ics is not None:
        raise ReferenceData(ICS, ics, f"ICS code list, {len(ics)} codes")
    prefixes = prefix_table(whole)
    if prefixes is not None:
        raise ReferenceData(PREFIXES, prefixes, f"standard-number prefix table, {len(prefixes['industries'])} industries")


def looks_like_reference(path: Path) -> bool:
    """Cheap sniff of a file's start: an ICS list or a prefix table."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(SNIFF_BYTES).decode("utf-8", "ignore")
    except OSError:
        return False
    return '"industry_prefixes"' in head or ('"fieldcode"' in head and '"description"' in head)


# --- storing and reading in a home ------------------------------------------------------


def folder(home: Home) -> Path:
    """corpus/reference/ of a home."""
    return home.corpus / "reference"


def save(home: Home, error: ReferenceData) -> None:
    """Keep what a reference file says in the home (replacing an earlier copy)."""
    from stdsearch.store import write_atomically

    write_atomically(folder(home) / f"{error.kind}.json", json.dumps(error.data, ensure_ascii=False))
    load.cache_clear()


@dataclass(frozen=True)
class Reference:
    """The reference data of a home (empty tables when none was ingested)."""

    ics: dict[str, str] = field(default_factory=dict)
    industries: dict[str, dict[str, str]] = field(default_factory=dict)

    def ics_label(self, code: str) -> str:
        """The ICS label of a code ('' when unknown): the Chinese name of a field (97 →
        家用和商用设备、文娱、体育), else the ICS list's own (English) description."""
        return CHINESE_NAMES.get(("ics", code)) or self.ics.get(code, "")

    def facet_labels(self, facets: dict[str, dict[str, int]]) -> dict[str, dict[str, str]]:
        """value → label of the coded facet values present in ``facets`` (ICS at every level,
        CCS by its first-level class); values without a label are left out."""
        labelled: dict[str, dict[str, str]] = {}
        for name, counts in facets.items():
            label = self.ics_label if name in ICS_FACETS else ccs_label if name == "ccs" else None
            found = {value: label(value) for value in counts} if label else {}
            if any(found.values()):
                labelled[name] = {value: text for value, text in found.items() if text}
        return labelled

    def industry(self, number: StandardNumber | None) -> str:
        """The industry of an industry standard's prefix (HG/T → 化工), '' otherwise."""
        if number is None:
            return ""
        code = number.prefix.split("/")[0]
        return self.industries.get(code, {}).get("industry", "")

    def authority(self, number: StandardNumber | None) -> str:
        """The (historical) competent authority of a prefix, '' when unknown."""
        if number is None:
            return ""
        code = number.prefix.split("/")[0]
        return self.industries.get(code, {}).get("authority", "")


def read_classification_names() -> dict[tuple[str, str], str]:
    """(scheme, code) → Chinese name, from the package's classification table."""
    return {(scheme, code): name for scheme, code, name in files.data_rows(CLASSIFICATION_NAMES)}


CHINESE_NAMES = read_classification_names()


def ccs_label(code: str) -> str:
    """The first-level class of a CCS code (A00 → 综合类; '' when unknown)."""
    name = CHINESE_NAMES.get(("ccs", code[:1].upper()), "")
    return f"{name}类" if name else ""


@functools.cache
def load(root: Path) -> Reference:
    """The reference data stored under a home's root (cached; cleared by :func:`save`)."""
    base = root / "corpus" / "reference"
    ics = _read(base / f"{ICS}.json")
    prefixes = _read(base / f"{PREFIXES}.json")
    return Reference(ics=ics, industries=prefixes.get("industries", {}))


def of(home: Home) -> Reference:
    """The reference data of a home."""
    return load(home.root)


def _read(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
