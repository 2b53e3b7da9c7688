"""What ``migrate`` prints while it runs, event by event."""

from __future__ import annotations

import io
import re

import pytest

from schemashift import migrations
from schemashift.api import MigrationEvent
from schemashift.cli.backfill_progress import BarDisplay, LineDisplay, duration
from schemashift.cli.migrate_progress import LiveDisplay, PlainDisplay
from schemashift.migrations.backfill import BackfillProgress


def test_a_lock_retry_gets_a_line_of_its_own_and_the_migration_line_starts_again(
    capsys: pytest.CaptureFixture[str],
) -> None:
    migration = migrations.Migration("0002_question_author", "polls")
    progress = PlainDisplay()
    for kind in ("apply_start", "lock_retry", "lock_retry", "apply_success"):
        progress(MigrationEvent(kind, migration))
    assert capsys.readouterr().out.splitlines() == [
        "  Applying polls.0002_question_author...",
        "    A table lock polls.0002_question_author needs is held by another session; "
        "undone, trying again...",
        "  Applying polls.0002_question_author...",
        "    A table lock polls.0002_question_author needs is held by another session; "
        "undone, trying again...",
        "  Applying polls.0002_question_author... OK",
    ]


def _batch(done: int, elapsed: float, finished: bool = False) -> BackfillProgress:
    return BackfillProgress("account.rank", done, 100_000, elapsed, finished)


def test_a_backfill_shows_plain_lines_every_few_seconds_under_its_migration(
    capsys: pytest.CaptureFixture[str],
) -> None:
    migration = migrations.Migration("0002_backfill", "polls")
    now = [0.0]
    progress = PlainDisplay(backfill=LineDisplay(interval=5.0, clock=lambda: now[0]))
    progress(MigrationEvent("apply_start", migration))
    for second, done in [(0, 0), (1, 4_000), (5, 20_000), (8, 40_000), (11, 60_000)]:
        now[0] = second
        progress(MigrationEvent("backfill_progress", migration, backfill=_batch(done, second)))
    now[0] = 20
    progress(MigrationEvent("backfill_progress", migration, backfill=_batch(100_000, 20, True)))
    progress(MigrationEvent("apply_success", migration))
    assert capsys.readouterr().out.splitlines() == [
        "  Applying polls.0002_backfill...",
        "    backfill account.rank: 0 of 100,000 rows",
        "    backfill account.rank: 20,000 of 100,000 rows, about 20 s left",
        "    backfill account.rank: 60,000 of 100,000 rows, about 7 s left",
        "    backfill account.rank: 100,000 of 100,000 rows, done in 20 s",
        "  Applying polls.0002_backfill... OK",
    ]


def test_a_migration_without_a_backfill_prints_no_backfill_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    migration = migrations.Migration("0002_x", "polls")
    progress = PlainDisplay()
    progress(MigrationEvent("apply_start", migration))
    progress(MigrationEvent("apply_success", migration))
    assert capsys.readouterr().out == "  Applying polls.0002_x... OK\n"


def test_a_failed_backfill_ends_its_migration_line_with_failed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    migration = migrations.Migration("0002_backfill", "polls")
    progress = PlainDisplay(backfill=LineDisplay())
    progress(MigrationEvent("apply_start", migration))
    progress(MigrationEvent("backfill_progress", migration, backfill=_batch(0, 0)))
    progress.failed()
    assert capsys.readouterr().out.splitlines()[-1] == "  Applying polls.0002_backfill... FAILED"


def test_on_a_terminal_a_backfill_is_a_progress_bar_with_the_time_left() -> None:
    from rich.console import Console

    screen = io.StringIO()
    display = BarDisplay(Console(file=screen, force_terminal=True, width=100))
    display.show(_batch(0, 0))
    display.show(_batch(40_000, 8))
    display.show(_batch(100_000, 20, True))
    shown = screen.getvalue()
    assert "backfill account.rank" in shown
    assert "100000/100000" in shown
    assert "0:00:00" in shown  # the time left at the end
    assert display.bar is None


@pytest.mark.parametrize(
    ("seconds", "shown"), [(0.4, "0 s"), (89, "89 s"), (95, "2 min"), (7300, "2 h 2 min")]
)
def test_durations_read_in_the_unit_that_fits(seconds: float, shown: str) -> None:
    assert duration(seconds) == shown


def _two_operations() -> migrations.Migration:
    migration = migrations.Migration("0002_question_author", "polls")
    migration.operations = [
        migrations.RemoveField("question", "votes"),
        migrations.RemoveField("question", "author"),
    ]
    return migration


def _run_events(migration: migrations.Migration, sql: bool = False) -> list[MigrationEvent]:
    events = [MigrationEvent("apply_start", migration)]
    for number, operation in enumerate(migration.operations, start=1):
        events.append(
            MigrationEvent(
                "operation_start", migration, operation=operation, operation_number=number
            )
        )
        if sql:
            events.append(MigrationEvent("statement", migration, sql=f"DROP {number}\nCASCADE"))
        events.append(
            MigrationEvent(
                "operation_success", migration, operation=operation, operation_number=number
            )
        )
    return [*events, MigrationEvent("apply_success", migration)]


def _timeless(text: str) -> list[str]:
    return re.sub(r"\(\d+\.\d{3}s\)", "(T)", text).splitlines()


@pytest.mark.parametrize("verbosity", [0, 1, 2, 3])
def test_each_verbosity_shows_what_it_promises(
    capsys: pytest.CaptureFixture[str], verbosity: int
) -> None:
    migration = _two_operations()
    progress = PlainDisplay(verbosity)
    for event in _run_events(migration, sql=True):
        progress(event)
    expected = {
        0: [],
        1: ["  Applying polls.0002_question_author... OK"],
        2: [
            "  Applying polls.0002_question_author...",
            "    Remove field votes from question... OK (T)",
            "    Remove field author from question... OK (T)",
            "  Applying polls.0002_question_author... OK (T)",
        ],
        3: [
            "  Applying polls.0002_question_author...",
            "    Remove field votes from question...",
            "      DROP 1",
            "      CASCADE;",
            "    Remove field votes from question... OK (T)",
            "    Remove field author from question...",
            "      DROP 2",
            "      CASCADE;",
            "    Remove field author from question... OK (T)",
            "  Applying polls.0002_question_author... OK (T)",
        ],
    }[verbosity]
    assert _timeless(capsys.readouterr().out) == expected


def test_at_verbosity_2_a_lock_retry_starts_the_migration_line_again(
    capsys: pytest.CaptureFixture[str],
) -> None:
    migration = _two_operations()
    progress = PlainDisplay(2)
    events = _run_events(migration)
    for event in [*events[:2], MigrationEvent("lock_retry", migration), *events[1:]]:
        progress(event)
    assert _timeless(capsys.readouterr().out) == [
        "  Applying polls.0002_question_author...",
        "    Remove field votes from question...",
        "    A table lock polls.0002_question_author needs is held by another session; "
        "undone, trying again...",
        "  Applying polls.0002_question_author...",
        "    Remove field votes from question... OK (T)",
        "    Remove field author from question... OK (T)",
        "  Applying polls.0002_question_author... OK (T)",
    ]


def test_at_verbosity_2_a_failure_ends_the_operation_and_migration_lines_with_failed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    migration = _two_operations()
    progress = PlainDisplay(2)
    for event in _run_events(migration)[:3]:
        progress(event)
    progress(_run_events(migration)[3])
    progress.failed()
    assert _timeless(capsys.readouterr().out) == [
        "  Applying polls.0002_question_author...",
        "    Remove field votes from question... OK (T)",
        "    Remove field author from question... FAILED",
        "  Applying polls.0002_question_author... FAILED",
    ]


def test_the_live_display_draws_the_run_and_ends_with_the_count(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from rich.console import Console

    from schemashift.api import MigrationPlan, PlannedMigration

    migration = _two_operations()
    screen = io.StringIO()
    display = LiveDisplay(1, Console(file=screen, force_terminal=True, width=160))
    step = PlannedMigration("polls", "0002_question_author", False, ())
    display.start(MigrationPlan((step,), (("polls", None),), ("polls",)), None, None)
    events = _run_events(migration)
    events.insert(3, MigrationEvent("backfill_progress", migration, backfill=_batch(40_000, 8)))
    for event in events:
        display(event)
    display.finish()
    shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen.getvalue())
    assert re.search(
        r"Applying polls\.0002_question_author: Remove field votes from question "
        r".*0/2 operations",
        shown,
    )
    assert re.search(r"backfill account\.rank .*40000/100000 rows\s+about 12 s left", shown)
    assert "  Applying polls.0002_question_author... OK" in shown
    assert re.search(r"Migrations applied .*1/1 migrations \d+ s elapsed\s*$", shown)
    assert capsys.readouterr().out.startswith("Operations to perform:")
