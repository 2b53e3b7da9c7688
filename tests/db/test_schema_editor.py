"""The schema editor of every backend on a real database: the schema it builds, the SQL it
writes, and that no row is lost or changed by anything but dropping its column or table.

Each test runs once per backend (``--backend``). Where the backends differ, the test reads what
to expect from a table keyed by backend name; SQL written with double-quoted names is quoted for
the backend by ``quoted``. What only one backend does is tested in
``test_schema_editor_<backend>.py``.
"""

from __future__ import annotations

import datetime
import decimal
import re
import uuid
from typing import Any

import pytest
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.mysql import pymysql
from sqlalchemy.dialects.postgresql import psycopg
from sqlalchemy.engine import Connection
from support.migrator import Migrator, author_model, collect_sql, tutorial_operations
from support.online_ddl import as_django_writes_it
from support.states import auto_pk, fk

from schemashift import models
from schemashift.core import validators
from schemashift.db.backends.mysql import MySQLSchemaEditor
from schemashift.db.backends.postgresql import PostgreSQLSchemaEditor
from schemashift.db.backends.sqlite import SQLiteSchemaEditor
from schemashift.db.connection import schema_editor
from schemashift.db.introspection import ColumnInfo, ForeignKeyInfo, IndexInfo
from schemashift.exceptions import DatabaseError
from schemashift.migrations.operations import (
    AddField,
    AddIndex,
    AlterField,
    AlterModelTable,
    AlterUniqueTogether,
    CreateModel,
    DeleteModel,
    RemoveField,
    RemoveIndex,
    RenameField,
    RunSQL,
)
from schemashift.utils.names import index_name

#: the longest name of a table, column, index or constraint each backend takes
NAME_LIMIT = {"sqlite": 200, "postgresql": 63, "mysql": 64}


def quoted(sql: str, backend: str) -> str:
    """``sql``, written with double-quoted names and no double quote elsewhere, quoted as
    ``backend`` quotes names (MySQL: backticks)."""
    return sql.replace('"', "`") if backend == "mysql" else sql


def generated_index(backend: str, table: str, columns: list[str], suffix: str = "") -> str:
    """The name of an index or constraint the editor makes on ``backend``."""
    return index_name(table, columns, suffix, NAME_LIMIT[backend])


def native_uuid(migrator: Migrator) -> bool:
    """Whether UUIDField is MariaDB's own ``uuid`` type here (MariaDB 10.7 and later)."""
    return (
        MySQLSchemaEditor(dialect=migrator.connection.dialect).has_native_uuid_field
        if (migrator.connection.dialect.name == "mysql")
        else False
    )


def like_indexes(backend: str, table: str, *columns: str) -> dict[str, IndexInfo]:
    """The ``_like`` indexes PostgreSQL gives indexed or unique text columns, as Django's."""
    if backend != "postgresql":
        return {}
    names = {column: generated_index(backend, table, [column], "_like") for column in columns}
    return {name: IndexInfo(name, (column,)) for column, name in names.items()}


# -- CREATE TABLE ------------------------------------------------------------------------------

#: a field of each type and its declared column type on sqlite, postgresql and mysql
FIELD_TYPES = [
    (models.CharField(max_length=30), "varchar(30)", "varchar(30)", "varchar(30)"),
    (models.SlugField(), "varchar(50)", "varchar(50)", "varchar(50)"),
    (models.EmailField(), "varchar(254)", "varchar(254)", "varchar(254)"),
    (models.URLField(), "varchar(200)", "varchar(200)", "varchar(200)"),
    (models.TextField(), "text", "text", "longtext"),
    (models.IntegerField(), "integer", "integer", "integer"),
    (models.SmallIntegerField(), "smallint", "smallint", "smallint"),
    (models.BigIntegerField(), "bigint", "bigint", "bigint"),
    (models.PositiveIntegerField(), "integer unsigned", "integer", "integer UNSIGNED"),
    (models.PositiveSmallIntegerField(), "smallint unsigned", "smallint", "smallint UNSIGNED"),
    (models.PositiveBigIntegerField(), "bigint unsigned", "bigint", "bigint UNSIGNED"),
    (models.BooleanField(), "bool", "boolean", "bool"),
    (models.FloatField(), "real", "double precision", "double precision"),
    (
        models.DecimalField(max_digits=5, decimal_places=2),
        "decimal",
        "numeric(5, 2)",
        "numeric(5, 2)",
    ),
    (models.DateField(), "date", "date", "date"),
    (models.DateTimeField(), "datetime", "timestamp with time zone", "datetime(6)"),
    (models.TimeField(), "time", "time", "time(6)"),
    (models.DurationField(), "bigint", "interval", "bigint"),
    (models.UUIDField(), "char(32)", "uuid", "char(32)"),
    (models.BinaryField(), "BLOB", "bytea", "longblob"),
    (models.JSONField(), "text", "jsonb", "json"),
]
BACKEND_COLUMN = {"sqlite": 1, "postgresql": 2, "mysql": 3}

#: the check constraint written after a column ``f``: (field type, backend) -> check
FIELD_CHECKS = {
    **{
        (positive, backend): quoted('CHECK ("f" >= 0)', backend)
        for positive in (
            "PositiveIntegerField",
            "PositiveSmallIntegerField",
            "PositiveBigIntegerField",
        )
        for backend in BACKEND_COLUMN
    },
    ("JSONField", "sqlite"): 'CHECK ((JSON_VALID("f") OR "f" IS NULL))',
}

#: the default primary key ``id`` of a table, as CREATE TABLE declares it
ID_COLUMN = {
    "sqlite": '"id" integer NOT NULL PRIMARY KEY AUTOINCREMENT',
    "postgresql": '"id" bigint NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY',
    "mysql": "`id` bigint AUTO_INCREMENT NOT NULL PRIMARY KEY",
}


@pytest.mark.parametrize("row", FIELD_TYPES, ids=[type(row[0]).__name__ for row in FIELD_TYPES])
def test_every_field_type_gets_djangos_declared_type(
    migrator: Migrator, backend: str, row: tuple[Any, ...]
) -> None:
    field, declared = row[0], row[BACKEND_COLUMN[backend]]
    if isinstance(field, models.UUIDField) and native_uuid(migrator):
        declared = "uuid"
    check = FIELD_CHECKS.get((type(field).__name__, backend))
    operation = CreateModel("Thing", [auto_pk(), ("f", field)])
    definition = quoted(f'"f" {declared} NOT NULL', backend) + (f" {check}" if check else "")
    assert migrator.sql(operation)[0] == (
        quoted('CREATE TABLE "shop_thing" (', backend) + f"{ID_COLUMN[backend]}, {definition})"
    )
    migrator.apply(operation)
    table = migrator.snapshot()["shop_thing"]
    assert table.columns["f"] == ColumnInfo("f", declared, nullable=False)
    migrator.assert_schema_matches_state()
    # what the database itself records of the table
    if backend == "sqlite":
        assert definition in migrator.table_sql("shop_thing")
    elif backend == "postgresql":
        checks = [d for d in migrator.constraints("shop_thing").values() if d.startswith("CHECK")]
        assert checks == (["CHECK ((f >= 0))"] if check else [])
    else:
        assert "ENGINE=InnoDB" in migrator.table_sql("shop_thing")


#: an auto field's primary key column, as CREATE TABLE declares it: backend -> type -> column
AUTO_PRIMARY_KEY = {
    "sqlite": dict.fromkeys(
        ("integer", "bigint", "smallint"), '"id" integer NOT NULL PRIMARY KEY AUTOINCREMENT'
    ),
    "postgresql": {
        column_type: f'"id" {column_type} NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY'
        for column_type in ("integer", "bigint", "smallint")
    },
    "mysql": {
        column_type: f"`id` {column_type} AUTO_INCREMENT NOT NULL PRIMARY KEY"
        for column_type in ("integer", "bigint", "smallint")
    },
}

#: how a row of nothing but defaults is inserted
DEFAULT_VALUES = {"sqlite": "DEFAULT VALUES", "postgresql": "DEFAULT VALUES", "mysql": "VALUES ()"}

#: what the database says of a row pointing at a missing row
MISSING_ROW_ERROR = {
    "sqlite": "FOREIGN KEY constraint failed",
    "postgresql": "violates foreign key constraint",
    "mysql": "foreign key constraint fails",
}


@pytest.mark.parametrize(
    ("auto_field", "column_type"),
    [
        (models.AutoField, "integer"),
        (models.BigAutoField, "bigint"),
        (models.SmallAutoField, "smallint"),
    ],
)
def test_auto_primary_keys_and_the_foreign_keys_to_them(
    migrator: Migrator, backend: str, auto_field: type[models.Field], column_type: str
) -> None:
    operations = (
        CreateModel("Target", [("id", auto_field(primary_key=True))]),
        CreateModel("Source", [auto_pk(), ("target", fk("shop.target"))]),
    )
    sql = migrator.sql(*operations)
    assert sql[0] == (
        quoted('CREATE TABLE "shop_target" (', backend)
        + f"{AUTO_PRIMARY_KEY[backend][column_type]})"
    )
    references = quoted('REFERENCES "shop_target" ("id")', backend)
    deferred = "" if backend == "mysql" else " DEFERRABLE INITIALLY DEFERRED"
    if backend == "sqlite":
        # SQLite declares the foreign key in the column
        assert f'"target_id" {column_type} NOT NULL {references}{deferred}' in sql[1]
    else:
        constraint = generated_index(backend, "shop_source", ["target_id"], "_fk_shop_target_id")
        assert quoted(f'"target_id" {column_type} NOT NULL)', backend) in sql[1]
        assert sql[2] == (
            quoted(f'ALTER TABLE "shop_source" ADD CONSTRAINT "{constraint}" ', backend)
            + quoted('FOREIGN KEY ("target_id") ', backend)
            + f"{references}{deferred}"
        )
    migrator.apply(*operations)
    if backend == "sqlite":
        assert migrator.table_sql("shop_target") == sql[0]
        assert migrator.table_sql("shop_source") == sql[1]
    migrator.run_sql(f"INSERT INTO shop_target {DEFAULT_VALUES[backend]}")
    migrator.run_sql("INSERT INTO shop_source (target_id) VALUES (1)")
    assert migrator.rows("shop_source") == [(1, 1)]
    with pytest.raises(Exception, match=MISSING_ROW_ERROR[backend]):
        migrator.run_sql("INSERT INTO shop_source (target_id) VALUES (2)")
    source = migrator.snapshot()["shop_source"]
    assert source.foreign_keys == {ForeignKeyInfo("target_id", "shop_target", "id")}
    migrator.assert_schema_matches_state()
    if backend == "postgresql":
        identity = migrator.run_sql(
            "SELECT attidentity FROM pg_attribute WHERE attrelid = 'shop_target'::regclass "
            "AND attname = 'id'"
        )
        assert identity == [("d",)]


#: an editor that only collects SQL, with only a dialect and no database
SQL_COLLECTORS = {
    "sqlite": lambda: SQLiteSchemaEditor(dialect=sqlite.dialect(), collect_sql=True),
    "postgresql": lambda: PostgreSQLSchemaEditor(dialect=psycopg.dialect(), collect_sql=True),
    "mysql": lambda: MySQLSchemaEditor(dialect=pymysql.dialect(), collect_sql=True),
}

#: the SQL of the tutorial's first migration, as Django writes it on each backend
TUTORIAL_SQL = {
    "sqlite": [
        'CREATE TABLE "polls_question" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, '
        '"question_text" varchar(200) NOT NULL, "pub_date" datetime NOT NULL)',
        'CREATE TABLE "polls_choice" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, '
        '"choice_text" varchar(200) NOT NULL, "votes" integer NOT NULL, "question_id" bigint '
        'NOT NULL REFERENCES "polls_question" ("id") DEFERRABLE INITIALLY DEFERRED)',
        'CREATE INDEX "polls_choice_question_id_c5b4b260" ON "polls_choice" ("question_id")',
    ],
    "postgresql": [
        'CREATE TABLE "polls_question" ("id" bigint NOT NULL PRIMARY KEY GENERATED BY DEFAULT '
        'AS IDENTITY, "question_text" varchar(200) NOT NULL, "pub_date" timestamp with time '
        "zone NOT NULL)",
        'CREATE TABLE "polls_choice" ("id" bigint NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS '
        'IDENTITY, "choice_text" varchar(200) NOT NULL, "votes" integer NOT NULL, '
        '"question_id" bigint NOT NULL)',
        'ALTER TABLE "polls_choice" ADD CONSTRAINT '
        '"polls_choice_question_id_c5b4b260_fk_polls_question_id" FOREIGN KEY ("question_id") '
        'REFERENCES "polls_question" ("id") DEFERRABLE INITIALLY DEFERRED',
        'CREATE INDEX "polls_choice_question_id_c5b4b260" ON "polls_choice" ("question_id")',
    ],
    "mysql": [
        "CREATE TABLE `polls_question` (`id` bigint AUTO_INCREMENT NOT NULL PRIMARY KEY, "
        "`question_text` varchar(200) NOT NULL, `pub_date` datetime(6) NOT NULL)",
        "CREATE TABLE `polls_choice` (`id` bigint AUTO_INCREMENT NOT NULL PRIMARY KEY, "
        "`choice_text` varchar(200) NOT NULL, `votes` integer NOT NULL, "
        "`question_id` bigint NOT NULL)",
        "ALTER TABLE `polls_choice` ADD CONSTRAINT "
        "`polls_choice_question_id_c5b4b260_fk_polls_question_id` FOREIGN KEY (`question_id`) "
        "REFERENCES `polls_question` (`id`)",
        # no CREATE INDEX: InnoDB indexes the foreign key itself, as Django leaves it to
    ],
}


@pytest.mark.parametrize("dialect", list(SQL_COLLECTORS))
def test_the_tutorial_models_get_djangos_exact_sql_without_a_database(dialect: str) -> None:
    collector = SQL_COLLECTORS[dialect]()
    assert collect_sql(collector, *tutorial_operations()) == TUTORIAL_SQL[dialect]


def test_indexes_unique_constraints_and_meta_indexes(migrator: Migrator, backend: str) -> None:
    migrator.apply(
        CreateModel("Publisher", [auto_pk()]),
        CreateModel(
            "Book",
            [
                auto_pk(),
                ("title", models.CharField(max_length=50)),
                ("slug", models.SlugField(unique=True)),
                ("isbn", models.CharField(max_length=13, db_index=True)),
                ("edition", models.IntegerField()),
                ("publisher", fk("shop.publisher")),
                ("cover", models.OneToOneField("shop.publisher", models.CASCADE, related_name="+")),
                ("loose", fk("shop.publisher", db_constraint=False)),
                ("bare", fk("shop.publisher", db_index=False)),
            ],
            options={
                "unique_together": [("title", "edition")],
                "indexes": [models.Index(fields=["-edition", "title"], name="book_recent")],
            },
        ),
    )
    book = migrator.snapshot()["shop_book"]
    assert book.unique == {("slug",), ("cover_id",), ("title", "edition")}
    uniq = generated_index(backend, "shop_book", ["title", "edition"], "_uniq")
    # on MySQL/MariaDB InnoDB indexes a foreign key with its constraint itself (as Django
    # leaves it to), under the constraint's name, which introspection does not list
    indexed = ("isbn", "loose_id") if backend == "mysql" else ("isbn", "publisher_id", "loose_id")
    generated = {column: generated_index(backend, "shop_book", [column]) for column in indexed}
    assert book.indexes == {
        uniq: IndexInfo(uniq, ("title", "edition"), unique=True),
        **{name: IndexInfo(name, (column,)) for column, name in generated.items()},
        "book_recent": IndexInfo("book_recent", ("edition", "title"), orders=("DESC", "ASC")),
        **like_indexes(backend, "shop_book", "slug", "isbn"),
    }
    assert {fk.column for fk in book.foreign_keys} == {"publisher_id", "cover_id", "bare_id"}
    migrator.assert_schema_matches_state()


def test_unmanaged_models_get_no_table(migrator: Migrator) -> None:
    operation = CreateModel("View", [auto_pk()], options={"managed": False})
    assert migrator.sql(operation) == []
    migrator.apply(operation, AddField("view", "x", models.IntegerField(null=True)))
    assert "shop_view" not in migrator.snapshot()
    migrator.assert_schema_matches_state()


def test_keywords_as_names_are_quoted_everywhere(migrator: Migrator, backend: str) -> None:
    migrator.apply(
        CreateModel(
            "Order",
            [
                auto_pk(),
                ("select", models.IntegerField(db_index=True)),
                ("group", models.CharField(max_length=5, db_column="from")),
            ],
            options={"unique_together": [("select", "group")]},
        )
    )
    q = migrator.quote
    migrator.run_sql(f"INSERT INTO shop_order ({q('select')}, {q('from')}) VALUES (1, 'a')")
    migrator.apply(
        AddField("order", "where", models.IntegerField(default=7)),
        RenameField("order", "select", "table"),
        AlterField("order", "where", models.BigIntegerField(default=7)),
    )
    columns = ", ".join(q(name) for name in ("id", "table", "from", "where"))
    assert migrator.rows("shop_order", columns) == [(1, 1, "a", 7)]
    migrator.assert_schema_matches_state()
    if backend == "sqlite":
        # a renamed field moves last in the state, an altered column last in a rebuild, as Django
        assert migrator.column_order("shop_order") == ["id", "from", "table", "where"]


# -- ADD COLUMN --------------------------------------------------------------------------------


def test_a_nullable_field_is_added_with_add_column(authors: Migrator, backend: str) -> None:
    operation = AddField("author", "nick", models.CharField(max_length=10, null=True))
    assert as_django_writes_it(authors.sql(operation)) == [
        quoted('ALTER TABLE "shop_author" ADD COLUMN "nick" varchar(10) NULL', backend)
    ]
    authors.apply(operation)
    assert authors.rows("shop_author") == [(1, "Ann", None), (2, "Bob", None), (3, "Cy", None)]
    authors.assert_schema_matches_state()


def add_mentor_sql(backend: str) -> list[str]:
    """The SQL adding a nullable foreign key ``mentor`` from shop_author to itself."""
    index = generated_index(backend, "shop_author", ["mentor_id"])
    create_index = f'CREATE INDEX "{index}" ON "shop_author" ("mentor_id")'
    if backend == "sqlite":
        return [
            'ALTER TABLE "shop_author" ADD COLUMN "mentor_id" bigint NULL REFERENCES '
            '"shop_author" ("id") DEFERRABLE INITIALLY DEFERRED',
            create_index,
        ]
    constraint = generated_index(backend, "shop_author", ["mentor_id"], "_fk_shop_author_id")
    deferred = "" if backend == "mysql" else " DEFERRABLE INITIALLY DEFERRED"
    return [
        quoted('ALTER TABLE "shop_author" ADD COLUMN "mentor_id" bigint NULL', backend),
        quoted(
            f'ALTER TABLE "shop_author" ADD CONSTRAINT "{constraint}" FOREIGN KEY ("mentor_id") '
            'REFERENCES "shop_author" ("id")',
            backend,
        )
        + deferred,
        # on MySQL/MariaDB InnoDB indexes the foreign key itself, as Django leaves it to
        *([] if backend == "mysql" else [quoted(create_index, backend)]),
    ]


def test_a_foreign_key_is_added_with_its_constraint_and_index(
    authors: Migrator, backend: str
) -> None:
    operation = AddField(
        "author", "mentor", models.ForeignKey("shop.author", models.SET_NULL, null=True)
    )
    assert as_django_writes_it(authors.sql(operation)) == add_mentor_sql(backend)
    authors.apply(operation)
    authors.assert_schema_matches_state()
    authors.run_sql("UPDATE shop_author SET mentor_id = 1 WHERE id = 2")
    authors.apply(RemoveField("author", "mentor"))
    assert authors.rows("shop_author") == [(1, "Ann"), (2, "Bob"), (3, "Cy")]
    authors.assert_schema_matches_state()


#: the SQL adding ``rating integer NOT NULL`` with the default 5 to shop_author(id, name)
ADD_RATING_SQL = {
    # SQLite fills the rows from the column's DEFAULT without copying the table; the
    # default stays, as SQLite cannot drop it without a rebuild
    "sqlite": ['ALTER TABLE "shop_author" ADD COLUMN "rating" integer DEFAULT 5 NOT NULL'],
    "postgresql": [
        'ALTER TABLE "shop_author" ADD COLUMN "rating" integer DEFAULT 5 NOT NULL',
        'ALTER TABLE "shop_author" ALTER COLUMN "rating" DROP DEFAULT',
    ],
    "mysql": [
        "ALTER TABLE `shop_author` ADD COLUMN `rating` integer DEFAULT 5 NOT NULL",
        "ALTER TABLE `shop_author` ALTER COLUMN `rating` DROP DEFAULT",
    ],
}

#: what the database says of a row without a value for a NOT NULL column without default
NO_VALUE_ERROR = {
    "sqlite": "NOT NULL constraint failed",
    "postgresql": "null value",
    "mysql": "doesn't have a default value",
}


def test_a_not_null_field_with_a_default_fills_rows_without_copying_the_table(
    authors: Migrator, backend: str
) -> None:
    operation = AddField("author", "rating", models.IntegerField(default=5))
    assert as_django_writes_it(authors.sql(operation)) == ADD_RATING_SQL[backend]
    authors.apply(operation)
    assert authors.rows("shop_author") == [(1, "Ann", 5), (2, "Bob", 5), (3, "Cy", 5)]
    if backend == "sqlite":
        # the constant that filled the rows stays the column's default
        assert authors.column_default("shop_author", "rating") == "5"
        authors.run_sql("INSERT INTO shop_author (name) VALUES ('Di')")
        assert authors.rows("shop_author", "rating")[-1] == (5,)
    else:
        # Python defaults are not kept in the database.
        assert authors.column_default("shop_author", "rating") is None
        with pytest.raises(Exception, match=NO_VALUE_ERROR[backend]):
            authors.run_sql("INSERT INTO shop_author (name) VALUES ('Di')")
    authors.assert_schema_matches_state()


def test_a_one_off_default_fills_rows_and_is_not_kept(authors: Migrator) -> None:
    authors.apply(AddField("author", "code", models.CharField(max_length=3, default="X"), False))
    assert [row[2] for row in authors.rows("shop_author")] == ["X", "X", "X"]
    assert not authors.state.get_model("shop", "author").get_field("code").has_default()
    assert authors.column_default("shop_author", "code") is None
    authors.assert_schema_matches_state()


def test_a_callable_default_is_called_once(authors: Migrator) -> None:
    calls = []

    def default() -> str:
        calls.append(1)
        return "made"

    authors.apply(AddField("author", "value", models.CharField(max_length=9, default=default)))
    assert authors.rows("shop_author", "value") == [("made",)] * 3
    assert len(calls) == 1


def test_a_blank_text_field_fills_rows_with_empty_strings(authors: Migrator) -> None:
    authors.apply(
        AddField("author", "bio", models.TextField(blank=True)),
        AddField("author", "photo", models.BinaryField(blank=True)),
    )
    rows = authors.rows("shop_author", "bio, photo")
    assert [(bio, bytes(photo)) for bio, photo in rows] == [("", b"")] * 3
    authors.assert_schema_matches_state()


#: what the error says when a NOT NULL column without default is added to rows
NOT_NULL_ON_ROWS_ERROR = {
    "sqlite": (
        'Rebuilding table "shop_author" failed',
        "NOT NULL constraint failed: age",
        "give the field a default",
    ),
    "postgresql": ("contains null values",),
    "mysql": ("existing rows would have no value",),
}


def test_a_not_null_field_without_default_cannot_be_added_to_rows(
    authors: Migrator, backend: str
) -> None:
    before = authors.snapshot()
    with pytest.raises(DatabaseError) as info:
        authors.apply(AddField("author", "age", models.IntegerField()))
    for fragment in NOT_NULL_ON_ROWS_ERROR[backend]:
        assert fragment in str(info.value)
    assert authors.snapshot() == before
    assert authors.rows("shop_author") == [(1, "Ann"), (2, "Bob"), (3, "Cy")]


def test_a_not_null_field_without_default_can_be_added_to_an_empty_table(
    migrator: Migrator,
) -> None:
    migrator.apply(author_model(), AddField("author", "age", models.IntegerField()))
    assert migrator.snapshot()["shop_author"].columns["age"] == ColumnInfo(
        "age", "integer", nullable=False
    )
    migrator.assert_schema_matches_state()


def test_a_unique_field_is_added(authors: Migrator) -> None:
    authors.apply(
        AddField("author", "code", models.CharField(max_length=5, null=True, unique=True))
    )
    assert authors.snapshot()["shop_author"].unique == {("code",)}
    assert authors.rows("shop_author", "id, code") == [(1, None), (2, None), (3, None)]
    authors.assert_schema_matches_state()


# -- DROP COLUMN -------------------------------------------------------------------------------


def test_a_plain_field_is_removed_with_drop_column(authors: Migrator, backend: str) -> None:
    authors.apply(AddField("author", "age", models.IntegerField(default=30)))
    operation = RemoveField("author", "name")
    assert as_django_writes_it(authors.sql(operation)) == [
        quoted('ALTER TABLE "shop_author" DROP COLUMN "name"', backend)
    ]
    authors.apply(operation)
    assert authors.rows("shop_author") == [(1, 30), (2, 30), (3, 30)]
    authors.assert_schema_matches_state()


@pytest.mark.parametrize(
    "field",
    [
        models.CharField(max_length=5, null=True, unique=True),
        models.CharField(max_length=5, null=True, db_index=True),
        fk("shop.author", null=True),
    ],
    ids=["unique", "indexed", "foreign key"],
)
def test_indexed_unique_and_related_fields_are_removed(
    authors: Migrator, backend: str, field: models.Field
) -> None:
    authors.apply(AddField("author", "extra", field))
    if backend == "sqlite":
        # SQLite cannot drop a column with an index or a reference: it rebuilds the table
        sql = authors.sql(RemoveField("author", "extra"))
        assert sql[0].startswith('CREATE TABLE "new__shop_author"')
    authors.apply(RemoveField("author", "extra"))
    assert authors.rows("shop_author") == [(1, "Ann"), (2, "Bob"), (3, "Cy")]
    authors.assert_schema_matches_state()


def test_a_foreign_key_field_is_removed_with_its_constraint(books: Migrator) -> None:
    books.apply(RemoveField("book", "author"))
    assert books.rows("shop_book") == [(1,), (2,), (3,)]
    books.assert_schema_matches_state()


@pytest.mark.parametrize("indexed", [["age"], ["age", "name"]], ids=["age", "age_name"])
def test_removing_a_field_drops_its_unique_together_and_indexes(
    authors: Migrator, indexed: list[str]
) -> None:
    authors.apply(
        AddField("author", "age", models.IntegerField(default=1)),
        AlterUniqueTogether("author", [("name", "age")]),
        AddIndex("author", models.Index(fields=indexed, name="author_age")),
    )
    authors.apply(RemoveField("author", "age"))
    table = authors.snapshot()["shop_author"]
    assert table.indexes == {} and table.unique == set()
    assert authors.rows("shop_author") == [(1, "Ann"), (2, "Bob"), (3, "Cy")]
    authors.assert_schema_matches_state()


def test_removing_a_relation_named_by_its_attname_drops_its_unique_together_and_indexes(
    migrator: Migrator,
) -> None:
    migrator.apply(
        author_model(),
        CreateModel(
            "Book",
            [
                auto_pk(),
                ("title", models.CharField(max_length=20)),
                ("author", fk("shop.author")),
            ],
            options={
                "unique_together": [("author_id", "title")],
                "indexes": [models.Index(fields=["author_id"], name="book_author")],
            },
        ),
    )
    migrator.run_sql("INSERT INTO shop_author (name) VALUES ('Ann')")
    migrator.run_sql("INSERT INTO shop_book (title, author_id) VALUES ('A', 1)")
    migrator.apply(RemoveField("book", "author"))
    assert migrator.snapshot()["shop_book"].indexes == {}
    assert migrator.rows("shop_book") == [(1, "A")]
    migrator.assert_schema_matches_state()


# -- ALTER FIELD -------------------------------------------------------------------------------

#: the SQL widening shop_author.name to varchar(200), where the backend alters the column
WIDEN_NAME_SQL = {
    "postgresql": ['ALTER TABLE "shop_author" ALTER COLUMN "name" TYPE varchar(200)'],
    "mysql": ["ALTER TABLE `shop_author` MODIFY `name` varchar(200) NOT NULL"],
}


def test_widening_and_narrowing_a_char_field_keeps_the_values(
    authors: Migrator, backend: str
) -> None:
    operation = AlterField("author", "name", models.CharField(max_length=200))
    if backend in WIDEN_NAME_SQL:
        assert authors.sql(operation) == WIDEN_NAME_SQL[backend]
    authors.apply(operation)
    assert authors.snapshot()["shop_author"].columns["name"].type == "varchar(200)"
    authors.apply(AlterField("author", "name", models.CharField(max_length=5)))
    assert authors.rows("shop_author") == [(1, "Ann"), (2, "Bob"), (3, "Cy")]
    authors.assert_schema_matches_state()


def test_changing_the_type_converts_the_values(authors: Migrator) -> None:
    authors.apply(AddField("author", "age", models.IntegerField(default=42)))
    authors.apply(AlterField("author", "age", models.BigIntegerField(default=42)))
    authors.apply(AlterField("author", "age", models.CharField(max_length=5, default="42")))
    assert authors.rows("shop_author", "age") == [("42",)] * 3
    authors.assert_schema_matches_state()


#: the SQL making shop_author.nick NOT NULL with the default "it's" for its NULLs
FILL_NULLS_SQL = {
    "postgresql": [
        'UPDATE "shop_author" SET "nick" = \'it\'\'s\' WHERE "nick" IS NULL',
        'ALTER TABLE "shop_author" ALTER COLUMN "nick" SET NOT NULL',
    ],
    "mysql": [
        "UPDATE `shop_author` SET `nick` = 'it''s' WHERE `nick` IS NULL",
        "ALTER TABLE `shop_author` MODIFY `nick` varchar(10) NOT NULL",
    ],
}


def test_null_to_not_null_fills_nulls_with_the_default(authors: Migrator, backend: str) -> None:
    authors.apply(AddField("author", "nick", models.CharField(max_length=10, null=True)))
    authors.run_sql("UPDATE shop_author SET nick = 'b' WHERE id = 2")
    operation = AlterField("author", "nick", models.CharField(max_length=10, default="it's"))
    sql = authors.sql(operation)
    if backend == "sqlite":
        # the rebuild copies the rows with the default in place of NULL
        assert any("coalesce(\"nick\", 'it''s')" in statement for statement in sql)
    else:
        assert as_django_writes_it(sql) == FILL_NULLS_SQL[backend]
    authors.apply(operation)
    assert authors.rows("shop_author", "id, nick") == [(1, "it's"), (2, "b"), (3, "it's")]
    assert authors.snapshot()["shop_author"].columns["nick"].nullable is False
    assert authors.column_default("shop_author", "nick") is None
    authors.assert_schema_matches_state()
    authors.apply(AlterField("author", "nick", models.CharField(max_length=10, null=True)))
    authors.assert_schema_matches_state()
    authors.run_sql("INSERT INTO shop_author (name) VALUES ('Di')")
    assert authors.rows("shop_author", "id, nick")[-1] == (4, None)


#: what the error says when a column holding NULLs is made NOT NULL without a default
NULLS_REMAIN_ERROR = {
    "sqlite": "NOT NULL constraint failed: nick",
    "postgresql": "contains null values",
    "mysql": "some rows hold NULL",
}


def test_null_to_not_null_without_default_fails_while_nulls_remain(
    authors: Migrator, backend: str
) -> None:
    authors.apply(AddField("author", "nick", models.CharField(max_length=10, null=True)))
    with pytest.raises(DatabaseError, match=NULLS_REMAIN_ERROR[backend]):
        authors.apply(AlterField("author", "nick", models.CharField(max_length=10)))
    assert authors.snapshot()["shop_author"].columns["nick"].nullable is True


def test_renaming_a_field_renames_the_column_in_place(authors: Migrator, backend: str) -> None:
    operation = RenameField("author", "name", "full_name")
    assert as_django_writes_it(authors.sql(operation)) == [
        quoted('ALTER TABLE "shop_author" RENAME COLUMN "name" TO "full_name"', backend)
    ]
    authors.apply(operation)
    assert authors.rows("shop_author", "id, full_name") == [(1, "Ann"), (2, "Bob"), (3, "Cy")]
    authors.assert_schema_matches_state()


def test_renaming_an_indexed_column_renames_its_generated_index(
    migrator: Migrator, backend: str
) -> None:
    migrator.apply(CreateModel("Tag", [auto_pk(), ("slug", models.SlugField())]))
    migrator.apply(RenameField("tag", "slug", "handle"))
    new_name = generated_index(backend, "shop_tag", ["handle"])
    assert migrator.snapshot()["shop_tag"].indexes == {
        new_name: IndexInfo(new_name, ("handle",)),
        **like_indexes(backend, "shop_tag", "handle"),
    }
    migrator.assert_schema_matches_state()
    # the old name is free again for a new field
    migrator.apply(AddField("tag", "slug", models.SlugField(null=True)))
    migrator.assert_schema_matches_state()


def test_renaming_a_table_renames_its_generated_indexes(migrator: Migrator, backend: str) -> None:
    migrator.apply(CreateModel("Tag", [auto_pk(), ("slug", models.SlugField())]))
    migrator.apply(AlterModelTable("tag", "labels"))
    new_name = generated_index(backend, "labels", ["slug"])
    assert migrator.snapshot()["labels"].indexes == {
        new_name: IndexInfo(new_name, ("slug",)),
        **like_indexes(backend, "labels", "slug"),
    }
    migrator.assert_schema_matches_state()


def test_renaming_a_foreign_key_keeps_its_rows_and_reference(migrator: Migrator) -> None:
    migrator.apply(
        author_model(),
        CreateModel("Book", [auto_pk(), ("author", fk("shop.author"))]),
    )
    migrator.run_sql("INSERT INTO shop_author (name) VALUES ('Ann')")
    migrator.run_sql("INSERT INTO shop_book (author_id) VALUES (1)")
    migrator.apply(RenameField("book", "author", "writer"))
    assert migrator.rows("shop_book") == [(1, 1)]
    book = migrator.snapshot()["shop_book"]
    assert book.foreign_keys == {ForeignKeyInfo("writer_id", "shop_author", "id")}
    migrator.assert_schema_matches_state()


def test_renaming_and_widening_a_primary_key_keeps_the_references_to_it(
    migrator: Migrator,
) -> None:
    migrator.apply(
        CreateModel("Tag", [("code", models.CharField(max_length=5, primary_key=True))]),
        CreateModel("Item", [auto_pk(), ("tag", fk("shop.tag"))]),
    )
    migrator.run_sql("INSERT INTO shop_tag VALUES ('a')")
    migrator.run_sql("INSERT INTO shop_item (tag_id) VALUES ('a')")
    migrator.apply(RenameField("tag", "code", "key"))
    item = migrator.snapshot()["shop_item"]
    assert item.foreign_keys == {ForeignKeyInfo("tag_id", "shop_tag", "key")}
    migrator.apply(AlterField("tag", "key", models.CharField(max_length=9, primary_key=True)))
    assert migrator.snapshot()["shop_item"].columns["tag_id"].type == "varchar(9)"
    assert migrator.rows("shop_item") == [(1, "a")]
    migrator.assert_schema_matches_state()


def test_an_inline_unique_constraint_is_found_by_its_columns(migrator: Migrator) -> None:
    migrator.apply(author_model(("code", models.CharField(max_length=5, unique=True))))
    migrator.apply(RenameField("author", "code", "key"), AlterModelTable("author", "writers"))
    migrator.apply(AlterField("author", "key", models.CharField(max_length=5)))
    assert migrator.snapshot()["writers"].unique == set()
    migrator.assert_schema_matches_state()


def test_changing_only_non_schema_options_runs_nothing(authors: Migrator) -> None:
    authors.apply(AddField("author", "kind", models.CharField(max_length=1, default="a")))
    operation = AlterField(
        "author",
        "kind",
        models.CharField(
            "sort",
            max_length=1,
            default="b",
            choices=[("a", "A"), ("b", "B")],
            help_text="what",
            blank=True,
        ),
    )
    assert authors.sql(operation) == []


def test_django_options_without_schema_run_nothing(authors: Migrator) -> None:
    authors.apply(AddField("author", "kind", models.CharField(max_length=1, default="a")))
    operation = AlterField(
        "author",
        "kind",
        models.CharField(
            max_length=1,
            default="a",
            validators=[validators.RegexValidator("^[ab]$")],
            error_messages={"invalid": "a or b"},
            unique_for_year="born",
            editable=False,
            serialize=False,
            db_tablespace="fast",
        ),
    )
    assert authors.sql(operation) == []
    authors.apply(operation)
    authors.assert_schema_matches_state()


#: what the database says of a second row with the same value in a unique column
DUPLICATE_ERROR = {
    "sqlite": "UNIQUE constraint failed",
    "postgresql": "duplicate key",
    "mysql": "Duplicate entry",
}


def test_unique_on_and_off(authors: Migrator, backend: str) -> None:
    operation = AlterField("author", "name", models.CharField(max_length=20, unique=True))
    if backend != "sqlite":
        name = generated_index(backend, "shop_author", ["name"], "_uniq")
        like = [
            f'CREATE INDEX "{like_name}" ON "shop_author" ("name" varchar_pattern_ops)'
            for like_name in like_indexes(backend, "shop_author", "name")
        ]
        assert as_django_writes_it(authors.sql(operation)) == [
            quoted(f'ALTER TABLE "shop_author" ADD CONSTRAINT "{name}" UNIQUE ("name")', backend),
            *like,
        ]
    authors.apply(operation)
    assert authors.snapshot()["shop_author"].unique == {("name",)}
    authors.assert_schema_matches_state()
    with pytest.raises(Exception, match=DUPLICATE_ERROR[backend]):
        authors.run_sql("INSERT INTO shop_author (name) VALUES ('Ann')")
    authors.apply(AlterField("author", "name", models.CharField(max_length=20)))
    assert authors.snapshot()["shop_author"].unique == set()
    authors.run_sql("INSERT INTO shop_author (name) VALUES ('Ann')")
    assert len(authors.rows("shop_author")) == 4
    authors.assert_schema_matches_state()


#: what the error says when a column holding the same value twice is made unique
DUPLICATE_VALUES_ERROR = {
    "sqlite": ("duplicate values", "UNIQUE constraint failed: name"),
    "postgresql": ("could not create unique index", "duplicated"),
    "mysql": (
        "Duplicate entry 'Ann'",
        "ADD CONSTRAINT `shop_author_name_0200c809_uniq` UNIQUE (`name`)",
    ),
}


def test_unique_on_duplicate_rows_fails_without_losing_data(
    authors: Migrator, backend: str
) -> None:
    authors.run_sql("INSERT INTO shop_author (name) VALUES ('Ann')")
    before_schema, before_rows = authors.snapshot(), authors.rows("shop_author")
    with pytest.raises(DatabaseError) as info:
        authors.apply(AlterField("author", "name", models.CharField(max_length=20, unique=True)))
    for fragment in DUPLICATE_VALUES_ERROR[backend]:
        assert fragment in str(info.value)
    assert authors.snapshot() == before_schema
    assert authors.rows("shop_author") == before_rows


def test_db_index_on_and_off(authors: Migrator, backend: str) -> None:
    name = generated_index(backend, "shop_author", ["name"])
    operation = AlterField("author", "name", models.CharField(max_length=20, db_index=True))
    alters_in_place = backend != "sqlite"  # SQLite rebuilds the table
    if alters_in_place:
        like = [
            f'CREATE INDEX "{like_name}" ON "shop_author" ("name" varchar_pattern_ops)'
            for like_name in like_indexes(backend, "shop_author", "name")
        ]
        assert as_django_writes_it(authors.sql(operation)) == [
            quoted(f'CREATE INDEX "{name}" ON "shop_author" ("name")', backend),
            *like,
        ]
    authors.apply(operation)
    assert sorted(authors.snapshot()["shop_author"].indexes) == sorted(
        [name, *like_indexes(backend, "shop_author", "name")]
    )
    operation = AlterField("author", "name", models.CharField(max_length=20))
    if alters_in_place:
        drops = [name, *like_indexes(backend, "shop_author", "name")]
        assert as_django_writes_it(authors.sql(operation)) == [
            DROP_INDEX[backend].format(name=dropped, table="shop_author") for dropped in drops
        ]
    authors.apply(operation)
    assert authors.snapshot()["shop_author"].indexes == {}
    assert authors.rows("shop_author") == [(1, "Ann"), (2, "Bob"), (3, "Cy")]
    authors.assert_schema_matches_state()


# -- tables, unique_together, indexes ----------------------------------------------------------

#: how an index is dropped
DROP_INDEX = {
    "sqlite": 'DROP INDEX "{name}"',
    "postgresql": 'DROP INDEX "{name}"',
    # MariaDB's DROP INDEX ... ON takes no ALGORITHM clause, ALTER TABLE does
    "mysql": "ALTER TABLE `{table}` DROP INDEX `{name}`",
}


def test_renaming_a_table_keeps_rows_references_and_renames_indexes(
    books: Migrator, backend: str
) -> None:
    books.apply(AlterModelTable("author", "writers"), AlterModelTable("book", "volumes"))
    assert books.rows("writers") == [(1, "Ann"), (2, "Bob"), (3, "Cy")]
    assert books.snapshot()["volumes"].foreign_keys == {
        ForeignKeyInfo("author_id", "writers", "id")
    }
    fk_indexes = [] if backend == "mysql" else [generated_index(backend, "volumes", ["author_id"])]
    assert list(books.snapshot()["volumes"].indexes) == fk_indexes
    books.assert_schema_matches_state()
    with pytest.raises(Exception, match=MISSING_ROW_ERROR[backend]):
        books.run_sql("INSERT INTO volumes (author_id) VALUES (99)")


#: the SQL adding a unique_together of (name, age)
ADD_UNIQUE_TOGETHER = {
    "sqlite": 'CREATE UNIQUE INDEX "{name}" ON "shop_author" ("name", "age")',
    "postgresql": 'ALTER TABLE "shop_author" ADD CONSTRAINT "{name}" UNIQUE ("name", "age")',
    "mysql": "ALTER TABLE `shop_author` ADD CONSTRAINT `{name}` UNIQUE (`name`, `age`)",
}


def test_unique_together_is_added_changed_and_removed(authors: Migrator, backend: str) -> None:
    authors.apply(AddField("author", "age", models.IntegerField(default=1)))
    name = generated_index(backend, "shop_author", ["name", "age"], "_uniq")
    operation = AlterUniqueTogether("author", [("name", "age")])
    assert as_django_writes_it(authors.sql(operation)) == [
        ADD_UNIQUE_TOGETHER[backend].format(name=name)
    ]
    authors.apply(operation)
    assert authors.snapshot()["shop_author"].unique == {("name", "age")}
    authors.assert_schema_matches_state()
    authors.apply(AlterUniqueTogether("author", [("age", "name")]))
    assert authors.snapshot()["shop_author"].unique == {("age", "name")}
    authors.apply(RenameField("author", "age", "years"))
    authors.assert_schema_matches_state()
    authors.apply(AlterUniqueTogether("author", []))
    assert authors.snapshot()["shop_author"].unique == set()
    authors.assert_schema_matches_state()


def test_indexes_are_added_and_removed(authors: Migrator, backend: str) -> None:
    index = models.Index(fields=["-name", "id"], name="author_name_desc")
    assert as_django_writes_it(authors.sql(AddIndex("author", index))) == [
        quoted('CREATE INDEX "author_name_desc" ON "shop_author" ("name" DESC, "id")', backend)
    ]
    authors.apply(AddIndex("author", index))
    authors.assert_schema_matches_state()
    assert as_django_writes_it(authors.sql(RemoveIndex("author", "author_name_desc"))) == [
        DROP_INDEX[backend].format(name="author_name_desc", table="shop_author")
    ]
    authors.apply(RemoveIndex("author", "author_name_desc"))
    assert authors.snapshot()["shop_author"].indexes == {}
    authors.assert_schema_matches_state()


def test_deleting_models_drops_their_tables(books: Migrator, backend: str) -> None:
    assert books.sql(DeleteModel("Book")) == [quoted('DROP TABLE "shop_book"', backend)]
    books.apply(DeleteModel("Book"), DeleteModel("Author"))
    assert books.snapshot().tables == {}


# -- transactions and RunSQL -------------------------------------------------------------------

#: what the error says (patterns) when a migration makes a column with the same value twice
#: unique, on the backends whose DDL runs in the migration's transaction
MIGRATION_DUPLICATES_ERROR = {
    "sqlite": ("duplicate values", "UNIQUE constraint failed: name"),
    "postgresql": (r"could not create unique index(.|\n)*duplicated",),
}


@pytest.mark.backends("sqlite", "postgresql")
def test_a_failing_operation_rolls_the_whole_migration_back(
    authors: Migrator, backend: str
) -> None:
    authors.run_sql("INSERT INTO shop_author (name) VALUES ('Ann')")
    before_schema, before_rows = authors.snapshot(), authors.rows("shop_author")
    with pytest.raises(DatabaseError) as info:
        authors.apply(
            AddField("author", "age", models.IntegerField(default=3)),
            CreateModel("Other", [auto_pk()]),
            AlterField("author", "name", models.CharField(max_length=20, unique=True)),
        )
    for pattern in MIGRATION_DUPLICATES_ERROR[backend]:
        assert re.search(pattern, str(info.value))
    assert authors.snapshot() == before_schema
    assert authors.rows("shop_author") == before_rows
    assert not authors.connection.in_transaction()
    if backend == "sqlite":
        assert authors.run_sql("PRAGMA foreign_keys") == [(1,)]


@pytest.mark.backends("sqlite", "postgresql")
def test_ddl_and_data_of_a_migration_commit_together(migrator: Migrator) -> None:
    migrator.apply(author_model())
    with pytest.raises(RuntimeError, match="stop"), schema_editor(migrator.connection) as editor:
        editor.execute("INSERT INTO shop_author (name) VALUES ('Ann')")
        editor.execute('CREATE TABLE "t" ("a" integer)')
        raise RuntimeError("stop")
    assert migrator.rows("shop_author") == []
    assert "t" not in migrator.snapshot()


@pytest.mark.backends("sqlite", "postgresql")
def test_the_editor_refuses_an_open_transaction(backend_connection: Connection) -> None:
    backend_connection.exec_driver_sql("SELECT 1")
    assert backend_connection.in_transaction()
    with (
        pytest.raises(RuntimeError, match="commit or roll back first"),
        schema_editor(backend_connection),
    ):
        pass
    backend_connection.rollback()


def test_a_non_atomic_migration_commits_each_operation(migrator: Migrator) -> None:
    migrator.apply(author_model())
    with pytest.raises(DatabaseError, match="nowhere"):
        migrator.apply(
            AddField("author", "age", models.IntegerField(default=3)),
            RunSQL("INSERT INTO shop_author (name, age) VALUES ('Ann', 1)"),
            RunSQL("INSERT INTO nowhere VALUES (1)"),
            atomic=False,
        )
    assert "age" in migrator.snapshot()["shop_author"].columns
    assert migrator.rows("shop_author") == [(1, "Ann", 1)]
    assert not migrator.connection.in_transaction()


def test_run_sql_splits_statements_and_binds_params(authors: Migrator) -> None:
    authors.apply(
        RunSQL(
            "INSERT INTO shop_author (name) VALUES ('a;b'); -- a comment; with a semicolon\n"
            "INSERT INTO shop_author (name) VALUES ('100%');"
        ),
        RunSQL([("UPDATE shop_author SET name = %s WHERE id = %s", ["it's 100%", 1])]),
    )
    assert authors.rows("shop_author", "id, name") == [
        (1, "it's 100%"),
        (2, "Bob"),
        (3, "Cy"),
        (4, "a;b"),
        (5, "100%"),
    ]
    sql = authors.sql(RunSQL([("UPDATE shop_author SET name = %s WHERE id = %s", ["o'k", 2])]))
    assert sql == ["UPDATE shop_author SET name = 'o''k' WHERE id = 2"]


def test_collecting_sql_touches_nothing(authors: Migrator, backend: str) -> None:
    before_schema, before_rows = authors.snapshot(), authors.rows("shop_author")
    sql = authors.sql(
        AddField("author", "age", models.IntegerField(default=3)),
        AlterField("author", "name", models.CharField(max_length=5, unique=True)),
        CreateModel("Book", [auto_pk()]),
        DeleteModel("Author"),
    )
    if backend == "sqlite":
        assert sql[0].startswith('ALTER TABLE "shop_author" ADD COLUMN "age"')
        assert sql[1].startswith('CREATE TABLE "new__shop_author"')
    assert sql[-1] == quoted('DROP TABLE "shop_author"', backend)
    assert authors.snapshot() == before_schema
    assert authors.rows("shop_author") == before_rows
    assert not authors.connection.in_transaction()


# -- defaults written into existing rows -------------------------------------------------------

NASTY_TEXT = 'it\'s; DROP TABLE shop_author; -- \\ "q" 100% %s \u00e9\u4e2d\U0001f600 end'
AWARE = datetime.datetime(2024, 1, 1, 12, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))
NAIVE = datetime.datetime(2024, 1, 1, 1, 2, 3, 4)
BYTES = b"\x00'\\\xff"

#: a field's default and the value each backend then holds in every existing row:
#: (field class, options, default, stored on sqlite, on postgresql, on mysql)
STORED_DEFAULTS = {
    "char": (models.CharField, {"max_length": 99}, NASTY_TEXT, NASTY_TEXT, NASTY_TEXT, NASTY_TEXT),
    "text": (models.TextField, {}, NASTY_TEXT, NASTY_TEXT, NASTY_TEXT, NASTY_TEXT),
    "empty text": (models.TextField, {}, "", "", "", ""),
    "integer": (models.IntegerField, {}, -7, -7, -7, -7),
    "boolean": (models.BooleanField, {}, True, 1, True, 1),
    "float": (models.FloatField, {}, 0.1, 0.1, 0.1, 0.1),
    "decimal": (
        models.DecimalField,
        {"max_digits": 5, "decimal_places": 2},
        decimal.Decimal("1.50"),
        1.5,
        decimal.Decimal("1.50"),
        decimal.Decimal("1.50"),
    ),
    "decimal from float": (
        models.DecimalField,
        {"max_digits": 5, "decimal_places": 2},
        1.5,
        1.5,
        decimal.Decimal("1.50"),
        decimal.Decimal("1.50"),
    ),
    "date": (
        models.DateField,
        {},
        datetime.date(2024, 2, 29),
        "2024-02-29",
        datetime.date(2024, 2, 29),
        datetime.date(2024, 2, 29),
    ),
    "aware datetime": (
        models.DateTimeField,
        {},
        AWARE,
        "2024-01-01 10:00:00",
        datetime.datetime(2024, 1, 1, 10, tzinfo=datetime.UTC),
        datetime.datetime(2024, 1, 1, 10, 0),
    ),
    "naive datetime": (
        models.DateTimeField,
        {},
        NAIVE,
        "2024-01-01 01:02:03.000004",
        NAIVE.replace(tzinfo=datetime.UTC),
        NAIVE,
    ),
    "time": (
        models.TimeField,
        {},
        datetime.time(13, 30),
        "13:30:00",
        datetime.time(13, 30),
        datetime.timedelta(hours=13, minutes=30),
    ),
    "duration": (
        models.DurationField,
        {},
        datetime.timedelta(days=1, microseconds=5),
        86_400_000_005,
        datetime.timedelta(days=1, microseconds=5),
        86_400_000_005,
    ),
    "uuid": (
        models.UUIDField,
        {},
        uuid.UUID(int=255),
        "000000000000000000000000000000ff",
        uuid.UUID(int=255),
        "000000000000000000000000000000ff",
    ),
    "binary": (models.BinaryField, {}, BYTES, BYTES, BYTES, BYTES),
    "json": (
        models.JSONField,
        {},
        {"a": [1, "b'c%"]},
        '{"a": [1, "b\'c%"]}',
        {"a": [1, "b'c%"]},
        '{"a": [1, "b\'c%"]}',
    ),
}


def stored_values(rows: list[tuple[Any, ...]]) -> list[Any]:
    """The first value of each row, a binary value (PostgreSQL: memoryview) as bytes."""
    return [bytes(value) if isinstance(value, memoryview) else value for value, *_ in rows]


@pytest.mark.parametrize("case", list(STORED_DEFAULTS))
def test_defaults_are_stored_exactly(authors: Migrator, backend: str, case: str) -> None:
    field_class, options, default, *stored = STORED_DEFAULTS[case]
    authors.apply(AddField("author", "value", field_class(default=default, **options)))
    expected = stored[BACKEND_COLUMN[backend] - 1]
    if case == "uuid" and native_uuid(authors):
        expected = str(default)  # MariaDB's uuid type reads back hyphenated
    assert stored_values(authors.rows("shop_author", "value")) == [expected] * 3
    authors.assert_schema_matches_state()


@pytest.mark.backends("sqlite", "postgresql")
@pytest.mark.parametrize("infinity", [float("inf"), float("-inf")])
def test_an_infinite_float_is_stored_exactly(authors: Migrator, infinity: float) -> None:
    authors.apply(AddField("author", "value", models.FloatField(default=infinity)))
    assert authors.rows("shop_author", "value") == [(infinity,)] * 3
