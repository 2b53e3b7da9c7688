"""``sqlmigrate`` prints, directly above each statement, a comment naming the lock it takes and
what that means for the table's readers and writers; the SQL runs as printed."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from support.tutorial import TUTORIAL_MODELS, query
from support.tutorial_project import TutorialProject, change, start

from schemashift import api

#: an index on polls_question and a second foreign key from polls_choice to it: two tables
#: that hold rows
INDEX_AND_FOREIGN_KEY = TUTORIAL_MODELS.replace(
    '    pub_date = models.DateTimeField("date published")\n',
    '    pub_date = models.DateTimeField("date published")\n\n'
    "    class Meta:\n"
    '        indexes = [models.Index(fields=["pub_date"], name="question_pub_idx")]\n',
).replace(
    "    votes = models.IntegerField(default=0)\n",
    "    votes = models.IntegerField(default=0)\n"
    "    related = models.ForeignKey(\n"
    '        Question, null=True, on_delete=models.SET_NULL, related_name="+"\n'
    "    )\n",
)


def statements_and_locks(sql: str) -> list[tuple[str, str]]:
    """(statement, the line above it) for each statement sqlmigrate printed."""
    lines = sql.splitlines()
    return [
        (line, lines[number - 1])
        for number, line in enumerate(lines)
        if not line.startswith("--") and line not in ("BEGIN;", "COMMIT;")
    ]


def lock_above(sql: str, part: str) -> str:
    """The line above the one statement holding ``part``."""
    (found,) = [lock for statement, lock in statements_and_locks(sql) if part in statement]
    return found


@pytest.mark.backends("sqlite")
def test_on_sqlite_every_statement_of_the_tutorial_takes_the_databases_write_lock(
    api_project: TutorialProject,
) -> None:
    api_project.load(TUTORIAL_MODELS)
    api.makemigrations("polls")
    sql = api.sqlmigrate("polls", "0001")
    assert sql.startswith("BEGIN;\n--\n-- Create model Question\n--\n") and sql.endswith("COMMIT;")
    found = statements_and_locks(sql)
    assert [statement.split(" (")[0] for statement, _lock in found] == [
        'CREATE TABLE "polls_question"',
        'CREATE TABLE "polls_choice"',
        'CREATE INDEX "polls_choice_question_id_c5b4b260" ON "polls_choice"',
    ]
    assert {lock for _statement, lock in found} == {
        "-- lock: the database's write lock: other writers wait until the transaction commits"
    }


@pytest.mark.backends("postgresql")
def test_on_postgresql_an_index_and_a_foreign_key_on_tables_in_use_say_who_waits(
    api_project: TutorialProject,
) -> None:
    start(api_project)
    name = change(api_project, INDEX_AND_FOREIGN_KEY)
    sql = api.sqlmigrate("polls", name)
    assert lock_above(sql, 'CREATE INDEX CONCURRENTLY "question_pub_idx"') == (
        '-- lock: SHARE UPDATE EXCLUSIVE on "polls_question": reads and writes go on'
    )
    assert lock_above(sql, 'ADD COLUMN "related_id"') == (
        '-- lock: ACCESS EXCLUSIVE on "polls_choice": reads and writes wait; only the catalog '
        "changes"
    )
    assert lock_above(sql, 'FOREIGN KEY ("related_id")') == (
        '-- lock: SHARE ROW EXCLUSIVE on "polls_choice" and "polls_question": writes wait; reads '
        "go on; no row is checked"
    )
    assert lock_above(sql, "VALIDATE CONSTRAINT") == (
        '-- lock: SHARE UPDATE EXCLUSIVE on "polls_choice", ROW SHARE on "polls_question": reads '
        "and writes go on while the rows are checked"
    )
    assert lock_above(sql, 'CREATE INDEX CONCURRENTLY "polls_choice_related_id') == (
        '-- lock: SHARE UPDATE EXCLUSIVE on "polls_choice": reads and writes go on'
    )
    assert len(statements_and_locks(sql)) == 5
    assert all(lock.startswith("-- lock: ") for _statement, lock in statements_and_locks(sql))

    # as printed, comments and all, each statement runs (on its own, as migrate runs them)
    engine = sa.create_engine(api_project.database_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            for chunk in sql.removesuffix(";").split(";\n"):
                connection.exec_driver_sql(chunk)
    finally:
        engine.dispose()
    assert query(
        api_project,
        "SELECT conname, convalidated FROM pg_constraint "
        "WHERE conrelid = 'polls_choice'::regclass AND contype = 'f' ORDER BY conname",
    ) == [
        ("polls_choice_question_id_c5b4b260_fk_polls_question_id", True),
        ("polls_choice_related_id_18ed7ec9_fk_polls_question_id", True),
    ]
    assert query(
        api_project, "SELECT indexname FROM pg_indexes WHERE indexname = 'question_pub_idx'"
    ) == [("question_pub_idx",)]


@pytest.mark.backends("postgresql")
def test_on_postgresql_the_tables_a_migration_creates_are_new(
    api_project: TutorialProject,
) -> None:
    api_project.load(TUTORIAL_MODELS)
    api.makemigrations("polls")
    sql = api.sqlmigrate("polls", "0001")
    assert sql.startswith("BEGIN;") and sql.endswith("COMMIT;")
    assert [lock for _statement, lock in statements_and_locks(sql)] == [
        '-- lock: ACCESS EXCLUSIVE on "polls_question": none others wait (the table is new)',
        '-- lock: ACCESS EXCLUSIVE on "polls_choice": none others wait (the table is new)',
        '-- lock: SHARE ROW EXCLUSIVE on "polls_choice" and "polls_question": none others wait '
        "(the table is new)",
        '-- lock: SHARE on "polls_choice": none others wait (the table is new)',
    ]


@pytest.mark.backends("mysql")
def test_on_mysql_online_statements_say_reads_and_writes_go_on(
    api_project: TutorialProject,
) -> None:
    start(api_project)
    name = change(api_project, INDEX_AND_FOREIGN_KEY)
    sql = api.sqlmigrate("polls", name)
    in_place = [
        (statement, lock)
        for statement, lock in statements_and_locks(sql)
        if statement.endswith(("ALGORITHM=INPLACE, LOCK=NONE;", "ALGORITHM=INPLACE LOCK=NONE;"))
    ]
    assert len(in_place) == 2, sql  # the foreign key (InnoDB indexes it itself) and the index
    for statement, lock in in_place:
        table = "`polls_question`" if "`question_pub_idx`" in statement else "`polls_choice`"
        assert lock == (
            f"-- lock: metadata lock on {table}, at start and end: reads and writes go on in "
            "between"
        ), statement
    assert lock_above(sql, "'before', 'polls_choice', 'related_id'") == (
        "-- lock: shared metadata lock on `polls_choice` and `polls_question`: reads and writes "
        "go on"
    )
    assert all(lock.startswith("-- lock: ") for _statement, lock in statements_and_locks(sql))

    # the server grants what the statements ask for, on tables with rows
    api.migrate()
    assert ("polls", name) in query(api_project, "SELECT app, name FROM schemashift_migrations")
