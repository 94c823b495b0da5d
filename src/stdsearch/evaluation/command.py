"""``stdsearch eval``: relevance of the search on labelled questions (STARD format)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from stdsearch import semantic
from stdsearch.cli_engine import engine_options
from stdsearch.evaluation import data, harness
from stdsearch.settings import Home

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def run(
    home: Home,
    laws: Path,
    corpus: Path,
    queries: Path,
    qrels: Path,
    modes: list[str],
    echo: bool = True,
    with_semantic: bool = False,
) -> dict[str, harness.EvalReport]:
    """Ingest the corpus's laws into ``home``, evaluate each mode and return the reports.

    ``with_semantic``: embed at ingest (and fill in what is missing), then report the lexical,
    dense and hybrid columns instead of ``modes``. Without it nothing is embedded or fused.
    """
    say = click.echo if echo else (lambda *_a, **_k: None)
    semantic.configure(mode="on" if with_semantic else "off")
    started = time.perf_counter()
    articles = data.load_corpus(corpus)
    ingest = harness.prepare_home(home, articles, laws)
    say(f"ingest: {ingest.summary()}", err=True)
    mapping = harness.article_map(home, articles, laws)
    say(f"{len(mapping)} of {len(articles)} corpus articles found in the index", err=True)
    questions, labels = data.load_queries(queries), data.load_qrels(qrels)
    reports = {}
    if with_semantic:
        from stdsearch.evaluation import semantic as semantic_eval
        from stdsearch.semantic.ingest import fill_live

        say(f"vectors: {fill_live(home).summary()}", err=True)
        reports = semantic_eval.compare(home, questions, labels, mapping)
        modes = []
        for column, report in reports.items():
            say(f"{column}: {_line(report)}", err=True)
    for mode in modes:
        reports[mode] = harness.evaluate(home, questions, labels, mapping, mode)
        say(f"{mode}: {_line(reports[mode])}", err=True)
        for half, values in harness.parity_halves(reports[mode]).items():
            say(f"  {half} ids: {_metrics_line(values)}", err=True)
    say(f"total {time.perf_counter() - started:.1f} s", err=True)
    return reports


def _metrics_line(values: dict[str, float]) -> str:
    return "  ".join(f"{name} {values[name]:.4f}" for name in harness.METRIC_NAMES)


def _line(report: harness.EvalReport) -> str:
    return (
        f"{report.queries} queries  {_metrics_line(report.metrics)}  "
        f"latency p50 {report.latency_p50_ms:.0f} ms p95 {report.latency_p95_ms:.0f} ms "
        f"(CPU p50 {report.cpu_p50_ms:.0f} ms p95 {report.cpu_p95_ms:.0f} ms)"
    )


def result_object(reports: dict[str, harness.EvalReport], main_mode: str) -> dict[str, object]:
    """The JSON object printed last: the main mode's keys, other modes and halves nested."""
    main = reports[main_mode]
    out: dict[str, object] = {**main.to_dict(), "mode": main_mode, **harness.parity_halves(main)}
    for mode, report in reports.items():
        if mode != main_mode:
            out[mode] = report.to_dict()
    return out


@click.command("eval")
@engine_options
@click.option("--laws", type=click.Path(exists=True, file_okay=False, path_type=Path), required=True, help="The laws folder (../shared/data/laws).")
@click.option("--corpus", type=_FILE, required=True, help="Article corpus, JSON Lines (.gz ok).")
@click.option("--queries", type=_FILE, required=True, help="Questions: query_id<TAB>question.")
@click.option("--qrels", type=_FILE, required=True, help="TREC qrels: qid 0 corpus_id rel.")
@click.option("--home", "eval_home", type=click.Path(file_okay=False, path_type=Path), default=None, help="Home to ingest into and search (reused when it already holds the laws); default: the global --home.")
@click.option("--baseline", is_flag=True, help="Plain BM25 only (improvements switched off).")
@click.option("--compare", is_flag=True, help="Also run the plain BM25 baseline, side by side.")
@click.option("--semantic", "with_semantic", is_flag=True, help="Lexical, dense and hybrid side by side (needs stdsearch[semantic]).")
@click.option("--embed-cache", type=click.Path(file_okay=False, path_type=Path), default=None, help="Embedding cache shared between homes (default: <home>/corpus/embeddings).")
@click.option("--json", "as_json", is_flag=True, help="End with one JSON object of the metrics.")
@click.pass_context
def eval_command(
    ctx: click.Context,
    laws: Path,
    corpus: Path,
    queries: Path,
    qrels: Path,
    eval_home: Path | None,
    baseline: bool,
    compare: bool,
    with_semantic: bool,
    embed_cache: Path | None,
    as_json: bool,
) -> None:
    """Measure relevance on labelled questions: recall@10/100, MRR@10, nDCG@10, latency."""
    home = Home.resolve(eval_home) if eval_home else (ctx.obj or {}).get("home") or Home.resolve()
    main_mode = "baseline" if baseline else "default"
    modes = [main_mode] + (["baseline"] if compare and not baseline else [])
    if embed_cache:
        semantic.configure(cache_dir=embed_cache)
    reports = run(home, laws, corpus, queries, qrels, modes, with_semantic=with_semantic)
    if with_semantic:
        if as_json:
            for column in ("lexical", "dense"):
                click.echo(json.dumps({**reports[column].to_dict(), "mode": column}, ensure_ascii=False))
            click.echo(json.dumps(result_object({"hybrid": reports["hybrid"]}, "hybrid"), ensure_ascii=False))
        return
    if as_json:
        click.echo(json.dumps(result_object(reports, main_mode), ensure_ascii=False))


#: The name the CLI registers.
eval = eval_command  # noqa: A001
