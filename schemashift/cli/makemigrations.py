"""``makemigrations``: write migration files for the changes in the models."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from schemashift.apps import apps
from schemashift.cli.project import (
    app_configs,
    app_leaves,
    load_checked_project,
    load_migrations,
    model_changes,
)
from schemashift.exceptions import SchemashiftError
from schemashift.migrations.autodetector import MigrationAutodetector
from schemashift.migrations.migration import Migration
from schemashift.migrations.questioner import (
    InteractiveMigrationQuestioner,
    NonInteractiveMigrationQuestioner,
)
from schemashift.migrations.writer import MigrationWriter


@click.command("makemigrations")
@click.argument("app_labels", nargs=-1)
@click.option("-n", "--name", "name", help="Use this name for the migration file(s).")
@click.option("--empty", is_flag=True, help="Write an empty migration, for RunPython/RunSQL.")
@click.option("--check", "check_changes", is_flag=True, help="Exit 1 if models have changes.")
@click.option("--dry-run", is_flag=True, help="Show what would be written; write nothing.")
@click.option(
    "--noinput", "--no-input", "no_input", is_flag=True, help="Never prompt; assume no renames."
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
) -> None:
    """Write new migrations for changes to the models of APP_LABELS (default: every app)."""
    load_checked_project(ctx)
    if name is not None and not name.isidentifier():
        raise SchemashiftError(f"The migration name '{name}' must be a valid Python identifier.")
    named = app_configs(app_labels)
    loader = load_migrations()
    leaves = app_leaves(loader)
    dry_run = dry_run or check_changes

    if empty:
        if not app_labels:
            raise SchemashiftError("You must supply at least one app label when using --empty.")
        changes = {
            config.label: [_empty_migration(config.label, leaves[config.label], name)]
            for config in named
        }
    else:
        questioner = _questioner(no_input, dry_run, app_labels)
        changes = model_changes(loader, questioner, app_labels, name)
        changes = {
            label: migrations
            for label, migrations in changes.items()
            if label in app_labels or _has_migrations_package(label)
        }

    if not changes:
        if len(app_labels) == 1:
            click.echo(f"No changes detected in app '{app_labels[0]}'")
        elif app_labels:
            joined = "', '".join(app_labels)
            click.echo(f"No changes detected in apps '{joined}'")
        else:
            click.echo("No changes detected")
        return
    _report_and_write(changes, write=not dry_run)
    if check_changes:
        ctx.exit(1)


def _questioner(no_input: bool, dry_run: bool, app_labels: tuple[str, ...]):
    if no_input:
        return NonInteractiveMigrationQuestioner(dry_run=dry_run, specified_apps=app_labels)
    return InteractiveMigrationQuestioner(
        stdin=sys.stdin,
        stdout=sys.stdout,
        dry_run=dry_run,
        specified_apps=app_labels,
        echo_answers=not sys.stdin.isatty(),
    )


def _has_migrations_package(label: str) -> bool:
    return (apps.get_app_config(label).migrations_path / "__init__.py").exists()


def _empty_migration(app_label: str, leaf: str | None, name: str | None) -> Migration:
    if leaf is None:
        migration = Migration(f"0001_{name or 'initial'}", app_label)
        migration.initial = True
        return migration
    number = (MigrationAutodetector.parse_number(leaf) or 0) + 1
    migration = Migration("", app_label)
    migration.dependencies = [(app_label, leaf)]
    migration.name = f"{number:04d}_{name or migration.suggest_name()}"
    return migration


def _report_and_write(changes: dict[str, list[Migration]], write: bool) -> None:
    files: list[tuple[Path, str]] = []
    for app_label in sorted(changes):
        config = apps.get_app_config(app_label)
        click.echo(click.style(f"Migrations for '{app_label}':", bold=True))
        for migration in changes[app_label]:
            writer = MigrationWriter(migration)
            path = writer.path(config)
            click.echo(f"  {_display_path(path)}")
            for operation in migration.operations:
                click.echo(f"    {operation.formatted_description()}")
            if write:
                files.append((path, writer.as_string()))
    _write_all(files)


def _write_all(files: list[tuple[Path, str]]) -> None:
    """Write every new migration file, or none: one that cannot be written undoes the rest."""
    existing = [path for path, _source in files if path.exists()]
    if existing:
        raise SchemashiftError(
            f"{_display_path(existing[0])} already exists and is not one of the app's "
            "migrations (is its folder missing __init__.py?). Move it away or fix the folder; "
            "no migration file was written."
        )
    written: list[Path] = []
    try:
        for path, source in files:
            written.extend(_write(path, source))
    except OSError as exc:
        for done in reversed(written):
            done.unlink(missing_ok=True)
        target = _display_path(Path(exc.filename)) if exc.filename else "the migrations folder"
        reason = exc.strerror or str(exc)
        if isinstance(exc, (FileExistsError, NotADirectoryError)):
            reason = "a file is in the way of the migrations folder"
        raise SchemashiftError(
            f"Cannot write {target}: {reason}. Make sure the app's migrations folder is a "
            "folder you can write to; no migration file was written."
        ) from None


def _write(path: Path, source: str) -> list[Path]:
    """Write one migration file (and the package's ``__init__.py``); the files it created."""
    created: list[Path] = []
    path.parent.mkdir(parents=True, exist_ok=True)
    init = path.parent / "__init__.py"
    if not init.exists():
        init.write_text("")
        created.append(init)
    created.append(path)
    path.write_text(source)
    return created


def _display_path(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
