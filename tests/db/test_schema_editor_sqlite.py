"""What only the SQLite schema editor does, on real database files: the table rebuilds that
stand in for ALTER TABLE (column order, the autoincrement counter, every stored value and its
storage class kept), foreign key checks after a rebuild, and values written as SQL literals.
What every backend does is tested in ``test_schema_editor.py``."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.exc import IntegrityError
from support.backend_migrators import SQLiteMigrator
from support.migrator import author_model
from support.states import auto_pk, fk

from schemashift import models
from schemashift.db.connection import Database, schema_editor
from schemashift.db.introspection import ColumnInfo, ForeignKeyInfo
from schemashift.exceptions import DatabaseError
from schemashift.migrations.operations import (
    AddField,
    AlterField,
    AlterModelTable,
    AlterUniqueTogether,
    CreateModel,
    DeleteModel,
    RemoveField,
    RenameField,
    RunSQL,
)
from schemashift.utils.names import index_name

pytestmark = pytest.mark.backends("sqlite")


# -- CREATE TABLE --------------------------------------------------------------------------


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


# -- ADD COLUMN or rebuild -----------------------------------------------------------------


def test_auto_now_fields_fill_rows_with_the_current_utc_time(authors: SQLiteMigrator) -> None:
    before = datetime.datetime.now(datetime.UTC).replace(tzinfo=None, microsecond=0)
    authors.apply(
        AddField("author", "created", models.DateTimeField(auto_now_add=True)),
        AddField("author", "day", models.DateField(auto_now=True)),
    )
    created, day = authors.rows("shop_author", "created, day")[0]
    assert datetime.datetime.fromisoformat(created) >= before
    assert day == datetime.datetime.now(datetime.UTC).date().isoformat()


# -- ALTER FIELD ---------------------------------------------------------------------------


def test_a_rebuild_moves_the_altered_column_last_and_self_references_after_it(
    migrator: SQLiteMigrator,
) -> None:
    migrator.apply(
        author_model(
            ("boss", fk("shop.author", null=True)),
            ("age", models.IntegerField(null=True)),
        )
    )
    migrator.apply(AlterField("author", "name", models.CharField(max_length=30, unique=True)))
    assert migrator.column_order("shop_author") == ["id", "age", "name", "boss_id"]
    migrator.apply(AddField("author", "rank", models.IntegerField(default=0, unique=True)))
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


# -- rebuilds never lose a row -------------------------------------------------------------


#: a change SQLite makes by rebuilding the table (a unique column)
REBUILT_NAME = AlterField("author", "name", models.CharField(max_length=40, unique=True))


def test_a_rebuild_keeps_the_autoincrement_counter(authors: SQLiteMigrator) -> None:
    authors.run_sql("DELETE FROM shop_author WHERE id = 3")
    sql = authors.sql(REBUILT_NAME)
    assert sql[1] == (
        'UPDATE "sqlite_sequence" SET "name" = \'new__shop_author\' WHERE "name" = \'shop_author\''
    )
    authors.apply(REBUILT_NAME)
    authors.run_sql("INSERT INTO shop_author (name) VALUES ('Di')")
    assert [row[0] for row in authors.rows("shop_author")] == [1, 2, 4]
    assert authors.rows("sqlite_sequence") == [("shop_author", 4)]


def test_a_rebuild_of_an_emptied_table_keeps_its_counter(authors: SQLiteMigrator) -> None:
    authors.run_sql("DELETE FROM shop_author")
    authors.apply(REBUILT_NAME)
    authors.run_sql("INSERT INTO shop_author (name) VALUES ('Di')")
    assert authors.rows("shop_author", "id") == [(4,)]


def test_a_rebuild_of_a_table_never_written_starts_ids_at_one(migrator: SQLiteMigrator) -> None:
    migrator.apply(author_model(), REBUILT_NAME)
    migrator.run_sql("INSERT INTO shop_author (name) VALUES ('Di')")
    assert migrator.rows("shop_author", "id") == [(1,)]


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


def test_broken_foreign_keys_fail_the_migration(authors: SQLiteMigrator) -> None:
    authors.apply(CreateModel("Book", [auto_pk(), ("author", fk("shop.author"))]))
    with pytest.raises(DatabaseError, match='table "shop_book" row 1 points at a missing row'):
        authors.apply(
            RunSQL("INSERT INTO shop_book (author_id) VALUES (42)"),
            AddField("book", "n", models.IntegerField(default=0)),
        )
    assert authors.rows("shop_book") == []
    assert authors.column_order("shop_book") == ["id", "author_id"]


# -- values rendered as literals -----------------------------------------------------------


NASTY_TEXT = 'it\'s; DROP TABLE shop_author; -- \\ "q" \u00e9\u4e2d\U0001f600 \x00 end'


def test_a_text_default_with_nul_is_stored_exactly(authors: SQLiteMigrator) -> None:
    """Every backend stores text defaults exactly (``test_schema_editor.py``); SQLite's text
    may also hold NUL, which PostgreSQL refuses."""
    authors.apply(AddField("author", "value", models.CharField(max_length=99, default=NASTY_TEXT)))
    assert authors.rows("shop_author", "value") == [(NASTY_TEXT,)] * 3


def test_nan_cannot_be_a_default(authors: SQLiteMigrator) -> None:
    from schemashift.exceptions import ModelDefinitionError

    with pytest.raises(ModelDefinitionError, match="nan"):
        authors.apply(AddField("author", "value", models.FloatField(default=float("nan"))))


def test_a_backwards_rebuild_puts_the_altered_column_first_as_django_does(
    migrator: SQLiteMigrator,
) -> None:
    migrator.apply(author_model(("age", models.IntegerField(null=True))))
    wide = AlterField("author", "name", models.CharField(max_length=30, unique=True))
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
    assert "DEFAULT 'it''s; DROP TABLE x; -- \\ \"q\" \u00e9' NOT NULL" in sql[0]
    sql = authors.sql(AddField("author", "value", models.CharField(max_length=5, default="a\x00")))
    assert 'SELECT "id", "name", CAST(X\'6100\' AS TEXT) FROM' in sql[2]


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
