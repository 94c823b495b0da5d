"""Segmenting a short text without loading jieba's whole dictionary (a CLI search in under 1 s).

jieba's segmentation of a sentence only ever looks up *substrings of that sentence* in its
prefix dictionary (``FREQ``: words with their counts, and every word's prefixes with 0) and
reads the dictionary's ``total``. Loading the whole dictionary takes about 0.6 s (500,000
entries); looking up the few hundred substrings of a query in an SQLite copy of it takes a
millisecond. The analyzer's tokenizer given just those entries segments the text exactly as
the fully loaded one does (tested), so queries and documents keep one analyzer.

The copy is keyed by a fingerprint of jieba's version, its dictionary and our domain
dictionary, lives in the user's cache directory (``$STDSEARCH_CACHE``, else
``$XDG_CACHE_HOME/stdsearch``, else ``~/.cache/stdsearch``) and is written, atomically, the
first time a process has the whole dictionary loaded.
"""

from __future__ import annotations

import functools
import hashlib
import os
import sqlite3
import tempfile
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from stdsearch import files

#: Texts longer than this are segmented with the whole dictionary (documents at ingest).
LIGHT_MAX_CHARS = 400
#: Environment variable naming the cache directory.
CACHE_ENV = files.CACHE_ENV


def cache_dir() -> Path:
    """Where the dictionary copy lives: the user's private cache (:func:`stdsearch.files.user_cache_dir`)."""
    return files.user_cache_dir()


@functools.cache
def fingerprint(user_dict: Path) -> str:
    """A short hash of what decides segmentation: jieba's version and dictionary, our user dictionary."""
    import jieba

    digest = hashlib.sha256(jieba.__version__.encode())
    main_dict = Path(jieba.__file__).with_name("dict.txt")
    for path in (main_dict, user_dict):
        stat = path.stat() if path.exists() else None
        digest.update(f"{path.name}:{stat.st_size if stat else 0}:".encode())
    if user_dict.exists():
        digest.update(user_dict.read_bytes())
    return digest.hexdigest()[:16]


def dictionary_path(user_dict: Path) -> Path:
    """The SQLite copy of the loaded dictionary for this fingerprint."""
    return cache_dir() / f"jieba-{fingerprint(user_dict)}.sqlite3"


def write_dictionary(path: Path, freq: Mapping[str, int], total: int) -> None:
    """Write ``freq`` and ``total`` (a fully loaded jieba dictionary) to ``path``, atomically."""
    files.private_directory(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        with sqlite3.connect(tmp) as db:
            db.execute("CREATE TABLE freq (word TEXT PRIMARY KEY, count INTEGER) WITHOUT ROWID")
            db.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value INTEGER)")
            db.executemany("INSERT INTO freq VALUES (?, ?)", freq.items())
            longest = max((len(word) for word in freq), default=1)
            db.executemany("INSERT INTO meta VALUES (?, ?)", [("total", total), ("longest", longest)])
        db.close()
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def substrings(text: str, longest: int) -> set[str]:
    """Every substring of ``text`` up to ``longest`` characters."""
    return {text[i:j] for i in range(len(text)) for j in range(i + 1, min(len(text), i + longest) + 1)}


def entries(path: Path, text: str) -> tuple[dict[str, int], int] | None:
    """The dictionary entries that are substrings of ``text``, and the total; None without a copy."""
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        meta = dict(db.execute("SELECT name, value FROM meta"))
        wanted = sorted(substrings(text, int(meta["longest"])))
        found: dict[str, int] = {}
        for chunk in _chunks(wanted, 900):
            marks = ",".join("?" * len(chunk))
            found.update(db.execute(f"SELECT word, count FROM freq WHERE word IN ({marks})", chunk))
        return found, int(meta["total"])
    except (sqlite3.Error, KeyError):
        return None
    finally:
        db.close()


def known_words(path: Path, candidates: list[str]) -> set[str] | None:
    """The candidates that are words (count above zero) in the copy at ``path``; None without
    one. The copy is opened once per process and thread."""
    db = _reader(str(path), threading.get_ident())
    if db is None:
        return None
    wanted = sorted(set(candidates))
    found: set[str] = set()
    try:
        for chunk in _chunks(wanted, 900):
            marks = ",".join("?" * len(chunk))
            found.update(w for (w,) in db.execute(f"SELECT word FROM freq WHERE count > 0 AND word IN ({marks})", chunk))
    except sqlite3.Error:
        return None
    return found


@functools.lru_cache(maxsize=64)
def _reader(path: str, thread: int) -> sqlite3.Connection | None:
    """A read-only connection to the copy at ``path`` for one thread (None when there is none)."""
    if not Path(path).exists():
        return None
    try:
        return sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return None


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def light_tokenizer(path: Path, text: str) -> Any:
    """A jieba Tokenizer holding only the dictionary entries ``text`` can use (None without a copy)."""
    found = entries(path, text)
    if found is None:
        return None
    from stdsearch.analysis import RoutedTokenizer

    tokenizer = RoutedTokenizer()
    tokenizer.FREQ, tokenizer.total = found
    tokenizer.initialized = True
    return tokenizer
