"""Loading evaluation data: questions (TSV), TREC qrels and a STARD-style article corpus.

The corpus is gzip-compressed (or plain) JSON Lines with at least ``id``, ``article`` (第X条)
and ``source`` (the law's Markdown file as ``data/laws/<folder>/<file>.md``).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

#: The prefix of ``source`` paths in the corpus; the rest is relative to the laws folder.
SOURCE_PREFIX = "data/laws/"


@dataclass(frozen=True)
class Question:
    """One evaluation question."""

    query_id: str
    text: str


@dataclass(frozen=True)
class Article:
    """One corpus article: its id, its law file (relative to the laws folder) and label."""

    id: int
    source: str
    label: str


def load_queries(path: Path) -> list[Question]:
    """Questions from ``query_id<TAB>question`` lines (blank lines skipped)."""
    questions = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            query_id, _, text = line.partition("\t")
            questions.append(Question(query_id.strip(), text.strip()))
    return questions


def load_qrels(path: Path) -> dict[str, set[int]]:
    """Relevant corpus ids per query id from TREC qrels (``qid 0 docid rel``; rel > 0 counts)."""
    qrels: dict[str, set[int]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 4 and float(parts[3]) > 0:
            qrels.setdefault(parts[0], set()).add(int(parts[2]))
    return qrels


def _lines(path: Path) -> Iterator[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        yield from handle


def relative_source(source: str) -> str:
    """A corpus ``source`` path relative to the laws folder."""
    return source.split(SOURCE_PREFIX, 1)[1] if SOURCE_PREFIX in source else source


def load_corpus(path: Path) -> list[Article]:
    """The corpus articles, with their sources made relative to the laws folder."""
    articles = []
    for line in _lines(path):
        if line.strip():
            record = json.loads(line)
            articles.append(Article(int(record["id"]), relative_source(record["source"]), record["article"]))
    return articles


def law_files(articles: list[Article], laws: Path) -> list[Path]:
    """The law files the corpus names, under ``laws``, in a stable order."""
    return [laws / source for source in sorted({a.source for a in articles})]
