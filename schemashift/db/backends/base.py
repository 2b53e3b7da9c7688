"""The schema editor every backend shares: migration operations in, DDL out.

An editor serves one migration: ``with schema_editor(connection) as editor:``, then the
operations call ``editor.create_model(...)``, ``editor.alter_field(...)`` and so on. It builds
DDL from ModelStates directly; it decides what needs an index, a unique constraint or a
rebuild and how things are named. A backend subclass supplies its column types and the
statements its dialect needs (``backends/sqlite.py``).

With ``collect_sql=True`` statements are appended to ``collected_sql`` instead of run, so
``sqlmigrate`` prints exactly what ``migrate`` would run. Identifiers are always quoted by the
dialect; values are rendered by the dialect's literal rendering, never pasted into SQL.

Two ways to change a field:

- ``BaseSchemaEditor`` leaves ``add_field``, ``remove_field`` and ``alter_field`` to the
  backend (SQLite rebuilds tables).
- ``AlterTableSchemaEditor`` does them with ALTER TABLE (PostgreSQL, MySQL/MariaDB). A backend
  built on it sets its SQL templates (``sql_add_column``, ``sql_rename_column``,
  ``sql_alter_column_type``, ``sql_set_not_null``/``sql_drop_not_null``, ``sql_drop_default``,
  ``sql_fill_nulls``, ``sql_create_fk``/``sql_drop_fk`` with ``sql_fk_deferrable``,
  ``sql_create_check``/``sql_drop_check``, ``sql_create_pk``/``sql_drop_pk``; identifiers in
  them are quoted for it) and overrides, where a template is not enough:

  - ``add_column_statements(state, table, field)``: ADD COLUMN, filling existing rows through
    a DEFAULT dropped right after;
  - ``alter_column_type_statements(change)``: a new column type (MySQL needs the NULL-ness in
    MODIFY; PostgreSQL adds or drops identity);
  - ``type_conversion_sql(column, old_type, new_type)``: PostgreSQL's ``USING`` clause;
  - ``alter_column_null_sql(table, field, state)``: NULL / NOT NULL;
  - ``live_constraints(table)``: the names of live constraints and indexes, to drop them (the
    default reads SQLAlchemy's Inspector);
  - and from the base class: ``create_unique_sql``/``drop_unique_sql``, ``drop_index_sql``,
    ``rename_index_statements``, ``render_literal``, ``read_table``/``table_names``.

  ``alter_field`` runs in steps a backend rarely needs to touch: drop what goes away or stands
  in the way (foreign keys, unique, index, check, primary key), rename, retype, NULL (filling
  NULLs with the default first), add what is new, retype the foreign key columns elsewhere
  that point at the field, and rename generated indexes after a column rename.
"""

from __future__ import annotations

import datetime
import decimal
import json
import math
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ClassVar

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, Dialect

from schemashift.db.introspection import ColumnInfo, ForeignKeyInfo, IndexInfo, TableInfo
from schemashift.exceptions import DatabaseError, ModelDefinitionError
from schemashift.utils import timezone
from schemashift.utils.names import index_name

if TYPE_CHECKING:
    from schemashift.models.fields import Field
    from schemashift.models.indexes import Index

#: field options that change no column: altering only these runs no SQL. ``default`` is one
#: of them because Python defaults are never kept in the database.
NON_SCHEMA_OPTIONS = frozenset(
    {
        "blank",
        "choices",
        "db_column",
        "default",
        "editable",
        "help_text",
        "on_delete",
        "related_name",
        "related_query_name",
        "verbose_name",
    }
)

#: statement texts longer than this are cut in error messages
_MESSAGE_SQL_LENGTH = 500
#: SQL without parameters goes to the driver as it is: drivers with ``%s`` placeholders
#: (psycopg, PyMySQL) would otherwise read a ``%`` in a string literal as one
_NO_PARAMETERS = {"no_parameters": True}


@dataclass
class TableDefinition:
    """What a table is built from: its name, fields in column order, and Meta indexes."""

    table: str
    fields: list[Field]
    unique_together: tuple[tuple[str, ...], ...] = ()
    indexes: list[Index] = field(default_factory=list)

    @classmethod
    def of(cls, model: Any, fields: list[Field] | None = None) -> TableDefinition:
        """The definition of a ModelState, optionally with other fields (in that order)."""
        return cls(
            model.db_table,
            list(model.fields.values()) if fields is None else fields,
            tuple(model.unique_together),
            list(model.indexes),
        )

    def get_field(self, name: str) -> Field:
        for candidate in self.fields:
            if name in (candidate.name, candidate.attname):
                return candidate
        raise LookupError(f"Table {self.table} has no field named '{name}'.")

    def columns(self, field_names: tuple[str, ...] | list[str]) -> list[str]:
        return [self.get_field(name).column for name in field_names]


def is_managed(model: Any) -> bool:
    """Whether migrations create and change this model's table (``Meta.managed``)."""
    return model.options.get("managed", True) is not False


class BaseSchemaEditor:
    """Turns migration operations into DDL for one backend, inside one transaction."""

    dialect_name: ClassVar[str] = ""
    #: declared column type per field class (``get_internal_type()``); ``{max_length}`` etc.
    #: are filled from the field
    data_types: ClassVar[dict[str, str]] = {}
    #: the column type of a foreign key to a field of this class, where not ``data_types``
    rel_data_types: ClassVar[dict[str, str]] = {}
    #: CHECK expression per field class; ``{column}`` is the quoted column name
    data_type_checks: ClassVar[dict[str, str]] = {}
    #: words after a column's definition per field class (SQLite: AUTOINCREMENT)
    data_type_suffixes: ClassVar[dict[str, str]] = {}
    #: longest index or constraint name the backend accepts (Django uses 200 where unlimited)
    max_name_length: ClassVar[int] = 200
    #: whether "a" and "A" name the same table
    ignores_table_name_case: ClassVar[bool] = False
    #: whether a one-column unique_together group reads back as a named index; where unique
    #: constraints are read apart from indexes (PostgreSQL) it reads like a unique field
    lists_one_column_unique_together: ClassVar[bool] = True
    #: the DATABASES alias of the database this editor changes
    alias: str = "default"

    def __init__(
        self,
        connection: Connection | None = None,
        *,
        collect_sql: bool = False,
        atomic: bool = True,
        dialect: Dialect | None = None,
    ) -> None:
        if connection is None and dialect is None:
            raise TypeError("A schema editor needs a connection or a dialect.")
        self.connection = connection
        self.dialect: Dialect = dialect if dialect is not None else connection.dialect
        self.collect_sql = collect_sql
        self.atomic = atomic
        self.collected_sql: list[str] = []
        self._preparer = self.dialect.identifier_preparer
        self._transaction: Any = None
        self._was_in_transaction = False
        #: tables whose rows may no longer satisfy their foreign keys; None means any table
        self._tables_to_check: set[str] | None = set()

    # -- the transaction ----------------------------------------------------------------------

    def __enter__(self) -> BaseSchemaEditor:
        if self.collect_sql:
            self._was_in_transaction = bool(self.connection and self.connection.in_transaction())
            return self
        if self.connection is None:
            raise TypeError("A schema editor that runs SQL needs a connection.")
        self._prepare_connection()
        if self.atomic:
            try:
                self._transaction = self._begin()
            except BaseException:
                self._restore_connection()
                raise
        return self

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        if self.collect_sql:
            # Reading the live schema (for index names) may have opened a transaction.
            opened = self.connection is not None and not self._was_in_transaction
            if opened and self.connection.in_transaction():
                self.connection.rollback()
            return
        try:
            if exc_type is None:
                self.check_constraints()
                self._commit()
            else:
                self._rollback()
        except BaseException:
            self._rollback()
            raise
        finally:
            self._restore_connection()

    def _prepare_connection(self) -> None:
        """Backend hook run before the transaction opens."""

    def _restore_connection(self) -> None:
        """Backend hook run after the transaction has ended."""

    def _begin(self) -> Any:
        return self.connection.begin()

    def _commit(self) -> None:
        if self._transaction is not None and self._transaction.is_active:
            self._transaction.commit()
        elif self.connection.in_transaction():
            self.connection.commit()
        self._transaction = None

    def _rollback(self) -> None:
        try:
            if self._transaction is not None and self._transaction.is_active:
                self._transaction.rollback()
            elif self.connection.in_transaction():
                self.connection.rollback()
        finally:
            self._transaction = None

    @contextmanager
    def _operation(self) -> Iterator[None]:
        """One operation's work; outside an atomic migration, in a transaction of its own."""
        if self.collect_sql or self.atomic or self.connection.in_transaction():
            yield
            return
        with self.connection.begin():
            yield
            self.check_constraints()

    def check_constraints(self) -> None:
        """Raise DatabaseError if rows break foreign keys (backends that defer the check)."""

    def _touch(self, table: str) -> None:
        if self._tables_to_check is not None:
            self._tables_to_check.add(table)

    def _touch_model(self, state: Any, model: Any) -> None:
        """Check the model's table and the tables whose foreign keys point at it."""
        self._touch(model.db_table)
        for child, relation in state.incoming_relations(model.app_label, model.name):
            if relation.db_constraint and child.key != model.key and is_managed(child):
                self._touch(child.db_table)

    def _touch_everything(self) -> None:
        self._tables_to_check = None

    # -- running statements -------------------------------------------------------------------

    def execute(self, sql: str, params: Any = None) -> None:
        """Run SQL given by a migration (RunSQL); without params it may hold several statements.

        ``params`` is a sequence for ``%s`` placeholders or a mapping for ``%(name)s`` ones.
        """
        self._touch_everything()
        statements = [sql] if params is not None else self.split_statements(sql)
        with self._operation():
            for statement in statements:
                self.run(statement, params)

    def run(self, sql: str, params: Any = None) -> None:
        """Run one statement, or collect it (with its parameters inlined as literals)."""
        if self.collect_sql:
            self.collected_sql.append(_without_terminator(self._inline_params(sql, params)))
            return
        try:
            if params is None:
                self.connection.exec_driver_sql(sql, execution_options=_NO_PARAMETERS)
            else:
                self.connection.exec_driver_sql(*self.driver_params(sql, params))
        except sa_exc.DBAPIError as exc:
            raise DatabaseError(
                f"The database refused a statement: {exc.orig}\n  Statement: {_shorten(sql)}"
            ) from exc

    def query(self, sql: str) -> list[Any]:
        """Rows of a read-only statement on the live database (never collected)."""
        try:
            return list(self.connection.exec_driver_sql(sql, execution_options=_NO_PARAMETERS))
        except sa_exc.DBAPIError as exc:
            raise DatabaseError(f"{exc.orig}\n  Statement: {_shorten(sql)}") from exc

    def split_statements(self, sql: str) -> list[str]:
        """The statements of a string of SQL (backends that run one at a time split it)."""
        return [sql]

    def driver_params(self, sql: str, params: Any) -> tuple[str, Any]:
        """SQL with ``%s`` placeholders and its params, in the driver's parameter style."""
        if isinstance(params, dict):
            return sql, {key: self.adapt_value(value) for key, value in params.items()}
        return sql, tuple(self.adapt_value(value) for value in params)

    def _inline_params(self, sql: str, params: Any) -> str:
        if params is None:
            return sql
        if isinstance(params, dict):
            return sql % {key: self.quote_value(value) for key, value in params.items()}
        return sql % tuple(self.quote_value(value) for value in params)

    # -- names and types ----------------------------------------------------------------------

    def quote_name(self, name: str) -> str:
        """The identifier, always quoted (``"order"``, ``"polls_question"``)."""
        return self._preparer.quote_identifier(name)

    def index_name(self, table: str, columns: list[str], suffix: str = "") -> str:
        return index_name(table, columns, suffix, self.max_name_length)

    def foreign_key_name(self, table: str, column: str, to_table: str, to_column: str) -> str:
        """Django's ``<table>_<column>_<hash>_fk_<to_table>_<to_column>``, cut to fit."""
        return self.index_name(table, [column], f"_fk_{to_table}_{to_column}")

    def column_type(self, field: Field, state: Any) -> str:
        """The declared type of the field's column; a foreign key takes its target's."""
        if field.is_relation:
            return self.rel_column_type(self.target_field(field, state), state)
        return self._format_type(self.data_types, field)

    def rel_column_type(self, target: Field, state: Any) -> str:
        """The type of a column that points at ``target`` (an auto field's plain integer)."""
        if target.is_relation:
            return self.rel_column_type(self.target_field(target, state), state)
        if target.get_internal_type() in self.rel_data_types:
            return self._format_type(self.rel_data_types, target)
        return self.column_type(target, state)

    def _format_type(self, types: dict[str, str], field: Field) -> str:
        kind = field.get_internal_type()
        try:
            template = types[kind]
        except KeyError:
            raise ModelDefinitionError(
                f"Field '{field.name}' is a {kind}, which has no column type on "
                f"{self.dialect_name}."
            ) from None
        return template.format(
            max_length=field.max_length,
            max_digits=getattr(field, "max_digits", None),
            decimal_places=getattr(field, "decimal_places", None),
        )

    @staticmethod
    def target_field(relation: Field, state: Any) -> Field:
        """The field a ForeignKey points at: ``to_field``, else the target's primary key."""
        target = state.related_model(relation)
        return target.get_field(relation.to_field) if relation.to_field else target.pk

    def column_check(self, field: Field, column: str) -> str | None:
        if field.is_relation:
            return None
        template = self.data_type_checks.get(field.get_internal_type())
        return template.format(column=self.quote_name(column)) if template else None

    def inline_reference(self, field: Field, state: Any) -> str | None:
        """The REFERENCES clause written inside a column definition, on backends that do."""
        return None

    def column_definition(
        self, field: Field, state: Any, column: str | None = None, default: str | None = None
    ) -> str:
        """Everything after the column's name in CREATE TABLE or ADD COLUMN.

        ``column`` names the column in CHECK expressions when it differs from the field's;
        ``default`` is a SQL literal written as the column's DEFAULT.
        """
        parts = [self.column_type(field, state)]
        if default is not None:
            parts.append(f"DEFAULT {default}")
        parts.append("NULL" if field.null else "NOT NULL")
        if field.primary_key:
            parts.append("PRIMARY KEY")
        elif field.unique:
            parts.append("UNIQUE")
        check = self.column_check(field, column or field.column)
        if check:
            parts.append(f"CHECK ({check})")
        suffix = (
            None if field.is_relation else self.data_type_suffixes.get(field.get_internal_type())
        )
        if suffix:
            parts.append(suffix)
        reference = self.inline_reference(field, state)
        if reference:
            parts.append(reference)
        return " ".join(parts)

    def create_table_sql(self, state: Any, definition: TableDefinition, table: str = "") -> str:
        columns = ", ".join(
            f"{self.quote_name(f.column)} {self.column_definition(f, state)}"
            for f in definition.fields
        )
        return f"CREATE TABLE {self.quote_name(table or definition.table)} ({columns})"

    # -- indexes and unique constraints -------------------------------------------------------

    @staticmethod
    def field_needs_index(field: Field) -> bool:
        """db_index fields (ForeignKey and SlugField by default) unless unique already."""
        return bool(field.db_index) and not (field.unique or field.primary_key)

    def field_index_name(self, table: str, field: Field) -> str:
        return self.index_name(table, [field.column])

    def unique_together_name(self, table: str, columns: list[str]) -> str:
        return self.index_name(table, columns, "_uniq")

    def create_index_sql(
        self, name: str, table: str, columns: list[str], orders: list[str] | None = None
    ) -> str:
        orders = orders or [""] * len(columns)
        parts = ", ".join(
            f"{self.quote_name(column)} {order}".rstrip()
            for column, order in zip(columns, orders, strict=True)
        )
        return f"CREATE INDEX {self.quote_name(name)} ON {self.quote_name(table)} ({parts})"

    def drop_index_sql(self, table: str, name: str) -> str:
        return f"DROP INDEX {self.quote_name(name)}"

    def create_unique_sql(self, name: str, table: str, columns: list[str]) -> str:
        quoted = ", ".join(self.quote_name(column) for column in columns)
        return (
            f"ALTER TABLE {self.quote_name(table)} ADD CONSTRAINT {self.quote_name(name)} "
            f"UNIQUE ({quoted})"
        )

    def drop_unique_sql(self, table: str, name: str) -> str:
        return f"ALTER TABLE {self.quote_name(table)} DROP CONSTRAINT {self.quote_name(name)}"

    def meta_index_sql(self, definition: TableDefinition, index: Index) -> str:
        columns = [definition.get_field(name).column for name, _order in index.fields_orders]
        orders = [order for _name, order in index.fields_orders]
        return self.create_index_sql(index.name, definition.table, columns, orders)

    def generated_indexes(
        self, definition: TableDefinition, renamed: dict[str, str] | None = None
    ) -> dict[tuple[Any, ...], tuple[str, list[str], bool]]:
        """Indexes named after the table and columns: key -> (name, columns, unique).

        Keys name what is indexed by field names, mapped through ``renamed`` (old -> new), so
        an index keeps its key across a rename of its table or columns.
        """
        renamed = renamed or {}
        table = definition.table
        found: dict[tuple[Any, ...], tuple[str, list[str], bool]] = {}
        for group in definition.unique_together:
            columns = definition.columns(group)
            key = ("unique", tuple(renamed.get(name, name) for name in group))
            found[key] = (self.unique_together_name(table, columns), columns, True)
        for candidate in definition.fields:
            if self.field_needs_index(candidate):
                key = ("field", renamed.get(candidate.name, candidate.name))
                found[key] = (self.field_index_name(table, candidate), [candidate.column], False)
        return found

    def rename_generated_indexes(
        self,
        old: TableDefinition,
        new: TableDefinition,
        renamed: dict[str, str] | None = None,
    ) -> None:
        """After a table or column rename, give generated indexes the names the new ones imply,
        so the live schema stays what the state says and the old names are free again."""
        before = self.generated_indexes(old, renamed)
        live = self._live_table(new.table)
        named = {index.name for index in new.indexes}
        for key, (name, columns, unique) in self.generated_indexes(new).items():
            if key not in before:
                continue
            current = before[key][0]
            if live is not None:
                if name in live.indexes:
                    continue
                if current not in live.indexes:
                    current = _matching_index(live, columns, unique, exclude=named) or current
            if current != name:
                for statement in self.rename_index_statements(
                    new.table, current, name, columns, unique
                ):
                    self.run(statement)

    def rename_index_statements(
        self, table: str, old_name: str, new_name: str, columns: list[str], unique: bool
    ) -> list[str]:
        return [f"ALTER INDEX {self.quote_name(old_name)} RENAME TO {self.quote_name(new_name)}"]

    def index_statements(self, definition: TableDefinition) -> list[str]:
        """unique_together, then db_index fields, then Meta.indexes (Django's order)."""
        return [
            *self.unique_together_statements(definition),
            *self.field_index_statements(definition),
        ]

    def unique_together_statements(self, definition: TableDefinition) -> list[str]:
        table = definition.table
        statements = []
        for group in definition.unique_together:
            columns = definition.columns(group)
            statements.append(
                self.create_unique_sql(self.unique_together_name(table, columns), table, columns)
            )
        return statements

    def field_index_statements(self, definition: TableDefinition) -> list[str]:
        """The indexes of db_index fields, then Meta.indexes."""
        table = definition.table
        statements = []
        for candidate in definition.fields:
            if self.field_needs_index(candidate):
                name = self.field_index_name(table, candidate)
                statements.append(self.create_index_sql(name, table, [candidate.column]))
        statements.extend(self.meta_index_sql(definition, index) for index in definition.indexes)
        return statements

    # -- operations shared by every backend ---------------------------------------------------

    def foreign_key_statements(self, state: Any, definition: TableDefinition) -> list[str]:
        """Foreign keys made after CREATE TABLE, on backends that do not write them inline."""
        return []

    def create_model(self, state: Any, model: Any) -> None:
        """CREATE TABLE, then unique_together, foreign keys and indexes (Django's order)."""
        if not is_managed(model):
            return
        definition = TableDefinition.of(model)
        with self._operation():
            self.run(self.create_table_sql(state, definition))
            for statement in (
                *self.unique_together_statements(definition),
                *self.foreign_key_statements(state, definition),
                *self.field_index_statements(definition),
            ):
                self.run(statement)

    def delete_model(self, state: Any, model: Any) -> None:
        """DROP TABLE: the rows go with it."""
        if not is_managed(model):
            return
        with self._operation():
            self._touch_model(state, model)  # rows elsewhere may point at the dropped ones
            if self._tables_to_check is not None:
                self._tables_to_check.discard(model.db_table)
            self.run(f"DROP TABLE {self.quote_name(model.db_table)}")

    def alter_db_table(self, state: Any, model: Any, old_table: str, new_table: str) -> None:
        """Rename a table; foreign keys elsewhere follow it."""
        if not is_managed(model) or old_table == new_table:
            return
        if self.ignores_table_name_case and old_table.lower() == new_table.lower():
            return
        with self._operation():
            self.run(
                f"ALTER TABLE {self.quote_name(old_table)} RENAME TO {self.quote_name(new_table)}"
            )
            new_definition = TableDefinition.of(model)
            old_definition = replace(new_definition, table=old_table)
            self.rename_generated_indexes(old_definition, new_definition)
        if self._tables_to_check is not None and old_table in self._tables_to_check:
            self._tables_to_check.discard(old_table)
            self._tables_to_check.add(new_table)

    def add_index(self, state: Any, model: Any, index: Index) -> None:
        if not is_managed(model):
            return
        with self._operation():
            self.run(self.meta_index_sql(TableDefinition.of(model), index))

    def remove_index(self, state: Any, model: Any, index: Index) -> None:
        if not is_managed(model):
            return
        with self._operation():
            self.run(self.drop_index_sql(model.db_table, index.name))

    def alter_unique_together(
        self, from_state: Any, to_state: Any, old_model: Any, new_model: Any
    ) -> None:
        """Drop the groups that went away, then create the new ones."""
        if not is_managed(new_model):
            return
        old_groups = set(old_model.unique_together)
        new_groups = set(new_model.unique_together)
        old_definition = TableDefinition.of(old_model)
        new_definition = TableDefinition.of(new_model)
        table = new_model.db_table
        with self._operation():
            for group in sorted(old_groups - new_groups):
                columns = old_definition.columns(group)
                name = self._existing_unique_index(table, columns)
                self.run(
                    self.drop_unique_sql(table, name or self.unique_together_name(table, columns))
                )
            for group in sorted(new_groups - old_groups):
                columns = new_definition.columns(group)
                self.run(
                    self.create_unique_sql(
                        self.unique_together_name(table, columns), table, columns
                    )
                )

    def _existing_unique_index(self, table: str, columns: list[str]) -> str | None:
        """The name a unique index on exactly these columns has in the live database.

        Names are predictable, but a renamed column keeps its index's old name, as in Django.
        """
        live = self._live_table(table)
        if live is None:
            return None
        for name in sorted(live.indexes):
            index = live.indexes[name]
            if index.unique and list(index.columns) == columns:
                return name
        return None

    def _live_table(self, table: str) -> TableInfo | None:
        if self.connection is None:
            return None
        return type(self).read_table(self.connection, table)

    # -- the operations each backend writes ---------------------------------------------------

    def add_field(self, state: Any, model: Any, field: Field) -> None:
        raise NotImplementedError

    def remove_field(self, state: Any, model: Any, field: Field) -> None:
        raise NotImplementedError

    def alter_field(
        self,
        from_state: Any,
        to_state: Any,
        old_model: Any,
        new_model: Any,
        old_field: Field,
        new_field: Field,
    ) -> None:
        raise NotImplementedError

    def field_should_be_altered(
        self, from_state: Any, to_state: Any, old_field: Field, new_field: Field
    ) -> bool:
        """Whether the change touches the column: not for verbose names, choices, defaults."""
        if old_field.column != new_field.column:
            return True
        old_path, old_kwargs = _schema_signature(old_field)
        new_path, new_kwargs = _schema_signature(new_field)
        if old_field.is_relation and new_field.is_relation:
            old_kwargs.pop("to", None)
            new_kwargs.pop("to", None)
            old_target = from_state.related_model(old_field).db_table
            if old_target != to_state.related_model(new_field).db_table:
                return True
        return (old_path, old_kwargs) != (new_path, new_kwargs)

    # -- values -------------------------------------------------------------------------------

    @staticmethod
    def effective_default(field: Field) -> Any:
        """The value existing rows get for a new or newly NOT NULL column (None: no value).

        The field's default; ``""`` (``b""``) for a blank text (binary) field; the current time
        for ``auto_now``/``auto_now_add``.
        """
        if field.has_default():
            return field.get_default()
        kind = field.get_internal_type()
        if not field.null and field.blank and field.empty_strings_allowed:
            return b"" if kind == "BinaryField" else ""
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            now = timezone.now()
            if kind == "DateField":
                return now.date()
            if kind == "TimeField":
                return now.time()
            return now
        return None

    def adapt_value(self, value: Any, field: Field | None = None, state: Any = None) -> Any:
        """The value as the column stores it: None, bool, int, float, str or bytes."""
        if value is None:
            return None
        if field is not None and field.is_relation:
            return self.adapt_value(value, self.target_field(field, state), state)
        kind = field.get_internal_type() if field is not None else _python_kind(value)
        adapter = _ADAPTERS.get(kind)
        if adapter is None:
            return value
        try:
            return adapter(value, field)
        except (TypeError, ValueError, ArithmeticError) as exc:
            where = f" for field '{field.name}'" if field is not None and field.name else ""
            raise ModelDefinitionError(
                f"Value {value!r}{where} cannot be stored as a {kind}: {exc}"
            ) from None

    def quote_value(self, value: Any, field: Field | None = None, state: Any = None) -> str:
        """``value`` as a SQL literal for ``field``'s column, rendered by the dialect."""
        return self.render_literal(self.adapt_value(value, field, state))

    def render_literal(self, value: Any) -> str:
        if value is None:
            return "NULL"
        if isinstance(value, float) and not math.isfinite(value):
            return self.render_special_float(value)
        if isinstance(value, bool):
            type_: Any = sa.Boolean()
        elif isinstance(value, int):
            type_ = sa.BigInteger()
        elif isinstance(value, float):
            type_ = sa.Float()
        elif isinstance(value, str):
            type_ = sa.String()
        elif isinstance(value, (bytes, bytearray, memoryview)):
            type_ = HexBinary()
            value = bytes(value)
        else:
            raise ModelDefinitionError(f"Value {value!r} cannot be written as a SQL literal.")
        literal = sa.literal(value, type_)
        rendered = str(
            literal.compile(dialect=self.dialect, compile_kwargs={"literal_binds": True})
        )
        if isinstance(value, str) and self.dialect.paramstyle in ("format", "pyformat"):
            # SQLAlchemy doubles % for drivers with %s placeholders; statements reach the
            # driver without parameters (or with values inlined already), so undo it
            rendered = rendered.replace("%%", "%")
        return rendered

    def render_special_float(self, value: float) -> str:
        raise ModelDefinitionError(f"{value!r} cannot be stored on {self.dialect_name}.")

    # -- introspection ------------------------------------------------------------------------

    @classmethod
    def table_names(cls, connection: Connection) -> list[str]:
        """The user tables of the live database, sorted."""
        return sorted(sa.inspect(connection).get_table_names())

    @classmethod
    def read_table(cls, connection: Connection, table: str) -> TableInfo | None:
        """One live table as a TableInfo, or None when it does not exist."""
        raise NotImplementedError

    def expected_table(self, state: Any, model: Any) -> TableInfo:
        """The TableInfo the editor would create for a model of ``state``."""
        definition = TableDefinition.of(model)
        table = definition.table
        columns = {
            f.column: ColumnInfo(f.column, self.column_type(f, state), f.null, f.primary_key)
            for f in definition.fields
        }
        foreign_keys = set()
        for f in definition.fields:
            if f.is_relation and f.db_constraint:
                target = self.target_field(f, state)
                to_table = state.related_model(f).db_table
                foreign_keys.add(ForeignKeyInfo(f.column, to_table, target.column))
        unique = {(f.column,) for f in definition.fields if f.unique and not f.primary_key}
        indexes = {}
        for group in definition.unique_together:
            group_columns = tuple(definition.columns(group))
            unique.add(group_columns)
            if len(group_columns) > 1 or self.lists_one_column_unique_together:
                name = self.unique_together_name(table, list(group_columns))
                indexes[name] = IndexInfo(name, group_columns, unique=True)
        for f in definition.fields:
            if self.field_needs_index(f):
                name = self.field_index_name(table, f)
                indexes[name] = IndexInfo(name, (f.column,))
        for index in definition.indexes:
            index_columns = tuple(definition.get_field(n).column for n, _o in index.fields_orders)
            orders = tuple(order or "ASC" for _n, order in index.fields_orders)
            indexes[index.name] = IndexInfo(index.name, index_columns, orders=orders)
        return TableInfo(table, columns, frozenset(foreign_keys), frozenset(unique), indexes)


@dataclass(frozen=True)
class LiveConstraint:
    """A constraint or index of a live table: what the ALTER-based editor drops by name.

    ``kind`` is "primary_key", "foreign_key", "unique", "check" or "index".
    """

    name: str
    kind: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class FieldChange:
    """One AlterField as the ALTER-based editor sees it: the field before and after."""

    table: str
    old_model: Any
    new_model: Any
    old: Field
    new: Field
    from_state: Any
    to_state: Any
    #: whether the column's declared type (or identity/auto-increment suffix) changes
    retyped: bool
    #: (to_table, to_column) of the foreign key constraint before and after, or None
    old_reference: tuple[str, str] | None
    new_reference: tuple[str, str] | None

    @property
    def renamed(self) -> bool:
        return self.old.column != self.new.column

    @property
    def rereferenced(self) -> bool:
        """Whether the field's own foreign key constraint must be dropped or made anew."""
        return self.old_reference != self.new_reference or (
            self.retyped and self.old_reference is not None
        )


class AlterTableSchemaEditor(BaseSchemaEditor):
    """Field changes by ALTER TABLE, for backends whose ALTER TABLE can make them all.

    See the module docstring for the hooks a backend overrides. Foreign keys are separate
    named constraints (``foreign_key_statements``), unique fields are UNIQUE in the column
    definition or, when altered, named ``<table>_<column>_<hash>_uniq`` constraints; the names
    of constraints to drop are looked up in the live database (``live_constraints``) and
    predicted only when there is none to read (SQL collected without a database, or made
    earlier in the same collected migration).
    """

    sql_add_column: ClassVar[str] = "ALTER TABLE {table} ADD COLUMN {column} {definition}"
    sql_drop_column: ClassVar[str] = "ALTER TABLE {table} DROP COLUMN {column}"
    sql_rename_column: ClassVar[str] = "ALTER TABLE {table} RENAME COLUMN {old} TO {new}"
    sql_alter_column_type: ClassVar[str] = "ALTER TABLE {table} ALTER COLUMN {column} TYPE {type}"
    sql_set_not_null: ClassVar[str] = "ALTER TABLE {table} ALTER COLUMN {column} SET NOT NULL"
    sql_drop_not_null: ClassVar[str] = "ALTER TABLE {table} ALTER COLUMN {column} DROP NOT NULL"
    sql_drop_default: ClassVar[str] = "ALTER TABLE {table} ALTER COLUMN {column} DROP DEFAULT"
    sql_fill_nulls: ClassVar[str] = "UPDATE {table} SET {column} = {value} WHERE {column} IS NULL"
    sql_create_fk: ClassVar[str] = (
        "ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY ({column}) "
        "REFERENCES {to_table} ({to_column}){deferrable}"
    )
    #: written after a foreign key's REFERENCES clause (PostgreSQL: DEFERRABLE ...)
    sql_fk_deferrable: ClassVar[str] = ""
    sql_drop_fk: ClassVar[str] = "ALTER TABLE {table} DROP CONSTRAINT {name}"
    sql_create_check: ClassVar[str] = "ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({check})"
    sql_drop_check: ClassVar[str] = "ALTER TABLE {table} DROP CONSTRAINT {name}"
    sql_create_pk: ClassVar[str] = (
        "ALTER TABLE {table} ADD CONSTRAINT {name} PRIMARY KEY ({column})"
    )
    sql_drop_pk: ClassVar[str] = "ALTER TABLE {table} DROP CONSTRAINT {name}"

    def _sql(self, template: str, **names: str) -> str:
        """A template filled with quoted identifiers; ``type``, ``definition``, ``value``,
        ``check`` and ``deferrable`` are SQL already and go in as they are."""
        verbatim = {"type", "definition", "value", "check", "deferrable"}
        return template.format(
            **{
                key: value if key in verbatim else self.quote_name(value)
                for key, value in names.items()
            }
        )

    # -- statements a backend may override ----------------------------------------------------

    def add_column_statements(self, state: Any, table: str, field: Field) -> list[str]:
        """ADD COLUMN; existing rows get the field's value through a DEFAULT dropped at once,
        so the database keeps no default (Python defaults are not the database's)."""
        default = self.effective_default(field)
        literal = None if default is None else self.quote_value(default, field, state)
        definition = self.column_definition(field, state, default=literal)
        statements = [
            self._sql(self.sql_add_column, table=table, column=field.column, definition=definition)
        ]
        if literal is not None:
            statements.append(self._sql(self.sql_drop_default, table=table, column=field.column))
        return statements

    def alter_column_type_statements(self, change: FieldChange) -> list[str]:
        """Give the (already renamed) column its new type, converting the values."""
        old_type = self.column_type(change.old, change.from_state)
        new_type = self.column_type(change.new, change.to_state)
        if old_type == new_type:
            return []
        column = change.new.column
        type_sql = new_type + self.type_conversion_sql(column, old_type, new_type)
        return [
            self._sql(self.sql_alter_column_type, table=change.table, column=column, type=type_sql)
        ]

    def type_conversion_sql(self, column: str, old_type: str, new_type: str) -> str:
        """What follows the new type to convert the values (PostgreSQL: ``USING ...``)."""
        return ""

    def alter_column_null_sql(self, table: str, field: Field, state: Any) -> str:
        """Make the column NULL or NOT NULL as ``field`` says."""
        template = self.sql_drop_not_null if field.null else self.sql_set_not_null
        return self._sql(template, table=table, column=field.column)

    def create_fk_sql(self, table: str, column: str, to_table: str, to_column: str) -> str:
        name = self.foreign_key_name(table, column, to_table, to_column)
        return self._sql(
            self.sql_create_fk,
            table=table,
            name=name,
            column=column,
            to_table=to_table,
            to_column=to_column,
            deferrable=self.sql_fk_deferrable,
        )

    def live_constraints(self, table: str) -> list[LiveConstraint]:
        """The constraints and indexes of a live table, read with SQLAlchemy's Inspector."""
        inspector = sa.inspect(self.connection)
        if not inspector.has_table(table):
            return []
        found: set[LiveConstraint] = set()
        primary_key = inspector.get_pk_constraint(table)
        if primary_key.get("name"):
            columns = tuple(primary_key["constrained_columns"])
            found.add(LiveConstraint(primary_key["name"], "primary_key", columns))
        for key in inspector.get_foreign_keys(table):
            columns = tuple(key["constrained_columns"])
            found.add(LiveConstraint(key["name"], "foreign_key", columns))
        for unique in inspector.get_unique_constraints(table):
            found.add(LiveConstraint(unique["name"], "unique", tuple(unique["column_names"])))
        for index in inspector.get_indexes(table):
            kind = "unique" if index["unique"] else "index"
            found.add(LiveConstraint(index["name"], kind, tuple(index["column_names"])))
        names = [column["name"] for column in inspector.get_columns(table)]
        for check in inspector.get_check_constraints(table):
            columns = _columns_named_in(check["sqltext"], names)
            found.add(LiveConstraint(check["name"], "check", columns))
        return sorted(found, key=lambda constraint: (constraint.kind, constraint.name))

    # -- names --------------------------------------------------------------------------------

    def field_unique_name(self, table: str, column: str) -> str:
        """The name of the unique constraint AlterField gives a field (Django's ``_uniq``)."""
        return self.index_name(table, [column], "_uniq")

    def check_name(self, table: str, column: str) -> str:
        return self.index_name(table, [column], "_check")

    def primary_key_name(self, table: str, column: str) -> str:
        return self.index_name(table, [column], "_pk")

    def _constraint_names(
        self, table: str, kind: str, columns: list[str], predicted: str
    ) -> list[str]:
        """The live names of the table's constraints of this kind on exactly these columns;
        the predicted name when the live database has none."""
        if self.connection is not None:
            found = [
                constraint.name
                for constraint in self.live_constraints(table)
                if constraint.kind == kind and list(constraint.columns) == columns
            ]
            if found:
                return found
        return [predicted]

    def _field_index_in_database(self, model: Any, field: Field) -> str:
        """The name of the field's db_index index: the predicted one, or the live index on
        exactly its column that no Meta index claims."""
        table = model.db_table
        predicted = self.field_index_name(table, field)
        live = self._live_table(table)
        if live is None or predicted in live.indexes:
            return predicted
        named = {index.name for index in model.indexes}
        return _matching_index(live, [field.column], False, exclude=named) or predicted

    def _reference(self, field: Field, state: Any) -> tuple[str, str] | None:
        """(table, column) a field's foreign key constraint points at, or None."""
        if not (field.is_relation and field.db_constraint):
            return None
        return state.related_model(field).db_table, self.target_field(field, state).column

    def _column_signature(self, field: Field, state: Any) -> tuple[str, str]:
        suffix = (
            "" if field.is_relation else self.data_type_suffixes.get(field.get_internal_type(), "")
        )
        return self.column_type(field, state), suffix

    # -- tables -------------------------------------------------------------------------------

    def foreign_key_statements(self, state: Any, definition: TableDefinition) -> list[str]:
        statements = []
        for candidate in definition.fields:
            reference = self._reference(candidate, state)
            if reference is not None:
                statements.append(
                    self.create_fk_sql(definition.table, candidate.column, *reference)
                )
        return statements

    # -- fields -------------------------------------------------------------------------------

    def add_field(self, state: Any, model: Any, field: Field) -> None:
        """ADD COLUMN, then its foreign key, index, and the unique_together groups and Meta
        indexes naming it (unapplying RemoveField brings those back).

        ``model`` and ``state`` are as after the addition; ``field`` may carry a one-off
        default for the existing rows.
        """
        if not is_managed(model):
            return
        table = model.db_table
        definition = TableDefinition.of(model)
        with self._operation():
            statements = self.add_column_statements(state, table, field)
            reference = self._reference(field, state)
            if reference is not None:
                statements.append(self.create_fk_sql(table, field.column, *reference))
            if self.field_needs_index(field):
                name = self.field_index_name(table, field)
                statements.append(self.create_index_sql(name, table, [field.column]))
            for group in _groups_naming(definition, field):
                columns = definition.columns(group)
                name = self.unique_together_name(table, columns)
                statements.append(self.create_unique_sql(name, table, columns))
            for index in _indexes_naming(definition, field):
                statements.append(self.meta_index_sql(definition, index))
            for statement in statements:
                self.run(statement)

    def remove_field(self, state: Any, model: Any, field: Field) -> None:
        """DROP COLUMN, after its foreign key and the unique_together groups and Meta indexes
        naming it (which MySQL would otherwise keep on their other columns).

        ``model`` and ``state`` are as before the removal.
        """
        if not is_managed(model):
            return
        table = model.db_table
        definition = TableDefinition.of(model)
        with self._operation():
            reference = self._reference(field, state)
            if reference is not None:
                predicted = self.foreign_key_name(table, field.column, *reference)
                for name in self._constraint_names(table, "foreign_key", [field.column], predicted):
                    self.run(self._sql(self.sql_drop_fk, table=table, name=name))
            for group in _groups_naming(definition, field):
                columns = definition.columns(group)
                name = self._existing_unique_index(table, columns)
                self.run(
                    self.drop_unique_sql(table, name or self.unique_together_name(table, columns))
                )
            for index in _indexes_naming(definition, field):
                self.run(self.drop_index_sql(table, index.name))
            self.run(self._sql(self.sql_drop_column, table=table, column=field.column))

    def alter_field(
        self,
        from_state: Any,
        to_state: Any,
        old_model: Any,
        new_model: Any,
        old_field: Field,
        new_field: Field,
    ) -> None:
        """Change a column in place: drop the constraints and indexes that go or stand in
        the way, rename, retype, change NULL, then add what is new. Foreign key columns
        elsewhere that point at the field follow a change of its type.
        """
        if not is_managed(new_model):
            return
        if not self.field_should_be_altered(from_state, to_state, old_field, new_field):
            return
        change = FieldChange(
            table=old_model.db_table,
            old_model=old_model,
            new_model=new_model,
            old=old_field,
            new=new_field,
            from_state=from_state,
            to_state=to_state,
            retyped=self._column_signature(old_field, from_state)
            != self._column_signature(new_field, to_state),
            old_reference=self._reference(old_field, from_state),
            new_reference=self._reference(new_field, to_state),
        )
        with self._operation():
            referencing = self._referencing_changes(change) if change.retyped else []
            for child_change in referencing:
                self._drop_own_foreign_key(child_change)
            self._drop_before_alter(change)
            self._alter_column(change)
            self._add_after_alter(change)
            for child_change in referencing:
                for statement in self.alter_column_type_statements(child_change):
                    self.run(statement)
                self._add_own_foreign_key(child_change)
            if change.renamed:
                self.rename_generated_indexes(
                    TableDefinition.of(old_model),
                    TableDefinition.of(new_model),
                    {old_field.name: new_field.name},
                )

    def _referencing_changes(self, change: FieldChange) -> list[FieldChange]:
        """The foreign keys pointing at the altered field whose column type changes with it."""
        found = []
        model = change.new_model
        for child, relation in change.to_state.incoming_relations(model.app_label, model.name):
            if not is_managed(child) or relation is change.new:
                continue
            if self.target_field(relation, change.to_state).name != change.new.name:
                continue
            old_child = change.from_state.models.get(child.key)
            old_relation = old_child.fields.get(relation.name) if old_child else None
            if old_relation is None:
                continue
            old_type = self.column_type(old_relation, change.from_state)
            if old_type == self.column_type(relation, change.to_state):
                continue
            found.append(
                FieldChange(
                    table=child.db_table,
                    old_model=old_child,
                    new_model=child,
                    old=old_relation,
                    new=relation,
                    from_state=change.from_state,
                    to_state=change.to_state,
                    retyped=True,
                    old_reference=self._reference(old_relation, change.from_state),
                    new_reference=self._reference(relation, change.to_state),
                )
            )
        return found

    def _drop_own_foreign_key(self, change: FieldChange) -> None:
        if change.old_reference is None:
            return
        table, column = change.table, change.old.column
        predicted = self.foreign_key_name(table, column, *change.old_reference)
        for name in self._constraint_names(table, "foreign_key", [column], predicted):
            self.run(self._sql(self.sql_drop_fk, table=table, name=name))

    def _add_own_foreign_key(self, change: FieldChange) -> None:
        if change.new_reference is not None:
            self.run(self.create_fk_sql(change.table, change.new.column, *change.new_reference))

    def _drop_before_alter(self, change: FieldChange) -> None:
        table, old, new = change.table, change.old, change.new
        if change.rereferenced:
            self._drop_own_foreign_key(change)
        if _has_unique_constraint(old) and not _has_unique_constraint(new):
            predicted = self.field_unique_name(table, old.column)
            for name in self._constraint_names(table, "unique", [old.column], predicted):
                self.run(self.drop_unique_sql(table, name))
        if self.field_needs_index(old) and not self.field_needs_index(new):
            name = self._field_index_in_database(change.old_model, old)
            self.run(self.drop_index_sql(table, name))
        if old.primary_key and not new.primary_key:
            predicted = self.primary_key_name(table, old.column)
            for name in self._constraint_names(table, "primary_key", [old.column], predicted):
                self.run(self._sql(self.sql_drop_pk, table=table, name=name))
        old_check = self.column_check(old, new.column)
        if old_check and old_check != self.column_check(new, new.column):
            predicted = self.check_name(table, old.column)
            for name in self._constraint_names(table, "check", [old.column], predicted):
                self.run(self._sql(self.sql_drop_check, table=table, name=name))

    def _alter_column(self, change: FieldChange) -> None:
        table, old, new = change.table, change.old, change.new
        if change.renamed:
            self.run(self._sql(self.sql_rename_column, table=table, old=old.column, new=new.column))
        if change.retyped:
            for statement in self.alter_column_type_statements(change):
                self.run(statement)
        if old.null != new.null:
            default = None if new.null else self.effective_default(new)
            if default is not None:
                value = self.quote_value(default, new, change.to_state)
                self.run(
                    self._sql(self.sql_fill_nulls, table=table, column=new.column, value=value)
                )
            self.run(self.alter_column_null_sql(table, new, change.to_state))

    def _add_after_alter(self, change: FieldChange) -> None:
        table, old, new = change.table, change.old, change.new
        if new.primary_key and not old.primary_key:
            name = self.primary_key_name(table, new.column)
            self.run(self._sql(self.sql_create_pk, table=table, name=name, column=new.column))
        if _has_unique_constraint(new) and not _has_unique_constraint(old):
            name = self.field_unique_name(table, new.column)
            self.run(self.create_unique_sql(name, table, [new.column]))
        if self.field_needs_index(new) and not self.field_needs_index(old):
            name = self.field_index_name(table, new)
            self.run(self.create_index_sql(name, table, [new.column]))
        new_check = self.column_check(new, new.column)
        if new_check and new_check != self.column_check(old, new.column):
            name = self.check_name(table, new.column)
            self.run(self._sql(self.sql_create_check, table=table, name=name, check=new_check))
        if change.rereferenced:
            self._add_own_foreign_key(change)


class HexBinary(sa.types.UserDefinedType):
    """Bytes rendered as a hexadecimal blob literal: ``X'00ff'``."""

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "BLOB"

    def literal_processor(self, dialect: Dialect) -> Callable[[Any], str]:
        def process(value: Any) -> str:
            return f"X'{bytes(value).hex()}'"

        return process


def _schema_signature(field: Field) -> tuple[str, dict[str, Any]]:
    _name, path, _args, kwargs = field.deconstruct()
    return path, {key: value for key, value in kwargs.items() if key not in NON_SCHEMA_OPTIONS}


def _without_terminator(sql: str) -> str:
    sql = sql.strip()
    while sql.endswith(";"):
        sql = sql[:-1].rstrip()
    return sql


def _shorten(sql: str) -> str:
    sql = " ".join(sql.split())
    return sql if len(sql) <= _MESSAGE_SQL_LENGTH else sql[:_MESSAGE_SQL_LENGTH] + " ..."


# -- values as stored (Django's storage formats) -----------------------------------------------


def _adapt_bool(value: Any, field: Any) -> bool:
    if value in (True, False):
        return bool(value)
    if value in ("t", "True", "1"):
        return True
    if value in ("f", "False", "0"):
        return False
    raise ValueError("expected True or False")


def _adapt_decimal(value: Any, field: Any) -> str:
    if isinstance(value, float):
        digits = getattr(field, "max_digits", None)
        context = decimal.Context(prec=digits) if digits else decimal.Context()
        value = context.create_decimal_from_float(value)
    return str(decimal.Decimal(value))


def _adapt_date(value: Any, field: Any) -> str:
    if isinstance(value, datetime.datetime):
        return _utc_naive(value).date().isoformat()
    if isinstance(value, str):
        value = datetime.date.fromisoformat(value)
    if not isinstance(value, datetime.date):
        raise TypeError("expected a date")
    return value.isoformat()


def _adapt_datetime(value: Any, field: Any) -> str:
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    elif isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        value = datetime.datetime(value.year, value.month, value.day)
    if not isinstance(value, datetime.datetime):
        raise TypeError("expected a datetime")
    return _utc_naive(value).isoformat(" ")


def _utc_naive(value: datetime.datetime) -> datetime.datetime:
    if value.utcoffset() is None:
        return value
    return value.astimezone(timezone.utc).replace(tzinfo=None)


def _adapt_time(value: Any, field: Any) -> str:
    if isinstance(value, datetime.datetime):
        value = value.time()
    elif isinstance(value, str):
        value = datetime.time.fromisoformat(value)
    if not isinstance(value, datetime.time):
        raise TypeError("expected a time")
    if value.utcoffset() is not None:
        raise ValueError("times with a time zone cannot be stored")
    return value.isoformat()


def _adapt_duration(value: Any, field: Any) -> int:
    if isinstance(value, datetime.timedelta):
        return (value.days * 86400 + value.seconds) * 1_000_000 + value.microseconds
    return int(value)


def _adapt_uuid(value: Any, field: Any) -> str:
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, int):
        return uuid.UUID(int=value).hex
    return uuid.UUID(str(value)).hex


def _adapt_binary(value: Any, field: Any) -> bytes:
    if isinstance(value, str):
        return value.encode()
    return bytes(value)


_ADAPTERS: dict[str, Callable[[Any, Any], Any]] = {
    "BooleanField": _adapt_bool,
    "FloatField": lambda value, field: float(value),
    "DecimalField": _adapt_decimal,
    "DateField": _adapt_date,
    "DateTimeField": _adapt_datetime,
    "TimeField": _adapt_time,
    "DurationField": _adapt_duration,
    "UUIDField": _adapt_uuid,
    "BinaryField": _adapt_binary,
    "JSONField": lambda value, field: json.dumps(value),
    **{
        kind: lambda value, field: str(value)
        for kind in ("CharField", "SlugField", "EmailField", "URLField", "TextField")
    },
    **{
        kind: lambda value, field: int(value)
        for kind in (
            "IntegerField",
            "SmallIntegerField",
            "BigIntegerField",
            "PositiveIntegerField",
            "PositiveSmallIntegerField",
            "PositiveBigIntegerField",
            "AutoField",
            "BigAutoField",
            "SmallAutoField",
        )
    },
}

_PYTHON_KINDS: tuple[tuple[type, str], ...] = (
    (bool, "BooleanField"),
    (decimal.Decimal, "DecimalField"),
    (datetime.datetime, "DateTimeField"),
    (datetime.date, "DateField"),
    (datetime.time, "TimeField"),
    (datetime.timedelta, "DurationField"),
    (uuid.UUID, "UUIDField"),
)


def _python_kind(value: Any) -> str:
    """The field class a bare parameter value is stored like (RunSQL params)."""
    for python_type, kind in _PYTHON_KINDS:
        if isinstance(value, python_type):
            return kind
    return ""


__all__ = [
    "NON_SCHEMA_OPTIONS",
    "AlterTableSchemaEditor",
    "BaseSchemaEditor",
    "FieldChange",
    "HexBinary",
    "LiveConstraint",
    "TableDefinition",
    "is_managed",
]


def _matching_index(
    live: TableInfo, columns: list[str], unique: bool, exclude: set[str]
) -> str | None:
    """The live index on exactly these columns (not one of ``exclude``), if any."""
    for name in sorted(live.indexes):
        index = live.indexes[name]
        if name not in exclude and index.unique == unique and list(index.columns) == columns:
            return name
    return None


def _has_unique_constraint(field: Field) -> bool:
    """Whether the field's column has a unique constraint of its own (not its primary key)."""
    return bool(field.unique) and not field.primary_key


def _field_names(field: Field) -> set[str]:
    """What unique_together and Meta.indexes may call the field: its name or attname."""
    return {field.name, field.attname}


def _groups_naming(definition: TableDefinition, field: Field) -> list[tuple[str, ...]]:
    names = _field_names(field)
    return [group for group in definition.unique_together if not names.isdisjoint(group)]


def _indexes_naming(definition: TableDefinition, field: Field) -> list[Index]:
    names = _field_names(field)
    return [
        index
        for index in definition.indexes
        if any(name in names for name, _order in index.fields_orders)
    ]


def _columns_named_in(sql: str, columns: list[str]) -> tuple[str, ...]:
    """The columns a CHECK expression mentions, in table order."""
    bare = re.sub(r'["`\[\]]', "", sql)
    return tuple(
        column for column in columns if re.search(rf"(?<![\w$]){re.escape(column)}(?![\w$])", bare)
    )
