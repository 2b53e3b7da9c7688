"""Test databases: a database of the configured one's backend, named after it, that tests may
fill and empty at will.

On SQLite it is a file; on PostgreSQL and MySQL/MariaDB a database ``test_<name>`` created on
the configured server with the configured URL's credentials.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, Dialect

from schemashift.db.backends.registry import Backend, backend_for
from schemashift.db.connection import create_engine_for_url
from schemashift.exceptions import DatabaseError

#: the shortest identifier limit of the server backends (PostgreSQL's 63 bytes)
_MAX_NAME = 63


@dataclass(frozen=True)
class TestDatabase:
    """One test database: its URL, and how to create, find and drop it."""

    __test__ = False  # not a test class, whatever pytest thinks of its name

    url: URL

    @property
    def backend(self) -> Backend:
        return backend_for(self.url)

    @property
    def file(self) -> Path | None:
        """The SQLite file; None on a server."""
        return self.backend.database_file(self.url)

    @property
    def display_url(self) -> str:
        return self.url.render_as_string(hide_password=True)

    @property
    def url_text(self) -> str:
        """The URL as DATABASES holds it, password included."""
        return self.url.render_as_string(hide_password=False)

    def exists(self) -> bool:
        if self.file is not None:
            return self.file.exists()
        with _admin_connection(self.url) as connection:
            found = connection.execute(
                sa.text(self.backend.database_exists_sql()), {"name": self.url.database}
            )
            return found.first() is not None

    def create(self) -> None:
        """Create it empty (drop what has its name first)."""
        self.drop()
        if self.file is not None:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            self.file.touch()  # an empty file is an empty SQLite database
            return
        self._on_server("create", lambda quoted, _dialect: f"CREATE DATABASE {quoted}")

    def drop(self) -> None:
        """Remove it, if it exists."""
        if self.file is not None:
            for path in (self.file, *_sqlite_companions(self.file)):
                path.unlink(missing_ok=True)
            return
        self._on_server("drop", self.backend.drop_database_sql)

    def _on_server(self, verb: str, statement: Callable[[str, Dialect], str]) -> None:
        with _admin_connection(self.url) as connection:
            quoted = connection.dialect.identifier_preparer.quote(self.url.database or "")
            sql = statement(quoted, connection.dialect)
            try:
                connection.exec_driver_sql(sql)
            except sa_exc.DBAPIError as exc:
                raise DatabaseError(
                    f"Cannot {verb} the test database {self.url.database} on the server of "
                    f"{self.display_url}: {exc.orig}. The user of the URL needs the right to "
                    "create and drop databases."
                ) from exc


def database_for_tests(
    configured_url: str, suffix: str = "", folder: Path | None = None
) -> TestDatabase:
    """The test database of the configured database ``configured_url``.

    On a server, ``test_<name><suffix>``. On SQLite, ``test_<file name stem><suffix>.sqlite3``
    in ``folder``, else beside the configured file (in the working directory for an
    in-memory database).
    """
    engine = create_engine_for_url(configured_url)
    try:
        url = engine.url
    finally:
        engine.dispose()
    file = backend_for(url).database_file(url)
    if url.get_backend_name() == "sqlite":
        stem = file.stem if file is not None else "db"
        where = folder or (file.parent if file is not None else Path.cwd())
        path = Path(where).resolve() / f"test_{stem}{suffix}.sqlite3"
        return TestDatabase(url.set(database=str(path)))
    name = re.sub(r"[^A-Za-z0-9_]", "_", f"test_{url.database or 'db'}")
    name = name[: _MAX_NAME - len(suffix)] + suffix
    return TestDatabase(url.set(database=name))


def temporary_folder(purpose: str) -> Path:
    """A new folder for throwaway SQLite files; remove it with ``remove_folder``."""
    return Path(tempfile.mkdtemp(prefix=f"schemashift-{purpose}-"))


def remove_folder(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def _sqlite_companions(file: Path) -> list[Path]:
    return [Path(f"{file}{ending}") for ending in ("-journal", "-wal", "-shm", ".migrate-lock")]


@contextmanager
def _admin_connection(url: URL) -> Iterator[sa.Connection]:
    """An AUTOCOMMIT connection to the server of ``url`` that can create and drop databases."""
    admin = backend_for(url).server_admin_url(url)
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        try:
            connection = engine.connect()
        except sa_exc.DBAPIError as exc:
            raise DatabaseError(
                "Cannot connect to the server of the test database "
                f"({admin.render_as_string(hide_password=True)}): {exc.orig}"
            ) from exc
        with connection:
            yield connection
    finally:
        engine.dispose()


__all__ = ["TestDatabase", "database_for_tests", "remove_folder", "temporary_folder"]
