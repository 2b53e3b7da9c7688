"""The schema editor every backend shares: migration operations in, DDL out.

An editor serves one migration: ``with schema_editor(connection) as editor:``, then the
operations call ``editor.create_model(...)``, ``editor.alter_field(...)`` and so on. It builds
DDL from ModelStates directly; it decides what needs an index, a unique constraint or a
rebuild and how things are named. A backend subclass supplies its column types and the
statements its dialect needs (``backends/sqlite.py``).

With ``collect_sql=True`` statements are appended to ``collected_sql`` instead of run, so
``sqlmigrate`` prints exactly what ``migrate`` would run. With ``planning`` set as well, the
checks that read the rows (a NOT NULL column for a table with rows, say) run too: the
executor collects an operation's statements this way on MySQL/MariaDB, stores them, then runs
them one by one, so an interrupted operation can be resumed at the statement it stopped at.
Identifiers are always quoted by the dialect; values are rendered by the dialect's literal
rendering, never pasted into SQL.

``add_field``, ``remove_field`` and ``alter_field`` are left to each backend: SQLite rebuilds
tables (``backends/sqlite.py``); PostgreSQL and MySQL/MariaDB build on
``AlterTableSchemaEditor`` (``backends/alter_table.py``), which makes them with ALTER TABLE.
"""

from __future__ import annotations

import decimal
import functools
import math
from collections.abc import Callable, Container, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ClassVar

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, Dialect

from schemashift.db.backends import through_tables
from schemashift.db.backends.constraint_ddl import ConstraintDDL
from schemashift.db.backends.defaults import (
    columns_beside,
    db_default_sql,
    generated_expression_sql,
)
from schemashift.db.backends.formats import python_kind
from schemashift.db.backends.registry import Backend, backend_for
from schemashift.db.backends.staged_columns import StagedColumns
from schemashift.db.introspection import ColumnInfo, ForeignKeyInfo, IndexInfo, TableInfo
from schemashift.exceptions import DatabaseError, ModelDefinitionError, OnlineFormsNeeded
from schemashift.models.constraints import UniqueConstraint
from schemashift.models.options import normalize_together
from schemashift.utils import timezone
from schemashift.utils.names import index_name, truncate_name

if TYPE_CHECKING:
    from schemashift.migrations.state import ModelState, ProjectState
    from schemashift.models.constraints import BaseConstraint
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
        "error_messages",
        "help_text",
        "limit_choices_to",
        "on_delete",
        "related_name",
        "related_query_name",
        "serialize",
        "unique_for_date",
        "unique_for_month",
        "unique_for_year",
        "validators",
        "db_tablespace",
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
    """What a table is built from: its name, fields in column order, Meta indexes and
    Meta constraints."""

    table: str
    fields: list[Field]
    unique_together: tuple[tuple[str, ...], ...] = ()
    indexes: list[Index] = field(default_factory=list)
    constraints: list[BaseConstraint] = field(default_factory=list)
    #: the groups of ``index_together`` (histories from before Django 5.1)
    index_together: tuple[tuple[str, ...], ...] = ()

    @classmethod
    def of(cls, model: ModelState, fields: list[Field] | None = None) -> TableDefinition:
        """The definition of a ModelState, optionally with other fields (in that order)."""
        return cls(
            model.db_table,
            column_fields(model) if fields is None else fields,
            tuple(model.unique_together),
            list(model.indexes),
            list(model.constraints),
            normalize_together(model.options.get("index_together")),
        )

    def get_field(self, name: str) -> Field:
        for candidate in self.fields:
            if name in (candidate.name, candidate.attname):
                return candidate
        raise LookupError(f"Table {self.table} has no field named '{name}'.")

    def columns(self, field_names: tuple[str, ...] | list[str]) -> list[str]:
        return [self.get_field(name).column for name in field_names]


def column_fields(model: ModelState) -> list[Field]:
    """The fields of a model that are columns of its table (a ManyToManyField is not), then
    the columns a staged change keeps beside them (``ModelState.shadows``)."""
    return [
        *(f for f in model.fields.values() if not f.many_to_many),
        *getattr(model, "shadows", {}).values(),
    ]


def is_managed(model: ModelState) -> bool:
    """Whether migrations create and change this model's table (``Meta.managed``; a proxy
    has no table of its own, nor has a swapped-out model such as auth.User when
    AUTH_USER_MODEL names another)."""
    return (
        model.options.get("managed", True) is not False
        and not model.options.get("proxy")
        and not getattr(model, "swapped", None)
    )


def existing_column_message(table: str, column: str) -> str:
    """Why a column is not added: the live table has it already (made by hand, say)."""
    return (
        f"Cannot add column {column!r} to table {table!r}: the table has a column of "
        "that name already, which migrations did not make. Nothing was changed."
    )


def keeps_added_default(field: Field) -> bool:
    """Whether a column added for the field to a table in use keeps the field's default as its
    database default, so the previous app version, which leaves the column out of its INSERTs,
    goes on working: a constant default (not a callable) of a plain column."""
    return (
        field.has_default()
        and not callable(field.default)
        and not field.has_db_default()
        and not field.generated
        and not field.primary_key
    )


class BaseSchemaEditor(StagedColumns, ConstraintDDL):
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
    #: longest table or column name the backend accepts; None where there is no limit
    max_identifier_length: ClassVar[int | None] = None
    #: whether "a" and "A" name the same table
    ignores_table_name_case: ClassVar[bool] = False
    #: whether a one-column unique_together group reads back as a named index; where unique
    #: constraints are read apart from indexes (PostgreSQL) it reads like a unique field
    lists_one_column_unique_together: ClassVar[bool] = True
    #: whether an index is renamed in place (else dropped and created again)
    can_rename_index: ClassVar[bool] = True
    #: statements of the operation are held back or collected, not run yet: the live table is
    #: not what they make it (``StagedColumns._live_behind``)
    live_is_behind: bool = False
    #: whether the backend keeps comments on tables and columns (not SQLite, as in Django)
    keeps_comments: ClassVar[bool] = False
    #: whether a GeneratedField may be VIRTUAL (computed when read) rather than STORED
    supports_virtual_generated_columns: ClassVar[bool] = True
    #: whether introspection reads a generated column's expression as its default
    reports_generation_as_default: ClassVar[bool] = False
    #: whether a condition on a boolean column is written bare ("active", "NOT active"), as
    #: Django does where the backend uses an index for it (not MySQL: "active = false")
    writes_bare_boolean_conditions: ClassVar[bool] = True
    #: the DATABASES alias of the database this editor changes
    alias: str = "default"
    #: collecting the statements an operation is about to run on this live database: checks
    #: that read rows run as when executing
    planning: bool = False
    #: whether statements on tables holding rows have forms that keep writers going but need
    #: a transaction each, or none (``online_tables``)
    has_online_forms: ClassVar[bool] = False
    #: whether a column added to a table in use keeps its default as the database's
    #: (``keeps_added_default``), and a NULL column made NOT NULL holds its fill value as the
    #: default meanwhile: the previous app version goes on inserting rows
    keeps_added_defaults: ClassVar[bool] = False
    #: whether a foreign key is a named constraint (``foreign_key_name``); SQLite writes it
    #: into the column's definition without a name
    names_foreign_keys: ClassVar[bool] = True
    #: whether foreign keys are DEFERRABLE INITIALLY DEFERRED
    defers_foreign_keys: ClassVar[bool] = False
    #: whether a unique_together group is made as a unique index rather than a constraint
    makes_unique_together_as_index: ClassVar[bool] = False
    #: how an auto field's column counts: "identity" (GENERATED BY DEFAULT AS IDENTITY),
    #: "autoincrement" (SQLite's AUTOINCREMENT, never reusing a deleted row's key) or
    #: "column option" (MySQL's AUTO_INCREMENT)
    auto_key_form: ClassVar[str] = "column option"

    @staticmethod
    def is_rerunnable(sql: str) -> bool:
        """Whether an online form that was interrupted is run again, not skipped, on resuming
        (it changed nothing, or left something it rebuilds)."""
        return False

    @classmethod
    def lock_comments(cls, statements: Sequence[str]) -> list[str | None]:
        """Per statement of one migration, in the order they run, the SQL comment naming the
        lock it takes and what that means for the table's readers and writers
        (``lock_comments.py``); None where the backend does not say."""
        return [None] * len(statements)

    @classmethod
    def lock_comment(cls, sql: str) -> str | None:
        """The lock comment of one statement read on its own (``lock_comments``)."""
        return cls.lock_comments([sql])[0]

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
        #: while collecting: renames collected but not run, so the live schema still has the
        #: old names (table: new -> old; column: table -> {new: old})
        self._collected_table_renames: dict[str, str] = {}
        self._collected_column_renames: dict[str, dict[str, str]] = {}
        #: seconds each statement waits for a lock (``lock_retry.py``); None leaves the
        #: session's own limit
        self.lock_timeout: float | None = None
        #: tables that held rows before the migration began: changes to them take the forms
        #: that keep writers going, where the backend has them (empty: a migration run in one
        #: transaction)
        self.online_tables: Container[str] = frozenset()
        #: called with each statement just before it runs (``migrate -v 3`` shows them)
        self.on_statement: Callable[[str], None] | None = None

    @property
    def backend(self) -> Backend:
        """The backend this editor belongs to (its value formats, say)."""
        return backend_for(self.dialect_name)

    # -- the transaction ----------------------------------------------------------------------

    def __enter__(self) -> BaseSchemaEditor:
        if self.collect_sql:
            self._was_in_transaction = bool(self.connection and self.connection.in_transaction())
            return self
        if self.connection is None:
            raise TypeError("A schema editor that runs SQL needs a connection.")
        self._prepare_connection()
        self._limit_lock_waits(self.lock_timeout)
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
            self._unlimit_lock_waits()

    def lock_timeout_sql(self, seconds: float | None) -> str | None:
        """The statement limiting how long this session waits for a lock to ``seconds``
        (None: back to the server's default); None where the backend has no such limit."""
        return None

    def _limit_lock_waits(self, seconds: float | None) -> None:
        if seconds is not None:
            self._set_lock_limit(self.lock_timeout_sql(seconds))

    def _unlimit_lock_waits(self) -> None:
        if self.lock_timeout is not None:
            # a connection that failed is discarded by the pool, with its setting
            with suppress(sa_exc.SQLAlchemyError):
                if self.connection.in_transaction():
                    self.connection.rollback()
                self._set_lock_limit(self.lock_timeout_sql(None))

    def _set_lock_limit(self, sql: str | None) -> None:
        """Run a session setting, committing the transaction it opened, if any."""
        if sql is None:
            return
        opened = not self.connection.in_transaction()
        self.connection.exec_driver_sql(sql, execution_options=_NO_PARAMETERS)
        if opened and self.connection.in_transaction():
            self.connection.commit()

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

    def _touch_model(self, state: ProjectState, model: ModelState) -> None:
        """Check the model's table and the tables whose foreign keys point at it."""
        self._touch(self.model_table(model))
        for child, relation in state.incoming_relations(model.app_label, model.name):
            if relation.many_to_many:
                continue
            if relation.db_constraint and child.key != model.key and is_managed(child):
                self._touch(self.model_table(child))

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
        if self.on_statement is not None:
            self.on_statement(sql)
        try:
            if params is None:
                self.connection.exec_driver_sql(sql, execution_options=_NO_PARAMETERS)
            else:
                self.connection.exec_driver_sql(*self.driver_params(sql, params))
        except sa_exc.DBAPIError as exc:
            raise DatabaseError(
                f"The database refused a statement: {exc.orig}\n  Statement: {_shorten(sql)}"
            ) from exc

    def going_online(self, what: str) -> None:
        """Say, inside a migration's one transaction, that ``what`` (a change to a table in use)
        takes online forms, before any of it runs (``OnlineFormsNeeded``)."""
        if self.has_online_forms and self.atomic and not self.collect_sql:
            raise OnlineFormsNeeded(what)

    def run_planned(self, sql: str) -> None:
        """Run a statement this editor's kind collected earlier, as it was collected."""
        self.run(sql)

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
        quoted = self._preparer.quote_identifier(name)
        if self.dialect.paramstyle in ("format", "pyformat"):
            # SQLAlchemy doubles % for drivers with %s placeholders; DDL reaches the driver
            # without parameters, so a doubled % would become part of the name
            quoted = quoted.replace("%%", "%")
        return quoted

    @classmethod
    def fit_table_name(cls, name: str) -> str:
        """The name a table has in the database: as written, or, where longer than the backend
        accepts, cut with a hash suffix (Django's ``truncate_name``), so it stays unique."""
        return truncate_name(name, cls.max_identifier_length)

    def model_table(self, model: ModelState) -> str:
        """The table of a ModelState in the database (``fit_table_name`` of its db_table)."""
        return self.fit_table_name(model.db_table)

    def table_definition(
        self, model: ModelState, fields: list[Field] | None = None
    ) -> TableDefinition:
        """``TableDefinition.of(model, fields)`` under the table's name in the database."""
        return replace(TableDefinition.of(model, fields), table=self.model_table(model))

    def check_column_name(self, field: Field, column: str) -> None:
        """Refuse a column name longer than the backend accepts, rather than let the database
        cut it (PostgreSQL) or fail halfway through a migration (MySQL)."""
        limit = self.max_identifier_length
        if limit is not None and len(column) > limit:
            raise ModelDefinitionError(
                f"Field '{field.name}': the column name '{column}' is {len(column)} characters "
                f"long, but {self.dialect_name} accepts at most {limit}. Give the field a "
                "shorter db_column."
            )

    def index_name(self, table: str, columns: list[str], suffix: str = "") -> str:
        return index_name(table, columns, suffix, self.max_name_length)

    def foreign_key_name(self, table: str, column: str, to_table: str, to_column: str) -> str:
        """Django's ``<table>_<column>_<hash>_fk_<to_table>_<to_column>``, cut to fit."""
        return self.index_name(table, [column], f"_fk_{to_table}_{to_column}")

    def column_type(self, field: Field, state: ProjectState) -> str:
        """The declared type of the field's column; a foreign key takes its target's, a
        generated field its ``output_field``'s."""
        if field.generated:
            return self.column_type(field.output_field, state)
        if field.is_relation:
            return self.rel_column_type(self.target_field(field, state), state)
        return self._format_type(self.data_types, field)

    def bare_column_type(self, field: Field, state: ProjectState) -> str:
        """The column's type alone, without column options a backend's type declares with it
        (MySQL's AUTO_INCREMENT)."""
        return self.column_type(field, state)

    def rel_column_type(self, target: Field, state: ProjectState) -> str:
        """The type of a column that points at ``target`` (an auto field's plain integer)."""
        if target.is_relation:
            return self.rel_column_type(self.target_field(target, state), state)
        if target.get_internal_type() in self.rel_data_types:
            return self._format_type(self.rel_data_types, target)
        return self.column_type(target, state)

    @property
    def vendor(self) -> str:
        """The backend's name, as Django's ``connection.vendor``: what a field's own
        ``db_type(connection)`` reads to choose its column type."""
        return self.dialect_name

    def _format_type(self, types: dict[str, str], field: Field) -> str:
        declared = field.db_type(self)
        if declared is not None:
            return declared
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
    def target_field(relation: Field, state: ProjectState) -> Field:
        """The field a ForeignKey points at: ``to_field``, else the target's primary key."""
        target = state.related_model(relation)
        return target.get_field(relation.to_field) if relation.to_field else target.pk

    def column_check(self, field: Field, column: str) -> str | None:
        if field.is_relation:
            return None
        template = self.data_type_checks.get(field.get_internal_type())
        return template.format(column=self.quote_name(column)) if template else None

    def column_definition_check(self, field: Field, column: str) -> str | None:
        """The CHECK expression the column's definition carries, if any (a positive integer
        field's, a JSON field's on SQLite)."""
        return self.column_check(field, column)

    def inline_reference(self, field: Field, state: ProjectState) -> str | None:
        """The REFERENCES clause written inside a column definition, on backends that do."""
        return None

    def column_definition(
        self,
        field: Field,
        state: ProjectState,
        column: str | None = None,
        default: str | None = None,
    ) -> str:
        """Everything after the column's name in CREATE TABLE or ADD COLUMN.

        ``column`` names the column in CHECK expressions when it differs from the field's;
        ``default`` is a SQL literal written as the column's DEFAULT.
        """
        self.check_column_name(field, column or field.column)
        parts = [self.column_type(field, state)]
        comment = self.inline_comment_sql(field)
        if comment:
            parts.append(comment)
        if field.has_db_default():
            default = self.db_default_sql(field)
        if default is not None and not field.generated:
            parts.append(f"DEFAULT {default}")
        if field.generated:
            parts.append(self.generated_sql(field, state))
        else:
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

    def inline_comment_sql(self, field: Field) -> str | None:
        """``COMMENT '...'`` written in the column's definition, on backends that keep a
        column's comment there (MySQL/MariaDB)."""
        return None

    def column_comment_sql(self, table: str, field: Field) -> str | None:
        """The statement that sets (or, without ``db_comment``, clears) a column's comment,
        on backends that keep it apart from the definition (PostgreSQL)."""
        return None

    def create_table_sql(
        self, state: ProjectState, definition: TableDefinition, table: str = ""
    ) -> str:
        parts = [
            f"{self.quote_name(f.column)} {self.column_definition(f, state)}"
            for f in definition.fields
        ]
        for constraint in definition.constraints:
            inline = self.inline_constraint_sql(definition, state, constraint)
            if inline:
                parts.append(inline)
        return f"CREATE TABLE {self.quote_name(table or definition.table)} ({', '.join(parts)})"

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

    def meta_index_sql(
        self, definition: TableDefinition, index: Index, state: ProjectState | None = None
    ) -> str:
        """CREATE INDEX of a Meta index (check ``creates_index`` first)."""
        if index.expressions or index.condition or index.include or index.opclasses:
            return self.index_sql(definition, state, index)
        columns = [definition.get_field(name).column for name, _order in index.fields_orders]
        orders = [order for _name, order in index.fields_orders]
        return self.create_index_sql(index.name, definition.table, columns, orders)

    def generated_indexes(
        self,
        definition: TableDefinition,
        renamed: dict[str, str] | None = None,
        state: ProjectState | None = None,
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
            if self.pattern_opclass(candidate, state):
                key = ("like", renamed.get(candidate.name, candidate.name))
                found[key] = (
                    self.like_index_name(table, candidate.column),
                    [candidate.column],
                    False,
                )
        return found

    def pattern_opclass(self, field: Field, state: ProjectState | None) -> str | None:
        """The operator class of the second, pattern-matching index a backend gives an
        indexed text column (PostgreSQL's ``_like`` index); None for none."""
        return None

    def like_index_name(self, table: str, column: str) -> str:
        return self.index_name(table, [column], "_like")

    def field_indexes_sql(self, table: str, field: Field, state: ProjectState | None) -> list[str]:
        """The indexes a field of a new table or a new field has of its own (db_index, and
        the pattern index where the backend makes one), in Django's order."""
        statements = []
        if self.field_needs_index(field):
            name = self.field_index_name(table, field)
            statements.append(self.create_index_sql(name, table, [field.column]))
        opclass = self.pattern_opclass(field, state)
        if opclass:
            statements.append(self.like_index_sql(table, field.column, opclass))
        return statements

    def like_index_sql(self, table: str, column: str, opclass: str) -> str:
        return (
            f"CREATE INDEX {self.quote_name(self.like_index_name(table, column))} ON "
            f"{self.quote_name(table)} ({self.quote_name(column)} {opclass})"
        )

    def rename_generated_indexes(
        self,
        old: TableDefinition,
        new: TableDefinition,
        renamed: dict[str, str] | None = None,
        state: ProjectState | None = None,
    ) -> None:
        """After a table or column rename, give generated indexes the names the new ones imply,
        so the live schema stays what the state says and the old names are free again."""
        before = self.generated_indexes(old, renamed, state)
        # while statements are held back or collected (``live_is_behind``), an index of a
        # column they drop would pass for the renamed one
        live = None if self.live_is_behind else self._live_table(new.table)
        named = {index.name for index in new.indexes}
        for key, (name, columns, unique) in self.generated_indexes(new, None, state).items():
            if key not in before:
                continue
            current = before[key][0]
            if live is not None:
                if name in live.indexes:
                    continue
                if current not in live.indexes:
                    current = matching_index(live, columns, unique, exclude=named) or current
            if current != name:
                for statement in self.rename_index_statements(
                    new.table, current, name, columns, unique
                ):
                    self.run(statement)

    def rename_index_statements(
        self, table: str, old_name: str, new_name: str, columns: list[str], unique: bool
    ) -> list[str]:
        return [f"ALTER INDEX {self.quote_name(old_name)} RENAME TO {self.quote_name(new_name)}"]

    def index_statements(
        self, definition: TableDefinition, state: ProjectState | None = None
    ) -> list[str]:
        """unique_together, unique indexes of constraints, then db_index fields, then
        Meta.indexes (Django's order)."""
        return [
            *self.unique_together_statements(definition),
            *self.constraint_index_statements(definition, state),
            *self.field_index_statements(definition, state),
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

    def field_index_statements(
        self, definition: TableDefinition, state: ProjectState | None = None
    ) -> list[str]:
        """The indexes of db_index fields, then Meta.indexes."""
        table = definition.table
        statements = []
        for candidate in definition.fields:
            statements.extend(self.field_indexes_sql(table, candidate, state))
        statements.extend(
            self.meta_index_sql(definition, index, state)
            for index in definition.indexes
            if self.creates_index(index)
        )
        for group in definition.index_together:
            columns = definition.columns(group)
            name = self.index_together_name(table, columns)
            statements.append(self.create_index_sql(name, table, columns))
        return statements

    def index_together_name(self, table: str, columns: list[str]) -> str:
        """Django's name for the index of an index_together group."""
        return self.index_name(table, columns, "_idx")

    # -- operations shared by every backend ---------------------------------------------------

    def foreign_key_statements(self, state: ProjectState, definition: TableDefinition) -> list[str]:
        """Foreign keys made after CREATE TABLE, on backends that do not write them inline."""
        return []

    def create_model(self, state: ProjectState, model: ModelState) -> None:
        """CREATE TABLE, then unique_together, foreign keys and indexes (Django's order), then
        the tables of its ManyToManyFields."""
        if not is_managed(model):
            return
        definition = self.table_definition(model)
        comment = model.options.get("db_table_comment")
        with self._operation():
            self.run(self.create_table_sql(state, definition))
            if comment:
                self.run_if_any(self.table_comment_sql(definition.table, comment))
            for commented in definition.fields:
                if commented.db_comment:
                    self.run_if_any(self.column_comment_sql(definition.table, commented))
            for statement in (
                *self.unique_together_statements(definition),
                *self.foreign_key_statements(state, definition),
                *self.constraint_index_statements(definition, state),
                *self.field_index_statements(definition, state),
            ):
                self.run(statement)
            for through in through_tables.auto_through_states(model):
                self.create_model(state, through)

    def delete_model(self, state: ProjectState, model: ModelState) -> None:
        """DROP TABLE: the rows go with it, and first the tables of its ManyToManyFields."""
        if not is_managed(model):
            return
        with self._operation():
            for through in through_tables.auto_through_states(model):
                self.delete_model(state, through)
            self._touch_model(state, model)  # rows elsewhere may point at the dropped ones
            if self._tables_to_check is not None:
                self._tables_to_check.discard(self.model_table(model))
            self.run(f"DROP TABLE {self.quote_name(self.model_table(model))}")

    def alter_db_table(
        self, state: ProjectState, model: ModelState, old_table: str, new_table: str
    ) -> None:
        """Rename a table; foreign keys elsewhere follow it."""
        old_table, new_table = self.fit_table_name(old_table), self.fit_table_name(new_table)
        if not is_managed(model) or old_table == new_table:
            return
        if self.ignores_table_name_case and old_table.lower() == new_table.lower():
            return
        with self._operation():
            self.run(
                f"ALTER TABLE {self.quote_name(old_table)} RENAME TO {self.quote_name(new_table)}"
            )
            if self.collect_sql:
                live_name = self._collected_table_renames.pop(old_table, old_table)
                self._collected_table_renames[new_table] = live_name
            new_definition = self.table_definition(model)
            old_definition = replace(new_definition, table=old_table)
            self.rename_generated_indexes(old_definition, new_definition, None, state)
        if self._tables_to_check is not None and old_table in self._tables_to_check:
            self._tables_to_check.discard(old_table)
            self._tables_to_check.add(new_table)

    def table_comment_sql(self, table: str, comment: str | None) -> str | None:
        """The statement that sets (or, with None, clears) a table's comment; None where the
        backend keeps no comments (SQLite)."""
        return None

    def alter_db_table_comment(self, state: ProjectState, model: ModelState) -> None:
        """Give the table the comment ``model`` says (``Meta.db_table_comment``)."""
        if not is_managed(model):
            return
        sql = self.table_comment_sql(self.model_table(model), model.options.get("db_table_comment"))
        if sql:
            with self._operation():
                self.run(sql)

    def run_if_any(self, sql: str | None) -> None:
        if sql:
            self.run(sql)

    def add_index(self, state: ProjectState, model: ModelState, index: Index) -> None:
        if not is_managed(model) or not self.creates_index(index):
            return
        with self._operation():
            self.run(self.meta_index_sql(self.table_definition(model), index, state))

    def remove_index(self, state: ProjectState, model: ModelState, index: Index) -> None:
        if not is_managed(model) or not self.creates_index(index):
            return
        with self._operation():
            self.run(self.drop_index_sql(self.model_table(model), index.name))

    def unnamed_index_name(self, model: ModelState, field_names: list[str]) -> str:
        """The live name of the one plain index on exactly these fields (an index_together
        group's, whose name Django's versions spelled differently); the name Django gives it
        where the live table cannot tell (SQL collected without a database)."""
        definition = self.table_definition(model)
        columns = definition.columns(field_names)
        live = self._live_table(definition.table)
        if live is None:
            return self.index_together_name(definition.table, columns)
        found = [
            name
            for name, index in sorted(live.indexes.items())
            if not index.unique and list(index.columns) == columns
        ]
        if len(found) != 1:
            raise DatabaseError(
                f"Found wrong number ({len(found)}) of indexes for "
                f"{definition.table}({', '.join(columns)}). Nothing was changed."
            )
        return found[0]

    def rename_index(
        self, state: ProjectState, model: ModelState, old_index: Index, new_index: Index
    ) -> None:
        """RenameIndex: ``model`` is as after the rename."""
        if not is_managed(model) or not self.creates_index(new_index):
            return
        definition = self.table_definition(model)
        with self._operation():
            if self.can_rename_index:
                statements = self.rename_index_statements(
                    definition.table, old_index.name, new_index.name, [], False
                )
            else:
                statements = [
                    self.drop_index_sql(definition.table, old_index.name),
                    self.meta_index_sql(definition, new_index, state),
                ]
            for statement in statements:
                self.run(statement)

    def alter_index_together(
        self, state: ProjectState, old_model: ModelState, new_model: ModelState
    ) -> None:
        """AlterIndexTogether: drop the indexes of groups that went, create the new ones."""
        if not is_managed(new_model):
            return
        old_groups = set(self.table_definition(old_model).index_together)
        new_definition = self.table_definition(new_model)
        table = new_definition.table
        with self._operation():
            for group in sorted(old_groups - set(new_definition.index_together)):
                name = self.unnamed_index_name(old_model, list(group))
                self.run(self.drop_index_sql(table, name))
            for group in sorted(set(new_definition.index_together) - old_groups):
                columns = new_definition.columns(group)
                self.run(
                    self.create_index_sql(self.index_together_name(table, columns), table, columns)
                )

    def add_constraint(
        self, state: ProjectState, model: ModelState, constraint: BaseConstraint
    ) -> None:
        """AddConstraint: ``model`` and ``state`` are as after the addition."""
        if not is_managed(model):
            return
        sql = self.create_constraint_sql(self.table_definition(model), state, constraint)
        if sql:
            with self._operation():
                self.run(sql)

    def remove_constraint(
        self, state: ProjectState, model: ModelState, constraint: BaseConstraint
    ) -> None:
        """RemoveConstraint: ``model`` and ``state`` are as before the removal."""
        if not is_managed(model):
            return
        sql = self.drop_constraint_sql(self.model_table(model), constraint)
        if sql:
            with self._operation():
                self.run(sql)

    def alter_unique_together(
        self,
        from_state: ProjectState,
        to_state: ProjectState,
        old_model: ModelState,
        new_model: ModelState,
    ) -> None:
        """Drop the groups that went away, then create the new ones."""
        if not is_managed(new_model):
            return
        old_groups = set(old_model.unique_together)
        new_groups = set(new_model.unique_together)
        old_definition = self.table_definition(old_model)
        new_definition = self.table_definition(new_model)
        table = new_definition.table
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
        """The live table; while collecting, as the renames collected so far would leave it."""
        if self.connection is None:
            return None
        if not self.collect_sql:
            return type(self).read_table(self.connection, table)
        live = type(self).read_table(
            self.connection, self._collected_table_renames.get(table, table)
        )
        renames = self._collected_column_renames.get(table)
        if live is None or not renames:
            return live
        return _with_columns_renamed(live, {old: new for new, old in renames.items()})

    def refuse_existing_column(self, table: str, column: str) -> None:
        """Refuse to add a column the live table has already (one made by hand, say): a
        rebuild would replace it, values and all."""
        if self.collect_sql and not self.planning:
            return
        if column in self._live_columns(table):
            raise DatabaseError(existing_column_message(table, column))

    def _live_columns(self, table: str) -> set[str]:
        """The live table's column names (none when it does not exist); while collecting, as
        the renames collected so far would leave them."""
        if self.connection is None:
            return set()
        live_name = self._collected_table_renames.get(table, table) if self.collect_sql else table
        columns = type(self).column_names(self.connection, live_name)
        renames = self._collected_column_renames.get(table) if self.collect_sql else None
        if renames:
            back = {old: new for new, old in renames.items()}
            columns = {back.get(name, name) for name in columns}
        return columns

    @classmethod
    def column_names(cls, connection: Connection, table: str) -> set[str]:
        """The names of a live table's columns; empty when there is no such table."""
        live = cls.read_table(connection, table)
        return set(live.columns) if live is not None else set()

    def note_column_rename(self, table: str, old: str, new: str) -> None:
        """Remember a collected RENAME COLUMN, which the live table does not show yet."""
        if self.collect_sql:
            renames = self._collected_column_renames.setdefault(table, {})
            renames[new] = renames.pop(old, old)

    def _table_exists(self, table: str) -> bool:
        live_name = self._collected_table_renames.get(table, table)
        return type(self).table_fingerprint(self.connection, live_name) is not None

    # -- ManyToManyFields, whose automatic tables every backend handles alike -----------------

    def add_many_to_many(self, state: ProjectState, model: ModelState, field: Field) -> None:
        if is_managed(model):
            through_tables.add_many_to_many(self, state, model, field)

    def remove_many_to_many(self, state: ProjectState, model: ModelState, field: Field) -> None:
        if is_managed(model):
            through_tables.remove_many_to_many(self, state, model, field)

    def alter_many_to_many(
        self,
        from_state: ProjectState,
        to_state: ProjectState,
        old_model: ModelState,
        new_model: ModelState,
        old_field: Field,
        new_field: Field,
    ) -> None:
        if is_managed(new_model):
            through_tables.alter_many_to_many(
                self, from_state, to_state, old_model, new_model, old_field, new_field
            )

    def repoint_through_table(
        self,
        from_state: ProjectState,
        to_state: ProjectState,
        current: ModelState,
        new: ModelState,
    ) -> None:
        """Give an automatic through table (``current``, under its new name already) the
        columns of ``new``: each foreign key that changed is altered."""
        through_tables.repoint_columns(self, from_state, to_state, current, new)

    def sync_auto_through_tables(
        self,
        from_state: ProjectState,
        to_state: ProjectState,
        renamed_models: dict[tuple[str, str], tuple[str, str]] | None = None,
    ) -> None:
        """Rename and repoint the automatic ManyToManyField tables a renamed model or table
        implies (their names and columns follow the model's)."""
        through_tables.sync_auto_through_tables(self, from_state, to_state, renamed_models)

    # -- the operations each backend writes ---------------------------------------------------

    def add_field(self, state: ProjectState, model: ModelState, field: Field) -> None:
        raise NotImplementedError

    def remove_field(self, state: ProjectState, model: ModelState, field: Field) -> None:
        raise NotImplementedError

    def alter_field(
        self,
        from_state: ProjectState,
        to_state: ProjectState,
        old_model: ModelState,
        new_model: ModelState,
        old_field: Field,
        new_field: Field,
    ) -> None:
        raise NotImplementedError

    def field_should_be_altered(
        self, from_state: ProjectState, to_state: ProjectState, old_field: Field, new_field: Field
    ) -> bool:
        """Whether the change touches the column: not for verbose names, choices, defaults.

        A GeneratedField cannot be altered, as in Django: it is removed and added again.
        """
        old_path, old_kwargs = _schema_signature(old_field)
        new_path, new_kwargs = _schema_signature(new_field)
        generated_changes = (old_field.generated or new_field.generated) and (
            old_field.column != new_field.column
            or (old_path, comparable_kwargs(old_kwargs))
            != (new_path, comparable_kwargs(new_kwargs))
        )
        if generated_changes:
            raise ModelDefinitionError(
                f"Modifying GeneratedFields is not supported - the field {new_field.name} must "
                "be removed and re-added with the new definition."
            )
        if old_field.column != new_field.column:
            return True
        if not self.keeps_comments:
            old_kwargs.pop("db_comment", None)
            new_kwargs.pop("db_comment", None)
        if old_field.is_relation and new_field.is_relation:
            old_kwargs.pop("to", None)
            new_kwargs.pop("to", None)
            old_target = from_state.related_model(old_field).db_table
            if old_target != to_state.related_model(new_field).db_table:
                return True
        return (old_path, comparable_kwargs(old_kwargs)) != (
            new_path,
            comparable_kwargs(new_kwargs),
        )

    # -- values -------------------------------------------------------------------------------

    def effective_default(self, field: Field) -> Any:
        """The value existing rows get for a new or newly NOT NULL column (None: no value).

        The field's default; ``""`` (``b""``) for a blank text (binary) field; the current time
        for ``auto_now``/``auto_now_add``. Worked out once per field and editor, so the checks
        made before a statement and the statement itself see the same value of a callable
        default (``uuid4``, ``now``).
        """
        known = self.__dict__.setdefault("_effective_defaults", {})
        entry = known.get(id(field))
        if entry is None or entry[0] is not field:
            entry = known[id(field)] = (field, self._default_of(field))
        return entry[1]

    @staticmethod
    def _default_of(field: Field) -> Any:
        if field.generated:
            return None  # the database computes it
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

    def generated_sql(self, field: Field, state: ProjectState) -> str:
        """``GENERATED ALWAYS AS (expression) STORED`` (or ``VIRTUAL``) for a GeneratedField."""
        if not field.db_persist and not self.supports_virtual_generated_columns:
            raise ModelDefinitionError(
                f"Field '{field.name}': {self.dialect_name} does not support non-persisted "
                "GeneratedFields. Set db_persist=True on the field."
            )
        expression = generated_expression_sql(self, field, columns_beside(state, field))
        return f"GENERATED ALWAYS AS ({expression}) {'STORED' if field.db_persist else 'VIRTUAL'}"

    def db_default_sql(self, field: Field) -> str:
        """The SQL after DEFAULT for the field's ``db_default`` (a literal, or an expression
        in parentheses), as Django writes it."""
        return db_default_sql(self, field)

    def adapt_value(
        self, value: Any, field: Field | None = None, state: ProjectState | None = None
    ) -> Any:
        """The value as the column stores it: None, bool, int, float, Decimal, str or bytes."""
        if value is None:
            return None
        if field is not None and field.is_relation:
            return self.adapt_value(value, self.target_field(field, state), state)
        kind = field.get_internal_type() if field is not None else python_kind(value)
        try:
            return self.backend.value_format(kind).to_literal(value, field)
        except (TypeError, ValueError, ArithmeticError) as exc:
            where = f" for field '{field.name}'" if field is not None and field.name else ""
            raise ModelDefinitionError(
                f"Value {value!r}{where} cannot be stored as a {kind}: {exc}"
            ) from None

    def quote_value(
        self, value: Any, field: Field | None = None, state: ProjectState | None = None
    ) -> str:
        """``value`` as a SQL literal for ``field``'s column, rendered by the dialect."""
        return self.render_literal(self.adapt_value(value, field, state))

    def render_literal(self, value: Any) -> str:
        if value is None:
            return "NULL"
        if isinstance(value, float) and not math.isfinite(value):
            return self.render_special_float(value)
        if isinstance(value, decimal.Decimal):
            return str(value)  # a finite number: the formats keep NaN and infinity as text
        if isinstance(value, (bytearray, memoryview)):
            value = bytes(value)
        if type(value) in _KEPT_LITERAL_KINDS:
            escapes = getattr(self.dialect, "_backslash_escapes", None)
            return _kept_literal(self.dialect, escapes, type(value), value)
        return _compile_literal(self.dialect, value)

    def render_special_float(self, value: float) -> str:
        raise ModelDefinitionError(f"{value!r} cannot be stored on {self.dialect_name}.")

    # -- introspection ------------------------------------------------------------------------

    @classmethod
    def table_names(cls, connection: Connection) -> list[str]:
        """The user tables of the live database, sorted."""
        return sorted(sa.inspect(connection).get_table_names())

    @classmethod
    def table_rows(cls, connection: Connection, tables: set[str]) -> dict[str, int]:
        """How many rows each of the live tables holds (tables not there are left out): here
        counted, where a backend keeps no estimate (SQLite)."""
        quote = connection.dialect.identifier_preparer.quote
        found = {
            table: connection.exec_driver_sql(
                f"SELECT count(*) FROM {quote(table)}", execution_options=_NO_PARAMETERS
            ).scalar_one()
            for table in sorted(tables & set(cls.table_names(connection)))
        }
        if connection.in_transaction():
            connection.commit()
        return found

    @classmethod
    def read_table(cls, connection: Connection, table: str) -> TableInfo | None:
        """One live table as a TableInfo, or None when it does not exist."""
        raise NotImplementedError

    @classmethod
    def table_fingerprint(cls, connection: Connection, table: str) -> str | None:
        """Text that changes whenever the table's definition does; None: no such table."""
        live = cls.read_table(connection, table)
        return None if live is None else repr(live)

    def name_problems(self, model: ModelState) -> list[str]:
        """The names of a model's columns and Meta indexes longer than the backend allows
        (``max_name_length``), as sentences naming each. A table name too long is shortened
        (``fit_table_name``), never refused."""
        where = f"model {model.app_label}.{model.name}"
        named = [(f"column name of field '{f.name}'", f.column) for f in column_fields(model)]
        named += [("index name", index.name) for index in model.indexes]
        named += [("constraint name", c.name) for c in model.constraints]
        limit = self.max_name_length
        return [
            f"the {kind} {name!r} of {where} is {len(name)} characters long; "
            f"{self.dialect_name} allows {limit}"
            for kind, name in named
            if name and len(name) > limit
        ]

    def expected_column(self, field: Field, state: ProjectState) -> ColumnInfo:
        """The ColumnInfo the editor would create for a field: a generated column is
        nullable (it declares neither NULL nor NOT NULL), and has a default where the
        database reports its expression as one (``reports_generation_as_default``)."""
        if field.has_db_default():
            default: str | None = self.db_default_sql(field)
        elif field.generated and self.reports_generation_as_default:
            default = self.generated_sql(field, state)
        else:
            default = None
        nullable = field.null or field.generated
        return ColumnInfo(
            field.column,
            self.column_type(field, state),
            nullable,
            field.primary_key,
            default,
            default_optional=default is None and keeps_added_default(field),
        )

    def expected_table(self, state: ProjectState, model: ModelState) -> TableInfo:
        """The TableInfo the editor would create for a model of ``state``."""
        definition = self.table_definition(model)
        table = definition.table
        columns = {f.column: self.expected_column(f, state) for f in definition.fields}
        foreign_keys = set()
        for f in definition.fields:
            if f.is_relation and f.db_constraint:
                target = self.target_field(f, state)
                to_table = self.model_table(state.related_model(f))
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
            if self.pattern_opclass(f, state):
                name = self.like_index_name(table, f.column)
                indexes[name] = IndexInfo(name, (f.column,))
        for index in definition.indexes:
            if not self.creates_index(index):
                continue
            index_columns = self.key_columns(definition, index)
            orders = tuple(order or "ASC" for _n, order in index.fields_orders)
            indexes[index.name] = IndexInfo(index.name, index_columns, orders=orders)
        for group in definition.index_together:
            group_columns = tuple(definition.columns(group))
            name = self.index_together_name(table, list(group_columns))
            indexes[name] = IndexInfo(name, group_columns)
        for constraint in definition.constraints:
            if isinstance(constraint, UniqueConstraint) and self.unique_supported(constraint):
                key = self.key_columns(definition, constraint)
                unique.add(key)
                if self.lists_unique_constraint(constraint, key):
                    indexes[constraint.name] = IndexInfo(constraint.name, key, unique=True)
        return TableInfo(table, columns, frozenset(foreign_keys), frozenset(unique), indexes)

    @staticmethod
    def key_columns(definition: TableDefinition, item: Index | UniqueConstraint) -> tuple[str, ...]:
        """The key columns of an index or unique constraint as introspection reads them back,
        ``"<expression>"`` for each expression."""
        if item.expressions:
            return ("<expression>",) * len(item.expressions)
        names = [name.removeprefix("-") for name in item.fields]
        return tuple(definition.get_field(name).column for name in names)

    def lists_unique_constraint(self, constraint: UniqueConstraint, key: tuple[str, ...]) -> bool:
        """Whether introspection lists the constraint among the named indexes (a unique index
        always; a table constraint of several columns where it reads as an index)."""
        return self.is_unique_index(constraint) or len(key) > 1


class HexBinary(sa.types.UserDefinedType):
    """Bytes rendered as a hexadecimal blob literal: ``X'00ff'``."""

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "BLOB"

    def literal_processor(self, dialect: Dialect) -> Callable[[Any], str]:
        def process(value: Any) -> str:
            return f"X'{bytes(value).hex()}'"

        return process


#: the exact types whose rendered literals are kept: equal values of one of them render alike
#: (not floats: 0.0 and -0.0 are equal but render differently)
_KEPT_LITERAL_KINDS = frozenset({bool, int, str, bytes})


@functools.lru_cache(maxsize=4096)
def _kept_literal(dialect: Dialect, escapes: bool | None, kind: type, value: Any) -> str:
    """``_compile_literal``, once per dialect and value (a history renders the same defaults
    and names many times). ``kind`` keeps ``True`` and ``1`` apart; ``escapes`` is whether
    the dialect doubles backslashes, which it learns when it first connects."""
    return _compile_literal(dialect, value)


def _compile_literal(dialect: Dialect, value: Any) -> str:
    """A finite number, text or bytes as the dialect renders it as a literal."""
    if isinstance(value, bool):
        type_: Any = sa.Boolean()
    elif isinstance(value, int):
        type_ = sa.BigInteger()
    elif isinstance(value, float):
        type_ = sa.Float()
    elif isinstance(value, str):
        type_ = sa.String()
    elif isinstance(value, bytes):
        type_ = HexBinary()
    else:
        raise ModelDefinitionError(f"Value {value!r} cannot be written as a SQL literal.")
    literal = sa.literal(value, type_)
    rendered = str(literal.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    if isinstance(value, str) and dialect.paramstyle in ("format", "pyformat"):
        # SQLAlchemy doubles % for drivers with %s placeholders; statements reach the
        # driver without parameters (or with values inlined already), so undo it
        rendered = rendered.replace("%%", "%")
    return rendered


def _with_columns_renamed(table: TableInfo, renamed: dict[str, str]) -> TableInfo:
    """The table with its columns renamed (old -> new) everywhere they appear."""

    def new(name: str) -> str:
        return renamed.get(name, name)

    return TableInfo(
        table.name,
        {new(name): replace(column, name=new(name)) for name, column in table.columns.items()},
        frozenset(replace(key, column=new(key.column)) for key in table.foreign_keys),
        frozenset(tuple(new(column) for column in group) for group in table.unique),
        {
            name: replace(index, columns=tuple(new(column) for column in index.columns))
            for name, index in table.indexes.items()
        },
    )


def comparable_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments with fields among them compared by their deconstruction."""
    return {
        key: value.deconstruct()[1:] if hasattr(value, "set_attributes_from_name") else value
        for key, value in kwargs.items()
    }


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


__all__ = [
    "NON_SCHEMA_OPTIONS",
    "BaseSchemaEditor",
    "HexBinary",
    "TableDefinition",
    "is_managed",
    "matching_index",
]


def matching_index(
    live: TableInfo, columns: list[str], unique: bool, exclude: set[str]
) -> str | None:
    """The live index on exactly these columns (not one of ``exclude``), if any."""
    for name in sorted(live.indexes):
        index = live.indexes[name]
        if name not in exclude and index.unique == unique and list(index.columns) == columns:
            return name
    return None
