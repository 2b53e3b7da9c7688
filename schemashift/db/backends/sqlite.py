"""SQLite: the schema Django 5.2 writes, and table rebuilds where ALTER TABLE cannot help.

SQLite's ALTER TABLE can add, rename and drop a column and rename a table; every other change
rebuilds the table following SQLite's documented procedure
(https://www.sqlite.org/lang_altertable.html#otheralter): create ``new__<table>`` with the new
definition, copy the rows with one ``INSERT ... SELECT``, drop the old table, rename the new
one, recreate the indexes. It all runs inside the migration's transaction with foreign key
enforcement off (SQLite ignores that pragma inside a transaction, so the editor sets it before
BEGIN); before COMMIT, ``PRAGMA foreign_key_check`` verifies the tables that changed.
"""

from __future__ import annotations

import decimal
import math
import re
import sqlite3
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine

from schemashift.db.backends.base import (
    BaseSchemaEditor,
    TableDefinition,
    column_fields,
    existing_column_message,
    is_managed,
    keeps_added_default,
)
from schemashift.db.backends.defaults import is_expression_default
from schemashift.db.backends.formats import DecimalFormat, FloatFormat, quantize
from schemashift.db.backends.lock_comments import Lock, Seen, comments_for
from schemashift.db.backends.registry import Backend
from schemashift.db.backends.sqlite_definitions import (
    remove_definition,
    renamed_create,
    replace_column_definition,
    stores_alike,
)
from schemashift.db.backends.through_tables import link_shape
from schemashift.db.client import ClientCommand, find_program
from schemashift.db.introspection import ColumnInfo, ForeignKeyInfo, IndexInfo, TableInfo
from schemashift.db.locking import OnWait, file_lock
from schemashift.exceptions import DatabaseError
from schemashift.models.constraints import CheckConstraint
from schemashift.models.options import normalize_together

if TYPE_CHECKING:
    from schemashift.db.connection import Database
    from schemashift.migrations.state import ModelState, ProjectState
    from schemashift.models.constraints import BaseConstraint, UniqueConstraint
    from schemashift.models.fields import Field

_AUTO_FIELDS = ("AutoField", "BigAutoField", "SmallAutoField")
_POSITIVE_CHECK = "{column} >= 0"
#: how many foreign key violations a failed check lists
_VIOLATIONS_SHOWN = 5
#: execution option read by the ``begin`` hook: "DEFERRED" (default), "IMMEDIATE" or
#: "EXCLUSIVE"
SQLITE_BEGIN_OPTION = "schemashift_sqlite_begin"
_SQLITE_BEGIN_MODES = ("DEFERRED", "IMMEDIATE", "EXCLUSIVE")
#: significant digits SQLite keeps of a number it stores as a double
SQLITE_EXACT_DIGITS = 15
#: a literal ADD COLUMN takes as DEFAULT as it is (not an expression such as a CAST)
_PLAIN_LITERAL = re.compile(r"-?[0-9][0-9.eE+-]*|'(?:[^']|'')*'|X'[0-9A-Fa-f]*'")
#: statements that write, and so take the database's one write lock until their transaction
#: commits (SQLite locks the database, not a table)
_WRITES = re.compile(r"^(?:CREATE|DROP|ALTER|INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)
#: the first SQLite with ALTER TABLE ... DROP COLUMN
_DROP_COLUMN_VERSION = (3, 35, 0)
_AUTOINCREMENT = re.compile(r"\bAUTOINCREMENT\b", re.IGNORECASE)
_WRITE_LOCK = Lock(
    (("the database's write lock", ""),), "other writers wait until the transaction commits"
)


class SQLiteSchemaEditor(BaseSchemaEditor):
    """Schema changes on SQLite, with Django's column types, names and rebuild rules."""

    remake_drops_triggers = True
    dialect_name = "sqlite"
    can_rename_index = False
    ignores_table_name_case = True
    names_foreign_keys = False
    defers_foreign_keys = True
    makes_unique_together_as_index = True
    auto_key_form = "autoincrement"
    data_types = {
        "AutoField": "integer",
        "BigAutoField": "integer",
        "SmallAutoField": "integer",
        "BinaryField": "BLOB",
        "BooleanField": "bool",
        "CharField": "varchar({max_length})",
        "FileField": "varchar({max_length})",
        "FilePathField": "varchar({max_length})",
        "GenericIPAddressField": "char(39)",
        "IPAddressField": "char(15)",
        "SlugField": "varchar({max_length})",
        "EmailField": "varchar({max_length})",
        "URLField": "varchar({max_length})",
        "DateField": "date",
        "DateTimeField": "datetime",
        "DecimalField": "decimal",
        "DurationField": "bigint",
        "FloatField": "real",
        "IntegerField": "integer",
        "BigIntegerField": "bigint",
        "SmallIntegerField": "smallint",
        "PositiveIntegerField": "integer unsigned",
        "PositiveSmallIntegerField": "smallint unsigned",
        "PositiveBigIntegerField": "bigint unsigned",
        "JSONField": "text",
        "TextField": "text",
        "TimeField": "time",
        "UUIDField": "char(32)",
    }
    rel_data_types = {
        "AutoField": "integer",
        "BigAutoField": "bigint",
        "SmallAutoField": "smallint",
        "PositiveIntegerField": "integer",
        "PositiveSmallIntegerField": "smallint",
        "PositiveBigIntegerField": "bigint",
    }
    data_type_checks = {
        "PositiveIntegerField": _POSITIVE_CHECK,
        "PositiveSmallIntegerField": _POSITIVE_CHECK,
        "PositiveBigIntegerField": _POSITIVE_CHECK,
        "JSONField": "(JSON_VALID({column}) OR {column} IS NULL)",
    }
    data_type_suffixes = {kind: "AUTOINCREMENT" for kind in _AUTO_FIELDS}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: the statements this editor ran or collected so far
        self._statements: list[str] = []
        #: table -> its CREATE statement as rewritten, and how many statements had run then
        self._rewritten: dict[str, tuple[str, int]] = {}

    @classmethod
    def lock_comments(cls, statements: Sequence[str]) -> list[str | None]:
        """The database's write lock, for each statement that writes."""
        return comments_for(statements, _write_lock)

    # -- the transaction ----------------------------------------------------------------------

    def _driver_connection(self) -> sqlite3.Connection:
        return self.connection.connection.driver_connection

    def _prepare_connection(self) -> None:
        if self.connection.in_transaction():
            raise RuntimeError(
                "The SQLite schema editor must open the transaction itself (foreign key "
                "enforcement cannot be switched off inside one): commit or roll back first."
            )
        raw = self._driver_connection()
        self._enforced_foreign_keys = bool(raw.execute("PRAGMA foreign_keys").fetchone()[0])
        raw.execute("PRAGMA foreign_keys = OFF")
        if not self.connection.connection.info.get(_MODERN_RENAMES):
            raw.execute("PRAGMA legacy_alter_table = OFF")

    def _restore_connection(self) -> None:
        if getattr(self, "_enforced_foreign_keys", False):
            self._driver_connection().execute("PRAGMA foreign_keys = ON")

    def _rollback(self) -> None:
        try:
            super()._rollback()
        finally:
            raw = self._driver_connection()
            if raw.in_transaction:  # a failed COMMIT leaves SQLite's transaction open
                raw.rollback()

    def _begin(self) -> Any:
        # BEGIN IMMEDIATE takes the write lock up front: a migration never fails halfway
        # because another connection started writing first.
        previous = self.connection.get_execution_options().get(SQLITE_BEGIN_OPTION)
        self.connection.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})
        try:
            transaction = self.connection.begin()
        finally:
            self.connection.execution_options(**{SQLITE_BEGIN_OPTION: previous})
        if not self._driver_connection().in_transaction:
            # An engine not made by create_engine_for_url: pysqlite sent no BEGIN.
            self.connection.exec_driver_sql("BEGIN IMMEDIATE")
        return transaction

    def check_constraints(self) -> None:
        """PRAGMA foreign_key_check on the tables that changed (all after RunSQL)."""
        if self.collect_sql:
            return
        tables = self._tables_to_check
        if tables is None:
            statements = ["PRAGMA foreign_key_check"]
        else:
            statements = [f"PRAGMA foreign_key_check({self.quote_name(t)})" for t in sorted(tables)]
        violations = []
        for statement in statements:
            violations.extend(self.query(statement))
        self._tables_to_check = set()
        if violations:
            raise DatabaseError(_describe_violations(violations))

    # -- running statements -------------------------------------------------------------------

    def run(self, sql: str, params: Any = None) -> None:
        self._statements.append(sql)
        super().run(sql, params)

    # -- staged changes (``staged_columns.py``) -------------------------------------------------

    def dual_write_statements(self, table: str, old: str, new: str) -> list[str]:
        """AFTER triggers (SQLite's BEFORE triggers cannot change the row): an INSERT that
        left one column NULL gets the other's value; an UPDATE of one column, the other."""
        quoted = self.quote_name(table)
        a, b = self.quote_name(old), self.quote_name(new)
        on_insert = (
            f"UPDATE {quoted} SET {b} = coalesce(NEW.{b}, NEW.{a}), "
            f"{a} = coalesce(NEW.{a}, NEW.{b}) WHERE rowid = NEW.rowid"
        )
        on_update = (
            f"UPDATE {quoted} SET {b} = CASE WHEN NEW.{a} IS NOT OLD.{a} THEN NEW.{a} "
            f"ELSE NEW.{b} END, {a} = CASE WHEN NEW.{a} IS NOT OLD.{a} THEN NEW.{a} "
            f"WHEN NEW.{b} IS NOT OLD.{b} THEN NEW.{b} ELSE NEW.{a} END WHERE rowid = NEW.rowid"
        )
        return [
            f"CREATE TRIGGER IF NOT EXISTS {self.sync_trigger(table, old, new, '_i')} AFTER "
            f"INSERT ON "
            f"{quoted} BEGIN {on_insert}; END",
            f"CREATE TRIGGER IF NOT EXISTS {self.sync_trigger(table, old, new, '_u')} AFTER "
            f"UPDATE OF {a}, "
            f"{b} ON {quoted} BEGIN {on_update}; END",
        ]

    def split_statements(self, sql: str) -> list[str]:
        """Split at the semicolons that end statements (not those in strings or triggers)."""
        statements, current = [], ""
        for piece in sql.split(";"):
            current += piece + ";"
            if sqlite3.complete_statement(current):
                if current.strip(" \t\r\n;"):
                    statements.append(current.strip())
                current = ""
        if current.strip(" \t\r\n;"):
            statements.append(current.strip().removesuffix(";"))
        return statements

    def driver_params(self, sql: str, params: Any) -> tuple[str, Any]:
        """``%s`` and ``%(name)s`` placeholders become sqlite3's ``?`` and ``:name``."""
        sql, adapted = super().driver_params(sql, params)
        adapted = _bindable(adapted)
        if isinstance(adapted, dict):
            return re.sub(r"(?<!%)%\((\w+)\)s", r":\1", sql).replace("%%", "%"), adapted
        return re.sub(r"(?<!%)%s", "?", sql).replace("%%", "%"), adapted

    def render_literal(self, value: Any) -> str:
        if isinstance(value, decimal.Decimal):
            value = str(value)  # as Django's SQLite backend, which adapts decimals to text
        if isinstance(value, str) and "\x00" in value:
            # SQL text cannot hold NUL; the UTF-8 bytes cast back to text keep the value whole.
            return f"CAST({super().render_literal(value.encode())} AS TEXT)"
        return super().render_literal(value)

    def render_special_float(self, value: float) -> str:
        if value != value:  # NaN: SQLite would store NULL
            return super().render_special_float(value)
        return "9e999" if value > 0 else "-9e999"

    # -- names and definitions ----------------------------------------------------------------

    def inline_reference(self, field: Field, state: ProjectState) -> str | None:
        if not (field.is_relation and field.db_constraint):
            return None
        target = self.target_field(field, state)
        table = self.model_table(state.related_model(field))
        return (
            f"REFERENCES {self.quote_name(table)} ({self.quote_name(target.column)}) "
            "DEFERRABLE INITIALLY DEFERRED"
        )

    def create_unique_sql(self, name: str, table: str, columns: list[str]) -> str:
        quoted = ", ".join(self.quote_name(column) for column in columns)
        return f"CREATE UNIQUE INDEX {self.quote_name(name)} ON {self.quote_name(table)} ({quoted})"

    def drop_unique_sql(self, table: str, name: str) -> str:
        return f"DROP INDEX {self.quote_name(name)}"

    def rename_index_statements(
        self, table: str, old_name: str, new_name: str, columns: list[str], unique: bool
    ) -> list[str]:
        # SQLite has no RENAME INDEX: drop it and build it again under the new name
        create = self.create_unique_sql if unique else self.create_index_sql
        return [self.drop_index_sql(table, old_name), create(new_name, table, columns)]

    # -- constraints --------------------------------------------------------------------------

    def lists_unique_constraint(self, constraint: UniqueConstraint, key: tuple[str, ...]) -> bool:
        # a table constraint in CREATE TABLE reads back as an automatic index, never by name
        return self.is_unique_index(constraint)

    def add_constraint(
        self, state: ProjectState, model: ModelState, constraint: BaseConstraint
    ) -> None:
        """A unique index where the constraint is one; else the table is rebuilt with it, as
        SQLite cannot add a table constraint (Django does the same)."""
        if not is_managed(model) or self.is_unique_index(constraint):
            super().add_constraint(state, model, constraint)
            return
        if self.creates_constraint(constraint):
            with self._operation():
                fields = _rebuilt_order(model, list(model.fields.values()))
                self._remake_table(state, self.table_definition(model, fields))

    def remove_constraint(
        self, state: ProjectState, model: ModelState, constraint: BaseConstraint
    ) -> None:
        """Drop the unique index, or rebuild the table without the table constraint."""
        if not is_managed(model) or self.is_unique_index(constraint):
            super().remove_constraint(state, model, constraint)
            return
        if self.creates_constraint(constraint):
            with self._operation():
                fields = _rebuilt_order(model, list(model.fields.values()))
                definition = self.table_definition(model, fields)
                if self._drops_check_in_place(state, definition, constraint):
                    return
                definition.constraints = [
                    c for c in definition.constraints if c.name != constraint.name
                ]
                self._remake_table(state, definition)

    def _drops_check_in_place(
        self, state: ProjectState, definition: TableDefinition, constraint: BaseConstraint
    ) -> bool:
        """Drop a CHECK constraint from the table's CREATE statement alone: every row that
        met it stays valid (``_rewrite_table``). False for other constraints, or when the
        live definition does not list it as expected."""
        if not isinstance(constraint, CheckConstraint):
            return False
        live = self._live_create_sql(definition.table, [f.column for f in definition.fields])
        item = self.inline_constraint_sql(definition, state, constraint)
        rewritten = remove_definition(live, item) if live and item else None
        if rewritten is None:
            return False
        self._rewrite_table(definition.table, live, rewritten)
        return True

    # -- fields -------------------------------------------------------------------------------

    def add_field(self, state: ProjectState, model: ModelState, field: Field) -> None:
        """ADD COLUMN for a nullable column with no value to fill in, or for one whose value
        for the existing rows is a constant kept as the column's DEFAULT (SQLite writes
        neither into the rows: the table is not copied); else rebuild the table.

        ``model`` and ``state`` are as after the addition; ``field`` may carry a one-off
        default for the existing rows.
        """
        if not is_managed(model):
            return
        table = self.model_table(model)
        with self._operation():
            default = self._added_column_default(model, field, state)
            if default is not None or self._can_add_column(model, field):
                self._add_column(table, field, state, default)
                return
            self.refuse_existing_column(table, field.column)
            kept = [f for f in column_fields(model) if f.name != field.name]
            reverting = field is model.fields.get(field.name)
            order = _rebuilt_order(model, kept, field, reverting)
            definition = self.table_definition(model, order)
            if field.has_db_default():
                default = self.db_default_sql(field)
            else:
                default = self.quote_value(self.effective_default(field), field, state)
            self._remake_table(state, definition, {field.name: default})
            self._touch_model(state, model)

    def _add_column(
        self, table: str, field: Field, state: ProjectState, default: str | None
    ) -> None:
        """ALTER TABLE ... ADD COLUMN, and the column's index; SQLite itself refuses a column
        the table has already, which is said as the rebuild's check says it."""
        if self.collect_sql:
            self.refuse_existing_column(table, field.column)
        definition = self.column_definition(field, state, default=default)
        try:
            self.run(
                f"ALTER TABLE {self.quote_name(table)} ADD COLUMN "
                f"{self.quote_name(field.column)} {definition}"
            )
        except DatabaseError as exc:
            if "duplicate column name" not in str(exc):
                raise
            raise DatabaseError(existing_column_message(table, field.column)) from exc
        if self.field_needs_index(field):
            name = self.field_index_name(table, field)
            self.run(self.create_index_sql(name, table, [field.column]))

    def _added_column_default(
        self, model: ModelState, field: Field, state: ProjectState
    ) -> str | None:
        """The DEFAULT literal a NOT NULL column takes when ADD COLUMN can fill the existing
        rows with it: the model's field keeps that constant default (``keeps_added_default``,
        which the drift check allows), and nothing else about the column needs the rebuild.
        None otherwise."""
        kept = model.fields.get(field.name)
        if (
            field.null
            or kept is None
            or not keeps_added_default(kept)
            or field.is_relation
            or field.unique
            or _in_meta_index(model, field)
        ):
            return None
        value = self.effective_default(field)
        if value is None or value != self.effective_default(kept):
            return None
        literal = self.quote_value(value, field, state)
        return literal if _PLAIN_LITERAL.fullmatch(literal) else None

    def _can_add_column(self, model: ModelState, field: Field) -> bool:
        # A column named by unique_together or Meta.indexes (a RemoveField being unapplied
        # brings those back) needs the rebuild, which creates every index of the model.
        return (
            field.null
            and not field.unique
            and not field.primary_key
            and self.effective_default(field) is None
            and not _in_meta_index(model, field)
            # ADD COLUMN takes a constant DEFAULT only
            and not (field.has_db_default() and is_expression_default(field))
        )

    def remove_field(self, state: ProjectState, model: ModelState, field: Field) -> None:
        """DROP COLUMN when nothing else uses the column; else rebuild the table without it.

        ``model`` and ``state`` are as before the removal.
        """
        if not is_managed(model):
            return
        table = self.model_table(model)
        with self._operation():
            if self._can_drop_column(model, field):
                self.run(
                    f"ALTER TABLE {self.quote_name(table)} DROP COLUMN "
                    f"{self.quote_name(field.column)}"
                )
                return
            kept = [f for f in column_fields(model) if f.name != field.name]
            names = _names(field)
            definition = TableDefinition(
                table,
                _rebuilt_order(model, kept),
                tuple(g for g in model.unique_together if names.isdisjoint(g)),
                [i for i in model.indexes if names.isdisjoint(i.referenced_fields())],
                [c for c in model.constraints if names.isdisjoint(c.referenced_fields())],
                tuple(
                    g
                    for g in normalize_together(model.options.get("index_together"))
                    if names.isdisjoint(g)
                ),
            )
            self._remake_table(state, definition)
            self._touch_model(state, model)

    def _can_drop_column(self, model: ModelState, field: Field) -> bool:
        """Whether SQLite's own DROP COLUMN can drop it: a SQLite that has it, and a column no
        key, index, constraint or generated column uses (which SQLite would refuse)."""
        names = _names(field)
        return sqlite3.sqlite_version_info >= _DROP_COLUMN_VERSION and not (
            field.primary_key
            or any(f.generated for f in model.fields.values())
            or any(
                not names.isdisjoint(group)
                for group in normalize_together(model.options.get("index_together"))
            )
            or field.unique
            or field.db_index
            or (field.is_relation and field.db_constraint)
            or _in_meta_index(model, field)
        )

    def alter_field(
        self,
        from_state: ProjectState,
        to_state: ProjectState,
        old_model: ModelState,
        new_model: ModelState,
        old_field: Field,
        new_field: Field,
    ) -> None:
        """RENAME COLUMN when only the name changes, nothing for non-schema options, else a
        rebuild, which moves the column last as Django's does.

        Tables whose foreign keys point at the field are rebuilt too when their column type
        changes with it.
        """
        if not is_managed(new_model):
            return
        if not self.field_should_be_altered(from_state, to_state, old_field, new_field):
            return
        table = self.model_table(old_model)
        with self._operation():
            if self._can_rename_column(from_state, to_state, old_field, new_field):
                self.run(
                    f"ALTER TABLE {self.quote_name(table)} RENAME COLUMN "
                    f"{self.quote_name(old_field.column)} TO {self.quote_name(new_field.column)}"
                )
                self.rename_generated_indexes(
                    self.table_definition(old_model),
                    self.table_definition(new_model),
                    {old_field.name: new_field.name},
                )
                return
            columns = [f.column for f in column_fields(old_model)]
            if self._alters_in_place(table, columns, from_state, to_state, old_field, new_field):
                self._remake_referencing_tables(from_state, to_state, new_model, new_field)
                return
            kept = [
                new_model.fields.get(f.name, f)
                for f in column_fields(old_model)
                if f.name != old_field.name
            ]
            reverting = new_field.creation_counter < old_field.creation_counter
            order = _rebuilt_order(new_model, kept, new_field, reverting)
            definition = self.table_definition(new_model, order)
            source = self._altered_column_source(old_field, new_field, to_state)
            self._remake_table(to_state, definition, {new_field.name: source})
            self._touch_model(to_state, new_model)
            self._remake_referencing_tables(from_state, to_state, new_model, new_field)

    # -- a column changed in place (its stored values stay as they are) -----------------------

    def _alters_in_place(
        self,
        table: str,
        columns: list[str],
        from_state: ProjectState,
        to_state: ProjectState,
        old_field: Field,
        new_field: Field,
    ) -> bool:
        """Change the column by editing the table's CREATE statement alone, where every
        stored value stays valid and reads the same (a wider or narrower varchar, NOT NULL
        dropped, a CHECK dropped): the column keeps its place, the rows are not copied.
        False when the change needs the rebuild, or the live definition is not the one
        expected."""
        pairs = self._in_place_definitions(from_state, to_state, old_field, new_field)
        live = self._live_create_sql(table, columns) if pairs else None
        if live is None:
            return False
        quoted = self.quote_name(new_field.column)
        for old, new in pairs:
            rewritten = replace_column_definition(live, f"{quoted} {old}", f"{quoted} {new}")
            if rewritten is not None:
                if rewritten != live:
                    self._rewrite_table(table, live, rewritten)
                return True
        return False

    def _in_place_definitions(
        self, from_state: ProjectState, to_state: ProjectState, old: Field, new: Field
    ) -> list[tuple[str, str]]:
        """The column's definition before and after, without and with the DEFAULT an in-place
        ADD COLUMN keeps, when the change leaves the stored values valid and read the same;
        [] when the rows must be copied.

        A DEFAULT never changes in place: rows stored before an ADD COLUMN hold no value for
        the column and read its DEFAULT, whatever it is now.
        """
        if not _keeps_stored_values(old, new):
            return []
        if self.field_needs_index(old) != self.field_needs_index(new):
            return []
        if not stores_alike(self.column_type(old, from_state), self.column_type(new, to_state)):
            return []
        new_check = self.column_check(new, new.column)
        if new_check is not None and new_check != self.column_check(old, old.column):
            return []
        if _db_default_of(self, old) != _db_default_of(self, new):
            return []
        pairs = [(self.column_definition(old, from_state), self.column_definition(new, to_state))]
        kept = self._kept_default(old, from_state)
        if kept is not None and kept == self._kept_default(new, to_state):
            pairs.append(
                (
                    self.column_definition(old, from_state, default=kept),
                    self.column_definition(new, to_state, default=kept),
                )
            )
        return pairs

    def _kept_default(self, field: Field, state: ProjectState) -> str | None:
        """The DEFAULT literal an in-place ADD COLUMN gives the field's column, if any."""
        if field.null or not keeps_added_default(field):
            return None
        value = self.effective_default(field)
        if value is None:
            return None
        literal = self.quote_value(value, field, state)
        return literal if _PLAIN_LITERAL.fullmatch(literal) else None

    def _live_create_sql(self, table: str, columns: list[str]) -> str | None:
        """The table's CREATE statement as sqlite_master keeps it, or as this migration
        rewrote it; None where there is no live table to read, or where this migration ran
        other statements on the table (which collected SQL would not have run:
        ``sqlmigrate`` and ``migrate`` decide alike). When SQL is only collected
        (``sqlmigrate``), also None unless the live table has exactly ``columns``, those of
        the state before the change: on a database at another migration, the rebuild is
        printed, which is right whenever it runs."""
        if self.connection is None:
            return None
        quoted = self.quote_name(table)
        rewritten, since = self._rewritten.get(table, (None, 0))
        if any(quoted in statement for statement in self._statements[since:]):
            return None
        if rewritten is not None:
            return rewritten
        rows = self.query(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = "
            f"{self.quote_value(table)}"
        )
        if not rows:
            return None
        if self.collect_sql:
            live_columns = self.query(f"PRAGMA table_xinfo({quoted})")
            if sorted(row[1] for row in live_columns) != sorted(columns):
                return None
        return rows[0][0]

    def _rewrite_table(self, table: str, live: str, rewritten: str) -> None:
        """Give the table the definition ``rewritten`` by SQLite's procedure for changes that
        leave the stored rows as they are (https://www.sqlite.org/lang_altertable.html
        #otheralter), inside the migration's transaction, so a crash leaves the old definition
        or the new one: sqlite_master edited under ``writable_schema``, the schema version
        raised so every connection reads the table again. The UPDATE names the definition it
        replaces, so run by hand on a table whose definition is another (``sqlmigrate``'s
        output, after other migrations) it changes nothing. Where the connection refuses to
        edit the schema (SQLITE_DBCONFIG_DEFENSIVE, an authorizer), the table is rebuilt as
        ``rewritten`` instead, with the same result."""
        ((version,),) = self.query("PRAGMA schema_version")
        try:
            self.run("PRAGMA writable_schema = ON")
            self.run(
                f"UPDATE sqlite_master SET sql = {self.quote_value(rewritten)} "
                f"WHERE type = 'table' AND name = {self.quote_value(table)} "
                f"AND sql = {self.quote_value(live)}"
            )
        except DatabaseError:
            self._stop_schema_writes()
            self._rebuild_as(table, rewritten)
        else:
            try:
                self.run(f"PRAGMA schema_version = {version + 1}")
            finally:
                self._stop_schema_writes()
            if not self.collect_sql:
                # SQLite parses the new definition now: an error rolls the migration back
                self.query(f"PRAGMA table_xinfo({self.quote_name(table)})")
        self._rewritten[table] = (rewritten, len(self._statements))

    def _stop_schema_writes(self) -> None:
        with suppress(DatabaseError):  # refused along with ON: it never took effect
            self.run("PRAGMA writable_schema = OFF")

    def _rebuild_as(self, table: str, create_sql: str) -> None:
        """Rebuild the table with the definition ``create_sql``, whose columns are the live
        table's in the same order: every row copied as it is stored (``SELECT *``, which
        SQLite copies record by record), then its indexes and triggers made again."""
        quoted, temporary = self.quote_name(table), f"new__{table}"
        dependents = [
            sql
            for (sql,) in self.query(
                "SELECT sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND tbl_name = "
                f"{self.quote_value(table)} AND sql IS NOT NULL ORDER BY rowid"
            )
        ]
        columns = self.query(f"PRAGMA table_xinfo({quoted})")
        stored = [self.quote_name(name) for _cid, name, *_rest, hidden in columns if not hidden]
        if len(stored) == len(columns):
            copy = f"INSERT INTO {self.quote_name(temporary)} SELECT * FROM {quoted}"
        else:  # generated columns are computed by the new table
            listed = ", ".join(stored)
            copy = (
                f"INSERT INTO {self.quote_name(temporary)} ({listed}) SELECT {listed} FROM {quoted}"
            )
        self._swap_table(
            table,
            renamed_create(create_sql, self.quote_name(temporary)),
            bool(_AUTOINCREMENT.search(create_sql)),
            copy,
        )
        for sql in dependents:
            self.run(sql)

    def _can_rename_column(
        self, from_state: ProjectState, to_state: ProjectState, old_field: Field, new_field: Field
    ) -> bool:
        if old_field.column == new_field.column:
            return False
        if any(f.is_relation and f.db_constraint for f in (old_field, new_field)):
            return False
        old_definition = self.column_definition(old_field, from_state, column=new_field.column)
        return old_definition == self.column_definition(new_field, to_state)

    def _altered_column_source(
        self, old_field: Field, new_field: Field, state: ProjectState
    ) -> str:
        column = self.quote_name(old_field.column)
        if old_field.null and not new_field.null:
            if new_field.has_db_default():
                return f"coalesce({column}, {self.db_default_sql(new_field)})"
            default = self.effective_default(new_field)
            if default is not None:
                return f"coalesce({column}, {self.quote_value(default, new_field, state)})"
        return column

    def _remake_referencing_tables(
        self, from_state: ProjectState, to_state: ProjectState, model: ModelState, field: Field
    ) -> None:
        """Rebuild the tables whose foreign key column to ``field`` changes definition."""
        for child, relation in to_state.incoming_relations(model.app_label, model.name):
            if child.key == model.key or relation.many_to_many:
                continue  # the rebuilt table already has the new definition
            if self.target_field(relation, to_state).name != field.name:
                continue
            old_child = from_state.models.get(child.key)
            old_relation = old_child.fields.get(relation.name) if old_child else None
            if old_relation is not None and self.column_definition(
                old_relation, from_state
            ) == self.column_definition(relation, to_state):
                continue
            fields = _rebuilt_order(child, column_fields(child))
            self._remake_table(to_state, self.table_definition(child, fields))

    def repoint_through_table(
        self,
        from_state: ProjectState,
        to_state: ProjectState,
        current: ModelState,
        new: ModelState,
    ) -> None:
        """One rebuild copying every column from the old one, as Django's SQLite editor
        alters an automatic through table: the columns keep their order."""
        sources = {
            new_field.name: self.quote_name(old_field.column)
            for old_field, new_field in zip(
                current.fields.values(), new.fields.values(), strict=True
            )
        }
        old_links = list(current.fields.values())[1:]
        new_links = list(new.fields.values())[1:]
        if [link_shape(link) for link in old_links] == [link_shape(link) for link in new_links]:
            return
        with self._operation():
            self._remake_table(to_state, self.table_definition(new), sources)
            self._touch_model(to_state, new)

    # -- the table rebuild --------------------------------------------------------------------

    def _remake_table(
        self,
        state: ProjectState,
        definition: TableDefinition,
        sources: dict[str, str] | None = None,
    ) -> None:
        """Rebuild a table as ``definition``, each column copied from the old column of the
        same name unless ``sources`` (field name -> SQL expression) says otherwise.

        SQLite's 12-step procedure, inside the current transaction. Every row is copied by
        one INSERT ... SELECT; the AUTOINCREMENT counter carries over, so ids of deleted rows
        are never handed out again.
        """
        table = definition.table
        temporary = f"new__{table}"
        quoted_table, quoted_temporary = self.quote_name(table), self.quote_name(temporary)
        sources = sources or {}
        copied = [f for f in definition.fields if not f.generated]  # computed by the table
        columns = ", ".join(self.quote_name(f.column) for f in copied)
        selected = ", ".join(sources.get(f.name) or self.quote_name(f.column) for f in copied)
        self._swap_table(
            table,
            self.create_table_sql(state, definition, temporary),
            any(f.primary_key and f.get_internal_type() in _AUTO_FIELDS for f in definition.fields),
            f"INSERT INTO {quoted_temporary} ({columns}) SELECT {selected} FROM {quoted_table}",
        )
        for statement in self.index_statements(definition, state):
            self.run(statement)

    def _swap_table(self, table: str, create: str, autoincrement: bool, copy: str) -> None:
        """Create ``new__<table>`` (``create``), fill it (``copy``), drop the table and give
        its name to the new one."""
        temporary = f"new__{table}"
        self.run(create)
        if autoincrement:
            # The old table's counter becomes the new one's before the copy, which only
            # raises it; the rename at the end takes it along. One statement, whatever the
            # table holds.
            self.run(
                f"UPDATE {self.quote_name('sqlite_sequence')} SET {self.quote_name('name')} = "
                f"{self.quote_value(temporary)} WHERE {self.quote_name('name')} = "
                f"{self.quote_value(table)}"
            )
        self._copy_rows(copy, table, temporary)
        self.run(f"DROP TABLE {self.quote_name(table)}")
        self.run(f"ALTER TABLE {self.quote_name(temporary)} RENAME TO {self.quote_name(table)}")

    def _copy_rows(self, sql: str, table: str, temporary: str) -> None:
        try:
            self.run(sql)
        except DatabaseError as exc:
            cause = exc.__cause__
            reason = str(getattr(cause, "orig", cause)).replace(f"{temporary}.", "")
            raise DatabaseError(
                f'Rebuilding table "{table}" failed, nothing was changed: {reason}.'
                f"{_copy_failure_hint(reason)}"
            ) from cause

    # -- introspection ------------------------------------------------------------------------

    @classmethod
    def table_names(cls, connection: Connection) -> list[str]:
        rows = connection.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' "
            "ESCAPE '\\' ORDER BY name"
        )
        return [name for (name,) in rows]

    @classmethod
    def column_names(cls, connection: Connection, table: str) -> set[str]:
        quoted = connection.dialect.identifier_preparer.quote_identifier(table)
        return {row[1] for row in connection.exec_driver_sql(f"PRAGMA table_xinfo({quoted})")}

    @classmethod
    def read_table(cls, connection: Connection, table: str) -> TableInfo | None:
        """PRAGMAs, not the SQLAlchemy Inspector: it loses declared types such as
        ``integer unsigned``, inline UNIQUE constraints and DESC index columns."""
        quote = connection.dialect.identifier_preparer.quote_identifier
        # table_xinfo, unlike table_info, lists generated columns too
        rows = connection.exec_driver_sql(f"PRAGMA table_xinfo({quote(table)})").fetchall()
        if not rows:
            return None
        columns = {
            name: ColumnInfo(name, declared, not notnull, bool(pk), default)
            for _cid, name, declared, notnull, default, pk, _hidden in rows
        }
        foreign_keys = frozenset(
            ForeignKeyInfo(row[3], row[2], row[4] or cls._primary_key_of(connection, row[2]))
            for row in connection.exec_driver_sql(f"PRAGMA foreign_key_list({quote(table)})")
        )
        unique, indexes = set(), {}
        for _seq, name, is_unique, origin, _partial in connection.exec_driver_sql(
            f"PRAGMA index_list({quote(table)})"
        ).fetchall():
            keys = connection.exec_driver_sql(f"PRAGMA index_xinfo({quote(name)})").fetchall()
            key_columns = [(row[2], row[3]) for row in sorted(keys) if row[5]]
            names = tuple(column or "<expression>" for column, _desc in key_columns)
            if origin == "pk":
                continue
            if is_unique:
                unique.add(names)
            if origin == "c":
                orders = tuple("DESC" if desc else "ASC" for _column, desc in key_columns)
                indexes[name] = IndexInfo(name, names, bool(is_unique), orders)
        return TableInfo(table, columns, foreign_keys, frozenset(unique), indexes)

    @staticmethod
    def _primary_key_of(connection: Connection, table: str) -> str:
        quote = connection.dialect.identifier_preparer.quote_identifier
        rows = connection.exec_driver_sql(f"PRAGMA table_info({quote(table)})").fetchall()
        return ", ".join(row[1] for row in sorted(rows, key=lambda row: row[5]) if row[5])


def _write_lock(sql: str, seen: Seen) -> Lock | None:
    return _WRITE_LOCK if _WRITES.match(sql) else None


def _in_meta_index(model: ModelState, field: Field) -> bool:
    """Whether a unique_together group or a Meta index of the model names the field (by name
    or attname)."""
    names = _names(field)
    return (
        any(not names.isdisjoint(group) for group in model.unique_together)
        or any(not names.isdisjoint(index.referenced_fields()) for index in model.indexes)
        or any(not names.isdisjoint(c.referenced_fields()) for c in model.constraints)
    )


def _keeps_stored_values(old: Field, new: Field) -> bool:
    """Whether nothing about the column but its declared type, NOT NULL being dropped or its
    CHECK changes: same name, no key, relation, uniqueness or generated value involved."""
    return (
        old.column == new.column
        and not (old.primary_key or new.primary_key)
        and not (old.is_relation or new.is_relation)
        and not (old.generated or new.generated)
        and bool(old.unique) == bool(new.unique)
        and (new.null or not old.null)
    )


def _db_default_of(editor: SQLiteSchemaEditor, field: Field) -> str | None:
    return editor.db_default_sql(field) if field.has_db_default() else None


def _names(field: Field) -> set[str]:
    """What unique_together and Meta.indexes may call the field: its name or attname."""
    return {field.name, field.attname}


def _rebuilt_order(
    model: ModelState, kept: list[Field], changed: Field | None = None, reverting: bool = False
) -> list[Field]:
    """The column order of a rebuilt table: the one Django's rebuild gives, so both agree.

    Django orders the columns by when each field object was made: auto-created primary keys
    first, then the kept columns in model order, the added or altered column after them when
    migrating forwards (``reverting`` False) and before them when migrating backwards, and
    last the foreign keys to the model itself, which its rebuild copies anew.
    """
    auto_created = [f for f in kept if f.auto_created]
    self_references = [
        f for f in kept if f.is_relation and f.related_model_key == model.key and not f.auto_created
    ]
    others = [f for f in kept if f not in auto_created and f not in self_references]
    if changed is None:
        return [*auto_created, *others, *self_references]
    if changed.auto_created:
        return [changed, *auto_created, *others, *self_references]
    middle = [changed, *others] if reverting else [*others, changed]
    return [*auto_created, *middle, *self_references]


def _copy_failure_hint(reason: str) -> str:
    if reason.startswith("NOT NULL constraint failed"):
        return (
            " Existing rows would hold NULL in a NOT NULL column: give the field a default, "
            "or fill the column in an earlier migration."
        )
    if reason.startswith("UNIQUE constraint failed"):
        return " Existing rows hold duplicate values: remove the duplicates first."
    if reason.startswith("CHECK constraint failed"):
        return " Existing rows hold values the new column type does not accept."
    return ""


def _describe_violations(violations: list[Any]) -> str:
    shown = [
        f'table "{table}" row {rowid} points at a missing row of "{parent}"'
        for table, rowid, parent, _fkid in violations[:_VIOLATIONS_SHOWN]
    ]
    more = len(violations) - len(shown)
    tail = f" (and {more} more)" if more else ""
    return (
        "Foreign key check failed, nothing was changed: " + "; ".join(shown) + tail + ". Fix or "
        "delete those rows in an earlier migration."
    )


# -- the backend ------------------------------------------------------------------------------


class SQLiteDecimalFormat(DecimalFormat):
    """SQLite turns any numeric text stored in a ``decimal`` (NUMERIC affinity) column into a
    double, which keeps 15 significant digits: a value with more is sent as a BLOB of its
    digits, which SQLite keeps as it is (``sqlite_storable``); shorter ones are numbers."""

    def column_type(self) -> Any:
        return sa.String()

    def to_db(self, value: Any, spec: Any) -> Any:
        value = super().to_db(value, spec)
        return sqlite_storable(
            value, getattr(spec, "max_digits", None), getattr(spec, "decimal_places", None)
        )

    def comparable(self, expression: Any) -> Any:
        """As numbers (to 15 significant digits): the bytes of a long decimal would sort after
        every number."""
        return sa.cast(expression, sa.Numeric())


def sqlite_storable(
    value: decimal.Decimal, max_digits: int | None, decimal_places: int | None
) -> str | bytes:
    """A decimal as SQLite stores it without loss: its text, which SQLite makes a number,
    where a double holds it exactly; else the bytes of its text, which SQLite keeps.

    The value is first rounded to the field's places, so equal values are equal bytes.
    """
    if decimal_places is not None and value.is_finite():
        value = quantize(value, max_digits, decimal_places)
    text = str(value)
    if value.is_finite() and len(value.as_tuple().digits) > SQLITE_EXACT_DIGITS:
        return text.encode("ascii")
    return text


class SQLiteFloatFormat(FloatFormat):
    """SQLite stores NaN as NULL: it is sent as the text ``NaN``, which a ``real`` column keeps
    (and sorts after every number, as PostgreSQL sorts NaN)."""

    def column_type(self) -> Any:
        return sa.String()  # no conversion to float on the way in: "NaN" stays text

    def to_db(self, value: Any, spec: Any) -> Any:
        return "NaN" if isinstance(value, float) and math.isnan(value) else value


class SQLiteBackend(Backend):
    """SQLite through the standard library's sqlite3, transactions under our control."""

    name = "sqlite"
    dialect_names = ("sqlite",)
    transactional_ddl = True
    schema_editor = SQLiteSchemaEditor
    formats = {"DecimalField": SQLiteDecimalFormat(), "FloatField": SQLiteFloatFormat()}
    # SQLite opens any file lazily; reading the schema is what finds out.
    probe_sql = "PRAGMA schema_version"

    def prepare_engine(self, engine: Engine) -> None:
        event.listen(engine, "connect", _on_connect)
        event.listen(engine, "begin", _on_begin)

    def database_file(self, url: URL) -> Path | None:
        name = url.database
        if not name or name == ":memory:" or name.startswith("file:"):
            return None
        return Path(name)

    def migration_lock(
        self, database: Database, timeout: float | None, on_wait: OnWait | None
    ) -> AbstractContextManager[None]:
        """An exclusive ``flock`` on ``<database file>.migrate-lock``; an in-memory database
        needs none."""
        path = database.sqlite_path
        if path is None:
            return nullcontext()
        return file_lock(Path(f"{path}.migrate-lock"), timeout, on_wait)

    def client_command(self, url: URL, parameters: list[str]) -> ClientCommand:
        return ClientCommand([find_program("sqlite3"), url.database or ":memory:", *parameters])

    def empty_tables(self, connection: Connection, tables: list[str]) -> None:
        """DELETE, foreign keys checked at COMMIT, then AUTOINCREMENT counters forgotten."""
        quote = connection.dialect.identifier_preparer.quote
        with connection.begin():
            connection.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
            for table in tables:
                connection.exec_driver_sql(f"DELETE FROM {quote(table)}")
            if sa.inspect(connection).has_table("sqlite_sequence"):
                connection.exec_driver_sql("DELETE FROM sqlite_sequence")

    def case_sensitive_match(self, lhs: Any, text: str, prefix: bool, suffix: bool) -> Any:
        """GLOB, which counts case where LIKE does not."""
        pattern = f"{'*' if prefix else ''}{glob_escape(text)}{'*' if suffix else ''}"
        return lhs.op("GLOB")(sa.bindparam(None, pattern, type_=sa.String()))


def glob_escape(value: str) -> str:
    """``value`` with GLOB's wildcards taken literally."""
    return "".join(f"[{char}]" if char in "*?[" else char for char in value)


#: set in a pooled connection's info once it renames tables as the schema editor needs
_MODERN_RENAMES = "schemashift_modern_renames"


def _on_connect(dbapi_connection: Any, record: Any) -> None:
    # Transaction control is ours (see _on_begin): pysqlite's legacy mode would send no
    # BEGIN before DDL, committing each schema change on its own.
    dbapi_connection.isolation_level = None
    dbapi_connection.execute("PRAGMA foreign_keys = ON")
    # With the legacy behaviour, renaming a table leaves other tables' REFERENCES pointing at
    # the old name.
    dbapi_connection.execute("PRAGMA legacy_alter_table = OFF")
    record.info[_MODERN_RENAMES] = True


def _on_begin(connection: Connection) -> None:
    mode = connection.get_execution_options().get(SQLITE_BEGIN_OPTION) or "DEFERRED"
    if mode not in _SQLITE_BEGIN_MODES:
        raise ValueError(
            f"{SQLITE_BEGIN_OPTION} must be one of {_SQLITE_BEGIN_MODES}, not {mode!r}"
        )
    driver_connection = connection.connection.driver_connection
    if driver_connection.in_transaction:
        # A COMMIT refused by SQLite (a deferred foreign key, say) leaves its transaction
        # open although the caller has seen it fail; end it before starting the next.
        driver_connection.rollback()
    connection.exec_driver_sql("BEGIN" if mode == "DEFERRED" else f"BEGIN {mode}")


def _bindable(params: Any) -> Any:
    """sqlite3 binds no Decimal; Django's SQLite backend binds it as its text too."""
    if isinstance(params, dict):
        return {k: str(v) if isinstance(v, decimal.Decimal) else v for k, v in params.items()}
    return tuple(str(v) if isinstance(v, decimal.Decimal) else v for v in params)
