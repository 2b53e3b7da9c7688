"""``migrate``: bring the database to the latest migrations, or to a named one."""

from __future__ import annotations

import click

from schemashift import api
from schemashift.cli import json_output
from schemashift.cli.context import get_state, setup_project, warn
from schemashift.cli.lint_report import echo_findings
from schemashift.cli.migrate_progress import MigrateDisplay, migrate_display
from schemashift.exceptions import SchemashiftError


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
    verbosity = 0 if is_json else get_state(ctx).verbosity
    if prune:
        _prune(app_label, lock_timeout, verbosity)
        if not (show_plan or check_unapplied):
            return
    progress = migrate_display(verbosity)
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
            on_wait=_say_waiting if verbosity >= 1 else None,
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
    progress.finish()
    recording = get_state(ctx).recording
    if recording is not None and not result.settled:
        recording.discard()
    if is_json:
        json_output.emit(json_output.migrate_plan(result.plan, result.held_back))
        ctx.exit(1 if check_unapplied and result.plan.steps else 0)
    if show_plan or (check_unapplied and result.plan.steps and verbosity >= 1):
        _print_plan(result.plan)
    if check_unapplied:
        ctx.exit(1 if result.plan.steps else 0)
    if verbosity < 1:
        return
    if not show_plan and not result.plan.steps:
        click.echo("  No migrations to apply.")
        if not result.held_back:
            _warn_unmigrated_changes(result.unmigrated_changes)
    if result.held_back:
        click.echo(
            "  Left for migrate --stage contract, once no process of the previous app version "
            f"is running: {', '.join(result.held_back)}"
        )


def _prune(app_label: str | None, lock_timeout: float | None, verbosity: int) -> None:
    """migrate APP --prune: forget the applied migrations whose files are gone."""
    pruned = api.prune_migrations(
        app_label,
        lock_timeout=lock_timeout,
        on_wait=_say_waiting if verbosity >= 1 else None,
        warn=warn,
    )
    if verbosity < 1:
        return
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


def _code_failure(progress: MigrateDisplay, exc: Exception) -> str:
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
