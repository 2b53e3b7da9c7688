"""How ``migrate`` shows a backfill under way: a progress bar with the time left on a
terminal, else a line every few seconds (``backfill account.rank: 40,000 of 100,000 rows,
about 12 s left``). Nothing shows when no backfill runs."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from schemashift.migrations.backfill import BackfillProgress

#: seconds between two plain lines of the same backfill
PLAIN_INTERVAL = 5.0


def backfill_display(is_terminal: bool | None = None) -> BackfillDisplay:
    """A progress bar where stdout is a terminal, plain lines elsewhere (a log, a pipe)."""
    if is_terminal is None:
        is_terminal = sys.stdout.isatty()
    return BarDisplay() if is_terminal else LineDisplay()


class BackfillDisplay:
    """Shows the ``BackfillProgress`` of each batch; ``close`` ends what is shown."""

    def show(self, progress: BackfillProgress) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass


class LineDisplay(BackfillDisplay):
    """One line at the start, then at most one every ``interval`` seconds, and one at the end."""

    def __init__(
        self, interval: float = PLAIN_INTERVAL, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.interval = interval
        self.clock = clock
        self.last_shown: dict[str, float] = {}

    def show(self, progress: BackfillProgress) -> None:
        now = self.clock()
        last = self.last_shown.get(progress.label)
        if not progress.finished and last is not None and now - last < self.interval:
            return
        self.last_shown[progress.label] = now
        click.echo(f"    {progress_line(progress)}")
        if progress.finished:
            del self.last_shown[progress.label]


def progress_line(progress: BackfillProgress) -> str:
    """``backfill account.rank: 40,000 of 100,000 rows, about 12 s left``."""
    counted = f"backfill {progress.label}: {progress.done:,} of {progress.total:,} {progress.unit}"
    if progress.finished:
        return f"{counted}, done in {duration(progress.elapsed)}"
    left = progress.seconds_left
    if left is None:
        return counted
    return f"{counted}, about {duration(left)} left"


def duration(seconds: float) -> str:
    """``12 s``, ``4 min``, ``2 h 5 min``."""
    if seconds < 90:
        return f"{round(seconds)} s"
    minutes = round(seconds / 60)
    if minutes < 90:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"


class BarDisplay(BackfillDisplay):
    """A rich progress bar per backfill: rows done of the total, and the time left."""

    def __init__(self, console: Any = None) -> None:
        self.console = console
        self.bar: Any = None
        self.tasks: dict[str, Any] = {}

    def show(self, progress: BackfillProgress) -> None:
        if self.bar is None:
            self.bar = _new_bar(self.console)
            self.bar.start()
        task = self.tasks.get(progress.label)
        if task is None:
            task = self.tasks[progress.label] = self.bar.add_task(
                f"backfill {progress.label}", total=progress.total, unit=progress.unit
            )
        self.bar.update(task, completed=progress.done, total=progress.total)
        if progress.finished:
            self.close()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None
            self.tasks.clear()


def _new_bar(console: Any) -> Any:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("    {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[unit]}"),
        TimeRemainingColumn(),
        console=console,
    )
