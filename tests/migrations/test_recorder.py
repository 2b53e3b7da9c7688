"""The history table: read without creating it, written inside the caller's transaction."""

from __future__ import annotations

import datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from schemashift.db.connection import Database, schema_editor
from schemashift.db.introspection import ColumnInfo, introspect
from schemashift.migrations.recorder import MigrationRecorder, StatementLog
from schemashift.utils import timezone


def table_names(connection: Connection) -> list[str]:
    with connection.begin():
        rows = connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'")
        return sorted(name for (name,) in rows)


def test_reading_never_creates_the_table(connection: Connection) -> None:
    recorder = MigrationRecorder(connection)
    assert recorder.has_table() is False
    assert recorder.applied_migrations() == {}
    assert table_names(connection) == []
    assert not connection.in_transaction()


def test_ensure_schema_creates_djangos_history_table_and_a_checksum(
    connection: Connection,
) -> None:
    recorder = MigrationRecorder(connection)
    recorder.ensure_schema()
    recorder.ensure_schema()
    assert recorder.has_table()
    table = introspect(connection, include_history=True)["schemashift_migrations"]
    assert table.columns == {
        "id": ColumnInfo("id", "integer", nullable=False, primary_key=True),
        "app": ColumnInfo("app", "varchar(255)", nullable=False),
        "name": ColumnInfo("name", "varchar(255)", nullable=False),
        "applied": ColumnInfo("applied", "datetime", nullable=False),
        "checksum": ColumnInfo("checksum", "varchar(80)", nullable=True),
    }
    with connection.begin():
        (sql,) = connection.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE name = 'schemashift_migrations'"
        ).one()
    assert '"id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT' in sql


def test_the_table_is_left_out_of_introspection_unless_asked(connection: Connection) -> None:
    MigrationRecorder(connection).ensure_schema()
    assert "schemashift_migrations" not in introspect(connection)


def test_applied_migrations_in_order_with_utc_times(connection: Connection) -> None:
    recorder = MigrationRecorder(connection)
    recorder.ensure_schema()
    before = datetime.datetime.now(datetime.UTC)
    recorder.record_applied("polls", "0001_initial")
    recorder.record_applied("auth", "0001_initial")
    recorder.record_applied("polls", "0002_question_author")
    applied = recorder.applied_migrations()
    assert list(applied) == [
        ("polls", "0001_initial"),
        ("auth", "0001_initial"),
        ("polls", "0002_question_author"),
    ]
    moment = applied[("polls", "0001_initial")]
    assert moment.tzinfo == datetime.UTC
    assert before - datetime.timedelta(seconds=1) <= moment <= datetime.datetime.now(datetime.UTC)


def test_record_unapplied_and_flush(connection: Connection) -> None:
    recorder = MigrationRecorder(connection)
    recorder.ensure_schema()
    recorder.record_applied("polls", "0001_initial")
    recorder.record_applied("polls", "0002_more")
    recorder.record_unapplied("polls", "0002_more")
    assert list(recorder.applied_migrations()) == [("polls", "0001_initial")]
    recorder.flush()
    assert recorder.applied_migrations() == {}
    assert recorder.has_table()


def test_the_history_row_commits_and_rolls_back_with_the_migration(
    connection: Connection,
) -> None:
    recorder = MigrationRecorder(connection)
    recorder.ensure_schema()
    with pytest.raises(RuntimeError), schema_editor(connection) as editor:
        editor.execute('CREATE TABLE "polls_question" ("id" integer)')
        recorder.record_applied("polls", "0001_initial")
        raise RuntimeError("the migration failed")
    assert recorder.applied_migrations() == {}
    assert table_names(connection) == ["schemashift_migrations", "sqlite_sequence"]

    with schema_editor(connection) as editor:
        editor.execute('CREATE TABLE "polls_question" ("id" integer)')
        recorder.record_applied("polls", "0001_initial", editor.connection)
    assert list(recorder.applied_migrations()) == [("polls", "0001_initial")]


def test_a_recorder_over_a_database_uses_connections_of_its_own(database: Database) -> None:
    recorder = MigrationRecorder(database, table_name="history")
    recorder.ensure_schema()
    recorder.record_applied("polls", "0001_initial")
    with database.connect() as other:
        assert list(MigrationRecorder(other, "history").applied_migrations()) == [
            ("polls", "0001_initial")
        ]
        transaction = other.begin()
        recorder.record_unapplied("polls", "0001_initial", other)
        assert recorder.applied_migrations(other) == {}
        transaction.rollback()
    assert list(recorder.applied_migrations()) == [("polls", "0001_initial")]


def test_a_statement_log_is_kept_with_the_progress_and_dropped_with_it(
    backend_connection: Connection,
) -> None:
    recorder = MigrationRecorder(backend_connection)
    log = StatementLog(2, "d1", ("ALTER TABLE a ADD COLUMN b integer", "UPDATE a SET b = 1"))
    recorder.record_progress("polls", "0002_x", "forwards", 1, log=log)
    recorder.record_step("polls", "0002_x", 1, {"": "a", "a": "CREATE TABLE a (...)"})
    assert recorder.partial_migrations() == {("polls", "0002_x"): ("forwards", 1)}
    assert recorder.statement_log("polls", "0002_x") == StatementLog(
        2, "d1", log.statements, 1, {"": "a", "a": "CREATE TABLE a (...)"}
    )
    recorder.record_progress("polls", "0002_x", "forwards", 2)
    assert recorder.statement_log("polls", "0002_x") is None
    recorder.clear_progress("polls", "0002_x")
    assert recorder.partial_migrations() == {}


def test_a_progress_table_of_an_earlier_version_gets_the_statement_log_columns(
    connection: Connection,
) -> None:
    with connection.begin():
        connection.exec_driver_sql(
            "CREATE TABLE schemashift_migrations_progress (app varchar(255), name varchar(255), "
            "direction varchar(9) NOT NULL, operations integer NOT NULL, updated datetime NOT "
            "NULL, PRIMARY KEY (app, name))"
        )
        connection.exec_driver_sql(
            "INSERT INTO schemashift_migrations_progress VALUES "
            "('polls', '0002_x', 'forwards', 1, '2026-01-01 00:00:00')"
        )
    recorder = MigrationRecorder(connection)
    assert recorder.partial_migrations() == {("polls", "0002_x"): ("forwards", 1)}
    assert recorder.statement_log("polls", "0002_x") is None
    recorder.record_progress("polls", "0002_x", "forwards", 1, log=StatementLog(2, "d", ("S",)))
    assert recorder.statement_log("polls", "0002_x") == StatementLog(2, "d", ("S",), 0, {})


def test_a_progress_table_without_the_backfill_column_gets_it_and_keeps_its_rows(
    connection: Connection,
) -> None:
    with connection.begin():
        connection.exec_driver_sql(
            "CREATE TABLE schemashift_migrations_progress (app varchar(255), name varchar(255), "
            "direction varchar(9) NOT NULL, operations integer NOT NULL, updated datetime NOT "
            "NULL, plan text NULL, step integer NULL, fingerprint text NULL, "
            "PRIMARY KEY (app, name))"
        )
        connection.exec_driver_sql(
            "INSERT INTO schemashift_migrations_progress VALUES "
            "('polls', '0002_x', 'forwards', 1, '2026-01-01 00:00:00', NULL, NULL, NULL)"
        )
    recorder = MigrationRecorder(connection)
    assert recorder.backfill_note("polls", "0002_x") is None
    assert recorder.partial_migrations() == {("polls", "0002_x"): ("forwards", 1)}
    recorder.record_backfill("polls", "0002_x", {"operation": 2, "point": {"next": 41}})
    assert recorder.backfill_note("polls", "0002_x") == {"operation": 2, "point": {"next": 41}}
    # the next operation done forgets the note
    recorder.record_progress("polls", "0002_x", "forwards", 2)
    assert recorder.backfill_note("polls", "0002_x") is None


def test_a_history_table_without_the_checksum_column_gains_it_and_keeps_its_rows(
    backend_connection: Connection,
) -> None:
    """A history table an older schemashift wrote (Django's four columns) is read as it is,
    and gets the checksum column when schemashift next writes; its rows keep no checksum."""
    old = sa.Table(
        "schemashift_migrations",
        sa.MetaData(),
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("app", sa.String(255), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("applied", sa.DateTime(timezone=True), nullable=False),
    )
    with backend_connection.begin():
        old.create(backend_connection)
        backend_connection.execute(
            old.insert().values(app="polls", name="0001_initial", applied=timezone.now())
        )
    recorder = MigrationRecorder(backend_connection)
    assert list(recorder.applied_migrations()) == [("polls", "0001_initial")]
    assert recorder.recorded_checksums() == {}
    assert "checksum" not in columns(backend_connection)

    recorder.ensure_schema()
    assert "checksum" in columns(backend_connection)
    recorder.record_applied("polls", "0002_more", checksum="v1:" + "a" * 64)
    recorder.record_applied("polls", "0003_faked")
    assert list(recorder.applied_migrations()) == [
        ("polls", "0001_initial"),
        ("polls", "0002_more"),
        ("polls", "0003_faked"),
    ]
    assert recorder.recorded_checksums() == {("polls", "0002_more"): "v1:" + "a" * 64}


def test_recording_a_checksum_adds_the_column_without_ensure_schema(
    connection: Connection,
) -> None:
    with connection.begin():
        connection.exec_driver_sql(
            "CREATE TABLE schemashift_migrations (id integer PRIMARY KEY AUTOINCREMENT, "
            "app varchar(255) NOT NULL, name varchar(255) NOT NULL, applied datetime NOT NULL)"
        )
    recorder = MigrationRecorder(connection)
    recorder.record_applied("polls", "0001_initial", checksum="v1:b")
    assert recorder.recorded_checksums() == {("polls", "0001_initial"): "v1:b"}


def columns(connection: Connection) -> set[str]:
    with connection.begin():
        found = sa.inspect(connection).get_columns("schemashift_migrations")
    return {column["name"] for column in found}
