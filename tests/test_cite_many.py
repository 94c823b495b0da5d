"""Cite and land across many real laws: 200 sampled (law, article) pairs in varied forms.

Laws are sampled (deterministically) from every folder of ../shared/data/laws; each sampled
article is written one of several usual ways (full or short title, 《》 or not, Chinese or
Arabic numerals, with 款 when the article has several). The cited clause must come first every
time, and a search must take well under 100 ms.
"""

from __future__ import annotations

import random
import statistics
import time
from pathlib import Path

import pytest

from stdsearch import pipeline
from stdsearch.clauses.numerals import int_to_cn
from stdsearch.records import STATUS_CURRENT, Document
from stdsearch.references import title_key
from stdsearch.search import SearchRequest, search
from stdsearch.settings import Home
from stdsearch.store import Store

from .conftest import require_shared

LAW_FILES = 120
PAIRS = 200
NATION = "中华人民共和国"


def sample_files(root: Path, count: int, seed: int = 14) -> list[Path]:
    """``count`` article-structured law files from all folders (not cases or stubs)."""
    files = sorted(
        p for p in root.rglob("*.md")
        if "案例" not in p.parts and p.name != "_index.md" and "模版" not in p.name
    )
    return random.Random(seed).sample(files, count)


def citation_forms(document: Document, clause_id: str, rng: random.Random) -> str:
    """One usual way of citing ``clause_id`` (a12, a12-1, a12.p2) of ``document``."""
    title = document.title.split(" ")[0] if document.title.startswith(NATION + "民法典") else document.title
    short = title.removeprefix(NATION)
    article, _, paragraph = clause_id[1:].partition(".p")
    number, _, sub = article.partition("-")
    chinese = f"第{int_to_cn(int(number))}条" + (f"之{int_to_cn(int(sub))}" if sub else "")
    arabic = f"第{number}条" + (f"之{int_to_cn(int(sub))}" if sub else "")
    name = rng.choice([short, title, f"《{short}》", f"《{title}》", f"title:{short} ", f"依照《{short}》", f"{short} "])
    article_text = rng.choice([chinese, arabic, chinese, arabic.removeprefix("第") if not sub else arabic])
    suffix = f"第{rng.choice([int_to_cn(int(paragraph)), paragraph])}款" if paragraph else ""
    tail = rng.choice(["", "", "", "的规定", "规定"])
    return f"{name}{article_text}{suffix}{tail}"


def is_article_or_paragraph(clause_id: str) -> bool:
    """a12, a12-1 or a12.p2 (not items, not preambles)."""
    return clause_id.startswith("a") and ".i" not in clause_id


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Home:
    """A home of 120 laws sampled from all folders."""
    files = sample_files(require_shared("laws"), LAW_FILES)
    home = Home.resolve(tmp_path_factory.mktemp("cite-many"))
    report = pipeline.ingest(home, files)
    assert report.failed == 0, report.failures
    return home


def pairs(home: Home) -> list[tuple[str, str, str]]:
    """(query, doc_id, clause_id) for PAIRS sampled articles of current, unambiguous laws."""
    store = Store(home)
    documents = [store.get(i) for i in store.ids()]
    keys: dict[str, int] = {}
    for document in documents:
        if document.status == STATUS_CURRENT:
            keys[title_key(document.title)] = keys.get(title_key(document.title), 0) + 1
    rng = random.Random(26)
    candidates = []
    for document in documents:
        if document.status != STATUS_CURRENT or keys[title_key(document.title)] != 1:
            continue
        candidates += [(document, c.clause_id) for c in document.clauses if is_article_or_paragraph(c.clause_id)]
    chosen = rng.sample(candidates, PAIRS)
    return [(citation_forms(d, c, rng), d.doc_id, c) for d, c in chosen]


@pytest.mark.slow
def test_two_hundred_citations_land_first_and_fast(home: Home) -> None:
    cases = pairs(home)
    assert len({doc_id for _, doc_id, _ in cases}) >= 50
    search(home, SearchRequest(q=cases[0][0]))  # load the title index and the searcher once
    misses, times = [], []
    for query, doc_id, clause_id in cases:
        started = time.perf_counter()
        hit = search(home, SearchRequest(q=query)).hits[0]
        times.append(time.perf_counter() - started)
        if (hit.doc_id, hit.clause_id) != (doc_id, clause_id):
            misses.append((query, clause_id, hit.title, hit.clause_id))
    times.sort()
    p50, p95 = statistics.median(times), times[int(0.95 * len(times)) - 1]
    print(f"cite-and-land: {len(cases) - len(misses)}/{len(cases)} first; p50 {p50 * 1000:.1f} ms, "
          f"p95 {p95 * 1000:.1f} ms, max {times[-1] * 1000:.1f} ms")
    assert misses == []
    assert p95 < 0.1
