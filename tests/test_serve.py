"""The main job: `stdsearch serve` on a fresh home builds the index from the bundled sample and
answers over real HTTP (waitress)."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
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
