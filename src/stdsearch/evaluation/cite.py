"""Evaluating cite and land: sampled (law, article) pairs written the usual ways, top-1 and time.

:func:`sample_cases` draws articles (and 款) of the current laws of a home whose titles no other
current document shares, and writes each citation one of the ways people write them
(:func:`written_citation`: full or short title, 《》 or not, ``title:``, 依照…, Chinese or
Arabic numerals, with or without 第 and 条, 款, 之一, 的规定). :func:`evaluate` searches each one and
reports how many land first and how long a search takes.
"""

from __future__ import annotations

import random
import re
import statistics
import time
from dataclasses import dataclass, field

from stdsearch.clauses.numerals import int_to_cn
from stdsearch.records import STATUS_CURRENT, Document
from stdsearch.references import title_key
from stdsearch.search import SearchRequest, search
from stdsearch.settings import Home
from stdsearch.store import Store

NATION = "中华人民共和国"
_CITABLE = re.compile(r"^a\d+(?:-\d+)?(?:\.p\d+)?$")


@dataclass(frozen=True)
class Case:
    """One citation query and the clause it must land on."""

    query: str
    doc_id: str
    clause_id: str


@dataclass
class CiteReport:
    """How many citations landed first, and search times in milliseconds."""

    total: int
    first: int
    p50_ms: float
    p95_ms: float
    max_ms: float
    misses: list[tuple[str, str, str]] = field(default_factory=list)

    def summary(self) -> str:
        """One line for a terminal or a README."""
        return (
            f"{self.first}/{self.total} first; p50 {self.p50_ms:.1f} ms, p95 {self.p95_ms:.1f} ms, "
            f"max {self.max_ms:.1f} ms"
        )


def written_citation(document: Document, clause_id: str, rng: random.Random) -> str:
    """``clause_id`` (a12, a12-1, a12.p2) of ``document`` cited one usual way."""
    title = document.title.split(" ")[0] if document.title.startswith(NATION + "民法典") else document.title
    short = title.removeprefix(NATION)
    article, _, paragraph = clause_id[1:].partition(".p")
    number, _, sub = article.partition("-")
    after = f"之{int_to_cn(int(sub))}" if sub else ""
    chinese, arabic = f"第{int_to_cn(int(number))}条{after}", f"第{number}条{after}"
    name = rng.choice([short, title, f"《{short}》", f"《{title}》", f"title:{short} ", f"依照《{short}》", f"{short} "])
    article_text = rng.choice([chinese, arabic, chinese, arabic if sub else arabic.removeprefix("第")])
    kuan = f"第{rng.choice([int_to_cn(int(paragraph)), paragraph])}款" if paragraph else ""
    if not paragraph and not sub and rng.random() < 0.15:
        return f"{rng.choice([short, short + ' '])}{number}"  # 食品安全法148, 民法典 1165
    return f"{name}{article_text}{kuan}{rng.choice(['', '', '', '的规定', '规定'])}"


def sample_cases(home: Home, count: int, seed: int = 26) -> list[Case]:
    """``count`` citations of articles and 款 of current, unambiguously titled documents."""
    store = Store(home)
    manifest = store.manifest()
    current = [i for i, e in manifest.items() if e.get("status") == STATUS_CURRENT]
    keys: dict[str, int] = {}
    for doc_id in current:
        key = title_key(manifest[doc_id].get("title", ""))
        keys[key] = keys.get(key, 0) + 1
    rng = random.Random(seed)
    candidates: list[tuple[Document, str]] = []
    for doc_id in sorted(current):
        if keys[title_key(manifest[doc_id].get("title", ""))] != 1:
            continue
        document = store.get(doc_id)
        candidates += [(document, c.clause_id) for c in document.clauses if _CITABLE.match(c.clause_id)]
    chosen = rng.sample(candidates, min(count, len(candidates)))
    return [Case(written_citation(d, c, rng), d.doc_id, c) for d, c in chosen]


def evaluate(home: Home, cases: list[Case]) -> CiteReport:
    """Search every case; count those whose first hit is the cited clause, and time them."""
    if cases:
        search(home, SearchRequest(q=cases[0].query))  # open the index and the title tables once
    times, misses = [], []
    for case in cases:
        started = time.perf_counter()
        hits = search(home, SearchRequest(q=case.query)).hits
        times.append((time.perf_counter() - started) * 1000)
        got = (hits[0].doc_id, hits[0].clause_id) if hits else ("", "")
        if got != (case.doc_id, case.clause_id):
            misses.append((case.query, case.clause_id, "/".join(got)))
    times.sort()
    return CiteReport(
        total=len(cases),
        first=len(cases) - len(misses),
        p50_ms=statistics.median(times) if times else 0.0,
        p95_ms=times[max(0, int(0.95 * len(times)) - 1)] if times else 0.0,
        max_ms=times[-1] if times else 0.0,
        misses=misses,
    )
