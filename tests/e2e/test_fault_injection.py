"""``migrate`` killed (SIGKILL) at a database event, then run again, ends as if never killed.

A two-app history (tests/support/fault_history.py: CreateModel with an index and a
ForeignKey, AddField NOT NULL with a default, AlterField of a type, a length and to unique,
RenameField, RenameModel pointed at from the other app, RemoveField, AddIndex, RunPython
seeding and transforming rows) is migrated forwards (empty -> latest) and backwards (latest,
with rows of its own -> polls 0001). tests/support/fault_driver.py runs ``migrate`` in-process
and counts every statement and commit on any engine; an uninterrupted run counts E events and
leaves the reference rows. Then for kill points N in 1..E, each on a fresh database in the
start state:

1. the driver runs the same ``migrate`` and kills itself with SIGKILL at event N;
2. ``python manage.py migrate ...`` runs again, as a user would after the crash;
3. it must exit 0, the live schema must be what its applied migrations say
   (support/schema_check.py), and the rows, the history and the progress noted of interrupted
   runs must be those of the uninterrupted run (a RunPython run twice shows as "q1!!").

Every kill point is tried and every failure collected, then reported together with a line
such as ``fault injection mysql forwards: 40/40 kill points recovered``.

By default a deterministic sample of points is tried: 4 spread evenly, the first event after
each RunPython, and one inside each operation of several statements (some done, some not);
each point costs two to three seconds (a fresh database, the killed run, ``manage.py migrate``
in a new interpreter, the checks). ``SCHEMASHIFT_FAULT_POINTS=all`` tries every event: 60 to
230 per test, several minutes each.

The ``nonatomic`` variant marks every migration ``atomic = False`` on SQLite and PostgreSQL,
so they too run step by step, committing each operation; by default it samples only the
evenly spread points and those after each RunPython. On MySQL/MariaDB that is how every
migration runs already, so the variant is skipped there.
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest
from support.fault_history import write_history
from support.fault_injection import (
    Driver,
    PointDatabases,
    Snapshot,
    choose_points,
    describe_event,
    execute,
    snapshot,
    user_url,
)

FAULT_POINTS_ENV = "SCHEMASHIFT_FAULT_POINTS"
TESTS_DIR = Path(__file__).resolve().parent.parent

#: the arguments of ``migrate`` per direction
TARGETS = {"forwards": (), "backwards": ("polls", "0001")}

#: rows a user added at the latest state, before migrating backwards; "u1!!" loses one "!"
#: to the reverse of polls 0004, two if it runs twice
USER_ROWS = [
    ("INSERT INTO polls_author (id, name) VALUES (:id, :name)", [{"id": 100, "name": "ua"}]),
    (
        "INSERT INTO polls_poll (id, title, score, author_id, status) "
        "VALUES (:id, :title, :score, :author, :status)",
        [{"id": 100, "title": "u1!!", "score": 7, "author": 100, "status": "closed"}],
    ),
    (
        "INSERT INTO shop_review (id, text, question_id) VALUES (:id, :text, :question)",
        [{"id": 100, "text": "ru", "question": 100}, {"id": 101, "text": "rq", "question": 100}],
    ),
]


def named_points(chosen: str, total: int) -> list[int]:
    """The kill points ``SCHEMASHIFT_FAULT_POINTS`` names as numbers and ranges ("144-151,181"),
    to try again the ones a full run reported; none for "all" or nothing."""
    if not chosen or chosen == "all":
        return []
    points: set[int] = set()
    for part in chosen.split(","):
        first, _, last = part.partition("-")
        points.update(range(int(first), int(last or first) + 1))
    return sorted(point for point in points if 1 <= point <= total)


@pytest.mark.parametrize("atomic", [True, False], ids=["atomic", "nonatomic"])
@pytest.mark.parametrize("direction", ["forwards", "backwards"])
def test_migrate_killed_at_any_event_recovers_when_run_again(
    project, tmp_path: Path, direction: str, atomic: bool
) -> None:
    if not atomic and project.backend == "mysql":
        pytest.skip("on MySQL/MariaDB every migration runs step by step already")
    write_history(project.dir, atomic=atomic)
    driver = Driver(project.dir, {**project.run_env(), "PYTHONPATH": str(TESTS_DIR)}, tmp_path)
    try:
        check_every_kill_point(project, driver, tmp_path, direction, atomic)
    finally:
        driver.close()


def check_every_kill_point(
    project, driver: Driver, tmp_path: Path, direction: str, atomic: bool
) -> None:
    target = TARGETS[direction]
    databases = PointDatabases(
        project.database_url, tmp_path / "databases", lambda url: prepare(driver, url, direction)
    )
    reference_url = databases.start("reference")
    log = tmp_path / "events.jsonl"
    result = run_driver(driver, reference_url, target, env={"FAULT_EVENT_LOG": str(log)})
    assert result.returncode == 0, f"uninterrupted run failed:\n{result.stdout}{result.stderr}"
    events = [json.loads(line) for line in log.read_text().splitlines()]
    assert schema_differences(driver, reference_url) == ""
    reference = snapshot(reference_url)
    databases.drop(reference_url)

    # By default, points inside an operation are sampled only where they differ from those
    # between operations: on MySQL/MariaDB, whose DDL commits statement by statement. Elsewhere
    # an atomic migration's statements all roll back together, and the atomic = False variant
    # has twice as many events.
    chosen = os.environ.get(FAULT_POINTS_ENV, "")
    points = named_points(chosen, len(events)) or choose_points(
        events, chosen == "all", inside_operations=atomic and project.backend == "mysql"
    )
    began = time.monotonic()
    failures = []
    for number in points:
        url = databases.start(f"p{number}")
        try:
            failure = try_kill_point(project, driver, url, target, events[number - 1], reference)
        finally:
            databases.drop(url)
        if failure:
            failures.append(failure)

    databases.close()
    variant = "" if atomic else " (atomic = False)"
    summary = (
        f"fault injection {project.backend} {direction}{variant}: "
        f"{len(points) - len(failures)}/{len(points)} kill points recovered "
        f"(of {len(events)} events, {time.monotonic() - began:.0f} s)"
    )
    print(f"\n{summary}")
    assert not failures, "\n\n".join([summary, *failures, summary])


def prepare(driver: Driver, url: str, direction: str) -> None:
    """Bring an empty database to the state the kill points of ``direction`` start from."""
    if direction == "backwards":
        result = run_driver(driver, url, (), env={})
        assert result.returncode == 0, f"{result.stdout}{result.stderr}"
        for statement, rows in USER_ROWS:
            execute(url, statement, rows)


def run_driver(driver: Driver, url: str, target: tuple[str, ...], env: dict[str, str]):
    return driver.run(["migrate", *target], env={"DATABASE_URL": user_url(url), **env})


def try_kill_point(
    project, driver: Driver, url: str, target: tuple[str, ...], event: dict, reference: Snapshot
) -> str | None:
    """Kill ``migrate`` at ``event``, run it again, and say what went wrong, if anything."""
    number = event["n"]
    heading = f"kill point {describe_event(event)}"
    killed = run_driver(driver, url, target, env={"FAULT_KILL_AT": str(number)})
    if killed.returncode != -signal.SIGKILL:
        return (
            f"{heading}: the run was not killed (exit {killed.returncode})\n"
            f"{tail(killed.stdout + killed.stderr)}"
        )
    said = next(
        (line for line in killed.stderr.splitlines() if line.startswith("FAULT-INJECTION")), ""
    )
    if json.loads(said.partition(": ")[2] or "{}") != event:
        return f"{heading}: the killed run was elsewhere at that event:\n  {said}"

    rerun = project.run("migrate", *target, env={"DATABASE_URL": user_url(url)})
    if rerun.returncode != 0 or "Traceback" in rerun.stderr:
        return (
            f"{heading}: migrate run again exited {rerun.returncode}\n"
            f"{tail(rerun.stdout + rerun.stderr)}"
        )
    problems = [schema_differences(driver, url), *snapshot(url).differences(reference)]
    problems = [problem for problem in problems if problem]
    if problems:
        return f"{heading}: migrate run again exited 0, but\n" + indent("\n".join(problems))
    return None


def schema_differences(driver: Driver, url: str) -> str:
    """What differs between the live schema and the applied migrations' state; "" if none."""
    result = driver.run(["schema_check"], env={"DATABASE_URL": user_url(url)})
    return "" if result.returncode == 0 else f"live schema differs:\n{result.stdout}{result.stderr}"


def tail(output: str, lines: int = 12) -> str:
    kept = [line for line in output.strip().splitlines() if line.strip()][-lines:]
    return indent("\n".join(kept))


def indent(text: str) -> str:
    return "\n".join(f"    {line}" for line in text.splitlines())
