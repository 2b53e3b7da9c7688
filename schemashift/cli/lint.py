"""``lint``: what the lint rules find in migrations (locks, the previous app version, data
loss, raw SQL), as text or JSON; the exit status is 1 when an error is not acknowledged."""

from __future__ import annotations

import json

import click

from schemashift import api
from schemashift.cli.context import get_state, setup_project, warn
from schemashift.cli.lint_report import finding_line


@click.command("lint")
@click.argument("app_label", required=False)
@click.argument("migration_name", required=False)
@click.option(
    "--database",
    default=None,
    help="Lint for this database's server, with its table sizes; only migrations not "
    "applied there (unless MIGRATION_NAME is given).",
)
@click.option(
    "--server",
    default=None,
    help="Lint for this server without connecting: postgresql:14, mysql:8.0.30, "
    "mariadb:10.11, sqlite.",
)
@click.option(
    "--rows",
    "rows_threshold",
    type=click.IntRange(min=0),
    default=None,
    help="With --database: rows from which a long lock is an error, not a warning "
    "(default: LINT_ROWS, 10000).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    help="Readable text, or a JSON list of findings.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning"]),
    default="error",
    help="Exit 1 on errors (default) or on warnings too.",
)
@click.pass_context
def command(
    ctx: click.Context,
    app_label: str | None,
    migration_name: str | None,
    database: str | None,
    server: str | None,
    rows_threshold: int | None,
    output_format: str,
    fail_on: str,
) -> None:
    """Check the migrations of APP_LABEL (or of every app of the project), or MIGRATION_NAME
    alone, for locks, changes the previous app version breaks on, and data loss."""
    setup_project(ctx)
    result = api.lint(
        app_label,
        migration_name,
        database=database,
        server=server,
        rows_threshold=rows_threshold,
        warn=warn,
    )
    shown = result.reported(with_acknowledged=get_state(ctx).verbosity >= 2)
    if output_format == "json":
        click.echo(json.dumps([finding.as_dict() for finding in shown], indent=2))
    else:
        _print_text(result, shown)
    if result.fails(fail_on):
        ctx.exit(1)


def _print_text(result: api.LintResult, shown: list) -> None:
    migration, operation = None, None
    for finding in shown:
        if (finding.app, finding.migration) != migration:
            migration, operation = (finding.app, finding.migration), None
            click.echo(click.style(f"{finding.app}.{finding.migration}", bold=True))
        if finding.operation_index != operation:
            operation = finding.operation_index
            click.echo(f"  {finding.operation_index}. {finding.operation}")
        click.echo(f"    {finding_line(finding)}")
        click.echo(f"      why: {_why(finding.rule)}")
        click.echo(f"      fix: {finding.fix}")
    errors = sum(1 for f in result.reported() if f.is_error)
    warnings = len(result.reported()) - errors
    acknowledged = len(result.findings) - len(result.reported())
    count = len(result.migrations)
    summary = (
        f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')}"
        + (f" ({acknowledged} acknowledged)" if acknowledged else "")
        + f" in {_plural(count, 'migration')}, for {result.server}."
    )
    click.echo(summary)


def _why(rule_id: str) -> str:
    from schemashift.migrations.lint import RULES

    return RULES[rule_id].why


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"
