"""The main job: `stdsearch serve` on a fresh home builds the index from the bundled sample and
answers over real HTTP (waitress)."""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from conftest import SEED


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"server did not answer at {url} within {seconds} s")


def test_serve_builds_the_index_on_first_run_and_answers_over_http(tmp_path: Path) -> None:
    samples = tmp_path / "corpus" / "samples"
    samples.mkdir(parents=True)
    shutil.copy(SEED, samples)
    port = free_port()
    command = [sys.executable, "-m", "stdsearch.cli", "--home", str(tmp_path), "serve", "--port", str(port)]
    base = f"http://127.0.0.1:{port}"
    with (tmp_path / "serve.log").open("w") as log, subprocess.Popen(command, stderr=log) as process:
        try:
            check_server(base, process)
        finally:
            process.terminate()
            process.wait(timeout=10)


def check_server(base: str, process: subprocess.Popen) -> None:
    """The API finds the seed's item 2, and its permalink page shows the clause."""
    wait_for(f"{base}/api/search?q=x", process)
    query = urllib.parse.quote("明厨亮灶")
    with urllib.request.urlopen(f"{base}/api/search?q={query}", timeout=10) as response:
        data = json.load(response)
    assert data["total"] == 1
    assert data["hits"][0]["label"] == "2."
    with urllib.request.urlopen(f"{base}{data['hits'][0]['url']}", timeout=10) as response:
        assert response.status == 200
        assert "明厨亮灶" in response.read().decode("utf-8")


@pytest.fixture
def guarded_server(seed_home, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The server `stdsearch serve` runs, on the seed home, with a 2 s request deadline."""
    from stdsearch.web import create_app, serving

    monkeypatch.setattr(serving.DeadlineServer, "request_seconds", 2.0)
    port = free_port()
    server = serving.create_server(create_app({"HOME": seed_home}), "127.0.0.1", port, threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}", port
    server.close()


def test_slow_clients_keep_no_one_out(guarded_server) -> None:  # type: ignore[no-untyped-def]
    base, port = guarded_server
    with contextlib.ExitStack() as stack:
        slow = []
        for _ in range(150):  # more than waitress's default connection limit (100)
            connection = stack.enter_context(socket.create_connection(("127.0.0.1", port), timeout=30))
            connection.sendall(b"GET /api/search?q=x HTTP/1.1\r\nHost: a\r\n")  # headers never finished
            slow.append(connection)
        query = urllib.parse.quote("明厨亮灶")
        with urllib.request.urlopen(f"{base}/api/search?q={query}", timeout=30) as response:
            assert json.load(response)["total"] == 1
        for connection in slow:  # a header line now and then does not keep a request alive
            assert _cut_off(connection), "a trickling request outlived its deadline"


def _cut_off(connection: socket.socket, seconds: float = 60.0) -> bool:
    """True once the server closes ``connection`` while it keeps sending a header line a second."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            connection.sendall(b"X-Slow: 1\r\n")
            connection.settimeout(1.0)
            if connection.recv(1024) == b"":
                return True
        except TimeoutError:
            continue
        except OSError:
            return True
    return False
