"""``check``: report problems in the models without touching the database."""

from __future__ import annotations

import click

from schemashift import api
from schemashift.checks.model_checks import format_report
from schemashift.cli.context import setup_project
from schemashift.exceptions import SystemCheckError


@click.command("check")
@click.option(
    "--database",
    "databases",
    multiple=True,
    help="Also check what the models ask of this database, and that the migrations it "
    "applied were not changed since (an alias; repeatable).",
)
@click.pass_context
def command(ctx: click.Context, databases: tuple[str, ...]) -> None:
    """Run the system checks on every installed model."""
    setup_project(ctx)
    messages = api.check(databases)
    if any(m.is_error for m in messages):
        raise SystemCheckError("System check identified some issues:\n\n" + format_report(messages))
    if messages:
        click.echo("System check identified some issues:\n")
    click.echo(format_report(messages))
