"""What ``migrate`` shows while it runs, from the events of ``api.migrate``, at each verbosity.

- 0: nothing (errors and warnings still go to stderr).
- 1: the plan's intent, then ``Applying polls.0001_initial... OK`` per migration, a backfill's
  progress, lock retries and resumed migrations.
- 2: also a line per operation and the time each operation and migration took:
  ``Create model Question... OK (0.004s)``.
- 3: also each SQL statement, under its operation, just before it runs.

Where stdout is a terminal (and the verbosity is 1 or more), the same lines are printed once
each migration or operation ends, under a live display of the migration and operation under
way, migrations (and operations) done of the total, the time elapsed, and a backfill's rows
done of the total with the time left. Elsewhere (a log, a pipe) each line is written as it
starts and ended with its outcome, as Django does.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any

import click

from schemashift.cli.backfill_progress import (
    BackfillDisplay,
    backfill_display,
    duration,
    progress_line,
)

if TYPE_CHECKING:
    from schemashift import api
    from schemashift.migrations.migration import Migration

START_KINDS = {"apply_start": "Applying", "unapply_start": "Unapplying"}
SUCCESS_KINDS = ("apply_success", "unapply_success")
FAKE_KINDS = {"fake_apply": "Applying", "fake_unapply": "Unapplying"}
RESUME_KINDS = ("apply_resume", "unapply_resume")


def migrate_display(verbosity: int, is_terminal: bool | None = None) -> MigrateDisplay:
    """A live display where stdout is a terminal, lines elsewhere; nothing at verbosity 0."""
    if is_terminal is None:
        is_terminal = sys.stdout.isatty()
    if is_terminal and verbosity >= 1:
        return LiveDisplay(verbosity)
    return PlainDisplay(verbosity)


def print_intent(plan: api.MigrationPlan, app_label: str | None, name: str | None) -> None:
    """``Operations to perform:`` and what the run is to do, then ``Running migrations:``."""
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
        for adopted in plan.adopted:
            click.echo(f"  {adopted}... " + click.style("ADOPTED", fg="green"))
    click.echo(click.style("Running migrations:", bold=True))


def resume_line(event: api.MigrationEvent) -> str:
    """``Resuming polls.0002_x at operation 2 of 3: an earlier run applied 1 and stopped.``"""
    migration = event.migration
    total = len(migration.operations)
    forwards = event.kind == "apply_resume"
    done = event.operations_done
    verb = "applied" if forwards else "unapplied"
    number = done + 1 if forwards else total - done
    return (
        f"Resuming {migration} at operation {number} of {total}: an earlier run "
        f"{verb} {done} and stopped."
    )


def lock_retry_line(migration: Migration) -> str:
    return f"A table lock {migration} needs is held by another session; undone, trying again..."


def statement_lines(sql: str) -> list[str]:
    """A statement as ``-v 3`` shows it: ended by ``;``, each of its lines indented."""
    text = sql.strip()
    if not text.endswith(";"):
        text += ";"
    return [f"      {line}" for line in text.splitlines()]


def timing(seconds: float) -> str:
    """`` (0.012s)``, as Django's ``migrate -v 2`` writes it."""
    return f" ({seconds:.3f}s)"


class MigrateDisplay:
    """Receives ``api.migrate``'s plan (``start``) and events (call), and the end of the run
    (``finish`` or ``failed``)."""

    def __init__(self, verbosity: int) -> None:
        self.verbosity = verbosity
        #: whether the plan has migrations and the executor has started on them
        self.is_running = False
        #: ("Applying" or "Unapplying", migration) of the migration last started
        self.current: tuple[str, Migration] | None = None
        #: monotonic start time of the migration under way, and of each operation under way
        self.started = 0.0
        self.operation_started: dict[int, float] = {}

    def start(self, plan: api.MigrationPlan, app_label: str | None, name: str | None) -> None:
        if self.verbosity >= 1:
            print_intent(plan, app_label, name)
        self.is_running = bool(plan.steps)

    def __call__(self, event: api.MigrationEvent) -> None:
        kind = event.kind
        if kind in START_KINDS:
            self.current = (START_KINDS[kind], event.migration)
            self.started = time.monotonic()
            self.operation_started.clear()
        elif kind == "operation_start":
            self.operation_started[event.operation_number] = time.monotonic()
        if self.verbosity >= 1:
            self.show(event)

    def show(self, event: api.MigrationEvent) -> None:
        """Show one event (verbosity 1 or more)."""

    def elapsed(self) -> str:
        """The migration's time, at verbosity 2 and up."""
        return timing(time.monotonic() - self.started) if self.verbosity >= 2 else ""

    def operation_elapsed(self, number: int) -> str:
        started = self.operation_started.pop(number, None)
        if started is None or self.verbosity < 2:
            return ""
        return timing(time.monotonic() - started)

    def finish(self) -> None:
        """The run ended without error."""

    def failed(self) -> None:
        """The run stopped on an error, about to be reported."""


class PlainDisplay(MigrateDisplay):
    """Lines that end with their outcome: ``  Applying polls.0001_initial... OK``.

    A line other lines cut short (an operation's, a backfill's, a statement's) is written again
    with its outcome when it ends."""

    def __init__(self, verbosity: int = 1, backfill: BackfillDisplay | None = None) -> None:
        super().__init__(verbosity)
        self._backfill = backfill
        #: the lines started and not yet ended, outermost first: [text, is_at_cursor]
        self.open_lines: list[list[Any]] = []

    def show(self, event: api.MigrationEvent) -> None:
        kind, migration = event.kind, event.migration
        if kind in RESUME_KINDS:
            self.full_line(f"  {resume_line(event)}")
        elif kind in START_KINDS:
            self.open_lines.clear()
            self.begin(f"  {START_KINDS[kind]} {migration}...")
        elif kind == "operation_start" and self.verbosity >= 2:
            self.drop_inner_lines()  # a migration tried again after a lock retry starts over
            self.begin(f"    {_described(event)}...")
        elif kind == "operation_success" and self.verbosity >= 2:
            elapsed = self.operation_elapsed(event.operation_number)
            if len(self.open_lines) > 1:
                self.end(click.style(" OK", fg="green") + elapsed)
            else:
                self.full_line(f"    {_described(event)}..." + click.style(" OK", fg="green"))
        elif kind == "statement" and self.verbosity >= 3 and event.sql:
            for line in statement_lines(event.sql):
                self.full_line(line)
        elif kind == "backfill_progress" and event.backfill is not None:
            self.cut()
            self.backfill.show(event.backfill)
        elif kind in SUCCESS_KINDS:
            self.drop_inner_lines()
            self.end(click.style(" OK", fg="green") + self.elapsed())
        elif kind == "lock_retry":
            self.lock_retry(migration)
        elif kind in FAKE_KINDS:
            click.echo(f"  {FAKE_KINDS[kind]} {migration}..." + click.style(" FAKED", fg="green"))

    def lock_retry(self, migration: Migration) -> None:
        """The retry's line, then the migration's line started again (operations restart)."""
        self.drop_inner_lines()
        self.full_line(f"    {lock_retry_line(migration)}")
        if self.open_lines:
            text = self.open_lines[0][0]
            self.open_lines.clear()
            self.begin(text)

    @property
    def backfill(self) -> BackfillDisplay:
        if self._backfill is None:
            self._backfill = backfill_display()
        return self._backfill

    def begin(self, text: str) -> None:
        self.cut()
        click.echo(text, nl=False)
        self.open_lines.append([text, True])

    def end(self, outcome: str) -> None:
        """End the innermost open line with ``outcome``, written again if it was cut."""
        if not self.open_lines:
            return
        text, is_at_cursor = self.open_lines.pop()
        self.cut()
        click.echo(outcome if is_at_cursor else text + outcome)

    def drop_inner_lines(self) -> None:
        """Forget the open lines under the migration's (operations to be started again)."""
        if len(self.open_lines) > 1:
            self.cut()
            del self.open_lines[1:]

    def full_line(self, text: str) -> None:
        self.cut()
        click.echo(text)

    def cut(self) -> None:
        """End the line at the cursor, if one is open, to write others under it."""
        for line in self.open_lines:
            if line[1]:
                click.echo("")
                line[1] = False

    def failed(self) -> None:
        if self._backfill is not None:
            self._backfill.close()
        while self.open_lines:
            self.end(click.style(" FAILED", fg="red"))


class LiveDisplay(MigrateDisplay):
    """A rich display, redrawn as the run goes, under the lines of what has ended."""

    def __init__(self, verbosity: int = 1, console: Any = None) -> None:
        super().__init__(verbosity)
        self.console = console
        self.board: Any = None
        self.overall: Any = None
        self.migration_task: Any = None
        self.backfill_tasks: dict[str, Any] = {}
        self.total = 0
        self.done = 0
        #: "applied" or "unapplied", once a migration started
        self.verb = "applied"

    def start(self, plan: api.MigrationPlan, app_label: str | None, name: str | None) -> None:
        super().start(plan, app_label, name)
        if not plan.steps:
            return
        self.total = len(plan.steps)
        self.verb = "unapplied" if plan.steps[0].backwards else "applied"
        self.board = live_board(self.console)
        self.overall = self.board.add_task(
            "Migrations", total=self.total, unit="migrations", clock="elapsed"
        )
        self.board.start()

    def show(self, event: api.MigrationEvent) -> None:
        if self.board is None:
            return
        kind, migration = event.kind, event.migration
        if kind in RESUME_KINDS:
            self.print(f"  {resume_line(event)}")
        elif kind in START_KINDS:
            self._start_migration(event)
        elif kind == "operation_start":
            self._describe_migration(_described(event))
        elif kind == "operation_success":
            self.board.advance(self.migration_task)
            if self.verbosity >= 2:
                elapsed = self.operation_elapsed(event.operation_number)
                self.print(f"    {_described(event)}...", (" OK", "green"), elapsed)
        elif kind == "statement" and self.verbosity >= 3 and event.sql:
            for line in statement_lines(event.sql):
                self.print(line)
        elif kind == "backfill_progress" and event.backfill is not None:
            self._show_backfill(event.backfill)
        elif kind in SUCCESS_KINDS:
            self._end_migration((" OK", "green"), self.elapsed())
            self._count_done()
        elif kind == "lock_retry":
            self.print(f"    {lock_retry_line(migration)}")
            self.board.update(self.migration_task, completed=event.operations_done)
        elif kind in FAKE_KINDS:
            self.current = (FAKE_KINDS[kind], migration)
            self._end_migration((" FAKED", "green"))
            self._count_done()
        if kind != "statement":
            # drawn now, not at the next tick: a step shorter than a tick shows too
            self.board.refresh()

    def _count_done(self) -> None:
        self.done += 1
        self.board.update(self.overall, completed=self.done)

    def _start_migration(self, event: api.MigrationEvent) -> None:
        verb, migration = START_KINDS[event.kind], event.migration
        self.verb = "applied" if verb == "Applying" else "unapplied"
        self._drop_task(self.migration_task)
        self.migration_task = self.board.add_task(
            f"{verb} {migration}",
            total=len(migration.operations),
            completed=event.operations_done,
            unit="operations",
            clock="elapsed",
        )

    def _describe_migration(self, operation: str) -> None:
        if self.current is not None and self.migration_task is not None:
            verb, migration = self.current
            self.board.update(self.migration_task, description=f"{verb} {migration}: {operation}")

    def _show_backfill(self, progress: Any) -> None:
        task = self.backfill_tasks.get(progress.label)
        if task is None:
            task = self.backfill_tasks[progress.label] = self.board.add_task(
                f"  backfill {progress.label}", total=progress.total, unit=progress.unit
            )
        self.board.update(
            task, completed=progress.done, total=progress.total, seconds_left=progress.seconds_left
        )
        if progress.finished:
            self.print(f"    {progress_line(progress)}")
            self._drop_task(self.backfill_tasks.pop(progress.label))

    def _end_migration(self, outcome: tuple[str, str], elapsed: str = "") -> None:
        if self.current is not None:
            verb, migration = self.current
            self.print(f"  {verb} {migration}...", outcome, elapsed)
        self._drop_backfills()
        self._drop_task(self.migration_task)
        self.migration_task = None

    def finish(self) -> None:
        if self.board is None:
            return
        self.board.update(self.overall, description=f"Migrations {self.verb}", completed=self.done)
        self._stop()

    def failed(self) -> None:
        if self.board is None:
            return
        if self.migration_task is not None:
            self._end_migration((" FAILED", "red"))
        self.board.update(self.overall, description="Migrations stopped")
        self._stop()

    def print(self, text: str, outcome: tuple[str, str] | None = None, after: str = "") -> None:
        """A line above the live display, for good."""
        from rich.text import Text

        line = Text(text)
        if outcome is not None:
            line.append(outcome[0], style=outcome[1])
        line.append(after)
        self.board.console.print(line, highlight=False, soft_wrap=True)

    def _drop_backfills(self) -> None:
        for task in self.backfill_tasks.values():
            self._drop_task(task)
        self.backfill_tasks.clear()

    def _drop_task(self, task: Any) -> None:
        if task is not None:
            self.board.remove_task(task)

    def _stop(self) -> None:
        self._drop_backfills()
        self._drop_task(self.migration_task)
        self.migration_task = None
        self.board.stop()
        self.board = None


def _described(event: api.MigrationEvent) -> str:
    operation = event.operation
    return operation.describe() if operation is not None else f"operation {event.operation_number}"


def live_board(console: Any = None) -> Any:
    """The rich progress display: a line per task with what it is, its bar, its count and its
    clock (the time elapsed for migrations, the time left for a backfill); what it is gets
    what width the rest leaves, cut short with an ellipsis."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, ProgressColumn, TextColumn
    from rich.table import Column
    from rich.text import Text

    class ClockColumn(ProgressColumn):
        def render(self, task: Any) -> Text:
            if task.fields.get("clock") == "elapsed":
                return Text(f"{duration(task.elapsed or 0)} elapsed", style="progress.elapsed")
            left = task.fields.get("seconds_left")
            if left is None:
                return Text("")
            return Text(f"about {duration(left)} left", style="progress.remaining")

    console = console or Console()
    return Progress(
        TextColumn(
            "{task.description}",
            table_column=Column(
                width=max(16, console.width - 56), no_wrap=True, overflow="ellipsis"
            ),
        ),
        BarColumn(bar_width=10),
        TextColumn(
            "[progress.download]{task.completed:.0f}/{task.total:.0f}[/] {task.fields[unit]}",
            table_column=Column(no_wrap=True),
        ),
        ClockColumn(table_column=Column(no_wrap=True)),
        console=console,
    )
