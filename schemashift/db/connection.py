"""Engines from URLs, connections and transactions, the schema editor factory.

``get_database()`` turns ``settings.DATABASES[alias]`` into a ``Database``: a SQLAlchemy engine
set up so that a migration's DDL and DML commit (or roll back) together. On SQLite that means
taking transaction control away from pysqlite, which otherwise issues no BEGIN before DDL, so a
failed migration would leave its earlier statements committed.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, Connection, Dialect, Engine, make_url

from schemashift.db.locking import migration_lock
from schemashift.exceptions import DatabaseError, ImproperlyConfigured
from schemashift.utils import json_text

if TYPE_CHECKING:
    from schemashift.db.backends.base import BaseSchemaEditor

#: dialect name -> (module, class) of its schema editor, imported on first use
SCHEMA_EDITORS = {
    "sqlite": ("schemashift.db.backends.sqlite", "SQLiteSchemaEditor"),
    "postgresql": ("schemashift.db.backends.postgresql", "PostgreSQLSchemaEditor"),
    "mysql": ("schemashift.db.backends.mysql", "MySQLSchemaEditor"),
    "mariadb": ("schemashift.db.backends.mysql", "MySQLSchemaEditor"),
}

#: URL scheme without a driver -> the dialect and driver schemashift uses for it
DEFAULT_DRIVERS = {
    "postgresql": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
    "mysql": "mysql+pymysql",
    "mariadb": "mariadb+pymysql",
}

#: dialects whose DDL takes part in transactions (a failed migration leaves nothing behind)
TRANSACTIONAL_DDL = {"sqlite": True, "postgresql": True, "mysql": False, "mariadb": False}

_DRIVER_HINTS = {
    "postgresql": "pip install 'schemashift[postgresql]' (psycopg 3)",
    "mysql": "pip install 'schemashift[mysql]' (PyMySQL)",
    "mariadb": "pip install 'schemashift[mysql]' (PyMySQL)",
}

#: execution option read by the SQLite ``begin`` hook: "DEFERRED" (default), "IMMEDIATE"
#: or "EXCLUSIVE"
SQLITE_BEGIN_OPTION = "schemashift_sqlite_begin"
_SQLITE_BEGIN_MODES = ("DEFERRED", "IMMEDIATE", "EXCLUSIVE")


# -- engines ----------------------------------------------------------------------------------


def create_engine_for_url(url: str) -> Engine:
    """A SQLAlchemy engine for a DATABASES URL (ImproperlyConfigured when it cannot be used)."""
    parsed = _parse_url(url)
    # jsonb forgets exponents: floats go in written out, so they read back as floats
    options = (
        {"json_serializer": json_text.dumps} if parsed.get_backend_name() == "postgresql" else {}
    )
    try:
        engine = sa.create_engine(parsed, **options)
    except (sa_exc.NoSuchModuleError, ImportError) as exc:
        backend = parsed.get_backend_name()
        hint = _DRIVER_HINTS.get(backend, "check the URL scheme")
        raise ImproperlyConfigured(
            f"Cannot use the database {_display(parsed)}: {exc}. To fix it, {hint}."
        ) from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
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
    driver = DEFAULT_DRIVERS.get(parsed.drivername)
    return parsed.set(drivername=driver) if driver else parsed


def _display(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Transaction control is ours (see _sqlite_on_begin): pysqlite's legacy mode would send no
    # BEGIN before DDL, committing each schema change on its own.
    dbapi_connection.isolation_level = None
    dbapi_connection.execute("PRAGMA foreign_keys = ON")
    # With the legacy behaviour, renaming a table leaves other tables' REFERENCES pointing at
    # the old name.
    dbapi_connection.execute("PRAGMA legacy_alter_table = OFF")


def _sqlite_on_begin(connection: Connection) -> None:
    mode = connection.get_execution_options().get(SQLITE_BEGIN_OPTION) or "DEFERRED"
    if mode not in _SQLITE_BEGIN_MODES:
        raise ValueError(
            f"{SQLITE_BEGIN_OPTION} must be one of {_SQLITE_BEGIN_MODES}, not {mode!r}"
        )
    driver_connection = connection.connection.driver_connection
    if driver_connection.in_transaction:
        # A COMMIT refused by SQLite (a deferred foreign key, say) leaves its transaction
        # open although the caller has seen it fail; end it before starting the next.
        driver_connection.rollback()
    connection.exec_driver_sql("BEGIN" if mode == "DEFERRED" else f"BEGIN {mode}")


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
        if self.dialect_name != "sqlite":
            return None
        name = self.engine.url.database
        if not name or name == ":memory:" or name.startswith("file:"):
            return None
        return Path(name)

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
    return TRANSACTIONAL_DDL.get(database.dialect.name, False)


# -- schema editors ---------------------------------------------------------------------------


def editor_class(dialect_name: str) -> type[BaseSchemaEditor]:
    """The schema editor class of a dialect (ImproperlyConfigured when there is none yet)."""
    try:
        module_name, class_name = SCHEMA_EDITORS[dialect_name]
    except KeyError:
        supported = ", ".join(sorted(SCHEMA_EDITORS))
        raise ImproperlyConfigured(
            f"schemashift cannot migrate {dialect_name} databases yet (supported: {supported})."
        ) from None
    return getattr(importlib.import_module(module_name), class_name)


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
    editor_cls = editor_class(connection.dialect.name)
    editor = editor_cls(connection, collect_sql=collect_sql, atomic=atomic)
    editor.alias = alias
    return editor


__all__ = [
    "Database",
    "SQLITE_BEGIN_OPTION",
    "create_engine_for_url",
    "editor_class",
    "get_database",
    "has_transactional_ddl",
    "migration_lock",
    "schema_editor",
]
