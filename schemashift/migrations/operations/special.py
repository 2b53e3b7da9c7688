"""Operations whose effect the state cannot see: raw SQL and Python code."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from schemashift.migrations.operations.base import Operation

if TYPE_CHECKING:
    from schemashift.db.backends.base import BaseSchemaEditor
    from schemashift.migrations.data_loss import Loss
    from schemashift.migrations.state import ProjectState


class RunSQL(Operation):
    """Run SQL given as a string, a list of strings, or a list of ``(sql, params)`` pairs.

    ``state_operations`` tell the state what the SQL did to the schema.
    """

    category = "s"
    noop = ""

    def __init__(
        self,
        sql: Any,
        reverse_sql: Any = None,
        state_operations: Sequence[Operation] | None = None,
        hints: dict[str, Any] | None = None,
        elidable: bool = False,
    ):
        self.sql = sql
        self.reverse_sql = reverse_sql
        self.state_operations = list(state_operations or [])
        self.hints = hints or {}
        self.elidable = elidable
        sql_statements(sql)
        if reverse_sql is not None:
            sql_statements(reverse_sql)

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        kwargs: dict[str, Any] = {"sql": self.sql}
        if self.reverse_sql is not None:
            kwargs["reverse_sql"] = self.reverse_sql
        if self.state_operations:
            kwargs["state_operations"] = self.state_operations
        if self.hints:
            kwargs["hints"] = self.hints
        if self.elidable:
            kwargs["elidable"] = True
        return "RunSQL", [], kwargs

    @property
    def reversible(self) -> bool:  # type: ignore[override]
        return self.reverse_sql is not None

    @property
    def is_barrier(self) -> bool:
        return not self.elidable

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        for operation in self.state_operations:
            operation.state_forwards(app_label, state)

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        for sql, params in sql_statements(self.sql):
            schema_editor.execute(sql, params)

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        if self.reverse_sql is None:
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        for sql, params in sql_statements(self.reverse_sql):
            schema_editor.execute(sql, params)

    def describe(self) -> str:
        return "Raw SQL operation"


def sql_statements(sql: Any) -> list[tuple[str, Any]]:
    """Normalise RunSQL's input to ``[(sql, params), ...]``; empty SQL means nothing to run."""
    if isinstance(sql, str):
        return [(sql, None)] if sql.strip() else []
    statements = []
    for item in sql:
        if isinstance(item, str):
            if item.strip():
                statements.append((item, None))
        elif isinstance(item, (list, tuple)) and len(item) == 2 and isinstance(item[0], str):
            statements.append((item[0], item[1]))
        else:
            raise ValueError(f"RunSQL expects strings or (sql, params) pairs, got {item!r}.")
    return statements


class RunPython(Operation):
    """Call ``code(apps, schema_editor)`` with the historical models of this point in history.

    Without ``reverse_code`` the operation cannot be unapplied; ``RunPython.noop`` makes the
    reverse an explicit no-op. ``atomic=True`` runs the code in a transaction even in a
    migration with ``atomic = False``. On MySQL/MariaDB, where a migration's DDL commits as it
    goes, the code runs in a transaction of its own unless ``atomic=False``.
    """

    category = "p"
    reduces_to_sql = False

    def __init__(
        self,
        code: Callable[..., Any],
        reverse_code: Callable[..., Any] | None = None,
        atomic: bool | None = None,
        hints: dict[str, Any] | None = None,
        elidable: bool = False,
    ):
        if not callable(code):
            raise ValueError("RunPython must be supplied with a callable")
        if reverse_code is not None and not callable(reverse_code):
            raise ValueError("RunPython must be supplied with callable arguments")
        self.code = code
        self.reverse_code = reverse_code
        self.atomic = atomic
        self.hints = hints or {}
        self.elidable = elidable

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        kwargs: dict[str, Any] = {"code": self.code}
        if self.reverse_code is not None:
            kwargs["reverse_code"] = self.reverse_code
        if self.atomic is not None:
            kwargs["atomic"] = self.atomic
        if self.hints:
            kwargs["hints"] = self.hints
        if self.elidable:
            kwargs["elidable"] = True
        return "RunPython", [], kwargs

    @property
    def reversible(self) -> bool:  # type: ignore[override]
        return self.reverse_code is not None

    @property
    def is_barrier(self) -> bool:
        return not self.elidable

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        pass

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        self._call(self.code, from_state, schema_editor)

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        if self.reverse_code is None:
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        self._call(self.reverse_code, from_state, schema_editor)

    def _call(
        self, code: Callable[..., Any], state: ProjectState, schema_editor: BaseSchemaEditor
    ) -> None:
        """Run ``code`` with queries for the editor's database on the editor's connection.

        So the query API (``Question.objects...``) runs in the migration's transaction, where
        it sees the migration's changes and waits on none of its locks.
        """
        connection = getattr(schema_editor, "connection", None)
        if connection is None or getattr(schema_editor, "collect_sql", False):
            code(state.apps, schema_editor)
            return
        from schemashift.db import transaction
        from schemashift.db.connections import DEFAULT_DB_ALIAS, connections

        alias = getattr(schema_editor, "alias", DEFAULT_DB_ALIAS)
        with connections.bind(alias, connection):
            if self._needs_own_transaction(connection):
                with transaction.atomic(using=alias):
                    code(state.apps, schema_editor)
            else:
                code(state.apps, schema_editor)

    def _needs_own_transaction(self, connection: Any) -> bool:
        """Outside a migration's transaction: with ``atomic=True``, and by default where DDL
        cannot be rolled back (MySQL/MariaDB), as Django runs it there."""
        from schemashift.db.connection import has_transactional_ddl

        if self.atomic is False or connection.in_transaction():
            return False
        return bool(self.atomic) or not has_transactional_ddl(connection)

    def describe(self) -> str:
        """The first line of the code's docstring (of ``reverse_code``'s when the code is
        ``noop``), else "Raw Python operation"."""
        code = self.code
        if code is RunPython.noop and self.reverse_code is not None:
            code = self.reverse_code
        doc = "" if code is RunPython.noop else (code.__doc__ or "").strip()
        return doc.splitlines()[0] if doc else "Raw Python operation"

    @staticmethod
    def noop(apps: Any, schema_editor: BaseSchemaEditor) -> None:
        """Does nothing; use as ``reverse_code`` to make a data migration reversible."""


class SeparateDatabaseAndState(Operation):
    """Apply one list of operations to the database and another to the state."""

    category = "?"
    loses_data_when = frozenset({"forwards", "backwards"})

    def __init__(
        self,
        database_operations: Sequence[Operation] | None = None,
        state_operations: Sequence[Operation] | None = None,
    ):
        self.database_operations = list(database_operations or [])
        self.state_operations = list(state_operations or [])

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        kwargs: dict[str, Any] = {}
        if self.database_operations:
            kwargs["database_operations"] = self.database_operations
        if self.state_operations:
            kwargs["state_operations"] = self.state_operations
        return "SeparateDatabaseAndState", [], kwargs

    @property
    def reversible(self) -> bool:  # type: ignore[override]
        return all(op.reversible for op in self.database_operations)

    @property
    def is_barrier(self) -> bool:
        return True

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        for operation in self.state_operations:
            operation.state_forwards(app_label, state)

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        for operation in self.database_operations:
            to_state = from_state.clone()
            operation.state_forwards(app_label, to_state)
            operation.database_forwards(app_label, schema_editor, from_state, to_state)
            from_state = to_state

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        states = [to_state]
        for operation in self.database_operations[:-1]:
            after = states[-1].clone()
            operation.state_forwards(app_label, after)
            states.append(after)
        for operation, before in zip(
            reversed(self.database_operations), reversed(states), strict=True
        ):
            after = before.clone()
            operation.state_forwards(app_label, after)
            operation.database_backwards(app_label, schema_editor, after, before)

    def describe(self) -> str:
        return "Custom state/database change combination"

    def losses(
        self, app_label: str, before: ProjectState, after: ProjectState, backwards: bool = False
    ) -> list[Loss]:
        """What its database operations destroy, each from the state the one before left."""
        found: list[Loss] = []
        state = before
        for operation in self.database_operations:
            following = state.clone()
            operation.state_forwards(app_label, following)
            found += operation.losses(app_label, state, following, backwards)
            state = following
        return found
