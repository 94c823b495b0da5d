"""kill -9 at random points of ingest and reindex (issue 16 parts 1, 3 and 7): no worker is
left holding anything, the next run takes over at once, every stored document ends up
searchable (a verified count), and a server keeps answering throughout."""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import SEED, require_shared
from stdsearch import index as index_mod
from stdsearch.settings import Home
from stdsearch.store import Store

pytestmark = pytest.mark.slow

#: Seeded, so a failure can be replayed.
ROUNDS = random.Random(16)


def cli(home: Path, *args: str, capture: bool = False) -> subprocess.Popen:  # type: ignore[type-arg]
    """Start ``stdsearch --home HOME ARGS`` in its own process (its output kept when ``capture``)."""
    env = {**os.environ, "STDSEARCH_SEMANTIC": "off", "PYTHONPATH": os.pathsep.join(sys.path)}
    command = [sys.executable, "-m", "stdsearch.cli", "--home", str(home), *args]
    output = subprocess.PIPE if capture else subprocess.DEVNULL
    return subprocess.Popen(command, env=env, stdout=output, stderr=output)


def descendants(pid: int) -> set[int]:
    """Pids of every live process descended from ``pid``."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            parents[int(stat.parent.name)] = int(fields[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pids: set[int]) -> set[int]:
    """The pids of ``pids`` still running (zombies count as gone)."""
    running = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            running.add(pid)
    return running


def kill_after(process: subprocess.Popen, seconds: float) -> bool:  # type: ignore[type-arg]
    """SIGKILL ``process`` after ``seconds`` (False when it finished first); then check that
    every process it started is gone within a few seconds."""
    deadline = time.monotonic() + seconds
    children: set[int] = set()
    while time.monotonic() < deadline and process.poll() is None:
        children |= descendants(process.pid)
        time.sleep(0.05)
    if process.poll() is not None:
        return False
    children |= descendants(process.pid)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not outlived(children), f"workers outlived a killed writer: {outlived(children)}"
    return True


def outlived(pids: set[int], seconds: float = 10.0) -> set[int]:
    """The processes of ``pids`` still running after waiting up to ``seconds`` for them to end."""
    deadline = time.monotonic() + seconds
    while alive(pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return alive(pids)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """``stdsearch serve`` on a free port, asked a question now and then."""

    def __init__(self, home: Path):
        self.port = free_port()
        self.process = cli(home, "serve", "--port", str(self.port))
        self.answers = 0
        for _ in range(600):
            if self.ask(raise_errors=False):
                return
            time.sleep(0.1)
        raise AssertionError("the server did not start")

    def ask(self, raise_errors: bool = True) -> bool:
        url = f"http://127.0.0.1:{self.port}/api/search?q=%E6%98%8E%E5%8E%A8%E4%BA%AE%E7%81%B6"
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                total = json.load(response)["total"]
        except OSError:
            if raise_errors:
                raise
            return False
        assert total >= 1, "the server lost the documents it had"
        self.answers += 1
        return True

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def indexed_ids(home: Home) -> set[str]:
    """The doc_ids the live index holds clauses of."""
    with index_mod.open_index(home).searcher() as searcher:
        return {fields["doc_id"] for fields in searcher.all_stored_fields()}


def full_run_seconds(home: Path, *args: str) -> float:
    """Wall time of one uninterrupted ``stdsearch ARGS`` on ``home`` (kill points are drawn within it,
    so they land mid-run on an idle machine and on a loaded one alike)."""
    started = time.monotonic()
    assert cli(home, *args).wait(timeout=900) in (0, 1)
    return time.monotonic() - started


def test_kill_9_during_ingest_and_reindex_loses_nothing(tmp_path: Path) -> None:
    laws = require_shared("laws", "宪法相关法")
    expected = len([p for p in laws.rglob("*.md") if not p.name.startswith("_")])
    probe = tmp_path / "probe"
    ingest_seconds = full_run_seconds(probe, "ingest", str(laws))
    reindex_seconds = full_run_seconds(probe, "reindex")
    home_path = tmp_path / "home"
    assert cli(home_path, "ingest", str(SEED)).wait(timeout=300) == 0
    server = Server(home_path)
    try:
        killed = 0
        for round_number in range(4):
            process = cli(home_path, "ingest", "--json", str(laws))
            killed += kill_after(process, ROUNDS.uniform(0.2, 0.8) * ingest_seconds)
            server.ask()
            if round_number == 1:  # one run completes, so that later ingests update in place
                assert cli(home_path, "ingest", str(laws)).wait(timeout=900) in (0, 1)
                server.ask()
        for _ in range(2):
            killed += kill_after(cli(home_path, "reindex"), ROUNDS.uniform(0.2, 0.8) * reindex_seconds)
            server.ask()
        assert killed >= 3, "the kills came too late to test anything"
        final = cli(home_path, "ingest", "--json", str(laws), capture=True)
        out, err = final.communicate(timeout=900)
        assert final.returncode in (0, 1), err.decode()
        summary = json.loads(out)
        server.ask()
    finally:
        server.stop()
    home = Home.resolve(home_path)
    stored = set(Store(home).ids())
    assert summary["failed"] == 0 and summary["documents"] == expected
    assert len(stored) == expected + 1  # the laws and the seed
    assert indexed_ids(home) == stored  # everything stored is searchable, nothing else is
    assert set(Store(home).manifest()) == stored
    assert not (home.corpus / "pending.log").exists()
    generations = {p.name for p in home.index.glob("gen-*")}
    assert index_mod.live_generation(home) in generations and len(generations) <= 2
    assert all((home.index / name / "VERSION").exists() for name in generations)  # no half-built one
    assert server.answers >= 8


def test_kill_9_during_an_ingest_indexing_as_it_parses_loses_nothing(tmp_path: Path) -> None:
    laws = require_shared("laws", "宪法相关法")  # over 50 files: a fresh home indexes them as its workers parse
    expected = len([p for p in laws.rglob("*.md") if not p.name.startswith("_")])
    ingest_seconds = full_run_seconds(tmp_path / "probe", "ingest", str(laws))
    home_path = tmp_path / "home"
    killed = sum(
        kill_after(cli(home_path, "ingest", "--json", str(laws)), ROUNDS.uniform(0.3, 0.9) * ingest_seconds)
        for _ in range(3)
    )
    assert killed >= 2, "the kills came too late to test anything"
    final = cli(home_path, "ingest", "--json", str(laws), capture=True)
    out, err = final.communicate(timeout=900)
    assert final.returncode == 0, err.decode()
    summary = json.loads(out)
    home = Home.resolve(home_path)
    store = Store(home)
    stored = set(store.ids())
    assert summary["failed"] == 0 and len(stored) == expected
    with index_mod.open_index(home).searcher() as searcher:
        keys = [fields["key"] for fields in searcher.all_stored_fields()]
    searchable = {f"{d.doc_id}/{c.clause_id}" for d in store.documents() for c in d.clauses if c.searchable}
    assert sorted(keys) == sorted(searchable), "every stored clause searchable once, nothing else"
    assert set(store.manifest()) == stored
    live = home.index / index_mod.live_generation(home)
    assert not list(live.glob("scratch-*")), "no scratch index left in the live generation"
    generations = {p.name for p in home.index.glob("gen-*")}
    assert all((home.index / name / "VERSION").exists() for name in generations)  # no half-built one
