"""Rebuild the bundled sample (corpus/samples/) from ../shared/data: a handful of national laws
with their metadata, and a few hundred rows of the two CC BY 4.0 standards catalogues.

    python scripts/build_samples.py [--data ../shared/data]

The seed policy (000_*.txt) and ATTRIBUTION.md are kept as they are; laws/ and catalogues/ are
written again. The whole sample stays under 2 MB (checked by tests/test_samples.py).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
SAMPLES = PROJECT / "corpus" / "samples"
#: (folder under laws/, file name): national laws the README and the home page use.
LAWS = [
    ("经济法", "产品质量法(2018-12-29).md"),
    ("经济法", "标准化法(2017-11-04).md"),
    ("经济法", "计量法(2018-10-26).md"),
    ("行政法", "食品安全法(2021-04-29).md"),
    ("民法商法", "消费者权益保护法(2013-10-25).md"),
    ("社会法", "安全生产法(2021-06-10).md"),
]
#: How many medical-device catalogue records to keep (the first ones: general-field standards).
NMPA_ROWS = 240


def copy_laws(data: Path, target: Path) -> None:
    """The law files, and a db.sqlite3 holding only their rows (lawmeta reads it beside them)."""
    for folder, name in LAWS:
        (target / folder).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(data / "laws" / folder / name, target / folder / name)
    database = target / "db.sqlite3"
    database.unlink(missing_ok=True)
    source = sqlite3.connect(f"file:{data / 'laws' / 'db.sqlite3'}?mode=ro", uri=True)
    copy = sqlite3.connect(database)
    for (schema,) in source.execute("SELECT sql FROM sqlite_master WHERE type = 'table'"):
        copy.execute(schema)
    for folder, name in LAWS:
        title, publish = name.removesuffix(".md").rstrip(")").split("(")
        category = source.execute("SELECT * FROM category WHERE folder = ?", (folder,)).fetchone()
        copy.execute(f"INSERT OR IGNORE INTO category VALUES ({','.join('?' * len(category))})", category)
        for row in source.execute(
            "SELECT * FROM law WHERE name = ? AND publish = ? AND category_id = ?", (title, publish, category[0])
        ):
            copy.execute(f"INSERT INTO law VALUES ({','.join('?' * len(row))})", row)
    copy.commit()
    copy.close()


def copy_catalogues(data: Path, target: Path) -> None:
    """The first NMPA_ROWS medical-device standards and the whole building-code index (83 rows)."""
    target.mkdir(parents=True, exist_ok=True)
    catalogues = data / "standards-catalogues"
    records = json.loads((catalogues / "docmcp-nmpa-medical-device" / "standards.json").read_text(encoding="utf-8"))
    (target / "nmpa-medical-device-standards.json").write_text(
        json.dumps(records[:NMPA_ROWS], ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    shutil.copyfile(catalogues / "arch-standards-index" / "standards.csv", target / "arch-standards-index.csv")


def main() -> None:
    """Write corpus/samples/laws and corpus/samples/catalogues from the shared data."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=PROJECT.parent / "shared" / "data")
    args = parser.parse_args()
    for part in ("laws", "catalogues"):
        shutil.rmtree(SAMPLES / part, ignore_errors=True)
    copy_laws(args.data, SAMPLES / "laws")
    copy_catalogues(args.data, SAMPLES / "catalogues")
    size = sum(p.stat().st_size for p in SAMPLES.rglob("*") if p.is_file())
    print(f"corpus/samples: {size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
