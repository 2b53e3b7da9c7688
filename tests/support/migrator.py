"""Apply migration operations to a live database, as the schema editor tests do on every backend.

``Migrator`` holds what every backend shares; a backend's test module subclasses it with its own
readers of the live schema (catalog queries, ``SHOW CREATE TABLE``, ``PRAGMA``...) and says how
its migrations run through the class attributes below.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.engine import Connection

from schemashift import models
from schemashift.db.backends.base import BaseSchemaEditor
from schemashift.db.connection import schema_editor
from schemashift.db.introspection import SchemaSnapshot, expected_schema, introspect
from schemashift.migrations.operations import CreateModel
from schemashift.migrations.operations.base import Operation
from schemashift.migrations.state import ProjectState
from support.states import auto_pk

#: the rows of the ``authors`` fixtures' shop_author table, by id
AUTHOR_NAMES = ("Ann", "Bob", "Cy")


def forwards(
    app: str, editor: BaseSchemaEditor, state: ProjectState, operations: Iterable[Operation]
) -> None:
    """Run the operations forwards with ``editor``, moving ``state`` along with them."""
    for operation in operations:
        before = state.clone()
        operation.state_forwards(app, state)
        operation.database_forwards(app, editor, before, state)


def collect_sql(editor: BaseSchemaEditor, *operations: Operation, app: str = "polls") -> list[str]:
    """The SQL a collecting ``editor`` writes for the operations, from an empty state."""
    with editor:
        forwards(app, editor, ProjectState(), operations)
    return editor.collected_sql


def tutorial_operations() -> list[CreateModel]:
    """The tutorial's 0001_initial for the app ``polls``, as makemigrations writes it."""
    return [
        CreateModel(
            "Question",
            [
                auto_pk(),
                ("question_text", models.CharField(max_length=200)),
                ("pub_date", models.DateTimeField(verbose_name="date published")),
            ],
        ),
        CreateModel(
            "Choice",
            [
                auto_pk(),
                ("choice_text", models.CharField(max_length=200)),
                ("votes", models.IntegerField(default=0)),
                ("question", models.ForeignKey("polls.question", on_delete=models.CASCADE)),
            ],
        ),
    ]


def author_model(*extra: tuple[str, models.Field], **options: Any) -> CreateModel:
    """CreateModel of shop_author(id, name, *extra) with ``options`` as its Meta."""
    fields = [auto_pk(), ("name", models.CharField(max_length=20)), *extra]
    return CreateModel("Author", fields, options=options or None)


class Migrator:
    """Applies operations to a live database and keeps the state they lead to."""

    #: how ``apply`` runs a migration unless told: in one transaction, or not
    atomic_by_default: bool = True
    #: the state follows each operation that ran (True: backends whose DDL commits at once), or
    #: moves only when the whole migration commits (False)
    state_follows_each_operation: bool = False
    #: ``apply`` checks that the live schema equals the state after every migration
    checks_schema_after_apply: bool = False

    def __init__(self, connection: Connection, app: str = "shop") -> None:
        self.connection = connection
        self.app = app
        self.state = ProjectState()

    def apply(self, *operations: Operation, atomic: bool | None = None) -> None:
        """Run the operations as one migration."""
        state = self.state.clone()
        atomic = self.atomic_by_default if atomic is None else atomic
        with schema_editor(self.connection, atomic=atomic) as editor:
            for operation in operations:
                forwards(self.app, editor, state, [operation])
                if self.state_follows_each_operation:
                    self.state = state.clone()
        self.state = state
        if self.checks_schema_after_apply:
            self.assert_schema_matches_state()

    def sql(self, *operations: Operation) -> list[str]:
        """The statements the operations would run, without running them."""
        with schema_editor(self.connection, collect_sql=True) as editor:
            forwards(self.app, editor, self.state.clone(), operations)
        return editor.collected_sql

    def run_sql(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """One statement outside any migration, committed at once."""
        with self.connection.begin():
            result = self.connection.exec_driver_sql(sql, params)
            return [tuple(row) for row in result] if result.returns_rows else []

    @property
    def placeholder(self) -> str:
        """The driver's placeholder for one parameter of ``run_sql``."""
        return "?" if self.connection.dialect.paramstyle == "qmark" else "%s"

    def quote(self, name: str) -> str:
        """``name`` as an identifier in ``run_sql``'s SQL, quoted where the dialect needs it."""
        return self.connection.dialect.identifier_preparer.quote(name)

    def rows(self, table: str, columns: str = "*") -> list[tuple[Any, ...]]:
        """The table's rows (``columns`` as SQL) in the order of the first column."""
        return self.run_sql(f"SELECT {columns} FROM {self.quote(table)} ORDER BY 1")

    def add_authors(self) -> Migrator:
        """Create shop_author(id, name) holding the three rows of AUTHOR_NAMES."""
        self.apply(author_model())
        for name in AUTHOR_NAMES:
            self.run_sql(f"INSERT INTO shop_author (name) VALUES ({self.placeholder})", (name,))
        return self

    def snapshot(self) -> SchemaSnapshot:
        return introspect(self.connection)

    def expected(self) -> SchemaSnapshot:
        return expected_schema(self.state, self.connection.dialect)

    def assert_schema_matches_state(self) -> None:
        assert self.snapshot() == self.expected()
