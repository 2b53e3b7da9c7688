"""The migration lock on every backend: one holder, waiting with a message, a timeout, and
no stale lock after the holder is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from schemashift.db.connection import Database
from schemashift.db.locking import migration_lock
from schemashift.exceptions import DatabaseError


def test_a_second_run_waits_with_a_message_then_times_out(backend_database: Database) -> None:
    waits: list[str] = []
    with migration_lock(backend_database):
        other = Database(backend_database.url)
        try:
            started = time.monotonic()
            with (
                pytest.raises(DatabaseError, match="Another migrate is still running"),
                migration_lock(other, timeout=1.5, on_wait=lambda: waits.append("waiting")),
            ):
                pass
            assert time.monotonic() - started >= 1.4
        finally:
            other.dispose()
    assert waits == ["waiting"]
    with migration_lock(backend_database, timeout=1, on_wait=lambda: waits.append("again")):
        pass
    assert waits == ["waiting"], "a free lock is taken without waiting"


def test_a_waiting_run_goes_on_when_the_lock_is_released(backend_database: Database) -> None:
    events: list[str] = []
    holding = threading.Event()

    def hold() -> None:
        with migration_lock(backend_database):
            holding.set()
            time.sleep(0.5)
            events.append("first done")

    thread = threading.Thread(target=hold)
    thread.start()
    holding.wait()
    other = Database(backend_database.url)
    try:
        with migration_lock(other, on_wait=lambda: events.append("waiting")):
            events.append("second in")
    finally:
        other.dispose()
        thread.join()
    assert events == ["waiting", "first done", "second in"]


def test_a_killed_holder_leaves_no_stale_lock(backend_database: Database, tmp_path: Path) -> None:
    script = tmp_path / "hold.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import sys, time
            from schemashift.db.connection import Database
            from schemashift.db.locking import migration_lock
            with migration_lock(Database({backend_database.url!r})):
                print("held", flush=True)
                time.sleep(600)
            """
        )
    )
    holder = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, text=True, env=dict(os.environ)
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with (
            pytest.raises(DatabaseError, match="Another migrate"),
            migration_lock(backend_database, timeout=0.5),
        ):
            pass
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
        with migration_lock(backend_database, timeout=20):
            pass
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()


def test_the_sqlite_lock_is_a_file_beside_the_database(database: Database) -> None:
    with migration_lock(database):
        assert Path(f"{database.sqlite_path}.migrate-lock").exists()
