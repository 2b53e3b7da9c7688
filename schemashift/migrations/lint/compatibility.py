"""Backward compatibility rules: changes the previous app version, still running while the
new one deploys, does not survive.

It reads the tables and columns it knew: a column or table dropped or renamed under it breaks
its queries; a NOT NULL column it does not know about without a database default breaks its
INSERTs; a column it may still write NULL to, made NOT NULL, breaks its writes. Only tables
that existed before the migration count (a table made in the same migration is new to every
version). The staged operations (``makemigrations --staged``: ExpandRenameField then, once the
previous version is gone, ContractRenameField) are the safe forms of a rename, and are not
reported.
"""

from __future__ import annotations

from collections.abc import Iterator

from schemashift.db.backends.base import keeps_added_default
from schemashift.migrations.lint.context import OperationContext, unquoted
from schemashift.migrations.lint.rules import ERROR, WARNING, Hit, rule
from schemashift.migrations.lint.sql_text import RawStatement, read_statement
from schemashift.migrations.operations import (
    AddField,
    AlterField,
    AlterModelTable,
    DeleteModel,
    RemoveField,
    RenameField,
    RenameModel,
    RunSQL,
)

GROUP = "compatibility"


def _raw(context: OperationContext, kind: str) -> Iterator[RawStatement]:
    """The statements of a RunSQL of ``kind``, on tables that existed before the migration
    or that no model names."""
    if not isinstance(context.operation, RunSQL):
        return
    made = _tables_made(context)
    for statement in context.statements:
        read = read_statement(statement.text)
        if read.kind == kind and unquoted(read.table) not in made:
            yield read


def _tables_made(context: OperationContext) -> set[str]:
    """Tables of models made earlier in the migration."""
    editor = context.editor
    new = context.migration_context.new_models[context.index - 1]
    models = (context.before.models[key] for key in new if key in context.before.models)
    return {editor.fit_table_name(model.db_table) for model in models}


@rule(
    "drop-column",
    ERROR,
    GROUP,
    why="The previous app version still reads and writes the column: its queries fail once "
    "it is gone.",
    fix="First deploy an app version without the field, keeping the column (a migration of "
    "SeparateDatabaseAndState(state_operations=[RemoveField(...)])); drop it in a later "
    "migration, and acknowledge drop-column there.",
)
def drop_column(context: OperationContext) -> Iterator[Hit]:
    operation = context.operation
    if isinstance(operation, RemoveField):
        model = context.model_before(operation.model_name)
        field = model.fields.get(operation.name) if model else None
        if model is not None and field is not None and not field.many_to_many:
            yield Hit(f"column {field.column} of table {model.db_table} is dropped")
    for read in _raw(context, "drop-column"):
        yield Hit(f"column {unquoted(read.name)} of table {unquoted(read.table)} is dropped")


@rule(
    "drop-table",
    ERROR,
    GROUP,
    why="The previous app version still reads and writes the table: its queries fail once "
    "it is gone.",
    fix="First deploy an app version without the model, keeping the table "
    "(SeparateDatabaseAndState(state_operations=[DeleteModel(...)])); drop it in a later "
    "migration, and acknowledge drop-table there.",
)
def drop_table(context: OperationContext) -> Iterator[Hit]:
    operation = context.operation
    if isinstance(operation, DeleteModel):
        model = context.model_before(operation.name)
        if model is not None:
            yield Hit(f"table {model.db_table} is dropped")
    if isinstance(operation, RemoveField):
        model = context.model_before(operation.model_name)
        field = model.fields.get(operation.name) if model else None
        if model is not None and field is not None and field.many_to_many:
            yield Hit(f"the table of many-to-many field {model.name}.{field.name} is dropped")
    for read in _raw(context, "drop-table"):
        yield Hit(f"table {unquoted(read.table)} is dropped")


@rule(
    "rename-column",
    ERROR,
    GROUP,
    why="The previous app version still uses the old column name: its queries fail from the "
    "rename on.",
    fix="Stage it: makemigrations --staged writes ExpandRenameField (both columns kept in "
    "step) and ContractRenameField (run with migrate --stage contract once the previous "
    "version is gone); or keep the column with db_column='<old name>'.",
)
def rename_column(context: OperationContext) -> Iterator[Hit]:
    operation = context.operation
    if isinstance(operation, (RenameField, AlterField)):
        model = context.model_before(operation.model_name)
        old_name = operation.old_name if isinstance(operation, RenameField) else operation.name
        new_name = operation.new_name if isinstance(operation, RenameField) else operation.name
        old = model.fields.get(old_name) if model else None
        new_model = context.after.models.get((context.app_label, operation.model_name_lower))
        new = new_model.fields.get(new_name) if new_model else None
        if (
            model is not None
            and old is not None
            and new is not None
            and not old.many_to_many
            and old.column != new.column
        ):
            yield Hit(f"column {old.column} of table {model.db_table} is renamed to {new.column}")
    for read in _raw(context, "rename-column"):
        if unquoted(read.name) != unquoted(read.new_name):
            yield Hit(
                f"column {unquoted(read.name)} of table {unquoted(read.table)} is renamed to "
                f"{unquoted(read.new_name)}"
            )


@rule(
    "rename-table",
    ERROR,
    GROUP,
    why="The previous app version still uses the old table name: its queries fail from the "
    "rename on.",
    fix="Keep the table's name: set Meta.db_table to the old name on the renamed model (the "
    "rename is then in the state only).",
)
def rename_table(context: OperationContext) -> Iterator[Hit]:
    operation = context.operation
    old_name = new_name = None
    if isinstance(operation, RenameModel):
        old_name, new_name = operation.old_name, operation.new_name
    elif isinstance(operation, AlterModelTable):
        old_name = new_name = operation.name
    if old_name is not None and new_name is not None:
        model = context.model_before(old_name)
        renamed = context.after.models.get((context.app_label, new_name.lower()))
        if model is not None and renamed is not None and model.db_table != renamed.db_table:
            yield Hit(f"table {model.db_table} is renamed to {renamed.db_table}")
    for read in _raw(context, "rename-table"):
        yield Hit(f"table {unquoted(read.table)} is renamed to {unquoted(read.new_name)}")


@rule(
    "not-null-without-default",
    ERROR,
    GROUP,
    why="A NOT NULL column added without a database default breaks the previous app "
    "version's INSERTs, which leave the new column out.",
    fix="Give the field db_default=..., or a constant default (kept as the database default "
    "on PostgreSQL and MySQL/MariaDB for a table in use), or add it with null=True first.",
)
def not_null_without_default(context: OperationContext) -> Iterator[Hit]:
    operation = context.operation
    if not isinstance(operation, AddField):
        return
    model = context.model_before(operation.model_name)
    added = context.after.models.get((context.app_label, operation.model_name_lower))
    field = added.fields.get(operation.name) if added else None
    if model is None or field is None:
        return
    if field.null or field.many_to_many or field.primary_key or field.generated:
        return
    if field.has_db_default():
        return
    table = context.editor.fit_table_name(model.db_table)
    live = context.migration_context.live[context.index - 1]
    if table in live and keeps_added_default(field):
        return  # schemashift keeps the default for the previous version
    if not field.has_default():
        reason = "it has no default"
    elif callable(field.default):
        reason = "its default is computed in Python, which the database cannot keep"
    elif not context.editor.keeps_added_defaults:
        reason = f"{context.target.backend} keeps no default for an added column"
    else:
        reason = "the table holds no rows yet, so its default is not kept"
    yield Hit(f"column {field.column} is added NOT NULL to table {model.db_table}: {reason}")


@rule(
    "set-not-null",
    WARNING,
    GROUP,
    why="The previous app version may still write NULL to the column: those writes fail "
    "once it is NOT NULL.",
    fix="First deploy an app version that always sets the field, then make it NOT NULL; "
    "acknowledge set-not-null once it does.",
)
def set_not_null(context: OperationContext) -> Iterator[Hit]:
    operation = context.operation
    if not isinstance(operation, AlterField):
        return
    model = context.model_before(operation.model_name)
    old = model.fields.get(operation.name) if model else None
    changed = context.after.models.get((context.app_label, operation.model_name_lower))
    new = changed.fields.get(operation.name) if changed else None
    if model is not None and old is not None and new is not None and old.null and not new.null:
        yield Hit(f"column {new.column} of table {model.db_table} becomes NOT NULL")


__all__ = [
    "drop_column",
    "drop_table",
    "not_null_without_default",
    "rename_column",
    "rename_table",
    "set_not_null",
]
