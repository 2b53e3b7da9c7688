"""Engines from URLs, SQLite transactions that include DDL, and the migration lock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from schemashift import conf
from schemashift.db.backends.sqlite import SQLiteSchemaEditor
from schemashift.db.connection import (
    Database,
    create_engine_for_url,
    editor_class,
    get_database,
    has_transactional_ddl,
    migration_lock,
    schema_editor,
)
from schemashift.exceptions import DatabaseError, ImproperlyConfigured


def test_an_unreadable_url_is_a_settings_error() -> None:
    with pytest.raises(ImproperlyConfigured, match="cannot be read"):
        create_engine_for_url("not a url")


def test_a_missing_driver_is_a_settings_error_that_hides_the_password() -> None:
    with pytest.raises(ImproperlyConfigured, match="Cannot use the database") as info:
        create_engine_for_url("postgresql+nosuchdriver://user:secret@host/name")
    assert "secret" not in str(info.value)
    assert "***" in str(info.value)


def test_each_dialect_has_its_schema_editor() -> None:
    assert editor_class("sqlite") is SQLiteSchemaEditor
    with pytest.raises(ImproperlyConfigured, match="cannot migrate oracle databases yet"):
        editor_class("oracle")


def test_sqlite_ddl_rolls_back_with_its_transaction(database: Database) -> None:
    with database.connect() as connection:
        transaction = connection.begin()
        connection.exec_driver_sql('CREATE TABLE "t" ("a" integer)')
        connection.exec_driver_sql('INSERT INTO "t" VALUES (1)')
        transaction.rollback()
        with connection.begin():
            names = connection.exec_driver_sql("SELECT name FROM sqlite_master").all()
    assert names == []
    assert has_transactional_ddl(database)


def test_sqlite_connections_enforce_foreign_keys(database: Database) -> None:
    with database.connect() as connection, connection.begin():
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA legacy_alter_table").scalar() == 0


def test_a_refused_commit_leaves_the_connection_usable(database: Database) -> None:
    with database.connect() as connection:
        with connection.begin():
            connection.exec_driver_sql('CREATE TABLE "p" ("id" integer PRIMARY KEY)')
            connection.exec_driver_sql(
                'CREATE TABLE "c" ("p_id" integer REFERENCES "p" ("id") '
                "DEFERRABLE INITIALLY DEFERRED)"
            )
        with pytest.raises(IntegrityError), connection.begin():
            connection.exec_driver_sql('INSERT INTO "c" VALUES (7)')
        with connection.begin():
            assert connection.exec_driver_sql('SELECT count(*) FROM "c"').scalar() == 0


def test_the_database_describes_itself_without_secrets(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'db.sqlite3'}", alias="other")
    assert database.dialect_name == "sqlite"
    assert database.sqlite_path == tmp_path / "db.sqlite3"
    assert repr(database) == f"<Database other: sqlite:///{tmp_path / 'db.sqlite3'}>"
    assert Database("sqlite://").sqlite_path is None
    assert Database("sqlite:///:memory:").sqlite_path is None


def test_a_database_that_cannot_be_opened_is_named(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'missing' / 'db.sqlite3'}")
    with pytest.raises(DatabaseError, match="Cannot connect to database 'default'"):
        database.connect()


@pytest.fixture
def configured(tmp_path: Path) -> Iterator[Path]:
    conf.configure(DATABASES={"default": "sqlite:///db.sqlite3"}, BASE_DIR=tmp_path)
    yield tmp_path
    conf.reset()


def test_get_database_reads_the_settings(configured: Path) -> None:
    database = get_database()
    assert database.sqlite_path == configured / "db.sqlite3"
    with pytest.raises(ImproperlyConfigured, match="No database 'replica'"):
        get_database("replica")


def test_the_factory_picks_the_backend_editor(database: Database) -> None:
    with database.connect() as connection:
        editor = schema_editor(connection, collect_sql=True, atomic=False)
    assert isinstance(editor, SQLiteSchemaEditor)
    assert (editor.connection, editor.collect_sql, editor.atomic) == (connection, True, False)


def test_an_in_memory_database_needs_no_lock() -> None:
    with migration_lock(Database("sqlite://")), migration_lock(Database("sqlite://")):
        pass


@pytest.mark.parametrize(
    ("url", "driver"),
    [
        ("postgresql://u@127.0.0.1/db", "postgresql+psycopg"),
        ("postgres://u@127.0.0.1/db", "postgresql+psycopg"),
        ("mysql://u@127.0.0.1/db", "mysql+pymysql"),
        ("mariadb://u@127.0.0.1/db", "mariadb+pymysql"),
        ("postgresql+psycopg://u@127.0.0.1/db", "postgresql+psycopg"),
        ("sqlite:///db.sqlite3", "sqlite"),
    ],
)
def test_a_url_without_a_driver_gets_the_one_schemashift_uses(url: str, driver: str) -> None:
    database = Database(url)
    try:
        assert database.engine.url.drivername == driver
    finally:
        database.dispose()
