"""What only the MySQL/MariaDB schema editor does, on a real server: DDL that commits at once,
checks made before an operation starts, prefix indexes, 64-character names, MODIFY and RENAME
INDEX, and reading MySQL's column types. What every backend does is tested in
``test_schema_editor.py``."""

from __future__ import annotations

import pytest
from sqlalchemy.dialects.mysql import pymysql
from sqlalchemy.engine import Connection
from support.backend_migrators import MySQLMigrator, add_books
from support.migrator import author_model
from support.states import auto_pk, fk

from schemashift import models
from schemashift.db.backends.mysql import MySQLSchemaEditor, declared_type, split_sql
from schemashift.db.connection import schema_editor
from schemashift.db.introspection import ColumnInfo, ForeignKeyInfo
from schemashift.exceptions import DatabaseError
from schemashift.migrations.operations import (
    AddField,
    AddIndex,
    AlterField,
    AlterUniqueTogether,
    CreateModel,
    RemoveField,
    RemoveIndex,
    RenameField,
    RunSQL,
)
from schemashift.utils.names import index_name

pytestmark = pytest.mark.backends("mysql")


# -- CREATE TABLE --------------------------------------------------------------------------


def test_positive_fields_refuse_negative_values(migrator: MySQLMigrator) -> None:
    migrator.apply(CreateModel("Thing", [auto_pk(), ("n", models.PositiveIntegerField())]))
    with pytest.raises(Exception, match="(?i)constraint|out of range"):
        migrator.run_sql("INSERT INTO shop_thing (n) VALUES (-1)")


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
    assert len(names) == 2  # the foreign key uses the unique_together index, as in Django
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


# -- ADD COLUMN ----------------------------------------------------------------------------


def test_text_blob_and_json_defaults_are_filled_in_by_update(authors: MySQLMigrator) -> None:
    operation = AddField("author", "bio", models.TextField(default="it's"))
    assert authors.sql(operation) == [
        "ALTER TABLE `shop_author` ADD COLUMN `bio` longtext NULL, ALGORITHM=INSTANT",
        "UPDATE `shop_author` SET `bio` = 'it''s'",
        "ALTER TABLE `shop_author` MODIFY `bio` longtext NOT NULL, ALGORITHM=INPLACE, LOCK=NONE",
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


# -- ALTER FIELD ---------------------------------------------------------------------------


def test_narrowing_below_the_stored_values_fails_and_keeps_them(authors: MySQLMigrator) -> None:
    with pytest.raises(DatabaseError, match="MODIFY `name` varchar\\(2\\)"):
        authors.apply(AlterField("author", "name", models.CharField(max_length=2)))
    assert authors.rows("shop_author") == [(1, "Ann"), (2, "Bob"), (3, "Cy")]
    assert authors.snapshot()["shop_author"].columns["name"].type == "varchar(20)"


def test_renaming_a_field_renames_the_column_and_its_index(authors: MySQLMigrator) -> None:
    authors.apply(AlterField("author", "name", models.CharField(max_length=20, db_index=True)))
    operation = RenameField("author", "name", "full_name")
    old, new = (index_name("shop_author", [c], "", 64) for c in ("name", "full_name"))
    assert authors.sql(operation) == [
        "ALTER TABLE `shop_author` RENAME COLUMN `name` TO `full_name`, ALGORITHM=INSTANT",
        f"ALTER TABLE `shop_author` RENAME INDEX `{old}` TO `{new}`, ALGORITHM=INSTANT",
    ]
    authors.apply(operation)
    assert authors.rows("shop_author", "id, full_name") == [(1, "Ann"), (2, "Bob"), (3, "Cy")]
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


def test_a_positive_field_keeps_its_check_through_a_change(authors: MySQLMigrator) -> None:
    authors.apply(AddField("author", "n", models.PositiveIntegerField(default=1)))
    authors.apply(AlterField("author", "n", models.PositiveBigIntegerField(default=1)))
    assert "CHECK (`n` >= 0)" in authors.table_sql("shop_author")
    authors.apply(AlterField("author", "n", models.BigIntegerField(default=1)))
    assert "CHECK" not in authors.table_sql("shop_author")
    authors.assert_schema_matches_state()


# -- transactions and RunSQL ---------------------------------------------------------------


def test_each_operation_of_an_atomic_migration_commits_on_its_own(
    migrator: MySQLMigrator,
) -> None:
    migrator.apply(author_model())
    with pytest.raises(DatabaseError, match="nowhere"):
        migrator.apply(
            AddField("author", "age", models.IntegerField(default=3)),
            RunSQL("INSERT INTO shop_author (name, age) VALUES ('Ann', 1)"),
            RunSQL("INSERT INTO nowhere VALUES (1)"),
            atomic=True,
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


def test_split_sql_respects_quotes_and_comments() -> None:
    script = "SELECT 'a;''b', \"c;\\\"d\", `e;f`; /* g; */ SELECT 1 # h;\n; ;"
    assert split_sql(script) == ["SELECT 'a;''b', \"c;\\\"d\", `e;f`", "/* g; */ SELECT 1 # h;"]


# -- values --------------------------------------------------------------------------------


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
        "CREATE INDEX `author_bio` ON `shop_author` (`bio`(191) DESC, `blob`(191), `name`) "
        "ALGORITHM=INPLACE LOCK=NONE"
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
