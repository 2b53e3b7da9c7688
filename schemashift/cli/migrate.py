"""``migrate``: bring the database to the latest migrations, or to a named one."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any

import click

from schemashift.cli.project import (
    app_configs,
    load_checked_project,
    load_migrations,
    make_recorder,
    model_changes,
    open_database,
)
from schemashift.exceptions import NodeNotFoundError, SchemashiftError
from schemashift.migrations.loader import MigrationLoader

Target = tuple[str, str | None]


@click.command("migrate")
@click.argument("app_label", required=False)
@click.argument("migration_name", required=False)
@click.option("--plan", "show_plan", is_flag=True, help="Show the plan; change nothing.")
@click.option("--fake", is_flag=True, help="Record migrations as (un)applied without running them.")
@click.option("--noinput", "--no-input", "no_input", is_flag=True, help="Never prompt.")
@click.option(
    "--lock-timeout",
    type=click.FloatRange(min=0),
    default=None,
    help="Seconds to wait for another migrate on the same database "
    "(default: MIGRATION_LOCK_TIMEOUT, 600).",
)
@click.pass_context
def command(
    ctx: click.Context,
    app_label: str | None,
    migration_name: str | None,
    show_plan: bool,
    fake: bool,
    no_input: bool,
    lock_timeout: float | None,
) -> None:
    """Apply (or unapply, to reach MIGRATION_NAME) the migrations of APP_LABEL, or of every app."""
    from schemashift.db.connection import migration_lock
    from schemashift.migrations.executor import MigrationInterrupted

    settings = load_checked_project(ctx)
    if app_label:
        app_configs([app_label])
    database = open_database()
    recorder = make_recorder(database, settings)
    timeout = settings.MIGRATION_LOCK_TIMEOUT if lock_timeout is None else lock_timeout
    try:
        with migration_lock(database, timeout, on_wait=lambda: _say_waiting(database, timeout)):
            _migrate(database, recorder, app_label, migration_name, show_plan, fake)
    except KeyboardInterrupt:
        # Ctrl-C before the executor started (it reports its own interruptions)
        raise MigrationInterrupted("Interrupted before any migration was run.") from None


def _migrate(
    database: object,
    recorder: object,
    app_label: str | None,
    migration_name: str | None,
    show_plan: bool,
    fake: bool,
) -> None:
    from schemashift.migrations.executor import MigrationExecutor

    applied = set(recorder.applied_migrations())
    loader = load_migrations(applied)
    loader.check_consistent_history(applied)
    # Every migration file must make sense before anything runs: a broken operation in the
    # last migration must not leave the first ones applied.
    loader.project_state()
    targets = _targets(loader, app_label, migration_name)
    executor = MigrationExecutor(database, loader, recorder)
    plan = executor.plan(targets, applied)
    if show_plan:
        _print_plan(plan)
        return
    _print_intent(loader, app_label, migration_name, targets)
    click.echo(click.style("Running migrations:", bold=True))
    if not plan:
        click.echo("  No migrations to apply.")
        _warn_unmigrated_changes(loader)
        return
    progress = _Progress(lambda key: executor.partial.get(key))
    try:
        executor.migrate(plan, applied, fake=fake, progress=progress)
    except SchemashiftError:
        progress.failed()
        raise
    except Exception as exc:
        # The migration's own Python code failed: its traceback is the user's to read, as
        # in Django, under one line that says where it happened.
        progress.failed()
        click.echo(_code_failure(progress, exc), err=True)
        raise


def _say_waiting(database: object, timeout: float | None) -> None:
    limit = "" if timeout is None else f" (up to {timeout:g} s)"
    click.echo(
        f"Another migrate is running on database '{database.alias}'; waiting for it to "
        f"finish{limit}...",
        err=True,
    )


def _targets(loader: MigrationLoader, app_label: str | None, name: str | None) -> list[Target]:
    if app_label and name:
        if name == "zero":
            return [(app_label, None)]
        return [loader.get_migration_by_prefix(app_label, name).key]
    if app_label:
        if app_label not in loader.migrated_apps:
            raise NodeNotFoundError(f"App '{app_label}' does not have migrations.")
        return list(loader.graph.leaf_nodes(app_label))
    return list(loader.graph.leaf_nodes())


def _print_intent(
    loader: MigrationLoader, app_label: str | None, name: str | None, targets: list[Target]
) -> None:
    click.echo(click.style("Operations to perform:", bold=True))
    if app_label and name == "zero":
        click.echo(f"  Unapply all migrations: {app_label}")
    elif app_label and name:
        click.echo(f"  Target specific migration: {targets[0][1]}, from {app_label}")
    elif app_label:
        click.echo(f"  Apply all migrations: {app_label}")
    else:
        labels = sorted(loader.migrated_apps)
        click.echo(f"  Apply all migrations: {', '.join(labels) if labels else '(none)'}")


class _Progress:
    """Prints ``Applying polls.0001_initial... OK``; FAILED ends a line a failure cut short."""

    def __init__(self, partial: Callable[[object], tuple[str, int] | None]) -> None:
        self.line_open = False
        self.partial = partial
        #: ("Applying" or "Unapplying", migration) of the migration last started
        self.current: tuple[str, Any] | None = None

    def __call__(self, event: str, migration: object) -> None:
        if event in ("apply_resume", "unapply_resume"):
            _direction, done = self.partial(migration.key) or ("", 0)
            total = len(migration.operations)
            forwards = event == "apply_resume"
            verb = "applied" if forwards else "unapplied"
            number = done + 1 if forwards else total - done
            click.echo(
                f"  Resuming {migration} at operation {number} of {total}: an earlier run "
                f"{verb} {done} and stopped."
            )
        elif event in ("apply_start", "unapply_start"):
            verb = "Applying" if event == "apply_start" else "Unapplying"
            click.echo(f"  {verb} {migration}...", nl=False)
            self.line_open = True
            self.current = (verb, migration)
        elif event in ("apply_success", "unapply_success"):
            click.echo(click.style(" OK", fg="green"))
            self.line_open = False
        elif event in ("fake_apply", "fake_unapply"):
            verb = "Applying" if event == "fake_apply" else "Unapplying"
            click.echo(f"  {verb} {migration}..." + click.style(" FAKED", fg="green"))

    def failed(self) -> None:
        if self.line_open:
            click.echo(click.style(" FAILED", fg="red"))
            self.line_open = False


def _code_failure(progress: _Progress, exc: Exception) -> str:
    """``Applying polls.0002_x failed at operation 1 of 1 (<describe>): ValueError: ...``."""
    reason = f"{type(exc).__name__}: {exc}"
    if progress.current is None:
        return f"Error: migrate failed: {reason}"
    verb, migration = progress.current
    codes = {frame.f_code for frame, _line in traceback.walk_tb(exc.__traceback__)}
    operations = list(migration.operations)
    for number, operation in enumerate(operations, start=1):
        functions = (getattr(operation, "code", None), getattr(operation, "reverse_code", None))
        if any(getattr(function, "__code__", None) in codes for function in functions):
            return (
                f"Error: {verb} {migration} failed at operation {number} of {len(operations)} "
                f"({operation.describe()}): {reason}"
            )
    return f"Error: {verb} {migration} failed: {reason}"


def _print_plan(plan) -> None:
    click.echo(click.style("Planned operations:", bold=True))
    if not plan:
        click.echo("  No planned migration operations.")
        return
    for step in plan:
        click.echo(str(step.migration))
        operations = step.migration.operations
        if step.backwards:
            operations = list(reversed(operations))
        if not operations:
            click.echo("    (no operations)")
        for operation in operations:
            text = operation.describe()
            if step.backwards:
                text = f"Undo {text}"
                if not operation.reversible:
                    text += click.style(" -> IRREVERSIBLE", fg="red")
            if operation.is_destructive and not step.backwards:
                text += click.style(" (drops data)", fg="yellow")
            click.echo(f"    {text}")


def _warn_unmigrated_changes(loader: MigrationLoader) -> None:
    from schemashift.migrations.questioner import NonInteractiveMigrationQuestioner

    changes = model_changes(loader, NonInteractiveMigrationQuestioner(dry_run=True))
    changed = sorted(label for label in changes if label in loader.migrated_apps)
    if changed:
        names = ", ".join(f"'{label}'" for label in changed)
        click.echo(
            click.style(
                f"  Your models in app(s): {names} have changes that are not yet reflected in a "
                "migration, and so won't be applied.\n"
                "  Run 'manage.py makemigrations' to make new migrations, and then re-run "
                "'manage.py migrate' to apply them.",
                fg="yellow",
            )
        )
