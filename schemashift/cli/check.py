"""``check``: report problems in the models; with ``--database``, drift of that database too."""

from __future__ import annotations

from itertools import groupby

import click

from schemashift import api
from schemashift.checks.model_checks import format_report
from schemashift.cli import json_output
from schemashift.cli.context import setup_project, warn
from schemashift.exceptions import SystemCheckError


@click.command("check")
@click.option(
    "--database",
    "databases",
    multiple=True,
    help="Also check what the models ask of this database, that the migrations it applied "
    "were not changed since, and that its tables are what they imply (an alias; repeatable).",
)
@json_output.format_option("Readable text, or one JSON document (see the README).")
@click.pass_context
def command(ctx: click.Context, databases: tuple[str, ...], output_format: str) -> None:
    """Run the system checks on every installed model."""
    setup_project(ctx)
    if output_format == json_output.JSON:
        _check_as_json(ctx, databases)
        return
    messages = api.check(databases)
    if any(m.is_error for m in messages):
        raise SystemCheckError("System check identified some issues:\n\n" + format_report(messages))
    if messages:
        click.echo("System check identified some issues:\n")
    click.echo(format_report(messages))
    drifted = [alias for alias in databases if _report_drift(alias)]
    if drifted:
        ctx.exit(1)


def _check_as_json(ctx: click.Context, databases: tuple[str, ...]) -> None:
    """The messages and drift as one document, with the exit status of the text: an error
    stops before drift is compared."""
    messages = api.check(databases)
    has_error = any(m.is_error for m in messages)
    drift = [] if has_error else [(alias, api.drift(alias, warn=warn)) for alias in databases]
    json_output.emit(json_output.check(messages, drift))
    if has_error:
        ctx.exit(SystemCheckError.exit_code)
    if any(differences for _alias, differences in drift):
        ctx.exit(1)


def _report_drift(alias: str) -> bool:
    """Print how the database differs from its migration history; whether it does."""
    differences = api.drift(alias, warn=warn)
    if not differences:
        click.echo(f"Database '{alias}' matches its applied migrations.")
        return False
    count = len(differences)
    click.echo(
        click.style(
            f"Database '{alias}' differs from what its applied migrations imply "
            f"({count} difference{'s' if count > 1 else ''}):",
            fg="red",
        )
    )
    for table, found in groupby(differences, key=lambda difference: difference.table):
        click.echo(f"  {table}:")
        for difference in found:
            click.echo(f"    {difference.detail()}")
    click.echo(
        "Change the database back, or write the live schema as a migration with "
        "'makemigrations --from-database APP' and record it with 'migrate --fake'."
    )
    return True
