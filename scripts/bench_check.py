"""How long `stdsearch check` takes for a register of 1,000 numbers (target: under 2 s).

The numbers are real: every k-th 标准编号 of the ldassistant catalogue, as written there
(full-width dashes, missing spaces and all), with every tenth one given a year the corpus
lacks, so that found, replaced and not-found rows are all exercised. Times, on a home that
holds the catalogue:

* ``cli`` — the whole command in a fresh process (import, open the register, check, JSON);
* ``register_build_s`` — building corpus/register.sqlite3 from the manifest (once per change
  of the corpus, on the first check after an ingest);
* ``cold`` — in-process: open the register, check;
* ``warm`` — check only, with the register open.

    python scripts/bench_check.py --home /path/to/home --count 1000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from stdsearch.compliance import check
from stdsearch.numbers import parse_number
from stdsearch.settings import Home
from stdsearch.store import Store

CATALOGUE = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "standards-catalogues" / "ldassistant-catalogue" / "records.jsonl"


def sample_numbers(path: Path, count: int) -> list[str]:
    """``count`` numbers spread over the catalogue, every tenth with a wrong year."""
    numbers = [json.loads(line)["标准编号"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    by_canonical = {}
    for raw in numbers:
        parsed = parse_number(raw)
        by_canonical.setdefault(parsed.canonical if parsed else raw, raw)
    distinct = list(by_canonical.values())
    step = max(1, len(distinct) // (count + count // 10))
    picked = distinct[::step]
    return [n[:-4] + "1901" if i % 10 == 9 and n[-4:].isdigit() else n for i, n in enumerate(picked)]


def timed(func, *args):  # type: ignore[no-untyped-def]
    """(seconds, result) of one call."""
    started = time.perf_counter()
    result = func(*args)
    return time.perf_counter() - started, result


def run_cli(home: Path, text: str) -> float:
    """Seconds of ``stdsearch check FILE --json`` in a fresh interpreter."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as handle:
        handle.write(text)
    command = [sys.executable, "-m", "stdsearch.cli", "--home", str(home), "check", handle.name, "--json"]
    started = time.perf_counter()
    subprocess.run(command, capture_output=True, check=False, env=os.environ.copy())
    seconds = time.perf_counter() - started
    Path(handle.name).unlink()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--catalogue", type=Path, default=CATALOGUE)
    args = parser.parse_args()
    sampled = sample_numbers(args.catalogue, args.count)
    wanted = check.extract("\n".join(sampled))[: args.count]  # exactly --count distinct numbers
    text = "\n".join(sampled[: wanted[-1].line]) + "\n"
    home = Home.resolve(args.home)
    check.register_path(Store(home)).unlink(missing_ok=True)
    build, register = timed(lambda: check.load_register(Store(home)))
    cold, rows = timed(lambda: check.check(check.extract(text), check.load_register(Store(home))))
    warm, _ = timed(lambda: check.check(check.extract(text), register))
    cli = run_cli(args.home, text)
    print(json.dumps({
        "numbers": len(rows), "documents": register.count(), "summary": check.summary(rows),
        "cli_s": round(cli, 3), "register_build_s": round(build, 3), "cold_s": round(cold, 3), "warm_s": round(warm, 3),
        "load": os.getloadavg()[0],
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
