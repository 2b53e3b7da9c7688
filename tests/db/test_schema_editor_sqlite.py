"""The SQLite schema editor on real database files: the schema it builds, the SQL it writes,
and that no row is lost or changed by anything but dropping its column or table."""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from support.backend_migrators import SQLiteMigrator
from support.migrator import author_model, collect_sql, tutorial_operations
from support.states import auto_pk, fk

from schemashift import models
from schemashift.db.backends.sqlite import SQLiteSchemaEditor
from schemashift.db.connection import Database, schema_editor
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

pytestmark = pytest.mark.backends("sqlite")


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
    (models.PositiveIntegerField(), "integer unsigned", 'CHECK ("f" >= 0)'),
    (models.PositiveSmallIntegerField(), "smallint unsigned", 'CHECK ("f" >= 0)'),
    (models.PositiveBigIntegerField(), "bigint unsigned", 'CHECK ("f" >= 0)'),
    (models.BooleanField(), "bool", None),
    (models.FloatField(), "real", None),
    (models.DecimalField(max_digits=5, decimal_places=2), "decimal", None),
    (models.DateField(), "date", None),
    (models.DateTimeField(), "datetime", None),
    (models.TimeField(), "time", None),
    (models.DurationField(), "bigint", None),
    (models.UUIDField(), "char(32)", None),
    (models.BinaryField(), "BLOB", None),
    (models.JSONField(), "text", 'CHECK ((JSON_VALID("f") OR "f" IS NULL))'),
]


@pytest.mark.parametrize(
    ("field", "declared", "check"), FIELD_TYPES, ids=[type(f[0]).__name__ for f in FIELD_TYPES]
)
def test_every_field_type_gets_djangos_declared_type(
    migrator: SQLiteMigrator, field: models.Field, declared: str, check: str | None
) -> None:
    migrator.apply(CreateModel("Thing", [auto_pk(), ("f", field)]))
    table = migrator.snapshot()["shop_thing"]
    assert table.columns["f"] == ColumnInfo("f", declared, nullable=False)
    definition = f'"f" {declared} NOT NULL' + (f" {check}" if check else "")
    assert definition in migrator.table_sql("shop_thing")
    migrator.assert_schema_matches_state()


@pytest.mark.parametrize(
    ("auto_field", "fk_type"),
    [
        (models.AutoField, "integer"),
        (models.BigAutoField, "bigint"),
        (models.SmallAutoField, "smallint"),
    ],
)
def test_auto_primary_keys_are_integer_autoincrement_and_foreign_keys_take_the_rel_type(
    migrator: SQLiteMigrator, auto_field: type[models.Field], fk_type: str
) -> None:
    migrator.apply(
        CreateModel("Target", [("id", auto_field(primary_key=True))]),
        CreateModel(
            "Source",
            [auto_pk(), ("target", fk("shop.target"))],
        ),
    )
    assert '"id" integer NOT NULL PRIMARY KEY AUTOINCREMENT' in migrator.table_sql("shop_target")
    assert (
        f'"target_id" {fk_type} NOT NULL REFERENCES "shop_target" ("id") '
        "DEFERRABLE INITIALLY DEFERRED" in migrator.table_sql("shop_source")
    )
    migrator.assert_schema_matches_state()


def test_foreign_keys_to_other_primary_keys_copy_their_type(migrator: SQLiteMigrator) -> None:
    migrator.apply(
        CreateModel("Code", [("code", models.CharField(max_length=5, primary_key=True))]),
        CreateModel("Token", [("token", models.UUIDField(primary_key=True))]),
        CreateModel("Number", [("n", models.PositiveIntegerField(primary_key=True))]),
        CreateModel(
            "Link",
            [
                auto_pk(),
                ("code", fk("shop.code")),
                ("token", fk("shop.token", null=True)),
                ("number", fk("shop.number")),
            ],
        ),
    )
    link = migrator.snapshot()["shop_link"]
    assert link.columns["code_id"].type == "varchar(5)"
    assert link.columns["token_id"] == ColumnInfo("token_id", "char(32)", nullable=True)
    assert link.columns["number_id"].type == "integer"
    assert ForeignKeyInfo("code_id", "shop_code", "code") in link.foreign_keys
    assert "CHECK" not in migrator.table_sql("shop_link")
    migrator.assert_schema_matches_state()


def test_the_tutorial_models_get_djangos_exact_sql() -> None:
    # No database needed: the editor can collect SQL with only a dialect.
    collector = SQLiteSchemaEditor(dialect=sqlite.dialect(), collect_sql=True)
    assert collect_sql(collector, *tutorial_operations()) == [
        'CREATE TABLE "polls_question" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, '
        '"question_text" varchar(200) NOT NULL, "pub_date" datetime NOT NULL)',
        'CREATE TABLE "polls_choice" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, '
        '"choice_text" varchar(200) NOT NULL, "votes" integer NOT NULL, "question_id" bigint '
        'NOT NULL REFERENCES "polls_question" ("id") DEFERRABLE INITIALLY DEFERRED)',
        'CREATE INDEX "polls_choice_question_id_c5b4b260" ON "polls_choice" ("question_id")',
    ]


def test_indexes_unique_constraints_and_meta_indexes(migrator: SQLiteMigrator) -> None:
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
    uniq = index_name("shop_book", ["title", "edition"], "_uniq")
    assert book.indexes == {
        uniq: IndexInfo(uniq, ("title", "edition"), unique=True),
        index_name("shop_book", ["isbn"]): IndexInfo(index_name("shop_book", ["isbn"]), ("isbn",)),
        index_name("shop_book", ["publisher_id"]): IndexInfo(
            index_name("shop_book", ["publisher_id"]), ("publisher_id",)
        ),
        index_name("shop_book", ["loose_id"]): IndexInfo(
            index_name("shop_book", ["loose_id"]), ("loose_id",)
        ),
        "book_recent": IndexInfo("book_recent", ("edition", "title"), orders=("DESC", "ASC")),
    }
    assert {fk.column for fk in book.foreign_keys} == {"publisher_id", "cover_id"}
    migrator.assert_schema_matches_state()


def test_unmanaged_models_get_no_table(migrator: SQLiteMigrator) -> None:
    operation = CreateModel("View", [auto_pk()], options={"managed": False})
    assert migrator.sql(operation) == []
    migrator.apply(operation, AddField("view", "x", models.IntegerField(null=True)))
    assert "shop_view" not in migrator.snapshot()
    migrator.assert_schema_matches_state()


def test_keywords_as_names_are_quoted_everywhere(migrator: SQLiteMigrator) -> None:
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
    migrator.run_sql('INSERT INTO "shop_order" ("select", "from") VALUES (1, \'a\')')
    migrator.apply(
        AddField("order", "where", models.IntegerField(default=7)),
        RenameField("order", "select", "table"),
        AlterField("order", "where", models.BigIntegerField(default=7)),
    )
    assert migrator.rows("shop_order", '"id", "table", "from", "where"') == [(1, 1, "a", 7)]
    # a renamed field moves last in the state, and an altered column last in a rebuild, as Django
    assert migrator.column_order("shop_order") == ["id", "from", "table", "where"]


# -- ADD COLUMN or rebuild -----------------------------------------------------------------


def test_a_nullable_field_is_added_with_add_column(authors: SQLiteMigrator) -> None:
    operation = AddField("author", "nick", models.CharField(max_length=10, null=True))
    assert authors.sql(operation) == [
        'ALTER TABLE "shop_author" ADD COLUMN "nick" varchar(10) NULL'
    ]
    authors.apply(operation)
    assert authors.rows("shop_author") == [(1, "Ann", None), (2, "Bob", None), (3, "Cy", None)]
    authors.assert_schema_matches_state()


def test_a_nullable_foreign_key_is_added_with_its_index(authors: SQLiteMigrator) -> None:
    operation = AddField(
        "author", "mentor", models.ForeignKey("shop.author", models.SET_NULL, null=True)
    )
    name = index_name("shop_author", ["mentor_id"])
    assert authors.sql(operation) == [
        'ALTER TABLE "shop_author" ADD COLUMN "mentor_id" bigint NULL REFERENCES '
        '"shop_author" ("id") DEFERRABLE INITIALLY DEFERRED',
        f'CREATE INDEX "{name}" ON "shop_author" ("mentor_id")',
    ]
    authors.apply(operation)
    authors.assert_schema_matches_state()


def test_a_field_with_a_default_fills_the_existing_rows(authors: SQLiteMigrator) -> None:
    authors.apply(AddField("author", "rating", models.IntegerField(default=5)))
    assert authors.rows("shop_author") == [(1, "Ann", 5), (2, "Bob", 5), (3, "Cy", 5)]
    # Python defaults are not kept in the database.
    assert "DEFAULT" not in authors.table_sql("shop_author")
    authors.assert_schema_matches_state()


def test_the_rebuild_sql_for_an_added_field(authors: SQLiteMigrator) -> None:
    sql = authors.sql(AddField("author", "rating", models.IntegerField(default=0)))
    assert sql == [
        'CREATE TABLE "new__shop_author" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, '
        '"name" varchar(20) NOT NULL, "rating" integer NOT NULL)',
        'INSERT INTO "new__shop_author" ("id", "name", "rating") SELECT "id", "name", 0 '
        'FROM "shop_author"',
        'DELETE FROM "sqlite_sequence" WHERE "name" = \'new__shop_author\'',
        'UPDATE "sqlite_sequence" SET "name" = \'new__shop_author\' WHERE "name" = \'shop_author\'',
        'DROP TABLE "shop_author"',
        'ALTER TABLE "new__shop_author" RENAME TO "shop_author"',
    ]


def test_a_one_off_default_fills_rows_and_is_not_kept(authors: SQLiteMigrator) -> None:
    authors.apply(AddField("author", "code", models.CharField(max_length=3, default="X"), False))
    assert [row[2] for row in authors.rows("shop_author")] == ["X", "X", "X"]
    assert not authors.state.get_model("shop", "author").get_field("code").has_default()
    authors.assert_schema_matches_state()


def test_a_blank_text_field_fills_rows_with_empty_strings(authors: SQLiteMigrator) -> None:
    authors.apply(
        AddField("author", "bio", models.TextField(blank=True)),
        AddField("author", "photo", models.BinaryField(blank=True)),
    )
    assert authors.rows("shop_author", "bio, photo") == [("", b"")] * 3


def test_auto_now_fields_fill_rows_with_the_current_utc_time(authors: SQLiteMigrator) -> None:
    before = datetime.datetime.now(datetime.UTC).replace(tzinfo=None, microsecond=0)
    authors.apply(
        AddField("author", "created", models.DateTimeField(auto_now_add=True)),
        AddField("author", "day", models.DateField(auto_now=True)),
    )
    created, day = authors.rows("shop_author", "created, day")[0]
    assert datetime.datetime.fromisoformat(created) >= before
    assert day == datetime.datetime.now(datetime.UTC).date().isoformat()


def test_a_not_null_field_without_default_cannot_be_added_to_rows(authors: SQLiteMigrator) -> None:
    with pytest.raises(DatabaseError, match='Rebuilding table "shop_author" failed') as info:
        authors.apply(AddField("author", "age", models.IntegerField()))
    assert "NOT NULL constraint failed: age" in str(info.value)
    assert "give the field a default" in str(info.value)
    assert authors.column_order("shop_author") == ["id", "name"]
    assert authors.rows("shop_author") == [(1, "Ann"), (2, "Bob"), (3, "Cy")]


def test_a_not_null_field_without_default_can_be_added_to_an_empty_table(
    migrator: SQLiteMigrator,
) -> None:
    migrator.apply(author_model(), AddField("author", "age", models.IntegerField()))
    assert migrator.snapshot()["shop_author"].columns["age"] == ColumnInfo(
        "age", "integer", nullable=False
    )


def test_a_unique_field_is_added_with_a_rebuild(authors: SQLiteMigrator) -> None:
    authors.apply(
        AddField("author", "code", models.CharField(max_length=5, null=True, unique=True))
    )
    assert authors.snapshot()["shop_author"].unique == {("code",)}
    assert authors.rows("shop_author", "id, code") == [(1, None), (2, None), (3, None)]


# -- DROP COLUMN or rebuild ----------------------------------------------------------------


def test_a_plain_field_is_removed_with_drop_column(authors: SQLiteMigrator) -> None:
    authors.apply(AddField("author", "age", models.IntegerField(default=30)))
    operation = RemoveField("author", "name")
    assert authors.sql(operation) == ['ALTER TABLE "shop_author" DROP COLUMN "name"']
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
def test_indexed_unique_and_related_fields_are_removed_with_a_rebuild(
    authors: SQLiteMigrator, field: models.Field
) -> None:
    authors.apply(AddField("author", "extra", field))
    sql = authors.sql(RemoveField("author", "extra"))
    assert sql[0].startswith('CREATE TABLE "new__shop_author"')
    authors.apply(RemoveField("author", "extra"))
    assert authors.rows("shop_author") == [(1, "Ann"), (2, "Bob"), (3, "Cy")]
    authors.assert_schema_matches_state()


def test_removing_a_field_drops_its_unique_together_and_indexes(authors: SQLiteMigrator) -> None:
    authors.apply(
        AddField("author", "age", models.IntegerField(default=1)),
        AlterUniqueTogether("author", [("name", "age")]),
        AddIndex("author", models.Index(fields=["age"], name="author_age")),
    )
    authors.apply(RemoveField("author", "age"))
    table = authors.snapshot()["shop_author"]
    assert table.indexes == {} and table.unique == set()
    assert authors.rows("shop_author") == [(1, "Ann"), (2, "Bob"), (3, "Cy")]
    authors.assert_schema_matches_state()


def test_removing_a_relation_named_by_its_attname_drops_its_unique_together_and_indexes(
    migrator: SQLiteMigrator,
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


# -- ALTER FIELD ---------------------------------------------------------------------------


def test_widening_a_char_field_keeps_the_values(authors: SQLiteMigrator) -> None:
    authors.apply(AlterField("author", "name", models.CharField(max_length=200)))
    assert authors.snapshot()["shop_author"].columns["name"].type == "varchar(200)"
    assert authors.rows("shop_author") == [(1, "Ann"), (2, "Bob"), (3, "Cy")]
    authors.assert_schema_matches_state()


def test_null_to_not_null_fills_nulls_with_the_default(authors: SQLiteMigrator) -> None:
    authors.apply(AddField("author", "nick", models.CharField(max_length=10, null=True)))
    authors.run_sql("UPDATE shop_author SET nick = 'bobby' WHERE id = 2")
    operation = AlterField("author", "nick", models.CharField(max_length=10, default="n/a"))
    assert any("coalesce(\"nick\", 'n/a')" in statement for statement in authors.sql(operation))
    authors.apply(operation)
    assert authors.rows("shop_author", "id, nick") == [(1, "n/a"), (2, "bobby"), (3, "n/a")]
    assert authors.snapshot()["shop_author"].columns["nick"].nullable is False


def test_null_to_not_null_without_default_fails_while_nulls_remain(authors: SQLiteMigrator) -> None:
    authors.apply(AddField("author", "nick", models.CharField(max_length=10, null=True)))
    with pytest.raises(DatabaseError, match="NOT NULL constraint failed: nick"):
        authors.apply(AlterField("author", "nick", models.CharField(max_length=10)))
    assert authors.snapshot()["shop_author"].columns["nick"].nullable is True


def test_renaming_a_field_renames_the_column_in_place(authors: SQLiteMigrator) -> None:
    operation = RenameField("author", "name", "full_name")
    assert authors.sql(operation) == [
        'ALTER TABLE "shop_author" RENAME COLUMN "name" TO "full_name"'
    ]
    authors.apply(operation)
    assert authors.rows("shop_author", "id, full_name") == [(1, "Ann"), (2, "Bob"), (3, "Cy")]
    authors.assert_schema_matches_state()


def test_renaming_an_indexed_column_renames_its_generated_index(migrator: SQLiteMigrator) -> None:
    migrator.apply(CreateModel("Tag", [auto_pk(), ("slug", models.SlugField())]))
    migrator.apply(RenameField("tag", "slug", "handle"))
    new_name = index_name("shop_tag", ["handle"])
    assert migrator.snapshot()["shop_tag"].indexes == {new_name: IndexInfo(new_name, ("handle",))}
    migrator.assert_schema_matches_state()
    # the old name is free again for a new field
    migrator.apply(AddField("tag", "slug", models.SlugField(null=True)))
    migrator.assert_schema_matches_state()


def test_renaming_a_table_renames_its_generated_indexes(migrator: SQLiteMigrator) -> None:
    migrator.apply(CreateModel("Tag", [auto_pk(), ("slug", models.SlugField())]))
    migrator.apply(AlterModelTable("tag", "labels"))
    new_name = index_name("labels", ["slug"])
    assert migrator.snapshot()["labels"].indexes == {new_name: IndexInfo(new_name, ("slug",))}
    migrator.assert_schema_matches_state()


def test_renaming_a_foreign_key_rebuilds_the_table(migrator: SQLiteMigrator) -> None:
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


def test_changing_only_non_schema_options_runs_nothing(authors: SQLiteMigrator) -> None:
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


def test_adding_and_removing_unique(authors: SQLiteMigrator) -> None:
    authors.apply(AlterField("author", "name", models.CharField(max_length=20, unique=True)))
    assert authors.snapshot()["shop_author"].unique == {("name",)}
    authors.assert_schema_matches_state()
    authors.apply(AlterField("author", "name", models.CharField(max_length=20)))
    assert authors.snapshot()["shop_author"].unique == set()
    assert authors.rows("shop_author") == [(1, "Ann"), (2, "Bob"), (3, "Cy")]
    authors.assert_schema_matches_state()


def test_adding_and_removing_db_index(authors: SQLiteMigrator) -> None:
    name = index_name("shop_author", ["name"])
    authors.apply(AlterField("author", "name", models.CharField(max_length=20, db_index=True)))
    assert set(authors.snapshot()["shop_author"].indexes) == {name}
    authors.apply(AlterField("author", "name", models.CharField(max_length=20)))
    assert authors.snapshot()["shop_author"].indexes == {}
    assert authors.rows("shop_author") == [(1, "Ann"), (2, "Bob"), (3, "Cy")]


def test_a_rebuild_moves_the_altered_column_last_and_self_references_after_it(
    migrator: SQLiteMigrator,
) -> None:
    migrator.apply(
        author_model(
            ("boss", fk("shop.author", null=True)),
            ("age", models.IntegerField(null=True)),
        )
    )
    migrator.apply(AlterField("author", "name", models.CharField(max_length=30)))
    assert migrator.column_order("shop_author") == ["id", "age", "name", "boss_id"]
    migrator.apply(AddField("author", "rank", models.IntegerField(default=0)))
    assert migrator.column_order("shop_author") == ["id", "name", "age", "rank", "boss_id"]


def test_changing_a_foreign_key_target(migrator: SQLiteMigrator) -> None:
    migrator.apply(
        author_model(),
        CreateModel("Editor", [("code", models.CharField(max_length=4, primary_key=True))]),
        CreateModel("Book", [auto_pk(), ("by", fk("shop.author"))]),
    )
    migrator.run_sql("INSERT INTO shop_author (name) VALUES ('Ann')")
    migrator.run_sql("INSERT INTO shop_book (by_id) VALUES (1)")
    migrator.run_sql("INSERT INTO shop_editor VALUES ('1')")
    migrator.apply(AlterField("book", "by", fk("shop.editor")))
    book = migrator.snapshot()["shop_book"]
    assert book.columns["by_id"].type == "varchar(4)"
    assert book.foreign_keys == {ForeignKeyInfo("by_id", "shop_editor", "code")}
    assert migrator.rows("shop_book", "id, by_id, typeof(by_id)") == [(1, "1", "text")]
    migrator.assert_schema_matches_state()


def test_changing_a_primary_key_type_rebuilds_the_tables_pointing_at_it(
    migrator: SQLiteMigrator,
) -> None:
    migrator.apply(
        author_model(),
        CreateModel("Book", [auto_pk(), ("author", fk("shop.author"))]),
    )
    migrator.run_sql("INSERT INTO shop_author (name) VALUES ('Ann')")
    migrator.run_sql("INSERT INTO shop_book (author_id) VALUES (1)")
    migrator.apply(AlterField("author", "id", models.SmallAutoField(primary_key=True)))
    assert migrator.snapshot()["shop_book"].columns["author_id"].type == "smallint"
    assert migrator.rows("shop_book") == [(1, 1)]
    migrator.assert_schema_matches_state()


def test_changing_the_type_keeps_values_sqlite_can_convert(authors: SQLiteMigrator) -> None:
    authors.apply(AddField("author", "age", models.CharField(max_length=3, default="42")))
    authors.apply(AlterField("author", "age", models.IntegerField(default=0)))
    assert authors.rows("shop_author", "age, typeof(age)") == [(42, "integer")] * 3


# -- tables, unique_together, indexes ------------------------------------------------------


def test_renaming_a_table_keeps_incoming_foreign_keys_valid(migrator: SQLiteMigrator) -> None:
    migrator.apply(
        author_model(),
        CreateModel("Book", [auto_pk(), ("author", fk("shop.author"))]),
    )
    migrator.run_sql("INSERT INTO shop_author (name) VALUES ('Ann')")
    migrator.run_sql("INSERT INTO shop_book (author_id) VALUES (1)")
    operation = AlterModelTable("author", "writers")
    assert migrator.sql(operation) == ['ALTER TABLE "shop_author" RENAME TO "writers"']
    migrator.apply(operation)
    book = migrator.snapshot()["shop_book"]
    assert book.foreign_keys == {ForeignKeyInfo("author_id", "writers", "id")}
    assert migrator.run_sql("PRAGMA foreign_key_check") == []
    with pytest.raises(IntegrityError, match="FOREIGN KEY constraint failed"):
        migrator.run_sql("INSERT INTO shop_book (author_id) VALUES (99)")
    migrator.run_sql("INSERT INTO writers (name) VALUES ('Bob')")
    assert migrator.rows("writers") == [(1, "Ann"), (2, "Bob")]
    migrator.assert_schema_matches_state()


def test_unique_together_is_added_and_removed(authors: SQLiteMigrator) -> None:
    authors.apply(AddField("author", "age", models.IntegerField(default=1)))
    name = index_name("shop_author", ["name", "age"], "_uniq")
    operation = AlterUniqueTogether("author", [("name", "age")])
    assert authors.sql(operation) == [
        f'CREATE UNIQUE INDEX "{name}" ON "shop_author" ("name", "age")'
    ]
    authors.apply(operation)
    assert authors.snapshot()["shop_author"].unique == {("name", "age")}
    authors.assert_schema_matches_state()
    authors.apply(AlterUniqueTogether("author", [("age", "name")]))
    assert authors.snapshot()["shop_author"].unique == {("age", "name")}
    authors.apply(AlterUniqueTogether("author", []))
    assert authors.snapshot()["shop_author"].unique == set()
    authors.assert_schema_matches_state()


def test_unique_together_follows_a_renamed_column(authors: SQLiteMigrator) -> None:
    authors.apply(
        AddField("author", "age", models.IntegerField(default=1)),
        AlterUniqueTogether("author", [("name", "age")]),
    )
    authors.apply(RenameField("author", "age", "years"))
    new_name = index_name("shop_author", ["name", "years"], "_uniq")
    assert authors.sql(AlterUniqueTogether("author", [])) == [f'DROP INDEX "{new_name}"']
    authors.apply(AlterUniqueTogether("author", []))
    assert authors.snapshot()["shop_author"].indexes == {}


def test_indexes_are_added_and_removed(authors: SQLiteMigrator) -> None:
    index = models.Index(fields=["-name", "id"], name="author_name_desc")
    assert authors.sql(AddIndex("author", index)) == [
        'CREATE INDEX "author_name_desc" ON "shop_author" ("name" DESC, "id")'
    ]
    authors.apply(AddIndex("author", index))
    authors.assert_schema_matches_state()
    authors.apply(RemoveIndex("author", "author_name_desc"))
    assert authors.snapshot()["shop_author"].indexes == {}


def test_deleting_a_model_drops_its_table(authors: SQLiteMigrator) -> None:
    assert authors.sql(DeleteModel("Author")) == ['DROP TABLE "shop_author"']
    authors.apply(DeleteModel("Author"))
    assert authors.snapshot().tables == {}


# -- rebuilds never lose a row -------------------------------------------------------------


def test_a_rebuild_keeps_the_autoincrement_counter(authors: SQLiteMigrator) -> None:
    authors.run_sql("DELETE FROM shop_author WHERE id = 3")
    authors.apply(AddField("author", "age", models.IntegerField(default=0)))
    authors.run_sql("INSERT INTO shop_author (name, age) VALUES ('Di', 1)")
    assert [row[0] for row in authors.rows("shop_author")] == [1, 2, 4]


ROW_VALUES = [
    (1, "plain", 0, 0.0, b"", None),
    (2, 'it\'s; a "test" \\ \u00e9\u00e8 \u2603', -(2**63), 1e300, b"\x00\xff'", "2024-01-02"),
    (3, "", 2**63 - 1, -1.5e-300, None, "x"),
    (4, None, None, None, b"\x00", None),
]


def test_a_rebuild_copies_every_value_exactly(migrator: SQLiteMigrator) -> None:
    migrator.apply(
        CreateModel(
            "Sample",
            [
                auto_pk(),
                ("text", models.TextField(null=True)),
                ("number", models.BigIntegerField(null=True)),
                ("real", models.FloatField(null=True)),
                ("blob", models.BinaryField(null=True)),
                ("day", models.CharField(max_length=10, null=True, db_index=True)),
            ],
        )
    )
    for row in ROW_VALUES:
        migrator.run_sql("INSERT INTO shop_sample VALUES (?, ?, ?, ?, ?, ?)", row)
    columns = "id, text, typeof(text), number, real, blob, day"
    before = migrator.rows("shop_sample", columns)
    migrator.apply(
        AddField("sample", "flag", models.BooleanField(default=True)),
        AlterField("sample", "day", models.CharField(max_length=20, null=True)),
        RemoveField("sample", "flag"),
    )
    assert migrator.rows("shop_sample", columns) == before


# -- transactions --------------------------------------------------------------------------


def test_a_failing_rebuild_rolls_the_whole_migration_back(authors: SQLiteMigrator) -> None:
    authors.run_sql("INSERT INTO shop_author (name) VALUES ('Ann')")
    before_schema, before_rows = authors.snapshot(), authors.rows("shop_author")
    with pytest.raises(DatabaseError, match="duplicate values") as info:
        authors.apply(
            AddField("author", "age", models.IntegerField(default=3)),
            CreateModel("Other", [auto_pk()]),
            AlterField("author", "name", models.CharField(max_length=20, unique=True)),
        )
    assert "UNIQUE constraint failed: name" in str(info.value)
    assert authors.snapshot() == before_schema
    assert authors.rows("shop_author") == before_rows
    assert authors.run_sql("PRAGMA foreign_keys") == [(1,)]


def test_broken_foreign_keys_fail_the_migration(authors: SQLiteMigrator) -> None:
    authors.apply(CreateModel("Book", [auto_pk(), ("author", fk("shop.author"))]))
    with pytest.raises(DatabaseError, match='table "shop_book" row 1 points at a missing row'):
        authors.apply(
            RunSQL("INSERT INTO shop_book (author_id) VALUES (42)"),
            AddField("book", "n", models.IntegerField(default=0)),
        )
    assert authors.rows("shop_book") == []
    assert authors.column_order("shop_book") == ["id", "author_id"]


def test_ddl_and_data_of_a_migration_commit_together(migrator: SQLiteMigrator) -> None:
    migrator.apply(author_model())
    with pytest.raises(RuntimeError, match="stop"), schema_editor(migrator.connection) as editor:
        editor.execute("INSERT INTO shop_author (name) VALUES ('Ann')")
        editor.execute('CREATE TABLE "t" ("a" integer)')
        raise RuntimeError("stop")
    assert migrator.rows("shop_author") == []
    assert "t" not in migrator.snapshot()


def test_the_editor_refuses_an_open_transaction(connection: Connection) -> None:
    connection.exec_driver_sql("SELECT 1")
    assert connection.in_transaction()
    with pytest.raises(RuntimeError, match="commit or roll back first"), schema_editor(connection):
        pass
    connection.rollback()


def test_a_non_atomic_migration_commits_each_operation(migrator: SQLiteMigrator) -> None:
    migrator.apply(author_model())
    with pytest.raises(DatabaseError):
        migrator.apply(
            AddField("author", "age", models.IntegerField(default=3)),
            RunSQL("INSERT INTO nowhere VALUES (1)"),
            atomic=False,
        )
    assert migrator.column_order("shop_author") == ["id", "name", "age"]


def test_run_sql_splits_statements_and_binds_params(authors: SQLiteMigrator) -> None:
    authors.apply(
        RunSQL(
            "INSERT INTO shop_author (name) VALUES ('a;b'); "
            "INSERT INTO shop_author (name) VALUES ('c');"
        ),
        RunSQL([("UPDATE shop_author SET name = %s WHERE id = %s", ["it's 100%", 1])]),
    )
    assert authors.rows("shop_author", "id, name") == [
        (1, "it's 100%"),
        (2, "Bob"),
        (3, "Cy"),
        (4, "a;b"),
        (5, "c"),
    ]
    sql = authors.sql(RunSQL([("UPDATE shop_author SET name = %s WHERE id = %s", ["o'k", 2])]))
    assert sql == ["UPDATE shop_author SET name = 'o''k' WHERE id = 2"]


# -- collecting SQL ------------------------------------------------------------------------


def test_collecting_sql_touches_nothing(authors: SQLiteMigrator) -> None:
    before_schema, before_rows = authors.snapshot(), authors.rows("shop_author")
    sql = authors.sql(
        AddField("author", "age", models.IntegerField(default=3)),
        AlterField("author", "name", models.CharField(max_length=5, unique=True)),
        CreateModel("Book", [auto_pk()]),
        DeleteModel("Author"),
    )
    assert sql[0].startswith('CREATE TABLE "new__shop_author"')
    assert sql[-1] == 'DROP TABLE "shop_author"'
    assert authors.snapshot() == before_schema
    assert authors.rows("shop_author") == before_rows
    assert not authors.connection.in_transaction()


# -- values rendered as literals -----------------------------------------------------------


NASTY_TEXT = 'it\'s; DROP TABLE shop_author; -- \\ "q" \u00e9\u4e2d\U0001f600 \x00 end'


@pytest.mark.parametrize(
    ("field_class", "options", "value", "stored"),
    [
        (models.CharField, {"max_length": 99}, NASTY_TEXT, NASTY_TEXT),
        (models.TextField, {}, "", ""),
        (models.IntegerField, {}, -7, -7),
        (models.BooleanField, {}, True, 1),
        (models.FloatField, {}, 0.1, 0.1),
        (models.FloatField, {}, float("inf"), float("inf")),
        (models.DecimalField, {"max_digits": 5, "decimal_places": 2}, decimal.Decimal("1.50"), 1.5),
        (models.DateField, {}, datetime.date(2024, 2, 29), "2024-02-29"),
        (
            models.DateTimeField,
            {},
            datetime.datetime(
                2024, 1, 1, 12, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=2))
            ),
            "2024-01-01 10:00:00",
        ),
        (
            models.DateTimeField,
            {},
            datetime.datetime(2024, 1, 1, 1, 2, 3, 4),
            "2024-01-01 01:02:03.000004",
        ),
        (models.TimeField, {}, datetime.time(13, 30), "13:30:00"),
        (models.DurationField, {}, datetime.timedelta(days=1, microseconds=5), 86_400_000_005),
        (models.UUIDField, {}, uuid.UUID(int=255), "000000000000000000000000000000ff"),
        (models.BinaryField, {}, b"\x00'\xff", b"\x00'\xff"),
        (models.JSONField, {}, {"a": [1, "b'c"]}, '{"a": [1, "b\'c"]}'),
    ],
)
def test_defaults_are_stored_exactly(
    authors: SQLiteMigrator,
    field_class: type[models.Field],
    options: dict[str, Any],
    value: Any,
    stored: Any,
) -> None:
    authors.apply(AddField("author", "value", field_class(default=value, **options)))
    assert authors.rows("shop_author", "value") == [(stored,)] * 3


def test_a_callable_default_is_called_once(authors: SQLiteMigrator) -> None:
    calls = []

    def default() -> str:
        calls.append(1)
        return "made"

    authors.apply(AddField("author", "value", models.CharField(max_length=9, default=default)))
    assert authors.rows("shop_author", "value") == [("made",)] * 3
    assert len(calls) == 1


def test_nan_cannot_be_a_default(authors: SQLiteMigrator) -> None:
    from schemashift.exceptions import ModelDefinitionError

    with pytest.raises(ModelDefinitionError, match="nan"):
        authors.apply(AddField("author", "value", models.FloatField(default=float("nan"))))


def test_a_backwards_rebuild_puts_the_altered_column_first_as_django_does(
    migrator: SQLiteMigrator,
) -> None:
    migrator.apply(author_model(("age", models.IntegerField(null=True))))
    wide = AlterField("author", "name", models.CharField(max_length=30))
    before = migrator.state.clone()
    migrator.apply(wide)
    assert migrator.column_order("shop_author") == ["id", "age", "name"]
    after = migrator.state
    with schema_editor(migrator.connection) as editor:
        wide.database_backwards("shop", editor, after, before)
    assert migrator.column_order("shop_author") == ["id", "name", "age"]


def test_a_default_is_written_as_an_escaped_literal(authors: SQLiteMigrator) -> None:
    text = 'it\'s; DROP TABLE x; -- \\ "q" \u00e9'
    sql = authors.sql(AddField("author", "value", models.CharField(max_length=50, default=text)))
    assert 'SELECT "id", "name", \'it\'\'s; DROP TABLE x; -- \\ "q" \u00e9\' FROM' in sql[1]
    sql = authors.sql(AddField("author", "value", models.CharField(max_length=5, default="a\x00")))
    assert 'SELECT "id", "name", CAST(X\'6100\' AS TEXT) FROM' in sql[1]


SQLITE_VALUES = st.one_of(
    st.none(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",))),
    st.binary(),
)


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(st.tuples(SQLITE_VALUES, SQLITE_VALUES, SQLITE_VALUES), max_size=8))
def test_rebuilds_keep_every_stored_value(rows: list[tuple[Any, Any, Any]]) -> None:
    database = Database("sqlite://")
    try:
        with database.connect() as connection:
            migrator = SQLiteMigrator(connection)
            migrator.apply(
                CreateModel(
                    "Any",
                    [
                        auto_pk(),
                        ("a", models.TextField(null=True)),
                        ("b", models.BinaryField(null=True)),
                        ("c", models.IntegerField(null=True, db_index=True)),
                    ],
                )
            )
            for row in rows:
                migrator.run_sql("INSERT INTO shop_any (a, b, c) VALUES (?, ?, ?)", row)
            columns = "id, a, typeof(a), b, typeof(b), c, typeof(c)"
            before = migrator.rows("shop_any", columns)
            migrator.apply(
                AddField("any", "d", models.IntegerField(default=0)),
                AlterField("any", "c", models.IntegerField(null=True)),
                RenameField("any", "a", "text"),
                RemoveField("any", "d"),
            )
            after = migrator.rows("shop_any", columns.replace("a", "text"))
            assert after == before
    finally:
        database.dispose()


def test_dropping_a_table_that_rows_still_point_at_fails(migrator: SQLiteMigrator) -> None:
    migrator.apply(
        author_model(),
        CreateModel("Book", [auto_pk(), ("author", fk("shop.author"))]),
    )
    migrator.run_sql("INSERT INTO shop_author (name) VALUES ('Ann')")
    migrator.run_sql("INSERT INTO shop_book (author_id) VALUES (1)")
    with pytest.raises(DatabaseError, match='table "shop_book" row 1 points at a missing row'):
        migrator.apply(DeleteModel("Author"))
    assert migrator.rows("shop_author") == [(1, "Ann")]


def test_renaming_a_primary_key_updates_the_references_to_it(migrator: SQLiteMigrator) -> None:
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
