"""The live schema as the judge of where an operation stands: before it, after it, or neither.

Where DDL commits by itself (MySQL/MariaDB), a run can stop anywhere inside a migration. Before
an operation runs, only what it changes is compared with the live tables: the differences
between the schema its before-state and its after-state imply (``expected_schema``) for the
tables it touches, each a table's presence, a column (type, NULL, default), a named index, a
unique group or a foreign key. All in before-form: the operation has to run. All in
after-form: an earlier run did it. Anything else: something else changed these tables, and
the operation must not touch them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Connection

from schemashift.db.introspection import (
    ColumnInfo,
    ForeignKeyInfo,
    IndexInfo,
    SchemaSnapshot,
    TableInfo,
    expected_schema,
    introspect_table,
)

if TYPE_CHECKING:
    from schemashift.migrations.state import ProjectState

BEFORE, AFTER, NEITHER, UNSEEN = "before", "after", "neither", "unseen"


@dataclass(frozen=True)
class Element:
    """One thing an operation changes: its value before and after, and the live one."""

    table: str
    what: str
    before: Any
    after: Any
    live: Any

    def describe(self) -> str:
        if isinstance(self.live, TableInfo) and isinstance(self.after, TableInfo):
            differences = [
                f"{element.what.removeprefix(', ')} is {_show(element.live)}, expected "
                f"{_show(element.after)}"
                for element in _elements(self.table, self.live, self.after, self.live)
            ]
            return f"table {self.table} exists but is not the table the operation makes: " + (
                "; ".join(differences)
            )
        return (
            f"table {self.table}{self.what}: live {_show(self.live)}; before the operation "
            f"{_show(self.before)}, after it {_show(self.after)}"
        )


@dataclass(frozen=True)
class Verdict:
    """Where the live schema stands: BEFORE, AFTER, NEITHER, or UNSEEN (the operation
    changes nothing the schema shows: raw SQL, a change of Python default)."""

    form: str
    elements: tuple[Element, ...] = ()

    def differences(self, wanted: str = BEFORE) -> list[str]:
        """What in the live schema is not in the ``wanted`` form, one sentence each."""
        return [
            element.describe()
            for element in self.elements
            if element.live != getattr(element, wanted)
        ]


def touched_tables(before: SchemaSnapshot, after: SchemaSnapshot) -> list[str]:
    """The tables whose expected definition the operation changes."""
    names = set(before.tables) | set(after.tables)
    return sorted(name for name in names if before.tables.get(name) != after.tables.get(name))


def judge(connection: Connection, from_state: ProjectState, to_state: ProjectState) -> Verdict:
    """Compare what the operation from ``from_state`` to ``to_state`` changes with the live
    tables."""
    before = expected_schema(from_state, connection.dialect)
    after = expected_schema(to_state, connection.dialect)
    elements: list[Element] = []
    for table in touched_tables(before, after):
        live = introspect_table(connection, table)
        elements.extend(_elements(table, before.tables.get(table), after.tables.get(table), live))
    return verdict_of(elements)


def verdict_of(elements: list[Element]) -> Verdict:
    if not elements:
        return Verdict(UNSEEN)
    if all(element.live == element.after for element in elements):
        return Verdict(AFTER, tuple(elements))
    if all(element.live == element.before for element in elements):
        return Verdict(BEFORE, tuple(elements))
    return Verdict(NEITHER, tuple(elements))


def table_differences(table: str, live: TableInfo | None, expected: TableInfo) -> list[str]:
    """What in the live table differs from the expected one, one sentence each."""
    if live is None:
        return [f"table {table} is missing"]
    if live == expected:
        return []
    found = [
        f"table {table}{element.what} is {_show(element.before)}, expected {_show(element.after)}"
        for element in _elements(table, live, expected, live)
    ]
    return found or [f"table {table} is {live}, expected {expected}"]


def _elements(
    table: str, before: TableInfo | None, after: TableInfo | None, live: TableInfo | None
) -> list[Element]:
    if before is None or after is None:
        return [Element(table, "", before, after, live)]
    live_table = live or TableInfo(table, {})
    found: list[Element] = []

    def compare(what: str, of: Callable[[TableInfo], Any]) -> None:
        old, new = of(before), of(after)
        if old != new:
            found.append(Element(table, what, old, new, None if live is None else of(live_table)))

    for name in sorted(set(before.columns) | set(after.columns)):
        compare(f", column {name}", lambda info, name=name: info.columns.get(name))
    for name in sorted(set(before.indexes) | set(after.indexes)):
        compare(f", index {name}", lambda info, name=name: info.indexes.get(name))
    for group in sorted(before.unique ^ after.unique):
        compare(
            f", unique ({', '.join(group)})",
            lambda info, group=group: "present" if group in info.unique else None,
        )
    for key in sorted(before.foreign_keys ^ after.foreign_keys, key=_foreign_key_order):
        compare(
            f", foreign key {key.column} -> {key.to_table}.{key.to_column}",
            lambda info, key=key: "present" if key in info.foreign_keys else None,
        )
    return found


def _foreign_key_order(key: ForeignKeyInfo) -> tuple[str, str, str]:
    return (key.column, key.to_table, key.to_column)


def _show(value: Any) -> str:
    if value is None:
        return "absent"
    if isinstance(value, ColumnInfo):
        text = f"{value.type} {'NULL' if value.nullable else 'NOT NULL'}"
        return text + (f" DEFAULT {value.default}" if value.default is not None else "")
    if isinstance(value, IndexInfo):
        unique = "unique " if value.unique else ""
        return f"{unique}index on ({', '.join(value.columns)})"
    if isinstance(value, TableInfo):
        return f"a table with columns {', '.join(value.columns)}"
    return str(value)


__all__ = [
    "AFTER",
    "BEFORE",
    "NEITHER",
    "UNSEEN",
    "Element",
    "Verdict",
    "judge",
    "table_differences",
]
