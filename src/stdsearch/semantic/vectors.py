"""Clause vectors in a folder of their own (the home's ``vectors/``), swapped in atomically.

Layout: ``<home>/vectors/vectors`` is a symlink to ``vectors-<n>/`` holding ``meta.json`` (model,
dimensions, encoding, facet vocabularies), ``keys.json`` (``doc_id/clause_id`` and text hash
of each row), ``matrix.npy`` (int8 codes, or float16), ``scale.npy`` (int8: one float32 scale
per row) and ``facets.npz`` (one int32 code per row and facet field of
:data:`~stdsearch.search.request.FACET_FIELDS`, plus ``current``, for filtering dense
candidates). Every write (a rebuild, an incremental ingest, ``stdsearch embed``) makes a new
``vectors-<n>`` and swaps the symlink with :func:`os.replace`, so readers never see a
half-written set. The vectors live beside the engine, not inside it: a home whose clauses are in
OpenSearch keeps them here too.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from stdsearch.search.request import facet_holds

ENCODINGS = ("int8", "float16", "float32")
DEFAULT_ENCODING = "int8"
LINK = "vectors"


@dataclass
class VectorSet:
    """Unit vectors of clauses (float32 in memory), their keys, text hashes and facet codes."""

    model: str
    keys: list[str]
    hashes: list[str]
    matrix: np.ndarray
    facet_codes: dict[str, np.ndarray] = field(default_factory=dict)
    facet_values: dict[str, list[str]] = field(default_factory=dict)
    current: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.keys)

    @functools.cached_property
    def rows(self) -> dict[str, int]:
        """key → row number."""
        return {key: row for row, key in enumerate(self.keys)}

    def facets_of(self, key: str) -> dict[str, str]:
        """The facet values of one row, by key ({} for an unknown key); multi-valued ones joined
        by commas as the index holds them."""
        row = self.rows.get(key)
        if row is None:
            return {}
        return {name: self.facet_values[name][int(codes[row])] for name, codes in self.facet_codes.items()}

    def mask(self, filters: dict[str, str]) -> np.ndarray | None:
        """Rows whose facet values equal every filter (None: no filter, all rows); a multi-valued
        facet (every ICS and CCS code of a standard) passes when one of its values does. A filter on a
        field the vectors do not hold (vectors written before that facet existed) keeps no row:
        lexical search answers it."""
        if any(v and k not in self.facet_codes for k, v in filters.items()):
            return np.zeros(len(self.keys), dtype=bool)
        chosen = {k: v for k, v in filters.items() if v}
        if not chosen:
            return None
        keep = np.ones(len(self.keys), dtype=bool)
        for name, value in chosen.items():
            allowed = [code for code, held in enumerate(self.facet_values.get(name, [])) if facet_holds(name, held, value)]
            if not allowed:
                return np.zeros(len(self.keys), dtype=bool)
            keep &= np.isin(self.facet_codes[name], allowed)
        return keep

    def top(self, query: np.ndarray, k: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The ``k`` best rows by dot product with ``query``: (row, similarity), best first."""
        if not len(self.keys):
            return []
        scores = self.matrix @ np.asarray(query, dtype=np.float32).reshape(-1)
        if mask is not None:
            scores = np.where(mask, scores, -np.inf)
        k = min(k, len(scores))
        best = np.argpartition(-scores, k - 1)[:k]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(int(r), float(scores[r])) for r in best if np.isfinite(scores[r])]


# --- encoding ---------------------------------------------------------------------------


def quantise_int8(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric per-row int8 codes and scales: ``row ≈ codes * scale``."""
    peak = np.abs(matrix).max(axis=1) if len(matrix) else np.zeros(0, dtype=np.float32)
    scale = np.where(peak == 0, 1.0, peak / 127.0).astype(np.float32)
    codes = np.clip(np.rint(matrix / scale[:, None]), -127, 127).astype(np.int8)
    return codes, scale


def dequantise_int8(codes: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """float32 rows from int8 codes and per-row scales."""
    return codes.astype(np.float32) * scale[:, None]


def encode(matrix: np.ndarray, encoding: str) -> tuple[np.ndarray, np.ndarray | None]:
    """The stored form of a float32 matrix: (array, per-row scale or None)."""
    if encoding == "int8":
        return quantise_int8(matrix)
    if encoding in ("float16", "float32"):
        return matrix.astype(encoding), None
    raise ValueError(f"unknown vector encoding {encoding!r}: use one of {', '.join(ENCODINGS)}")


def decode(stored: np.ndarray, scale: np.ndarray | None) -> np.ndarray:
    """The float32 matrix of a stored array (int8 needs its scale)."""
    if scale is not None:
        return dequantise_int8(stored, scale)
    return stored.astype(np.float32)


def as_stored(matrix: np.ndarray, encoding: str) -> np.ndarray:
    """``matrix`` as readers get it back once stored with ``encoding`` (float32)."""
    return decode(*encode(matrix, encoding))


# --- files ------------------------------------------------------------------------------


def write(home: Path, vectors: VectorSet, encoding: str = DEFAULT_ENCODING) -> Path:
    """Write ``vectors`` as a new ``vectors-<n>/`` in the folder ``home`` and swap its link to it."""
    home.mkdir(parents=True, exist_ok=True)
    folder = _new_folder(home)
    stored, scale = encode(vectors.matrix, encoding)
    np.save(folder / "matrix.npy", stored)
    if scale is not None:
        np.save(folder / "scale.npy", scale)
    codes = {name: vectors.facet_codes[name] for name in vectors.facet_codes}
    if vectors.current is not None:
        codes["current"] = vectors.current
    np.savez(folder / "facets.npz", **codes)
    (folder / "keys.json").write_text(json.dumps(list(zip(vectors.keys, vectors.hashes, strict=True))))
    meta = {"model": vectors.model, "dim": int(vectors.matrix.shape[1]) if vectors.matrix.ndim == 2 else 0,
            "count": len(vectors), "encoding": encoding, "facet_values": vectors.facet_values}
    (folder / "meta.json").write_text(json.dumps(meta, ensure_ascii=False))
    _swap(home, folder)
    return folder


def _new_folder(home: Path) -> Path:
    numbers = [int(p.name.split("-")[1]) for p in home.glob("vectors-*") if p.name[8:].isdigit()]
    folder = home / f"vectors-{max(numbers, default=0) + 1}"
    folder.mkdir()
    return folder


def _swap(home: Path, folder: Path) -> None:
    """Point ``<home>/vectors`` at ``folder`` atomically; drop all but it and the previous."""
    link = home / LINK
    previous = os.readlink(link) if link.is_symlink() else ""
    tmp = home / f"{LINK}.tmp"
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(folder.name)
    os.replace(tmp, link)
    for old in home.glob("vectors-*"):
        if old.name not in (folder.name, previous):
            shutil.rmtree(old, ignore_errors=True)


def version(home: Path) -> str:
    """Which vectors-<n> the link in the folder ``home`` points at ('' when none)."""
    try:
        return os.readlink(home / LINK)
    except OSError:
        return ""


def read(home: Path) -> VectorSet | None:
    """The live vectors of the folder ``home``, float32 in memory, or None when it has none."""
    name = version(home)
    if not name:
        return None
    folder = home / name
    meta = json.loads((folder / "meta.json").read_text())
    pairs = json.loads((folder / "keys.json").read_text())
    scale_path = folder / "scale.npy"
    scale = np.load(scale_path) if scale_path.exists() else None
    matrix = decode(np.load(folder / "matrix.npy"), scale)
    with np.load(folder / "facets.npz") as codes:
        facet_codes = {name: codes[name] for name in codes.files if name != "current"}
        current = codes["current"] if "current" in codes.files else None
    return VectorSet(
        model=meta["model"],
        keys=[k for k, _ in pairs],
        hashes=[h for _, h in pairs],
        matrix=matrix.reshape(len(pairs), -1) if len(pairs) else matrix,
        facet_codes=facet_codes,
        facet_values=meta.get("facet_values", {}),
        current=current,
    )
