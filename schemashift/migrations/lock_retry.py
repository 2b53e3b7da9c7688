"""Waiting for table locks without blocking everyone else: a short timeout, then retries.

An ALTER that waits for its lock queues every later read and write of the table behind it, so
a migration that waits for as long as a slow transaction runs stops the application for that
long. Instead each DDL session waits at most ``MIGRATION_DDL_LOCK_TIMEOUT`` seconds
(PostgreSQL's ``lock_timeout``, MySQL/MariaDB's ``lock_wait_timeout``); when it gives up,
what it did is rolled back (the migration's transaction, or the one statement), the queue
drains, and the same work is tried again after a pause that grows with each attempt and is
jittered so concurrent runs do not retry in step. After ``MIGRATION_DDL_LOCK_RETRIES`` more
attempts it stops with a message saying what to do.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from schemashift.exceptions import DatabaseError

T = TypeVar("T")

#: SQLSTATE of PostgreSQL's lock_not_available and deadlock_detected
_POSTGRESQL_CONFLICTS = {"55P03", "40P01"}
#: MySQL/MariaDB ER_LOCK_WAIT_TIMEOUT and ER_LOCK_DEADLOCK
_MYSQL_CONFLICTS = {1205, 1213}


@dataclass(frozen=True)
class LockWaits:
    """How long DDL waits for a lock per attempt, and how many more attempts it makes."""

    #: seconds per attempt; None waits for as long as the server's default allows
    timeout: float | None
    retries: int
    first_pause: float = 0.2
    longest_pause: float = 5.0

    def pause(self, attempt: int) -> float:
        """Seconds to wait after failed attempt ``attempt`` (from 1): doubling, capped,
        between half and one and a half times that."""
        base = min(self.first_pause * 2 ** (attempt - 1), self.longest_pause)
        return base * random.uniform(0.5, 1.5)


class LockNotGranted(DatabaseError):
    """Every attempt timed out waiting for a table lock another session holds."""


def is_lock_conflict(exc: BaseException) -> bool:
    """Whether the error, or one it was raised from, is a lock wait timeout or a deadlock."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        driver_error = getattr(current, "orig", None) or current
        if getattr(driver_error, "sqlstate", None) in _POSTGRESQL_CONFLICTS:
            return True
        args = getattr(driver_error, "args", ())
        if args and isinstance(args[0], int) and args[0] in _MYSQL_CONFLICTS:
            return True
        current = current.__cause__ or current.__context__
    return False


def with_lock_retries(
    action: Callable[[], T],
    waits: LockWaits,
    what: str,
    on_retry: Callable[[int, float], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run ``action`` (which must undo itself when it fails), again after a pause each time
    it fails on a lock conflict, at most ``waits.retries`` more times.

    ``on_retry(attempt, pause)`` is called before each pause; ``what`` names the work in the
    message of the LockNotGranted raised when no attempt got its lock.
    """
    attempt = 1
    while True:
        try:
            return action()
        except Exception as exc:
            if not is_lock_conflict(exc):
                raise
            if attempt > waits.retries:
                raise LockNotGranted(_gave_up(what, waits, attempt, exc)) from exc
            pause = waits.pause(attempt)
            if on_retry is not None:
                on_retry(attempt, pause)
            sleep(pause)
            attempt += 1


def _gave_up(what: str, waits: LockWaits, attempts: int, exc: BaseException) -> str:
    reason = getattr(exc, "orig", None) or getattr(exc.__cause__, "orig", None) or exc
    first_line = str(reason).strip().splitlines()[0] if str(reason).strip() else type(exc).__name__
    per_attempt = "" if waits.timeout is None else f" of {waits.timeout:g} s each"
    return (
        f"{what} did not get the lock it needs after {attempts} attempts{per_attempt} "
        f"({first_line}). Another session holds a lock on the table, such as a long "
        "transaction or query: end it and run migrate again, or raise "
        "MIGRATION_DDL_LOCK_TIMEOUT or MIGRATION_DDL_LOCK_RETRIES in the settings."
    )


__all__ = ["LockNotGranted", "LockWaits", "is_lock_conflict", "with_lock_retries"]
