"""Fetched bytes on disk under ``corpus/raw/``, addressed by their sha256, with provenance.

``raw/ab/abcdef….body`` holds the bytes exactly as received (after transfer decoding);
``raw/ab/abcdef….json`` beside it records, for every URL that served these bytes, the
final URL, status, response headers and fetch time — so the raw store can be re-parsed offline
without the crawl database. The same content at two URLs is stored once.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stdsearch import files


@dataclass(frozen=True)
class RawBody:
    """Bytes written to the raw store: where, how many, and their sha256."""

    path: Path
    sha256: str
    size: int


class RawWriter:
    """Streams one response body into a temporary file, hashing as it goes."""

    def __init__(self, store: RawStore) -> None:
        self._store = store
        store.root.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=store.root, prefix=".partial-")
        self._file = os.fdopen(handle, "wb")
        self._tmp = Path(name)
        self._hash = hashlib.sha256()
        self.size = 0

    def write(self, chunk: bytes) -> None:
        """Append a chunk of the body."""
        self._file.write(chunk)
        self._hash.update(chunk)
        self.size += len(chunk)

    def commit(self) -> RawBody:
        """Move the finished body to its content address; return where it is."""
        self._file.close()
        sha = self._hash.hexdigest()
        target = self._store.body_path(sha)
        target.parent.mkdir(parents=True, exist_ok=True)
        files.give_default_mode(self._tmp)
        os.replace(self._tmp, target)
        return RawBody(target, sha, self.size)

    def discard(self) -> None:
        """Throw the partial body away (oversized, timed out, or failed)."""
        self._file.close()
        self._tmp.unlink(missing_ok=True)


class RawStore:
    """The content-addressed raw store of one home (``corpus/raw``)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def writer(self) -> RawWriter:
        """A writer for a new body."""
        return RawWriter(self)

    def body_path(self, sha256: str) -> Path:
        """Where the bytes with this digest live."""
        return self.root / sha256[:2] / f"{sha256}.body"

    def meta_path(self, sha256: str) -> Path:
        """Where the provenance of these bytes lives."""
        return self.root / sha256[:2] / f"{sha256}.json"

    def read(self, sha256: str) -> bytes:
        """The stored bytes (FileNotFoundError when absent)."""
        return self.body_path(sha256).read_bytes()

    def has(self, sha256: str) -> bool:
        """True when these bytes are stored."""
        return self.body_path(sha256).exists()

    def record(self, sha256: str, url: str, provenance: dict[str, Any]) -> None:
        """Add or refresh one URL's provenance (final URL, status, headers, time) for a body."""
        path = self.meta_path(sha256)
        meta = self.provenance(sha256)
        meta["sha256"] = sha256
        meta.setdefault("urls", {})[url] = provenance
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(meta, ensure_ascii=False, indent=1, sort_keys=True), "utf-8")
        os.replace(tmp, path)

    def provenance(self, sha256: str) -> dict[str, Any]:
        """The provenance recorded for a body ({} when none)."""
        path = self.meta_path(sha256)
        if not path.exists():
            return {}
        return json.loads(path.read_text(encoding="utf-8"))
