"""``showmigrations``: every migration, and whether the database has it applied."""

from __future__ import annotations

import click

from schemashift import api
from schemashift.cli import json_output
from schemashift.cli.context import setup_project, warn


@click.command("showmigrations")
@click.argument("app_labels", nargs=-1)
@click.option("-p", "--plan", "show_plan", is_flag=True, help="Show the apply order instead.")
@json_output.format_option("Readable text, or one JSON document (see the README).")
@click.pass_context
def command(
    ctx: click.Context, app_labels: tuple[str, ...], show_plan: bool, output_format: str
) -> None:
    """List the migrations of APP_LABELS (default: every app): [X] applied, [ ] not yet."""
    setup_project(ctx)
    if output_format == json_output.JSON:
        if show_plan:
            plan = api.showmigrations_plan(*app_labels, warn=warn)
            json_output.emit(json_output.showmigrations_plan(plan))
        else:
            shown = api.showmigrations(*app_labels, warn=warn)
            json_output.emit(json_output.showmigrations(shown))
        return
    if show_plan:
        for app_label, name, is_applied in api.showmigrations_plan(*app_labels, warn=warn):
            click.echo(f"{_mark(is_applied)}  {app_label}.{name}")
        return
    for app_label, migrations in api.showmigrations(*app_labels, warn=warn).items():
        click.echo(click.style(app_label, bold=True))
        if not migrations:
            click.echo(" (no migrations)")
        for name, is_applied in migrations:
            click.echo(f" {_mark(is_applied)} {name}")


def _mark(is_applied: bool) -> str:
    return "[X]" if is_applied else "[ ]"
