"""Each backend names the lock a statement takes: read from the statements its editor writes
(collected without a database, as on a table that holds rows where the backend has online
forms), each in the light of those before it; and on PostgreSQL, the modes named are the ones
the server holds while the statement runs."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.mysql import pymysql
from sqlalchemy.dialects.postgresql import psycopg
from support.backend_migrators import PostgreSQLMigrator
from support.migrator import author_model, collect_sql, forwards, tutorial_operations
from support.states import auto_pk, fk

from schemashift import models
from schemashift.db.backends import postgresql_locks
from schemashift.db.backends.base import BaseSchemaEditor
from schemashift.db.backends.lock_comments import Lock, Seen, bare
from schemashift.db.backends.mysql import MySQLSchemaEditor
from schemashift.db.backends.postgresql import PostgreSQLSchemaEditor
from schemashift.db.backends.postgresql_online import unquote
from schemashift.db.backends.sqlite import SQLiteSchemaEditor
from schemashift.db.connection import schema_editor
from schemashift.migrations.operations import (
    AddConstraint,
    AddField,
    AddIndex,
    AlterField,
    AlterModelTable,
    AlterModelTableComment,
    AlterUniqueTogether,
    CreateModel,
    DeleteModel,
    RemoveConstraint,
    RemoveField,
    RemoveIndex,
    RenameField,
    RenameIndex,
    RunSQL,
)
from schemashift.migrations.operations.base import Operation
from schemashift.migrations.state import ProjectState

#: shop_author(id, name, nick NULL, age) with an index on name and a check on age, and
#: shop_book(id, author_id)
SHOP = [
    author_model(
        ("nick", models.CharField(max_length=10, null=True)),
        ("age", models.IntegerField(default=3)),
        indexes=[models.Index(fields=["name"], name="author_name")],
        constraints=[models.CheckConstraint(condition=models.Q(age__lt=200), name="age_lt_200")],
    ),
    CreateModel("Book", [auto_pk(), ("author", fk("shop.author"))]),
]
PET = CreateModel(
    "Pet", [auto_pk(), ("owner", fk("shop.author")), ("tag", models.SlugField(unique=True))]
)
AGE_CHECK = models.CheckConstraint(condition=models.Q(age__gte=0), name="age_gte_0")
NICK_REQUIRED = AlterField("author", "nick", models.CharField(max_length=10, default="x"))
EDITOR = AddField("book", "editor", fk("shop.author", null=True, related_name="+"))


def _mariadb() -> pymysql.dialect:
    dialect = pymysql.dialect()
    dialect.server_version_info = (10, 11, 6)
    dialect.is_mariadb = True
    return dialect


def _mysql() -> pymysql.dialect:
    dialect = pymysql.dialect()
    dialect.server_version_info = (8, 0, 36)
    return dialect


COLLECTORS: dict[str, Callable[[], BaseSchemaEditor]] = {
    "postgresql": lambda: PostgreSQLSchemaEditor(dialect=psycopg.dialect(), collect_sql=True),
    "mariadb": lambda: MySQLSchemaEditor(dialect=_mariadb(), collect_sql=True),
    "mysql": lambda: MySQLSchemaEditor(dialect=_mysql(), collect_sql=True),
}


def written(
    backend: str, *operations: Operation, live: bool = False
) -> list[tuple[str, str | None]]:
    """(statement, its lock comment) for what the editor writes for the operations after SHOP;
    ``live``: shop_author and shop_book hold rows."""
    editor = COLLECTORS[backend]()
    if live:
        editor.online_tables = {"shop_author", "shop_book"}
    state = ProjectState()
    for operation in SHOP:
        operation.state_forwards("shop", state)
    with editor:
        forwards("shop", editor, state, operations)
    statements = editor.collected_sql
    return list(zip(statements, editor.lock_comments(statements), strict=True))


def assert_comments(
    found: list[tuple[str, str | None]], expected: list[tuple[str, str | None]]
) -> None:
    """Each statement begins as expected and has the expected comment."""
    assert len(found) == len(expected), found
    for (sql, comment), (start, wanted) in zip(found, expected, strict=True):
        assert sql.startswith(start), (sql, start)
        assert comment == wanted, sql


# -- PostgreSQL -------------------------------------------------------------------------------

AUTHOR = '"shop_author"'
BOOK = '"shop_book"'
CATALOG = "reads and writes wait; only the catalog changes"
AE_CATALOG = f"-- lock: ACCESS EXCLUSIVE on {AUTHOR}: {CATALOG}"
SUE_AUTHOR = f"-- lock: SHARE UPDATE EXCLUSIVE on {AUTHOR}: reads and writes go on"
ROWS_CHANGED = (
    f"-- lock: ROW EXCLUSIVE on {AUTHOR}: reads and other writes go on; "
    "writes to the rows it changes wait"
)

POSTGRESQL = [
    (
        "a new table, its foreign key and indexes",
        [PET],
        False,
        [
            (
                'CREATE TABLE "shop_pet"',
                '-- lock: ACCESS EXCLUSIVE on "shop_pet": none others wait (the table is new)',
            ),
            (
                'ALTER TABLE "shop_pet" ADD CONSTRAINT',
                f"-- lock: SHARE ROW EXCLUSIVE on {AUTHOR}: writes wait while the rows of "
                '"shop_pet" are checked; reads go on',
            ),
            (
                'CREATE INDEX "shop_pet_owner',
                '-- lock: SHARE on "shop_pet": none others wait (the table is new)',
            ),
            (
                'CREATE INDEX "shop_pet_tag',
                '-- lock: SHARE on "shop_pet": none others wait (the table is new)',
            ),
        ],
    ),
    (
        "drop a table",
        [DeleteModel("Book")],
        True,
        [
            (
                f"DROP TABLE {BOOK}",
                f"-- lock: ACCESS EXCLUSIVE on {BOOK} and any table its foreign keys "
                "reference: reads and writes wait",
            )
        ],
    ),
    ("rename a table", [AlterModelTable("author", "people")], True, [("ALTER TABLE", AE_CATALOG)]),
    ("rename a column", [RenameField("author", "age", "years")], True, [("ALTER", AE_CATALOG)]),
    (
        "add a column and keep its default",
        [AddField("author", "rank", models.IntegerField(default=5))],
        True,
        [(f'ALTER TABLE {AUTHOR} ADD COLUMN "rank" integer DEFAULT 5', AE_CATALOG)],
    ),
    (
        "add a column and drop its default (a table without rows)",
        [AddField("author", "rank", models.IntegerField(default=5))],
        False,
        [("ALTER TABLE", AE_CATALOG), ('ALTER TABLE "shop_author" ALTER COLUMN', AE_CATALOG)],
    ),
    (
        "add a unique column to a table without rows",
        [AddField("author", "serial", models.IntegerField(null=True, unique=True))],
        False,
        [
            (
                "ALTER TABLE",
                f"-- lock: ACCESS EXCLUSIVE on {AUTHOR}: reads and writes wait while its "
                "index is built",
            )
        ],
    ),
    (
        "add a unique column to a table in use",
        [AddField("author", "serial", models.IntegerField(null=True, unique=True))],
        True,
        [
            ("ALTER TABLE", AE_CATALOG),
            ("CREATE UNIQUE INDEX CONCURRENTLY", SUE_AUTHOR),
            (
                "ALTER TABLE",
                f"-- lock: ACCESS EXCLUSIVE on {AUTHOR}: reads and writes wait; the index is "
                "built already",
            ),
        ],
    ),
    ("drop a column", [RemoveField("author", "nick")], True, [("ALTER TABLE", AE_CATALOG)]),
    (
        "set and drop a database default",
        [
            AlterField("author", "age", models.IntegerField(db_default=7)),
            AlterField("author", "age", models.IntegerField(default=3)),
        ],
        True,
        [("ALTER TABLE", AE_CATALOG), ("ALTER TABLE", AE_CATALOG)],
    ),
    (
        "make a column NOT NULL on a table without rows: the rows are scanned",
        [NICK_REQUIRED],
        False,
        [
            ('UPDATE "shop_author"', ROWS_CHANGED),
            (
                "ALTER TABLE",
                f"-- lock: ACCESS EXCLUSIVE on {AUTHOR}: reads and writes wait while every row "
                "is scanned for NULLs",
            ),
        ],
    ),
    (
        "make a column NOT NULL on a table in use: a validated check spares the scan",
        [NICK_REQUIRED],
        True,
        [
            ("ALTER TABLE", AE_CATALOG),
            ('UPDATE "shop_author"', ROWS_CHANGED),
            (
                'ALTER TABLE "shop_author" ADD CONSTRAINT',
                f"-- lock: ACCESS EXCLUSIVE on {AUTHOR}: reads and writes wait; no row is checked",
            ),
            (
                'ALTER TABLE "shop_author" VALIDATE',
                f"-- lock: SHARE UPDATE EXCLUSIVE on {AUTHOR}: reads and writes go on while the "
                "rows are checked",
            ),
            (
                'ALTER TABLE "shop_author" ALTER COLUMN "nick" SET NOT NULL',
                f"-- lock: ACCESS EXCLUSIVE on {AUTHOR}: reads and writes wait; no scan: a "
                "validated check proves there is no NULL",
            ),
            ('ALTER TABLE "shop_author" DROP CONSTRAINT', AE_CATALOG),
            ('ALTER TABLE "shop_author" ALTER COLUMN "nick" DROP DEFAULT', AE_CATALOG),
        ],
    ),
    (
        "make a column NULL",
        [AlterField("author", "age", models.IntegerField(null=True))],
        True,
        [("ALTER TABLE", AE_CATALOG)],
    ),
    (
        "change integer to bigint on a table that never held rows: a rewrite",
        [AlterField("author", "age", models.BigIntegerField(default=3))],
        False,
        [
            (
                'ALTER TABLE "shop_author" ALTER COLUMN "age" TYPE bigint',
                f"-- lock: ACCESS EXCLUSIVE on {AUTHOR}: reads and writes wait while the table "
                "and its indexes are rewritten",
            )
        ],
    ),
    (
        "make a varchar longer: maybe no rewrite",
        [AlterField("author", "nick", models.CharField(max_length=20, null=True))],
        True,
        [
            (
                'ALTER TABLE "shop_author" ALTER COLUMN "nick" TYPE varchar(20)',
                f"-- lock: ACCESS EXCLUSIVE on {AUTHOR}: reads and writes wait; the table and "
                "its indexes are rewritten unless the values keep their form (a longer varchar, "
                "say)",
            )
        ],
    ),
    (
        "add a foreign key to a table in use: NOT VALID, then VALIDATE",
        [EDITOR],
        True,
        [
            (
                'ALTER TABLE "shop_book" ADD COLUMN',
                f"-- lock: ACCESS EXCLUSIVE on {BOOK}: {CATALOG}",
            ),
            (
                'ALTER TABLE "shop_book" ADD CONSTRAINT',
                f"-- lock: SHARE ROW EXCLUSIVE on {BOOK} and {AUTHOR}: writes wait; reads go on; "
                "no row is checked",
            ),
            (
                'ALTER TABLE "shop_book" VALIDATE CONSTRAINT',
                f"-- lock: SHARE UPDATE EXCLUSIVE on {BOOK}, ROW SHARE on {AUTHOR}: reads and "
                "writes go on while the rows are checked",
            ),
            (
                "CREATE INDEX CONCURRENTLY",
                f"-- lock: SHARE UPDATE EXCLUSIVE on {BOOK}: reads and writes go on",
            ),
        ],
    ),
    (
        "add a check to a table in use: NOT VALID, then VALIDATE",
        [AddConstraint("author", AGE_CHECK)],
        True,
        [
            (
                "ALTER TABLE",
                f"-- lock: ACCESS EXCLUSIVE on {AUTHOR}: reads and writes wait; no row is checked",
            ),
            (
                'ALTER TABLE "shop_author" VALIDATE CONSTRAINT "age_gte_0"',
                f"-- lock: SHARE UPDATE EXCLUSIVE on {AUTHOR}: reads and writes go on while the "
                "rows are checked",
            ),
        ],
    ),
    (
        "add a check to a table without rows",
        [AddConstraint("author", AGE_CHECK)],
        False,
        [
            (
                "ALTER TABLE",
                f"-- lock: ACCESS EXCLUSIVE on {AUTHOR}: reads and writes wait while every row "
                "is checked",
            )
        ],
    ),
    (
        "add a unique_together to a table without rows",
        [AlterUniqueTogether("author", [("name", "age")])],
        False,
        [
            (
                "ALTER TABLE",
                f"-- lock: ACCESS EXCLUSIVE on {AUTHOR}: reads and writes wait while its index "
                "is built",
            )
        ],
    ),
    (
        "drop a check",
        [RemoveConstraint("author", "age_lt_200")],
        True,
        [('ALTER TABLE "shop_author" DROP CONSTRAINT "age_lt_200"', AE_CATALOG)],
    ),
    (
        "drop a foreign key and its column",
        [RemoveField("book", "author")],
        True,
        [
            (
                'ALTER TABLE "shop_book" DROP CONSTRAINT',
                f"-- lock: ACCESS EXCLUSIVE on {BOOK} and the table its foreign key references: "
                f"{CATALOG}",
            ),
            (
                'ALTER TABLE "shop_book" DROP COLUMN',
                f"-- lock: ACCESS EXCLUSIVE on {BOOK}: {CATALOG}",
            ),
        ],
    ),
    (
        "create and drop an index on a table without rows",
        [
            AddIndex("author", models.Index(fields=["age"], name="author_age")),
            RemoveIndex("author", "author_name"),
        ],
        False,
        [
            (
                'CREATE INDEX "author_age"',
                f"-- lock: SHARE on {AUTHOR}: writes wait while it is built; reads go on",
            ),
            (
                'DROP INDEX "author_name"',
                '-- lock: ACCESS EXCLUSIVE on the table of index "author_name": reads and writes '
                "wait",
            ),
        ],
    ),
    (
        "create and drop an index on a table in use",
        [
            AddIndex("author", models.Index(fields=["age"], name="author_age")),
            RemoveIndex("author", "author_age"),
        ],
        True,
        [("CREATE INDEX CONCURRENTLY", SUE_AUTHOR), ("DROP INDEX CONCURRENTLY", SUE_AUTHOR)],
    ),
    (
        "rename an index",
        [RenameIndex("author", new_name="author_name_2", old_name="author_name")],
        True,
        [
            (
                "ALTER INDEX",
                '-- lock: SHARE UPDATE EXCLUSIVE on index "author_name": reads and writes go on',
            )
        ],
    ),
    (
        "comment a table",
        [AlterModelTableComment("author", "People")],
        True,
        [("COMMENT ON TABLE", SUE_AUTHOR)],
    ),
    (
        "comment a column",
        [AlterField("author", "age", models.IntegerField(default=3, db_comment="years"))],
        True,
        [("COMMENT ON COLUMN", SUE_AUTHOR)],
    ),
    (
        "rows written by RunSQL; session settings",
        [
            RunSQL("UPDATE shop_author SET age = 4 WHERE id = 1"),
            RunSQL("INSERT INTO shop_author (name, age) VALUES ('Di', 5)"),
            RunSQL("DELETE FROM shop_book WHERE id = 1"),
            RunSQL("SET CONSTRAINTS ALL IMMEDIATE"),
            RunSQL("SET lock_timeout = '1s'"),
        ],
        True,
        [
            (
                "UPDATE",
                "-- lock: ROW EXCLUSIVE on shop_author: reads and other writes go on; writes to "
                "the rows it changes wait",
            ),
            ("INSERT", "-- lock: ROW EXCLUSIVE on shop_author: reads and writes go on"),
            (
                "DELETE",
                "-- lock: ROW EXCLUSIVE on shop_book: reads and other writes go on; writes to the "
                "rows it changes wait",
            ),
            ("SET CONSTRAINTS", None),
            ("SET lock_timeout", None),
        ],
    ),
]


@pytest.mark.parametrize(
    ("operations", "live", "expected"),
    [
        pytest.param(operations, live, expected, id=what)
        for what, operations, live, expected in POSTGRESQL
    ],
)
def test_postgresql_names_the_lock_of_each_statement_its_editor_writes(
    operations: list[Operation], live: bool, expected: list[tuple[str, str | None]]
) -> None:
    assert_comments(written("postgresql", *operations, live=live), expected)


#: statements the editor does not write yet, as PostgreSQL's manual spells them
POSTGRESQL_BY_HAND = [
    (
        'CREATE OR REPLACE FUNCTION "copy_age"() RETURNS trigger LANGUAGE plpgsql AS $$ '
        "BEGIN NEW.years := NEW.age; RETURN NEW; END $$",
        "-- lock: no table lock: reads and writes go on",
    ),
    (
        'CREATE OR REPLACE TRIGGER "copy_age" BEFORE INSERT OR UPDATE ON "shop_author" FOR EACH '
        'ROW EXECUTE FUNCTION "copy_age"()',
        f"-- lock: SHARE ROW EXCLUSIVE on {AUTHOR}: writes wait; reads go on",
    ),
    (
        'DROP TRIGGER IF EXISTS "copy_age" ON "shop_author"',
        f"-- lock: ACCESS EXCLUSIVE on {AUTHOR}: reads and writes wait",
    ),
    ('DROP FUNCTION IF EXISTS "copy_age"()', "-- lock: no table lock: reads and writes go on"),
    (
        'ALTER TABLE "shop_author" ADD CONSTRAINT "shop_author_pkey" PRIMARY KEY ("id")',
        f"-- lock: ACCESS EXCLUSIVE on {AUTHOR}: reads and writes wait while its index is built",
    ),
    (
        'ALTER TABLE "shop_author" ADD CONSTRAINT "shop_author_pkey" PRIMARY KEY USING INDEX '
        '"shop_author_id_uniq"',
        f"-- lock: ACCESS EXCLUSIVE on {AUTHOR}: reads and writes wait; the index is built already",
    ),
    (
        "SELECT setval(pg_get_serial_sequence('\"shop_author\"', 'id'), coalesce(max(\"id\"), "
        '0) + 1, false) FROM "shop_author"',
        f"-- lock: ACCESS SHARE on {AUTHOR}: reads and writes go on",
    ),
    ("SET CONSTRAINTS ALL IMMEDIATE", None),
    ("VACUUM ANALYZE shop_author", None),
]


@pytest.mark.parametrize(("sql", "comment"), POSTGRESQL_BY_HAND)
def test_postgresql_names_the_lock_of_triggers_functions_and_keys(
    sql: str, comment: str | None
) -> None:
    assert PostgreSQLSchemaEditor.lock_comment(sql) == comment


def test_a_statement_is_read_in_the_light_of_those_before_it() -> None:
    """An index, table or trigger made earlier in the migration is known by name; a table
    renamed after it was made is still new."""
    made = [
        'CREATE TABLE "shop_tag" ("id" bigint NOT NULL PRIMARY KEY)',
        'ALTER TABLE "shop_tag" RENAME TO "shop_label"',
        'CREATE INDEX "label_id" ON "shop_label" ("id")',
        'DROP INDEX "label_id"',
        'CREATE INDEX "author_age" ON "shop_author" ("age")',
        'ALTER INDEX "author_age" RENAME TO "author_years"',
        'DROP INDEX CONCURRENTLY IF EXISTS "author_years"',
    ]
    new = "none others wait (the table is new)"
    assert PostgreSQLSchemaEditor.lock_comments(made) == [
        f'-- lock: ACCESS EXCLUSIVE on "shop_tag": {new}',
        f'-- lock: ACCESS EXCLUSIVE on "shop_tag": {new}',
        f'-- lock: SHARE on "shop_label": {new}',
        f'-- lock: ACCESS EXCLUSIVE on "shop_label": {new}',
        f"-- lock: SHARE on {AUTHOR}: writes wait while it is built; reads go on",
        '-- lock: SHARE UPDATE EXCLUSIVE on index "author_age": reads and writes go on',
        SUE_AUTHOR,
    ]
    # the same statement read on its own does not know the table
    assert PostgreSQLSchemaEditor.lock_comment('DROP INDEX "label_id"') == (
        '-- lock: ACCESS EXCLUSIVE on the table of index "label_id": reads and writes wait'
    )


def test_set_not_null_after_a_validated_check_scans_no_row() -> None:
    guarded = [
        'ALTER TABLE "shop_author" ADD CONSTRAINT "nick_notnull" CHECK ("nick" IS NOT NULL)',
        'ALTER TABLE "shop_author" ALTER COLUMN "nick" SET NOT NULL',
        'ALTER TABLE "shop_author" ALTER COLUMN "age" SET NOT NULL',
    ]
    assert PostgreSQLSchemaEditor.lock_comments(guarded)[1:] == [
        f"-- lock: ACCESS EXCLUSIVE on {AUTHOR}: reads and writes wait; no scan: a validated "
        "check proves there is no NULL",
        f"-- lock: ACCESS EXCLUSIVE on {AUTHOR}: reads and writes wait while every row is "
        "scanned for NULLs",
    ]


def test_the_note_a_statement_begins_with_is_not_read_as_the_statement() -> None:
    backfill = (
        "-- Runs in batches of 500 rows in primary key order; each batch is its own transaction.\n"
        'UPDATE "shop_author" SET "age" = 1 WHERE "id" > :lo AND "id" <= :hi'
    )
    assert bare(backfill).startswith('UPDATE "shop_author"')
    assert PostgreSQLSchemaEditor.lock_comment(backfill) == ROWS_CHANGED


# -- MySQL / MariaDB --------------------------------------------------------------------------

M_AUTHOR, M_BOOK = "`shop_author`", "`shop_book`"
INSTANT = f"-- lock: metadata lock on {M_AUTHOR}, for a moment: reads and writes go on"
INPLACE = (
    f"-- lock: metadata lock on {M_AUTHOR}, at start and end: reads and writes go on in between"
)
COPY = (
    f"-- lock: metadata lock on {M_AUTHOR}: the server may copy the table, and writes wait "
    "while it does; reads go on"
)
ORPHAN_CHECK = f"-- lock: shared metadata lock on {M_BOOK} and {M_AUTHOR}: reads and writes go on"
M_NEW = "none others wait (the table is new)"

MYSQL = [
    (
        "mariadb",
        "add a column",
        [AddField("author", "bio", models.CharField(max_length=99, null=True))],
        [("ALTER TABLE", INSTANT)],
    ),
    (
        "mariadb",
        "add an index",
        [AddIndex("author", models.Index(fields=["age"], name="author_age"))],
        [
            (
                "CREATE INDEX `author_age` ON `shop_author` (`age`) ALGORITHM=INPLACE LOCK=NONE",
                INPLACE,
            )
        ],
    ),
    (
        "mariadb",
        "drop an index, add a unique constraint",
        [
            RemoveIndex("author", "author_name"),
            AddConstraint("author", models.UniqueConstraint(fields=["name"], name="name_uniq")),
        ],
        [("ALTER TABLE", INPLACE), ("ALTER TABLE", INPLACE)],
    ),
    (
        "mariadb",
        "add a foreign key: counted, added in place with the checks off, counted",
        [EDITOR],
        [
            ("ALTER TABLE `shop_book` ADD COLUMN", INSTANT.replace(M_AUTHOR, M_BOOK)),
            ("SELECT /* rows breaking a new foreign key */ 'before'", ORPHAN_CHECK),
            (
                "SET STATEMENT foreign_key_checks=0 FOR ALTER TABLE `shop_book` ADD CONSTRAINT",
                INPLACE.replace(M_AUTHOR, M_BOOK),
            ),
            ("SELECT /* rows breaking a new foreign key */ 'after'", ORPHAN_CHECK),
        ],
    ),
    (
        "mysql",
        "add a foreign key on MySQL: the checks off around the statement",
        [EDITOR],
        [
            ("ALTER TABLE `shop_book` ADD COLUMN", INSTANT.replace(M_AUTHOR, M_BOOK)),
            ("SELECT", ORPHAN_CHECK),
            ("/* with foreign_key_checks=0 */ ALTER TABLE", INPLACE.replace(M_AUTHOR, M_BOOK)),
            ("SELECT", ORPHAN_CHECK),
        ],
    ),
    (
        "mariadb",
        "add a check constraint: no online form, the table is copied",
        [AddConstraint("author", AGE_CHECK)],
        [("ALTER TABLE `shop_author` ADD CONSTRAINT `age_gte_0` CHECK", COPY)],
    ),
    (
        "mariadb",
        "change a column's type: through a column beside it, swapped in under the table lock",
        [AlterField("author", "age", models.BigIntegerField(default=3))],
        [
            ("ALTER TABLE `shop_author` ADD COLUMN `age__new` bigint NULL", INSTANT),
            (
                "CREATE TRIGGER IF NOT EXISTS",
                f"-- lock: exclusive metadata lock on {M_AUTHOR}, for a moment: reads and writes "
                "wait",
            ),
            (
                "CREATE TRIGGER IF NOT EXISTS",
                f"-- lock: exclusive metadata lock on {M_AUTHOR}, for a moment: reads and writes "
                "wait",
            ),
            (
                "UPDATE `shop_author` SET `age__new` = `age`",
                f"-- lock: row locks on {M_AUTHOR}: reads and other writes go on; writes to the "
                "rows it scans wait",
            ),
            (
                "/* locked */ LOCK TABLES `shop_author` WRITE;",
                f"-- lock: write lock on {M_AUTHOR}: reads and writes wait until UNLOCK TABLES",
            ),
            ("ALTER TABLE `shop_author` MODIFY `age` bigint NOT NULL", INPLACE),
        ],
    ),
    (
        "mariadb",
        "make a column NOT NULL: its fill value the default, its NULLs filled, rebuilt in place",
        [NICK_REQUIRED],
        [
            ("ALTER TABLE `shop_author` ALTER COLUMN `nick` SET DEFAULT", INSTANT),
            (
                "UPDATE `shop_author`",
                f"-- lock: row locks on {M_AUTHOR}: reads and other writes go on; writes to the "
                "rows it scans wait",
            ),
            ("ALTER TABLE `shop_author` MODIFY `nick`", INPLACE),
        ],
    ),
    (
        "mariadb",
        "a new table and its foreign key",
        [PET],
        [
            ("CREATE TABLE `shop_pet`", f"-- lock: exclusive metadata lock on `shop_pet`: {M_NEW}"),
            (
                "ALTER TABLE `shop_pet` ADD CONSTRAINT",
                f"-- lock: metadata lock on `shop_pet`: {M_NEW}",
            ),
        ],
    ),
    (
        "mariadb",
        "rename and drop tables",
        [AlterModelTable("author", "people"), DeleteModel("Book")],
        [
            (
                "ALTER TABLE `shop_author` RENAME TO `people`",
                f"-- lock: exclusive metadata lock on {M_AUTHOR}, for a moment: reads and writes "
                "wait",
            ),
            ("DROP TABLE", f"-- lock: exclusive metadata lock on {M_BOOK}: reads and writes wait"),
        ],
    ),
    (
        "mariadb",
        "rows written by RunSQL",
        [
            RunSQL("INSERT INTO shop_author (name, age) VALUES ('Di', 5)"),
            RunSQL("DELETE FROM shop_book WHERE id = 1"),
            RunSQL("SET SESSION lock_wait_timeout = 5"),
        ],
        [
            ("INSERT", "-- lock: row locks on shop_author: reads and writes go on"),
            (
                "DELETE",
                "-- lock: row locks on shop_book: reads and other writes go on; writes to the "
                "rows it scans wait",
            ),
            ("SET", None),
        ],
    ),
]


@pytest.mark.parametrize(
    ("server", "operations", "expected"),
    [
        pytest.param(server, operations, expected, id=what)
        for server, what, operations, expected in MYSQL
    ],
)
def test_mysql_names_the_lock_of_each_statement_its_editor_writes(
    server: str, operations: list[Operation], expected: list[tuple[str, str | None]]
) -> None:
    assert_comments(written(server, *operations, live=True), expected)


def test_mysql_names_the_lock_of_triggers_and_locked_tables() -> None:
    statements = [
        "CREATE TRIGGER IF NOT EXISTS `copy_age` BEFORE INSERT ON `shop_author` FOR EACH ROW "
        "SET NEW.`years` = NEW.`age`",
        "/* locked */ LOCK TABLES `shop_author` WRITE;\n"
        "DROP TRIGGER IF EXISTS `copy_age`;\n"
        "ALTER TABLE `shop_author` DROP COLUMN `age`, ALGORITHM=INSTANT;\n"
        "UNLOCK TABLES",
        "DROP TRIGGER IF EXISTS `copy_age`",
    ]
    trigger = f"-- lock: exclusive metadata lock on {M_AUTHOR}, for a moment: reads and writes wait"
    assert MySQLSchemaEditor.lock_comments(statements) == [
        trigger,
        f"-- lock: write lock on {M_AUTHOR}: reads and writes wait until UNLOCK TABLES",
        trigger,
    ]
    assert MySQLSchemaEditor.lock_comment("DROP TRIGGER `copy_age`") == (
        "-- lock: exclusive metadata lock on the trigger's table, for a moment: reads and writes "
        "wait"
    )


# -- SQLite and the base editor ---------------------------------------------------------------


def test_sqlite_names_the_databases_write_lock_for_every_statement_that_writes() -> None:
    collector = SQLiteSchemaEditor(dialect=sqlite.dialect(), collect_sql=True)
    statements = collect_sql(collector, *tutorial_operations())
    assert [sql.split(" ", 2)[:2] for sql in statements] == [
        ["CREATE", "TABLE"],
        ["CREATE", "TABLE"],
        ["CREATE", "INDEX"],
    ]
    write_lock = (
        "-- lock: the database's write lock: other writers wait until the transaction commits"
    )
    assert SQLiteSchemaEditor.lock_comments(statements) == [write_lock] * 3
    assert SQLiteSchemaEditor.lock_comment('INSERT INTO "new__polls_choice" SELECT 1') == write_lock
    assert SQLiteSchemaEditor.lock_comment("PRAGMA foreign_key_check") is None
    assert SQLiteSchemaEditor.lock_comment("SELECT 1") is None


def test_a_backend_that_does_not_say_gets_no_comment() -> None:
    assert BaseSchemaEditor.lock_comments(['DROP TABLE "t"', "SELECT 1"]) == [None, None]


def test_a_lock_reads_as_one_comment_line() -> None:
    assert Lock((("SHARE", '"a"'), ("SHARE", '"b"'), ("ROW SHARE", '"c"')), "x").comment() == (
        '-- lock: SHARE on "a" and "b", ROW SHARE on "c": x'
    )
    assert Lock((("no table lock", ""),), "reads and writes go on").comment() == (
        "-- lock: no table lock: reads and writes go on"
    )


# -- PostgreSQL, watched --------------------------------------------------------------------

#: PostgreSQL's table lock modes, weakest first
MODES = [
    "AccessShareLock",
    "RowShareLock",
    "RowExclusiveLock",
    "ShareUpdateExclusiveLock",
    "ShareLock",
    "ShareRowExclusiveLock",
    "ExclusiveLock",
    "AccessExclusiveLock",
]
_TABLES_SQL = (
    "SELECT oid, relname FROM pg_class "
    "WHERE relkind = 'r' AND relnamespace = current_schema()::regnamespace"
)
_HELD_SQL = (
    "SELECT relation, mode FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'relation'"
)


def _mode_name(mode: str) -> str:
    """``SHARE ROW EXCLUSIVE`` as pg_locks spells it: ``ShareRowExclusiveLock``."""
    return "".join(word.capitalize() for word in mode.split()) + "Lock"


def _run_watched(migrator: PostgreSQLMigrator, sql: str) -> dict[str, str]:
    """Run ``sql`` in a transaction of its own; the strongest lock the session holds on each
    table before it commits, the tables named as they were before it ran."""
    connection = migrator.connection
    strongest: dict[str, str] = {}
    with connection.begin():
        tables = dict(connection.exec_driver_sql(_TABLES_SQL).all())
        connection.exec_driver_sql(sql)
        for oid, mode in connection.exec_driver_sql(_HELD_SQL):
            table = tables.get(oid)
            if table and (
                table not in strongest or MODES.index(mode) > MODES.index(strongest[table])
            ):
                strongest[table] = mode
    return strongest


@pytest.mark.backends("postgresql")
def test_the_modes_named_are_the_ones_postgresql_holds(books: PostgreSQLMigrator) -> None:
    """Each statement of changes to tables holding rows runs in a transaction of its own (a
    concurrent one outside any); before it commits, the strongest lock the session holds on
    each table the comment names is the mode it names, and a table it does not name holds
    nothing that stops writers unless the comment says which table it locks without naming."""
    books.apply(
        AddField("author", "nick", models.CharField(max_length=10, null=True)),
        AddField("author", "age", models.IntegerField(default=3)),
        AddIndex("author", models.Index(fields=["name"], name="author_name")),
    )
    operations = [
        EDITOR,
        NICK_REQUIRED,
        AddConstraint("author", AGE_CHECK),
        AlterField("author", "age", models.BigIntegerField(default=3)),
        AddField("author", "serial", models.IntegerField(null=True, unique=True)),
        RenameIndex("author", new_name="author_name_2", old_name="author_name"),
        AlterModelTableComment("author", "People"),
        RemoveField("book", "author"),
        DeleteModel("Book"),
    ]
    seen, checked = Seen(), 0
    for operation in operations:
        with schema_editor(books.connection, collect_sql=True) as editor:
            editor.online_tables = {"shop_author", "shop_book"}
            forwards("shop", editor, books.state.clone(), [operation])
        for sql in editor.collected_sql:
            lock = postgresql_locks.classify(bare(sql), seen)
            assert lock is not None, sql
            if "CONCURRENTLY" in sql:
                connection = books.connection
                connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(sql)
                connection.commit()  # ended on the server already
                connection.execution_options(isolation_level=connection.default_isolation_level)
                continue
            held = _run_watched(books, sql)
            named = {
                unquote(table): _mode_name(mode)
                for mode, table in lock.held
                if table.startswith('"')
            }
            assert {table: held.get(table) for table in named} == named, sql
            unnamed = {t: m for t, m in held.items() if t not in named and MODES.index(m) > 2}
            if unnamed:
                assert any(not table.startswith('"') for _mode, table in lock.held), (sql, unnamed)
            checked += 1
        operation.state_forwards("shop", books.state)
    assert checked >= 20
