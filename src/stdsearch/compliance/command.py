"""The compliance commands of the CLI: ``check`` (and its siblings), each a thin layer over
:mod:`stdsearch.compliance`.

Exit codes as everywhere: 0 all good, 1 some inputs are not current or not found, 2 usage.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from stdsearch.compliance import changes as changes_mod
from stdsearch.compliance import check as check_mod
from stdsearch.errors import BadQuery
from stdsearch.settings import Home
from stdsearch.store import Store

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _home(ctx: click.Context) -> Home:
    """The home chosen by the top-level --home option; a missing or empty one stops the
    command with a clear message (these are read commands: nothing is created)."""
    from stdsearch.cli import require_home

    home: Home = ctx.obj["home"]
    require_home(home)
    return home


def read_input(source: str) -> tuple[bytes, str]:
    """The bytes and name of FILE, or of standard input for ``-``."""
    if source == "-":
        return sys.stdin.buffer.read(), ""
    path = Path(source)
    if not path.is_file():
        raise click.UsageError(f"no such file: {source}")
    return path.read_bytes(), path.name


@click.command("check")
@click.argument("source", metavar="FILE|-")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object: summary and rows.")
@click.option("--csv", "as_csv", is_flag=True, help="Print the rows as CSV.")
@click.pass_context
def check_command(ctx: click.Context, source: str, as_json: bool, as_csv: bool) -> None:
    """Check the standard numbers in FILE (or stdin): one per line, or cited in any text,
    CSV, .docx or .pdf. Exit 0 when all are current, 1 when some are not."""
    if as_json and as_csv:
        raise click.UsageError("--json and --csv exclude each other")
    data, name = read_input(source)
    wanted = check_mod.extract(check_mod.input_text(data, name))
    if not wanted:
        click.echo("stdsearch: no standard number found in the input", err=True)
        sys.exit(EXIT_USAGE)
    rows = check_mod.check(wanted, check_mod.load_register(Store(_home(ctx))))
    if as_json:
        click.echo(json.dumps(check_mod.report(rows), ensure_ascii=False))
    elif as_csv:
        click.echo(check_mod.to_csv(rows), nl=False)
    else:
        print_check_table(rows)
    sys.exit(EXIT_OK if check_mod.all_current(rows) else EXIT_FAILED)


def print_check_table(rows: list[check_mod.CheckRow]) -> None:
    """The rows as an aligned table for people, then the summary."""
    header = ("as written", "verdict", "status", "implemented", "current edition", "title")
    table = [header] + [
        (r.as_written, r.verdict, r.status or "—", r.effective_date or "—", r.current_edition or "—", r.title)
        for r in rows
    ]
    widths = [max(_width(line[i]) for line in table) for i in range(len(header) - 1)]
    for line in table:
        cells = [cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(line[:-1])]
        click.echo("  ".join([*cells, line[-1]]).rstrip())
    for row in rows:
        if len(row.chain) > 1:
            click.echo(f"chain: {' → '.join(link.number for link in row.chain)}")
    counts = check_mod.summary(rows)
    click.echo(", ".join(f"{v} {k}" for k, v in counts.items()))


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if ord(char) > 0x2E80 else 1 for char in text)


@click.command("changes")
@click.option("--since", "moment", default="", help="ISO date or time (2026-11-01, 2026-11-01T08:00Z); default: all.")
@click.option("--change", default="", type=click.Choice(["", *changes_mod.CHANGE_KINDS]), help="Only this kind of change.")
@click.option("--limit", default=changes_mod.MAX_PER_PAGE, show_default=True, type=click.IntRange(1, changes_mod.MAX_PER_PAGE))
@click.option("--page", default=1, show_default=True, type=click.IntRange(1))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object: total, page and changes.")
@click.pass_context
def changes_command(ctx: click.Context, moment: str, change: str, limit: int, page: int, as_json: bool) -> None:
    """Documents added, changed, status-changed and removed since a time, oldest first."""
    try:
        found = changes_mod.since(_home(ctx), moment, page=page, per_page=limit, change=change)
    except BadQuery as error:
        raise click.BadParameter(str(error), param_hint="--since") from None
    if as_json:
        click.echo(json.dumps(found.to_dict(), ensure_ascii=False))
        return
    for item in found.changes:
        number = f"{item.number} " if item.number else ""
        click.echo(f"{item.time}  {item.change:<14} {number}{item.title}  ({item.doc_id})")
        if item.fields:
            click.echo(f"    {item.summary()}")
    more = f" (more: --page {page + 1})" if found.has_next else ""
    click.echo(f"{found.total} changes since {moment or 'the start'}{more}", err=True)


@click.command("lint")
@click.argument("target", metavar="DOC_ID|FILE")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object: the citations and their status.")
@click.pass_context
def lint_command(ctx: click.Context, target: str, as_json: bool) -> None:
    """The standards and laws a document cites, each with its status; withdrawn or replaced
    ones flagged with what replaced them. A FILE not in the corpus is parsed, not added.
    Exit 0 when nothing cited is stale, 1 when something is."""
    from stdsearch.compliance import lint as lint_mod

    store = Store(_home(ctx))
    if store.exists(target):
        document, stored = store.get(target), True
    elif Path(target).exists():
        document, stored = lint_mod.document_from_file(Path(target)), False
    else:
        raise click.UsageError(f"{target!r} is neither a document id of this home nor a file")
    report = lint_mod.lint(document, check_mod.load_register(store), stored=stored)
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        print_lint(report)
    sys.exit(EXIT_FAILED if report.stale else EXIT_OK)


def print_lint(report: Any) -> None:
    """The citations for people: stale ones first, each with where it is cited."""
    where = report.doc_id if report.stored else "not in the corpus"
    click.echo(f"{report.title} ({where}): {len(report.items)} cited, {len(report.stale)} stale")
    for item in report.items:
        row = item.row
        flag = "STALE" if item.stale else "     "
        status = row.status or row.verdict
        target = f" → {row.current_edition}" if item.stale and row.current_edition else ""
        where = ", ".join(p.label or p.clause_id for p in item.places[:5])
        click.echo(f"{flag} {item.cited}  [{status}]{target}  {row.title}  (in {where})")


@click.command("apply")
@click.argument("description", nargs=-1, required=True)
@click.option("--region", default="", help="Also list this region's local standards (e.g. 河北).")
@click.option("--ics", default="", help="Only standards whose ICS code starts with this (e.g. 97.220).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object: groups, laws, notes.")
@click.pass_context
def apply_command(ctx: click.Context, description: tuple[str, ...], region: str, ics: str, as_json: bool) -> None:
    """The standards in force and the law clauses that apply to a product, material or
    activity, grouped national mandatory → recommended → industry → local → group, each with
    the reason it matched. Exit 1 when nothing applies."""
    from stdsearch.compliance import apply as apply_mod

    report = apply_mod.find_applicable(_home(ctx), " ".join(description), region=region, ics=ics)
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        print_applicable(report)
    found = any(report.groups.values()) or report.laws
    sys.exit(EXIT_OK if found else EXIT_FAILED)


def print_applicable(report: Any) -> None:
    """The groups and law clauses for people."""
    from stdsearch.compliance.apply import GROUPS

    click.echo(f"{report.query}: {' '.join(report.words)}")
    for name, label in GROUPS.items():
        entries = report.groups.get(name, [])
        if entries:
            click.echo(f"\n{label} ({len(entries)})")
        for entry in entries:
            click.echo(f"  {entry.number}  {entry.title}  [{entry.status}]  — {'; '.join(entry.reasons)}")
    if report.laws:
        click.echo("\n法律法规条款")
    for entry in report.laws:
        click.echo(f"  {entry.title} {entry.label}  ({entry.url})  — {'; '.join(entry.reasons)}")
    for note in report.notes:
        click.echo(f"note: {note}", err=True)
