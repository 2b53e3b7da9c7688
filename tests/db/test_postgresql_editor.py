"""The PostgreSQL schema editor on a real server: the schema it builds, the SQL it writes, and
that every change keeps the rows, with the live schema equal to the migration state after
each step."""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any

import pytest
from sqlalchemy.dialects.postgresql import psycopg
from sqlalchemy.engine import Connection
from support.migrator import Migrator as BaseMigrator
from support.migrator import author_model, collect_sql, tutorial_operations
from support.states import auto_pk, fk

from schemashift import models
from schemashift.db.backends.alter_table import AlterTableSchemaEditor
from schemashift.db.backends.postgresql import PostgreSQLSchemaEditor
from schemashift.db.connection import schema_editor
from schemashift.db.introspection import ColumnInfo, ForeignKeyInfo, IndexInfo
from schemashift.exceptions import DatabaseError, ModelDefinitionError
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
    RenameModel,
    RunSQL,
)
from schemashift.utils.names import index_name

pytestmark = pytest.mark.backends("postgresql")


class Migrator(BaseMigrator):
    """The shared migrator, checking the live schema against the state after every migration;
    with readers of PostgreSQL's catalog."""

    checks_schema_after_apply = True

    def constraints(self, table: str) -> dict[str, str]:
        """name -> definition of the table's constraints, as pg_get_constraintdef writes it."""
        rows = self.run_sql(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass",
            (f'"{table}"',),
        )
        return dict(rows)

    def column_default(self, table: str, column: str) -> Any:
        return self.run_sql(
            "SELECT column_default FROM information_schema.columns "
            "WHERE table_name = %s AND column_name = %s",
            (table, column),
        )[0][0]


@pytest.fixture
def connection(backend_connection: Connection) -> Connection:
    return backend_connection


@pytest.fixture
def migrator(connection: Connection) -> Migrator:
    return Migrator(connection)


@pytest.fixture
def authors(migrator: Migrator) -> Migrator:
    """shop_author(id, name) holding three rows."""
    return migrator.add_authors()


# -- CREATE TABLE --------------------------------------------------------------------------

FIELD_TYPES = [
    (models.CharField(max_length=30), "varchar(30)", None),
    (models.SlugField(), "varchar(50)", None),
    (models.EmailField(), "varchar(254)", None),
    (models.URLField(), "varchar(200)", None),
    (models.TextField(), "text", None),
    (models.IntegerField(), "integer", None),
    (models.SmallIntegerField(), "smallint", None),
    (models.BigIntegerField(), "bigint", None),
    (models.PositiveIntegerField(), "integer", 'CHECK ("f" >= 0)'),
    (models.PositiveSmallIntegerField(), "smallint", 'CHECK ("f" >= 0)'),
    (models.PositiveBigIntegerField(), "bigint", 'CHECK ("f" >= 0)'),
    (models.BooleanField(), "boolean", None),
    (models.FloatField(), "double precision", None),
    (models.DecimalField(max_digits=5, decimal_places=2), "numeric(5, 2)", None),
    (models.DateField(), "date", None),
    (models.DateTimeField(), "timestamp with time zone", None),
    (models.TimeField(), "time", None),
    (models.DurationField(), "interval", None),
    (models.UUIDField(), "uuid", None),
    (models.BinaryField(), "bytea", None),
    (models.JSONField(), "jsonb", None),
]


@pytest.mark.parametrize(
    ("field", "declared", "check"), FIELD_TYPES, ids=[type(f[0]).__name__ for f in FIELD_TYPES]
)
def test_every_field_type_gets_djangos_declared_type(
    migrator: Migrator, field: models.Field, declared: str, check: str | None
) -> None:
    operation = CreateModel("Thing", [auto_pk(), ("f", field)])
    definition = f'"f" {declared} NOT NULL' + (f" {check}" if check else "")
    assert definition in migrator.sql(operation)[0]
    migrator.apply(operation)
    assert migrator.snapshot()["shop_thing"].columns["f"] == ColumnInfo("f", declared, False)
    checks = [d for d in migrator.constraints("shop_thing").values() if d.startswith("CHECK")]
    assert checks == (["CHECK ((f >= 0))"] if check else [])


@pytest.mark.parametrize(
    ("auto_field", "declared"),
    [
        (models.AutoField, "integer"),
        (models.BigAutoField, "bigint"),
        (models.SmallAutoField, "smallint"),
    ],
)
def test_auto_primary_keys_are_identity_columns_and_foreign_keys_take_their_plain_type(
    migrator: Migrator, auto_field: type[models.Field], declared: str
) -> None:
    operations = (
        CreateModel("Target", [("id", auto_field(primary_key=True))]),
        CreateModel("Source", [auto_pk(), ("target", fk("shop.target"))]),
    )
    sql = migrator.sql(*operations)
    assert sql[0] == (
        f'CREATE TABLE "shop_target" ("id" {declared} NOT NULL PRIMARY KEY '
        "GENERATED BY DEFAULT AS IDENTITY)"
    )
    assert f'"target_id" {declared} NOT NULL)' in sql[1]
    migrator.apply(*operations)
    migrator.run_sql("INSERT INTO shop_target DEFAULT VALUES")
    migrator.run_sql("INSERT INTO shop_source (target_id) VALUES (1)")
    assert migrator.rows("shop_source") == [(1, 1)]
    identity = migrator.run_sql(
        "SELECT attidentity FROM pg_attribute WHERE attrelid = 'shop_target'::regclass "
        "AND attname = 'id'"
    )
    assert identity == [("d",)]


def test_the_tutorial_models_get_djangos_exact_sql(migrator: Migrator) -> None:
    operations = tutorial_operations()
    # No database needed: the editor can collect SQL with only a dialect.
    collector = PostgreSQLSchemaEditor(dialect=psycopg.dialect(), collect_sql=True)
    sql = collect_sql(collector, *operations)
    assert sql == [
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
    ]
    # what sqlmigrate prints runs as it is and builds the schema the state describes
    with migrator.connection.begin():
        migrator.connection.exec_driver_sql(";\n".join(sql) + ";")
    migrator.app = "polls"
    for operation in operations:
        operation.state_forwards("polls", migrator.state)
    migrator.assert_schema_matches_state()


def test_foreign_keys_are_deferred_until_the_migration_ends(authors: Migrator) -> None:
    authors.apply(CreateModel("Book", [auto_pk(), ("author", fk("shop.author"))]))
    name = "shop_book_author_id_" + index_name("shop_book", ["author_id"])[-8:]
    assert authors.constraints("shop_book")[f"{name}_fk_shop_author_id"] == (
        "FOREIGN KEY (author_id) REFERENCES shop_author(id) DEFERRABLE INITIALLY DEFERRED"
    )
    authors.apply(
        RunSQL("INSERT INTO shop_book (author_id) VALUES (42)"),
        RunSQL("INSERT INTO shop_author (id, name) VALUES (42, 'Late')"),
    )
    assert authors.rows("shop_book") == [(1, 42)]
    with pytest.raises(DatabaseError, match="Foreign key check failed, nothing was changed"):
        authors.apply(
            RunSQL("INSERT INTO shop_book (author_id) VALUES (99)"),
            AddField("author", "age", models.IntegerField(null=True)),
        )
    assert authors.rows("shop_book") == [(1, 42)]
    assert "age" not in authors.snapshot()["shop_author"].columns


def test_indexes_unique_constraints_and_meta_indexes(migrator: Migrator) -> None:
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
            ],
            options={
                "unique_together": [("title", "edition")],
                "indexes": [models.Index(fields=["-edition", "title"], name="book_recent")],
            },
        ),
    )
    book = migrator.snapshot()["shop_book"]
    assert book.unique == {("slug",), ("cover_id",), ("title", "edition")}
    uniq = index_name("shop_book", ["title", "edition"], "_uniq", 63)
    assert book.indexes[uniq] == IndexInfo(uniq, ("title", "edition"), unique=True)
    assert book.indexes["book_recent"] == IndexInfo(
        "book_recent", ("edition", "title"), orders=("DESC", "ASC")
    )
    assert {fk.column for fk in book.foreign_keys} == {"publisher_id", "cover_id"}
    assert not any("_like" in name for name in book.indexes)


# -- ADD COLUMN and DROP COLUMN ------------------------------------------------------------


def test_a_nullable_field_is_added_with_add_column(authors: Migrator) -> None:
    operation = AddField("author", "nick", models.CharField(max_length=10, null=True))
    assert authors.sql(operation) == [
        'ALTER TABLE "shop_author" ADD COLUMN "nick" varchar(10) NULL'
    ]
    authors.apply(operation)
    assert authors.rows("shop_author") == [(1, "Ann", None), (2, "Bob", None), (3, "Cy", None)]


def test_a_not_null_field_with_a_default_fills_rows_and_leaves_no_default(
    authors: Migrator,
) -> None:
    operation = AddField("author", "rating", models.IntegerField(default=5))
    assert authors.sql(operation) == [
        'ALTER TABLE "shop_author" ADD COLUMN "rating" integer DEFAULT 5 NOT NULL',
        'ALTER TABLE "shop_author" ALTER COLUMN "rating" DROP DEFAULT',
    ]
    authors.apply(operation)
    assert authors.rows("shop_author", "id, rating") == [(1, 5), (2, 5), (3, 5)]
    assert authors.column_default("shop_author", "rating") is None
    with pytest.raises(Exception, match="null value"):
        authors.run_sql("INSERT INTO shop_author (name) VALUES ('Di')")


def test_a_one_off_default_fills_rows_and_is_not_kept(authors: Migrator) -> None:
    authors.apply(AddField("author", "code", models.CharField(max_length=3, default="X"), False))
    assert [row[2] for row in authors.rows("shop_author")] == ["X", "X", "X"]
    assert authors.column_default("shop_author", "code") is None


def test_a_foreign_key_is_added_with_its_constraint_and_index(authors: Migrator) -> None:
    operation = AddField(
        "author", "mentor", models.ForeignKey("shop.author", models.SET_NULL, null=True)
    )
    fk = index_name("shop_author", ["mentor_id"], "_fk_shop_author_id", 63)
    assert authors.sql(operation) == [
        'ALTER TABLE "shop_author" ADD COLUMN "mentor_id" bigint NULL',
        f'ALTER TABLE "shop_author" ADD CONSTRAINT "{fk}" FOREIGN KEY ("mentor_id") '
        'REFERENCES "shop_author" ("id") DEFERRABLE INITIALLY DEFERRED',
        f'CREATE INDEX "{index_name("shop_author", ["mentor_id"])}" ON "shop_author" ("mentor_id")',
    ]
    authors.apply(operation)
    authors.run_sql("UPDATE shop_author SET mentor_id = 1 WHERE id = 2")
    authors.apply(RemoveField("author", "mentor"))
    assert authors.rows("shop_author") == [(1, "Ann"), (2, "Bob"), (3, "Cy")]


def test_a_not_null_field_without_default_cannot_be_added_to_rows(authors: Migrator) -> None:
    with pytest.raises(DatabaseError, match="contains null values"):
        authors.apply(AddField("author", "age", models.IntegerField()))
    assert authors.rows("shop_author") == [(1, "Ann"), (2, "Bob"), (3, "Cy")]


def test_removing_a_field_drops_its_unique_together_and_indexes(authors: Migrator) -> None:
    authors.apply(
        AddField("author", "age", models.IntegerField(default=1)),
        AlterUniqueTogether("author", [("name", "age")]),
        AddIndex("author", models.Index(fields=["age"], name="author_age")),
    )
    authors.apply(RemoveField("author", "age"))
    table = authors.snapshot()["shop_author"]
    assert table.indexes == {} and table.unique == set()
    assert authors.rows("shop_author") == [(1, "Ann"), (2, "Bob"), (3, "Cy")]


# -- ALTER COLUMN --------------------------------------------------------------------------


def test_a_wider_varchar_keeps_values(authors: Migrator) -> None:
    operation = AlterField("author", "name", models.CharField(max_length=40))
    assert authors.sql(operation) == [
        'ALTER TABLE "shop_author" ALTER COLUMN "name" TYPE varchar(40)'
    ]
    authors.apply(operation)
    assert authors.rows("shop_author") == [(1, "Ann"), (2, "Bob"), (3, "Cy")]


def test_a_new_kind_of_type_converts_with_using(authors: Migrator) -> None:
    authors.apply(AddField("author", "age", models.IntegerField(default=41)))
    operation = AlterField("author", "age", models.BigIntegerField(default=41))
    assert authors.sql(operation) == [
        'ALTER TABLE "shop_author" ALTER COLUMN "age" TYPE bigint USING "age"::bigint'
    ]
    authors.apply(operation)
    authors.run_sql("UPDATE shop_author SET age = %s WHERE id = 1", (2**40,))
    authors.apply(AlterField("author", "age", models.CharField(max_length=20, default="41")))
    assert authors.rows("shop_author", "id, age") == [(1, str(2**40)), (2, "41"), (3, "41")]


def test_not_null_fills_nulls_with_the_default_first(authors: Migrator) -> None:
    authors.apply(AddField("author", "nick", models.CharField(max_length=10, null=True)))
    authors.run_sql("UPDATE shop_author SET nick = 'b' WHERE id = 2")
    operation = AlterField("author", "nick", models.CharField(max_length=10, default="it's"))
    assert authors.sql(operation) == [
        'UPDATE "shop_author" SET "nick" = \'it\'\'s\' WHERE "nick" IS NULL',
        'ALTER TABLE "shop_author" ALTER COLUMN "nick" SET NOT NULL',
    ]
    authors.apply(operation)
    assert authors.rows("shop_author", "id, nick") == [(1, "it's"), (2, "b"), (3, "it's")]
    assert authors.column_default("shop_author", "nick") is None
    authors.apply(AlterField("author", "nick", models.CharField(max_length=10, null=True)))
    authors.run_sql("INSERT INTO shop_author (name) VALUES ('Di')")
    assert authors.rows("shop_author", "nick")[-1] == (None,)


def test_not_null_without_a_default_fails_on_nulls(authors: Migrator) -> None:
    authors.apply(AddField("author", "nick", models.CharField(max_length=10, null=True)))
    with pytest.raises(DatabaseError, match="contains null values"):
        authors.apply(AlterField("author", "nick", models.CharField(max_length=10)))
    assert authors.snapshot()["shop_author"].columns["nick"].nullable


def test_unique_on_and_off(authors: Migrator) -> None:
    name = index_name("shop_author", ["name"], "_uniq", 63)
    operation = AlterField("author", "name", models.CharField(max_length=20, unique=True))
    assert authors.sql(operation) == [
        f'ALTER TABLE "shop_author" ADD CONSTRAINT "{name}" UNIQUE ("name")'
    ]
    authors.apply(operation)
    assert authors.snapshot()["shop_author"].unique == {("name",)}
    authors.apply(AlterField("author", "name", models.CharField(max_length=20)))
    assert authors.snapshot()["shop_author"].unique == set()
    authors.run_sql("INSERT INTO shop_author (name) VALUES ('Ann')")
    assert len(authors.rows("shop_author")) == 4


def test_an_inline_unique_constraint_is_found_by_its_columns(migrator: Migrator) -> None:
    migrator.apply(author_model(("code", models.CharField(max_length=5, unique=True))))
    migrator.apply(RenameField("author", "code", "key"), AlterModelTable("author", "writers"))
    migrator.apply(AlterField("author", "key", models.CharField(max_length=5)))
    assert migrator.snapshot()["writers"].unique == set()


def test_db_index_on_and_off(authors: Migrator) -> None:
    name = index_name("shop_author", ["name"])
    operation = AlterField("author", "name", models.CharField(max_length=20, db_index=True))
    assert authors.sql(operation) == [f'CREATE INDEX "{name}" ON "shop_author" ("name")']
    authors.apply(operation)
    assert list(authors.snapshot()["shop_author"].indexes) == [name]
    operation = AlterField("author", "name", models.CharField(max_length=20))
    assert authors.sql(operation) == [f'DROP INDEX "{name}"']
    authors.apply(operation)
    assert authors.rows("shop_author") == [(1, "Ann"), (2, "Bob"), (3, "Cy")]


def test_a_positive_integer_gets_and_loses_its_check(authors: Migrator) -> None:
    authors.apply(AddField("author", "age", models.IntegerField(default=3)))
    authors.apply(AlterField("author", "age", models.PositiveIntegerField(default=3)))
    assert "CHECK ((age >= 0))" in authors.constraints("shop_author").values()
    with pytest.raises(Exception, match="check constraint"):
        authors.run_sql("UPDATE shop_author SET age = -1")
    authors.apply(AlterField("author", "age", models.IntegerField(default=3)))
    authors.run_sql("UPDATE shop_author SET age = -1 WHERE id = 1")
    assert authors.rows("shop_author", "age") == [(-1,), (3,), (3,)]


def test_a_foreign_key_on_retargeted_and_off(authors: Migrator) -> None:
    authors.apply(
        CreateModel("Editor", [auto_pk()]),
        CreateModel("Book", [auto_pk(), ("writer", models.IntegerField(default=1))]),
    )
    authors.run_sql("INSERT INTO shop_editor DEFAULT VALUES")
    authors.run_sql("INSERT INTO shop_book (writer) VALUES (1), (3)")
    authors.apply(AlterField("book", "writer", fk("shop.author", db_column="writer")))
    book = authors.snapshot()["shop_book"]
    assert book.foreign_keys == {ForeignKeyInfo("writer", "shop_author", "id")}
    with pytest.raises(DatabaseError, match="violates foreign key constraint"):
        authors.apply(
            AlterField(
                "book",
                "writer",
                fk("shop.editor", db_column="writer"),
            )
        )
    authors.run_sql("DELETE FROM shop_book WHERE writer = 3")
    authors.apply(AlterField("book", "writer", fk("shop.editor", db_column="writer")))
    assert authors.snapshot()["shop_book"].foreign_keys == {
        ForeignKeyInfo("writer", "shop_editor", "id")
    }
    authors.apply(
        AlterField(
            "book",
            "writer",
            fk("shop.editor", db_column="writer", db_constraint=False),
        )
    )
    assert authors.snapshot()["shop_book"].foreign_keys == set()
    authors.apply(AlterField("book", "writer", models.IntegerField(default=1)))
    assert authors.rows("shop_book") == [(1, 1)]


def test_a_primary_key_type_change_follows_into_foreign_keys(migrator: Migrator) -> None:
    migrator.apply(
        CreateModel("Tag", [("id", models.AutoField(primary_key=True))]),
        CreateModel(
            "Item",
            [
                auto_pk(),
                ("tag", fk("shop.tag")),
                ("parent", fk("shop.item", null=True)),
            ],
        ),
    )
    migrator.run_sql("INSERT INTO shop_tag DEFAULT VALUES")
    migrator.run_sql("INSERT INTO shop_item (tag_id) VALUES (1)")
    migrator.apply(AlterField("tag", "id", models.BigAutoField(primary_key=True)))
    item = migrator.snapshot()["shop_item"]
    assert item.columns["tag_id"].type == "bigint"
    assert item.foreign_keys == {
        ForeignKeyInfo("tag_id", "shop_tag", "id"),
        ForeignKeyInfo("parent_id", "shop_item", "id"),
    }
    migrator.run_sql("INSERT INTO shop_tag (id) VALUES (%s)", (2**40,))
    migrator.run_sql("INSERT INTO shop_item (tag_id) VALUES (%s)", (2**40,))
    assert migrator.rows("shop_item") == [(1, 1, None), (2, 2**40, None)]
    migrator.apply(AlterField("item", "id", models.AutoField(primary_key=True)))
    assert migrator.snapshot()["shop_item"].columns["parent_id"].type == "integer"


def test_a_char_primary_key_renamed_and_widened_keeps_its_references(migrator: Migrator) -> None:
    migrator.apply(
        CreateModel("Tag", [("code", models.CharField(max_length=5, primary_key=True))]),
        CreateModel("Item", [auto_pk(), ("tag", fk("shop.tag"))]),
    )
    migrator.run_sql("INSERT INTO shop_tag VALUES ('a')")
    migrator.run_sql("INSERT INTO shop_item (tag_id) VALUES ('a')")
    migrator.apply(RenameField("tag", "code", "key"))
    assert migrator.snapshot()["shop_item"].foreign_keys == {
        ForeignKeyInfo("tag_id", "shop_tag", "key")
    }
    migrator.apply(AlterField("tag", "key", models.CharField(max_length=9, primary_key=True)))
    assert migrator.snapshot()["shop_item"].columns["tag_id"].type == "varchar(9)"
    assert migrator.rows("shop_item") == [(1, "a")]


def test_an_integer_primary_key_becomes_an_identity_past_the_rows(migrator: Migrator) -> None:
    migrator.apply(CreateModel("Tag", [("id", models.IntegerField(primary_key=True))]))
    migrator.run_sql("INSERT INTO shop_tag VALUES (7)")
    migrator.apply(AlterField("tag", "id", models.AutoField(primary_key=True)))
    migrator.run_sql("INSERT INTO shop_tag DEFAULT VALUES")
    assert migrator.rows("shop_tag") == [(7,), (8,)]
    migrator.apply(AlterField("tag", "id", models.IntegerField(primary_key=True)))
    with pytest.raises(Exception, match="null value"):
        migrator.run_sql("INSERT INTO shop_tag DEFAULT VALUES")


# -- renames -------------------------------------------------------------------------------


def test_renaming_a_column_keeps_data_and_renames_its_generated_indexes(
    authors: Migrator,
) -> None:
    authors.apply(
        AddField("author", "age", models.IntegerField(default=4, db_index=True)),
        AlterUniqueTogether("author", [("name", "age")]),
    )
    operation = RenameField("author", "age", "years")
    sql = authors.sql(operation)
    assert sql[0] == 'ALTER TABLE "shop_author" RENAME COLUMN "age" TO "years"'
    authors.apply(operation)
    assert authors.rows("shop_author", "id, years") == [(1, 4), (2, 4), (3, 4)]
    assert set(authors.snapshot()["shop_author"].indexes) == {
        index_name("shop_author", ["years"]),
        index_name("shop_author", ["name", "years"], "_uniq"),
    }


def test_renaming_a_table_keeps_data_and_foreign_keys_follow(authors: Migrator) -> None:
    authors.apply(
        AddField("author", "nick", models.CharField(max_length=5, null=True, db_index=True)),
        CreateModel("Book", [auto_pk(), ("author", fk("shop.author"))]),
    )
    authors.run_sql("INSERT INTO shop_book (author_id) VALUES (2)")
    authors.apply(RenameModel("Author", "Writer"), AlterModelTable("writer", "Odd Writers"))
    assert authors.rows("Odd Writers", "id, name") == [(1, "Ann"), (2, "Bob"), (3, "Cy")]
    assert authors.snapshot()["shop_book"].foreign_keys == {
        ForeignKeyInfo("author_id", "Odd Writers", "id")
    }
    assert list(authors.snapshot()["Odd Writers"].indexes) == [index_name("Odd Writers", ["nick"])]
    authors.run_sql('INSERT INTO "Odd Writers" (name) VALUES (%s)', ("Di",))
    assert authors.rows("Odd Writers", "id")[-1] == (4,)


# -- names ---------------------------------------------------------------------------------


def test_long_names_fit_63_characters_with_a_stable_hash(migrator: Migrator) -> None:
    long_column = "a_rather_long_column_name_that_goes_on_and_on_and_on"
    migrator.apply(
        CreateModel(
            "Target",
            [auto_pk()],
            options={"db_table": "a_table_with_a_long_name_for_testing_identifier_limits"},
        ),
        CreateModel(
            "Source",
            [
                auto_pk(),
                (long_column, fk("shop.target", db_index=True)),
                ("other", models.IntegerField(default=0)),
            ],
            options={
                "db_table": "another_table_with_a_long_name_for_testing_the_limits",
                "unique_together": [(long_column, "other")],
            },
        ),
    )
    table = "another_table_with_a_long_name_for_testing_the_limits"
    column = f"{long_column}_id"
    live = migrator.snapshot()[table]
    expected = {
        index_name(table, [column], "", 63),
        index_name(table, [column, "other"], "_uniq", 63),
    }
    assert set(live.indexes) == expected
    assert all(len(name) <= 63 for name in expected)
    assert index_name(table, [column], "", 63) != index_name(table, [column], "", 200)
    fk_name = index_name(
        table, [column], "_fk_a_table_with_a_long_name_for_testing_identifier_limits_id", 63
    )
    assert len(fk_name) == 63 and fk_name in migrator.constraints(table)


# -- failures roll back everything ---------------------------------------------------------


def test_a_unique_failure_on_duplicates_rolls_the_whole_migration_back(
    authors: Migrator,
) -> None:
    authors.run_sql("INSERT INTO shop_author (name) VALUES ('Ann')")
    before_schema, before_rows = authors.snapshot(), authors.rows("shop_author")
    with pytest.raises(DatabaseError, match=r"could not create unique index(.|\n)*duplicated"):
        authors.apply(
            AddField("author", "age", models.IntegerField(default=3)),
            CreateModel("Other", [auto_pk()]),
            AlterField("author", "name", models.CharField(max_length=20, unique=True)),
        )
    assert authors.snapshot() == before_schema
    assert authors.rows("shop_author") == before_rows
    assert not authors.connection.in_transaction()


def test_a_non_atomic_migration_commits_each_operation(authors: Migrator) -> None:
    with pytest.raises(DatabaseError):
        authors.apply(
            AddField("author", "age", models.IntegerField(default=3)),
            RunSQL("INSERT INTO nowhere VALUES (1)"),
            atomic=False,
        )
    assert "age" in authors.snapshot()["shop_author"].columns


def test_indexes_and_unique_together_are_added_and_removed(authors: Migrator) -> None:
    index = models.Index(fields=["-name", "id"], name="author_name_desc")
    assert authors.sql(AddIndex("author", index)) == [
        'CREATE INDEX "author_name_desc" ON "shop_author" ("name" DESC, "id")'
    ]
    authors.apply(AddIndex("author", index), AlterUniqueTogether("author", [("name", "id")]))
    authors.apply(RemoveIndex("author", "author_name_desc"), AlterUniqueTogether("author", []))
    assert authors.snapshot()["shop_author"].indexes == {}
    authors.apply(DeleteModel("Author"))
    assert authors.snapshot().tables == {}


# -- values --------------------------------------------------------------------------------

NASTY_TEXT = 'it\'s; DROP TABLE shop_author; -- \\ "q" 100% %s \u00e9\u4e2d\U0001f600 end'


@pytest.mark.parametrize(
    ("field_class", "options", "value", "stored"),
    [
        (models.CharField, {"max_length": 99}, NASTY_TEXT, NASTY_TEXT),
        (models.TextField, {}, "", ""),
        (models.IntegerField, {}, -7, -7),
        (models.BooleanField, {}, True, True),
        (models.FloatField, {}, 0.1, 0.1),
        (models.FloatField, {}, float("-inf"), float("-inf")),
        (models.DecimalField, {"max_digits": 5, "decimal_places": 2}, 1.5, decimal.Decimal("1.50")),
        (models.DateField, {}, datetime.date(2024, 2, 29), datetime.date(2024, 2, 29)),
        (
            models.DateTimeField,
            {},
            datetime.datetime(
                2024, 1, 1, 12, tzinfo=datetime.timezone(datetime.timedelta(hours=2))
            ),
            datetime.datetime(2024, 1, 1, 10, tzinfo=datetime.UTC),
        ),
        (models.TimeField, {}, datetime.time(13, 30), datetime.time(13, 30)),
        (
            models.DurationField,
            {},
            datetime.timedelta(days=1, microseconds=5),
            datetime.timedelta(days=1, microseconds=5),
        ),
        (models.UUIDField, {}, uuid.UUID(int=255), uuid.UUID(int=255)),
        (models.BinaryField, {}, b"\x00'\\\xff", b"\x00'\\\xff"),
        (models.JSONField, {}, {"a": [1, "b'c%"]}, {"a": [1, "b'c%"]}),
    ],
)
def test_defaults_are_stored_exactly(
    authors: Migrator,
    field_class: type[models.Field],
    options: dict[str, Any],
    value: Any,
    stored: Any,
) -> None:
    authors.apply(AddField("author", "value", field_class(default=value, **options)))
    found = authors.rows("shop_author", "value")
    assert [bytes(v) if isinstance(v, memoryview) else v for (v,) in found] == [stored] * 3


def test_text_with_nul_cannot_be_a_default(authors: Migrator) -> None:
    with pytest.raises(ModelDefinitionError, match="NUL"):
        authors.apply(AddField("author", "value", models.TextField(default="a\x00b")))


def test_run_sql_binds_params_and_inlines_them_when_collected(authors: Migrator) -> None:
    update = ("UPDATE shop_author SET name = %s WHERE id = %s", ["it's 100%", 1])
    authors.apply(
        RunSQL("UPDATE shop_author SET name = name || '%' WHERE id = 2"), RunSQL([update])
    )
    assert authors.rows("shop_author") == [(1, "it's 100%"), (2, "Bob%"), (3, "Cy")]
    assert authors.sql(RunSQL([update])) == [
        "UPDATE shop_author SET name = 'it''s 100%' WHERE id = 1"
    ]


def test_live_constraints_from_the_catalog_match_the_inspector_s(migrator: Migrator) -> None:
    """The generic lookup through SQLAlchemy's Inspector, which other ALTER-based backends
    inherit, finds what PostgreSQL's own catalog query finds."""
    migrator.apply(
        author_model(
            ("code", models.CharField(max_length=5, unique=True)),
            ("age", models.PositiveIntegerField(db_index=True)),
            ("mentor", fk("shop.author", null=True)),
            unique_together=[("name", "age")],
            indexes=[models.Index(fields=["-age", "name"], name="author_recent")],
        )
    )
    with schema_editor(migrator.connection, collect_sql=True) as editor:
        from_catalog = editor.live_constraints("shop_author")
        from_inspector = AlterTableSchemaEditor.live_constraints(editor, "shop_author")
    assert sorted(from_catalog, key=repr) == sorted(from_inspector, key=repr)
    assert {(c.kind, c.columns) for c in from_catalog} == {
        ("primary_key", ("id",)),
        ("unique", ("code",)),
        ("unique", ("name", "age")),
        ("check", ("age",)),
        ("foreign_key", ("mentor_id",)),
        ("index", ("age",)),
        ("index", ("mentor_id",)),
        ("index", ("age", "name")),
    }
