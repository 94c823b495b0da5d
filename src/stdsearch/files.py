"""File permissions: the same mode for every file stdsearch writes, and private cache folders;
the one way our derived SQLite tables are opened (:func:`sqlite_tables`); and the one reading
of the word lists under ``data/`` (:func:`data_rows`).

Files written through a temporary file (``tempfile.mkstemp`` makes them 0600) are given the
mode an ordinary ``open()`` would have given them (0666 minus the umask), like the index files
Whoosh writes, so a home's files are all readable by the same people. Caches that a process
loads back (jieba's prefix dictionary is unmarshalled) live in a folder only this user can
write: ``$STDSEARCH_CACHE``, else ``$XDG_CACHE_HOME/stdsearch``, else ``~/.cache/stdsearch``,
created 0700 — never a shared file in /tmp.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sqlite3
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

CACHE_ENV = "STDSEARCH_CACHE"
#: The package's word lists and tables.
DATA = Path(__file__).with_name("data")


@functools.cache
def process_umask() -> int:
    """The process's umask (read from /proc where possible, else set and restored once)."""
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def default_file_mode() -> int:
    """The mode a plain ``open()`` gives a new file: 0666 minus the umask."""
    return 0o666 & ~process_umask()


def give_default_mode(path: str | os.PathLike[str]) -> None:
    """Give a file made by ``mkstemp`` (0600) the mode every other file of the home has."""
    os.chmod(path, default_file_mode())


def private_directory(path: Path) -> Path:
    """``path`` as a folder only this user can use (created 0700; a folder of ours that is
    open to others is closed). OSError when it is not a folder or belongs to someone else."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = path.lstat()
    if not stat.S_ISDIR(info.st_mode):
        raise PermissionError(f"{path} is not a directory")
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise PermissionError(f"{path} belongs to another user")
    if info.st_mode & 0o077:
        os.chmod(path, 0o700)
    return path


def user_cache_dir() -> Path:
    """This user's stdsearch cache folder (not created): see the module's docstring."""
    chosen = os.environ.get(CACHE_ENV, "").strip()
    if chosen:
        return Path(chosen).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "stdsearch"


def private_cache(name: str) -> Path:
    """A private folder ``name`` in the user's cache; a fresh per-process one (0700, under
    the system's temporary folder) when that cannot be made safely."""
    try:
        return private_directory(user_cache_dir() / name)
    except OSError:
        return Path(tempfile.mkdtemp(prefix=f"stdsearch-{name}-"))


@contextlib.contextmanager
def sqlite_tables(path: Path, schema: str, create: bool = False) -> Iterator[sqlite3.Connection | None]:
    """A connection to the SQLite tables at ``path``: to read them (None when the file does not
    exist yet), or with ``create`` to change them — the tables made if missing (``schema``), WAL
    journal, one transaction committed on success, the file given the usual mode."""
    if not create and not path.exists():
        yield None
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path, timeout=60)
    try:
        if create:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.executescript(schema)
            with connection:
                yield connection
        else:
            yield connection
    finally:
        connection.close()
    if create:
        give_default_mode(path)


def data_rows(name: str) -> list[list[str]]:
    """The tab-separated fields of each line of the file ``name`` under ``data/`` that is
    neither blank nor a comment (``#``); none when the file is absent."""
    path = DATA / name
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return [line.split("\t") for line in lines if line.strip() and not line.startswith("#")]
