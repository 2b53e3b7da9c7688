"""What the rules read: each operation of a migration with its states before and after, the
statements schemashift would run for it on the target server, and the lock each takes.

The statements are collected as ``sqlmigrate`` collects them (``executor._statements``), by
a schema editor that runs nothing: with a connection when linting against a database, with
only a dialect of the target server otherwise. Without a database every table the migration
finds is taken to hold rows, so the editor writes the forms it keeps for tables in use
(concurrent index builds, NOT VALID then VALIDATE, shadow columns, kept defaults): the rules
judge what would run on a live table. With a database, the tables that hold rows say which,
and their sizes decide whether a long lock is an error or a warning.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from schemashift.db.backends.lock_comments import NEW_TABLE, Lock, bare, locks_for
from schemashift.migrations.executor import operation_states
from schemashift.migrations.lint.rules import ERROR, WARNING
from schemashift.migrations.live_tables import NONE, LiveTables, live_tables
from schemashift.migrations.stepwise import is_managed, runs_python

if TYPE_CHECKING:
    from schemashift.migrations.lint.target import Target
    from schemashift.migrations.migration import Migration
    from schemashift.migrations.operations.base import Operation
    from schemashift.migrations.state import ModelState, ProjectState

#: rows from which a long lock on a table is an error rather than a warning (LINT_ROWS)
DEFAULT_ROWS_THRESHOLD = 10_000


@dataclass(frozen=True)
class Statement:
    """One statement an operation runs, and the lock it takes as others feel it (None: not
    known, or no table lock)."""

    sql: str
    lock: Lock | None
    #: written by the migration's author (RunSQL), not by schemashift
    is_raw: bool = False
    #: tables made earlier in the migration, however the statement quotes them
    made: frozenset[str] = frozenset()

    @property
    def text(self) -> str:
        """The statement without the comments it may begin with."""
        return bare(self.sql)

    @property
    def is_on_new_table(self) -> bool:
        """Whether every table it locks was made earlier in the migration."""
        if self.lock is None:
            return False
        if self.lock.effect == NEW_TABLE:
            return True
        tables = [unquoted(table) for _mode, table in self.lock.held if table]
        return bool(tables) and all(table in self.made for table in tables)


@dataclass
class MigrationContext:
    """One migration as linted: its server, states, statements and the live table sizes."""

    migration: Migration
    target: Target
    editor: Any
    #: (before, after) of each operation
    states: list[tuple[ProjectState, ProjectState]]
    #: each operation's statements
    statements: list[list[Statement]]
    #: rows per live table (with a database); None: sizes unknown
    rows: dict[str, int] | None = None
    rows_threshold: int = DEFAULT_ROWS_THRESHOLD
    #: the tables of the models the migration starts with
    tables_before: set[str] = field(default_factory=set)
    #: per operation, the tables it finds in use (``live_tables.py``)
    live: list[LiveTables] = field(default_factory=list)
    #: per operation, the models whose tables are new to it: made earlier in the migration
    #: (or, with a database, not in it yet)
    new_models: list[set[tuple[str, str]]] = field(default_factory=list)

    def operations(self) -> list[OperationContext]:
        return [
            OperationContext(self, number, operation)
            for number, operation in enumerate(self.migration.operations, start=1)
        ]


@dataclass(frozen=True)
class OperationContext:
    """One operation of a migration (``index`` from 1), as the rules read it."""

    migration_context: MigrationContext
    index: int
    operation: Operation

    @property
    def app_label(self) -> str:
        return self.migration_context.migration.app_label

    @property
    def target(self) -> Target:
        return self.migration_context.target

    @property
    def editor(self) -> Any:
        return self.migration_context.editor

    @property
    def before(self) -> ProjectState:
        return self.migration_context.states[self.index - 1][0]

    @property
    def after(self) -> ProjectState:
        return self.migration_context.states[self.index - 1][1]

    @property
    def statements(self) -> list[Statement]:
        return self.migration_context.statements[self.index - 1]

    def model_before(self, name: str | None) -> ModelState | None:
        """The operation's model of this app as it was, where its table existed before the
        migration (a model made earlier in the migration is new: nobody reads it yet)."""
        if name is None:
            return None
        key = (self.app_label, name.lower())
        model = self.before.models.get(key)
        if model is None or not is_managed(model):
            return None
        if key in self.migration_context.new_models[self.index - 1]:
            return None
        return model

    def rows_of(self, table: str) -> int | None:
        """The rows a live table holds (0 for one not there yet); None without a database."""
        rows = self.migration_context.rows
        if rows is None:
            return None
        return rows.get(table, 0)

    def lock_severity(self, table: str) -> str | None:
        """The severity of a long lock on ``table``: by its size where known (an error from
        the threshold up), else the rule's own; on SQLite, whose locks stop writers for the
        length of one transaction, a warning unless the table is known to be large."""
        rows = self.rows_of(table)
        if rows is None:
            return WARNING if self.target.backend == "sqlite" else None
        return ERROR if rows >= self.migration_context.rows_threshold else WARNING

    def size_note(self, table: str) -> str:
        rows = self.rows_of(table)
        return "" if rows is None else f" (about {rows:,} rows)"


def unquoted(name: str) -> str:
    """A table name as a lock or statement writes it, without its quotes or schema."""
    last = re.split(r'\.(?=(?:[^"`]|"[^"]*"|`[^`]*`)*$)', name)[-1]
    if len(last) > 1 and last[0] in '"`' and last[-1] == last[0]:
        return last[1:-1].replace(last[0] * 2, last[0])
    return last


# -- building the context ---------------------------------------------------------------------


def migration_context(
    migration: Migration,
    state: ProjectState,
    target: Target,
    connection: Any = None,
    rows_threshold: int = DEFAULT_ROWS_THRESHOLD,
) -> MigrationContext:
    """The context of ``migration`` starting from ``state`` (which is advanced through it),
    on ``connection`` when given, else on a dialect of ``target`` that never connects."""
    from schemashift.db.connection import editor_class

    editor_type = editor_class(target.backend)
    dialect = connection.dialect if connection is not None else target.dialect()
    editor = editor_type(connection, collect_sql=True, atomic=migration.atomic, dialect=dialect)
    states = operation_states(migration, state)
    tables_before = _tables(editor, states[0][0]) if states else set()
    rows = None
    if connection is not None:
        # a table not in the database yet (made by a migration not applied) is new to all
        tables_before &= set(editor_type.table_names(connection))
        rows = editor_type.table_rows(connection, tables_before) if tables_before else {}
    live = live_tables(editor, migration, states, False, _holding(rows)) if states else []
    collected = _collect(editor, migration, states, live)
    flat = [sql for group in collected for sql in group]
    locks = iter(_locks(target.backend, flat))
    new_models = _new_models(migration, states, editor, tables_before)
    statements = [
        [
            Statement(sql, next(locks), _is_raw(operation), _tables_of(editor, before, new))
            for sql in group
        ]
        for operation, (before, _after), new, group in zip(
            migration.operations, states, new_models, collected, strict=True
        )
    ]
    return MigrationContext(
        migration,
        target,
        editor,
        states,
        statements,
        rows,
        rows_threshold,
        tables_before,
        live or [NONE] * len(states),
        new_models,
    )


def _new_models(
    migration: Migration,
    states: list[tuple[ProjectState, ProjectState]],
    editor: Any,
    tables_before: set[str],
) -> list[set[tuple[str, str]]]:
    """Per operation, the models whose tables are new: those the database does not have
    (none without a database), those made earlier in the migration; a renamed model keeps
    its table, new or not."""
    from schemashift.migrations.operations import CreateModel, DeleteModel, RenameModel

    app = migration.app_label
    start = states[0][0] if states else None
    new = {
        key
        for key, model in (start.models.items() if start else ())
        if editor.fit_table_name(model.db_table) not in tables_before
    }
    found = []
    for operation in migration.operations:
        found.append(set(new))
        if isinstance(operation, CreateModel):
            new.add((app, operation.name.lower()))
        elif isinstance(operation, DeleteModel):
            new.discard((app, operation.name.lower()))
        elif isinstance(operation, RenameModel) and (app, operation.old_name.lower()) in new:
            new.discard((app, operation.old_name.lower()))
            new.add((app, operation.new_name.lower()))
    return found


def _tables_of(editor: Any, state: ProjectState, keys: set[tuple[str, str]]) -> frozenset[str]:
    models = (state.models[key] for key in keys if key in state.models)
    return frozenset(editor.fit_table_name(model.db_table) for model in models)


def _holding(rows: dict[str, int] | None) -> Callable[[set[str]], set[str]]:
    """Which tables hold rows: by their sizes; without a database, every one."""

    def holding(tables: set[str]) -> set[str]:
        if rows is None:
            return set(tables)
        return {table for table in tables if rows.get(table, 0) > 0}

    return holding


def _tables(editor: Any, state: ProjectState) -> set[str]:
    models = state.models.values()
    return {editor.fit_table_name(model.db_table) for model in models if is_managed(model)}


def _collect(
    editor: Any,
    migration: Migration,
    states: list[tuple[ProjectState, ProjectState]],
    live: list[LiveTables],
) -> list[list[str]]:
    """Each operation's statements, as ``migrate`` would run them (the migration's Python
    code is not called: an operation that would call it has none)."""
    found: list[list[str]] = []
    with editor:
        for operation, (before, after), tables in zip(
            migration.operations, states, live or [NONE] * len(states), strict=True
        ):
            editor.online_tables = tables
            start = len(editor.collected_sql)
            if operation.reduces_to_sql and not runs_python(operation):
                operation.database_forwards(migration.app_label, editor, before, after)
            added = editor.collected_sql[start:]
            found.append(_split(added) if _is_raw(operation) else added)
    return found


def _split(statements: list[str]) -> list[str]:
    """RunSQL's strings of several statements, one statement each."""
    from schemashift.migrations.lint.sql_text import split_statements

    return [part for sql in statements for part in split_statements(sql)]


def _locks(backend: str, statements: list[str]) -> list[Lock | None]:
    if backend == "postgresql":
        from schemashift.db.backends import postgresql_locks

        return locks_for(statements, postgresql_locks.classify)
    if backend == "mysql":
        from schemashift.db.backends import mysql_locks

        return locks_for(statements, mysql_locks.classify)
    return [None] * len(statements)


def _is_raw(operation: Operation) -> bool:
    from schemashift.migrations.operations.special import RunSQL

    return isinstance(operation, RunSQL)


__all__ = [
    "DEFAULT_ROWS_THRESHOLD",
    "MigrationContext",
    "OperationContext",
    "Statement",
    "migration_context",
    "unquoted",
]
