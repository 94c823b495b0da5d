"""``stdsearch crawl``: crawl configured sources or ad hoc URLs, index what changed.

    stdsearch [--home DIR] crawl [--config FILE] [SOURCE_NAME...]
    stdsearch crawl URL... [--max-pages N] [--max-depth N] [--allow-host HOST...] [--allow-private]

Ends with one summary line (or ``--json``: one JSON object), also when interrupted. Exit
status: 0 all went well (dead links found inside pages are reported, not failures), 1 a start
URL or a document page could not be fetched, 2 usage errors (bad options, unknown source, bad
sources.toml), 130 interrupted (Ctrl-C; the next run resumes). Without --config the home's
corpus/sources.toml is read, else the one shipped with stdsearch.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from stdsearch.crawl import crawler
from stdsearch.crawl.crawler import Progress
from stdsearch.crawl.fetch import FetchSettings
from stdsearch.crawl.indexer import Sink
from stdsearch.crawl.sources import (
    Source,
    SourceError,
    adhoc_source,
    default_sources,
    load_fetch_settings,
    load_sources,
    select_sources,
)
from stdsearch.settings import Home


def _home(ctx: click.Context) -> Home:
    """The Home the main group resolved (or the default one when run on its own)."""
    obj = ctx.find_root().obj
    if isinstance(obj, dict) and isinstance(obj.get("home"), Home):
        return obj["home"]
    return Home.resolve()


def pipeline_sink(home: Home) -> Sink:
    """The pipeline's incremental indexing, bound to ``home``."""
    from stdsearch.pipeline import index_documents

    return lambda documents, removed: index_documents(home, documents, removed)


def choose_sources(home: Home, targets: tuple[str, ...], options: dict[str, Any]) -> list[Source]:
    """Ad hoc sources for URL targets, else the named (or all enabled) configured sources."""
    urls = [t for t in targets if "://" in t]
    if urls and len(urls) != len(targets):
        raise click.UsageError("give either URLs or source names, not both")
    if urls:
        adhoc = {k: options[k] for k in ("max_pages", "max_depth", "allow_private", "delay")}
        return [adhoc_source(urls, allow_hosts=options["allow_host"], **adhoc)]
    if options["allow_host"] or options["allow_private"]:
        raise click.UsageError("--allow-host and --allow-private apply to URL crawls only")
    config = Path(options["config"]) if options["config"] else default_sources(home)
    sources = select_sources(load_sources(config), targets)
    return [_limited(s, options["max_pages"], options["max_depth"]) for s in sources]


def _settings(home: Home, config: str | None) -> FetchSettings:
    """Network limits from the ``[fetch]`` table of --config or the default sources file."""
    path = Path(config) if config else default_sources(home)
    if not path.exists():
        return FetchSettings()
    try:
        return load_fetch_settings(path)
    except (SourceError, TypeError) as error:
        raise click.UsageError(str(error)) from error


def _limited(source: Source, max_pages: int | None, max_depth: int | None) -> Source:
    """A configured source with --max-pages / --max-depth applied."""
    from dataclasses import replace

    return replace(
        source,
        max_pages=source.max_pages if max_pages is None else max_pages,
        max_depth=source.max_depth if max_depth is None else max_depth,
    )


def progress_display() -> tuple[Progress | None, Callable[[], None]]:
    """A tqdm counter on stderr when stderr is a terminal (else nothing), and its closer."""
    if not sys.stderr.isatty():
        return None, lambda: None
    from tqdm import tqdm

    bar = tqdm(desc="crawl", unit="page", file=sys.stderr, leave=False)

    def tick(url: str, outcome: str) -> None:
        bar.set_postfix_str(f"{outcome} {url[-60:]}", refresh=False)
        bar.update(1)

    return tick, bar.close


@click.command("crawl")
@click.argument("targets", nargs=-1, metavar="[SOURCE_NAME...|URL...]")
@click.option(
    "--config",
    type=click.Path(dir_okay=False),
    help="sources file [default: HOME/corpus/sources.toml]",
)
@click.option("--max-pages", type=click.IntRange(min=1), help="Stop each source after N pages.")
@click.option(
    "--max-depth", type=click.IntRange(min=0), help="Follow links at most N hops from a start URL."
)
@click.option(
    "--allow-host", multiple=True, metavar="HOST", help="Also visit HOST (URL crawls; repeatable)."
)
@click.option(
    "--allow-private", is_flag=True, help="Allow loopback/private addresses (URL crawls)."
)
@click.option(
    "--delay",
    type=click.FloatRange(min=0),
    help="Seconds between requests to one host (URL crawls).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
@click.pass_context
def crawl_command(
    ctx: click.Context, targets: tuple[str, ...], as_json: bool, **options: Any
) -> None:
    """Crawl sources from sources.toml (all enabled ones, or those named), or URLs ad hoc,
    and index new and changed documents. Exit 0: all went well; 1: a start URL or a document
    page failed (dead links are only reported); 130: interrupted (the next run resumes)."""
    home = _home(ctx)
    try:
        sources = choose_sources(home, targets, options)
    except SourceError as error:
        raise click.UsageError(str(error)) from error
    if not sources:
        raise click.UsageError(f"no enabled sources in {options['config'] or default_sources(home)}")
    settings = _settings(home, options["config"])
    progress, close = progress_display()
    try:
        summary = crawler.crawl(
            home, sources, pipeline_sink(home), settings=settings, progress=progress
        )
    finally:
        close()
    if as_json:
        click.echo(json.dumps(summary.to_dict(), ensure_ascii=False))
    else:
        click.echo(summary.line())
        for failure in summary.failures[:20]:
            click.echo(f"failed: {failure['url']}: {failure['reason']}", err=True)
        for dead in summary.dead_links[:20]:
            click.echo(f"dead link: {dead['url']}: {dead['reason']} (on {dead['found_on']})", err=True)
    ctx.exit(summary.exit_code)


#: The name cli.py's ``register_optional_commands`` looks up.
crawl = crawl_command
