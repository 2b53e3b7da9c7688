"""A database's schema as comparable facts, read the same way on every backend.

Tables, columns in order (type as the backend spells it, nullability, default), the primary
key, foreign keys, unique and check constraints, and indexes. Index definitions come from the
backend's own catalogue where SQLAlchemy leaves things out: on PostgreSQL ``pg_indexes`` (operator
classes such as ``varchar_pattern_ops``, partial ``WHERE`` clauses, expressions), on SQLite
``sqlite_master``. The history tables of both tools are left out.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

import sqlalchemy as sa

HISTORY_TABLES = {"schemashift_migrations", "schemashift_migrations_progress", "django_migrations"}


def schema_facts(url: str) -> dict[str, dict[str, Any]]:
    """``{table: facts}`` for every table but the history tables."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            inspector = sa.inspect(connection)
            return {
                table: _table_facts(connection, inspector, table)
                for table in sorted(inspector.get_table_names())
                if table not in HISTORY_TABLES
            }
    finally:
        engine.dispose()


def _table_facts(connection: sa.Connection, inspector: Any, table: str) -> dict[str, Any]:
    dialect = connection.dialect
    return {
        "columns": [
            (
                column["name"],
                column["type"].compile(dialect=dialect).lower(),
                column["nullable"],
                _default(column.get("default")),
            )
            for column in inspector.get_columns(table)
        ],
        "primary key": inspector.get_pk_constraint(table)["constrained_columns"],
        "foreign keys": sorted(
            (
                fk["name"] or "",
                tuple(fk["constrained_columns"]),
                fk["referred_table"],
                tuple(fk["referred_columns"]),
            )
            for fk in inspector.get_foreign_keys(table)
        ),
        "uniques": _uniques(inspector, table),
        "checks": sorted(
            (check["name"] or "", _spaces(check["sqltext"]))
            for check in inspector.get_check_constraints(table)
        ),
        "indexes": _indexes(connection, inspector, table),
    }


def _indexes(connection: sa.Connection, inspector: Any, table: str) -> list[Any]:
    name = connection.dialect.name
    if name == "postgresql":
        rows = connection.execute(
            sa.text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = :table"),
            {"table": table},
        )
        return sorted((index, _spaces(definition)) for index, definition in rows)
    if name == "sqlite":
        rows = connection.execute(
            sa.text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :table"
            ),
            {"table": table},
        )
        return sorted((index, _spaces(definition or "(automatic)")) for index, definition in rows)
    return sorted(
        (
            index["name"],
            tuple(str(column) for column in index["column_names"]),
            bool(index["unique"]),
            tuple(index.get("column_sorting", {}).items()),
        )
        for index in inspector.get_indexes(table)
    )


def _default(default: Any) -> str | None:
    return None if default is None else _spaces(str(default))


def _spaces(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def differences(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    """One line per table or fact that differs, for a readable assertion message."""
    lines = []
    for table in sorted(set(expected) | set(actual)):
        want, have = expected.get(table), actual.get(table)
        if want is None or have is None:
            lines.append(f"{table}: {'missing' if have is None else 'unexpected'}")
            continue
        for fact in want:
            got = have.get(fact)
            if fact == "columns" and want[fact] is not None and got is not None:
                got = _without_kept_defaults(want[fact], got)
            if want[fact] != got:
                lines.append(
                    f"{table} {fact}:\n  Django:      {want[fact]}\n  schemashift: {have.get(fact)}"
                )
    return lines


def _without_kept_defaults(expected: list[tuple], actual: list[tuple]) -> list[tuple]:
    """``actual`` without the database defaults of columns that Django leaves without one:
    a column added to a table that holds rows keeps its default for the previous app version
    (README, "Changing tables that hold rows")."""
    dropped = {column[0] for column in expected if column[-1] is None}
    return [(*column[:-1], None) if column[0] in dropped else column for column in actual]


def _uniques(inspector: Any, table: str) -> list[tuple[str, tuple[str, ...]]]:
    """Unique constraints on columns; expression ones are compared with the indexes."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
        found = inspector.get_unique_constraints(table)
    return sorted((unique["name"] or "", tuple(unique["column_names"])) for unique in found)
