"""connections[alias]: one wrapper per alias, a connection per thread, autocommit, bind()."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from support.connections import configured_databases, configured_settings, items, names

from schemashift.db.connection import Database
from schemashift.db.connections import (
    DEFAULT_DB_ALIAS,
    ConnectionDoesNotExist,
    DatabaseWrapper,
    connections,
)
from schemashift.exceptions import ImproperlyConfigured


@pytest.fixture
def db(backend_url: str, clean_registry: None) -> Iterator[DatabaseWrapper]:
    with configured_databases(default=backend_url):
        yield connections[DEFAULT_DB_ALIAS]


def test_one_wrapper_per_alias_with_its_vendor(db: DatabaseWrapper, backend: str) -> None:
    assert connections["default"] is db
    assert db.alias == "default"
    assert db.vendor == backend
    assert db.dialect is db.database.dialect
    assert db.database.alias == "default"


def test_unknown_alias_names_the_configured_ones(db: DatabaseWrapper) -> None:
    with pytest.raises(ConnectionDoesNotExist, match=r"No database 'other'.*'default'"):
        connections["other"]
    assert issubclass(ConnectionDoesNotExist, ImproperlyConfigured)


def test_without_settings_the_error_says_how_to_configure(clean_registry: None) -> None:
    connections.reset()
    with pytest.raises(ImproperlyConfigured, match="Settings are not configured"):
        connections["default"]


def test_mariadb_urls_are_the_mysql_vendor(clean_registry: None) -> None:
    pytest.importorskip("pymysql")
    with configured_settings(default="mariadb+pymysql://user@localhost/shop"):
        assert connections["default"].vendor == "mysql"
        assert connections["default"].dialect.name == "mariadb"


def test_execute_outside_atomic_commits_at_once(db: DatabaseWrapper, backend_url: str) -> None:
    db.execute(items.insert(), [{"name": "a"}, {"name": "b"}])
    assert names(backend_url) == ["a", "b"]
    assert not db.connection.in_transaction()


def test_results_stay_usable_after_their_transaction(db: DatabaseWrapper) -> None:
    inserted = db.execute(items.insert().values(name="first"))
    assert inserted.inserted_primary_key == (1,)
    db.execute(items.insert(), [{"name": "second"}, {"name": "third"}])

    rows = db.execute(sa.select(items).order_by(items.c.id))
    assert not db.connection.in_transaction()
    assert [tuple(row) for row in rows] == [(1, "first"), (2, "second"), (3, "third")]

    mappings = db.execute(sa.select(items.c.name).order_by(items.c.id)).mappings().all()
    assert mappings == [{"name": "first"}, {"name": "second"}, {"name": "third"}]
    assert db.execute(sa.select(sa.func.count()).select_from(items)).scalar() == 3
    first = db.execute(sa.select(items.c.name).order_by(items.c.id.desc())).first()
    assert first == ("third",)

    updated = db.execute(items.update().where(items.c.id > 1).values(name="later"))
    assert updated.rowcount == 2


@pytest.mark.backends("sqlite", "mysql")  # PostgreSQL has no last row id
def test_lastrowid_of_a_plain_insert(db: DatabaseWrapper) -> None:
    db.execute(items.insert().values(name="a"))
    assert db.execute(items.insert().values(name="b")).lastrowid == 2


def test_plain_sql_runs_in_the_driver_style(db: DatabaseWrapper) -> None:
    db.execute(items.insert().values(name="x"))
    placeholder = "?" if db.vendor == "sqlite" else "%s"
    count = db.execute(f"SELECT count(*) FROM items WHERE name = {placeholder}", ("x",))
    assert count.scalar() == 1
    assert db.execute(sa.text("SELECT name FROM items WHERE id = :id"), {"id": 1}).scalar() == "x"


def test_a_failed_statement_leaves_no_transaction_open(
    db: DatabaseWrapper, backend_url: str
) -> None:
    with pytest.raises(sa.exc.IntegrityError):
        db.execute(items.insert().values(name=None))
    assert not db.connection.in_transaction()
    db.execute(items.insert().values(name="after"))
    assert names(backend_url) == ["after"]


def test_each_thread_reuses_a_connection_of_its_own(db: DatabaseWrapper) -> None:
    main_connection = db.connection
    assert db.connection is main_connection
    db.execute(items.insert().values(name="main"))
    assert db.connection is main_connection

    seen: dict[str, object] = {}

    def in_thread() -> None:
        seen["first"] = db.connection
        seen["second"] = db.connection
        seen["count"] = db.execute(sa.select(sa.func.count()).select_from(items)).scalar()
        db.close()

    worker = threading.Thread(target=in_thread)
    worker.start()
    worker.join()
    assert seen["first"] is seen["second"]
    assert seen["first"] is not main_connection
    assert seen["count"] == 1
    assert not main_connection.closed


def test_close_all_closes_and_the_next_statement_reconnects(db: DatabaseWrapper) -> None:
    first = db.connection
    connections.close_all()
    assert first.closed
    db.execute(items.insert().values(name="again"))
    assert db.connection is not first


def test_reset_forgets_the_wrappers(db: DatabaseWrapper) -> None:
    connection = db.connection
    connections.reset()
    assert connection.closed
    assert connections["default"] is not db


def test_bind_runs_statements_in_the_bound_transaction(
    db: DatabaseWrapper, backend_database: Database, backend_url: str
) -> None:
    with backend_database.connect() as migration_connection:
        transaction = migration_connection.begin()
        migration_connection.execute(items.insert().values(name="by the migration"))
        with connections.bind("default", migration_connection):
            assert db.connection is migration_connection
            seen = db.execute(sa.select(items.c.name)).scalars().all()
            db.execute(items.insert().values(name="by the query"))
        assert seen == ["by the migration"], "the uncommitted row is visible: same transaction"
        assert db.connection is not migration_connection
        assert names(backend_url) == []
        transaction.rollback()
    assert names(backend_url) == []


def test_bind_shares_the_migration_write_lock_on_sqlite(
    database: Database, clean_registry: None
) -> None:
    with configured_databases(default=database.url):
        db = connections["default"]
        with database.connect() as migration_connection:
            migration_connection.execution_options(schemashift_sqlite_begin="IMMEDIATE")
            with migration_connection.begin():
                migration_connection.execute(items.insert().values(name="locked"))
                with connections.bind("default", migration_connection):
                    db.execute(items.update().values(name="still locked"))
        assert db.execute(sa.select(items.c.name)).scalar() == "still locked"


def test_unread_rows_hold_no_sqlite_lock(database: Database, clean_registry: None) -> None:
    with configured_databases(default=database.url):
        db = connections["default"]
        db.execute(items.insert(), [{"name": "a"}, {"name": "b"}])
        rows = db.execute(sa.select(items.c.name).order_by(items.c.id))
        assert rows.fetchone() == ("a",)
        writer = sa.create_engine(database.url, connect_args={"timeout": 0.2})
        try:
            with writer.begin() as connection:
                connection.execute(items.insert().values(name="c"))
        finally:
            writer.dispose()
        assert rows.fetchall() == [("b",)]


def test_bind_is_per_thread_and_needs_no_settings(
    clean_registry: None, backend_database: Database
) -> None:
    connections.reset()
    metadata_connection = backend_database.connect()
    try:
        items.create(metadata_connection)
        metadata_connection.commit()
        with connections.bind("default", metadata_connection):
            wrapper = connections["default"]
            wrapper.execute(items.insert().values(name="bound"))
            other_thread: list[Exception] = []

            def in_thread() -> None:
                try:
                    wrapper.execute(sa.select(1))
                except Exception as exc:
                    other_thread.append(exc)

            worker = threading.Thread(target=in_thread)
            worker.start()
            worker.join()
        assert isinstance(other_thread[0], ImproperlyConfigured)
        assert metadata_connection.execute(sa.select(items.c.name)).scalar() == "bound"
    finally:
        metadata_connection.close()
        connections.reset()
