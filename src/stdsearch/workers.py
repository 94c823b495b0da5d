"""Worker processes for ingest: parsing, clause splitting and segmentation on all cores,
each file under limits that a hostile file cannot escape.

- Workers are fresh interpreters (``python -m stdsearch.workers``) talking over a socket
  pair: they inherit none of the ingesting process's open files, so never the home's write
  lock, and never re-run the caller's main module.
- Each worker asks the kernel to kill it when its parent dies (``PR_SET_PDEATHSIG``) and
  exits when its socket closes, so a ``kill -9`` of an ingest leaves no worker behind.
- Each worker runs under ``RLIMIT_AS`` (memory) and each task under a wall-time limit
  enforced from outside: a task over its time is killed with its worker, which is replaced.
  Any failure (an exception, out of memory, a crash, the time limit) is that task's failure
  with a reason; the other tasks go on.
- jieba's dictionary is loaded once per worker.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

#: prctl(2) option: the signal a process gets when its parent dies.
PR_SET_PDEATHSIG = 1

#: Environment variables that override the default limits.
LIMIT_ENV = {
    "seconds": "STDSEARCH_PARSE_SECONDS",
    "memory_mb": "STDSEARCH_PARSE_MEMORY_MB",
    "decompressed_mb": "STDSEARCH_PARSE_DECOMPRESSED_MB",
    "clauses": "STDSEARCH_PARSE_CLAUSES",
}


@dataclass(frozen=True)
class Limits:
    """What one input may cost: wall time, worker address space, bytes after decompression,
    clauses per document. (Nesting depth is bounded by the interpreter's recursion limit for
    JSON and by libxml2's for XML and HTML: deeper input fails with "nested too deeply".)"""

    seconds: float = 300.0
    memory_mb: int = 2048
    decompressed_mb: int = 512
    clauses: int = 50_000

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Limits:
        """The defaults, overridden by ``STDSEARCH_PARSE_*`` environment variables."""
        environ = dict(os.environ if environ is None else environ)
        values: dict[str, Any] = {}
        for name, variable in LIMIT_ENV.items():
            raw = environ.get(variable, "").strip()
            if not raw:
                continue
            try:
                number = float(raw) if name == "seconds" else int(raw)
            except ValueError:
                raise ValueError(f"{variable} must be a number, not {raw!r}") from None
            if number <= 0:
                raise ValueError(f"{variable} must be positive, not {raw!r}")
            values[name] = number
        return cls(**values)


@dataclass(frozen=True)
class Outcome:
    """What became of one task: its ``result`` (the parts the worker sent, in order), or the
    ``error`` that made it fail."""

    task: Any
    parts: list[Any]
    error: str = ""

    @property
    def failed(self) -> bool:
        """True when the task failed (its parts, if any, are incomplete)."""
        return bool(self.error)


#: A task function run in a worker: (payload, send one part of the result) → None.
TaskFunction = Callable[[Any, Callable[[Any], None]], None]

_current_limits = Limits()


def current_limits() -> Limits:
    """The limits of the task running in this process (the defaults outside a worker)."""
    return _current_limits


def die_with_parent(sig: int = signal.SIGKILL) -> None:
    """Ask Linux to send ``sig`` to this process when its parent exits (no-op elsewhere)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0)
    except (OSError, AttributeError):
        return


def _worker_main(conn: Connection, function: TaskFunction, limits: Limits, parent: int) -> None:
    """The loop of one worker: receive a task, send its parts, then ("done", None) or ("error", reason)."""
    global _current_limits
    die_with_parent()
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the ingesting process's to handle
    _current_limits = limits
    megabytes = limits.memory_mb * 1024 * 1024
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (megabytes, megabytes))
    while True:
        try:
            payload = conn.recv()
        except (EOFError, OSError):
            return
        if payload is None:
            return
        try:
            function(payload, lambda part: conn.send(("part", part)))
        except MemoryError:
            conn.send(("error", f"out of memory (limit {limits.memory_mb} MB)"))
            return  # a process that ran out of memory is not trusted with the next task
        except RecursionError:
            conn.send(("error", "nested too deeply"))
            return
        except Exception as error:  # noqa: BLE001 - any failure is this input's failure
            conn.send(("error", describe(error)))
        else:
            conn.send(("done", None))
        release_memory()  # after the outcome is sent: the next task waits on the socket meanwhile


def release_memory() -> None:
    """Hand the heap memory freed by the task just done back to the system (glibc's
    ``malloc_trim``), so a worker's resident size is what its next task needs rather than the
    most any task needed (a one-pass run's postings, a catalogue's share); no-op elsewhere."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        return


def describe(error: BaseException) -> str:
    """A one-line reason for a failed input."""
    from stdsearch.errors import StdsearchError

    if isinstance(error, StdsearchError):
        return str(error)
    if isinstance(error, OSError):
        return f"cannot read: {error.strerror or error}"
    where = traceback.extract_tb(error.__traceback__)[-1:] if error.__traceback__ else []
    place = f" (in {os.path.basename(where[0].filename)}:{where[0].lineno})" if where else ""
    return f"{type(error).__name__}: {error}{place}"


class _Worker:
    """One worker process and the task it is running."""

    def __init__(self, function: TaskFunction, limits: Limits):
        ours, theirs = socket.socketpair()
        target = f"{function.__module__}:{function.__qualname__}"
        command = [sys.executable, "-m", "stdsearch.workers", target, str(theirs.fileno()),
                   str(os.getpid()), json.dumps(asdict(limits))]
        self.process = subprocess.Popen(command, pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL)
        theirs.close()
        self.conn = Connection(ours.detach())
        self.task: Any = None
        self.parts: list[Any] = []
        self.started = 0.0

    def alive(self) -> bool:
        return self.process.poll() is None

    def start(self, task: Any, payload: Any) -> None:
        self.task, self.parts, self.started = task, [], time.monotonic()
        self.conn.send(payload)

    def stop(self, kill: bool = False) -> None:
        self.ask_to_stop(kill)
        self.reap()

    def ask_to_stop(self, kill: bool = False) -> None:
        """Tell the worker to exit (kill it when ``kill``), without waiting for it."""
        if kill and self.alive():
            self.process.kill()
        else:
            with contextlib.suppress(OSError, ValueError):
                self.conn.send(None)

    def reap(self) -> None:
        """Wait for the worker to exit (killing it after five seconds) and close its socket."""
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.conn.close()

    def death_reason(self) -> str:
        try:
            code = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        if code < 0:
            name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
            return f"parser process killed by {name} (memory limit or crash)"
        return f"parser process exited (status {code})"


class WorkerPool:
    """Run one function over many tasks in worker processes, each task under the limits."""

    def __init__(self, function: TaskFunction, processes: int | None = None, limits: Limits | None = None):
        self.function = function
        self.processes = max(1, processes or os.cpu_count() or 1)
        self.limits = limits or Limits.from_env()
        self._workers: list[_Worker] = []
        #: Workers told to stop and not yet waited for.
        self._exiting: list[_Worker] = []

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close(kill=exc[0] is not None)

    def close(self, kill: bool = False, wait: bool = True) -> None:
        """Stop every worker (killing them when ``kill``): all are told first, then waited for,
        so that their exits (a worker holding jieba's dictionary takes a while to free it)
        overlap; without ``wait`` they exit while the caller goes on, and the next ``close``
        waits for them."""
        for worker in self._workers:
            worker.ask_to_stop(kill=kill)
        self._exiting, self._workers = [*self._exiting, *self._workers], []
        if not wait:
            return
        for worker in self._exiting:
            worker.reap()
        self._exiting = []

    def start(self, count: int = 1) -> None:
        """Start up to ``count`` workers ahead of the first task (they warm up meanwhile)."""
        while len(self._workers) < min(count, self.processes):
            self._spawn()

    def run(
        self,
        tasks: Iterable[tuple[Any, Any]],
        on_part: Callable[[Any, Any], bool | None] | None = None,
        timed_per_part: Callable[[Any], bool] | None = None,
    ) -> Iterator[Outcome]:
        """Outcomes of ``(task, payload)`` pairs, in the order they finish.

        The next task is handed to a worker before an outcome is yielded, so the workers keep
        going while the caller uses it. ``on_part(task, part)`` is called as each part of a
        result arrives (e.g. to show progress before the task is done); when it returns True it
        took the part (e.g. to disk), which the outcome then leaves out. A task for which
        ``timed_per_part(task)`` is true (one working through many inputs, a part at least per
        input) has the time limit for each part rather than for the whole.
        """
        pending = iter(tasks)
        idle: list[_Worker] = [w for w in self._workers if w.task is None]
        busy: list[_Worker] = []
        exhausted = False

        def feed() -> None:
            nonlocal exhausted
            while not exhausted and (idle or len(self._workers) < self.processes):
                try:
                    task, payload = next(pending)
                except StopIteration:
                    exhausted = True
                    return
                worker = idle.pop() if idle else self._spawn()
                worker.start(task, payload)
                busy.append(worker)

        feed()
        while busy:
            deadline = min(w.started for w in busy) + self.limits.seconds
            ready = wait([w.conn for w in busy], timeout=max(0.0, deadline - time.monotonic()))
            finished: list[Outcome] = []
            for worker in [w for w in busy if w.conn in ready]:
                outcome = self._receive(worker, on_part)
                if outcome is None:
                    if timed_per_part is not None and timed_per_part(worker.task):
                        worker.started = time.monotonic()
                    continue
                busy.remove(worker)
                worker.task = None
                if outcome.failed and not worker.alive() or self._must_replace(outcome):
                    self._retire(worker)
                else:
                    idle.append(worker)
                finished.append(outcome)
            now = time.monotonic()
            for worker in [w for w in busy if now - w.started >= self.limits.seconds]:
                busy.remove(worker)
                task = worker.task
                self._retire(worker, kill=True)
                finished.append(Outcome(task, [], f"took longer than {self.limits.seconds:g} s"))
            feed()
            yield from finished

    def _spawn(self) -> _Worker:
        worker = _Worker(self.function, self.limits)
        self._workers.append(worker)
        return worker

    def _retire(self, worker: _Worker, kill: bool = False) -> None:
        worker.stop(kill=kill or not worker.alive())
        self._workers.remove(worker)

    @staticmethod
    def _must_replace(outcome: Outcome) -> bool:
        return outcome.error.startswith(("out of memory", "nested too deeply"))

    @staticmethod
    def _receive(worker: _Worker, on_part: Callable[[Any, Any], bool | None] | None = None) -> Outcome | None:
        """Read what a worker sent: None while its task goes on, else the task's outcome."""
        while True:
            try:
                kind, value = worker.conn.recv()
            except (EOFError, OSError):
                return Outcome(worker.task, [], worker.death_reason())
            if kind == "part":
                if on_part is None or not on_part(worker.task, value):
                    worker.parts.append(value)
                if not worker.conn.poll():
                    return None
                continue
            if kind == "done":
                return Outcome(worker.task, worker.parts)
            return Outcome(worker.task, [], str(value))


def main(argv: list[str]) -> None:
    """Entry point of a worker process: ``python -m stdsearch.workers MODULE:FUNCTION FD PARENT LIMITS``."""
    target, fd, parent, limits = argv
    die_with_parent()  # first: a parent killed while this worker imports and warms up takes it along
    if os.getppid() != int(parent):
        os._exit(1)
    module_name, _, name = target.partition(":")
    module = importlib.import_module(module_name)
    function = getattr(module, name)
    warm_up = getattr(module, "worker_warm_up", None)
    if warm_up is not None:  # e.g. load dictionaries while the parent is still busy
        warm_up()
    _worker_main(Connection(int(fd)), function, Limits(**json.loads(limits)), int(parent))


if __name__ == "__main__":
    # run as the imported module, so that parsers asking stdsearch.workers for the current
    # limits see the ones set here
    from stdsearch.workers import main as worker

    worker(sys.argv[1:])
