"""Engines from URLs, connections and transactions, the schema editor factory.

``get_database()`` turns ``settings.DATABASES[alias]`` into a ``Database``: a SQLAlchemy engine
set up by its backend (``db/backends/<name>.py``) so that a migration's DDL and DML commit (or
roll back) together. On SQLite that means taking transaction control away from pysqlite, which
otherwise issues no BEGIN before DDL, so a failed migration would leave its earlier statements
committed.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, Connection, Dialect, Engine, make_url

from schemashift.db.backends.registry import Backend, backend_for, default_driver, find_backend
from schemashift.db.locking import migration_lock
from schemashift.exceptions import DatabaseError, ImproperlyConfigured

if TYPE_CHECKING:
    from schemashift.db.backends.base import BaseSchemaEditor

# -- engines ----------------------------------------------------------------------------------


def create_engine_for_url(url: str) -> Engine:
    """A SQLAlchemy engine for a DATABASES URL (ImproperlyConfigured when it cannot be used)."""
    parsed = _parse_url(url)
    backend = find_backend(parsed.get_backend_name())
    try:
        engine = sa.create_engine(parsed, **(backend.engine_options() if backend else {}))
    except (sa_exc.NoSuchModuleError, ImportError) as exc:
        hint = backend.install_hint if backend else Backend.install_hint
        raise ImproperlyConfigured(
            f"Cannot use the database {_display(parsed)}: {exc}. To fix it, {hint}."
        ) from None
    if backend is not None:
        backend.prepare_engine(engine)
    return engine


def _parse_url(url: str) -> URL:
    """The URL with the driver schemashift uses when it names none (``mysql://`` is PyMySQL)."""
    try:
        parsed = make_url(url)
    except (sa_exc.ArgumentError, ValueError) as exc:
        raise ImproperlyConfigured(
            f"Database URL {url!r} cannot be read ({exc}); write it as "
            "'sqlite:///path/to/db.sqlite3' or 'postgresql://user:password@host/name'."
        ) from None
    driver = default_driver(parsed.drivername)
    return parsed.set(drivername=driver) if driver else parsed


def _display(url: URL) -> str:
    return url.render_as_string(hide_password=True)


# -- databases --------------------------------------------------------------------------------


class Database:
    """One configured database: its alias, URL and engine.

    ``connect()`` gives a SQLAlchemy ``Connection``; use it as a context manager so it goes back
    to the pool. Dispose of the engine with ``dispose()`` when the database is no longer needed.
    """

    def __init__(self, url: str, alias: str = "default") -> None:
        self.alias = alias
        self.url = url
        self.engine = create_engine_for_url(url)

    @property
    def dialect(self) -> Dialect:
        return self.engine.dialect

    @property
    def backend(self) -> Backend:
        """What schemashift knows about this kind of database."""
        return backend_for(self.engine.dialect)

    @property
    def dialect_name(self) -> str:
        """``"sqlite"``, ``"postgresql"``, ``"mysql"``, ..."""
        return self.engine.dialect.name

    @property
    def display_url(self) -> str:
        """The URL with any password hidden, for messages."""
        return _display(self.engine.url)

    @property
    def sqlite_path(self) -> Path | None:
        """The file of a SQLite database; None for in-memory and other databases."""
        return self.backend.database_file(self.engine.url)

    def connect(self) -> Connection:
        """A new connection (DatabaseError naming the database when it cannot be opened)."""
        try:
            return self.engine.connect()
        except sa_exc.DBAPIError as exc:
            raise DatabaseError(
                f"Cannot connect to database '{self.alias}' ({self.display_url}): {exc.orig}"
            ) from exc

    def dispose(self) -> None:
        """Close the pooled connections."""
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"<Database {self.alias}: {self.display_url}>"


def get_database(alias: str = "default") -> Database:
    """The database ``alias`` of ``schemashift.conf.settings.DATABASES``."""
    from schemashift.conf import settings

    return Database(settings.database_url(alias), alias)


def has_transactional_ddl(database: Database | Connection | Engine) -> bool:
    """Whether a migration's DDL can be rolled back with its transaction on this database."""
    backend = find_backend(database.dialect.name)
    return backend is not None and backend.transactional_ddl


# -- schema editors ---------------------------------------------------------------------------


def editor_class(dialect_name: str) -> type[BaseSchemaEditor]:
    """The schema editor class of a dialect (ImproperlyConfigured when there is none yet)."""
    return backend_for(dialect_name).schema_editor


def schema_editor(
    connection: Connection, collect_sql: bool = False, atomic: bool = True, alias: str = "default"
) -> BaseSchemaEditor:
    """The schema editor for the connection's backend; use it as a context manager.

    ``with schema_editor(connection) as editor:`` runs everything done through ``editor`` (and
    through ``editor.connection``) in one transaction, committed on a clean exit and rolled back
    on an exception. With ``collect_sql=True`` nothing is run: the statements are appended to
    ``editor.collected_sql``. ``alias`` names the database in DATABASES, so that RunPython
    code querying that alias runs on this connection.
    """
    editor = backend_for(connection.dialect).schema_editor(
        connection, collect_sql=collect_sql, atomic=atomic
    )
    editor.alias = alias
    return editor


__all__ = [
    "Database",
    "create_engine_for_url",
    "editor_class",
    "get_database",
    "has_transactional_ddl",
    "migration_lock",
    "schema_editor",
]
