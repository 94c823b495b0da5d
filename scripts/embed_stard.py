"""Embed every STARD article into an embedding cache (batched, resumable, safe to interrupt).

Uses the pipeline's own text recipe (stdsearch.semantic.text.passage_text on law title,
article label and content, which equal the ingested Document.title / Clause.label /
Clause.text), so a later ingest of the same law files hits the cache. Articles are visited in
a fixed shuffled order, so a partial cache is a uniform sample of the corpus.

    nice -n 19 python scripts/embed_stard.py --embed-cache /work/embed-cache

On a busy machine two single-threaded processes (OMP_NUM_THREADS=1, the second with
--reverse) get more done than one two-threaded process, whose threads wait for each other.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import time
from pathlib import Path

from stdsearch.semantic.cache import EmbeddingCache, embed_passages
from stdsearch.semantic.embedder import get_embedder
from stdsearch.semantic.text import passage_text

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared/data/stard/corpus.jsonl.gz"


def article_texts(corpus: Path) -> list[str]:
    """The embedded text of every article, in a fixed shuffled order."""
    with gzip.open(corpus, "rt", encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines]
    texts = [passage_text(r["law"], r["article"], r["content"]) for r in rows]
    random.Random(7).shuffle(texts)
    return texts


def main() -> int:
    """Fill the cache in chunks, printing progress and speed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--embed-cache", type=Path, required=True)
    parser.add_argument("--chunk", type=int, default=256)
    parser.add_argument("--reverse", action="store_true", help="work from the end (a second process)")
    args = parser.parse_args()
    texts = article_texts(args.corpus)
    if args.reverse:
        texts.reverse()
    embedder = get_embedder()
    with EmbeddingCache(args.embed_cache) as cache:
        done = 0
        for start in range(0, len(texts), args.chunk):
            began = time.perf_counter()
            _, computed = embed_passages(embedder, cache, texts[start : start + args.chunk])
            done += computed
            rate = computed / max(time.perf_counter() - began, 1e-9)
            total = cache.count(embedder.name)
            print(f"{time.strftime('%H:%M:%S')} {total}/{len(texts)} cached, "
                  f"{computed} computed now ({rate:.1f}/s)", flush=True)
    print(f"done: {done} computed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
