"""What a backend is, in one object per kind of database, found by URL scheme or dialect name.

A ``Backend`` subclass describes one kind of database: the SQLAlchemy dialect names it serves,
the driver a URL without one gets, whether DDL is transactional, how a ``migrate`` locks the
database, its command-line client, the hint for a missing driver, its schema editor, how it
stores field values (``formats``) and the SQL its queries need where backends differ.
Defining the subclass registers it; each lives next to its schema editor in
``db/backends/<name>.py``, and ``BUILTIN_BACKENDS`` names those modules by the names they
serve, so a run imports only its own backend (and its SQLAlchemy dialect).
"""

from __future__ import annotations

import functools
import importlib
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.engine import URL, Dialect, Engine, make_url

from schemashift.db.backends.formats import AS_IS, FORMATS, ValueFormat
from schemashift.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from collections.abc import Callable

    from schemashift.db.backends.base import BaseSchemaEditor
    from schemashift.db.client import ClientCommand
    from schemashift.db.connection import Database

#: dialect name or driverless URL scheme -> the module whose import registers its backend
BUILTIN_BACKENDS = {
    "sqlite": "schemashift.db.backends.sqlite",
    "postgresql": "schemashift.db.backends.postgresql",
    "postgres": "schemashift.db.backends.postgresql",
    "mysql": "schemashift.db.backends.mysql",
    "mariadb": "schemashift.db.backends.mysql",
}

#: dialect name or URL scheme (without a driver) -> its backend
_REGISTRY: dict[str, Backend] = {}
#: the dialect names of registered backends, for messages
_DIALECT_NAMES: set[str] = set()


class Backend:
    """One kind of database; subclasses set the class attributes and override the hooks."""

    #: the backend's own name, the ``vendor`` of connections (MariaDB is ``"mysql"``)
    name: ClassVar[str] = ""
    #: the SQLAlchemy dialect names this backend serves
    dialect_names: ClassVar[tuple[str, ...]] = ()
    #: URL scheme without a driver -> the scheme with the driver schemashift uses for it
    default_drivers: ClassVar[dict[str, str]] = {}
    #: whether DDL takes part in transactions (a failed migration leaves nothing behind)
    transactional_ddl: ClassVar[bool] = False
    #: what to do when the driver cannot be imported
    install_hint: ClassVar[str] = "check the URL scheme"
    #: the schema editor class
    schema_editor: ClassVar[type[BaseSchemaEditor]]
    #: storage formats that differ from the portable ``FORMATS``, per field class
    formats: ClassVar[dict[str, ValueFormat]] = {}
    #: a statement that fails when the database cannot be read; None: connecting tells
    probe_sql: ClassVar[str | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.dialect_names:
            return
        backend = cls()
        for name in (*cls.dialect_names, *cls.default_drivers):
            _REGISTRY[name] = backend
        _DIALECT_NAMES.update(cls.dialect_names)

    # -- engines --------------------------------------------------------------------------

    def engine_options(self) -> dict[str, Any]:
        """Keyword arguments for ``sqlalchemy.create_engine``."""
        return {}

    def prepare_engine(self, engine: Engine) -> None:
        """Set up a new engine (event hooks, say)."""

    def database_file(self, url: URL) -> Path | None:
        """The file the database lives in; None for a server or an in-memory database."""
        return None

    # -- migrate --------------------------------------------------------------------------

    def migration_lock(
        self, database: Database, timeout: float | None, on_wait: Callable[[], None] | None
    ) -> AbstractContextManager[None]:
        """The lock that lets one ``migrate`` at a time change ``database``."""
        raise ImproperlyConfigured(
            f"schemashift cannot lock {database.dialect_name} databases for migrations."
        )

    # -- dbshell --------------------------------------------------------------------------

    def client_command(self, url: URL, parameters: list[str]) -> ClientCommand:
        """The command-line client that opens ``url``, then ``parameters``."""
        raise ImproperlyConfigured(
            f"dbshell does not know the client program of {url.get_backend_name()} databases."
        )

    # -- test databases -------------------------------------------------------------------

    def server_admin_url(self, url: URL) -> URL:
        """Where to connect to create or drop other databases on the server of ``url``."""
        return url

    def database_exists_sql(self) -> str:
        """A query with one bound ``:name`` returning a row when that database exists."""
        raise ImproperlyConfigured(
            f"schemashift cannot create test databases on {self.name} servers."
        )

    def drop_database_sql(self, quoted_name: str, dialect: Dialect) -> str:
        """DROP DATABASE of a test database; sessions still open on it must not stop it."""
        return f"DROP DATABASE IF EXISTS {quoted_name}"

    def empty_tables(self, connection: Any, tables: list[str]) -> None:
        """Delete every row of ``tables`` and restart their id sequences, foreign keys or
        not; ``connection`` is outside any transaction."""
        quote = connection.dialect.identifier_preparer.quote
        with connection.begin():
            for table in tables:
                connection.exec_driver_sql(f"DELETE FROM {quote(table)}")

    # -- values ---------------------------------------------------------------------------

    def value_format(self, kind: str) -> ValueFormat:
        """How values of the field class ``kind`` are stored on this backend."""
        return self.formats.get(kind) or FORMATS.get(kind, AS_IS)

    # -- queries --------------------------------------------------------------------------

    def case_sensitive_match(self, lhs: Any, text: str, prefix: bool, suffix: bool) -> Any:
        """``lhs`` contains (``prefix`` and ``suffix``), starts or ends with ``text``, case
        counting: LIKE, case-sensitive on PostgreSQL."""
        pattern = f"{'%' if prefix else ''}{like_escape(text)}{'%' if suffix else ''}"
        return lhs.like(sa.bindparam(None, pattern, type_=sa.String()), escape="\\")

    def datetime_in_utc(self, expression: Any) -> Any:
        """A datetime column's expression whose date parts are UTC's."""
        return expression

    def date_of(self, expression: Any, date_type: Any) -> Any:
        """The date of a datetime expression, as ``date_type``."""
        return sa.func.date(expression, type_=date_type)

    def random(self) -> Any:
        """A random number for ``order_by("?")``."""
        return sa.func.random()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


def like_escape(value: str) -> str:
    """``value`` with LIKE's wildcards and escape character taken literally."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def find_backend(name: str) -> Backend | None:
    """The backend of a dialect name or driverless URL scheme; None when there is none."""
    if name not in _REGISTRY and name in BUILTIN_BACKENDS:
        importlib.import_module(BUILTIN_BACKENDS[name])
    return _REGISTRY.get(name)


def backend_for(source: str | URL | Dialect) -> Backend:
    """The backend of a dialect name, a URL (text or ``URL``) or a dialect.

    ImproperlyConfigured names the supported dialects when there is none.
    """
    if isinstance(source, Dialect):
        name = source.name
    elif isinstance(source, URL) or "://" in source:
        name = make_url(source).get_backend_name()
    else:
        name = source.partition("+")[0]
    backend = find_backend(name)
    if backend is None:
        _register_builtin_backends()
        supported = ", ".join(sorted(_DIALECT_NAMES))
        raise ImproperlyConfigured(
            f"schemashift cannot migrate {name} databases yet (supported: {supported})."
        )
    return backend


def default_driver(scheme: str) -> str | None:
    """The scheme with the driver schemashift uses for a URL scheme naming none."""
    backend = find_backend(scheme)
    return None if backend is None else backend.default_drivers.get(scheme)


@functools.cache
def _register_builtin_backends() -> None:
    for module in set(BUILTIN_BACKENDS.values()):
        importlib.import_module(module)


__all__ = [
    "BUILTIN_BACKENDS",
    "Backend",
    "backend_for",
    "default_driver",
    "find_backend",
    "like_escape",
]
