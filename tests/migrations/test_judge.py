"""The judge: where the live schema stands against one operation, on every backend."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Connection
from support.migrator import Migrator, author_model

from schemashift import models
from schemashift.migrations.judge import AFTER, BEFORE, NEITHER, UNSEEN, judge
from schemashift.migrations.operations import AddConstraint, AddField, AddIndex, RunPython, RunSQL
from schemashift.migrations.operations.base import Operation
from schemashift.migrations.state import ProjectState
from schemashift.migrations.stepwise import (
    IN_TRANSACTION,
    LOGGED,
    ON_ITS_OWN,
    is_dml,
    operation_kind,
)
from schemashift.models import Index, Q, UniqueConstraint
from schemashift.models.functions import Lower


@pytest.fixture
def migrator(backend_connection: Connection) -> Migrator:
    return Migrator(backend_connection)


def states(migrator: Migrator, operation: Operation) -> tuple[ProjectState, ProjectState]:
    before = migrator.state.clone()
    after = before.clone()
    operation.state_forwards(migrator.app, after)
    return before, after


def verdict(migrator: Migrator, operation: Operation):
    return judge(migrator.connection, *states(migrator, operation))


ADD_AGE = AddField("author", "age", models.IntegerField(default=30))


def test_an_operation_not_run_yet_stands_before_and_one_run_after(migrator: Migrator) -> None:
    migrator.add_authors()
    assert verdict(migrator, ADD_AGE).form == BEFORE
    before, after = states(migrator, ADD_AGE)
    migrator.apply(ADD_AGE)
    assert judge(migrator.connection, before, after).form == AFTER


def test_a_table_not_made_yet_stands_before(migrator: Migrator) -> None:
    assert verdict(migrator, author_model()).form == BEFORE
    migrator.apply(author_model())
    assert judge(migrator.connection, ProjectState(), migrator.state).form == AFTER


def test_a_column_made_by_hand_is_neither_and_named(migrator: Migrator) -> None:
    migrator.add_authors()
    migrator.run_sql("ALTER TABLE shop_author ADD COLUMN age bigint NULL")
    found = verdict(migrator, ADD_AGE)
    assert found.form == NEITHER
    [difference] = found.differences()
    assert difference.startswith("table shop_author, column age: live bigint NULL; ")
    assert difference.endswith("before the operation absent, after it integer NOT NULL")


def test_a_table_missing_an_index_is_neither_and_the_index_named(migrator: Migrator) -> None:
    indexed = author_model(indexes=[Index(fields=["name"], name="author_name_idx")])
    made = ProjectState()
    indexed.state_forwards(migrator.app, made)
    migrator.apply(author_model())
    found = judge(migrator.connection, ProjectState(), made)
    assert found.form == NEITHER
    [difference] = found.differences()
    assert difference == (
        "table shop_author exists but is not the table the operation makes: index "
        "author_name_idx is absent, expected index on (name)"
    )


def test_only_what_the_operation_changes_is_compared(migrator: Migrator) -> None:
    """A column made by hand elsewhere in the table does not stop an AddIndex."""
    migrator.add_authors()
    migrator.run_sql("ALTER TABLE shop_author ADD COLUMN extra bigint NULL")
    operation = AddIndex("author", Index(fields=["name"], name="author_name_idx"))
    assert verdict(migrator, operation).form == BEFORE


def test_raw_sql_without_state_operations_is_unseen(migrator: Migrator) -> None:
    migrator.add_authors()
    assert verdict(migrator, RunSQL("UPDATE shop_author SET name = 'x'")).form == UNSEEN


# -- how an operation runs ---------------------------------------------------------------------


def split(sql: str) -> list[str]:
    return [part.strip() for part in sql.split(";") if part.strip()]


@pytest.mark.parametrize(
    "sql, expected",
    [
        ("UPDATE t SET a = 1", True),
        ("  -- a comment\n insert into t values (1)", True),
        ("/* hint */ DELETE FROM t", True),
        ("SELECT SLEEP(1)", True),
        ("ALTER TABLE t ADD COLUMN a integer", False),
        ("CREATE TABLE t (a integer)", False),
        ("RENAME TABLE a TO b", False),
        ("/* a */ /* b */ UPDATE t SET a = 1", True),
        ("/* locked */ LOCK TABLES t WRITE;\n/* only if */ UPDATE t SET a = b", False),
    ],
)
def test_statements_that_only_touch_rows_are_told_apart(sql: str, expected: bool) -> None:
    assert is_dml(sql) is expected


def noop(apps, schema_editor) -> None:
    pass


@pytest.mark.parametrize(
    "operation, transactional, expected",
    [
        (RunPython(noop), False, IN_TRANSACTION),
        (RunPython(noop, atomic=False), False, ON_ITS_OWN),
        (RunSQL("UPDATE t SET a = 1; DELETE FROM u"), False, IN_TRANSACTION),
        (RunSQL("UPDATE t SET a = 1; ALTER TABLE t DROP COLUMN a"), False, LOGGED),
        (ADD_AGE, False, LOGGED),
        (ADD_AGE, True, IN_TRANSACTION),
        (RunSQL("CREATE INDEX CONCURRENTLY i ON t (a)"), True, ON_ITS_OWN),
        (RunSQL("ALTER TABLE t ADD COLUMN b integer"), True, IN_TRANSACTION),
    ],
)
def test_each_operation_runs_the_safest_way_the_backend_allows(
    operation: Operation, transactional: bool, expected: str
) -> None:
    assert operation_kind(operation, transactional, False, split) == expected


@pytest.mark.parametrize(
    "operation",
    [
        AddConstraint("author", UniqueConstraint(fields=["name", "id"], name="name_id_uniq")),
        AddConstraint(
            "author",
            UniqueConstraint(fields=["name"], name="named_uniq", condition=Q(id__gt=0)),
        ),
        AddIndex("author", Index(fields=["name"], name="some_names", condition=Q(id__gt=1))),
        AddIndex("author", Index(Lower("name"), name="lower_name")),
    ],
    ids=["unique", "partial-unique", "partial-index", "expression-index"],
)
def test_constraints_and_partial_or_expression_indexes_are_judged(
    migrator: Migrator, operation: Operation
) -> None:
    migrator.add_authors()
    before, after = states(migrator, operation)
    expected_after = AFTER if judge_sees(migrator, before, after) else UNSEEN
    assert judge(migrator.connection, before, after).form in (BEFORE, UNSEEN)
    migrator.apply(operation)
    assert judge(migrator.connection, before, after).form == expected_after
    migrator.assert_schema_matches_state()


def judge_sees(migrator: Migrator, before: ProjectState, after: ProjectState) -> bool:
    """Whether the backend creates anything for the operation (MariaDB skips some)."""
    from schemashift.db.introspection import expected_schema

    dialect = migrator.connection.dialect
    return expected_schema(before, dialect) != expected_schema(after, dialect)
