"""``migrate``: bring the database to the latest migrations, or to a named one."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from schemashift import api
from schemashift.cli import json_output
from schemashift.cli.backfill_progress import BackfillDisplay, backfill_display
from schemashift.cli.context import setup_project, warn
from schemashift.cli.lint_report import echo_findings
from schemashift.exceptions import SchemashiftError

if TYPE_CHECKING:
    from schemashift.migrations.migration import Migration


@click.command("migrate")
@click.argument("app_label", required=False)
@click.argument("migration_name", required=False)
@click.option("--plan", "show_plan", is_flag=True, help="Show the plan; change nothing.")
@click.option(
    "--check",
    "check_unapplied",
    is_flag=True,
    help="Exit 1 (showing the plan) if unapplied migrations exist; change nothing.",
)
@click.option(
    "--prune",
    is_flag=True,
    help="Delete the history rows of APP_LABEL's migrations whose files no longer exist.",
)
@click.option("--fake", is_flag=True, help="Record migrations as (un)applied without running them.")
@click.option(
    "--fake-initial",
    is_flag=True,
    help="Record initial migrations whose tables all exist as applied, without running them.",
)
@click.option(
    "--adopt-django-history",
    is_flag=True,
    help="Take over a database Django migrated: check its tables against the migrations "
    "django_migrations lists and record them as applied, then apply the rest.",
)
@click.option("--noinput", "--no-input", "no_input", is_flag=True, help="Never prompt.")
@click.option(
    "--stage",
    type=click.Choice(["expand", "contract"]),
    default=None,
    help="Apply staged changes' expand migrations only (before deploying the new app "
    "version), or their contract migrations (after).",
)
@click.option(
    "--allow-data-loss",
    is_flag=True,
    help="Run operations that destroy stored data (dropped tables and columns, lossy type "
    "changes) even where their migration does not acknowledge it.",
)
@click.option(
    "--allow-drift",
    is_flag=True,
    help="Run even though the tables differ from what the applied migrations imply "
    "(see check --database).",
)
@click.option(
    "--lock-timeout",
    type=click.FloatRange(min=0),
    default=None,
    help="Seconds to wait for another migrate on the same database "
    "(default: MIGRATION_LOCK_TIMEOUT, 600).",
)
@json_output.format_option("With --plan or --check: the plan as text, or one JSON document.")
@click.pass_context
def command(
    ctx: click.Context,
    app_label: str | None,
    migration_name: str | None,
    show_plan: bool,
    check_unapplied: bool,
    prune: bool,
    fake: bool,
    fake_initial: bool,
    adopt_django_history: bool,
    no_input: bool,
    stage: str | None,
    allow_data_loss: bool,
    allow_drift: bool,
    lock_timeout: float | None,
    output_format: str,
) -> None:
    """Apply (or unapply, to reach MIGRATION_NAME) the migrations of APP_LABEL, or of every app."""
    is_json = output_format == json_output.JSON
    if is_json and (prune or not (show_plan or check_unapplied)):
        raise click.UsageError("--format json goes with --plan or --check, without --prune.")
    setup_project(ctx)
    if prune:
        _prune(app_label, lock_timeout)
        if not (show_plan or check_unapplied):
            return
    progress = _Progress()
    try:
        result = api.migrate(
            app_label,
            migration_name,
            fake=fake,
            fake_initial=fake_initial,
            adopt_django_history=adopt_django_history,
            plan=show_plan or check_unapplied,
            lock_timeout=lock_timeout,
            progress=progress,
            on_plan=lambda plan: progress.start(plan, app_label, migration_name),
            on_wait=_say_waiting,
            warn=warn,
            stage=stage,
            allow_data_loss=allow_data_loss,
            allow_drift=allow_drift,
        )
    except SchemashiftError:
        progress.failed()
        raise
    except Exception as exc:
        if not progress.is_running:
            raise
        # The migration's own Python code failed: its traceback is the user's to read, as
        # in Django, under one line that says where it happened.
        progress.failed()
        click.echo(_code_failure(progress, exc), err=True)
        raise
    if is_json:
        json_output.emit(json_output.migrate_plan(result.plan, result.held_back))
        ctx.exit(1 if check_unapplied and result.plan.steps else 0)
    if show_plan or (check_unapplied and result.plan.steps):
        _print_plan(result.plan)
    if check_unapplied:
        ctx.exit(1 if result.plan.steps else 0)
    if not show_plan and not result.plan.steps:
        click.echo("  No migrations to apply.")
        if not result.held_back:
            _warn_unmigrated_changes(result.unmigrated_changes)
    if result.held_back:
        click.echo(
            "  Left for migrate --stage contract, once no process of the previous app version "
            f"is running: {', '.join(result.held_back)}"
        )


def _prune(app_label: str | None, lock_timeout: float | None) -> None:
    """migrate APP --prune: forget the applied migrations whose files are gone."""
    pruned = api.prune_migrations(
        app_label, lock_timeout=lock_timeout, on_wait=_say_waiting, warn=warn
    )
    click.echo(click.style("Pruning migrations:", bold=True))
    for name in pruned:
        click.echo(f"  Pruning {name}" + click.style(" OK", fg="green"))
    if not pruned:
        click.echo("  No migrations to prune.")


def _say_waiting(alias: str, timeout: float | None) -> None:
    limit = "" if timeout is None else f" (up to {timeout:g} s)"
    click.echo(
        f"Another migrate is running on database '{alias}'; waiting for it to finish{limit}...",
        err=True,
    )


def _print_intent(plan: api.MigrationPlan, app_label: str | None, name: str | None) -> None:
    click.echo(click.style("Operations to perform:", bold=True))
    if app_label and name == "zero":
        click.echo(f"  Unapply all migrations: {app_label}")
    elif app_label and name:
        click.echo(f"  Target specific migration: {plan.targets[0][1]}, from {app_label}")
    elif app_label:
        click.echo(f"  Apply all migrations: {app_label}")
    else:
        labels = plan.migrated_apps
        click.echo(f"  Apply all migrations: {', '.join(labels) if labels else '(none)'}")
    if plan.adopted:
        click.echo(click.style("Adopted from django_migrations:", bold=True))
        for name in plan.adopted:
            click.echo(f"  {name}... " + click.style("ADOPTED", fg="green"))
    click.echo(click.style("Running migrations:", bold=True))


class _Progress:
    """Prints ``Applying polls.0001_initial... OK``; FAILED ends a line a failure cut short.

    A backfill's progress shows under the migration's line, which is written again with its
    outcome when it ends."""

    def __init__(self, backfill: BackfillDisplay | None = None) -> None:
        #: whether the plan has migrations and the executor has started on them
        self.is_running = False
        self.line_open = False
        #: ("Applying" or "Unapplying", migration) of the migration last started
        self.current: tuple[str, Migration] | None = None
        self._backfill = backfill
        #: whether the migration's line was cut by other lines and is to be written again
        self.line_cut = False

    def start(self, plan: api.MigrationPlan, app_label: str | None, name: str | None) -> None:
        _print_intent(plan, app_label, name)
        self.is_running = bool(plan.steps)

    def __call__(self, event: api.MigrationEvent) -> None:
        kind, migration = event.kind, event.migration
        if kind in ("apply_resume", "unapply_resume"):
            total = len(migration.operations)
            forwards = kind == "apply_resume"
            done = event.operations_done
            verb = "applied" if forwards else "unapplied"
            number = done + 1 if forwards else total - done
            click.echo(
                f"  Resuming {migration} at operation {number} of {total}: an earlier run "
                f"{verb} {done} and stopped."
            )
        elif kind in ("apply_start", "unapply_start"):
            verb = "Applying" if kind == "apply_start" else "Unapplying"
            click.echo(f"  {verb} {migration}...", nl=False)
            self.line_open = True
            self.line_cut = False
            self.current = (verb, migration)
        elif kind == "backfill_progress" and event.backfill is not None:
            self._cut_line()
            self.backfill.show(event.backfill)
        elif kind in ("apply_success", "unapply_success"):
            self._reopen_line()
            click.echo(click.style(" OK", fg="green"))
            self.line_open = False
        elif kind == "lock_retry":
            if self.line_open:
                click.echo("")
                self.line_open = False
            click.echo(
                f"    A table lock {migration} needs is held by another session; "
                "undone, trying again..."
            )
            if self.current is not None:
                verb, running = self.current
                click.echo(f"  {verb} {running}...", nl=False)
                self.line_open = True
        elif kind in ("fake_apply", "fake_unapply"):
            verb = "Applying" if kind == "fake_apply" else "Unapplying"
            click.echo(f"  {verb} {migration}..." + click.style(" FAKED", fg="green"))

    @property
    def backfill(self) -> BackfillDisplay:
        if self._backfill is None:
            self._backfill = backfill_display()
        return self._backfill

    def _cut_line(self) -> None:
        if self.line_open:
            click.echo("")
            self.line_open = False
            self.line_cut = True

    def _reopen_line(self) -> None:
        if self.line_cut and self.current is not None:
            verb, migration = self.current
            click.echo(f"  {verb} {migration}...", nl=False)
            self.line_open = True
        self.line_cut = False

    def failed(self) -> None:
        if self._backfill is not None:
            self._backfill.close()
        self._reopen_line()
        if self.line_open:
            click.echo(click.style(" FAILED", fg="red"))
            self.line_open = False


def _code_failure(progress: _Progress, exc: Exception) -> str:
    """``Applying polls.0002_x failed at operation 1 of 1 (<describe>): ValueError: ...``."""
    from schemashift.migrations.executor import failed_operation

    reason = f"{type(exc).__name__}: {exc}"
    if progress.current is None:
        return f"Error: migrate failed: {reason}"
    verb, migration = progress.current
    found = failed_operation(migration, exc)
    if found is None:
        return f"Error: {verb} {migration} failed: {reason}"
    number, operation = found
    return (
        f"Error: {verb} {migration} failed at operation {number} of "
        f"{len(migration.operations)} ({operation.describe()}): {reason}"
    )


def _print_plan(plan: api.MigrationPlan) -> None:
    click.echo(click.style("Planned operations:", bold=True))
    if not plan.steps:
        click.echo("  No planned migration operations.")
        return
    for step in plan.steps:
        click.echo(str(step))
        if not step.operations:
            click.echo("    (no operations)")
        for operation in step.operations:
            text = operation.description
            if step.backwards:
                text = f"Undo {text}"
                if not operation.is_reversible:
                    text += click.style(" -> IRREVERSIBLE", fg="red")
            click.echo(f"    {text}")
            for reason in operation.data_loss:
                note = "acknowledged" if operation.is_loss_allowed else "not acknowledged"
                click.echo(click.style(f"      data loss: {reason} ({note})", fg="yellow"))
            echo_findings(operation.findings, "      ")


def _warn_unmigrated_changes(changed: tuple[str, ...]) -> None:
    if not changed:
        return
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
