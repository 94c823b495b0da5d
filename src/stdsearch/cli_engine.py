"""The ``--engine`` and ``--opensearch-url`` options of the commands that read or write the index
(ingest, reindex, search, serve, eval): which engine answers, and where its cluster is.

Each option also reads its environment variable; a value given sets that variable for the
process, so every layer (pipeline, search, web server threads) sees the same choice.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

import click

#: The engines by name (kept here, not imported, so that the CLI starts fast; the registry in
#: stdsearch.search.engines checks a name when the engine is opened).
ENGINE_NAMES = ("whoosh", "opensearch")
ENGINE_ENV = "STDSEARCH_ENGINE"
URL_ENV = "STDSEARCH_OPENSEARCH_URL"

F = TypeVar("F", bound=Callable[..., Any])


def _setter(variable: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    """A click callback that exports a given value as ``variable``."""

    def export(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        if value:
            os.environ[variable] = str(value)
        return value

    return export


def engine_options(command: F) -> F:
    """Add --engine and --opensearch-url to a click command (values land in the environment)."""
    command = click.option(
        "--opensearch-url",
        envvar=URL_ENV,
        default=None,
        expose_value=False,
        callback=_setter(URL_ENV),
        help=f"OpenSearch cluster URL, several comma-separated [env {URL_ENV}].",
    )(command)
    return click.option(
        "--engine",
        type=click.Choice(ENGINE_NAMES),
        envvar=ENGINE_ENV,
        default=None,
        expose_value=False,
        callback=_setter(ENGINE_ENV),
        help=f"Search engine: whoosh (embedded, default) or opensearch [env {ENGINE_ENV}].",
    )(command)
