"""The write lock: a live writer keeps it; one held only by the orphans of a dead writer is
taken over at once; the next writer removes half-built generations (issue 16 parts 1 and 3)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import SEED
from stdsearch import index as index_mod
from stdsearch import pipeline
from stdsearch.errors import IndexBusy
from stdsearch.settings import Home

HOLD = """
import fcntl, sys, time
handle = open(sys.argv[1], "a+")
fcntl.flock(handle, fcntl.LOCK_EX)
handle.seek(0); handle.truncate(); handle.write(sys.argv[2]); handle.flush()
print("locked", flush=True)
time.sleep(120)
"""


def hold_lock(home: Home, holder: str) -> subprocess.Popen:  # type: ignore[type-arg]
    """A process that holds the home's lock file, naming ``holder`` in it."""
    home.index.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(home.index / "write.lock"), holder],
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdout.readline().strip() == "locked"
    return process


def stop(process: subprocess.Popen) -> None:  # type: ignore[type-arg]
    """Kill a lock holder and close its pipe."""
    process.kill()
    process.wait()
    if process.stdout is not None:
        process.stdout.close()


def dead_pid() -> int:
    """The pid of a process that has exited."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_live_writer_keeps_the_lock(tmp_path: Path) -> None:
    home = Home.resolve(tmp_path)
    holder = hold_lock(home, "placeholder")
    try:
        (home.index / "write.lock").write_text(f"stdsearch pid {holder.pid}")
        with pytest.raises(IndexBusy, match=f"pid {holder.pid}"), index_mod.write_lock(home):
            pass
    finally:
        stop(holder)


def test_a_lock_left_to_orphans_of_a_dead_writer_is_taken_over_at_once(tmp_path: Path) -> None:
    home = Home.resolve(tmp_path)
    orphan = hold_lock(home, f"stdsearch pid {dead_pid()}")
    try:
        started = time.monotonic()
        report = pipeline.ingest(home, [SEED])
        assert report.failed == 0 and report.added == 1
        assert time.monotonic() - started < 120
        assert orphan.poll() is None  # taken over, not killed: the orphan holds a lock nobody uses
        with index_mod.write_lock(home):  # and the lock works as a lock again afterwards
            pass
    finally:
        stop(orphan)


def test_the_next_writer_removes_half_built_generations(tmp_path: Path) -> None:
    home = Home.resolve(tmp_path)
    assert pipeline.ingest(home, [SEED]).failed == 0
    live = index_mod.live_generation(home)
    half_built = home.index / "gen-99"
    half_built.mkdir()
    (half_built / "_MAIN_1.toc").write_bytes(b"partial")
    with index_mod.write_lock(home):
        pass
    assert not half_built.exists()
    assert index_mod.live_generation(home) == live and (home.index / live).exists()
