"""SQLite changes a column without copying the table where every stored value stays valid and
reads the same (a wider or narrower varchar, integer to bigint, NOT NULL or a CHECK dropped):
the table's CREATE statement is edited in ``sqlite_master``. Where the connection refuses to
edit the schema, the table is rebuilt to the very same definition. Every other change still
rebuilds the table."""

from __future__ import annotations

import ctypes
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext

import pytest
from support.backend_migrators import SQLiteMigrator
from support.migrator import AUTHOR_NAMES, author_model

from schemashift import models
from schemashift.migrations.operations import (
    AddConstraint,
    AddField,
    AlterField,
    RemoveConstraint,
    RemoveField,
)

pytestmark = pytest.mark.backends("sqlite")

WIDEN = AlterField("author", "name", models.CharField(max_length=40))
AUTHOR_ROWS = [(i, name) for i, name in enumerate(AUTHOR_NAMES, start=1)]
KEY = '"id" integer NOT NULL PRIMARY KEY AUTOINCREMENT'


@contextmanager
def traced(migrator: SQLiteMigrator) -> Iterator[list[str]]:
    """Every statement SQLite runs meanwhile."""
    statements: list[str] = []
    raw = migrator.connection.connection.driver_connection
    raw.set_trace_callback(statements.append)
    try:
        yield statements
    finally:
        raw.set_trace_callback(None)


@contextmanager
def defensive(migrator: SQLiteMigrator) -> Iterator[None]:
    """SQLITE_DBCONFIG_DEFENSIVE on the connection: ``PRAGMA writable_schema = ON`` is taken,
    but an UPDATE of sqlite_master is refused."""
    raw = migrator.connection.connection.driver_connection
    _set_defensive(raw, True)
    try:
        yield
    finally:
        _set_defensive(raw, False)


def _set_defensive(raw: sqlite3.Connection, on: bool) -> None:
    """sqlite3's ``setconfig`` (Python 3.12+); before it, SQLite's own sqlite3_db_config on
    the connection's handle, which CPython keeps right after the object's header."""
    if hasattr(raw, "setconfig"):
        raw.setconfig(sqlite3.SQLITE_DBCONFIG_DEFENSIVE, on)
        return
    import _sqlite3

    handle = ctypes.c_void_p.from_address(id(raw) + 2 * ctypes.sizeof(ctypes.c_void_p))
    config = ctypes.CDLL(_sqlite3.__file__).sqlite3_db_config
    result = ctypes.c_int(-1)
    assert config(handle, ctypes.c_int(1010), ctypes.c_int(on), ctypes.byref(result)) == 0
    assert result.value == on


@contextmanager
def writable_schema_refused(migrator: SQLiteMigrator) -> Iterator[None]:
    """An authorizer refusing ``PRAGMA writable_schema`` itself."""

    def authorize(action: int, pragma: str | None, *_: object) -> int:
        if action == sqlite3.SQLITE_PRAGMA and pragma == "writable_schema":
            return sqlite3.SQLITE_DENY
        return sqlite3.SQLITE_OK

    raw = migrator.connection.connection.driver_connection
    raw.set_authorizer(authorize)
    try:
        yield
    finally:
        raw.set_authorizer(None)


REFUSALS: dict[str, Callable[[SQLiteMigrator], object]] = {
    "edited": lambda migrator: nullcontext(),
    "defensive": defensive,
    "authorizer": writable_schema_refused,
}


def copies(statements: list[str]) -> bool:
    return any("new__" in s or s.upper().startswith("INSERT") for s in statements)


def test_a_wider_varchar_edits_the_definition_and_copies_no_row(authors: SQLiteMigrator) -> None:
    sql = authors.sql(WIDEN)
    assert not copies(sql)
    assert sql[0] == "PRAGMA writable_schema = ON"
    assert sql[1] == (
        f'UPDATE sqlite_master SET sql = \'CREATE TABLE "shop_author" ({KEY}, "name" '
        "varchar(40) NOT NULL)' WHERE type = 'table' AND name = 'shop_author' AND sql = "
        f'\'CREATE TABLE "shop_author" ({KEY}, "name" varchar(20) NOT NULL)\''
    )
    with traced(authors) as executed:
        authors.apply(WIDEN)
    assert not copies(executed)
    assert all(statement in executed for statement in sql)  # sqlmigrate shows what runs
    assert authors.table_sql("shop_author") == (
        f'CREATE TABLE "shop_author" ({KEY}, "name" varchar(40) NOT NULL)'
    )
    assert authors.rows("shop_author") == AUTHOR_ROWS
    assert authors.run_sql("PRAGMA integrity_check") == [("ok",)]
    authors.assert_schema_matches_state()


@pytest.mark.parametrize("refusal", list(REFUSALS))
def test_an_edit_and_a_refused_edit_leave_the_same_table(
    authors: SQLiteMigrator, refusal: str
) -> None:
    authors.apply(AddField("author", "rank", models.IntegerField(default=5)))
    authors.run_sql("DELETE FROM shop_author WHERE id = 3")
    refused = refusal != "edited"
    with REFUSALS[refusal](authors), traced(authors) as ran:
        authors.apply(WIDEN)
    assert copies(ran) == refused
    # the rebuild copies each row as stored, column for column, in one statement
    assert ('INSERT INTO "new__shop_author" SELECT * FROM "shop_author"' in ran) == refused
    assert authors.table_sql("shop_author") == (
        f'CREATE TABLE "shop_author" ({KEY}, "name" varchar(40) NOT NULL, '
        '"rank" integer DEFAULT 5 NOT NULL)'
    )
    assert authors.rows("shop_author") == [(1, "Ann", 5), (2, "Bob", 5)]
    authors.run_sql("INSERT INTO shop_author (name) VALUES ('Di')")
    assert authors.rows("shop_author", "id, rank")[-1] == (4, 5)  # the counter is kept
    authors.assert_schema_matches_state()


def test_rows_stored_before_a_column_was_added_keep_reading_its_default(
    authors: SQLiteMigrator,
) -> None:
    """Rows written before ADD COLUMN hold no value for the column: they read its DEFAULT,
    which an edit in place therefore keeps, and a new database default needs the rows
    copied."""
    authors.apply(AddField("author", "rank", models.IntegerField(default=5)))
    to_bigint = AlterField("author", "rank", models.BigIntegerField(default=5))
    assert not copies(authors.sql(to_bigint))
    authors.apply(to_bigint)
    assert '"rank" bigint DEFAULT 5 NOT NULL' in authors.table_sql("shop_author")
    assert authors.rows("shop_author", "rank") == [(5,)] * 3
    new_default = AlterField("author", "rank", models.BigIntegerField(db_default=6))
    assert copies(authors.sql(new_default))
    authors.apply(new_default)
    assert authors.rows("shop_author", "rank") == [(5,)] * 3
    authors.assert_schema_matches_state()


AGE = models.IntegerField(null=True)


@pytest.mark.parametrize(
    "field",
    [
        models.BigIntegerField(null=True),
        models.IntegerField(null=True, db_comment="years"),
        models.PositiveIntegerField(null=True),  # a CHECK the rows could break
        models.IntegerField(default=0),  # NOT NULL
        models.FloatField(null=True),  # another affinity: the values are converted
        models.IntegerField(null=True, unique=True),
        models.IntegerField(null=True, db_default=1),  # a DEFAULT stored rows may read
        models.IntegerField(null=True, db_index=True),
    ],
    ids=["bigint", "comment", "check", "not-null", "real", "unique", "db-default", "index"],
)
def test_only_changes_that_keep_the_stored_values_valid_are_made_in_place(
    migrator: SQLiteMigrator, field: models.Field
) -> None:
    migrator.apply(author_model(("age", AGE)))
    migrator.run_sql("INSERT INTO shop_author (name, age) VALUES ('Ann', 7), ('Bob', NULL)")
    operation = AlterField("author", "age", field)
    sql = migrator.sql(operation)
    in_place = isinstance(field, models.BigIntegerField) or field.db_comment
    assert copies(sql) != in_place, sql
    migrator.apply(operation)
    assert migrator.rows("shop_author", "name, age") == [
        ("Ann", 7),
        ("Bob", 0 if not field.null else None),
    ]
    migrator.assert_schema_matches_state()


def test_dropping_not_null_and_a_check_is_made_in_place(migrator: SQLiteMigrator) -> None:
    migrator.apply(author_model(("age", models.PositiveIntegerField(default=1))))
    migrator.run_sql("INSERT INTO shop_author (name, age) VALUES ('Ann', 7)")
    narrow_and_loose = [
        AlterField("author", "name", models.CharField(max_length=2, null=True)),
        AlterField("author", "age", models.IntegerField(null=True)),
    ]
    sql = migrator.sql(*narrow_and_loose)
    assert not copies(sql)
    assert sum(statement.startswith("UPDATE sqlite_master") for statement in sql) == 2
    migrator.apply(*narrow_and_loose)
    # SQLite enforces no varchar length: the rows are kept as they are, as a rebuild keeps them
    migrator.run_sql("INSERT INTO shop_author (name, age) VALUES (NULL, -1)")
    assert migrator.rows("shop_author") == [(1, "Ann", 7), (2, None, -1)]
    assert migrator.column_order("shop_author") == ["id", "name", "age"]
    migrator.assert_schema_matches_state()


def test_a_check_constraint_is_dropped_from_the_definition(authors: SQLiteMigrator) -> None:
    named = models.CheckConstraint(condition=~models.Q(name=""), name="author_named")
    authors.apply(AddConstraint("author", named))
    with_check = authors.table_sql("shop_author")
    assert 'CONSTRAINT "author_named" CHECK' in with_check
    drop = RemoveConstraint("author", "author_named")
    sql = authors.sql(drop)
    assert not copies(sql)
    authors.apply(drop)
    assert authors.table_sql("shop_author") == (
        f'CREATE TABLE "shop_author" ({KEY}, "name" varchar(20) NOT NULL)'
    )
    authors.run_sql("INSERT INTO shop_author (name) VALUES ('')")
    assert authors.rows("shop_author") == [*AUTHOR_ROWS, (4, "")]
    authors.assert_schema_matches_state()


def test_a_table_changed_earlier_in_the_migration_is_rebuilt_as_sqlmigrate_shows(
    authors: SQLiteMigrator,
) -> None:
    """A migration that changed the table otherwise already decides as ``sqlmigrate``, which
    cannot read the definition the earlier statements would leave: the table is rebuilt."""
    operations = (AddField("author", "nick", models.CharField(max_length=5, null=True)), WIDEN)
    sql = authors.sql(*operations)
    assert copies(sql)
    with traced(authors) as executed:
        authors.apply(*operations)
    assert all(statement in executed for statement in sql)
    authors.assert_schema_matches_state()


def test_a_column_a_generated_column_uses_is_dropped_by_a_rebuild(
    migrator: SQLiteMigrator,
) -> None:
    twice = models.GeneratedField(
        expression=models.F("age") * 2, output_field=models.IntegerField(), db_persist=True
    )
    migrator.apply(
        author_model(("age", models.IntegerField(default=1)), ("twice", twice)),
    )
    migrator.run_sql("INSERT INTO shop_author (name, age) VALUES ('Ann', 7)")
    migrator.apply(RemoveField("author", "twice"), RemoveField("author", "age"))
    assert migrator.rows("shop_author") == [(1, "Ann")]
    migrator.assert_schema_matches_state()
