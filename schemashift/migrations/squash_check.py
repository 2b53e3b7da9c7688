"""Check that a squash builds the same schema as the migrations it replaces.

Two scratch databases of the configured backend (``db/scratch.py``) each get the migrations
the range depends on; then one gets the range's migrations and the other the squash. Both are
introspected (``db/introspection.py``) and compared; a difference refuses the squash with a
list of what differs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from schemashift.db.backends.base import is_managed
from schemashift.db.connection import schema_editor
from schemashift.db.introspection import SchemaSnapshot, TableInfo, introspect
from schemashift.db.scratch import scratch_databases
from schemashift.exceptions import MigrationError, SchemashiftError
from schemashift.migrations.executor import MigrationExecutor
from schemashift.migrations.loader import MigrationLoader
from schemashift.migrations.migration import Migration
from schemashift.migrations.recorder import MigrationRecorder
from schemashift.migrations.squasher import SquashRange
from schemashift.migrations.state import ProjectState


class SquashMismatch(MigrationError):
    """The squash does not build the schema the migrations it replaces build."""


def check_squash(
    loader: MigrationLoader,
    squash_range: SquashRange,
    squash: Migration,
    database_url: str,
    history_table: str,
) -> None:
    """Apply the range and the squash to two scratch databases like ``database_url``'s and
    raise SquashMismatch, listing the differences, unless their schemas are the same."""
    prerequisites = [loader.graph.nodes[key] for key in squash_range.prerequisites]
    with scratch_databases(database_url, "squash", 2) as (original_db, squash_db):
        original = _schema_after(
            loader, original_db, [*prerequisites, *squash_range.migrations], history_table
        )
        squashed = _schema_after(loader, squash_db, [*prerequisites, squash], history_table)
    differences = schema_differences(original, squashed)
    if differences:
        listed = "\n".join(f"  {line}" for line in differences)
        raise SquashMismatch(
            f"The squash {squash} does not build the schema of the migrations it replaces, so it "
            f"was not written. Applied to two scratch {original_db.dialect_name} databases, "
            f"they differ:\n{listed}\nSquash a shorter range, try --no-optimize, or write the "
            "squash by hand."
        )


def _schema_after(
    loader: MigrationLoader, database: Any, migrations: Iterable[Migration], history_table: str
) -> SchemaSnapshot:
    """Apply the migrations in order to the empty database, then read its schema."""
    recorder = MigrationRecorder(database, history_table)
    executor = MigrationExecutor(database, loader, recorder)
    recorder.ensure_schema()
    state = ProjectState()
    for migration in migrations:
        try:
            state = executor.apply_migration(migration, state)
        except SchemashiftError as exc:
            raise SquashMismatch(
                f"Applying {migration} to a scratch {database.dialect_name} database failed, so "
                f"the squash was not written: {exc}"
            ) from exc
    with database.connect() as connection:
        snapshot = introspect(connection, history_table=history_table)
        return _kept_defaults_optional(snapshot, state, schema_editor(connection, collect_sql=True))


def _kept_defaults_optional(
    snapshot: SchemaSnapshot, state: ProjectState, editor: Any
) -> SchemaSnapshot:
    """The snapshot with the DEFAULT of each column whose field keeps the default a column
    added in place is given (``keeps_added_default``) compared as optional: the original
    migrations may keep it where a squash's CreateModel writes none."""
    tables = dict(snapshot.tables)
    for model in state.models.values():
        live = tables.get(editor.model_table(model)) if is_managed(model) else None
        if live is None:
            continue
        expected = editor.expected_table(state, model).columns
        columns = {
            name: replace(column, default_optional=True)
            if name in expected and expected[name].default_optional
            else column
            for name, column in live.columns.items()
        }
        tables[live.name] = replace(live, columns=columns)
    return replace(snapshot, tables=tables)


def schema_differences(original: SchemaSnapshot, squashed: SchemaSnapshot) -> list[str]:
    """What differs between the schema after the original migrations and after the squash,
    one line each ("table x: ..."), empty when they are the same."""
    lines: list[str] = []
    for name in sorted(set(original.tables) | set(squashed.tables)):
        if name not in squashed.tables:
            lines.append(f"table {name}: only after the original migrations")
        elif name not in original.tables:
            lines.append(f"table {name}: only after the squash")
        else:
            lines += [
                f"table {name}: {line}"
                for line in _table_differences(original.tables[name], squashed.tables[name])
            ]
    return lines


def _table_differences(original: TableInfo, squashed: TableInfo) -> list[str]:
    lines = []
    for column in sorted(set(original.columns) | set(squashed.columns)):
        before, after = original.columns.get(column), squashed.columns.get(column)
        if before != after:
            lines.append(
                f"column {column}: {_column(before)} (original), {_column(after)} (squash)"
            )
    pairs = [
        ("foreign keys", _foreign_keys(original), _foreign_keys(squashed)),
        (
            "unique",
            {", ".join(g) for g in original.unique},
            {", ".join(g) for g in squashed.unique},
        ),
        ("indexes", _indexes(original), _indexes(squashed)),
    ]
    for what, before_set, after_set in pairs:
        for item in sorted(before_set - after_set):
            lines.append(f"{what}: {item} only after the original migrations")
        for item in sorted(after_set - before_set):
            lines.append(f"{what}: {item} only after the squash")
    return lines


def _column(column: Any) -> str:
    if column is None:
        return "missing"
    parts = [column.type, "NULL" if column.nullable else "NOT NULL"]
    if column.primary_key:
        parts.append("PRIMARY KEY")
    if column.has_default:
        parts.append(f"DEFAULT {column.default}")
    return " ".join(parts)


def _foreign_keys(table: TableInfo) -> set[str]:
    return {f"{fk.column} -> {fk.to_table}.{fk.to_column}" for fk in table.foreign_keys}


def _indexes(table: TableInfo) -> set[str]:
    found = set()
    for index in table.indexes.values():
        columns = ", ".join(
            f"{column} {order}" for column, order in zip(index.columns, index.orders, strict=False)
        )
        found.add(f"{index.name} ({columns}){' UNIQUE' if index.unique else ''}")
    return found
