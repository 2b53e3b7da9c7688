"""``migrate`` on SQLite runs no statement beyond the needed ones: for a small known history,
every statement the driver executed, in order, against the list it should be."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from support.api_project import ApiProject, api_project_at
from support.polls_migrations import ADD_AUTHOR, INITIAL, history
from support.tutorial import WIDENED

from schemashift import api
from schemashift.migrations.migration import Migration
from schemashift.migrations.operations.base import Operation
from schemashift.migrations.state import ProjectState

pytestmark = pytest.mark.backends("sqlite")

WIDEN = """\
from schemashift import migrations, models


class Migration(migrations.Migration):
    dependencies = [("polls", "0002_question_author")]

    operations = [
        migrations.AlterField(
            model_name="question",
            name="question_text",
            field=models.CharField(max_length=500),
        ),
    ]
"""

#: before the first migration: the history and progress tables, and what the drift check reads
SET_UP = 33
#: each migration: foreign keys off (and back on after), its transaction, its history row
OPEN = ["PRAGMA foreign_keys", "PRAGMA foreign_keys = OFF", "BEGIN IMMEDIATE"]
CLOSE = ["COMMIT", "PRAGMA foreign_keys = ON"]
HISTORY = 'INSERT INTO "schemashift_migrations" ("app", "name", "applied", "checksum") VALUES'
EXPECTED = [
    *OPEN,
    'CREATE TABLE "polls_question" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, '
    '"question_text" varchar(200) NOT NULL, "pub_date" datetime NOT NULL)',
    'CREATE TABLE "polls_choice" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, '
    '"choice_text" varchar(200) NOT NULL, "votes" integer NOT NULL, "question_id" bigint NOT '
    'NULL REFERENCES "polls_question" ("id") DEFERRABLE INITIALLY DEFERRED)',
    'CREATE INDEX "polls_choice_question_id_c5b4b260" ON "polls_choice" ("question_id")',
    HISTORY,
    *CLOSE,
    *OPEN,
    # the rows take the default from the column: the table is not copied
    'ALTER TABLE "polls_question" ADD COLUMN "author" varchar(100) DEFAULT \'anonymous\' NOT NULL',
    HISTORY,
    *CLOSE,
    *OPEN,
    # a wider varchar: the table's definition changes, its rows are not copied
    "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'polls_question'",
    "PRAGMA schema_version",
    "PRAGMA writable_schema = ON",
    'UPDATE sqlite_master SET sql = \'CREATE TABLE "polls_question" ("id" integer NOT NULL '
    'PRIMARY KEY AUTOINCREMENT, "question_text" varchar(500) NOT NULL, "pub_date" datetime '
    "NOT NULL, \"author\" varchar(100) DEFAULT ''anonymous'' NOT NULL)' WHERE type = 'table' "
    'AND name = \'polls_question\' AND sql = \'CREATE TABLE "polls_question" ("id" integer '
    'NOT NULL PRIMARY KEY AUTOINCREMENT, "question_text" varchar(200) NOT NULL, "pub_date" '
    "datetime NOT NULL, \"author\" varchar(100) DEFAULT ''anonymous'' NOT NULL)'",
    "PRAGMA schema_version = 6",
    "PRAGMA writable_schema = OFF",
    'PRAGMA table_xinfo("polls_question")',
    HISTORY,
    *CLOSE,
]


@pytest.fixture
def project(
    tmp_path: Path, backend_url: str, clean_env: pytest.MonkeyPatch
) -> Iterator[ApiProject]:
    with api_project_at(tmp_path / "project", backend_url, ("polls",), clean_env) as project:
        project.write_migration("polls", "0001_initial", INITIAL)
        project.write_migration("polls", "0002_question_author", ADD_AUTHOR)
        project.write_migration("polls", "0003_alter_question_text", WIDEN)
        project.load({"polls": WIDENED})
        yield project


@pytest.fixture
def executed() -> Iterator[list[str]]:
    """Every statement the SQLite driver executes meanwhile, as it ran it."""
    statements: list[str] = []

    def trace(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        dbapi_connection.set_trace_callback(statements.append)

    event.listen(Engine, "connect", trace)
    try:
        yield statements
    finally:
        event.remove(Engine, "connect", trace)


def _shown(statement: str) -> str:
    return statement if not statement.startswith(HISTORY) else HISTORY


def test_each_migration_runs_its_ddl_and_its_history_row_and_nothing_else(
    project: ApiProject, executed: list[str]
) -> None:
    api.migrate()
    first = executed.index(OPEN[0])
    assert first <= SET_UP
    assert [_shown(" ".join(s.split())) for s in executed[first:]] == EXPECTED


def test_the_counter_of_deleted_rows_is_kept(project: ApiProject) -> None:
    api.migrate("polls", "0002")
    connection = sqlite3.connect(make_url(project.database_url).database)
    with connection:
        connection.executemany(
            "INSERT INTO polls_question (question_text, pub_date) VALUES (?, '2026-01-01')",
            [("a",), ("b",), ("c",)],
        )
        connection.execute("DELETE FROM polls_question WHERE id > 1")
    connection.close()
    api.migrate()
    connection = sqlite3.connect(make_url(project.database_url).database)
    with connection:
        connection.execute(
            "INSERT INTO polls_question (question_text, pub_date, author) "
            "VALUES ('d', '2026-01-01', 'x')"
        )
    ids = [row[0] for row in connection.execute("SELECT id FROM polls_question ORDER BY id")]
    connection.close()
    assert ids == [1, 4]


def _widen_to(number: int, length: int) -> str:
    previous = "0003_alter_question_text" if number == 4 else f"{number - 1:04d}_widen"
    return WIDEN.replace("0002_question_author", previous).replace(
        "max_length=500", f"max_length={length}"
    )


def test_rolling_back_walks_the_states_once(
    project: ApiProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unapplying N migrations computes each operation's states once, not the whole history
    again per migration: the operations advanced grow with the history, not its square."""
    widenings = 12
    for number in range(4, 4 + widenings):
        project.write_migration("polls", f"{number:04d}_widen", _widen_to(number, 500 + number))
    project.load({"polls": WIDENED.replace("max_length=500", f"max_length={503 + widenings}")})
    api.migrate()
    operations = 4 + widenings
    advanced = []
    original = Migration.advance_state

    def counted(self: Migration, operation: Operation, state: ProjectState) -> None:
        advanced.append(self.key)
        original(self, operation, state)

    monkeypatch.setattr(Migration, "advance_state", counted)
    api.migrate("polls", "zero")
    assert history(project.database_url) == []
    # the load's check of every file (whose state the drift check reuses), and one walk that
    # both the plan's data-loss listing and the rollback use
    assert len(advanced) == 2 * operations
