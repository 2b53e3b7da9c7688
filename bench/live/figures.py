"""The figures of one scenario and tool, from the writers' logs and the table's snapshots."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from server import DEADLOCK_CODES, Snapshot
from writers import WriterLog


@dataclass(frozen=True)
class MigrateRun:
    """One ``manage.py migrate``: its outcome, wall time (monotonic start and end) and output."""

    is_ok: bool
    start: float
    end: float
    output: str
    #: the first line of the error when it failed
    error: str | None = None

    @property
    def seconds(self) -> float:
        return self.end - self.start


@dataclass
class WindowFigures:
    """The writes of one window: how many, how many failed and why, and their latencies."""

    writes: int = 0
    failed: int = 0
    #: error kind -> number of writes that failed with it
    errors: dict[str, int] = field(default_factory=dict)
    #: seconds: the longest write (the stall) and the 99th percentile (nearest rank)
    worst: float | None = None
    p99: float | None = None


@dataclass
class ScenarioResult:
    """What a tool did in one scenario, as the table and the JSON report it."""

    scenario: int
    key: str
    tool: str
    #: "ok", "failed" (makemigrations or migrate), "not run" (the writers could not start)
    outcome: str
    error: str | None = None
    migration: str | None = None
    migrate_seconds: float | None = None
    #: writes overlapping the migrate run, and those started after it ended
    during: WindowFigures = field(default_factory=WindowFigures)
    after: WindowFigures = field(default_factory=WindowFigures)
    before_writes: int = 0
    deadlocks_in_writers: int = 0
    deadlocks_in_migrate: int = 0
    lock_retries_in_migrate: int = 0
    inserts_acknowledged: int = 0
    lost_rows: int | None = None
    increments_acknowledged: int = 0
    score_sum_change: int | None = None
    #: acknowledged increments missing from the score sum (negative: more than acknowledged)
    lost_updates: int | None = None
    reconnects: int = 0
    #: the first message of each writer error kind
    error_samples: dict[str, str] = field(default_factory=dict)

    @property
    def deadlocks(self) -> int:
        return self.deadlocks_in_writers + self.deadlocks_in_migrate

    def as_json(self) -> dict[str, Any]:
        return asdict(self) | {"deadlocks": self.deadlocks}


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile: the smallest value at least ``share`` of them do not pass."""
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


def window(writes: list[tuple[float, float, str | None]]) -> WindowFigures:
    """Figures of ``(start, latency, error)`` writes."""
    figures = WindowFigures(writes=len(writes))
    errors = Counter(error for _, _, error in writes if error is not None)
    figures.failed = sum(errors.values())
    figures.errors = dict(errors.most_common())
    if writes:
        latencies = [latency for _, latency, _ in writes]
        figures.worst = max(latencies)
        figures.p99 = percentile(latencies, 0.99)
    return figures


def split_windows(
    logs: list[WriterLog], start: float, end: float
) -> tuple[int, list[tuple[float, float, str | None]], list[tuple[float, float, str | None]]]:
    """The writes before ``start`` (a count), those overlapping [start, end] and those started
    after ``end``."""
    before, during, after = 0, [], []
    for log in logs:
        for write in zip(log.starts, log.latencies, log.errors, strict=True):
            began, latency, _ = write
            if began >= end:
                after.append(write)
            elif began + latency > start:
                during.append(write)
            else:
                before += 1
    return before, during, after


#: how the tools' migrate output mentions a deadlock, besides the SQLSTATE or error number
_DEADLOCK_WORDS = re.compile(r"deadlock", re.IGNORECASE)
#: the line schemashift's migrate prints each time it gives way to a lock and tries again
_LOCK_RETRY_LINE = "trying again"


def deadlock_lines(output: str, backend: str) -> int:
    """Lines of migrate's output that report a deadlock."""
    code = DEADLOCK_CODES[backend]
    return sum(1 for line in output.splitlines() if code in line or _DEADLOCK_WORDS.search(line))


def measure(
    result: ScenarioResult,
    backend: str,
    logs: list[WriterLog],
    run: MigrateRun,
    before: Snapshot,
    after: Snapshot,
    inserted_ids: set[int],
) -> None:
    """Fill ``result`` from the writers' logs, the migrate run and the table's snapshots taken
    before the writers started and after they stopped; ``inserted_ids`` are the ids present
    above ``before.max_id``."""
    result.migrate_seconds = run.seconds
    count_before, during, later = split_windows(logs, run.start, run.end)
    result.before_writes = count_before
    result.during, result.after = window(during), window(later)
    deadlock = DEADLOCK_CODES[backend]
    result.deadlocks_in_writers = sum(
        1 for log in logs for error in log.errors if error and error.startswith(deadlock)
    )
    result.deadlocks_in_migrate = deadlock_lines(run.output, backend)
    result.lock_retries_in_migrate = run.output.count(_LOCK_RETRY_LINE)
    acknowledged = [row_id for log in logs for row_id in log.inserted_ids]
    result.inserts_acknowledged = len(acknowledged)
    result.lost_rows = sum(1 for row_id in acknowledged if row_id not in inserted_ids)
    result.increments_acknowledged = sum(log.increments for log in logs)
    result.score_sum_change = after.score_sum - before.score_sum
    result.lost_updates = result.increments_acknowledged - result.score_sum_change
    result.reconnects = sum(log.reconnects for log in logs)
    for log in logs:
        for kind, message in log.samples.items():
            result.error_samples.setdefault(kind, message)
