"""The test database of one pytest run: made (or reused) when a test first needs it, with the
``default`` database alias pointed at it until the run ends.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

import schemashift
from schemashift import conf
from schemashift.conf import Settings
from schemashift.db.connection import Database
from schemashift.db.connections import DEFAULT_DB_ALIAS, connections
from schemashift.testing.databases import (
    TestDatabase,
    database_for_tests,
    remove_folder,
    temporary_folder,
)


@dataclass(frozen=True)
class TestOptions:
    """What the command line and the ini file ask of the test database."""

    __test__ = False

    settings_module: str | None = None
    reuse_db: bool = False
    create_db: bool = False
    migrations: bool = True


def configured_settings(settings_module: str | None) -> Settings:
    """The project's settings: the ones already set up (by a conftest, say), else those of
    ``schemashift.setup(settings_module)``."""
    if conf.is_configured():
        settings = conf.get_settings()
        if settings_module is None or settings_module == settings.SETTINGS_MODULE:
            return settings
    return schemashift.setup(settings_module)


def worker_suffix() -> str:
    """``_gw0`` and so on under pytest-xdist, so that each worker has a database of its own."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return f"_{worker}" if worker else ""


def point_default_at(url: str) -> None:
    """Make ``url`` the ``default`` database and forget the connections to the old one."""
    conf.get_settings().DATABASES[DEFAULT_DB_ALIAS] = url
    connections.reset()


class TestSession:
    """The test database of a run: ``start()`` makes it the default database, ``finish()``
    puts the configured one back and (unless it is kept for the next run) drops it."""

    __test__ = False

    def __init__(self, options: TestOptions) -> None:
        self.options = options
        self.database: TestDatabase | None = None
        self._configured_url: str | None = None
        self._folder: Path | None = None

    def configured_url(self) -> str:
        """The URL the settings give the ``default`` database (not the test database's)."""
        if self._configured_url is None:
            settings = configured_settings(self.options.settings_module)
            self._configured_url = settings.database_url(DEFAULT_DB_ALIAS)
        return self._configured_url

    def start(self) -> TestDatabase:
        configured_url = self.configured_url()
        if not self.options.reuse_db:
            self._folder = temporary_folder("test")
        database = database_for_tests(configured_url, worker_suffix(), self._folder)
        self.database = database
        is_kept = self._is_kept(database)
        if not is_kept:
            database.create()
        point_default_at(database.url_text)
        if self.options.migrations:
            from schemashift import api

            api.migrate(database=DEFAULT_DB_ALIAS)
        elif not is_kept:
            from schemashift.testing.tables import create_model_tables

            with opened(database) as found:
                create_model_tables(found)
        return database

    def _is_kept(self, database: TestDatabase) -> bool:
        """Whether ``--reuse-db`` keeps the database as it is; one made by
        ``--no-migrations`` (tables, no history) is made again for a run with migrations."""
        if not self.options.reuse_db or self.options.create_db or not database.exists():
            return False
        if not self.options.migrations:
            return True
        with opened(database) as found, found.connect() as connection:
            tables = set(sa.inspect(connection).get_table_names())
        return not tables or conf.get_settings().MIGRATIONS_TABLE in tables

    def finish(self) -> None:
        if self.database is not None and self._configured_url is not None:
            point_default_at(self._configured_url)
            if not self.options.reuse_db:
                self.database.drop()
        if self._folder is not None:
            remove_folder(self._folder)


@contextmanager
def opened(database: TestDatabase) -> Iterator[Database]:
    """A ``Database`` of a test database for the block, disposed of afterwards."""
    found = Database(database.url_text, DEFAULT_DB_ALIAS)
    try:
        yield found
    finally:
        found.dispose()


__all__ = [
    "TestOptions",
    "TestSession",
    "configured_settings",
    "opened",
    "point_default_at",
    "worker_suffix",
]
