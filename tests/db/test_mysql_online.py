"""Online ALTER TABLE on MariaDB/MySQL, on a real server: each change asks for the ALGORITHM
(and LOCK) it can have, and the server accepts it on a table holding rows, so the change is
really instant or in place; writers go on during an index build; a foreign key is added in
place, with the rows checked before and after."""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects.mysql import pymysql
from sqlalchemy.engine import Connection
from support.backend_migrators import MySQLMigrator, add_books
from support.online_ddl import online_clause
from support.states import auto_pk, fk

from schemashift import models
from schemashift.db.backends import mysql_online
from schemashift.db.backends.mysql import MySQLSchemaEditor
from schemashift.db.backends.mysql_online import INPLACE, INSTANT, Server
from schemashift.db.connection import schema_editor
from schemashift.exceptions import DatabaseError
from schemashift.migrations.operations import (
    AddConstraint,
    AddField,
    AddIndex,
    AlterField,
    AlterModelTableComment,
    AlterUniqueTogether,
    CreateModel,
    RemoveConstraint,
    RemoveField,
    RemoveIndex,
    RenameField,
    RenameIndex,
)

pytestmark = pytest.mark.backends("mysql")

NAME_INDEX = models.Index(fields=["name"], name="author_name")
AGE_CHECK = models.CheckConstraint(condition=models.Q(age__gte=0), name="age_gte_0")


@pytest.fixture
def people(authors: MySQLMigrator) -> MySQLMigrator:
    """shop_author(id, name, age, nick NULL, code) with three rows, and an index on name."""
    if not getattr(authors.connection.dialect, "is_mariadb", False):
        pytest.skip("the clauses below are MariaDB's (10.4 and later)")
    authors.apply(
        AddField("author", "age", models.IntegerField(default=30)),
        AddField("author", "nick", models.CharField(max_length=10, null=True)),
        AddField("author", "code", models.IntegerField(default=1, db_index=True)),
        AddIndex("author", NAME_INDEX),
    )
    return authors


#: (what changes, the operations, the clause each statement ends with: None for none)
CHANGES = [
    (
        "add a nullable column",
        [AddField("author", "bio", models.CharField(max_length=99, null=True))],
        [INSTANT],
    ),
    (
        "add a column with a value for the rows",
        [AddField("author", "rank", models.IntegerField(default=5))],
        [INSTANT, INSTANT],
    ),
    (
        "add a unique column",
        [AddField("author", "serial", models.IntegerField(null=True, unique=True))],
        [INPLACE],
    ),
    (
        "add an indexed column",
        [AddField("author", "slug", models.SlugField(null=True))],
        [INSTANT, INPLACE],
    ),
    ("drop a column", [RemoveField("author", "nick")], [INSTANT]),
    ("drop an indexed column", [RemoveField("author", "code")], [INPLACE]),
    ("rename a column", [RenameField("author", "age", "years")], [INSTANT]),
    (
        "rename an indexed column and its index",
        [RenameField("author", "code", "number")],
        [INSTANT, INSTANT],
    ),
    (
        "give a column a database default",
        [AlterField("author", "age", models.IntegerField(db_default=7))],
        [INSTANT],
    ),
    (
        "make a column NOT NULL, filling its NULLs",
        [AlterField("author", "nick", models.CharField(max_length=10, default="x"))],
        [None, INPLACE],
    ),
    (
        "make a column NULL",
        [AlterField("author", "age", models.IntegerField(null=True))],
        [INPLACE],
    ),
    (
        "change a column's comment",
        [AlterField("author", "age", models.IntegerField(default=30, db_comment="years"))],
        [INSTANT],
    ),
    (
        "change a column's type (no online path: the table is copied)",
        [AlterField("author", "age", models.BigIntegerField(default=30))],
        [None],
    ),
    (
        "add and drop an index",
        [
            AddIndex("author", models.Index(fields=["age"], name="author_age")),
            RemoveIndex("author", "author_age"),
        ],
        [INPLACE, INPLACE],
    ),
    (
        "rename an index",
        [RenameIndex("author", new_name="author_name_2", old_name="author_name")],
        [INSTANT],
    ),
    (
        "add and drop a unique_together",
        [AlterUniqueTogether("author", [("name", "age")]), AlterUniqueTogether("author", [])],
        [INPLACE, INPLACE],
    ),
    (
        "add a CHECK (validated by a copy) and drop it",
        [AddConstraint("author", AGE_CHECK), RemoveConstraint("author", "age_gte_0")],
        [None, INSTANT],
    ),
    ("comment the table", [AlterModelTableComment("author", "People")], [INSTANT]),
]


@pytest.mark.parametrize(
    ("operations", "clauses"),
    [pytest.param(operations, clauses, id=what) for what, operations, clauses in CHANGES],
)
def test_each_change_asks_for_its_algorithm_and_the_server_grants_it_on_rows(
    people: MySQLMigrator, operations: list, clauses: list[str | None]
) -> None:
    statements = []
    for operation in operations:
        statements.extend(people.sql(operation))
        # the server refuses (1845, 1846) a clause it cannot honour: applying on rows proves it
        people.apply(operation)
    assert [online_clause(sql) for sql in statements] == clauses, statements
    assert len(people.rows("shop_author")) == 3
    people.assert_schema_matches_state()


def test_a_new_table_is_created_as_before(people: MySQLMigrator) -> None:
    operation = CreateModel(
        "Pet",
        [auto_pk(), ("owner", fk("shop.author")), ("tag", models.SlugField(unique=True))],
        options={"unique_together": [("owner", "tag")]},
    )
    statements = people.sql(operation)
    assert statements[0].startswith("CREATE TABLE `shop_pet`")
    assert [online_clause(sql) for sql in statements] == [None] * len(statements)
    assert not any("foreign_key_checks" in sql or "SELECT" in sql for sql in statements)


def test_a_table_with_a_unique_text_column_is_altered_as_before(people: MySQLMigrator) -> None:
    """MariaDB keeps a unique TEXT column as a hash over a hidden column: every ALTER of
    such a table copies it, and asking for more would only be refused."""
    add_code = AddField("author", "key", models.TextField(null=True, unique=True))
    assert [online_clause(sql) for sql in people.sql(add_code)] == [None]
    people.apply(add_code)
    add_rank = AddField("author", "rank", models.IntegerField(null=True))
    assert [online_clause(sql) for sql in people.sql(add_rank)] == [None]
    people.apply(add_rank)
    people.assert_schema_matches_state()


@pytest.mark.parametrize(
    ("server", "kind", "expected"),
    [
        (Server(True, (10, 11, 6)), "add column", INSTANT),
        (Server(True, (10, 3, 2)), "add column", INPLACE),
        (Server(True, (10, 3, 39)), "drop column", INPLACE),
        (Server(True, (10, 4, 0)), "drop column", INSTANT),
        (Server(False, (8, 0, 11)), "add column", INPLACE),
        (Server(False, (8, 0, 12)), "add column", INSTANT),
        (Server(False, (8, 0, 28)), "drop column", INPLACE),
        (Server(False, (8, 0, 29)), "drop column", INSTANT),
        (Server(False, (8, 0, 27)), "rename column", INPLACE),
        (Server(False, (8, 0, 28)), "rename column", INSTANT),
        (Server(False, (8, 4, 0)), "rename index", INPLACE),
        (Server(False, (8, 4, 0)), "drop check", None),
        (Server(False, None), "add column", INPLACE),
        (Server(True, (10, 11, 6)), "null or not null", INPLACE),
    ],
)
def test_the_clause_follows_the_server_and_its_version(
    server: Server, kind: str, expected: str | None
) -> None:
    assert mysql_online.online_clause(kind, server) == expected


def test_sql_written_without_a_server_assumes_the_oldest() -> None:
    editor = MySQLSchemaEditor(dialect=pymysql.dialect(), collect_sql=True)
    assert editor.online("ALTER TABLE `t` ADD COLUMN `c` integer NULL", "add column", "t") == (
        "ALTER TABLE `t` ADD COLUMN `c` integer NULL, ALGORITHM=INPLACE, LOCK=NONE"
    )


# -- writers during an index build ------------------------------------------------------------


def _fill(migrator: MySQLMigrator, rows: int) -> None:
    migrator.run_sql("DELETE FROM shop_author")
    migrator.run_sql(
        f"INSERT INTO shop_author (name) SELECT CONCAT('author ', seq) FROM seq_1_to_{rows}"
    )


def _build_and_write(engine: sa.Engine, create_index: str) -> tuple[int, int, list[float]]:
    """Run ``create_index`` on one connection while another inserts rows, each insert
    allowed to wait 1 s for a lock. Returns (inserts started while the build was under way
    (past its start, where it takes the table for a moment), of those the ones that finished
    while it still was, seconds each insert took)."""
    done = threading.Event()
    failure: list[BaseException] = []

    def build() -> None:
        try:
            with engine.connect() as connection:
                connection.exec_driver_sql(create_index)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            failure.append(exc)
        finally:
            done.set()

    def building(connection: Connection) -> bool:
        return bool(
            connection.exec_driver_sql(
                "SELECT 1 FROM information_schema.processlist WHERE info LIKE %s "
                "AND state = 'altering table'",
                ("CREATE INDEX%",),
            ).first()
        )

    seen, during, took = 0, 0, []
    with engine.connect() as writer, engine.connect() as observer:
        observer.execution_options(isolation_level="AUTOCOMMIT")
        with writer.begin():
            writer.exec_driver_sql("SET SESSION lock_wait_timeout = 1")
            writer.exec_driver_sql("SET SESSION innodb_lock_wait_timeout = 1")
        thread = threading.Thread(target=build)
        thread.start()
        deadline = time.monotonic() + 30
        while not done.is_set() and not building(observer) and time.monotonic() < deadline:
            time.sleep(0.005)
        while not done.is_set() and time.monotonic() < deadline:
            before = building(observer)
            started = time.monotonic()
            try:
                with writer.begin():
                    writer.exec_driver_sql("INSERT INTO shop_author (name) VALUES ('writer')")
            except sa.exc.OperationalError:
                pass  # waited a second for the table: not finished during the build
            else:
                if before and building(observer):
                    during += 1
            took.append(time.monotonic() - started)
            seen += before
        thread.join()
    if failure:
        raise failure[0]
    return seen, during, took


def test_writers_go_on_while_an_index_is_built_in_place(
    authors: MySQLMigrator, backend_url: str
) -> None:
    """A second connection inserts while the index is built; with LOCK=SHARED the same
    harness sees no insert finish during the build, so it would notice a blocking one."""
    if not getattr(authors.connection.dialect, "is_mariadb", False):
        pytest.skip("fills the table with MariaDB's sequence engine")
    index = models.Index(fields=["name"], name="author_name")
    (create_index,) = authors.sql(AddIndex("author", index))
    assert create_index.endswith(" ALGORITHM=INPLACE LOCK=NONE")
    engine = sa.create_engine(backend_url, poolclass=sa.pool.NullPool)
    try:
        rows = 200_000
        for _attempt in range(4):
            _fill(authors, rows)
            _seen, during, took = _build_and_write(engine, create_index)
            authors.run_sql("DROP INDEX author_name ON shop_author")
            if during >= 3:
                break
            rows *= 2  # the build ended before the writer saw it under way: a longer one
        assert during >= 3, f"only {during} inserts finished during a build of {rows} rows"
        blocking = create_index.replace("LOCK=NONE", "LOCK=SHARED")
        seen, during_shared, _took = _build_and_write(engine, blocking)
        assert seen >= 1 and during_shared == 0
    finally:
        engine.dispose()
    print(f"\ninserts during the build: {during}, slowest {max(took) * 1000:.0f} ms")


# -- foreign keys -----------------------------------------------------------------------------


@pytest.fixture
def loose_books(migrator: MySQLMigrator) -> MySQLMigrator:
    """shop_author (3 rows) and shop_book(author_id) without a foreign key constraint, one
    book naming author 99, who does not exist."""
    add_books(migrator)
    migrator.apply(AlterField("book", "author", fk("shop.author", db_constraint=False)))
    migrator.run_sql("INSERT INTO shop_book (author_id) VALUES (99)")
    return migrator


def test_a_foreign_key_rows_would_break_is_refused_before_anything_changes(
    loose_books: MySQLMigrator,
) -> None:
    before = loose_books.snapshot()
    with pytest.raises(DatabaseError) as refusal:
        loose_books.apply(AlterField("book", "author", fk("shop.author")))
    message = str(refusal.value)
    assert "shop_book.author_id" in message
    assert "1 row of table 'shop_book'" in message and "'shop_author'" in message
    assert "Nothing was changed." in message
    assert loose_books.snapshot() == before


def test_a_foreign_key_is_added_in_place_with_the_rows_checked_around_it(
    loose_books: MySQLMigrator,
) -> None:
    loose_books.run_sql("DELETE FROM shop_book WHERE author_id = 99")
    operation = AlterField("book", "author", fk("shop.author"))
    statements = loose_books.sql(operation)
    check, alter, check_again = statements[-3:]
    assert check.startswith("SELECT /* rows breaking a new foreign key */ 'before'")
    assert check_again.startswith("SELECT /* rows breaking a new foreign key */ 'after'")
    if getattr(loose_books.connection.dialect, "is_mariadb", False):
        assert alter.startswith("SET STATEMENT foreign_key_checks=0 FOR ALTER TABLE `shop_book`")
    assert alter.endswith("FOREIGN KEY (`author_id`) REFERENCES `shop_author` (`id`), " + INPLACE)
    loose_books.apply(operation)
    loose_books.assert_schema_matches_state()
    assert loose_books.run_sql("SELECT @@SESSION.foreign_key_checks") == [(1,)]
    with pytest.raises(sa.exc.IntegrityError):
        loose_books.run_sql("INSERT INTO shop_book (author_id) VALUES (98)")


def test_rows_written_while_the_key_was_added_stop_the_run_with_the_key_in_place(
    loose_books: MySQLMigrator,
) -> None:
    loose_books.run_sql("DELETE FROM shop_book WHERE author_id = 99")
    operation = AlterField("book", "author", fk("shop.author"))
    check_again = loose_books.sql(operation)[-1]
    loose_books.apply(operation)
    loose_books.run_sql("SET SESSION foreign_key_checks = 0")
    loose_books.run_sql("INSERT INTO shop_book (author_id) VALUES (98), (97)")
    loose_books.run_sql("SET SESSION foreign_key_checks = 1")
    editor = schema_editor(loose_books.connection, atomic=False)
    with pytest.raises(DatabaseError) as stop, editor:
        editor.run(check_again)
    assert "foreign key on shop_book.author_id was added, but 2 rows" in str(stop.value)
    assert "run migrate" in str(stop.value)


def test_a_foreign_key_to_its_own_table_counts_the_rows_it_names(
    authors: MySQLMigrator,
) -> None:
    loose = models.ForeignKey("shop.author", models.SET_NULL, null=True, db_constraint=False)
    authors.apply(AddField("author", "mentor", loose))
    authors.run_sql("UPDATE shop_author SET mentor_id = 1 WHERE id = 2")
    authors.run_sql("UPDATE shop_author SET mentor_id = 9 WHERE id = 3")
    strict = models.ForeignKey("shop.author", models.SET_NULL, null=True)
    with pytest.raises(DatabaseError, match="1 row of table 'shop_author' holds a mentor_id"):
        authors.apply(AlterField("author", "mentor", strict))
    authors.run_sql("UPDATE shop_author SET mentor_id = 2 WHERE id = 3")
    authors.apply(AlterField("author", "mentor", strict))
    authors.assert_schema_matches_state()


class MySQL8Editor(MySQLSchemaEditor):
    """The editor as on MySQL 8, which has no SET STATEMENT (the SQL it writes is MariaDB's
    too, so the real server here runs it)."""

    @property
    def server(self) -> Server:
        return Server(False, (8, 0, 36))


def test_without_set_statement_checks_are_off_for_the_one_statement(
    loose_books: MySQLMigrator,
) -> None:
    loose_books.run_sql("DELETE FROM shop_book WHERE author_id = 99")
    connection = loose_books.connection
    from_state = loose_books.state
    operation = AlterField("book", "author", fk("shop.author"))
    to_state = from_state.clone()
    operation.state_forwards("shop", to_state)
    collector = MySQL8Editor(connection, collect_sql=True)
    with collector:
        operation.database_forwards("shop", collector, from_state, to_state)
    alter = collector.collected_sql[-2]
    assert alter.startswith("/* with foreign_key_checks=0 */ ALTER TABLE `shop_book`")
    assert alter.endswith(INPLACE)
    with MySQL8Editor(connection) as editor:
        for sql in collector.collected_sql:
            editor.run(sql)  # INPLACE is refused (1846) unless the checks are off
    loose_books.state = to_state
    loose_books.assert_schema_matches_state()
    assert loose_books.run_sql("SELECT @@SESSION.foreign_key_checks") == [(1,)]
    with pytest.raises(DatabaseError), MySQL8Editor(connection) as editor:
        editor.run(alter)  # the key exists already: refused, and the setting is put back
    assert loose_books.run_sql("SELECT @@SESSION.foreign_key_checks") == [(1,)]
