"""The live schema as plain data, and the schema a migration state implies."""

from __future__ import annotations

from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Connection

from schemashift import models
from schemashift.db.introspection import (
    ColumnInfo,
    IndexInfo,
    TableInfo,
    expected_schema,
    introspect,
    introspect_table,
)
from schemashift.migrations.operations import CreateModel
from schemashift.migrations.state import ProjectState


def run(connection: Connection, *statements: str) -> None:
    with connection.begin():
        for statement in statements:
            connection.exec_driver_sql(statement)


def test_tables_columns_keys_and_indexes_are_read(connection: Connection) -> None:
    run(
        connection,
        'CREATE TABLE "p" ("code" varchar(5) NOT NULL PRIMARY KEY)',
        'CREATE TABLE "c" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, '
        '"p_id" varchar(5) NULL REFERENCES "p" ("code"), "n" integer unsigned NOT NULL UNIQUE, '
        '"m" BLOB NULL)',
        'CREATE INDEX "c_p" ON "c" ("p_id" DESC, "m")',
        'CREATE UNIQUE INDEX "c_pair" ON "c" ("m", "n")',
        'CREATE TABLE "schemashift_migrations" ("id" integer)',
        'CREATE TABLE "django_migrations" ("id" integer)',
    )
    snapshot = introspect(connection, exclude=["django_migrations"])
    assert snapshot.table_names() == ["c", "p"]
    child = snapshot["c"]
    assert child.columns == {
        "id": ColumnInfo("id", "integer", nullable=False, primary_key=True),
        "p_id": ColumnInfo("p_id", "varchar(5)", nullable=True),
        "n": ColumnInfo("n", "integer unsigned", nullable=False),
        "m": ColumnInfo("m", "blob", nullable=True),
    }
    assert child.primary_key == ("id",)
    assert {(fk.column, fk.to_table, fk.to_column) for fk in child.foreign_keys} == {
        ("p_id", "p", "code")
    }
    assert child.unique == {("n",), ("m", "n")}
    assert child.indexes == {
        "c_p": IndexInfo("c_p", ("p_id", "m"), orders=("DESC", "ASC")),
        "c_pair": IndexInfo("c_pair", ("m", "n"), unique=True),
    }
    assert snapshot["p"].unique == set()
    assert "schemashift_migrations" in introspect(connection, include_history=True)
    assert not connection.in_transaction()


def test_a_missing_table_reads_as_none(connection: Connection) -> None:
    assert introspect_table(connection, "nowhere") is None


def test_introspection_joins_an_open_transaction(connection: Connection) -> None:
    transaction = connection.begin()
    connection.exec_driver_sql('CREATE TABLE "t" ("a" integer NOT NULL)')
    assert introspect(connection).table_names() == ["t"]
    assert connection.in_transaction()
    transaction.rollback()
    assert introspect(connection).tables == {}


def test_the_expected_schema_of_a_state() -> None:
    state = ProjectState()
    CreateModel(
        "Tag",
        [
            ("id", models.SmallAutoField(primary_key=True)),
            ("label", models.SlugField(max_length=40, unique=True)),
        ],
    ).state_forwards("shop", state)
    CreateModel(
        "Ghost", [("id", models.AutoField(primary_key=True))], {"managed": False}
    ).state_forwards("shop", state)
    snapshot = expected_schema(state, "sqlite")
    assert snapshot == expected_schema(state, sqlite.dialect())
    assert snapshot.tables == {
        "shop_tag": TableInfo(
            "shop_tag",
            {
                "id": ColumnInfo("id", "integer", nullable=False, primary_key=True),
                "label": ColumnInfo("label", "varchar(40)", nullable=False),
            },
            unique=frozenset({("label",)}),
        )
    }
