"""Schema changes made by hand with SQL on the tutorial's tables, as someone would on a live
database: what ``check --database`` must find as drift.

SQLite cannot alter a column or add a constraint in place, so there the table is rebuilt as
its documentation says: a new table from the edited CREATE TABLE, the rows copied, the old
one dropped and the new one renamed, its indexes made again.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from support.tutorial import connect

#: kind -> backend -> the statements; a callable edits the CREATE TABLE of polls_choice (SQLite)
Change = list[str] | Callable[[str], str]

_COLUMN_TEXT = '"choice_text" varchar(200) NOT NULL'
_VOTES = '"votes" integer NOT NULL'
_REFERENCE = ' REFERENCES "polls_question" ("id") DEFERRABLE INITIALLY DEFERRED'


def _also(sql: str) -> Callable[[str], str]:
    return lambda create: create[: create.rindex(")")] + f", {sql})"


CHANGES: dict[str, dict[str, Change]] = {
    "missing table": {"any": ["DROP TABLE polls_choice"]},
    "extra table": {
        "any": ["CREATE TABLE polls_archive (id integer)", "CREATE TABLE legacy_log (id integer)"]
    },
    "missing column": {"any": ["ALTER TABLE polls_choice DROP COLUMN votes"]},
    "extra column": {"any": ["ALTER TABLE polls_choice ADD COLUMN note varchar(20) NULL"]},
    "column type": {
        "sqlite": lambda create: create.replace(_VOTES, '"votes" bigint NOT NULL'),
        "postgresql": ["ALTER TABLE polls_choice ALTER COLUMN votes TYPE bigint"],
        "mysql": ["ALTER TABLE polls_choice MODIFY votes bigint NOT NULL"],
    },
    "column null": {
        "sqlite": lambda create: create.replace(_COLUMN_TEXT, '"choice_text" varchar(200) NULL'),
        "postgresql": ["ALTER TABLE polls_choice ALTER COLUMN choice_text DROP NOT NULL"],
        "mysql": ["ALTER TABLE polls_choice MODIFY choice_text varchar(200) NULL"],
    },
    # a column without a Python default (one with may keep it in the database: an added
    # column does, for the previous app version)
    "column default": {
        "sqlite": lambda create: create.replace(
            _COLUMN_TEXT, "\"choice_text\" varchar(200) DEFAULT 'none' NOT NULL"
        ),
        "any": ["ALTER TABLE polls_choice ALTER COLUMN choice_text SET DEFAULT 'none'"],
    },
    "extra index": {"any": ["CREATE INDEX polls_choice_text_idx ON polls_choice (choice_text)"]},
    "extra unique": {
        "sqlite": lambda create: create.replace(_COLUMN_TEXT, _COLUMN_TEXT + " UNIQUE"),
        "any": ["ALTER TABLE polls_choice ADD CONSTRAINT polls_text_uniq UNIQUE (choice_text)"],
    },
    "extra check": {
        "sqlite": _also('CONSTRAINT "polls_votes_positive" CHECK ("votes" >= 0)'),
        "any": ["ALTER TABLE polls_choice ADD CONSTRAINT polls_votes_positive CHECK (votes >= 0)"],
    },
    "missing foreign key": {
        "sqlite": lambda create: create.replace(_REFERENCE, ""),
        "postgresql": ["ALTER TABLE polls_choice DROP CONSTRAINT {fk}"],
        "mysql": ["ALTER TABLE polls_choice DROP FOREIGN KEY {fk}"],
    },
}


def change_by_hand(project, kind: str) -> None:
    """Make the change ``kind`` of CHANGES to the project's database."""
    change = CHANGES[kind].get(project.backend, CHANGES[kind].get("any"))
    assert change is not None, f"no {kind} for {project.backend}"
    if callable(change):
        rebuild_sqlite_table(project, "polls_choice", change)
        return
    run(project, *change)


def run(project, *statements: str) -> None:
    """Run the statements (``{fk}``: the foreign key of polls_choice) and commit."""
    with connect(project) as connection:
        needs_key = any("{fk}" in statement for statement in statements)
        keys = sa.inspect(connection).get_foreign_keys("polls_choice") if needs_key else []
        fk = keys[0]["name"] if keys else ""
        for statement in statements:
            connection.exec_driver_sql(statement.format(fk=fk))


def rebuild_sqlite_table(project, table: str, edit: Callable[[str], str]) -> None:
    """Rebuild a SQLite table from its CREATE TABLE as ``edit`` changes it, rows kept."""
    with connect(project) as connection:
        create, indexes = _definition(connection, table)
        new = edit(create)
        assert new != create, "the edit changed nothing"
        connection.exec_driver_sql(new.replace(f'"{table}"', f'"{table}__new"', 1))
        connection.exec_driver_sql(f'INSERT INTO "{table}__new" SELECT * FROM "{table}"')
        connection.exec_driver_sql(f'DROP TABLE "{table}"')
        connection.exec_driver_sql(f'ALTER TABLE "{table}__new" RENAME TO "{table}"')
        for index in indexes:
            connection.exec_driver_sql(index)


def _definition(connection: sa.Connection, table: str) -> tuple[str, list[str]]:
    rows = connection.exec_driver_sql(
        "SELECT type, sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL", (table,)
    ).fetchall()
    create = next(sql for kind, sql in rows if kind == "table")
    return create, [sql for kind, sql in rows if kind == "index"]
