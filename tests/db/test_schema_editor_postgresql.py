"""What only the PostgreSQL schema editor does, on a real server: identity columns, deferred
foreign keys, ALTER COLUMN ... USING, 63-character names and its catalog queries; the live
schema is checked against the migration state after each step. What every backend does is
tested in ``test_schema_editor.py``."""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import psycopg
from sqlalchemy.engine import Connection
from support.backend_migrators import PostgreSQLMigrator
from support.migrator import author_model, collect_sql, tutorial_operations
from support.states import auto_pk, fk

from schemashift import models
from schemashift.db.backends.alter_table import AlterTableSchemaEditor
from schemashift.db.backends.postgresql import PostgreSQLSchemaEditor
from schemashift.db.connection import schema_editor
from schemashift.db.introspection import ForeignKeyInfo
from schemashift.exceptions import DatabaseError, ModelDefinitionError
from schemashift.migrations.operations import (
    AddField,
    AlterField,
    AlterModelTable,
    AlterUniqueTogether,
    CreateModel,
    RenameField,
    RenameModel,
    RunSQL,
)
from schemashift.utils.names import index_name

pytestmark = pytest.mark.backends("postgresql")


# -- CREATE TABLE --------------------------------------------------------------------------


def test_the_tutorial_sql_runs_as_printed(migrator: PostgreSQLMigrator) -> None:
    """What sqlmigrate prints runs as it is and builds the schema the state describes."""
    operations = tutorial_operations()
    collector = PostgreSQLSchemaEditor(dialect=psycopg.dialect(), collect_sql=True)
    sql = collect_sql(collector, *operations)
    with migrator.connection.begin():
        migrator.connection.exec_driver_sql(";\n".join(sql) + ";")
    migrator.app = "polls"
    for operation in operations:
        operation.state_forwards("polls", migrator.state)
    migrator.assert_schema_matches_state()


def test_foreign_keys_are_deferred_until_the_migration_ends(authors: PostgreSQLMigrator) -> None:
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
    for atomic in (True, False):  # checked by the COMMIT; step by step, before each one
        with pytest.raises(DatabaseError, match="Foreign key check failed, nothing was changed"):
            authors.apply(
                RunSQL("INSERT INTO shop_book (author_id) VALUES (99)"),
                AddField("author", "age", models.IntegerField(null=True)),
                atomic=atomic,
            )
        assert authors.rows("shop_book") == [(1, 42)]
        assert "age" not in authors.snapshot()["shop_author"].columns


# -- the migration's transaction -------------------------------------------------------------


def _lock_timeout(connection: Connection) -> str:
    """The session's lock_timeout, read outside the migration (in a transaction rolled back)."""
    value = connection.exec_driver_sql("SHOW lock_timeout").scalar_one()
    connection.rollback()
    return value


def test_a_migration_s_lock_limit_lasts_for_its_transaction_only(
    authors: PostgreSQLMigrator,
) -> None:
    connection = authors.connection
    connection.rollback()
    default = _lock_timeout(connection)
    sent: list[str] = []

    def record(*args: Any) -> None:
        sent.append(args[2])

    def committed(connection: Connection) -> None:
        sent.append("COMMIT")

    for fails in (False, True):
        editor = schema_editor(connection, atomic=True)
        editor.lock_timeout = 0.25
        sa.event.listen(connection, "before_cursor_execute", record)
        sa.event.listen(connection, "commit", committed)
        with pytest.raises(DatabaseError) if fails else nullcontext(), editor:
            assert editor.query("SHOW lock_timeout") == [("250ms",)]
            editor.run("UPDATE shop_author SET name = name || '!' WHERE id = 1")
            if fails:
                editor.run("SELECT no_such_column FROM shop_author")
        sa.event.remove(connection, "before_cursor_execute", record)
        sa.event.remove(connection, "commit", committed)
        assert not connection.in_transaction()
        assert _lock_timeout(connection) == default
    assert sent[:4] == [
        "SET LOCAL lock_timeout = '250ms'",
        "SHOW lock_timeout",
        "UPDATE shop_author SET name = name || '!' WHERE id = 1",
        "COMMIT",  # which checks the deferred foreign keys
    ]
    assert authors.rows("shop_author")[0] == (1, "Ann!")

    editor = schema_editor(connection, atomic=False)
    editor.lock_timeout = 0.25
    with editor:
        assert _lock_timeout(connection) == "250ms"  # each step's transaction has it
    assert _lock_timeout(connection) == default


def test_tables_holding_rows_leaves_the_connection_as_it_found_it(
    authors: PostgreSQLMigrator,
) -> None:
    authors.apply(CreateModel("Empty", [auto_pk()]))
    connection = authors.connection
    connection.rollback()
    tables = {"shop_author", "shop_empty", "shop_missing"}
    assert PostgreSQLSchemaEditor.tables_holding_rows(connection, tables) == {"shop_author"}
    assert not connection.in_transaction()
    assert connection.get_isolation_level() == connection.default_isolation_level
    connection.exec_driver_sql("INSERT INTO shop_empty DEFAULT VALUES")
    assert PostgreSQLSchemaEditor.tables_holding_rows(connection, tables) == tables - {
        "shop_missing"
    }
    assert not connection.in_transaction()  # committed, as before
    assert authors.rows("shop_empty") == [(1,)]


# -- ALTER COLUMN --------------------------------------------------------------------------


def test_a_new_kind_of_type_converts_with_using(authors: PostgreSQLMigrator) -> None:
    authors.apply(AddField("author", "age", models.IntegerField(default=41)))
    operation = AlterField("author", "age", models.BigIntegerField(default=41))
    assert authors.sql(operation) == [
        'ALTER TABLE "shop_author" ALTER COLUMN "age" TYPE bigint USING "age"::bigint'
    ]
    authors.apply(operation)
    authors.run_sql("UPDATE shop_author SET age = %s WHERE id = 1", (2**40,))
    authors.apply(AlterField("author", "age", models.CharField(max_length=20, default="41")))
    assert authors.rows("shop_author", "id, age") == [(1, str(2**40)), (2, "41"), (3, "41")]


def test_a_positive_integer_gets_and_loses_its_check(authors: PostgreSQLMigrator) -> None:
    authors.apply(AddField("author", "age", models.IntegerField(default=3)))
    authors.apply(AlterField("author", "age", models.PositiveIntegerField(default=3)))
    assert "CHECK ((age >= 0))" in authors.constraints("shop_author").values()
    with pytest.raises(Exception, match="check constraint"):
        authors.run_sql("UPDATE shop_author SET age = -1")
    authors.apply(AlterField("author", "age", models.IntegerField(default=3)))
    authors.run_sql("UPDATE shop_author SET age = -1 WHERE id = 1")
    assert authors.rows("shop_author", "age") == [(-1,), (3,), (3,)]


def test_a_foreign_key_on_retargeted_and_off(authors: PostgreSQLMigrator) -> None:
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


def test_a_primary_key_type_change_follows_into_foreign_keys(migrator: PostgreSQLMigrator) -> None:
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


def test_an_integer_primary_key_becomes_an_identity_past_the_rows(
    migrator: PostgreSQLMigrator,
) -> None:
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
    authors: PostgreSQLMigrator,
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


def test_renaming_a_table_keeps_data_and_foreign_keys_follow(authors: PostgreSQLMigrator) -> None:
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
    assert list(authors.snapshot()["Odd Writers"].indexes) == [
        index_name("Odd Writers", ["nick"]),
        index_name("Odd Writers", ["nick"], "_like"),
    ]
    authors.run_sql('INSERT INTO "Odd Writers" (name) VALUES (%s)', ("Di",))
    assert authors.rows("Odd Writers", "id")[-1] == (4,)


# -- names ---------------------------------------------------------------------------------


def test_long_names_fit_63_characters_with_a_stable_hash(migrator: PostgreSQLMigrator) -> None:
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


# -- values --------------------------------------------------------------------------------


def test_text_with_nul_cannot_be_a_default(authors: PostgreSQLMigrator) -> None:
    with pytest.raises(ModelDefinitionError, match="NUL"):
        authors.apply(AddField("author", "value", models.TextField(default="a\x00b")))


def test_run_sql_binds_params_and_inlines_them_when_collected(authors: PostgreSQLMigrator) -> None:
    update = ("UPDATE shop_author SET name = %s WHERE id = %s", ["it's 100%", 1])
    authors.apply(
        RunSQL("UPDATE shop_author SET name = name || '%' WHERE id = 2"), RunSQL([update])
    )
    assert authors.rows("shop_author") == [(1, "it's 100%"), (2, "Bob%"), (3, "Cy")]
    assert authors.sql(RunSQL([update])) == [
        "UPDATE shop_author SET name = 'it''s 100%' WHERE id = 1"
    ]


def test_live_constraints_from_the_catalog_match_the_inspector_s(
    migrator: PostgreSQLMigrator,
) -> None:
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
        ("index", ("code",)),  # the _like index of a unique varchar column
    }


def test_the_like_index_follows_the_column_type_and_its_index(
    authors: PostgreSQLMigrator,
) -> None:
    """As Django's PostgreSQL editor: varchar_pattern_ops while the indexed column is varchar,
    text_pattern_ops once it is text, none once it is not indexed."""
    index = index_name("shop_author", ["name"])
    like = index_name("shop_author", ["name"], "_like")
    authors.apply(AlterField("author", "name", models.CharField(max_length=20, db_index=True)))
    text = AlterField("author", "name", models.TextField(db_index=True))
    assert authors.sql(text) == [
        f'DROP INDEX "{like}"',
        'ALTER TABLE "shop_author" ALTER COLUMN "name" TYPE text USING "name"::text',
        f'CREATE INDEX "{like}" ON "shop_author" ("name" text_pattern_ops)',
    ]
    authors.apply(text)
    authors.assert_schema_matches_state()
    plain = AlterField("author", "name", models.TextField())
    assert authors.sql(plain) == [f'DROP INDEX "{index}"', f'DROP INDEX "{like}"']
    authors.apply(plain)
    assert authors.snapshot()["shop_author"].indexes == {}
    authors.assert_schema_matches_state()
