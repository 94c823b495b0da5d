"""Benchmark: ingest every standards catalogue into a fresh home, then look numbers up.

    python scripts/bench_catalogues.py [--data ../shared/data/standards-catalogues] [--home DIR]
                                       [--count 1000] [--seed 13] [--json]
    python scripts/bench_catalogues.py --home DIR --lookups-only      # on an ingested home

Prints: ingest time, catalogue records read and records/s, documents, index and corpus size on
disk; number lookup p50/p95 over ``--count`` numbers sampled from the catalogues (the CLI's
library call, warm searcher); and lookup top-1 — the share of lookups whose first hit is the
number — for the same numbers written in varied forms (canonical, no space, lower case,
full-width, em dash, GBT without the slash, compact local/group/enterprise forms). The machine
load (1-minute average) is printed beside the figures. A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from stdsearch import index as index_mod
from stdsearch import pipeline, semantic
from stdsearch.evaluation.metrics import percentile
from stdsearch.numbers import StandardNumber, parse_number
from stdsearch.parse import catalogue
from stdsearch.search import SearchRequest, search
from stdsearch.settings import Home
from stdsearch.store import Store

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "standards-catalogues"
FULL_WIDTH = {code: code + 0xFEE0 for code in range(0x21, 0x7F)} | {0x20: 0x3000}


def catalogue_records(folder: Path) -> int:
    """How many records the catalogues in ``folder`` hold (reference data and metadata left out)."""
    total = 0
    for path in sorted(folder.rglob("*")):
        if path.suffix.lower() not in catalogue.SUFFIXES or path.name.startswith(("_", ".")):
            continue
        try:
            total += len(catalogue.read_records(path.read_bytes(), str(path)))
        except Exception:  # noqa: BLE001 - reference data and metadata are not catalogues
            continue
    return total


def disk_mb(path: Path) -> float:
    """Size of a folder's files in MB."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def ingest(home: Home, data: Path) -> dict[str, float]:
    """Ingest the catalogues folder and measure it."""
    semantic.configure(mode="off")
    started = time.perf_counter()
    report = pipeline.ingest(home, [data])
    seconds = time.perf_counter() - started
    records = catalogue_records(data)
    return {
        "ingest_seconds": round(seconds, 1),
        "catalogue_records": records,
        "records_per_second": round(records / seconds, 1),
        "documents": len(Store(home).manifest()),
        "failed": report.failed,
        "skipped": len(report.skipped),
        "index_mb": round(index_mod.size_on_disk(home) / 1e6, 1),
        "corpus_mb": round(disk_mb(home.corpus), 1),
        "load_after_ingest": round(os.getloadavg()[0], 1),
    }


def sample_numbers(home: Home, count: int, seed: int) -> list[str]:
    """``count`` standard numbers of the corpus, sampled with a fixed seed."""
    numbers = sorted(
        e["number"] for e in Store(home).manifest().values() if e.get("kind") == "standard" and e.get("number")
    )
    return random.Random(seed).sample(numbers, min(count, len(numbers)))


def written_forms(number: StandardNumber) -> dict[str, str]:
    """The same number as people write it."""
    canonical = number.canonical
    forms = {
        "canonical": canonical,
        "no_space": canonical.replace(" ", ""),
        "lower": canonical.lower(),
        "full_width": canonical.translate(FULL_WIDTH),
        "em_dash": canonical.replace("-", "—"),
    }
    if number.prefix.endswith("/T") and not number.prefix.startswith(("T/", "Q/")):
        forms["no_slash"] = canonical.replace("/T", "T", 1).replace(" ", "")
    compact = canonical.replace("/", "").replace(" ", "").lower()
    if number.prefix.startswith(("DB", "T/", "Q/")) and parse_number(compact) == number:
        forms["compact"] = compact
    return forms


def lookups(home: Home, numbers: list[str]) -> dict[str, object]:
    """Latency of the canonical lookups and top-1 of every written form."""
    timed: list[float] = []
    right: dict[str, list[int]] = {}
    run: Callable[[str], list[str]] = lambda q: [h.number for h in search(home, SearchRequest(q=q, per_page=1)).hits]  # noqa: E731
    run(numbers[0])  # open the searcher once
    for text in numbers:
        number = parse_number(text)
        if number is None:
            continue
        for name, form in written_forms(number).items():
            started = time.perf_counter()
            first = run(form)
            if name == "canonical":
                timed.append((time.perf_counter() - started) * 1000)
            right.setdefault(name, []).append(int(first[:1] == [number.canonical]))
    return {
        "lookups": len(timed),
        "lookup_p50_ms": round(percentile(timed, 0.5), 1),
        "lookup_p95_ms": round(percentile(timed, 0.95), 1),
        "top1": {name: round(sum(v) / len(v), 4) for name, v in right.items()},
        "top1_counts": {name: len(v) for name, v in right.items()},
        "load_after_lookups": round(os.getloadavg()[0], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--home", type=Path, default=None)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--lookups-only", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    root = args.home or Path(tempfile.mkdtemp(prefix="bench-catalogues-"))
    home = Home.resolve(root)
    figures: dict[str, object] = {"load_before": round(os.getloadavg()[0], 1)}
    if not args.lookups_only:
        figures.update(ingest(home, args.data))
    figures.update(lookups(home, sample_numbers(home, args.count, args.seed)))
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))
        return
    for name, value in figures.items():
        print(f"{name}: {value}")
    print(f"home: {root}")


if __name__ == "__main__":
    main()
