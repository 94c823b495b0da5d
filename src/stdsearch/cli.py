"""The command line: a thin layer over the library.

Each command parses options, calls one function and maps domain errors to exit codes:
0 all went well, 1 some inputs failed (or nothing was found), 2 usage errors, 3 index busy.

Start-up time matters to scripts (``stdsearch --help`` under 0.3 s): this module imports only
click and the light settings at the top; every command imports what it needs when it runs, and
the commands that live beside their subsystem (crawl, eval, embed) are imported only when
invoked (:class:`Group` lists them from :data:`LAZY_COMMANDS` without importing them).
"""

from __future__ import annotations

import html
import importlib
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from stdsearch.cli_engine import engine_options
from stdsearch.errors import BadQuery, IndexBusy, NotFound, StdsearchError
from stdsearch.settings import HOME_ENV, Home

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_BUSY = 0, 1, 2, 3


#: Commands defined beside their subsystem: name → (module, attribute, one-line help).
LAZY_COMMANDS = {
    "crawl": ("stdsearch.crawl.command", "crawl_command",
              "Crawl sources from sources.toml, or URLs ad hoc, and index what changed."),
    "embed": ("stdsearch.semantic.command", "embed_command",
              "Embed the clauses of the live index that have no vector yet."),
    "eval": ("stdsearch.evaluation.command", "eval_command",
             "Relevance of the search on labelled questions (STARD format)."),
    "check": ("stdsearch.compliance.command", "check_command",
              "Check the standard numbers of a register, contract or any text: status, current edition."),
    "changes": ("stdsearch.compliance.command", "changes_command",
                "Documents added, changed, status-changed and removed since a time."),
    "lint": ("stdsearch.compliance.command", "lint_command",
             "The standards and laws a document cites, stale ones flagged."),
    "apply": ("stdsearch.compliance.command", "apply_command",
              "The standards in force and law clauses that apply to a product, by group."),
}


def emit_json(data: Any) -> None:
    """Print one JSON object on one line, as UTF-8 whatever the locale (Chinese stays readable)."""
    click.echo(json.dumps(data, ensure_ascii=False).encode("utf-8"))


def fail(message: str, code: int) -> None:
    """Print an error on stderr and exit with ``code``."""
    click.echo(f"stdsearch: {message}", err=True)
    sys.exit(code)


def home_of(ctx: click.Context) -> Home:
    """The Home chosen by --home / $STDSEARCH_HOME / the current directory."""
    return ctx.obj["home"]


class Group(click.Group):
    """Maps domain errors raised by any command to messages and exit codes, and imports the
    commands of :data:`LAZY_COMMANDS` only when one of them is run (or asked for its help)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command name, the lazy ones included, sorted."""
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command of that name, importing its module when it is a lazy one."""
        if cmd_name in self.commands or cmd_name not in LAZY_COMMANDS:
            return super().get_command(ctx, cmd_name)
        module, attribute, _ = LAZY_COMMANDS[cmd_name]
        command: click.Command = getattr(importlib.import_module(module), attribute)
        self.add_command(command, cmd_name)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of ``--help``, without importing the lazy commands."""
        rows = []
        for name in self.list_commands(ctx):
            if name in LAZY_COMMANDS and name not in self.commands:
                rows.append((name, LAZY_COMMANDS[name][2]))
                continue
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(formatter.width - 6 - len(name))))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except IndexBusy as error:
            fail(str(error), EXIT_BUSY)
        except (BadQuery, NotFound) as error:
            fail(str(error), EXIT_USAGE if isinstance(error, BadQuery) else EXIT_FAILED)
        except StdsearchError as error:
            fail(str(error), EXIT_FAILED)


@click.group(cls=Group)
@click.option(
    "--home",
    type=click.Path(file_okay=False, path_type=Path),
    envvar=HOME_ENV,
    help="Home directory holding corpus/ and index/ [env STDSEARCH_HOME; default: current directory].",
)
@click.version_option(package_name="stdsearch")
@click.pass_context
def main(ctx: click.Context, home: Path | None) -> None:
    """stdsearch: search Chinese standards, laws and policy texts, clause by clause."""
    ctx.ensure_object(dict)
    ctx.obj["home"] = Home.resolve(home)


def require_home(home: Home) -> None:
    """Stop a read command, clearly and without creating anything, on a home that holds no
    documents: a missing directory, or one without corpus/ or index/ (bundled samples count)."""
    if not home.root.is_dir():
        fail(f"no stdsearch home at {home.root}: give --home DIR (or set {HOME_ENV}) "
             f"or create it with `stdsearch --home {home.root} ingest FILES`", EXIT_USAGE)
    if not any(p.exists() for p in (home.documents, home.docs, home.index, home.samples)):
        fail(f"the home {home.root} holds no documents yet: "
             f"`stdsearch --home {home.root} ingest FILES` adds some", EXIT_FAILED)


def _progress_bar(enabled: bool, label: str = "ingest", unit: str = " files"):  # type: ignore[no-untyped-def]
    """A tqdm bar on stderr showing count, rate and ETA (only when stderr is a terminal), or None."""
    if not enabled or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(desc=label, unit=unit, file=sys.stderr, leave=False)


def _show_progress(bar: Any) -> Any:
    """A pipeline progress callback drawing inputs done of all, documents, clauses, the clause
    rate and the ETA on a tqdm bar (at most ten redraws a second)."""
    last = [0.0]

    def show(state: Any) -> None:
        if state.seconds - last[0] < 0.1 and state.done < state.total:
            return
        last[0] = state.seconds
        bar.total = state.total
        bar.n = state.done
        bar.set_postfix_str(f"{state.documents} documents, {state.clauses} clauses, {state.rate:.0f} clauses/s",
                            refresh=False)
        bar.refresh()

    return show


class SearchCommand(click.Command):
    """``search`` takes words that start with ``-`` (``产品质量 -食品``) as query words:
    unknown options are not errors, they are part of the query."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("context_settings", {})["ignore_unknown_options"] = True
        super().__init__(*args, **kwargs)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
@click.option("--embed-cache", type=click.Path(file_okay=False, path_type=Path), default=None,
              envvar="STDSEARCH_EMBED_CACHE", help="Embedding cache shared between homes.")
@click.option("--no-embed", is_flag=True, help="Index lexically only; `stdsearch embed` fills in vectors later.")
@click.option("--map", "column_map", default="", metavar="FIELD=COLUMN,…",
              help="Catalogue columns to read as our fields, e.g. number=编号,title=名称.")
@click.option("--map-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A column mapping file: field=column lines, or a JSON object.")
@engine_options
@click.pass_context
def ingest(
    ctx: click.Context, paths: tuple[Path, ...], as_json: bool, embed_cache: Path | None, no_embed: bool,
    column_map: str, map_file: Path | None,
) -> None:
    """Parse files and folders (recursively), store them and update the index.

    Re-ingesting a folder removes the documents whose files under it are gone."""
    from stdsearch import pipeline, semantic
    from stdsearch.parse import catalogue

    semantic.configure(mode="off" if no_embed else None, cache_dir=embed_cache, quiet=as_json)
    try:
        mapping = {**(catalogue.read_mapping_file(map_file) if map_file else {}), **catalogue.parse_mapping(column_map)}
    except BadQuery as error:
        raise click.UsageError(str(error)) from None
    bar = _progress_bar(not as_json)
    try:
        with catalogue.column_mapping(mapping):
            report = pipeline.ingest(home_of(ctx), paths, progress=_show_progress(bar) if bar is not None else None)
    except BadQuery as error:
        raise click.UsageError(str(error)) from None
    if bar is not None:
        bar.close()
    if as_json:
        emit_json(asdict(report))
    else:
        for failure in report.failures:
            click.echo(f"failed: {failure.path}: {failure.reason}", err=True)
        for gone in report.removed_documents:
            click.echo(f"removed: {gone['doc_id']} {gone['title']} (file gone: {gone['source']})")
        for skipped in report.skipped:
            click.echo(f"skipped: {skipped.path}: {skipped.reason}", err=True)
        click.echo(report.summary())
    sys.exit(EXIT_FAILED if report.failed else EXIT_OK)


@main.command()
@click.argument("targets", nargs=-1, required=True, metavar="DOC_ID|PATH...")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
@click.pass_context
def remove(ctx: click.Context, targets: tuple[str, ...], as_json: bool) -> None:
    """Remove documents (by id, or every document that came from a file or folder) from the
    corpus and the index; links and "cited by" are updated. Exit 1 when a target matched nothing."""
    from stdsearch import pipeline

    home = home_of(ctx)
    require_home(home)
    report = pipeline.remove(home, targets)
    if as_json:
        emit_json(asdict(report))
    else:
        for failure in report.failures:
            click.echo(f"failed: {failure.path}: {failure.reason}", err=True)
        for gone in report.documents:
            click.echo(f"removed: {gone['doc_id']} {gone['title']}")
        click.echo(report.summary())
    sys.exit(EXIT_FAILED if report.failed else EXIT_OK)


@main.command("search", cls=SearchCommand)
@click.argument("query", nargs=-1, required=True)
@click.option("--kind", default="", help="law, policy, standard …")
@click.option("--level", default="", help="法律, 行政法规, 国家标准 …")
@click.option("--status", default="", help="现行, 即将实施, 废止 …")
@click.option("--region", default="", help="e.g. 厦门, 上海")
@click.option("--issuer", default="", help="Issuing body, e.g. 国家市场监督管理总局")
@click.option("--year", default="", help="Year of publication (else of taking effect)")
@click.option("--industry", default="", help="Industry of an industry standard, e.g. 化工, 医药")
@click.option("--mandatory", default="", help="强制性, 推荐性 or 指导性")
@click.option("--ics", default="", help="ICS code at any depth: 03, 03.120, 03.120.10")
@click.option("--ccs", default="", help="CCS code, e.g. A00")
@click.option("--sort", default="relevance", type=click.Choice(["relevance", "newest", "effective"]))
@click.option("--semantic", default="auto", show_default=True, type=click.Choice(["off", "on", "auto"]),
              help="Fuse dense (embedding) matches in: auto = for questions.")
@click.option("--as-of", "as_of", default="", metavar="YYYY-MM-DD",
              help="Only what was in force that day (a law's version of that day).")
@click.option("--explain", is_flag=True, help="Say why each hit matched: fields and weights, priors, retrievers.")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 100))
@click.option("--page", default=1, show_default=True, type=click.IntRange(1))
@click.option("--json", "as_json", is_flag=True, help="Print results as one JSON object.")
@click.option("--facets", "show_facets", is_flag=True,
              help="Also print the facet counts (ICS as a tree field → group → subgroup, with names).")
@engine_options
@click.pass_context
def search_command(ctx: click.Context, query: tuple[str, ...], as_json: bool, show_facets: bool, **options: Any) -> None:
    """Search clauses; exit status 1 when nothing matched.

    Words starting with - exclude (产品质量 -食品); no `--` needed."""
    text = " ".join(query).strip()
    if not text:
        raise click.UsageError("empty query: give the words to search for, e.g. stdsearch search 产品质量")
    home = home_of(ctx)
    require_home(home)
    from stdsearch import analysis  # noqa: F401  (first: it imports jieba the quick way)
    from stdsearch.search import SearchRequest, engines, search

    if not engines.index_exists(home):
        from stdsearch import pipeline

        pipeline.ensure_index(home)
    request = SearchRequest(q=text, per_page=options.pop("limit"), **options)
    results = search(home, request)
    if as_json:
        emit_json(results.to_dict())
    else:
        _print_results(results)
        if show_facets:
            _print_facets(results, request.filters())
    sys.exit(EXIT_OK if results.total else EXIT_FAILED)


def plain_snippet(snippet: str) -> str:
    """A hit's HTML snippet as terminal text, matches in [brackets]."""
    marked = snippet.replace("<mark>", "[").replace("</mark>", "]")
    return html.unescape(marked)


def _why(entry: dict[str, Any]) -> str:
    """One line of a hit's explanation: retrievers, fields matched with weights, priors."""
    fields = "; ".join(
        f"{name} " + " ".join(f"{w['word']}×{w['weight']}" for w in words) for name, words in entry.get("fields", {}).items()
    )
    priors = ", ".join(f"{k} {v}" for k, v in entry.get("priors", {}).items())
    return " | ".join(p for p in ("+".join(entry.get("matched_by", [])), fields, priors) if p)


def _print_results(results: Any) -> None:
    click.echo(f"{results.total} clauses match {results.query!r}")
    if results.notice:
        click.echo(results.notice)
    for hit in results.hits:
        status = f" [{hit.status}]" if hit.status else ""
        number = f"{hit.number} " if hit.number else ""
        click.echo(f"\n{number}{hit.title} {hit.label}{status}  ({hit.url})")
        click.echo(f"  {plain_snippet(hit.snippet)}")
        if results.explanation:
            click.echo(f"  why: {_why(results.explanation['hits'].get(hit.key, {}))}")
    for suggestion in results.suggestions:
        click.echo(f"did you mean: {suggestion}")


def _print_facets(results: Any, filters: dict[str, str]) -> None:
    """The facet counts as the search page lists them, narrower ICS values indented."""
    from stdsearch.web import present

    def lines(values: list[Any], depth: int) -> None:
        for value in values:
            mark = " *" if value.selected else ""
            click.echo(f"{'  ' * depth}  {value.label} ({value.count}){mark}")
            lines(value.children, depth + 1)

    for facet in present.build_facets(results.facets, filters, labels=results.facet_labels):
        click.echo(f"\n{facet.label}:")
        lines(facet.values, 0)


@main.command()
@click.argument("target")
@click.option("--json", "as_json", is_flag=True, help="Print the document or clause as JSON.")
@click.pass_context
def show(ctx: click.Context, target: str, as_json: bool) -> None:
    """Show a document (DOC_ID) or one clause (DOC_ID/CLAUSE_ID)."""
    from stdsearch.store import Store

    home = home_of(ctx)
    require_home(home)
    doc_id, _, clause_id = target.partition("/")
    document = Store(home).get(doc_id)
    if clause_id:
        clause = document.clause(clause_id)
        if clause is None:
            raise NotFound(f"no clause {clause_id!r} in {doc_id}")
        data: Any = {**asdict(clause), "doc_id": doc_id, "title": document.title, "url": document.url(clause_id)}
        text = f"{document.title} {clause.label}\n{clause.heading}\n\n{clause.text}"
    else:
        data = document.to_dict()
        text = _document_text(document)
    emit_json(data) if as_json else click.echo(text)


def _document_text(document: Any) -> str:
    meta = [document.title, document.number, document.level, document.status, document.publish_date]
    lines = [" · ".join(m for m in meta if m), ""]
    lines += [f"[{c.clause_id}] {c.label} {c.text}" for c in document.clauses if c.searchable]
    return "\n".join(lines)


@main.command()
@click.option("--json", "as_json", is_flag=True)
@click.option("--embed-cache", type=click.Path(file_okay=False, path_type=Path), default=None,
              envvar="STDSEARCH_EMBED_CACHE", help="Embedding cache shared between homes.")
@click.option("--no-embed", is_flag=True, help="Do not embed missing clauses (cached vectors are still used).")
@engine_options
@click.pass_context
def reindex(ctx: click.Context, as_json: bool, embed_cache: Path | None, no_embed: bool) -> None:
    """Rebuild the whole index from corpus/ and swap it in atomically (cached vectors are reused)."""
    from stdsearch import pipeline, semantic

    home = home_of(ctx)
    require_home(home)
    semantic.configure(mode="off" if no_embed else None, cache_dir=embed_cache, quiet=as_json)
    bar = _progress_bar(not as_json, "reindex", " documents")
    started = time.perf_counter()
    count = pipeline.reindex(home, progress=_show_progress(bar) if bar is not None else None)
    seconds = round(time.perf_counter() - started, 3)
    if bar is not None:
        bar.close()
    if as_json:
        emit_json({"clauses": count, "seconds": seconds})
    else:
        click.echo(f"reindexed {count} clauses in {seconds:.1f} s")


@main.command()
@click.option("--json", "as_json", is_flag=True)
@engine_options
@click.pass_context
def stats(ctx: click.Context, as_json: bool) -> None:
    """Counts of documents and clauses, by kind, level and status."""
    home = home_of(ctx)
    require_home(home)
    data = collect_stats(home)
    if as_json:
        emit_json(data)
        return
    click.echo(f"home: {data['home']}")
    click.echo(f"documents: {data['documents']}  clauses indexed: {data['clauses']}  index: {data['index_mb']} MB")
    for name in ("kind", "level", "status"):
        click.echo(f"{name}: " + ", ".join(f"{k or '—'} {v}" for k, v in data[name].items()))
    if data["semantic"]:
        click.echo("semantic: " + ", ".join(f"{k} {v}" for k, v in data["semantic"].items()))
    if data["unindexed"]:
        click.echo(f"unindexed: {data['unindexed']} documents stored by an interrupted write are not searchable yet; "
                   "the next ingest, reindex or remove indexes them")


def collect_stats(home: Home) -> dict[str, Any]:
    """The figures `stdsearch stats` prints."""
    from stdsearch import semantic
    from stdsearch.search import engines
    from stdsearch.store import Journal, Store

    manifest = Store(home).manifest()
    counts: dict[str, dict[str, int]] = {"kind": {}, "level": {}, "status": {}}
    for entry in manifest.values():
        for name, bucket in counts.items():
            bucket[entry.get(name) or ""] = bucket.get(entry.get(name) or "", 0) + 1
    clauses = engines.clause_count(home)
    stored, deleted = Journal(home).pending()
    return {
        "home": str(home.root),
        "documents": len(manifest),
        "clauses": clauses,
        "index_mb": round(engines.index_bytes(home) / 1e6, 1),
        # stored (or deleted) by a writer that was killed before its index commit; the next
        # ingest, reindex or remove repairs this first
        "unindexed": len(stored) + len(deleted),
        **counts,
        "semantic": semantic.coverage(home),
    }


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64))
@engine_options
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, threads: int) -> None:
    """Serve the search UI and JSON API with waitress (builds the index on first run)."""
    from stdsearch import analysis, pipeline
    from stdsearch.web import create_app, serving, warm

    home = home_of(ctx)
    pipeline.ensure_index(home)
    # A server segments every query and lives long: jieba's whole dictionary, loaded once, cuts a
    # word in microseconds, where the light per-query path of one-shot CLI searches takes ~1 ms.
    analysis.load_dictionary()
    warm.keep_warm(home)  # what pages derive from the whole corpus, built before anyone asks
    click.echo(f"stdsearch serving {home.root} on http://{host}:{port}/", err=True)
    serving.serve(create_app({"HOME": home}), host=host, port=port, threads=threads)


if __name__ == "__main__":
    main()
