"""The live schema read back as plain, comparable data, and the schema a state implies.

``introspect(connection)`` reads what the database holds; ``expected_schema(state, dialect)``
derives what a migration state should have produced, through the same type mapping and naming
the schema editor uses. Both return a ``SchemaSnapshot``, so a test can assert
``introspect(connection) == expected_schema(state, connection.dialect)``.

Column order is not part of the comparison (``columns`` is a dict): backends append added
columns, and SQLite table rebuilds may move an altered one last, as Django does.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import inspect
from sqlalchemy.engine import Connection, Dialect, make_url

from schemashift.conf import DEFAULT_MIGRATIONS_TABLE
from schemashift.db.backends.registry import backend_for
from schemashift.db.backends.through_tables import auto_through_states

if TYPE_CHECKING:
    from schemashift.db.backends.base import BaseSchemaEditor
    from schemashift.migrations.state import ModelState, ProjectState


@dataclass(frozen=True, eq=False)
class ColumnInfo:
    """One column: its declared type, nullability, primary key and database default.

    Declared types ignore case and spacing (SQLite reports ``integer`` as ``INTEGER``), so
    ``type`` is kept in lower case with single spaces. ``default`` is the default expression
    as the database reports it, None when the column has none (an identity or auto-increment
    key has none either). Migrations leave no default behind: Python defaults are filled
    in by the models, so an expected column has a default only where its field has
    ``db_default``.
    """

    name: str
    type: str
    nullable: bool
    primary_key: bool = False
    #: compared only as present or absent (``has_default``): each database reports the same
    #: default in its own words (``'a'::character varying`` on PostgreSQL)
    default: str | None = field(default=None, compare=False)
    #: an expected column that may have a default or not: a field with a Python default
    #: added to a table in use keeps it as the database's for the previous app version
    default_optional: bool = field(default=False, compare=False)
    has_default: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "type", " ".join(self.type.lower().split()))
        object.__setattr__(self, "has_default", self.default is not None)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ColumnInfo):
            return NotImplemented
        return self._key() == other._key() and (
            self.has_default == other.has_default or self.default_optional or other.default_optional
        )

    def __hash__(self) -> int:
        return hash(self._key())

    def _key(self) -> tuple[str, str, bool, bool]:
        return (self.name, self.type, self.nullable, self.primary_key)


@dataclass(frozen=True)
class ForeignKeyInfo:
    """A foreign key constraint from one column to a column of another (or the same) table."""

    column: str
    to_table: str
    to_column: str


@dataclass(frozen=True)
class IndexInfo:
    """A named index; ``orders`` holds "ASC" or "DESC" per column."""

    name: str
    columns: tuple[str, ...]
    unique: bool = False
    orders: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.orders:
            object.__setattr__(self, "orders", ("ASC",) * len(self.columns))


@dataclass(frozen=True)
class TableInfo:
    """One table. ``unique`` holds every unique column group, inline UNIQUE or unique index;
    ``indexes`` the named indexes (unique ones included), not those a constraint implies."""

    name: str
    columns: dict[str, ColumnInfo]
    foreign_keys: frozenset[ForeignKeyInfo] = frozenset()
    unique: frozenset[tuple[str, ...]] = frozenset()
    indexes: dict[str, IndexInfo] = field(default_factory=dict)

    @property
    def primary_key(self) -> tuple[str, ...]:
        return tuple(name for name, column in self.columns.items() if column.primary_key)


@dataclass(frozen=True)
class SchemaSnapshot:
    """Every table of a schema by name."""

    tables: dict[str, TableInfo]

    def __getitem__(self, table: str) -> TableInfo:
        return self.tables[table]

    def __contains__(self, table: object) -> bool:
        return table in self.tables

    def table_names(self) -> list[str]:
        return sorted(self.tables)


def introspect(
    connection: Connection,
    *,
    include_history: bool = False,
    history_table: str = DEFAULT_MIGRATIONS_TABLE,
    exclude: Iterable[str] = (),
) -> SchemaSnapshot:
    """The user tables of the database, without the backend's internal tables.

    The history table (and the progress table of non-atomic runs) is left out unless
    ``include_history``; ``exclude`` names more tables to
    leave out (``django_migrations``, say). Runs inside the connection's transaction if one is
    open, else in a short one of its own.
    """
    reader = backend_for(connection.dialect).schema_editor
    skipped = set(exclude)
    if not include_history:
        skipped.update({history_table, f"{history_table}_progress"})
    with _reading(connection):
        tables = {}
        for name in reader.table_names(connection):
            if name in skipped:
                continue
            table = reader.read_table(connection, name)
            if table is not None:
                tables[name] = table
    return SchemaSnapshot(tables)


def introspect_table(connection: Connection, table: str) -> TableInfo | None:
    """One table of the live database, or None when it does not exist."""
    with _reading(connection):
        return backend_for(connection.dialect).schema_editor.read_table(connection, table)


def expected_schema(state: ProjectState, dialect: Dialect | str) -> SchemaSnapshot:
    """The tables a ProjectState implies on a backend (unmanaged models have none)."""
    editor = _editor_for(dialect)
    tables = {}
    for key in sorted(state.models):
        model = state.models[key]
        if not _has_table(model):
            continue
        tables[editor.model_table(model)] = editor.expected_table(state, model)
        for through in auto_through_states(model):
            tables[editor.model_table(through)] = editor.expected_table(state, through)
    return SchemaSnapshot(tables)


def expected_check_names(state: ProjectState, dialect: Dialect | str) -> dict[str, frozenset[str]]:
    """The names of the Meta check constraints each table of a state has on a backend.

    ``TableInfo`` leaves check constraints out (the column checks of some field types carry
    names the database chooses); these are the ones the models name.
    """
    from schemashift.models.constraints import CheckConstraint

    editor = _editor_for(dialect)
    if not editor.supports_table_check_constraints:
        return {}
    found = {}
    for key in sorted(state.models):
        model = state.models[key]
        if not _has_table(model):
            continue
        names = [c.name for c in model.constraints if isinstance(c, CheckConstraint)]
        found[editor.model_table(model)] = frozenset(names)
    return found


def shadow_check_names(state: ProjectState, dialect: Dialect | str) -> dict[str, frozenset[str]]:
    """The names of the check constraints a staged change may keep on its shadow columns
    between expand and contract (PostgreSQL's NOT NULL guard), per table."""
    editor = _editor_for(dialect)
    found = {}
    for model in state.models.values():
        if not getattr(model, "shadows", None) or not _has_table(model):
            continue
        table = editor.model_table(model)
        names = [editor.not_null_guard_name(table, f.column) for f in model.shadows.values()]
        found[table] = frozenset(name for name in names if name)
    return found


def live_check_names(connection: Connection, table: str) -> frozenset[str]:
    """The names of the named check constraints of a live table (an inline, unnamed check of
    SQLite has none and is left out)."""
    with _reading(connection):
        checks = inspect(connection).get_check_constraints(table)
    return frozenset(check["name"] for check in checks if check.get("name"))


def live_unique_names(connection: Connection, table: str) -> dict[tuple[str, ...], str]:
    """The name of each named unique constraint of a live table, by its columns (an inline
    UNIQUE of SQLite has none)."""
    with _reading(connection):
        found = inspect(connection).get_unique_constraints(table)
    return {tuple(u["column_names"]): u["name"] for u in found if u.get("name")}


def state_table_names(state: ProjectState, dialect: Dialect | str) -> set[str]:
    """Every table the models of a state name, unmanaged and proxy models' too."""
    editor = _editor_for(dialect)
    names = set()
    for model in state.models.values():
        names.add(editor.model_table(model))
        for through in auto_through_states(model):
            names.add(editor.model_table(through))
    return names


def _has_table(model: ModelState) -> bool:
    """Whether migrations make a table for the model (not unmanaged, proxy or swapped)."""
    return not (
        model.options.get("managed", True) is False
        or model.options.get("proxy")
        or getattr(model, "swapped", None)
    )


def editor_for(dialect: Dialect | str) -> BaseSchemaEditor:
    """A schema editor of the dialect (a name such as "sqlite" will do), for its type
    mapping and names; it runs nothing."""
    return _editor_for(dialect)


def _editor_for(dialect: Dialect | str) -> BaseSchemaEditor:
    if isinstance(dialect, str):
        dialect = make_url(f"{dialect}://").get_dialect()()
    return backend_for(dialect).schema_editor(dialect=dialect)


@contextmanager
def _reading(connection: Connection) -> Iterator[None]:
    if connection.in_transaction():
        yield
        return
    with connection.begin():
        yield


__all__ = [
    "ColumnInfo",
    "ForeignKeyInfo",
    "IndexInfo",
    "SchemaSnapshot",
    "TableInfo",
    "editor_for",
    "expected_check_names",
    "expected_schema",
    "introspect",
    "introspect_table",
    "live_check_names",
    "live_unique_names",
    "shadow_check_names",
    "state_table_names",
]
