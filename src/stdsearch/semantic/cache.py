"""The embedding cache: (model name, sha1 of the text) → vector, in one SQLite file.

Vectors are stored as float32 BLOBs (1.5 KB for 384 dimensions). Writes are committed batch by
batch, so an interrupted run keeps what it computed and the next run resumes; the file can be
shared between homes (``--embed-cache DIR``) and read while another process writes (WAL).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from stdsearch.semantic.embedder import Embedder
from stdsearch.semantic.text import text_hash

CACHE_FILE = "embeddings.sqlite3"
#: How many texts are embedded and committed at a time: large enough that texts of one
#: length fill a batch (less padding), small enough that an interruption loses seconds.
BATCH_SIZE = 256

Progress = Callable[[int, int], None]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors (
    model TEXT NOT NULL,
    hash TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (model, hash)
) WITHOUT ROWID
"""


class EmbeddingCache:
    """A persistent map (model, text hash) → float32 vector under one directory."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / CACHE_FILE
        self._db = sqlite3.connect(self.path, timeout=60)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(_SCHEMA)

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def __enter__(self) -> EmbeddingCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get_many(self, model: str, hashes: Iterable[str]) -> dict[str, np.ndarray]:
        """The cached vectors of those hashes (missing ones are absent from the result)."""
        found: dict[str, np.ndarray] = {}
        wanted = list(dict.fromkeys(hashes))
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT hash, vector FROM vectors WHERE model = ? AND hash IN ({marks})",
                [model, *chunk],
            )
            for key, blob in rows:
                found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_many(self, model: str, items: Iterable[tuple[str, np.ndarray]]) -> None:
        """Store vectors and commit."""
        rows = [(model, key, np.asarray(v, dtype=np.float32).tobytes()) for key, v in items]
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)", rows)

    def count(self, model: str | None = None) -> int:
        """How many vectors are cached (for one model, or in all)."""
        if model is None:
            return self._db.execute("SELECT COUNT(*) FROM vectors").fetchone()[0]
        sql = "SELECT COUNT(*) FROM vectors WHERE model = ?"
        return self._db.execute(sql, (model,)).fetchone()[0]


def embed_passages(
    embedder: Embedder,
    cache: EmbeddingCache,
    texts: list[str],
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
) -> tuple[np.ndarray, int]:
    """Vectors for ``texts`` (rows in order), computing only what the cache lacks.

    Returns (matrix, number of texts computed). Each batch is committed before the next is
    started, so an interruption loses at most one batch.
    """
    hashes = [text_hash(t) for t in texts]
    known = cache.get_many(embedder.name, hashes)
    text_of = dict(zip(hashes, texts, strict=True))
    # Shortest first: a batch then holds texts of about one length, so little is padding.
    missing = sorted(dict.fromkeys(h for h in hashes if h not in known), key=lambda h: len(text_of[h]))
    for start in range(0, len(missing), batch_size):
        chunk = missing[start : start + batch_size]
        vectors = embedder.embed_passages([text_of[h] for h in chunk])
        cache.put_many(embedder.name, zip(chunk, vectors, strict=True))
        known.update(zip(chunk, vectors, strict=True))
        if progress:
            progress(min(start + batch_size, len(missing)), len(missing))
    matrix = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    for row, key in enumerate(hashes):
        matrix[row] = known[key]
    return matrix, len(missing)
