"""Connections by DATABASES alias, the way the query API and user code reach a database.

``connections["default"]`` is the ``DatabaseWrapper`` of that alias: one per alias per process,
created on first use from ``settings.DATABASES``. Statements go through ``execute()``::

    from schemashift.db.connections import connections

    db = connections["default"]
    result = db.execute(sa.select(table).where(table.c.id == 1))
    row = result.first()

How statements run:

- Each thread has one SQLAlchemy ``Connection`` per alias, opened on first use and reused.
- Inside ``schemashift.db.transaction.atomic()`` a statement runs in that block's transaction.
  Outside any transaction it runs in one of its own, committed at once (autocommit, as Django).
- While a migration runs ``RunPython`` code, ``connections.bind(alias, connection)`` makes the
  migration's own connection the one statements for that alias run on, so they share the
  migration's transaction (SQLite, PostgreSQL) instead of waiting on its locks.

What ``execute()`` returns: the SQLAlchemy ``CursorResult`` of the statement, with any rows
already fetched into memory. It stays fully usable after the transaction has ended: iterate it,
``fetchall()``, ``first()``, ``scalar()``, ``scalars()``, ``mappings()``; ``rowcount``,
``inserted_primary_key``, ``lastrowid`` and ``returned_defaults`` are read as usual. Database
errors are SQLAlchemy's (``sqlalchemy.exc.IntegrityError``, ...); failing to connect is a
``DatabaseError`` naming the database.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.engine import Connection, CursorResult, Dialect
from sqlalchemy.engine.cursor import CursorFetchStrategy, FullyBufferedCursorFetchStrategy

from schemashift.db.backends.registry import backend_for
from schemashift.db.connection import Database
from schemashift.exceptions import ImproperlyConfigured

DEFAULT_DB_ALIAS = "default"


class ConnectionDoesNotExist(ImproperlyConfigured):
    """No database of that alias in DATABASES."""


class DatabaseWrapper:
    """The database of one DATABASES alias, and this thread's connection to it."""

    def __init__(self, alias: str, handler: ConnectionHandler) -> None:
        self.alias = alias
        self._handler = handler
        self._database: Database | None = None
        self._local = threading.local()

    # -- what it is ---------------------------------------------------------------------------

    @property
    def database(self) -> Database:
        """The configured ``Database`` (engine and URL), made on first use."""
        if self._database is None:
            self._database = Database(self._handler.database_url(self.alias), self.alias)
        return self._database

    @property
    def dialect(self) -> Dialect:
        bound = self._handler.bound_connection(self.alias)
        return bound.dialect if bound is not None else self.database.dialect

    @property
    def vendor(self) -> str:
        """``"sqlite"``, ``"postgresql"`` or ``"mysql"`` (MariaDB too)."""
        return backend_for(self.dialect).name

    # -- the connection -----------------------------------------------------------------------

    @property
    def connection(self) -> Connection:
        """The SQLAlchemy Connection statements run on now: a bound one, else this thread's."""
        bound = self._handler.bound_connection(self.alias)
        if bound is not None:
            return bound
        own = getattr(self._local, "connection", None)
        if own is None or own.closed:
            own = self._local.connection = self.database.connect()
        return own

    @property
    def in_atomic_block(self) -> bool:
        """Whether this thread is inside ``atomic()`` for this alias."""
        return bool(self.transactions)

    @property
    def transactions(self) -> list[Any]:
        """This thread's open ``atomic()`` blocks for this alias, innermost last."""
        stack = getattr(self._local, "transactions", None)
        if stack is None:
            stack = self._local.transactions = []
        return stack

    @property
    def commit_callbacks(self) -> list[Any]:
        """This thread's ``on_commit`` functions waiting for the outermost block to commit:
        ``[depth, function, robust]``, depth being the number of blocks open when given."""
        waiting = getattr(self._local, "commit_callbacks", None)
        if waiting is None:
            waiting = self._local.commit_callbacks = []
        return waiting

    def execute(self, statement: Any, params: Any = None) -> CursorResult[Any]:
        """Run a statement and return its result, rows buffered (see the module docstring).

        ``statement`` is a SQLAlchemy executable (``select()``, ``insert()``, ``text()``) with
        ``params`` a dict, or a list of dicts for executemany; a plain string is passed to the
        driver as it is, with ``params`` in the driver's own placeholder style.
        """
        connection = self.connection
        if connection.in_transaction():
            return self._run(connection, statement, params)
        with connection.begin():
            return self._run(connection, statement, params)

    @staticmethod
    def _run(connection: Connection, statement: Any, params: Any) -> CursorResult[Any]:
        if isinstance(statement, str):
            result = connection.exec_driver_sql(statement, params)
        else:
            result = connection.execute(statement, params)
        return buffered(result)

    def close(self) -> None:
        """Close this thread's own connection (a bound one belongs to its migration)."""
        own = getattr(self._local, "connection", None)
        self._local.connection = None
        self._local.transactions = []
        self._local.commit_callbacks = []
        if own is not None:
            own.close()

    def dispose(self) -> None:
        """Close this thread's connection and every pooled connection of the engine."""
        self.close()
        if self._database is not None:
            self._database.dispose()

    def __repr__(self) -> str:
        return f"<DatabaseWrapper {self.alias}>"


def buffered(result: CursorResult[Any]) -> CursorResult[Any]:
    """The result with all its rows fetched now, so it outlives its transaction.

    SQLite hands out rows while the statement steps, which holds the database's read lock;
    the server drivers have their rows in memory already, where this costs nothing. Results
    SQLAlchemy has buffered itself (INSERT ... RETURNING) and streamed results
    (``stream_results``) are left as they are. The buffering is SQLAlchemy's own, the one its
    dialects use for results read after an autocommit.
    """
    if result.returns_rows and type(result.cursor_strategy) is CursorFetchStrategy:
        result.cursor_strategy = FullyBufferedCursorFetchStrategy(result.cursor)
    return result


class ConnectionHandler:
    """The ``DatabaseWrapper`` of each alias: ``connections["default"]``."""

    def __init__(self) -> None:
        self._wrappers: dict[str, DatabaseWrapper] = {}
        self._lock = threading.Lock()
        self._local = threading.local()

    def __getitem__(self, alias: str) -> DatabaseWrapper:
        wrapper = self._wrappers.get(alias)
        if wrapper is not None:
            return wrapper
        if self.bound_connection(alias) is None:
            self.database_url(alias)
        with self._lock:
            return self._wrappers.setdefault(alias, DatabaseWrapper(alias, self))

    def __contains__(self, alias: str) -> bool:
        return alias in self.aliases()

    def __iter__(self) -> Iterator[str]:
        return iter(self.aliases())

    def aliases(self) -> list[str]:
        """The aliases of settings.DATABASES."""
        from schemashift.conf import settings

        return list(settings.DATABASES)

    def all(self) -> list[DatabaseWrapper]:
        """The wrapper of every configured alias."""
        return [self[alias] for alias in self.aliases()]

    def database_url(self, alias: str) -> str:
        """The URL of ``alias`` (ConnectionDoesNotExist naming the configured aliases)."""
        from schemashift.conf import settings

        try:
            return settings.DATABASES[alias]
        except KeyError:
            configured = ", ".join(f"'{name}'" for name in settings.DATABASES) or "none"
            raise ConnectionDoesNotExist(
                f"No database '{alias}' in DATABASES (configured: {configured})."
            ) from None

    # -- binding a migration's connection ---------------------------------------------------

    @contextmanager
    def bind(self, alias: str, connection: Connection) -> Iterator[Connection]:
        """Within the block, statements of this thread for ``alias`` run on ``connection``."""
        stack = self._bound_stack(alias)
        stack.append(connection)
        try:
            yield connection
        finally:
            stack.pop()

    def bound_connection(self, alias: str) -> Connection | None:
        """The connection bound to ``alias`` in this thread, if any."""
        stack = self._bound_stack(alias)
        return stack[-1] if stack else None

    def _bound_stack(self, alias: str) -> list[Connection]:
        bound = getattr(self._local, "bound", None)
        if bound is None:
            bound = self._local.bound = {}
        return bound.setdefault(alias, [])

    # -- closing ------------------------------------------------------------------------------

    def close_all(self) -> None:
        """Close this thread's connection of every alias."""
        for wrapper in list(self._wrappers.values()):
            wrapper.close()

    def reset(self) -> None:
        """Close everything and forget the wrappers; for tests that change the settings."""
        with self._lock:
            wrappers = list(self._wrappers.values())
            self._wrappers.clear()
        for wrapper in wrappers:
            wrapper.dispose()


connections = ConnectionHandler()


class DefaultConnection:
    """``connection``: the ``DatabaseWrapper`` of the default alias, looked up on each use
    (Django's ``django.db.connection``): ``connection.vendor``, ``connection.execute(...)``."""

    def __getattr__(self, name: str) -> Any:
        return getattr(connections[DEFAULT_DB_ALIAS], name)

    def __repr__(self) -> str:
        return f"<DefaultConnection: the {DEFAULT_DB_ALIAS!r} database>"


connection = DefaultConnection()


__all__ = [
    "DEFAULT_DB_ALIAS",
    "connection",
    "ConnectionDoesNotExist",
    "ConnectionHandler",
    "DatabaseWrapper",
    "buffered",
    "connections",
]
