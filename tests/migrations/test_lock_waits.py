"""A migration that needs a table lock another session holds gives way instead of queueing the
application behind it: it waits a short time, undoes what it did, pauses, and tries again.

The holder is an open transaction that has read the table (PostgreSQL's ACCESS SHARE lock,
MariaDB's shared metadata lock), as a slow report or an idle-in-transaction session would. A
prober reads the table meanwhile, as the application does: queued behind an ALTER that waits
for as long as the holder runs, its reads would stall that long.
"""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa
from support.tutorial import TUTORIAL_MODELS, WITH_AUTHOR, columns, history
from support.tutorial_project import TutorialProject

from schemashift import api
from schemashift.exceptions import DatabaseError
from schemashift.migrations.lock_retry import LockWaits, is_lock_conflict, with_lock_retries

pytestmark = pytest.mark.backends("postgresql", "mysql")

#: how long the holder keeps its transaction open, seconds
HELD = 4.0
#: the longest a read may stall while the migration waits: PostgreSQL's lock_timeout is 0.1 s
#: here; MariaDB's lock_wait_timeout counts whole seconds (1 at least)
LONGEST_STALL = {"postgresql": 1.0, "mysql": 2.5}


def _project(api_project: TutorialProject, retries: int) -> None:
    settings = api_project.dir / "mysite" / "settings.py"
    settings.write_text(
        settings.read_text()
        + f"MIGRATION_DDL_LOCK_TIMEOUT = 0.1\nMIGRATION_DDL_LOCK_RETRIES = {retries}\n"
    )
    api_project.load(TUTORIAL_MODELS)
    api.makemigrations("polls")
    api.migrate()
    api_project.load(WITH_AUTHOR)
    api.makemigrations("polls")


class _Holder:
    """A transaction that has read polls_question and stays open until released."""

    def __init__(self, url: str) -> None:
        self.engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        self.connection = self.engine.connect()
        self.connection.exec_driver_sql("SELECT count(*) FROM polls_question").all()

    def release(self) -> None:
        self.connection.rollback()
        self.connection.close()
        self.engine.dispose()


def _probe(url: str, until: threading.Event) -> list[float]:
    """Read the table every 50 ms until ``until`` is set; the time each read took."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT")
    took = []
    with engine.connect() as connection:
        while not until.is_set():
            started = time.monotonic()
            connection.exec_driver_sql("SELECT count(*) FROM polls_question").all()
            took.append(time.monotonic() - started)
            time.sleep(0.05)
    engine.dispose()
    return took


def test_a_migration_gives_way_to_a_lock_holder_and_retries_until_it_gets_the_lock(
    api_project: TutorialProject,
) -> None:
    _project(api_project, retries=30)
    holder = _Holder(api_project.database_url)
    events: list[str] = []
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["result"] = api.migrate(progress=lambda event: events.append(event.kind))
        except Exception as exc:  # reported by the assertion below
            outcome["error"] = exc

    migrating = threading.Thread(target=run)
    done_probing = threading.Event()
    probes: list[float] = []
    prober = threading.Thread(
        target=lambda: probes.extend(_probe(api_project.database_url, done_probing))
    )
    migrating.start()
    prober.start()
    time.sleep(HELD)
    holder.release()
    migrating.join(timeout=120)
    done_probing.set()
    prober.join()

    assert "error" not in outcome, outcome.get("error")
    assert "lock_retry" in events, "the migration never had to wait: the test proves nothing"
    assert events[-1] == "apply_success"
    assert "author" in columns(api_project, "polls_question")
    assert ("polls", "0002_question_author") in history(api_project)
    assert len(probes) > 10
    assert max(probes) < LONGEST_STALL[api_project.backend], (
        f"a read stalled {max(probes):.2f} s behind the waiting migration"
    )


def test_a_migration_that_never_gets_its_lock_stops_saying_why_and_changes_nothing(
    api_project: TutorialProject,
) -> None:
    _project(api_project, retries=2)
    holder = _Holder(api_project.database_url)
    try:
        with pytest.raises(DatabaseError) as raised:
            api.migrate()
    finally:
        holder.release()
    message = str(raised.value)
    assert "polls.0002_question_author did not get the lock it needs after 3 attempts" in message
    assert "MIGRATION_DDL_LOCK_TIMEOUT" in message
    assert "author" not in columns(api_project, "polls_question")
    assert ("polls", "0002_question_author") not in history(api_project)

    result = api.migrate()
    assert result.applied == ["polls.0002_question_author"]
    assert "author" in columns(api_project, "polls_question")


def test_only_lock_conflicts_are_retried_and_the_pauses_grow() -> None:
    class LockTimeout(Exception):
        sqlstate = "55P03"

    waits = LockWaits(timeout=0.1, retries=3)
    pauses: list[float] = []
    calls: list[int] = []

    def fails_twice() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise DatabaseError("refused") from LockTimeout("canceling statement: lock timeout")
        return "done"

    assert with_lock_retries(fails_twice, waits, "Work", sleep=pauses.append) == "done"
    assert len(pauses) == 2 and 0.1 <= pauses[0] <= 0.3 and 0.2 <= pauses[1] <= 0.6

    def always() -> None:
        raise LockTimeout("canceling statement: lock timeout")

    with pytest.raises(DatabaseError, match="Work did not get the lock it needs after 4"):
        with_lock_retries(always, waits, "Work", sleep=lambda pause: None)

    def other_error() -> None:
        calls.append(1)
        raise ValueError("not a lock")

    calls.clear()
    with pytest.raises(ValueError):
        with_lock_retries(other_error, waits, "Work", sleep=lambda pause: None)
    assert len(calls) == 1
    assert not is_lock_conflict(ValueError("x"))
