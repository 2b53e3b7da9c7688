"""``makemigrations``: write migration files for the changes in the models."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from schemashift import api
from schemashift.cli import json_output
from schemashift.cli.context import get_state, setup_project, warn
from schemashift.cli.lint_report import echo_findings
from schemashift.migrations.questioner import (
    InteractiveMigrationQuestioner,
    MigrationQuestioner,
    NonInteractiveMigrationQuestioner,
)


@click.command("makemigrations")
@click.argument("app_labels", nargs=-1)
@click.option("-n", "--name", "name", help="Use this name for the migration file(s).")
@click.option("--empty", is_flag=True, help="Write an empty migration, for RunPython/RunSQL.")
@click.option("--check", "check_changes", is_flag=True, help="Exit 1 if models have changes.")
@click.option("--dry-run", is_flag=True, help="Show what would be written; write nothing.")
@click.option(
    "--noinput", "--no-input", "no_input", is_flag=True, help="Never prompt; assume no renames."
)
@click.option(
    "--staged",
    is_flag=True,
    help="Write renames and column type changes as an expand and a contract migration.",
)
@click.option(
    "--allow-data-loss",
    is_flag=True,
    help="Write operations that destroy stored data as acknowledged without asking.",
)
@click.option("--merge", is_flag=True, help="Fix migration conflicts with a merge migration.")
@click.option(
    "--update",
    is_flag=True,
    help="Merge model changes into the latest migration and optimize the resulting operations.",
)
@click.option(
    "--from-database",
    "from_database",
    is_flag=True,
    help="Write one migration of APP_LABEL that turns its applied migrations' tables into "
    "the live ones (record it with migrate --fake).",
)
@json_output.format_option(
    "With --check or --dry-run: what would be written as text, or one JSON document."
)
@click.pass_context
def command(
    ctx: click.Context,
    app_labels: tuple[str, ...],
    name: str | None,
    empty: bool,
    check_changes: bool,
    dry_run: bool,
    no_input: bool,
    staged: bool,
    allow_data_loss: bool,
    merge: bool,
    update: bool,
    from_database: bool,
    output_format: str,
) -> None:
    """Write new migrations for changes to the models of APP_LABELS (default: every app)."""
    is_json = output_format == json_output.JSON
    if is_json and (merge or from_database or not (check_changes or dry_run)):
        raise click.UsageError(
            "--format json goes with --check or --dry-run, without --merge or --from-database."
        )
    setup_project(ctx)
    verbosity = get_state(ctx).verbosity
    if from_database:
        _from_database(app_labels, name, dry_run, verbosity)
        return
    if merge:
        _merge(app_labels, name, dry_run, no_input, verbosity)
        return
    migrations = api.makemigrations(
        *app_labels,
        name=name,
        empty=empty,
        dry_run=dry_run,
        check=check_changes,
        questioner=_questioner(
            no_input,
            dry_run or check_changes,
            app_labels,
            allow_data_loss,
            verbosity,
            asks_on_stderr=is_json,
        ),
        on_migration=None if is_json else _Report(verbosity),
        warn=warn,
        staged=staged,
        update=update,
    )
    if is_json:
        json_output.emit(json_output.makemigrations(migrations, _display_path))
        ctx.exit(1 if check_changes and migrations else 0)
    if not migrations:
        if verbosity >= 1:
            _say_no_changes(app_labels)
        return
    if not (dry_run or check_changes) and verbosity >= 1:
        for migration in migrations:
            if migration.updated_from is not None:
                click.echo(f"Deleted {_display_path(migration.updated_from)}")
    if check_changes:
        ctx.exit(1)


def _say_no_changes(app_labels: tuple[str, ...]) -> None:
    if len(app_labels) == 1:
        click.echo(f"No changes detected in app '{app_labels[0]}'")
    elif app_labels:
        joined = "', '".join(app_labels)
        click.echo(f"No changes detected in apps '{joined}'")
    else:
        click.echo("No changes detected")


def _merge(
    app_labels: tuple[str, ...], name: str | None, dry_run: bool, no_input: bool, verbosity: int
) -> None:
    """makemigrations --merge: show each conflict's branches, ask, write the merge migrations;
    at verbosity 0, the branches only where a question needs them."""
    questioner = None if no_input else _questioner(no_input, dry_run, app_labels, False, 1)
    result = api.merge_migrations(
        *app_labels,
        name=name,
        dry_run=dry_run,
        questioner=questioner,
        on_conflict=_show_conflict if verbosity >= 1 or not no_input else None,
        warn=warn,
    )
    if verbosity < 1:
        return
    if not result.conflicts:
        click.echo("No conflicts detected to merge.")
        return
    if not dry_run:
        for file in result.files:
            click.echo(f"\nCreated new merge migration {_display_path(file.path)}")


def _show_conflict(conflict: api.MergeConflict) -> None:
    click.echo(click.style(f"Merging {conflict.app_label}", bold=True))
    for branch in conflict.branches:
        click.echo(f"  Branch {branch.leaf}")
        for operation in branch.operations:
            click.echo(f"    {operation}")


def _from_database(
    app_labels: tuple[str, ...], name: str | None, dry_run: bool, verbosity: int
) -> None:
    if len(app_labels) != 1:
        raise click.UsageError("--from-database takes exactly one app label.")
    written = api.makemigrations_from_database(
        app_labels[0], name=name, dry_run=dry_run, on_migration=_Report(verbosity), warn=warn
    )
    if not written and verbosity >= 1:
        click.echo(f"The tables of app '{app_labels[0]}' match its applied migrations.")


def _questioner(
    no_input: bool,
    dry_run: bool,
    app_labels: tuple[str, ...],
    allow_data_loss: bool,
    verbosity: int,
    asks_on_stderr: bool = False,
) -> MigrationQuestioner:
    """``asks_on_stderr`` keeps stdout for the JSON document."""
    if no_input:
        return NonInteractiveMigrationQuestioner(
            verbosity=verbosity,
            dry_run=dry_run,
            specified_apps=app_labels,
            allow_data_loss=allow_data_loss,
        )
    return InteractiveMigrationQuestioner(
        stdin=sys.stdin,
        stdout=sys.stderr if asks_on_stderr else sys.stdout,
        dry_run=dry_run,
        specified_apps=app_labels,
        echo_answers=not sys.stdin.isatty(),
        allow_data_loss=allow_data_loss,
    )


class _Report:
    """Prints each migration, under a heading per app, before the files are written; nothing
    at verbosity 0."""

    def __init__(self, verbosity: int = 1) -> None:
        self.app_label: str | None = None
        self.verbosity = verbosity

    def __call__(self, migration: api.MigrationFile) -> None:
        if self.verbosity < 1:
            return
        if migration.app_label != self.app_label:
            self.app_label = migration.app_label
            click.echo(click.style(f"Migrations for '{migration.app_label}':", bold=True))
        click.echo(f"  {_display_path(migration.path)}")
        for number, operation in enumerate(migration.operations, start=1):
            click.echo(f"    {operation}")
            echo_findings([f for f in migration.findings if f.operation_index == number], "      ")


def _display_path(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
