"""Values rendered as SQL literals by each dialect. Rendered literals are kept per dialect, so
values that are equal in Python but render differently must never share one."""

from __future__ import annotations

import enum

import pytest
from sqlalchemy.dialects.mysql import pymysql
from sqlalchemy.dialects.postgresql import psycopg
from sqlalchemy.dialects.sqlite import pysqlite

from schemashift.db.backends.base import BaseSchemaEditor
from schemashift.db.backends.mysql import MySQLSchemaEditor
from schemashift.db.backends.postgresql import PostgreSQLSchemaEditor
from schemashift.db.backends.sqlite import SQLiteSchemaEditor
from schemashift.exceptions import ModelDefinitionError


class Colour(enum.StrEnum):
    RED = "red"


def editor(kind: type[BaseSchemaEditor], dialect) -> BaseSchemaEditor:
    return kind(dialect=dialect, collect_sql=True)


def test_equal_values_of_different_types_render_as_their_own_type() -> None:
    postgresql = editor(PostgreSQLSchemaEditor, psycopg.dialect())
    assert [postgresql.render_literal(value) for value in (1, True, 0, False, 1, True)] == [
        "1",
        "true",
        "0",
        "false",
        "1",
        "true",
    ]
    sqlite = editor(SQLiteSchemaEditor, pysqlite.dialect())
    assert [sqlite.render_literal(value) for value in (0.0, -0.0, 0.0)] == ["0.0", "-0.0", "0.0"]
    assert sqlite.render_literal(b"\x00\xff") == sqlite.render_literal(bytearray(b"\x00\xff"))
    assert sqlite.render_literal(b"\x00\xff") == "X'00ff'"


def test_a_literal_follows_what_the_dialect_learns_when_it_connects() -> None:
    """PostgreSQL's dialect assumes backslashes are escapes until its first connection reads
    ``standard_conforming_strings``; a literal rendered before must not be reused after."""
    dialect = psycopg.dialect()
    postgresql = editor(PostgreSQLSchemaEditor, dialect)
    dialect._backslash_escapes = True
    assert postgresql.render_literal("a\\b") == "'a\\\\b'"
    dialect._backslash_escapes = False
    assert postgresql.render_literal("a\\b") == "'a\\b'"


@pytest.mark.parametrize(
    ("kind", "dialect", "expected"),
    [
        (SQLiteSchemaEditor, pysqlite.dialect(), "'50% it''s'"),
        (PostgreSQLSchemaEditor, psycopg.dialect(), "'50% it''s'"),
        (MySQLSchemaEditor, pymysql.dialect(), "'50% it''s'"),
    ],
)
def test_text_is_quoted_by_the_dialect_each_time(kind, dialect, expected) -> None:
    rendered = editor(kind, dialect)
    assert rendered.render_literal("50% it's") == expected
    assert rendered.render_literal("50% it's") == expected
    assert rendered.render_literal(Colour.RED) == "'red'"


def test_a_value_with_no_literal_form_is_refused_every_time() -> None:
    sqlite = editor(SQLiteSchemaEditor, pysqlite.dialect())
    for _ in range(2):
        with pytest.raises(ModelDefinitionError, match="cannot be written as a SQL literal"):
            sqlite.render_literal(object())
