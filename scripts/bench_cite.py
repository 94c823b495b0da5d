"""Cite and land on a home: N sampled (law, article) citations, top-1 rate and search times.

    python scripts/bench_cite.py --home /path/to/home --count 500 [--json]

Citations are written the usual ways (stdsearch.evaluation.cite); the report gives how many
land on the cited clause first, p50/p95/max milliseconds per search, the load average, and the
misses.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
from pathlib import Path

from stdsearch.evaluation.cite import evaluate, sample_cases
from stdsearch.settings import Home


def main() -> None:
    """Parse the options, run the sample, print the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--seed", type=int, default=26)
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()
    home = Home.resolve(options.home)
    report = evaluate(home, sample_cases(home, options.count, options.seed))
    load = os.getloadavg()[0]
    if options.json:
        print(json.dumps({**dataclasses.asdict(report), "load": load}, ensure_ascii=False))
        return
    print(f"{report.summary()} (load {load:.1f})")
    for query, clause_id, got in report.misses[:20]:
        print(f"  miss: {query!r} → wanted {clause_id}, got {got}")


if __name__ == "__main__":
    main()
