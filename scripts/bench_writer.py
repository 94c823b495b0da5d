"""Microbenchmark of writing clause records into Whoosh segments, in one process, by CPU time.

Usage: ``python scripts/bench_writer.py HOME [--repeat N] [--profile OUT.prof]``

HOME is an ingested home (e.g. of the national laws). Its records are built once from the store
and the segment cache (``index.index_records``), then written ``N`` times into a scratch index
(``index.write_scratch_index``, with Python's cyclic garbage collector paused as in an ingest's
workers, or running with ``--gc``); the figures are ``time.process_time()`` seconds, so other
work on the machine changes them little. Prints the CPU seconds to build the records, and for each
write the whole and its two halves (adding the records; finishing the segments).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from stdsearch import index as index_mod
from stdsearch import segment_writer
from stdsearch.segments import SegmentCache, texts_digest
from stdsearch.settings import Home
from stdsearch.store import Store


def build_records(home: Home) -> tuple[list[dict[str, Any]], float]:
    """Every index record of the home, and the CPU seconds spent building them (documents and
    segmentations read first, untimed)."""
    store, cache = Store(home), SegmentCache(home)
    loaded = []
    for doc_id in sorted(store.ids()):
        document = store.get(doc_id)
        loaded.append((document, cache.get(doc_id, texts_digest(document))))
    cache.close()
    started = time.process_time()
    records = [record for document, segments in loaded for record in index_mod.index_records(document, segments)]
    return records, time.process_time() - started


class _Timed:
    """Wraps DirectSegmentWriter.add and .finish to add up their CPU seconds."""

    def __init__(self) -> None:
        self.add = self.finish = 0.0
        self._add, self._finish = segment_writer.DirectSegmentWriter.add, segment_writer.DirectSegmentWriter.finish

    def install(self) -> None:
        timed = self

        def add(writer: Any, record: Any) -> None:
            started = time.process_time()
            timed._add(writer, record)
            timed.add += time.process_time() - started

        def finish(writer: Any, *args: Any, **kwargs: Any) -> Any:
            started = time.process_time()
            try:
                return timed._finish(writer, *args, **kwargs)
            finally:
                timed.finish += time.process_time() - started

        segment_writer.DirectSegmentWriter.add = add  # type: ignore[method-assign]
        segment_writer.DirectSegmentWriter.finish = finish  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("home", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", type=Path, help="write a cProfile of one write here")
    parser.add_argument("--split", action="store_true", help="time add and finish apart (adds a little overhead)")
    parser.add_argument("--gc", action="store_true", help="leave Python's cyclic garbage collector running")
    args = parser.parse_args()
    records, build_cpu = build_records(Home.resolve(args.home))
    print(f"{len(records)} records built in {build_cpu:.2f} CPU s  (load {os.getloadavg()[0]:.2f})", flush=True)
    limit = index_mod.scratch_limit_mb(os.cpu_count() or 1)
    work = Path(tempfile.mkdtemp(prefix="bench-writer-"))
    if not args.gc:
        gc.disable()
    try:
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            index_mod.write_scratch_index(work / "profiled", records, limit)
            profiler.disable()
            profiler.dump_stats(str(args.profile))
        timed = _Timed()
        if args.split:
            timed.install()
        for run in range(args.repeat):
            folder = work / str(run)
            timed.add = timed.finish = 0.0
            started = time.process_time()
            index_mod.write_scratch_index(folder, records, limit)
            cpu = time.process_time() - started
            size = sum(p.stat().st_size for p in folder.iterdir())
            split = f"  add {timed.add:.2f}  finish {timed.finish:.2f}" if args.split else ""
            print(f"write {run}: {cpu:.2f} CPU s{split}  {size / 1e6:.1f} MB  (load {os.getloadavg()[0]:.2f})", flush=True)
            shutil.rmtree(folder)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
