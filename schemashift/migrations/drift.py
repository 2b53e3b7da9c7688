"""Drift: where the live schema differs from what the applied migrations imply.

Someone altered a table by hand, a hotfix ran on production only, a restore brought back an
older schema: the history says one thing and the database another. ``find_drift`` compares
the live tables with ``expected_schema`` of the applied migrations' state, element by
element (a table, a column's type, NULL and default, a named index, a unique column group, a
named check constraint, a foreign key), and returns each difference as plain data.

Only the tables the history owns count: those its state names, and the ones carrying the
table prefix of an app with migrations (``polls_``) that no model of the state has. The
history tables themselves, tables of apps without migrations and tables of other software
sharing the database are none of its business.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from sqlalchemy.engine import Connection

from schemashift.db.introspection import (
    ColumnInfo,
    IndexInfo,
    TableInfo,
    expected_check_names,
    expected_schema,
    introspect,
    introspect_table,
    live_check_names,
    shadow_check_names,
    state_table_names,
)
from schemashift.exceptions import SchemaDrift
from schemashift.migrations.judge import touched_tables

#: how introspection names a part of an index or key that is an expression
EXPRESSION = "<expression>"

if TYPE_CHECKING:
    from sqlalchemy.engine import Dialect

    from schemashift.migrations.loader import MigrationLoader
    from schemashift.migrations.state import ProjectState

Key = tuple[str, str]

#: the order the elements of one table are listed in
_ORDER = ("table", "column", "index", "unique", "check", "foreign key")


@dataclass(frozen=True)
class Difference:
    """One element of one table that is not in the database what the history implies.

    ``element`` is "table", "column", "index", "unique", "check" or "foreign key"; ``name``
    names it within the table (a column or index name, ``(a, b)`` for a unique group,
    ``author_id -> auth_user.id`` for a foreign key; empty for a table). ``history`` and
    ``database`` are what each side has, as text, None where it has no such element. For an
    element both sides have, ``aspect`` says what differs: "type", "null", "default" or
    "primary key" of a column, "definition" of an index.
    """

    table: str
    element: str
    name: str
    history: str | None
    database: str | None
    aspect: str = ""

    @property
    def kind(self) -> str:
        """``missing column``, ``extra index``, ``column type`` and so on."""
        if self.history is None:
            return f"extra {self.element}"
        if self.database is None:
            return f"missing {self.element}"
        return f"{self.element} {self.aspect}"

    def detail(self) -> str:
        """The difference without the table's name: ``column votes: type bigint in the
        history, integer in the database``."""
        subject = f"{self.element} {self.name}".strip()
        if self.element == "table":
            if self.history is None:
                return f"table in the database ({self.database}) that no migration creates"
            return f"table missing from the database (the history has {self.history})"
        if self.history is None:
            what = f" ({self.database})" if self.database else ""
            return f"{subject}: in the database{what}, not in the history"
        if self.database is None:
            what = f" ({self.history})" if self.history else ""
            return f"{subject}: in the history{what}, missing from the database"
        if self.aspect == "null":
            return f"{subject}: {self.history} in the history, {self.database} in the database"
        return (
            f"{subject}: {self.aspect} {self.history} in the history, "
            f"{self.database} in the database"
        )

    def describe(self) -> str:
        """``polls_question: column votes: type bigint in the history, integer in the
        database``."""
        return f"{self.table}: {self.detail()}"


def find_drift(
    connection: Connection,
    state: ProjectState,
    *,
    migrated_apps: Iterable[str],
    installed_apps: Iterable[str],
    history_table: str,
) -> list[Difference]:
    """Every difference between the live tables the history owns and ``state``."""
    dialect = connection.dialect
    expected = expected_schema(state, dialect)
    live = introspect(connection, history_table=history_table)
    named = state_table_names(state, dialect)
    prefixed = _prefixed_by(set(migrated_apps), set(installed_apps))
    tables = set(expected.tables) | {
        name for name in live.tables if name not in named and prefixed(name)
    }
    return _compare(connection, state, tables, live.tables, expected.tables)


def managed_drift(
    connection: Connection, state: ProjectState, *, skip: Iterable[str] = ()
) -> list[Difference]:
    """The differences in the tables ``state`` has (extra tables left out), but ``skip``:
    what migrate refuses to run on. Only those tables are read."""
    expected = expected_schema(state, connection.dialect)
    tables = set(expected.tables) - set(skip)
    live = {name: introspect_table(connection, name) for name in tables}
    found = {name: table for name, table in live.items() if table is not None}
    return _compare(connection, state, tables, found, expected.tables)


def partial_tables(loader: MigrationLoader, partial: Iterable[Key], dialect: Dialect) -> set[str]:
    """The tables the half-done migrations change: the resume logic judges those."""
    tables: set[str] = set()
    for key in partial:
        if key not in loader.graph.nodes:
            continue
        from_state = loader.project_state([key], at_end=False)
        to_state = loader.project_state([key], at_end=True)
        before, after = expected_schema(from_state, dialect), expected_schema(to_state, dialect)
        tables.update(touched_tables(before, after))
        # check constraints are not part of a TableInfo
        checks_before = expected_check_names(from_state, dialect)
        checks_after = expected_check_names(to_state, dialect)
        tables.update(
            table
            for table in set(checks_before) | set(checks_after)
            if checks_before.get(table) != checks_after.get(table)
        )
    return tables


def refusal(differences: list[Difference], alias: str) -> SchemaDrift:
    """The error of a migrate that will not run on a drifted database."""
    listed = "\n".join(f"  {difference.describe()}" for difference in differences)
    return SchemaDrift(
        f"Database '{alias}' differs from what its applied migrations imply, so migrate "
        f"changed nothing:\n{listed}\nMake the database match (or write a migration of the "
        "live schema with 'makemigrations --from-database APP' and record it with "
        f"'migrate --fake'), see every difference with 'check --database {alias}', or run "
        "migrate with --allow-drift to apply the migrations anyway."
    )


def _compare(
    connection: Connection,
    state: ProjectState,
    tables: set[str],
    live: dict[str, TableInfo],
    expected: dict[str, TableInfo],
) -> list[Difference]:
    checks = expected_check_names(state, connection.dialect)
    guards = shadow_check_names(state, connection.dialect)
    found: list[Difference] = []
    for name in sorted(tables):
        have, want = live.get(name), expected.get(name)
        if want is None:
            if have is not None:
                found.append(Difference(name, "table", "", None, _columns(have)))
            continue
        if have is None:
            found.append(Difference(name, "table", "", _columns(want), None))
            continue
        found.extend(table_drift(want, have))
        live_checks = live_check_names(connection, name) - guards.get(name, frozenset())
        found.extend(check_drift(name, checks.get(name, frozenset()), live_checks, have))
    return sorted(found, key=_position)


def table_drift(expected: TableInfo, live: TableInfo) -> list[Difference]:
    """What differs between two definitions of one table: columns, indexes, unique groups
    and foreign keys (check constraints: ``check_drift``)."""
    table = expected.name
    expected, live = _blurred(expected), _blurred(live)
    found: list[Difference] = []
    for name in sorted(set(expected.columns) | set(live.columns)):
        found.extend(_column_drift(table, name, expected.columns.get(name), live.columns.get(name)))
    explained: set[tuple[str, ...]] = set()
    for name in sorted(set(expected.indexes) | set(live.indexes)):
        want, have = expected.indexes.get(name), live.indexes.get(name)
        if want == have:
            continue
        explained.update(index.columns for index in (want, have) if index and index.unique)
        aspect = "definition" if want and have else ""
        found.append(Difference(table, "index", name, _index(want), _index(have), aspect))
    for group in sorted((expected.unique ^ live.unique) - explained):
        in_history = group in expected.unique
        shown = f"({', '.join(group)})"
        found.append(
            Difference(
                table, "unique", shown, "" if in_history else None, None if in_history else ""
            )
        )
    for key in sorted(expected.foreign_keys ^ live.foreign_keys, key=_key_order):
        shown = f"{key.column} -> {key.to_table}.{key.to_column}"
        found.append(_presence(table, "foreign key", shown, key in expected.foreign_keys))
    return found


def _blurred(info: TableInfo) -> TableInfo:
    """``info`` with every part of a key that has an expression read as ``<expression>``: the
    history marks them all so, where some databases read a plain column among them
    (``F("warehouse")``) by its name."""

    def key(columns: tuple[str, ...]) -> tuple[str, ...]:
        return (EXPRESSION,) * len(columns) if EXPRESSION in columns else columns

    indexes = {
        name: replace(index, columns=key(index.columns)) for name, index in info.indexes.items()
    }
    unique = frozenset(key(group) for group in info.unique)
    return replace(info, indexes=indexes, unique=unique)


def _presence(table: str, element: str, name: str, in_history: bool) -> Difference:
    """An element only one side has (nothing more to say of it than its name)."""
    return Difference(table, element, name, "" if in_history else None, None if in_history else "")


def check_drift(
    table: str, expected: frozenset[str], live: frozenset[str], live_table: TableInfo
) -> list[Difference]:
    """The named check constraints one side has and the other lacks. A live check the
    database named for a column's own check (``polls_choice_votes_check`` on PostgreSQL,
    ``polls_choice_chk_1`` on MySQL) is not one the models name, and is not compared."""
    chosen = _database_chosen_check(table, live_table)
    found = [Difference(table, "check", name, "", None) for name in sorted(expected - live)]
    found += [
        Difference(table, "check", name, None, "")
        for name in sorted(live - expected)
        if not chosen(name)
    ]
    return found


def _column_drift(
    table: str, name: str, want: ColumnInfo | None, have: ColumnInfo | None
) -> list[Difference]:
    if want is None or have is None:
        return [Difference(table, "column", name, _column(want), _column(have))]
    found = []
    if want.type != have.type:
        found.append(Difference(table, "column", name, want.type, have.type, "type"))
    if want.nullable != have.nullable:
        found.append(Difference(table, "column", name, _null(want), _null(have), "null"))
    if want.has_default != have.has_default and not want.default_optional:
        found.append(Difference(table, "column", name, _default(want), _default(have), "default"))
    if want.primary_key != have.primary_key:
        found.append(
            Difference(
                table, "column", name, _yes(want.primary_key), _yes(have.primary_key), "primary key"
            )
        )
    return found


def table_owner(table: str, labels: Iterable[str]) -> str | None:
    """The app whose table prefix the name carries: the longest label it starts with
    (``polls_extra_`` before ``polls_``), None for none."""
    for label in sorted(labels, key=len, reverse=True):
        if table.lower().startswith(f"{label.lower()}_"):
            return label
    return None


def _prefixed_by(migrated: set[str], installed: set[str]) -> Callable[[str], bool]:
    """Whether a table name carries a migrated app's prefix."""
    labels = installed | migrated
    return lambda table: table_owner(table, labels) in migrated


def _database_chosen_check(table: str, live: TableInfo) -> Callable[[str], bool]:
    column_checks = {f"{table}_{column}_check" for column in live.columns}
    numbered = re.compile(rf"{re.escape(table)}_chk_\d+")

    def chosen(name: str) -> bool:
        # PostgreSQL shortens a name past 63 characters, keeping the _check suffix
        return (
            name in column_checks
            or numbered.fullmatch(name) is not None
            or (len(name) >= 60 and name.endswith("_check"))
        )

    return chosen


def _position(difference: Difference) -> tuple[str, int, str, str]:
    return (
        difference.table,
        _ORDER.index(difference.element),
        difference.name,
        difference.aspect,
    )


def _key_order(key: object) -> tuple[str, str, str]:
    return (key.column, key.to_table, key.to_column)  # type: ignore[attr-defined]


def _columns(table: TableInfo) -> str:
    return f"columns {', '.join(sorted(table.columns))}"


def _column(column: ColumnInfo | None) -> str | None:
    if column is None:
        return None
    return f"{column.type} {_null(column)}" + (
        f" DEFAULT {column.default}" if column.default is not None else ""
    )


def _null(column: ColumnInfo) -> str:
    return "NULL" if column.nullable else "NOT NULL"


def _default(column: ColumnInfo) -> str:
    return "none" if column.default is None else str(column.default)


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def _index(index: IndexInfo | None) -> str | None:
    if index is None:
        return None
    unique = "unique " if index.unique else ""
    columns = ", ".join(
        column if order == "ASC" else f"{column} {order}"
        for column, order in zip(index.columns, index.orders, strict=False)
    )
    return f"{unique}on ({columns})"


__all__ = [
    "Difference",
    "SchemaDrift",
    "check_drift",
    "find_drift",
    "managed_drift",
    "partial_tables",
    "refusal",
    "table_drift",
    "table_owner",
]
