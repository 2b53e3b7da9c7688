"""The MySQL/MariaDB schema editor on a real server: the schema it builds, the SQL it writes,
and that rows survive every change but dropping their column or table."""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any

import pytest
from sqlalchemy.dialects.mysql import pymysql
from sqlalchemy.engine import Connection
from support.backend_migrators import MySQLMigrator, add_books
from support.migrator import author_model, collect_sql, tutorial_operations
from support.states import auto_pk, fk

from schemashift import models
from schemashift.db.backends.mysql import MySQLSchemaEditor, declared_type, split_sql
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

pytestmark = pytest.mark.backends("mysql")


# -- CREATE TABLE --------------------------------------------------------------------------


FIELD_TYPES = [
    (models.CharField(max_length=30), "varchar(30)"),
    (models.SlugField(), "varchar(50)"),
    (models.EmailField(), "varchar(254)"),
    (models.URLField(), "varchar(200)"),
    (models.TextField(), "longtext"),
    (models.IntegerField(), "integer"),
    (models.SmallIntegerField(), "smallint"),
    (models.BigIntegerField(), "bigint"),
    (models.PositiveIntegerField(), "integer UNSIGNED"),
    (models.PositiveSmallIntegerField(), "smallint UNSIGNED"),
    (models.PositiveBigIntegerField(), "bigint UNSIGNED"),
    (models.BooleanField(), "bool"),
    (models.FloatField(), "double precision"),
    (models.DecimalField(max_digits=5, decimal_places=2), "numeric(5, 2)"),
    (models.DateField(), "date"),
    (models.DateTimeField(), "datetime(6)"),
    (models.TimeField(), "time(6)"),
    (models.DurationField(), "bigint"),
    (models.UUIDField(), "char(32)"),
    (models.BinaryField(), "longblob"),
    (models.JSONField(), "json"),
]


@pytest.mark.parametrize(
    ("field", "declared"), FIELD_TYPES, ids=[type(f[0]).__name__ for f in FIELD_TYPES]
)
def test_every_field_type_gets_djangos_declared_type(
    migrator: MySQLMigrator, field: models.Field, declared: str
) -> None:
    operation = CreateModel("Thing", [auto_pk(), ("f", field)])
    check = " CHECK (`f` >= 0)" if "UNSIGNED" in declared else ""
    assert migrator.sql(operation)[0] == (
        "CREATE TABLE `shop_thing` (`id` bigint AUTO_INCREMENT NOT NULL PRIMARY KEY, "
        f"`f` {declared} NOT NULL{check})"
    )
    migrator.apply(operation)
    table = migrator.snapshot()["shop_thing"]
    assert table.columns["f"] == ColumnInfo("f", declared, nullable=False)
    assert "ENGINE=InnoDB" in migrator.table_sql("shop_thing")
    migrator.assert_schema_matches_state()


def test_positive_fields_refuse_negative_values(migrator: MySQLMigrator) -> None:
    migrator.apply(CreateModel("Thing", [auto_pk(), ("n", models.PositiveIntegerField())]))
    with pytest.raises(Exception, match="(?i)constraint|out of range"):
        migrator.run_sql("INSERT INTO shop_thing (n) VALUES (-1)")


@pytest.mark.parametrize(
    ("auto_field", "declared", "fk_type"),
    [
        (models.AutoField, "integer AUTO_INCREMENT", "integer"),
        (models.BigAutoField, "bigint AUTO_INCREMENT", "bigint"),
        (models.SmallAutoField, "smallint AUTO_INCREMENT", "smallint"),
    ],
)
def test_auto_primary_keys_and_the_foreign_keys_to_them(
    migrator: MySQLMigrator, auto_field: type[models.Field], declared: str, fk_type: str
) -> None:
    operations = (
        CreateModel("Target", [("id", auto_field(primary_key=True))]),
        CreateModel("Source", [auto_pk(), ("target", fk("shop.target"))]),
    )
    sql = migrator.sql(*operations)
    assert sql[0] == f"CREATE TABLE `shop_target` (`id` {declared} NOT NULL PRIMARY KEY)"
    assert f"`target_id` {fk_type} NOT NULL)" in sql[1]
    fk_name = index_name("shop_source", ["target_id"], "_fk_shop_target_id", 64)
    assert sql[2] == (
        f"ALTER TABLE `shop_source` ADD CONSTRAINT `{fk_name}` FOREIGN KEY (`target_id`) "
        "REFERENCES `shop_target` (`id`)"
    )
    migrator.apply(*operations)
    migrator.run_sql("INSERT INTO shop_target VALUES ()")
    migrator.run_sql("INSERT INTO shop_source (target_id) VALUES (1)")
    with pytest.raises(Exception, match="foreign key constraint fails"):
        migrator.run_sql("INSERT INTO shop_source (target_id) VALUES (2)")
    source = migrator.snapshot()["shop_source"]
    assert source.foreign_keys == {ForeignKeyInfo("target_id", "shop_target", "id")}
    migrator.assert_schema_matches_state()


def test_the_tutorial_models_get_djangos_sql_without_a_server() -> None:
    collector = MySQLSchemaEditor(dialect=pymysql.dialect(), collect_sql=True)
    assert collect_sql(collector, *tutorial_operations()) == [
        "CREATE TABLE `polls_question` (`id` bigint AUTO_INCREMENT NOT NULL PRIMARY KEY, "
        "`question_text` varchar(200) NOT NULL, `pub_date` datetime(6) NOT NULL)",
        "CREATE TABLE `polls_choice` (`id` bigint AUTO_INCREMENT NOT NULL PRIMARY KEY, "
        "`choice_text` varchar(200) NOT NULL, `votes` integer NOT NULL, "
        "`question_id` bigint NOT NULL)",
        "ALTER TABLE `polls_choice` ADD CONSTRAINT "
        "`polls_choice_question_id_c5b4b260_fk_polls_question_id` FOREIGN KEY (`question_id`) "
        "REFERENCES `polls_question` (`id`)",
        "CREATE INDEX `polls_choice_question_id_c5b4b260` ON `polls_choice` (`question_id`)",
    ]


def test_indexes_unique_constraints_and_meta_indexes(migrator: MySQLMigrator) -> None:
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
    uniq = index_name("shop_book", ["title", "edition"], "_uniq", 64)
    generated = [index_name("shop_book", [c], "", 64) for c in ("isbn", "publisher_id", "loose_id")]
    assert book.indexes == {
        uniq: IndexInfo(uniq, ("title", "edition"), unique=True),
        generated[0]: IndexInfo(generated[0], ("isbn",)),
        generated[1]: IndexInfo(generated[1], ("publisher_id",)),
        generated[2]: IndexInfo(generated[2], ("loose_id",)),
        "book_recent": IndexInfo("book_recent", ("edition", "title"), orders=("DESC", "ASC")),
    }
    assert {fk.column for fk in book.foreign_keys} == {"publisher_id", "cover_id", "bare_id"}
    migrator.assert_schema_matches_state()


def test_long_names_fit_64_characters_with_a_stable_hash(migrator: MySQLMigrator) -> None:
    long_table = "t" * 60
    long_column = "c" * 60
    migrator.apply(
        CreateModel("Parent", [auto_pk()], options={"db_table": "p" * 64}),
        CreateModel(
            "Child",
            [
                auto_pk(),
                (long_column, fk("shop.parent")),
                ("x" * 50, models.IntegerField(db_index=True)),
            ],
            options={"db_table": long_table, "unique_together": [(long_column, "x" * 50)]},
        ),
    )
    child = migrator.snapshot()[long_table]
    names = list(child.indexes)
    assert len(names) == 3
    assert all(len(name) <= 64 for name in names)
    fk_column = f"{long_column}_id"
    fk_name = index_name(long_table, [fk_column], f"_fk_{'p' * 64}_id", 64)
    assert len(fk_name) <= 64 and fk_name.startswith("t" * 20)
    assert fk_name == MySQLSchemaEditor(dialect=pymysql.dialect()).foreign_key_name(
        long_table, fk_column, "p" * 64, "id"
    )
    live = migrator.run_sql(
        "SELECT constraint_name FROM information_schema.referential_constraints "
        "WHERE constraint_schema = DATABASE()"
    )
    assert live == [(fk_name,)]
    migrator.assert_schema_matches_state()


def test_keywords_and_odd_names_are_quoted_everywhere(migrator: MySQLMigrator) -> None:
    migrator.apply(
        CreateModel(
            "Order",
            [
                auto_pk(),
                ("select", models.IntegerField(db_index=True)),
                ("group", models.CharField(max_length=5, db_column="from")),
            ],
            options={"unique_together": [("select", "group")], "db_table": "odd `100%` table"},
        )
    )
    migrator.run_sql("INSERT INTO `odd ``100%%`` table` (`select`, `from`) VALUES (1, 'a')")
    migrator.apply(
        AddField("order", "where", models.IntegerField(default=7)),
        RenameField("order", "select", "table"),
        AlterField("order", "where", models.BigIntegerField(default=7)),
    )
    assert migrator.rows("odd `100%` table", "`id`, `table`, `from`, `where`") == [(1, 1, "a", 7)]
    migrator.assert_schema_matches_state()


def test_unmanaged_models_get_no_table(migrator: MySQLMigrator) -> None:
    operation = CreateModel("View", [auto_pk()], options={"managed": False})
    assert migrator.sql(operation) == []
    migrator.apply(operation, AddField("view", "x", models.IntegerField(null=True)))
    assert "shop_view" not in migrator.snapshot()


# -- ADD COLUMN ----------------------------------------------------------------------------


def test_a_nullable_field_is_added_with_add_column(authors: MySQLMigrator) -> None:
    operation = AddField("author", "nick", models.CharField(max_length=10, null=True))
    assert authors.sql(operation) == [
        "ALTER TABLE `shop_author` ADD COLUMN `nick` varchar(10) NULL"
    ]
    authors.apply(operation)
    assert authors.rows("shop_author") == [(1, "Ann", None), (2, "Bob", None), (3, "Cy", None)]
    authors.assert_schema_matches_state()


def test_a_not_null_field_with_a_default_fills_rows_and_leaves_no_default(
    authors: MySQLMigrator,
) -> None:
    operation = AddField("author", "rating", models.IntegerField(default=5))
    assert authors.sql(operation) == [
        "ALTER TABLE `shop_author` ADD COLUMN `rating` integer DEFAULT 5 NOT NULL",
        "ALTER TABLE `shop_author` ALTER COLUMN `rating` DROP DEFAULT",
    ]
    authors.apply(operation)
    assert authors.rows("shop_author") == [(1, "Ann", 5), (2, "Bob", 5), (3, "Cy", 5)]
    assert authors.column_default("shop_author", "rating") is None
    authors.assert_schema_matches_state()


def test_text_blob_and_json_defaults_are_filled_in_by_update(authors: MySQLMigrator) -> None:
    operation = AddField("author", "bio", models.TextField(default="it's"))
    assert authors.sql(operation) == [
        "ALTER TABLE `shop_author` ADD COLUMN `bio` longtext NULL",
        "UPDATE `shop_author` SET `bio` = 'it''s'",
        "ALTER TABLE `shop_author` MODIFY `bio` longtext NOT NULL",
    ]
    authors.apply(
        operation,
        AddField("author", "photo", models.BinaryField(blank=True)),
        AddField("author", "data", models.JSONField(default=dict)),
    )
    assert authors.rows("shop_author", "bio, photo, data") == [("it's", b"", "{}")] * 3
    for column in ("bio", "photo", "data"):
        assert authors.column_default("shop_author", column) is None
    table = authors.snapshot()["shop_author"]
    assert table.columns["data"] == ColumnInfo("data", "json", nullable=False)
    authors.assert_schema_matches_state()


def test_a_one_off_default_fills_rows_and_is_not_kept(authors: MySQLMigrator) -> None:
    authors.apply(AddField("author", "code", models.CharField(max_length=3, default="X"), False))
    assert [row[2] for row in authors.rows("shop_author")] == ["X", "X", "X"]
    assert authors.column_default("shop_author", "code") is None
    authors.assert_schema_matches_state()


def test_a_not_null_field_without_default_is_refused_while_rows_exist(
    authors: MySQLMigrator,
) -> None:
    before = authors.snapshot()
    with pytest.raises(DatabaseError, match="existing rows would have no value"):
        authors.apply(AddField("author", "age", models.IntegerField()))
    assert authors.snapshot() == before
    assert authors.rows("shop_author") == [(1, "Ann"), (2, "Bob"), (3, "Cy")]


def test_a_not_null_field_without_default_can_be_added_to_an_empty_table(
    migrator: MySQLMigrator,
) -> None:
    migrator.apply(author_model(), AddField("author", "age", models.IntegerField()))
    migrator.assert_schema_matches_state()


def test_an_add_field_that_would_fail_halfway_is_refused_before_it_starts(
    authors: MySQLMigrator,
) -> None:
    before = authors.snapshot()
    with pytest.raises(DatabaseError, match="every existing row would get the same default"):
        authors.apply(
            AddField("author", "code", models.CharField(max_length=5, default="x", unique=True))
        )
    assert authors.snapshot() == before
    with pytest.raises(DatabaseError, match="its default 9 names no row of 'shop_author'"):
        authors.apply(AddField("author", "boss", fk("shop.author", default=9)))
    assert authors.snapshot() == before
    assert authors.rows("shop_author") == [(1, "Ann"), (2, "Bob"), (3, "Cy")]


def test_an_add_field_never_drops_a_column_it_did_not_make(authors: MySQLMigrator) -> None:
    """A column of the same name made by hand stays, with its values, when ADD COLUMN fails."""
    authors.run_sql("ALTER TABLE shop_author ADD COLUMN score integer NULL")
    authors.run_sql("UPDATE shop_author SET score = 42")
    with pytest.raises(DatabaseError, match="Duplicate column name 'score'"):
        authors.apply(AddField("author", "score", models.IntegerField(default=0)))
    assert authors.rows("shop_author", "id, score") == [(1, 42), (2, 42), (3, 42)]


def test_a_foreign_key_is_added_with_its_constraint_and_index(authors: MySQLMigrator) -> None:
    operation = AddField(
        "author", "mentor", models.ForeignKey("shop.author", models.SET_NULL, null=True)
    )
    name = index_name("shop_author", ["mentor_id"], "", 64)
    fk = index_name("shop_author", ["mentor_id"], "_fk_shop_author_id", 64)
    assert authors.sql(operation) == [
        "ALTER TABLE `shop_author` ADD COLUMN `mentor_id` bigint NULL",
        f"ALTER TABLE `shop_author` ADD CONSTRAINT `{fk}` FOREIGN KEY (`mentor_id`) "
        "REFERENCES `shop_author` (`id`)",
        f"CREATE INDEX `{name}` ON `shop_author` (`mentor_id`)",
    ]
    authors.apply(operation)
    authors.assert_schema_matches_state()


# -- DROP COLUMN ---------------------------------------------------------------------------


def test_a_field_is_removed_with_drop_column(authors: MySQLMigrator) -> None:
    authors.apply(AddField("author", "age", models.IntegerField(default=30)))
    operation = RemoveField("author", "name")
    assert authors.sql(operation) == ["ALTER TABLE `shop_author` DROP COLUMN `name`"]
    authors.apply(operation)
    assert authors.rows("shop_author") == [(1, 30), (2, 30), (3, 30)]
    authors.assert_schema_matches_state()


def test_a_foreign_key_field_is_removed_after_its_constraint(migrator: MySQLMigrator) -> None:
    add_books(migrator)
    migrator.apply(RemoveField("book", "author"))
    assert migrator.rows("shop_book") == [(1,), (2,), (3,)]
    migrator.assert_schema_matches_state()


def test_removing_a_field_drops_its_unique_together_and_indexes(authors: MySQLMigrator) -> None:
    authors.apply(
        AddField("author", "age", models.IntegerField(default=1)),
        AlterUniqueTogether("author", [("name", "age")]),
        AddIndex("author", models.Index(fields=["age", "name"], name="author_age")),
    )
    authors.apply(RemoveField("author", "age"))
    table = authors.snapshot()["shop_author"]
    assert table.indexes == {} and table.unique == set()
    assert authors.rows("shop_author") == [(1, "Ann"), (2, "Bob"), (3, "Cy")]
    authors.assert_schema_matches_state()


# -- ALTER FIELD ---------------------------------------------------------------------------


def test_widening_and_narrowing_a_char_field_keeps_the_values(authors: MySQLMigrator) -> None:
    operation = AlterField("author", "name", models.CharField(max_length=200))
    assert authors.sql(operation) == [
        "ALTER TABLE `shop_author` MODIFY `name` varchar(200) NOT NULL"
    ]
    authors.apply(operation)
    assert authors.snapshot()["shop_author"].columns["name"].type == "varchar(200)"
    authors.apply(AlterField("author", "name", models.CharField(max_length=5)))
    assert authors.rows("shop_author") == [(1, "Ann"), (2, "Bob"), (3, "Cy")]
    authors.assert_schema_matches_state()


def test_narrowing_below_the_stored_values_fails_and_keeps_them(authors: MySQLMigrator) -> None:
    with pytest.raises(DatabaseError, match="MODIFY `name` varchar\\(2\\)"):
        authors.apply(AlterField("author", "name", models.CharField(max_length=2)))
    assert authors.rows("shop_author") == [(1, "Ann"), (2, "Bob"), (3, "Cy")]
    assert authors.snapshot()["shop_author"].columns["name"].type == "varchar(20)"


def test_changing_the_type_converts_the_values(authors: MySQLMigrator) -> None:
    authors.apply(AddField("author", "age", models.IntegerField(default=42)))
    authors.apply(AlterField("author", "age", models.BigIntegerField(default=42)))
    authors.apply(AlterField("author", "age", models.CharField(max_length=5, default="42")))
    assert authors.rows("shop_author", "age") == [("42",)] * 3
    authors.assert_schema_matches_state()


def test_null_to_not_null_fills_nulls_with_the_default(authors: MySQLMigrator) -> None:
    authors.apply(AddField("author", "nick", models.CharField(max_length=10, null=True)))
    authors.run_sql("UPDATE shop_author SET nick = 'bobby' WHERE id = 2")
    operation = AlterField("author", "nick", models.CharField(max_length=10, default="n/a"))
    assert authors.sql(operation) == [
        "UPDATE `shop_author` SET `nick` = 'n/a' WHERE `nick` IS NULL",
        "ALTER TABLE `shop_author` MODIFY `nick` varchar(10) NOT NULL",
    ]
    authors.apply(operation)
    assert authors.rows("shop_author", "id, nick") == [(1, "n/a"), (2, "bobby"), (3, "n/a")]
    assert authors.column_default("shop_author", "nick") is None
    authors.assert_schema_matches_state()
    authors.apply(AlterField("author", "nick", models.CharField(max_length=10, null=True)))
    authors.assert_schema_matches_state()


def test_null_to_not_null_without_default_fails_while_nulls_remain(authors: MySQLMigrator) -> None:
    authors.apply(AddField("author", "nick", models.CharField(max_length=10, null=True)))
    with pytest.raises(DatabaseError, match="some rows hold NULL"):
        authors.apply(AlterField("author", "nick", models.CharField(max_length=10)))
    assert authors.snapshot()["shop_author"].columns["nick"].nullable is True


def test_renaming_a_field_renames_the_column_and_its_index(authors: MySQLMigrator) -> None:
    authors.apply(AlterField("author", "name", models.CharField(max_length=20, db_index=True)))
    operation = RenameField("author", "name", "full_name")
    old, new = (index_name("shop_author", [c], "", 64) for c in ("name", "full_name"))
    assert authors.sql(operation) == [
        "ALTER TABLE `shop_author` RENAME COLUMN `name` TO `full_name`",
        f"ALTER TABLE `shop_author` RENAME INDEX `{old}` TO `{new}`",
    ]
    authors.apply(operation)
    assert authors.rows("shop_author", "id, full_name") == [(1, "Ann"), (2, "Bob"), (3, "Cy")]
    authors.assert_schema_matches_state()


def test_unique_on_and_off(authors: MySQLMigrator) -> None:
    authors.apply(AlterField("author", "name", models.CharField(max_length=20, unique=True)))
    assert authors.snapshot()["shop_author"].unique == {("name",)}
    authors.assert_schema_matches_state()
    with pytest.raises(Exception, match="Duplicate entry"):
        authors.run_sql("INSERT INTO shop_author (name) VALUES ('Ann')")
    authors.apply(AlterField("author", "name", models.CharField(max_length=20)))
    assert authors.snapshot()["shop_author"].unique == set()
    authors.run_sql("INSERT INTO shop_author (name) VALUES ('Ann')")
    authors.assert_schema_matches_state()


def test_unique_on_duplicate_rows_fails_without_losing_data(authors: MySQLMigrator) -> None:
    authors.run_sql("INSERT INTO shop_author (name) VALUES ('Ann')")
    before_schema, before_rows = authors.snapshot(), authors.rows("shop_author")
    with pytest.raises(DatabaseError, match="Duplicate entry 'Ann'") as info:
        authors.apply(AlterField("author", "name", models.CharField(max_length=20, unique=True)))
    assert "ADD CONSTRAINT `shop_author_name_0200c809_uniq` UNIQUE (`name`)" in str(info.value)
    assert authors.snapshot() == before_schema
    assert authors.rows("shop_author") == before_rows


def test_index_on_and_off(authors: MySQLMigrator) -> None:
    authors.apply(AlterField("author", "name", models.CharField(max_length=20, db_index=True)))
    assert list(authors.snapshot()["shop_author"].indexes) == [
        index_name("shop_author", ["name"], "", 64)
    ]
    authors.apply(AlterField("author", "name", models.CharField(max_length=20)))
    assert authors.snapshot()["shop_author"].indexes == {}
    assert authors.rows("shop_author") == [(1, "Ann"), (2, "Bob"), (3, "Cy")]
    authors.assert_schema_matches_state()


def test_a_foreign_key_index_can_be_dropped_while_the_constraint_stays(
    migrator: MySQLMigrator,
) -> None:
    add_books(migrator)
    migrator.apply(AlterField("book", "author", fk("shop.author", db_index=False)))
    book = migrator.snapshot()["shop_book"]
    assert book.indexes == {}
    assert book.foreign_keys == {ForeignKeyInfo("author_id", "shop_author", "id")}
    migrator.assert_schema_matches_state()
    migrator.apply(AlterField("book", "author", fk("shop.author")))
    migrator.assert_schema_matches_state()
    assert migrator.rows("shop_book") == [(1, 1), (2, 2), (3, 3)]


def test_foreign_key_off_on_and_retargeted(migrator: MySQLMigrator) -> None:
    add_books(migrator)
    migrator.apply(CreateModel("Editor", [auto_pk()]))
    for _ in range(3):
        migrator.run_sql("INSERT INTO shop_editor VALUES ()")
    migrator.apply(AlterField("book", "author", fk("shop.author", db_constraint=False)))
    assert migrator.snapshot()["shop_book"].foreign_keys == set()
    migrator.assert_schema_matches_state()
    migrator.apply(AlterField("book", "author", fk("shop.editor")))
    assert migrator.snapshot()["shop_book"].foreign_keys == {
        ForeignKeyInfo("author_id", "shop_editor", "id")
    }
    migrator.assert_schema_matches_state()
    migrator.apply(AlterField("book", "author", models.IntegerField(db_column="author_id")))
    migrator.assert_schema_matches_state()
    assert migrator.rows("shop_book") == [(1, 1), (2, 2), (3, 3)]


def test_a_primary_key_type_change_reaches_the_foreign_keys(migrator: MySQLMigrator) -> None:
    add_books(migrator)
    migrator.apply(AddField("author", "boss", fk("shop.author", null=True)))
    migrator.run_sql("UPDATE shop_author SET boss_id = 1")
    migrator.apply(
        AlterField("author", "id", models.AutoField(auto_created=True, primary_key=True))
    )
    assert migrator.snapshot()["shop_book"].columns["author_id"].type == "integer"
    assert migrator.snapshot()["shop_author"].columns["boss_id"].type == "integer"
    migrator.assert_schema_matches_state()
    assert migrator.rows("shop_book") == [(1, 1), (2, 2), (3, 3)]
    migrator.run_sql("INSERT INTO shop_author (name) VALUES ('Di')")
    assert migrator.rows("shop_author", "id, boss_id")[-1] == (4, None)


def test_renaming_a_primary_key_keeps_the_references(migrator: MySQLMigrator) -> None:
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
    migrator.assert_schema_matches_state()


def test_a_positive_field_keeps_its_check_through_a_change(authors: MySQLMigrator) -> None:
    authors.apply(AddField("author", "n", models.PositiveIntegerField(default=1)))
    authors.apply(AlterField("author", "n", models.PositiveBigIntegerField(default=1)))
    assert "CHECK (`n` >= 0)" in authors.table_sql("shop_author")
    authors.apply(AlterField("author", "n", models.BigIntegerField(default=1)))
    assert "CHECK" not in authors.table_sql("shop_author")
    authors.assert_schema_matches_state()


# -- tables, unique_together, indexes ------------------------------------------------------


def test_renaming_a_table_keeps_rows_references_and_renames_indexes(
    migrator: MySQLMigrator,
) -> None:
    add_books(migrator)
    migrator.apply(AlterModelTable("author", "writers"), AlterModelTable("book", "volumes"))
    assert migrator.rows("writers") == [(1, "Ann"), (2, "Bob"), (3, "Cy")]
    assert migrator.snapshot()["volumes"].foreign_keys == {
        ForeignKeyInfo("author_id", "writers", "id")
    }
    assert list(migrator.snapshot()["volumes"].indexes) == [
        index_name("volumes", ["author_id"], "", 64)
    ]
    migrator.assert_schema_matches_state()
    with pytest.raises(Exception, match="foreign key constraint fails"):
        migrator.run_sql("INSERT INTO volumes (author_id) VALUES (99)")


def test_unique_together_is_added_and_removed(authors: MySQLMigrator) -> None:
    authors.apply(AddField("author", "age", models.IntegerField(default=1)))
    name = index_name("shop_author", ["name", "age"], "_uniq", 64)
    operation = AlterUniqueTogether("author", [("name", "age")])
    assert authors.sql(operation) == [
        f"ALTER TABLE `shop_author` ADD CONSTRAINT `{name}` UNIQUE (`name`, `age`)"
    ]
    authors.apply(operation)
    authors.assert_schema_matches_state()
    authors.apply(RenameField("author", "age", "years"))
    authors.assert_schema_matches_state()
    authors.apply(AlterUniqueTogether("author", []))
    assert authors.snapshot()["shop_author"].unique == set()
    authors.assert_schema_matches_state()


def test_indexes_are_added_and_removed(authors: MySQLMigrator) -> None:
    index = models.Index(fields=["-name", "id"], name="author_name_desc")
    assert authors.sql(AddIndex("author", index)) == [
        "CREATE INDEX `author_name_desc` ON `shop_author` (`name` DESC, `id`)"
    ]
    authors.apply(AddIndex("author", index))
    authors.assert_schema_matches_state()
    assert authors.sql(RemoveIndex("author", "author_name_desc")) == [
        "DROP INDEX `author_name_desc` ON `shop_author`"
    ]
    authors.apply(RemoveIndex("author", "author_name_desc"))
    assert authors.snapshot()["shop_author"].indexes == {}


def test_deleting_models_drops_their_tables(migrator: MySQLMigrator) -> None:
    add_books(migrator)
    migrator.apply(DeleteModel("Book"), DeleteModel("Author"))
    assert migrator.snapshot().tables == {}


# -- transactions and RunSQL ---------------------------------------------------------------


@pytest.mark.parametrize("atomic", [True, False])
def test_each_operation_commits_on_its_own(migrator: MySQLMigrator, atomic: bool) -> None:
    migrator.apply(author_model())
    with pytest.raises(DatabaseError, match="nowhere"):
        migrator.apply(
            AddField("author", "age", models.IntegerField(default=3)),
            RunSQL("INSERT INTO shop_author (name, age) VALUES ('Ann', 1)"),
            RunSQL("INSERT INTO nowhere VALUES (1)"),
            atomic=atomic,
        )
    assert "age" in migrator.snapshot()["shop_author"].columns
    assert migrator.rows("shop_author") == [(1, "Ann", 1)]
    assert not migrator.connection.in_transaction()


def test_an_atomic_editor_still_commits_the_rows_written_through_it(
    migrator: MySQLMigrator,
) -> None:
    migrator.apply(author_model())
    with schema_editor(migrator.connection, atomic=True) as editor:
        editor.execute("INSERT INTO shop_author (name) VALUES ('Ann')")
        migrator.connection.exec_driver_sql("INSERT INTO shop_author (name) VALUES ('Bob')")
    assert migrator.rows("shop_author") == [(1, "Ann"), (2, "Bob")]


def test_run_sql_splits_statements_and_binds_params(authors: MySQLMigrator) -> None:
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


def test_split_sql_respects_quotes_and_comments() -> None:
    script = "SELECT 'a;''b', \"c;\\\"d\", `e;f`; /* g; */ SELECT 1 # h;\n; ;"
    assert split_sql(script) == ["SELECT 'a;''b', \"c;\\\"d\", `e;f`", "/* g; */ SELECT 1 # h;"]


def test_collecting_sql_touches_nothing(authors: MySQLMigrator) -> None:
    before_schema, before_rows = authors.snapshot(), authors.rows("shop_author")
    sql = authors.sql(
        AddField("author", "age", models.IntegerField(default=3)),
        AlterField("author", "name", models.CharField(max_length=5, unique=True)),
        DeleteModel("Author"),
    )
    assert sql[-1] == "DROP TABLE `shop_author`"
    assert authors.snapshot() == before_schema
    assert authors.rows("shop_author") == before_rows
    assert not authors.connection.in_transaction()


# -- values --------------------------------------------------------------------------------


NASTY_TEXT = 'it\'s; DROP TABLE shop_author; -- \\ "q" 100% %s \u00e9\u4e2d\U0001f600 end'


@pytest.mark.parametrize(
    ("field_class", "options", "value", "stored"),
    [
        (models.CharField, {"max_length": 99}, NASTY_TEXT, NASTY_TEXT),
        (models.TextField, {}, NASTY_TEXT, NASTY_TEXT),
        (models.IntegerField, {}, -7, -7),
        (models.BooleanField, {}, True, 1),
        (models.FloatField, {}, 0.1, 0.1),
        (
            models.DecimalField,
            {"max_digits": 5, "decimal_places": 2},
            decimal.Decimal("1.50"),
            decimal.Decimal("1.50"),
        ),
        (models.DateField, {}, datetime.date(2024, 2, 29), datetime.date(2024, 2, 29)),
        (
            models.DateTimeField,
            {},
            datetime.datetime(
                2024, 1, 1, 12, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=2))
            ),
            datetime.datetime(2024, 1, 1, 10, 0),
        ),
        (
            models.DateTimeField,
            {},
            datetime.datetime(2024, 1, 1, 1, 2, 3, 4),
            datetime.datetime(2024, 1, 1, 1, 2, 3, 4),
        ),
        (models.TimeField, {}, datetime.time(13, 30), datetime.timedelta(hours=13, minutes=30)),
        (models.DurationField, {}, datetime.timedelta(days=1, microseconds=5), 86_400_000_005),
        (models.UUIDField, {}, uuid.UUID(int=255), "000000000000000000000000000000ff"),
        (models.BinaryField, {}, b"\x00'\\\xff", b"\x00'\\\xff"),
        (models.JSONField, {}, {"a": [1, "b'c"]}, '{"a": [1, "b\'c"]}'),
    ],
)
def test_defaults_are_stored_exactly(
    authors: MySQLMigrator,
    field_class: type[models.Field],
    options: dict[str, Any],
    value: Any,
    stored: Any,
) -> None:
    authors.apply(AddField("author", "value", field_class(default=value, **options)))
    assert authors.rows("shop_author", "value") == [(stored,)] * 3
    authors.assert_schema_matches_state()


def test_infinity_cannot_be_a_default(authors: MySQLMigrator) -> None:
    from schemashift.exceptions import ModelDefinitionError

    with pytest.raises(ModelDefinitionError, match="inf"):
        authors.apply(AddField("author", "value", models.FloatField(default=float("inf"))))


# -- introspection -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column_type", "extra", "declared"),
    [
        ("int(11)", "", "integer"),
        ("int", "", "integer"),
        ("bigint(20)", "auto_increment", "bigint auto_increment"),
        ("int(10) unsigned", "", "integer unsigned"),
        ("smallint unsigned", "", "smallint unsigned"),
        ("tinyint(1)", "", "bool"),
        ("double", "", "double precision"),
        ("decimal(5,2)", "", "numeric(5, 2)"),
        ("datetime(6)", "", "datetime(6)"),
        ("longtext", "", "longtext"),
    ],
)
def test_reported_types_read_as_declared(column_type: str, extra: str, declared: str) -> None:
    assert declared_type(column_type, extra) == declared
    assert declared_type("longtext", "", is_json=True) == "json"


def test_a_missing_table_reads_as_none(backend_connection: Connection) -> None:
    assert MySQLSchemaEditor.read_table(backend_connection, "nowhere") is None


def test_long_columns_get_no_db_index_and_prefix_meta_indexes(authors: MySQLMigrator) -> None:
    authors.apply(
        AddField("author", "bio", models.TextField(default="", db_index=True)),
        AddField("author", "blob", models.BinaryField(null=True)),
    )
    assert authors.snapshot()["shop_author"].indexes == {}
    index = models.Index(fields=["-bio", "blob", "name"], name="author_bio")
    assert authors.sql(AddIndex("author", index)) == [
        "CREATE INDEX `author_bio` ON `shop_author` (`bio`(191) DESC, `blob`(191), `name`)"
    ]
    authors.apply(AddIndex("author", index))
    authors.assert_schema_matches_state()


def test_a_foreign_key_column_is_renamed_in_a_table_innodb_must_copy(
    migrator: MySQLMigrator,
) -> None:
    add_books(migrator)
    # a UNIQUE text column is a hash index MariaDB can only keep by copying the table
    migrator.apply(AddField("book", "code", models.TextField(null=True, unique=True)))
    migrator.apply(RenameField("book", "author", "writer"))
    assert migrator.snapshot()["shop_book"].foreign_keys == {
        ForeignKeyInfo("writer_id", "shop_author", "id")
    }
    assert migrator.rows("shop_book", "id, writer_id") == [(1, 1), (2, 2), (3, 3)]
    migrator.assert_schema_matches_state()


def test_an_index_a_foreign_key_took_over_can_still_be_dropped(migrator: MySQLMigrator) -> None:
    add_books(migrator, db_index=False, null=True)
    migrator.apply(
        AddField("book", "title", models.CharField(max_length=10, default="t")),
        AlterUniqueTogether("book", [("author", "title")]),
        AddIndex("book", models.Index(fields=["author", "-id"], name="book_author")),
    )
    migrator.apply(RemoveIndex("book", "book_author"), AlterUniqueTogether("book", []))
    migrator.assert_schema_matches_state()
    migrator.apply(AlterUniqueTogether("book", [("author", "title")]), RemoveField("book", "title"))
    migrator.assert_schema_matches_state()
    assert migrator.rows("shop_book") == [(1, 1), (2, 2), (3, 3)]
