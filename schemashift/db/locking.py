"""The migration lock: one ``migrate`` at a time per database, held for the whole run.

- PostgreSQL: a session-level ``pg_advisory_lock`` taken on a connection of its own, so no
  migration transaction ever commits or rolls it back.
- MySQL/MariaDB: ``GET_LOCK`` on a connection of its own; the lock name carries the database
  name, since MySQL's lock names are server-wide.
- SQLite: an exclusive ``flock`` on ``<database file>.migrate-lock``; an in-memory database
  needs none.

Every kind is released by the server or the kernel when the process holding it dies, so a
killed ``migrate`` never leaves a stale lock. While another run holds the lock, ``on_wait``
is called once (to tell the user), then the run waits up to ``timeout`` seconds (``None``:
for as long as it takes) and fails with a DatabaseError after that.
"""

from __future__ import annotations

import hashlib
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
_POLL_INTERVAL = 0.05
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
    dialect = database.dialect_name
    if dialect == "sqlite":
        path = database.sqlite_path
        if path is None:
            yield
            return
        with _file_lock(Path(f"{path}.migrate-lock"), timeout, on_wait):
            yield
        return
    if dialect == "postgresql":
        locker = _PostgreSQLLock(database)
    elif dialect in ("mysql", "mariadb"):
        locker = _MySQLLock(database)
    else:
        from schemashift.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"schemashift cannot lock {dialect} databases for migrations.")
    with locker.held(timeout, on_wait):
        yield


def lock_key(database_name: str) -> str:
    """The text every lock of this database is derived from."""
    return f"schemashift-migrate:{database_name}"


class _ServerLock:
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


class _PostgreSQLLock(_ServerLock):
    """``pg_try_advisory_lock(bigint)``, retried until the deadline."""

    def __init__(self, database: Database) -> None:
        super().__init__(database)
        digest = hashlib.sha256(lock_key(self.name).encode()).digest()
        self.key = int.from_bytes(digest[:8], "big", signed=True)

    def try_acquire(self, connection: Connection, wait: float) -> bool:
        got = connection.exec_driver_sql(f"SELECT pg_try_advisory_lock({self.key})").scalar()
        connection.commit()
        if not got and wait > 0:
            time.sleep(min(wait, _POLL_INTERVAL * 4))
        return bool(got)

    def release(self, connection: Connection) -> None:
        connection.exec_driver_sql(f"SELECT pg_advisory_unlock({self.key})")
        connection.commit()


class _MySQLLock(_ServerLock):
    """``GET_LOCK(name, seconds)``: the server itself waits; names are at most 64 characters."""

    def __init__(self, database: Database) -> None:
        super().__init__(database)
        key = lock_key(self.name)
        if len(key) > 64:
            key = key[:48] + hashlib.sha256(key.encode()).hexdigest()[:16]
        self.key = key

    def try_acquire(self, connection: Connection, wait: float) -> bool:
        got = connection.exec_driver_sql(
            "SELECT GET_LOCK(%s, %s)", (self.key, max(0, round(wait)))
        ).scalar()
        connection.commit()
        return got == 1

    def release(self, connection: Connection) -> None:
        connection.exec_driver_sql("SELECT RELEASE_LOCK(%s)", (self.key,))
        connection.commit()


@contextmanager
def _file_lock(path: Path, timeout: float | None, on_wait: OnWait | None) -> Iterator[None]:
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
            time.sleep(_POLL_INTERVAL)


__all__ = ["lock_key", "migration_lock"]
