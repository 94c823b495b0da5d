"""Benchmark of the real server under concurrent clients: requests/s and latency over HTTP.

    python scripts/bench_concurrent.py --home HOME [--clients 30] [--seconds 30] [--threads 8]
                                       [--path /api/search] [--queries FILE] [--json]
                                       [--hostile-clients 8 [--hostile-query QUERY_STRING]]

Starts ``stdsearch serve`` (waitress) on a free 127.0.0.1 port in a child process, waits until
it answers (build or rebuild the index first: a server that has to build it may not answer
within the start-up timeout), then runs ``--clients`` client threads for ``--seconds``, each sending
``GET <path>?q=<query>`` over its own keep-alive connection, cycling through the queries
(scripts/bench_queries.txt by default) from its own offset. Prints requests, requests/s,
non-200 answers and p50 / p95 / max latency, then stops the server. ``--hostile-clients N``
adds N clients sending ``--hostile-query`` (by default a listing with 200 exclusions) in a
loop, to see what costly queries do to everyone else's traffic. Compare a freshly built
home with the same home after an incremental update (issue 16 part 6); note ``uptime``
beside the figures, since the machine is shared.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from stdsearch.evaluation.metrics import percentile

QUERIES = Path(__file__).with_name("bench_queries.txt")
START_TIMEOUT = 180.0


def read_queries(path: Path) -> list[str]:
    """The non-empty, non-comment lines of the query file."""
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_server(home: Path, threads: int) -> Iterator[int]:
    """``stdsearch serve`` in a child process; yields its port, stops it on exit."""
    port = free_port()
    command = [sys.executable, "-m", "stdsearch.cli", "--home", str(home), "serve"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--threads", str(threads)]
    env = {**os.environ, "STDSEARCH_SEMANTIC": os.environ.get("STDSEARCH_SEMANTIC", "off")}
    server = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        wait_until_serving(port, server)
        yield port
    finally:
        stop_group(server)


def stop_group(server: subprocess.Popen[bytes]) -> None:
    """Stop the server and any worker it started (its own process group)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def wait_until_serving(port: int, server: subprocess.Popen[bytes]) -> None:
    """Return once the server answers a search; raise when it exits or takes too long."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with status {server.returncode}")
        try:
            status, _ = get(http.client.HTTPConnection("127.0.0.1", port, timeout=60), "/api/search?q=" + quote("法"))
            if status == 200:
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"the server did not answer within {START_TIMEOUT:g}s")


def get(connection: http.client.HTTPConnection, path: str) -> tuple[int, bytes]:
    """One GET on a keep-alive connection: (status, body)."""
    connection.request("GET", path)
    response = connection.getresponse()
    return response.status, response.read()


def client_loop(
    port: int, paths: list[str], offset: int, stop_at: float, timings: list[float], errors: list[str]
) -> None:
    """One client: request paths in turn (from ``offset``) until ``stop_at``."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    turn = offset
    while time.monotonic() < stop_at:
        path = paths[turn % len(paths)]
        turn += 1
        started = time.perf_counter()
        try:
            status, _ = get(connection, path)
        except (OSError, http.client.HTTPException) as error:
            errors.append(f"{path}: {error}")
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            continue
        timings.append((time.perf_counter() - started) * 1000)
        if status != 200:
            errors.append(f"{path}: HTTP {status}")
    connection.close()


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Serve the home, load it with the clients (and the hostile ones), return the figures."""
    queries = read_queries(Path(args.queries))
    paths = [f"{args.path}?q={quote(q)}" for q in queries]
    hostile_paths = [f"{args.path}?{args.hostile_query}"]
    timings: list[float] = []
    errors: list[str] = []
    hostile_timings: list[float] = []
    hostile_answers: list[str] = []
    with running_server(Path(args.home), args.threads) as port:
        started = time.monotonic()
        stop_at = started + args.seconds
        spread = max(1, len(paths) // args.clients)
        clients = [
            threading.Thread(target=client_loop, args=(port, paths, i * spread, stop_at, timings, errors))
            for i in range(args.clients)
        ]
        clients += [
            threading.Thread(
                target=client_loop, args=(port, hostile_paths, 0, stop_at, hostile_timings, hostile_answers)
            )
            for _ in range(args.hostile_clients)
        ]
        for client in clients:
            client.start()
        for client in clients:
            client.join()
        elapsed = time.monotonic() - started
    hostile = {
        "hostile_clients": args.hostile_clients,
        "hostile_requests": len(hostile_timings),
        "hostile_answers": sorted(set(a.split(": ", 1)[-1] for a in hostile_answers)),
        "hostile_p50_ms": round(percentile(hostile_timings, 0.5), 1),
    }
    return {
        "home": str(Path(args.home).resolve()),
        "clients": args.clients,
        "server_threads": args.threads,
        "seconds": round(elapsed, 1),
        "requests": len(timings),
        "requests_per_s": round(len(timings) / elapsed, 1),
        "errors": len(errors),
        "first_errors": errors[:3],
        "p50_ms": round(percentile(timings, 0.5), 1),
        "p95_ms": round(percentile(timings, 0.95), 1),
        "max_ms": round(max(timings, default=0.0), 1),
        "load": os.getloadavg()[0],
        **(hostile if args.hostile_clients else {}),
    }


def main() -> None:
    """Parse options, run, print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--home", required=True, help="a home with an index")
    parser.add_argument("--clients", type=int, default=30, help="concurrent client connections")
    parser.add_argument("--seconds", type=float, default=30.0, help="how long the clients run")
    parser.add_argument("--threads", type=int, default=8, help="the server's worker threads")
    parser.add_argument("--path", default="/api/search", help="the searched URL path")
    parser.add_argument("--queries", default=str(QUERIES), help="one query a line")
    parser.add_argument(
        "--hostile-clients", type=int, default=0, help="extra clients sending --hostile-query in a loop"
    )
    parser.add_argument(
        "--hostile-query",
        default="kind=law&q=" + quote(" ".join(["-法律", "-规定", "-国家", "-管理"] * 50)),
        help="the query string they send (default: a listing with 200 exclusions)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    figures = run(args)
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=2))
        return
    print(
        f"{figures['clients']} clients, {figures['server_threads']} server threads, "
        f"{figures['seconds']} s: {figures['requests']} requests, "
        f"{figures['requests_per_s']} requests/s, {figures['errors']} errors; "
        f"p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms, max {figures['max_ms']} ms "
        f"(load {figures['load']:.2f})"
    )
    if args.hostile_clients:
        print(
            f"{figures['hostile_clients']} hostile clients: {figures['hostile_requests']} requests, "
            f"p50 {figures['hostile_p50_ms']} ms, answers {figures['hostile_answers']}"
        )


if __name__ == "__main__":
    main()
