"""The migration lock: one ``migrate`` at a time per database, held for the whole run.

Each backend says which lock it takes (``Backend.migration_lock``), built from the two kinds
here: a lock a server keeps for one session (``ServerLock``: PostgreSQL's advisory lock,
MySQL's ``GET_LOCK``), taken on a connection of its own so no migration transaction ever
commits or rolls it back; and an exclusive ``flock`` on a file (``file_lock``: SQLite).

Every kind is released by the server or the kernel when the process holding it dies, so a
killed ``migrate`` never leaves a stale lock. While another run holds the lock, ``on_wait``
is called once (to tell the user), then the run waits up to ``timeout`` seconds (``None``:
for as long as it takes) and fails with a DatabaseError after that.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import exc as sa_exc

from schemashift.exceptions import DatabaseError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from schemashift.db.connection import Database

#: seconds between two attempts while waiting
POLL_INTERVAL = 0.05
#: seconds a server-side wait lasts before the deadline is checked again
_SERVER_WAIT = 1

OnWait = Callable[[], None]


@contextmanager
def migration_lock(
    database: Database, timeout: float | None = None, on_wait: OnWait | None = None
) -> Iterator[None]:
    """Hold the database's migration lock for the whole block.

    Read the applied migrations inside the block, so a run that waited finds the work done.
    """
    with database.backend.migration_lock(database, timeout, on_wait):
        yield


def lock_key(database_name: str) -> str:
    """The text every lock of this database is derived from."""
    return f"schemashift-migrate:{database_name}"


class ServerLock:
    """A lock a server keeps for one session: take it on a dedicated connection."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.name = database.engine.url.database or ""

    def try_acquire(self, connection: Connection, wait: float) -> bool:
        raise NotImplementedError

    def release(self, connection: Connection) -> None:
        raise NotImplementedError

    @contextmanager
    def held(self, timeout: float | None, on_wait: OnWait | None) -> Iterator[None]:
        connection = self.database.connect()
        try:
            self._acquire(connection, timeout, on_wait)
            try:
                yield
            finally:
                self._release_quietly(connection)
        finally:
            connection.close()

    def _acquire(
        self, connection: Connection, timeout: float | None, on_wait: OnWait | None
    ) -> None:
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            if self.try_acquire(connection, 0):
                return
            if on_wait is not None:
                on_wait()
            while True:
                remaining = _SERVER_WAIT if deadline is None else deadline - time.monotonic()
                if remaining <= 0:
                    raise DatabaseError(
                        f"Another migrate is still running on database '{self.database.alias}' "
                        f"({self.database.display_url}); gave up waiting after {timeout:g} s."
                    )
                if self.try_acquire(connection, min(remaining, _SERVER_WAIT)):
                    return
        except sa_exc.DBAPIError as exc:
            raise DatabaseError(
                f"Cannot take the migration lock of database '{self.database.alias}': {exc.orig}"
            ) from exc

    def _release_quietly(self, connection: Connection) -> None:
        try:
            self.release(connection)
        except sa_exc.DBAPIError:
            # The session may be broken; dropping it ends the lock with it.
            connection.invalidate()


@contextmanager
def file_lock(path: Path, timeout: float | None, on_wait: OnWait | None) -> Iterator[None]:
    """An exclusive ``flock`` on ``path``, released when the block ends or the process dies."""
    try:
        import fcntl
    except ImportError:  # Windows: each migration still holds SQLite's write lock
        yield
        return
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:
        raise DatabaseError(f"Cannot create the migration lock file {path}: {exc}") from exc
    try:
        _flock(fcntl, descriptor, path, timeout, on_wait)
        yield
    finally:
        os.close(descriptor)  # releases the lock


def _flock(
    fcntl: Any, descriptor: int, path: Path, timeout: float | None, on_wait: OnWait | None
) -> None:
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return
    except BlockingIOError:
        if on_wait is not None:
            on_wait()
    if timeout is None:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        return
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise DatabaseError(
                    f"Another migrate is still running on this database (lock file {path}); "
                    f"gave up waiting after {timeout:g} s."
                ) from None
            time.sleep(POLL_INTERVAL)


__all__ = ["OnWait", "ServerLock", "file_lock", "lock_key", "migration_lock"]
