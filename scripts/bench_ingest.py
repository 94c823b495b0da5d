"""Benchmark ingest against the hardware bound, in one run (issue 17).

    python scripts/bench_ingest.py [--data ../shared/data] [--work DIR] [--json]
        [--skip laws,catalogues,incremental,memory]

Prints, side by side:

- ``stdsearch ingest`` of the national laws (laws/ without DLC/) into a fresh home, and
  ``reindex`` of that home, each as wall time;
- the baseline: jieba segmentation of the same texts (each distinct title and heading, every
  searchable clause text) on all cores, in the modes our analyzer uses (accurate; search mode's
  sub-words for clause texts) with the same dictionaries, plus building a tantivy index from
  those tokens (``pip install tantivy``, a bench-only dependency: ``stdsearch[bench]``); and the ratios ingest / baseline and
  reindex / baseline (target ≤ 1.5), by wall time and by CPU time (which a busy machine does
  not change);
- a second baseline, the same with the segmenter stdsearch uses (jieba with its routes found
  by jieba-next's Rust core: the same words, faster), and the ratios to it;
- a floor: parsing alone (files → documents → clauses, nothing segmented or stored), plus
  stdsearch's segmentation of the texts, plus Whoosh's segment writing alone (the clauses
  already segmented, in memory), each on all cores — what an ingest through Whoosh cannot go
  below, and its ratio to the baseline;
- catalogue ingest (standards-catalogues/ into a fresh home; target < 30 s);
- incremental ingest of one changed file into the laws home, and into the home of all the
  shared data (target < 2 s);
- peak RSS of an ingest at two corpus sizes (the national laws; all the shared data): of the
  ingesting process and its workers together at one moment, sampled (target < 1.5 GB).

A benchmark, not a test: note the machine's load (printed) next to the figures.
"""

from __future__ import annotations

import argparse
import datetime
import json
import multiprocessing
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from stdsearch import pipeline
from stdsearch.segments import searchable_clauses
from stdsearch.settings import Home
from stdsearch.store import Store

PROJECT = Path(__file__).resolve().parents[1]


def national_laws(data: Path) -> list[Path]:
    """The folders of the national laws: laws/ without the local regulations (DLC/)."""
    return [p for p in sorted((data / "laws").iterdir()) if p.is_dir() and p.name != "DLC"]


def all_shared_data(data: Path) -> list[Path]:
    """Every document folder of the shared data (not the STARD benchmark, not the seed)."""
    names = ["laws", "standards-catalogues", "tw-laws", "standards", "standards-fulltext", "html", "html-gov"]
    return [data / name for name in names if (data / name).exists()]


def load() -> str:
    """The load averages, for the record."""
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def cpu_seconds() -> float:
    """CPU seconds (user + system) used so far by this process and its finished children."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(function: Any, *args: Any) -> tuple[Any, float]:
    """(result, wall seconds)."""
    result, wall, _ = timed_cpu(function, *args)
    return result, wall


def timed_cpu(function: Any, *args: Any) -> tuple[Any, float, float]:
    """(result, wall seconds, CPU seconds of this process and the workers it started and ended)."""
    started, cpu = time.perf_counter(), cpu_seconds()
    result = function(*args)
    return result, time.perf_counter() - started, cpu_seconds() - cpu


# --- the baseline: jieba on all cores + tantivy -------------------------------------------


def _cut(task: tuple[bool, bool, list[str]]) -> list[list[str]]:
    """The words of each text, by jieba itself or (``ours``) by stdsearch's segmenter: accurate
    mode, plus search mode's sub-words for clause texts (``search``), as our analyzer indexes them."""
    from stdsearch import analysis

    ours, search, texts = task
    tokenizer = analysis.TOKENIZER if ours else analysis.jieba.dt
    cut = tokenizer.lcut_for_search if search else tokenizer.lcut
    return [cut(text) for text in texts]


def _init_jieba() -> None:
    """Load jieba's own dictionary and the domain dictionary our analyzer loads."""
    from stdsearch import analysis

    analysis.load_dictionaries_into(analysis.jieba.dt)


def _init_ours() -> None:
    """Load stdsearch's segmenter with its dictionaries."""
    from stdsearch import analysis

    analysis.load_dictionary()


def stored_texts(home: Home) -> list[tuple[str, str, str]]:
    """(title, heading, text) of every searchable clause in the home."""
    rows = []
    for document in Store(home).documents():
        rows.extend((document.title, c.heading, c.text) for c in searchable_clauses(document))
    return rows


def segmented_texts(rows: list[tuple[str, str, str]]) -> list[str]:
    """The texts a baseline segments: each distinct title, each distinct heading, every clause text."""
    return sorted({r[0] for r in rows}) + sorted({r[1] for r in rows}) + [r[2] for r in rows]


def segmentation(rows: list[tuple[str, str, str]], ours: bool) -> tuple[dict[str, str], float, float]:
    """(text → its words joined by spaces, wall seconds, CPU seconds) to segment the texts on all
    cores (each distinct title and heading once, every clause text; the modes and dictionaries
    our analyzer uses) with jieba, or with stdsearch's segmenter when ``ours``. Worker start-up
    and dictionary loading count, as they do for an ingest."""
    short = sorted({r[0] for r in rows}) + sorted({r[1] for r in rows})
    texts = [r[2] for r in rows]
    chunks = [(ours, False, short[i : i + 500]) for i in range(0, len(short), 500)]
    chunks += [(ours, True, texts[i : i + 500]) for i in range(0, len(texts), 500)]
    started, cpu = time.perf_counter(), cpu_seconds()
    initializer = _init_ours if ours else _init_jieba
    with multiprocessing.get_context("spawn").Pool(os.cpu_count(), initializer=initializer) as pool:
        cut = [words for part in pool.map(_cut, chunks, chunksize=1) for words in part]
        pool.close()
        pool.join()  # the workers' CPU time is counted once they are reaped
    tokens = dict(zip(short + texts, (" ".join(w) for w in cut), strict=True))
    return tokens, time.perf_counter() - started, cpu_seconds() - cpu


def baseline(rows: list[tuple[str, str, str]], work: Path) -> dict[str, float]:
    """Seconds to segment the texts on all cores (:func:`segmentation`) with jieba, and with
    stdsearch's segmenter, and to index the tokens with tantivy."""
    import tantivy

    ours, ours_s, ours_cpu = segmentation(rows, ours=True)
    tokens, segmented_s, segmented_cpu = segmentation(rows, ours=False)
    if ours != tokens:
        raise SystemExit("stdsearch's segmenter and jieba cut some text differently")

    builder = tantivy.SchemaBuilder()
    for name in ("title", "heading", "text"):
        builder.add_text_field(name, stored=name == "text", tokenizer_name="whitespace")
    builder.add_text_field("key", stored=True, tokenizer_name="raw")
    folder = work / "tantivy"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    started, cpu = time.perf_counter(), cpu_seconds()
    index = tantivy.Index(builder.build(), path=str(folder))
    writer = index.writer(heap_size=256_000_000, num_threads=os.cpu_count() or 1)
    for number, (title, heading, text) in enumerate(rows):
        writer.add_document(tantivy.Document(key=str(number), title=tokens[title], heading=tokens[heading],
                                             text=tokens[text]))
    writer.commit()
    writer.wait_merging_threads()
    indexing, indexing_cpu = time.perf_counter() - started, cpu_seconds() - cpu
    return {"jieba_all_cores_s": segmented_s, "tantivy_s": indexing, "baseline_s": segmented_s + indexing,
            "baseline_cpu_s": segmented_cpu + indexing_cpu,
            "ours_all_cores_s": ours_s, "ours_all_cores_cpu_s": ours_cpu, "ours_baseline_s": ours_s + indexing,
            "ours_baseline_cpu_s": ours_cpu + indexing_cpu,
            "texts": len(segmented_texts(rows)), "megabytes": sum(len(t.encode()) for t in segmented_texts(rows)) / 1e6}


# --- the phases ---------------------------------------------------------------------------


def _write_half(task: tuple[str, str, list[str]]) -> tuple[float, float]:
    """(wall, CPU seconds) for Whoosh's segment writing alone of the records of ``doc_ids`` in
    the home at ``root`` (records built from the store and the segment cache first, untimed)."""
    from stdsearch import index as index_mod
    from stdsearch.segments import SegmentCache, texts_digest

    root, folder, doc_ids = task
    home = Home(Path(root))
    store, cache = Store(home), SegmentCache(home)
    records = []
    for doc_id in doc_ids:
        document = store.get(doc_id)
        records.extend(index_mod.index_records(document, cache.get(doc_id, texts_digest(document))))
    cache.close()
    started, cpu = time.perf_counter(), time.process_time()
    with pipeline.collection_paused():  # as in the ingest's workers
        index_mod.write_scratch_index(Path(folder), records, index_mod.scratch_limit_mb(os.cpu_count() or 1))
    return time.perf_counter() - started, time.process_time() - cpu


def _parse_files(paths: list[str]) -> float:
    """CPU seconds to parse, split and stamp the documents of ``paths`` (nothing segmented)."""
    started, today = time.process_time(), datetime.date.today()
    for path in paths:
        for document in pipeline.read_documents(Path(path)):
            pipeline.prepare(document, "", today)
    return time.process_time() - started


def parsing(inputs: list[Path]) -> dict[str, float]:
    """CPU seconds to parse, split into clauses and stamp every input (no segmentation, no
    store), on all cores; and that spread evenly over the cores, as wall seconds."""
    files = [str(p) for p in pipeline.expand_paths(inputs, pipeline.IngestReport())]
    cores = os.cpu_count() or 1
    chunks = [files[i : i + 50] for i in range(0, len(files), 50)]
    with multiprocessing.get_context("spawn").Pool(cores) as pool:
        cpu = sum(pool.map(_parse_files, chunks, chunksize=1))
    return {"parsing_cpu_s": cpu, "parsing_s": cpu / cores}


def whoosh_writing(home: Home, work: Path) -> dict[str, float]:
    """Seconds Whoosh takes just to write the index segments of the home's clauses (already
    segmented, in memory), on all cores as an ingest splits them: part of any ingest with
    Whoosh, against which the baseline's tantivy takes a fraction of a second."""
    ids = sorted(Store(home).ids())
    cores = os.cpu_count() or 1
    folder = work / "whoosh-writing"
    shutil.rmtree(folder, ignore_errors=True)
    tasks = [(str(home.root), str(folder / str(n)), ids[n::cores]) for n in range(cores)]
    with multiprocessing.get_context("spawn").Pool(cores) as pool:
        times = pool.map(_write_half, tasks, chunksize=1)
    shutil.rmtree(folder, ignore_errors=True)
    return {"whoosh_writing_s": max(wall for wall, _ in times), "whoosh_writing_cpu_s": sum(cpu for _, cpu in times)}


def laws_phase(data: Path, work: Path) -> tuple[dict[str, Any], Home]:
    """Ingest and reindex the national laws, and the baseline on the same texts."""
    home = Home.resolve(work / "laws-home")
    shutil.rmtree(home.root, ignore_errors=True)
    print(f"ingest of the national laws … (load {load()})", file=sys.stderr)
    report, ingest_s, ingest_cpu = timed_cpu(pipeline.ingest, home, national_laws(data))
    print(f"reindex … (load {load()})", file=sys.stderr)
    clauses, reindex_s, reindex_cpu = timed_cpu(pipeline.reindex, home)
    print(f"baseline … (load {load()})", file=sys.stderr)
    figures = baseline(stored_texts(home), work)
    print(f"Whoosh's writing alone, parsing alone … (load {load()})", file=sys.stderr)
    figures.update(whoosh_writing(home, work))
    figures.update(parsing(national_laws(data)))
    # what no ingest through Whoosh can go below: parsing, segmenting (with stdsearch's
    # segmenter) and writing the segments, with nothing else (no store, citations, manifest)
    figures["floor_s"] = figures["parsing_s"] + figures["ours_all_cores_s"] + figures["whoosh_writing_s"]
    figures["floor_ratio"] = figures["floor_s"] / figures["baseline_s"]
    figures["floor_cpu_s"] = figures["parsing_cpu_s"] + figures["ours_all_cores_cpu_s"] + figures["whoosh_writing_cpu_s"]
    figures["floor_cpu_ratio"] = figures["floor_cpu_s"] / figures["baseline_cpu_s"]
    figures.update(
        documents=report.documents, clauses=report.clauses, failed=report.failed,
        ingest_s=ingest_s, reported_seconds=report.seconds, reindex_s=reindex_s, reindex_clauses=clauses,
    )
    figures["ingest_ratio"] = ingest_s / figures["baseline_s"]
    figures["reindex_ratio"] = reindex_s / figures["baseline_s"]
    figures["ingest_ratio_ours"] = ingest_s / figures["ours_baseline_s"]
    figures["reindex_ratio_ours"] = reindex_s / figures["ours_baseline_s"]
    # CPU seconds do not depend on what else the machine runs: on a busy machine they show what
    # the wall-time ratios would be on an idle one (when both sides keep every core busy)
    figures.update(ingest_cpu_s=ingest_cpu, reindex_cpu_s=reindex_cpu,
                   ingest_cpu_ratio=ingest_cpu / figures["baseline_cpu_s"],
                   reindex_cpu_ratio=reindex_cpu / figures["baseline_cpu_s"])
    figures["load"] = load()
    return figures, home


def catalogue_phase(data: Path, work: Path) -> dict[str, Any]:
    """Ingest the standards catalogues into a fresh home."""
    home = Home.resolve(work / "catalogue-home")
    shutil.rmtree(home.root, ignore_errors=True)
    print(f"catalogue ingest … (load {load()})", file=sys.stderr)
    report, seconds, cpu = timed_cpu(pipeline.ingest, home, [data / "standards-catalogues"])
    return {"documents": report.documents, "clauses": report.clauses, "failed": report.failed,
            "seconds": seconds, "cpu_s": cpu, "load": load()}


def incremental_phase(home: Home, data: Path, work: Path) -> dict[str, Any]:
    """One changed file ingested into a (large) home: a national law, changed by one article."""
    folder = work / f"incremental-{home.root.name}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    original = next(p for p in sorted((data / "laws" / "经济法").glob("*.md")) if not p.name.startswith("_"))
    copy = folder / original.name
    shutil.copy(original, copy)
    first = pipeline.ingest(home, [copy])
    copy.write_text(copy.read_text(encoding="utf-8") + "\n第九百九十九条 本条为基准测试所加。\n", encoding="utf-8")
    print(f"incremental ingest into {home.root.name} … (load {load()})", file=sys.stderr)
    report, seconds = timed(pipeline.ingest, home, [copy])
    return {"home_documents": len(Store(home).ids()), "added_first": first.added, "updated": report.updated,
            "seconds": seconds, "load": load()}


def tree_rss_mb(root: int) -> tuple[float, float]:
    """(RSS of process ``root`` and all its descendants together, of the largest of them), in MB,
    at this moment."""
    import psutil

    sizes = []
    try:
        parent = psutil.Process(root)
        processes = [parent, *parent.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0, 0.0
    for process in processes:
        try:
            sizes.append(process.memory_info().rss / 2**20)
        except psutil.NoSuchProcess:  # a worker that ended meanwhile
            continue
    return sum(sizes), max(sizes, default=0.0)


def peak_rss(paths: list[Path], home: Path) -> dict[str, Any]:
    """Peak RSS (MB) of a ``stdsearch ingest`` of ``paths`` into a fresh home: of the ingesting
    process and its workers together at one moment (sampled every 0.2 s), and of the largest
    one; with its wall time."""
    shutil.rmtree(home, ignore_errors=True)
    command = [sys.executable, "-m", "stdsearch.cli", "--home", str(home), "ingest", "--no-embed", "--json", *map(str, paths)]
    print(f"peak RSS of an ingest of {len(paths)} folders … (load {load()})", file=sys.stderr)
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(command, stdout=out)
        together = largest = 0.0
        while process.poll() is None:
            now_together, now_largest = tree_rss_mb(process.pid)
            together, largest = max(together, now_together), max(largest, now_largest)
            time.sleep(0.2)
        out.seek(0)
        summary = json.loads(out.read() or b"{}") if process.returncode in (0, 1) else {}
        if process.returncode and not summary.get("failed"):  # exit 1 with failed inputs: they fail alone
            raise SystemExit(f"ingest failed ({process.returncode}): {' '.join(command)}")
    return {"peak_rss_mb": round(together), "largest_process_mb": round(largest),
            "seconds": time.perf_counter() - started, "documents": summary.get("documents"),
            "clauses": summary.get("clauses"), "failed": summary.get("failed"), "load": load()}


def noted(phase: str, figures: dict[str, Any]) -> dict[str, Any]:
    """Print a phase's figures on stderr as soon as it is done (a long run keeps what it measured)."""
    print(f"{phase}: {json.dumps(figures, ensure_ascii=False)}", file=sys.stderr, flush=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=PROJECT.parent / "shared" / "data")
    parser.add_argument("--work", type=Path, default=None, help="Folder for the homes (default: a temporary one).")
    parser.add_argument("--skip", default="", help="Comma-separated phases to skip: laws (then no incremental ingest into the laws home), "
                        "catalogues, incremental, memory.")
    parser.add_argument("--json", action="store_true", help="Print the figures as one JSON object.")
    args = parser.parse_args()
    os.environ.setdefault("STDSEARCH_SEMANTIC", "off")
    skip = set(filter(None, args.skip.split(",")))
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    figures: dict[str, Any] = {}
    home = None
    if "laws" not in skip:
        figures["laws"], home = laws_phase(args.data, work)
        noted("laws", figures["laws"])
    if "catalogues" not in skip:
        figures["catalogues"] = noted("catalogues", catalogue_phase(args.data, work))
    if "incremental" not in skip and home is not None:
        figures["incremental"] = noted("incremental", incremental_phase(home, args.data, work))
    if "memory" not in skip:
        figures["memory"] = {
            "national_laws": noted("memory, national laws", peak_rss(national_laws(args.data), work / "rss-laws")),
            "all_shared_data": noted("memory, all", peak_rss(all_shared_data(args.data), work / "rss-all")),
        }
        if "incremental" not in skip:  # one changed file into the largest home there is
            large = Home.resolve(work / "rss-all")
            figures["incremental_all"] = noted("incremental, all shared data", incremental_phase(large, args.data, work))
    figures["cores"] = os.cpu_count()
    figures["own_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=1))
        return
    if "laws" in figures:
        print_laws(figures)
    if "catalogues" in figures:
        cat = figures["catalogues"]
        print(f"catalogues: {cat['documents']} documents in {cat['seconds']:.1f} s, CPU {cat['cpu_s']:.1f} s "
              f"(target < 30 s); load {cat['load']}")
    for name in ("incremental", "incremental_all"):
        if name not in figures:
            continue
        inc = figures[name]
        print(f"incremental: one changed file into {inc['home_documents']} documents in {inc['seconds']:.2f} s "
              f"(target < 2 s); load {inc['load']}")
    for name, mem in figures.get("memory", {}).items():
        print(f"peak RSS, {name}: {mem['peak_rss_mb']:.0f} MB, all processes at one moment (largest process "
              f"{mem['largest_process_mb']:.0f} MB; {mem['documents']} documents, {mem['clauses']} clauses, "
              f"{mem['seconds']:.0f} s; target < 1536 MB); load {mem['load']}")


def print_laws(figures: dict[str, Any]) -> None:
    """The national laws' figures, for people."""
    laws = figures["laws"]
    print(f"national laws: {laws['documents']} documents, {laws['clauses']} clauses, "
          f"{laws['megabytes']:.1f} MB of text; load {laws['load']}")
    print(f"  ingest   {laws['ingest_s']:7.1f} s   ratio {laws['ingest_ratio']:.2f}   "
          f"(CPU {laws['ingest_cpu_s']:.1f} s, ratio {laws['ingest_cpu_ratio']:.2f})")
    print(f"  reindex  {laws['reindex_s']:7.1f} s   ratio {laws['reindex_ratio']:.2f}   "
          f"(CPU {laws['reindex_cpu_s']:.1f} s, ratio {laws['reindex_cpu_ratio']:.2f})")
    print(f"  baseline {laws['baseline_s']:7.1f} s   = jieba on {figures['cores']} cores "
          f"{laws['jieba_all_cores_s']:.1f} s + tantivy {laws['tantivy_s']:.1f} s   "
          f"(CPU {laws['baseline_cpu_s']:.1f} s; target ratio ≤ 1.5)")
    print(f"  baseline {laws['ours_baseline_s']:7.1f} s   = stdsearch's segmenter (jieba, routes in Rust) on "
          f"{figures['cores']} cores {laws['ours_all_cores_s']:.1f} s + tantivy {laws['tantivy_s']:.1f} s   "
          f"(CPU {laws['ours_baseline_cpu_s']:.1f} s): ingest ratio {laws['ingest_ratio_ours']:.2f}, "
          f"reindex ratio {laws['reindex_ratio_ours']:.2f}")
    print(f"  floor    {laws['floor_s']:7.1f} s   = parsing alone {laws['parsing_s']:.1f} s (CPU {laws['parsing_cpu_s']:.1f} s "
          f"over {figures['cores']} cores) + stdsearch's segmenter {laws['ours_all_cores_s']:.1f} s + Whoosh's segment "
          f"writing alone {laws['whoosh_writing_s']:.1f} s (CPU {laws['whoosh_writing_cpu_s']:.1f} s): "
          f"ratio {laws['floor_ratio']:.2f} (CPU {laws['floor_cpu_s']:.1f} s, ratio {laws['floor_cpu_ratio']:.2f}), "
          f"with nothing stored")


if __name__ == "__main__":
    main()
