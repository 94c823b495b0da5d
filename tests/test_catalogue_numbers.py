"""Every standard number in the real catalogues parses (slow: reads all of them)."""

from __future__ import annotations

import pytest

from conftest import require_shared
from stdsearch.numbers import joint_numbers, parse_number
from stdsearch.parse import catalogue

#: Numbers with digits that still do not parse: prefix-and-number pairs we cannot tell apart
#: from something else (``JJF A 1203-1990``, ``CH Ⅳ -301-1982``, ``ZBBZH/GZ 1``, ISBNs).
MOST_UNPARSED = 80


@pytest.mark.slow
def test_the_catalogues_numbers_parse() -> None:
    folder = require_shared("standards-catalogues")
    written: list[str] = []
    for path in sorted(folder.rglob("*")):
        if path.suffix.lower() not in catalogue.SUFFIXES or path.name.startswith(("_", ".")):
            continue
        try:
            records, _ = catalogue.read_catalogue(path.read_bytes(), str(path))
        except Exception:  # noqa: BLE001 - reference data and metadata are not catalogues
            continue
        for record in records:
            number = catalogue.normalise_record(record).get("number")
            if isinstance(number, str) and any(c.isdigit() for c in number):
                written.append(catalogue.split_edition_note(number)[0])
    unparsed = [n for n in written if parse_number(n) is None and not joint_numbers(n)]
    assert len(written) > 55_000
    assert len(unparsed) <= MOST_UNPARSED, sorted(set(unparsed))[:50]
