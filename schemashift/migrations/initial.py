"""``migrate --fake-initial``: is an initial migration's work already in the database?

As in Django: an initial migration (``initial = True``, or no ``initial`` and no dependency in
its own app) whose CreateModel tables, and AddField columns, all exist is marked applied
without running. Other operations are not looked at; unmanaged and proxy models are skipped.
Where some of those tables or columns exist and others do not, Django runs the migration and
fails on the first existing table; schemashift stops before touching anything, naming what is
missing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from schemashift.db.backends.through_tables import auto_through_state
from schemashift.exceptions import FakeInitialMismatch
from schemashift.migrations.operations import AddField, CreateModel
from schemashift.migrations.stepwise import is_managed

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from schemashift.migrations.migration import Migration
    from schemashift.migrations.state import ModelState, ProjectState


def is_initial(migration: Migration) -> bool:
    """Whether ``--fake-initial`` may consider the migration at all."""
    if migration.initial is None:
        return not any(app == migration.app_label for app, _name in migration.dependencies)
    return bool(migration.initial)


def is_soft_applied(
    connection: Connection,
    migration: Migration,
    states: list[tuple[ProjectState, ProjectState]],
) -> bool:
    """Whether every table and column the migration creates exists already (``states``:
    the (before, after) state of each operation).

    False when none of them exists, or the migration is not initial or creates none;
    FakeInitialMismatch when only some exist.
    """
    if not is_initial(migration):
        return False
    from schemashift.db.connection import editor_class

    editor = editor_class(connection.dialect.name)(dialect=connection.dialect)
    tables = {name.casefold() for name in editor.table_names(connection)}
    present: list[str] = []
    missing: list[str] = []
    for operation, (_before, after) in zip(migration.operations, states, strict=True):
        if isinstance(operation, CreateModel):
            model = after.models[(migration.app_label, operation.name.lower())]
            if _is_skipped(model):
                continue
            table = editor.model_table(model)
            (present if table.casefold() in tables else missing).append(f"table {table}")
        elif isinstance(operation, AddField):
            model = after.models[(migration.app_label, operation.model_name_lower)]
            if _is_skipped(model):
                continue
            field = model.get_field(operation.name)
            if field.many_to_many:
                if field.through is None:  # its automatic table, as Django looks for it
                    table = editor.model_table(auto_through_state(model, field))
                    found = table.casefold() in tables
                    (present if found else missing).append(f"table {table}")
                continue
            table = editor.model_table(model)
            column = field.column
            found = table.casefold() in tables and column.casefold() in _columns(connection, table)
            (present if found else missing).append(f"column {table}.{column}")
    if not present:
        return False
    if missing:
        raise FakeInitialMismatch(
            f"Cannot fake the initial migration {migration}: {', '.join(present)} "
            f"exist{'s' if len(present) == 1 else ''} but {', '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} missing. Create or drop them so that "
            "the database has all of the migration's tables or none. Nothing was changed."
        )
    return True


def _is_skipped(model: ModelState) -> bool:
    return not is_managed(model) or bool(model.options.get("proxy"))


def _columns(connection: Connection, table: str) -> set[str]:
    import sqlalchemy as sa

    return {column["name"].casefold() for column in sa.inspect(connection).get_columns(table)}


__all__ = ["is_initial", "is_soft_applied"]
