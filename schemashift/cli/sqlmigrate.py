"""``sqlmigrate``: print the SQL one migration would run, without running it."""

from __future__ import annotations

import click

from schemashift import api
from schemashift.cli import json_output
from schemashift.cli.context import setup_project, warn


@click.command("sqlmigrate")
@click.argument("app_label")
@click.argument("migration_name")
@click.option("--backwards", is_flag=True, help="Print the SQL that unapplies the migration.")
@json_output.format_option("SQL with comments, or one JSON document (see the README).")
@click.pass_context
def command(
    ctx: click.Context, app_label: str, migration_name: str, backwards: bool, output_format: str
) -> None:
    """Print the SQL statements of MIGRATION_NAME (a unique prefix is enough) of APP_LABEL."""
    setup_project(ctx)
    if output_format == json_output.JSON:
        script = api.sqlmigrate_script(app_label, migration_name, backwards=backwards, warn=warn)
        json_output.emit(json_output.sqlmigrate(script))
        return
    sql = api.sqlmigrate(app_label, migration_name, backwards=backwards, warn=warn)
    if sql:
        click.echo(sql)
