"""MySQL 8 and MariaDB 10.11: the schema Django 5.2 writes, changed with ALTER TABLE.

Every DDL statement commits implicitly on these servers, so a migration cannot be rolled back
as a whole: the editor runs each operation in a transaction of its own (for the rows it
writes), whatever ``atomic`` asks, and the executor records progress. Where an operation takes
several statements, it checks first what would make it fail halfway (NULLs in a column about
to be NOT NULL, rows in a table about to get a NOT NULL column without a value); it never
undoes after failing what it may not have made itself (the executor resumes instead).

The ALTER TABLE steps are ``AlterTableSchemaEditor``'s; this module supplies MySQL's words for
them: MODIFY (type, NULL and CHECK in one definition), DROP FOREIGN KEY, DROP PRIMARY KEY,
RENAME INDEX, ``DROP INDEX ... ON``. A CHECK (Positive fields) is part of the column
definition, as Django writes it: MariaDB ties it to the column, drops it with a MODIFY that
leaves it out and cannot drop it by name, so every MODIFY repeats it. A foreign key whose
column is renamed or loses its index is dropped for the change and made again after it.

Every ALTER TABLE on an existing table asks for ``ALGORITHM=INSTANT`` or ``ALGORITHM=INPLACE,
LOCK=NONE`` where the change has such a path (``mysql_online.py`` says which), so that the
server refuses rather than silently copy the table under a write lock. A foreign key is added
in place with foreign_key_checks off for its statement alone, between two statements counting
the rows that break it (``add_foreign_key_statements``): every statement stands on its own, so
a run resumed at any of them on a fresh connection does what the first run would have.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any, ClassVar

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import URL, Connection, Dialect, Engine

from schemashift.db.backends import mysql_locks, mysql_online
from schemashift.db.backends.alter_table import AlterTableSchemaEditor, FieldChange
from schemashift.db.backends.base import TableDefinition, is_managed
from schemashift.db.backends.formats import (
    DateTimeFormat,
    FloatFormat,
    TimeFormat,
    is_special_float,
)
from schemashift.db.backends.lock_comments import comments_for
from schemashift.db.backends.registry import Backend, like_escape
from schemashift.db.client import ClientCommand, find_program
from schemashift.db.introspection import ColumnInfo, ForeignKeyInfo, IndexInfo, TableInfo
from schemashift.db.locking import OnWait, ServerLock, lock_key
from schemashift.exceptions import DatabaseError
from schemashift.models.constraints import UniqueConstraint
from schemashift.models.field_copies import as_column, without_default

if TYPE_CHECKING:
    from schemashift.db.connection import Database
    from schemashift.migrations.state import ModelState, ProjectState
    from schemashift.models.constraints import BaseConstraint
    from schemashift.models.fields import Field
    from schemashift.models.indexes import Index

_POSITIVE_CHECK = "{column} >= 0"
#: field classes with TEXT, BLOB or JSON columns: no literal DEFAULT on MySQL 8, and no index
#: without a prefix length
_LONG_KINDS = frozenset({"TextField", "BinaryField", "JSONField"})
#: characters of a long column a Meta index covers: four fit InnoDB's 3072-byte keys in utf8mb4
_INDEX_PREFIX_LENGTH = 191
_INTEGER_TYPE = re.compile(r"^(tinyint|smallint|mediumint|int|bigint)(\(\d+\))?(?P<rest>.*)$")
_INTEGER_NAMES = {"int": "integer"}
_AUTO_INCREMENT = re.compile(r" AUTO_INCREMENT=\d+")
#: server error codes: no such table; a view, not a table
_NO_SUCH_TABLE, _NOT_BASE_TABLE = 1146, 1347
#: SQL without parameters is sent as it is (PyMySQL would read ``%`` as a placeholder)
_NO_PARAMETERS = {"no_parameters": True}
#: how the statement counting the rows a new foreign key would refuse begins
_ORPHAN_CHECK = "SELECT /* rows breaking a new foreign key */ "
#: how a foreign key added with checks off begins on MySQL, which has no SET STATEMENT
_CHECKS_OFF = "/* with foreign_key_checks=0 */ "
#: statements run with the table locked, one per line, the last one UNLOCK TABLES
_LOCKED_MARK = "/* locked */ "
_LOCKED = f"{_LOCKED_MARK}LOCK TABLES "
#: a line of those run only when the copy triggers are gone already (a resumed contract)
_CATCH_UP = "/* only if an interrupted run dropped the triggers: */ "
_DROP_TRIGGER = re.compile(r"DROP TRIGGER IF EXISTS `((?:[^`]|``)+)`")


#: declared column types (``data_types``; UUIDField is ``uuid`` where MariaDB has it)
_DATA_TYPES: dict[str, str] = {
    "AutoField": "integer AUTO_INCREMENT",
    "BigAutoField": "bigint AUTO_INCREMENT",
    "SmallAutoField": "smallint AUTO_INCREMENT",
    "BinaryField": "longblob",
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
    "DateTimeField": "datetime(6)",
    "DecimalField": "numeric({max_digits}, {decimal_places})",
    "DurationField": "bigint",
    "FloatField": "double precision",
    "IntegerField": "integer",
    "BigIntegerField": "bigint",
    "SmallIntegerField": "smallint",
    "PositiveIntegerField": "integer UNSIGNED",
    "PositiveSmallIntegerField": "smallint UNSIGNED",
    "PositiveBigIntegerField": "bigint UNSIGNED",
    "JSONField": "json",
    "TextField": "longtext",
    "TimeField": "time(6)",
    "UUIDField": "char(32)",
}


class MySQLSchemaEditor(AlterTableSchemaEditor):
    """Schema changes on MySQL and MariaDB with Django's column types and names."""

    dialect_name = "mysql"
    keeps_comments = True
    max_name_length = 64
    keeps_added_defaults = True
    max_identifier_length = 64
    # a one-column unique index reads back as the column's UNIQUE, whatever made it
    lists_one_column_unique_together = False
    rel_data_types = {
        "AutoField": "integer",
        "BigAutoField": "bigint",
        "SmallAutoField": "smallint",
    }
    #: CHECK per field class, written in the column definition (not ``data_type_checks``,
    #: whose separate named constraints MariaDB could not drop)
    column_checks: ClassVar[dict[str, str]] = {
        "PositiveIntegerField": _POSITIVE_CHECK,
        "PositiveSmallIntegerField": _POSITIVE_CHECK,
        "PositiveBigIntegerField": _POSITIVE_CHECK,
    }
    sql_modify_column: ClassVar[str] = "ALTER TABLE {table} MODIFY {column} {definition}"
    sql_fill_column: ClassVar[str] = "UPDATE {table} SET {column} = {value}"
    sql_drop_fk = "ALTER TABLE {table} DROP FOREIGN KEY {name}"
    sql_create_pk = "ALTER TABLE {table} ADD PRIMARY KEY ({column})"
    sql_drop_pk = "ALTER TABLE {table} DROP PRIMARY KEY"
    supports_partial_indexes = False
    writes_bare_boolean_conditions = False

    @classmethod
    def lock_comments(cls, statements: Sequence[str]) -> list[str | None]:
        """The metadata and row locks of each statement (``mysql_locks.py``)."""
        return comments_for(statements, mysql_locks.classify)

    @property
    def supports_expression_indexes(self) -> bool:  # type: ignore[override]
        """MySQL 8.0.13 and later; never MariaDB (as Django's feature flag)."""
        if getattr(self.dialect, "is_mariadb", False):
            return False
        version = getattr(self.dialect, "server_version_info", None)
        return version is not None and version >= (8, 0, 13)

    @property
    def is_mariadb(self) -> bool:
        return bool(getattr(self.dialect, "is_mariadb", False))

    def bare_column_type(self, field: Field, state: ProjectState) -> str:
        return self.column_type(field, state).removesuffix(" AUTO_INCREMENT")

    @property
    def has_native_uuid_field(self) -> bool:
        """MariaDB 10.7 and later have a ``uuid`` column type, which Django 5 uses; values
        are written as 32 hex digits (MariaDB reads them) and read back hyphenated."""
        version = getattr(self.dialect, "server_version_info", None)
        return self.is_mariadb and version is not None and version >= (10, 7)

    @property
    def data_types(self) -> dict[str, str]:  # type: ignore[override]
        if self.has_native_uuid_field:
            return {**_DATA_TYPES, "UUIDField": "uuid"}
        return _DATA_TYPES

    def like_sql(self, column: str, pattern: str) -> str:
        return f"{column} LIKE BINARY {pattern}"

    def lists_unique_constraint(self, constraint: UniqueConstraint, key: tuple[str, ...]) -> bool:
        # every unique key of one column reads back as that column's UNIQUE only
        return len(key) > 1

    def drop_check_sql(self, table: str, name: str) -> str:
        if self.is_mariadb:
            sql = (
                f"ALTER TABLE {self.quote_name(table)} DROP CONSTRAINT IF EXISTS "
                f"{self.quote_name(name)}"
            )
        else:
            sql = f"ALTER TABLE {self.quote_name(table)} DROP CHECK {self.quote_name(name)}"
        return self.online(sql, mysql_online.DROP_CHECK, table)

    def inline_comment_sql(self, field: Field) -> str | None:
        return f"COMMENT {self.render_literal(field.db_comment)}" if field.db_comment else None

    def table_comment_sql(self, table: str, comment: str | None) -> str | None:
        sql = f"ALTER TABLE {self.quote_name(table)} COMMENT = {self.render_literal(comment or '')}"
        return self.online(sql, mysql_online.TABLE_COMMENT, table)

    def __init__(
        self,
        connection: Connection | None = None,
        *,
        collect_sql: bool = False,
        atomic: bool = True,
        dialect: Dialect | None = None,
    ) -> None:
        # DDL commits implicitly: an atomic migration runs like a non-atomic one, each
        # operation in a transaction of its own, rather than pretend it could be rolled back.
        super().__init__(connection, collect_sql=collect_sql, atomic=False, dialect=dialect)
        self._foreign_key_to_restore: FieldChange | None = None
        #: CREATE TABLE under way (nested for through tables): its statements stay plain
        self._tables_being_made = 0
        #: the indexes the RemoveField under way drops before its column
        self._indexes_dropped_first: set[str] = set()
        #: (table, column) of TEXT, BLOB and JSON columns the live table may not show yet
        self._long_columns: set[tuple[str, str]] = set()
        #: tables given a unique TEXT, BLOB or JSON key by statements not run yet
        self._hash_keyed: set[str] = set()

    # -- online ALTER TABLE -------------------------------------------------------------------

    @property
    def server(self) -> mysql_online.Server:
        return mysql_online.Server.of(self.dialect)

    @classmethod
    def tables_holding_rows(cls, connection: Connection, tables: set[str]) -> set[str]:
        """The tables with a row (InnoDB's row count is an estimate: each table is looked at)."""
        quote = connection.dialect.identifier_preparer.quote
        found = {
            table
            for table in sorted(tables & set(cls.table_names(connection)))
            if connection.exec_driver_sql(
                f"SELECT 1 FROM {quote(table)} LIMIT 1", execution_options=_NO_PARAMETERS
            ).first()
        }
        if connection.in_transaction():
            connection.commit()
        return found

    @classmethod
    def table_rows(cls, connection: Connection, tables: set[str]) -> dict[str, int]:
        """InnoDB's estimate of each table's rows (``information_schema.tables.table_rows``)."""
        if not tables:
            return {}
        marks = ", ".join(["%s"] * len(tables))
        rows = connection.exec_driver_sql(
            "SELECT table_name, table_rows FROM information_schema.tables "
            f"WHERE table_schema = DATABASE() AND table_name IN ({marks})",
            tuple(sorted(tables)),
        )
        found = {name: int(count or 0) for name, count in rows}
        if connection.in_transaction():
            connection.commit()
        return found

    def online(self, sql: str, kind: str | None, table: str) -> str:
        """The statement asking for the ALGORITHM (and LOCK) a change of this kind can have
        on this server (``mysql_online.py``); as it is for a change with no online path
        (``kind`` None), for a table being created (empty) and for a table that MariaDB
        copies whatever the change (one with a unique TEXT or BLOB column)."""
        if kind is None or self._tables_being_made or self._copies_every_change(table):
            return sql
        return mysql_online.with_clause(sql, mysql_online.online_clause(kind, self.server))

    def _copies_every_change(self, table: str) -> bool:
        """Whether the live table has a unique key MariaDB keeps as a hash over a hidden
        generated column (of a TEXT, BLOB or JSON column): InnoDB cannot alter such a table
        in place at all."""
        if not self.is_mariadb:
            return False
        if table in self._hash_keyed:
            return True
        if self.connection is None:
            return False
        live_name = self._collected_table_renames.get(table, table)
        return bool(
            self.connection.exec_driver_sql(
                "SELECT 1 FROM information_schema.statistics WHERE "
                f"{_WHERE_TABLE} AND index_type = 'HASH' LIMIT 1",
                (live_name,),
            ).first()
        )

    #: templates whose statements are always the same kind of change
    _template_kinds: ClassVar[dict[str, str]] = {
        AlterTableSchemaEditor.sql_rename_column: mysql_online.RENAME_COLUMN,
        AlterTableSchemaEditor.sql_drop_default: mysql_online.COLUMN_DEFAULT,
        AlterTableSchemaEditor.sql_set_default: mysql_online.COLUMN_DEFAULT,
        sql_drop_fk: mysql_online.DROP_FOREIGN_KEY,
        sql_create_pk: mysql_online.ADD_PRIMARY_KEY,
    }

    def _sql(self, template: str, **names: str) -> str:
        sql = super()._sql(template, **names)
        return self.online(sql, self._template_kinds.get(template), names["table"])

    def create_model(self, state: ProjectState, model: ModelState) -> None:
        if any(field.unique and _is_long(field) for field in model.fields.values()):
            self._hash_keyed.add(self.model_table(model))
        self._tables_being_made += 1
        try:
            super().create_model(state, model)
        finally:
            self._tables_being_made -= 1

    def run(self, sql: str, params: Any = None) -> None:
        """Run a statement; the editor's own foreign key statements as they need: a count of
        the rows breaking the key raises DatabaseError unless it is 0, and (MySQL) a key added
        with checks off has them off for that statement alone."""
        if self.collect_sql or params is not None:
            super().run(sql, params)
        elif sql.startswith(_LOCKED):
            self._run_locked(sql)
        elif sql.startswith(_ORPHAN_CHECK):
            self._refuse_orphans(sql)
        elif sql.startswith(_CHECKS_OFF):
            with self._foreign_key_checks_off():
                super().run(sql)
        else:
            super().run(sql)

    # -- staged changes (``staged_columns.py``) -------------------------------------------------

    retypes_through_shadow = True

    def dual_write_statements(self, table: str, old: str, new: str) -> list[str]:
        """BEFORE triggers, one per event: an INSERT that leaves one column NULL gets the
        other's value; an UPDATE that changes one column changes the other alike."""
        quoted = self.quote_name(table)
        a, b = self.quote_name(old), self.quote_name(new)
        on_insert = (
            f"SET NEW.{b} = COALESCE(NEW.{b}, NEW.{a}), NEW.{a} = COALESCE(NEW.{a}, NEW.{b})"
        )
        on_update = (
            f"SET NEW.{a} = IF(NEW.{a} <=> OLD.{a} AND NOT (NEW.{b} <=> OLD.{b}), NEW.{b}, "
            f"NEW.{a}), NEW.{b} = IF(NEW.{a} <=> OLD.{a}, NEW.{b}, NEW.{a})"
        )
        return [
            f"CREATE TRIGGER IF NOT EXISTS {self.sync_trigger(table, old, new, '_i')} BEFORE "
            f"INSERT ON "
            f"{quoted} FOR EACH ROW {on_insert}",
            f"CREATE TRIGGER IF NOT EXISTS {self.sync_trigger(table, old, new, '_u')} BEFORE "
            f"UPDATE ON "
            f"{quoted} FOR EACH ROW {on_update}",
        ]

    def swap_in_shadow(
        self,
        from_state: ProjectState,
        to_state: ProjectState,
        model: ModelState,
        old: Field,
        shadow: Field,
        final: Field,
    ) -> None:
        """Contract a type change without a moment where a write goes uncopied: the old
        column's indexes go first (in place), then, with the table locked against writes for
        those few statements, the triggers are dropped and one ALTER drops the old column and
        renames the new one (both catalog changes); the new column's indexes get their names
        and it becomes NOT NULL in place after, with writers going on."""
        table = self.model_table(model)
        quoted = self.quote_name(table)
        remaining = model.clone()
        remaining.fields.pop(old.name)
        after = to_state.get_model(model.app_label, model.name)
        with self._operation():
            for name in self._indexes_of_column(table, old.column):
                self.run(self.drop_index_sql(table, name))
            source, target = self.quote_name(old.column), self.quote_name(shadow.column)
            swap = self.online(
                f"ALTER TABLE {quoted} DROP COLUMN {source}, RENAME COLUMN {target} TO "
                f"{self.quote_name(final.column)}",
                mysql_online.DROP_COLUMN,
                table,
            )
            self.run(
                ";\n".join(
                    [
                        f"{_LOCKED}{quoted} WRITE",
                        f"{_CATCH_UP}UPDATE {quoted} SET {target} = {source} "
                        f"WHERE NOT ({target} <=> {source})",
                        *self.drop_dual_write_statements(table, old.column, shadow.column),
                        swap,
                        "UNLOCK TABLES",
                    ]
                )
            )
            self.note_column_rename(table, shadow.column, final.column)
            placed = remaining.clone()
            placed.shadows.pop(shadow.name)
            nullable = as_column(shadow, final.name, final.column)
            placed.fields[final.name] = nullable
            # the shadow's index is this operation's own: it is renamed whatever the live
            # table says before the operation (where the old column's index has the name)
            with self._live_behind():
                self.rename_generated_indexes(
                    self.table_definition(remaining),
                    self.table_definition(placed),
                    {shadow.name: final.name},
                    to_state,
                )
            self.alter_field(to_state, to_state, placed, after, nullable, without_default(final))

    def _is_live_column(self, table: str, column: str) -> bool:
        """Whether the live table has the column yet (statements collected before this one
        may add it: its rows are then checked when they run)."""
        if self.connection is None or not self.collect_sql:
            return True
        live = self._live_table(table)
        return live is not None and column in live.columns

    def _indexes_of_column(self, table: str, column: str) -> list[str]:
        """The live indexes whose first column is ``column``, unique keys included: dropped
        before the column, they go in place."""
        if self.connection is None:
            return []
        rows = self.connection.exec_driver_sql(
            "SELECT DISTINCT index_name FROM information_schema.statistics WHERE "
            f"{_WHERE_TABLE} AND column_name = %s AND seq_in_index = 1 "
            "AND index_name <> 'PRIMARY'",
            (table, column),
        )
        return sorted(name for (name,) in rows)

    def _run_locked(self, sql: str) -> None:
        """Statements run while the table is locked (LOCK TABLES ... UNLOCK TABLES, one per
        line). A line marked ``_CATCH_UP`` runs only when the triggers the lines drop are gone
        already: an interrupted run dropped them, and writes since went uncopied."""
        lock, *body, unlock = sql.split(";\n")
        super().run(lock.removeprefix(_LOCKED_MARK))
        try:
            names = [match[1] for line in body if (match := _DROP_TRIGGER.match(line)) is not None]
            present = {
                name
                for (name,) in self.query(
                    "SELECT trigger_name FROM information_schema.triggers WHERE "
                    "trigger_schema = DATABASE()"
                )
            }
            triggers_gone = any(name not in present for name in names)
            for line in body:
                if line.startswith(_CATCH_UP):
                    if triggers_gone:
                        super().run(line.removeprefix(_CATCH_UP))
                else:
                    super().run(line)
        finally:
            super().run(unlock)

    # -- foreign keys added online ------------------------------------------------------------

    def add_foreign_key_statements(
        self, table: str, column: str, to_table: str, to_column: str
    ) -> list[str]:
        """With the rows checked first, an ALTER with foreign_key_checks off for it alone, so
        InnoDB adds the key in place (with checks on it copies the table), then the rows
        checked again: a row written meanwhile may name no row.

        Rows that would break the key are refused before anything is run; the checks are
        statements of their own, so a resumed run makes them too.
        """
        sql = self.create_fk_sql(table, column, to_table, to_column)
        if self._tables_being_made or self._copies_every_change(table):
            return [sql]  # the copy checks every row itself
        sql = mysql_online.with_clause(
            sql, mysql_online.online_clause(mysql_online.ADD_FOREIGN_KEY, self.server)
        )
        if self.server.has_set_statement:
            sql = f"SET STATEMENT foreign_key_checks=0 FOR {sql}"
        else:
            sql = f"{_CHECKS_OFF}{sql}"
        if not self.collect_sql or self.planning:
            self._refuse_live_orphans(table, column, to_table, to_column)
        return [
            self._orphan_check_sql("before", table, column, to_table, to_column),
            sql,
            self._orphan_check_sql("after", table, column, to_table, to_column),
        ]

    def _orphan_check_sql(
        self, stage: str, table: str, column: str, to_table: str, to_column: str
    ) -> str:
        """A SELECT of (stage, table, column, to_table, number of rows whose value names no
        row of to_table); the stage says whether the key is in place yet."""
        child, parent = self.quote_name(table), self.quote_name(to_table)
        key = f"`child`.{self.quote_name(column)}"  # aliased: the key may point at its table
        labels = ", ".join(self.render_literal(text) for text in (stage, table, column, to_table))
        return (
            f"{_ORPHAN_CHECK}{labels}, COUNT(*) FROM {child} AS `child` WHERE {key} IS NOT NULL "
            f"AND NOT EXISTS (SELECT 1 FROM {parent} AS `parent` "
            f"WHERE `parent`.{self.quote_name(to_column)} = {key})"
        )

    def _refuse_live_orphans(self, table: str, column: str, to_table: str, to_column: str) -> None:
        """Refuse, before any statement of the operation runs, a key that rows of the live
        tables would break (a column or table made earlier in the operation has none)."""
        if self.connection is None:
            return
        live_table = self._collected_table_renames.get(table, table)
        live_column = self._collected_column_renames.get(table, {}).get(column, column)
        live = self._live_table(table)
        if live is None or column not in live.columns or not self._table_exists(to_table):
            return
        check = self._orphan_check_sql(
            "planned",
            live_table,
            live_column,
            self._collected_table_renames.get(to_table, to_table),
            to_column,
        )
        count = self._rows(check)[0][4]
        if count:
            raise DatabaseError(_orphans_message("planned", table, column, to_table, count))

    def _refuse_orphans(self, sql: str) -> None:
        stage, table, column, to_table, count = self.query(sql)[0]
        if count:
            raise DatabaseError(_orphans_message(stage, table, column, to_table, count))

    @contextmanager
    def _foreign_key_checks_off(self) -> Iterator[None]:
        """foreign_key_checks off in this session for one statement, then as it was; a session
        whose setting could not be put back is discarded rather than pooled."""
        (was,) = self._rows("SELECT @@SESSION.foreign_key_checks")[0]
        self.connection.exec_driver_sql("SET SESSION foreign_key_checks = 0")
        try:
            yield
        finally:
            try:
                self.connection.exec_driver_sql(f"SET SESSION foreign_key_checks = {int(was)}")
            except sa_exc.DBAPIError:
                self.connection.invalidate()
                raise

    # -- statements ---------------------------------------------------------------------------

    def _rows(self, sql: str) -> list[Any]:
        """Rows of a read-only statement on the live database (never collected)."""
        return list(self.connection.exec_driver_sql(sql, execution_options=_NO_PARAMETERS))

    def lock_timeout_sql(self, seconds: float | None) -> str | None:
        """lock_wait_timeout counts whole seconds, 1 at least (0 would not wait at all, and
        an online ALTER must wait a moment for its metadata lock at the end)."""
        if seconds is None:
            return "SET SESSION lock_wait_timeout = DEFAULT"
        return f"SET SESSION lock_wait_timeout = {max(1, math.ceil(seconds))}"

    def split_statements(self, sql: str) -> list[str]:
        """Split at the semicolons outside strings, quoted names and comments."""
        return split_sql(sql)

    def render_literal(self, value: Any) -> str:
        return super().render_literal(value).replace("%%", "%")

    # -- definitions --------------------------------------------------------------------------

    def column_check(self, field: Field, column: str) -> str | None:
        return None  # checks live in the column definition: see column_definition_check

    def column_definition_check(self, field: Field, column: str) -> str | None:
        """The CHECK expression written in the field's column definition, if any."""
        if field.is_relation:
            return None
        template = self.column_checks.get(field.get_internal_type())
        return template.format(column=self.quote_name(column)) if template else None

    def db_default_sql(self, field: Field) -> str:
        """As Django: MySQL (not MariaDB) takes a literal default of a TEXT, BLOB or JSON
        column only written as an expression, in parentheses."""
        sql = super().db_default_sql(field)
        is_mariadb = getattr(self.dialect, "is_mariadb", False)
        if _is_long(field) and not is_mariadb and not sql.startswith("("):
            return f"({sql})"
        return sql

    def column_definition(
        self,
        field: Field,
        state: ProjectState,
        column: str | None = None,
        default: str | None = None,
    ) -> str:
        definition = super().column_definition(field, state, column, default)
        check = self.column_definition_check(field, column or field.column)
        return f"{definition} CHECK ({check})" if check else definition

    def modify_definition(self, field: Field, state: ProjectState, null: bool | None = None) -> str:
        """What MODIFY writes: type, database default, NULL or NOT NULL, CHECK (the keys stay
        as they are)."""
        is_null = field.null if null is None else null
        parts = [self.column_type(field, state)]
        comment = self.inline_comment_sql(field)
        if comment:
            parts.append(comment)
        if field.has_db_default():
            parts.append(f"DEFAULT {self.db_default_sql(field)}")
        parts.append("NULL" if is_null else "NOT NULL")
        check = self.column_definition_check(field, field.column)
        if check:
            parts.append(f"CHECK ({check})")
        return " ".join(parts)

    def modify_sql(
        self,
        table: str,
        field: Field,
        state: ProjectState,
        null: bool | None = None,
        kind: str | None = None,
    ) -> str:
        """MODIFY, asking for what a change of ``kind`` allows (None: a new type, which
        copies the table)."""
        definition = self.modify_definition(field, state, null)
        sql = self._sql(
            self.sql_modify_column, table=table, column=field.column, definition=definition
        )
        return self.online(sql, kind, table)

    @staticmethod
    def field_needs_index(field: Field) -> bool:
        """As Django on MySQL: no db_index index on a TEXT, BLOB or JSON column, nor on a
        foreign key with its constraint, whose index InnoDB makes (named after the key)."""
        if field.is_relation and field.db_constraint and field.get_internal_type() == "ForeignKey":
            return False
        return AlterTableSchemaEditor.field_needs_index(field) and not _is_long(field)

    def meta_index_sql(
        self, definition: TableDefinition, index: Index, state: ProjectState | None = None
    ) -> str:
        """CREATE INDEX, indexing a prefix of TEXT and BLOB columns (MySQL cannot index
        them whole). A condition and include columns are left out, as Django leaves them
        (models.W037, models.W040). An index of expressions (MySQL) is a hidden generated
        column too, and is created as it is."""
        if index.expressions:
            return self.index_sql(definition, state, index)
        parts = []
        for name, order in index.fields_orders:
            field = definition.get_field(name)
            prefix = f"({_INDEX_PREFIX_LENGTH})" if _is_long(field) else ""
            parts.append(f"{self.quote_name(field.column)}{prefix} {order}".rstrip())
        sql = (
            f"CREATE INDEX {self.quote_name(index.name)} ON {self.quote_name(definition.table)} "
            f"({', '.join(parts)})"
        )
        return self.online(sql, mysql_online.ADD_INDEX, definition.table)

    def create_index_sql(
        self, name: str, table: str, columns: list[str], orders: list[str] | None = None
    ) -> str:
        sql = super().create_index_sql(name, table, columns, orders)
        return self.online(sql, mysql_online.ADD_INDEX, table)

    def create_unique_sql(self, name: str, table: str, columns: list[str]) -> str:
        """A unique key of a TEXT, BLOB or JSON column is a hash over a hidden generated
        column on MariaDB, which only a copy of the table can add."""
        kind = mysql_online.ADD_INDEX
        if self._has_long_column(table, columns):
            kind = None
            self._hash_keyed.add(table)
        return self.online(super().create_unique_sql(name, table, columns), kind, table)

    def create_constraint_sql(
        self, definition: TableDefinition, state: ProjectState, constraint: BaseConstraint
    ) -> str | None:
        """A CHECK constraint is added as it is (InnoDB validates the rows by copying the
        table), as is a unique index of expressions; a unique constraint of columns is built
        in place, unless one is a TEXT, BLOB or JSON column (see create_unique_sql)."""
        sql = super().create_constraint_sql(definition, state, constraint)
        if sql is None or not isinstance(constraint, UniqueConstraint) or constraint.expressions:
            return sql
        if any(_is_long(definition.get_field(name)) for name in constraint.fields):
            self._hash_keyed.add(definition.table)
            return sql
        return self.online(sql, mysql_online.ADD_INDEX, definition.table)

    def drop_index_sql(self, table: str, name: str) -> str:
        """``ALTER TABLE ... DROP INDEX``: MariaDB's ``DROP INDEX ... ON`` takes no ALGORITHM."""
        sql = f"ALTER TABLE {self.quote_name(table)} DROP INDEX {self.quote_name(name)}"
        return self.online(sql, mysql_online.DROP_INDEX, table)

    def drop_unique_sql(self, table: str, name: str) -> str:
        return self.drop_index_sql(table, name)

    def rename_index_statements(
        self, table: str, old_name: str, new_name: str, columns: list[str], unique: bool
    ) -> list[str]:
        sql = (
            f"ALTER TABLE {self.quote_name(table)} RENAME INDEX {self.quote_name(old_name)} "
            f"TO {self.quote_name(new_name)}"
        )
        return [self.online(sql, mysql_online.RENAME_INDEX, table)]

    def _has_long_column(self, table: str, columns: list[str]) -> bool:
        """Whether a TEXT, BLOB or JSON column is among these, as the change under way or the
        live table says."""
        if any((table, column) in self._long_columns for column in columns):
            return True
        live = self._live_table(table) if self.connection is not None else None
        return live is not None and any(
            column in live.columns and _is_long_type(live.columns[column].type)
            for column in columns
        )

    # -- indexes a foreign key uses ----------------------------------------------------------

    def remove_index(self, state: ProjectState, model: ModelState, index: Index) -> None:
        if is_managed(model):
            with self._operation():
                self._keep_foreign_key_indexes(self.model_table(model), {index.name})
                super().remove_index(state, model, index)

    def remove_constraint(
        self, state: ProjectState, model: ModelState, constraint: BaseConstraint
    ) -> None:
        if is_managed(model) and isinstance(constraint, UniqueConstraint):
            with self._operation():
                if self.creates_constraint(constraint):
                    self._keep_foreign_key_indexes(self.model_table(model), {constraint.name})
                super().remove_constraint(state, model, constraint)
            return
        super().remove_constraint(state, model, constraint)

    def alter_unique_together(
        self,
        from_state: ProjectState,
        to_state: ProjectState,
        old_model: ModelState,
        new_model: ModelState,
    ) -> None:
        if not is_managed(new_model):
            return
        table = self.model_table(new_model)
        definition = self.table_definition(old_model)
        dropped = set()
        for group in set(old_model.unique_together) - set(new_model.unique_together):
            columns = definition.columns(group)
            dropped.add(
                self._existing_unique_index(table, columns)
                or self.unique_together_name(table, columns)
            )
        with self._operation():
            self._keep_foreign_key_indexes(table, dropped)
            super().alter_unique_together(from_state, to_state, old_model, new_model)

    def _keep_foreign_key_indexes(self, table: str, dropped: set[str], skip: str = "") -> None:
        """InnoDB refuses to drop the last index a foreign key can use (one it made for the key
        may have given way to a unique_together or Meta index starting with the column): give
        such a key an index of its own first, named after it as InnoDB would."""
        if self.connection is None or not dropped:
            return
        indexes = _index_rows(self.connection, table)
        for name, column, _to_table, _to_column in _foreign_key_rows(self.connection, table):
            usable = {
                index for index, (_unique, columns) in indexes.items() if columns[0][0] == column
            }
            if column != skip and usable and usable <= dropped:
                self.run(self.create_index_sql(name, table, [column]))

    # -- adding a field -----------------------------------------------------------------------

    def add_field(self, state: ProjectState, model: ModelState, field: Field) -> None:
        """ADD COLUMN as AlterTableSchemaEditor does, refused first where existing rows would
        get no value."""
        if not is_managed(model):
            return
        default = self.effective_default(field)
        if field.has_db_default() or field.generated:
            pass  # the database fills the existing rows
        elif not field.null and default is None:
            self._refuse_rows_without_value(self.model_table(model), field)
        elif default is not None:
            self._refuse_default_rows_break(state, self.model_table(model), field, default)
        super().add_field(state, model, field)

    def _refuse_default_rows_break(
        self, state: ProjectState, table: str, field: Field, default: Any
    ) -> None:
        """Refuse up front a default that existing rows would break a key with: the same value
        in a unique column on several rows, or a foreign key to no row."""
        if self.collect_sql and not self.planning:
            return
        if _is_unique(field) and self._has_rows(table, offset=1):
            raise DatabaseError(
                f"Cannot add unique column {field.column!r} to table {table!r}: every existing "
                "row would get the same default value. Add it without unique=True, fill in "
                "distinct values, then make it unique."
            )
        reference = self._reference(field, state)
        if reference is not None and self._has_rows(table):
            to_table, to_column = reference
            value = self.quote_value(default, field, state)
            if not self._has_rows(to_table, f"{self.quote_name(to_column)} = {value}"):
                raise DatabaseError(
                    f"Cannot add foreign key column {field.column!r} to table {table!r}: its "
                    f"default {value} names no row of {to_table!r}. Give it a default that "
                    "exists, or add it with null=True."
                )

    def remove_field(self, state: ProjectState, model: ModelState, field: Field) -> None:
        if not is_managed(model):
            return
        table = self.model_table(model)
        definition = self.table_definition(model)
        names = {field.name, field.attname}
        dropped = {index.name for index in model.indexes if _names_field(index, names)}
        for group in model.unique_together:
            if not names.isdisjoint(group):
                columns = definition.columns(group)
                dropped.add(
                    self._existing_unique_index(table, columns)
                    or self.unique_together_name(table, columns)
                )
        with self._operation():
            self._keep_foreign_key_indexes(table, dropped, skip=field.column)
            self._indexes_dropped_first = dropped
            try:
                super().remove_field(state, model, field)
            finally:
                self._indexes_dropped_first = set()

    def drop_column_sql(self, table: str, field: Field) -> str:
        """DROP COLUMN: instant where no index that stays covers the column; where one does,
        InnoDB rebuilds the table without it, in place."""
        kind = mysql_online.DROP_INDEXED_COLUMN if self._stays_indexed(table, field) else None
        sql = super().drop_column_sql(table, field)
        return self.online(sql, kind or mysql_online.DROP_COLUMN, table)

    def _stays_indexed(self, table: str, field: Field) -> bool:
        """Whether an index covers the column when DROP COLUMN runs: its own (unique, db_index,
        the one InnoDB made for its foreign key) or a live one the operation does not drop."""
        if field.primary_key or field.unique or self.field_needs_index(field):
            return True
        if field.is_relation and field.db_constraint:
            return True
        if self.connection is None or not self._table_exists(table):
            return False
        live_table = self._collected_table_renames.get(table, table)
        live_column = self._collected_column_renames.get(table, {}).get(field.column, field.column)
        return any(
            name not in self._indexes_dropped_first
            and live_column in (column for column, _order in columns)
            for name, (_unique, columns) in _index_rows(self.connection, live_table).items()
        )

    def add_column_statements(
        self, state: ProjectState, table: str, field: Field, keep_default: bool = False
    ) -> list[str]:
        """A TEXT, BLOB or JSON column takes no literal DEFAULT on MySQL 8: it is added NULL,
        filled by UPDATE, then made NOT NULL (so it keeps no default)."""
        statements = self._add_column_statements(state, table, field, keep_default)
        statements[0] = self.online(statements[0], _add_column_kind(field), table)
        if field.unique and _is_long(field):
            self._hash_keyed.add(table)
        return statements

    def _add_column_statements(
        self, state: ProjectState, table: str, field: Field, keep_default: bool
    ) -> list[str]:
        default = self.effective_default(field)
        long_kind = field.get_internal_type() in _LONG_KINDS
        if default is None or not long_kind or field.has_db_default():
            return super().add_column_statements(state, table, field, keep_default)
        literal = self.quote_value(default, field, state)
        definition = self.modify_definition(field, state, null=True)
        statements = [
            self._sql(self.sql_add_column, table=table, column=field.column, definition=definition),
            self._sql(self.sql_fill_column, table=table, column=field.column, value=literal),
        ]
        if not field.null:
            statements.append(self.modify_sql(table, field, state, kind=mysql_online.NULLABILITY))
        return statements

    def _refuse_rows_without_value(self, table: str, field: Field) -> None:
        """MySQL would give existing rows 0 or '' in a new NOT NULL column; refuse instead."""
        if (self.collect_sql and not self.planning) or not self._has_rows(table):
            return
        raise DatabaseError(
            f"Cannot add NOT NULL column {field.column!r} to table {table!r}: existing rows "
            "would have no value for it. Give the field a default, or add it with null=True "
            "and fill it in first."
        )

    def _has_rows(self, table: str, where: str = "", offset: int = 0) -> bool:
        """Whether the table has a row (matching ``where``); past ``offset`` rows."""
        if self.connection is None:
            return False
        if self.collect_sql and not self._table_exists(table):
            return False  # made earlier in the SQL being collected: it has no rows yet
        condition = f" WHERE {where}" if where else ""
        return bool(
            self._rows(
                f"SELECT 1 FROM {self.quote_name(table)}{condition} LIMIT 1 OFFSET {int(offset)}"
            )
        )

    # -- altering a field ---------------------------------------------------------------------

    def alter_column_type_statements(self, change: FieldChange) -> list[str]:
        """MODIFY with the new type; the column keeps the NULL-ness the field gives it."""
        if self.column_type(change.old, change.from_state) == self.column_type(
            change.new, change.to_state
        ):
            return []
        return [self.modify_sql(change.table, change.new, change.to_state)]

    def alter_column_null_sql(self, table: str, field: Field, state: ProjectState) -> str:
        return self.modify_sql(table, field, state, kind=mysql_online.NULLABILITY)

    def _alter_column(self, change: FieldChange) -> None:
        """RENAME COLUMN, then one MODIFY for the type, NULL-ness and CHECK together; NULLs
        get the default first, and without one the change is refused while NULLs remain
        (checked before any statement, so a refusal changes nothing)."""
        table, old, new = change.table, change.old, change.new
        checks_differ = self.column_definition_check(
            old, new.column
        ) != self.column_definition_check(new, new.column)
        modifies = (
            change.retyped
            or old.null != new.null
            or checks_differ
            or old.db_comment != new.db_comment
        )
        fill = None
        if modifies and old.null and not new.null:
            fill = self.fill_value(change)
            if (
                fill is None
                and self._is_live_column(table, old.column)
                and self._has_rows(table, f"{self.quote_name(old.column)} IS NULL")
            ):
                raise DatabaseError(
                    f"Cannot make column {new.column!r} of table {table!r} NOT NULL: some rows "
                    "hold NULL in it. Give the field a default, or fill the column first."
                )
        if change.renamed:
            self.run(self._sql(self.sql_rename_column, table=table, old=old.column, new=new.column))
            self.note_column_rename(table, old.column, new.column)
        if not modifies:
            for statement in self.db_default_statements(change):
                self.run(statement)
            return
        if fill is not None:
            if table in self.online_tables and not (new.has_db_default() or _is_long(new)):
                # rows the previous app version inserts meanwhile get the value (MODIFY then
                # leaves the column without a default, as the state has it)
                self.run(
                    self._sql(self.sql_set_default, table=table, column=new.column, value=fill)
                )
            for statement in self.fill_nulls_statements(change, fill):
                self.run(statement)
        if change.retyped:
            kind = None  # no online path: InnoDB copies the table
        elif old.null != new.null:
            kind = mysql_online.NULLABILITY
        elif checks_differ:
            kind = mysql_online.COLUMN_CHECK
        else:
            kind = mysql_online.COLUMN_COMMENT
        self.run(self.modify_sql(table, new, change.to_state, kind=kind))

    def _drop_before_alter(self, change: FieldChange) -> None:
        """A foreign key that stays is dropped until the end of the change when its column is
        renamed (a table InnoDB must copy cannot rename it) or loses the index the key uses."""
        old, new = change.old, change.new
        if _is_long(new):
            self._long_columns.add((change.table, new.column))
        adds_key = change.rereferenced and change.new_reference is not None
        if adds_key and (not self.collect_sql or self.planning):
            self._refuse_live_orphans(change.table, old.column, *change.new_reference)
        loses_index = (self.field_needs_index(old) and not self.field_needs_index(new)) or (
            _is_unique(old) and not _is_unique(new)
        )
        self._foreign_key_to_restore = None
        stays = change.old_reference is not None and not change.rereferenced
        if stays and (loses_index or change.renamed):
            self._drop_own_foreign_key(change)
            self._foreign_key_to_restore = change
        super()._drop_before_alter(change)

    def _drop_own_foreign_key(self, change: FieldChange) -> None:
        """Drop the key, and the index InnoDB made for it (named after the key): what indexes
        the column afterwards is the field's to say."""
        if change.old_reference is None:
            return
        table, column = change.table, change.old.column
        predicted = self.foreign_key_name(table, column, *change.old_reference)
        names = self._constraint_names(table, "foreign_key", [column], predicted)
        indexes = _index_rows(self.connection, table) if self.connection is not None else {}
        for name in names:
            self.run(self._sql(self.sql_drop_fk, table=table, name=name))
            if name in indexes:
                self.run(self.drop_index_sql(table, name))

    def _add_after_alter(self, change: FieldChange) -> None:
        super()._add_after_alter(change)
        if self._foreign_key_to_restore is change:
            self._foreign_key_to_restore = None
            self._add_own_foreign_key(change)

    # -- introspection ------------------------------------------------------------------------

    @classmethod
    def table_names(cls, connection: Connection) -> list[str]:
        rows = connection.exec_driver_sql(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'"
        )
        return sorted(name for (name,) in rows)

    @classmethod
    def table_fingerprint(cls, connection: Connection, table: str) -> str | None:
        """``SHOW CREATE TABLE`` without the AUTO_INCREMENT counter; None: no such table."""
        quoted = connection.dialect.identifier_preparer.quote_identifier(table).replace("%%", "%")
        try:
            row = connection.exec_driver_sql(
                f"SHOW CREATE TABLE {quoted}", execution_options=_NO_PARAMETERS
            ).first()
        except sa_exc.DBAPIError as exc:
            if _error_code(exc) in (_NO_SUCH_TABLE, _NOT_BASE_TABLE):
                return None
            raise
        return _AUTO_INCREMENT.sub("", row[1]) if row else None

    @classmethod
    def read_table(cls, connection: Connection, table: str) -> TableInfo | None:
        """information_schema, with types in the words ``column_type()`` declares them.

        Indexes InnoDB made for a foreign key (named after the constraint) are not listed, and
        one-column unique indexes only as the column's UNIQUE.
        """
        rows = connection.exec_driver_sql(
            "SELECT column_name, column_type, is_nullable, column_key, extra, column_default "
            f"FROM information_schema.columns WHERE {_WHERE_TABLE} ORDER BY ordinal_position",
            (table,),
        ).fetchall()
        if not rows:
            return None
        json_columns = _json_columns(connection, table)
        columns = {
            name: ColumnInfo(
                name,
                declared_type(column_type, extra, name in json_columns),
                nullable == "YES",
                key == "PRI",
                _reported_default(default),
            )
            for name, column_type, nullable, key, extra, default in rows
        }
        foreign_key_rows = _foreign_key_rows(connection, table)
        foreign_keys = frozenset(
            ForeignKeyInfo(column, to_table, to_column)
            for _name, column, to_table, to_column in foreign_key_rows
        )
        constraint_names = {name for name, _column, _to_table, _to_column in foreign_key_rows}
        unique, indexes = set(), {}
        for name, (is_unique, key_columns) in _index_rows(connection, table).items():
            names = tuple(column for column, _order in key_columns)
            if name == "PRIMARY":
                continue
            if is_unique:
                unique.add(names)
                if len(names) == 1:
                    continue
            elif name in constraint_names:
                continue
            orders = tuple(order for _column, order in key_columns)
            indexes[name] = IndexInfo(name, names, is_unique, orders)
        return TableInfo(table, columns, foreign_keys, frozenset(unique), indexes)


def declared_type(column_type: str, extra: str, is_json: bool = False) -> str:
    """A column type as information_schema reports it, in ``data_types`` words:
    ``int(11) unsigned`` -> ``integer unsigned``, ``tinyint(1)`` -> ``bool``."""
    declared = column_type.lower()
    if is_json or declared == "json":
        declared = "json"
    elif declared == "tinyint(1)":
        declared = "bool"
    elif declared == "double":
        declared = "double precision"
    elif declared.startswith("decimal("):
        digits, _, places = declared[len("decimal(") : -1].partition(",")
        declared = f"numeric({digits.strip()}, {places.strip()})"
    else:
        match = _INTEGER_TYPE.match(declared)
        if match:
            kind = _INTEGER_NAMES.get(match.group(1), match.group(1))
            declared = kind + match.group("rest")
    if "auto_increment" in extra.lower():
        declared += " auto_increment"
    return declared


_WHERE_TABLE = "table_schema = DATABASE() AND CAST(table_name AS BINARY) = CAST(%s AS BINARY)"


def _foreign_key_rows(connection: Connection, table: str) -> list[tuple[str, str, str, str]]:
    """(constraint name, column, to_table, to_column) per foreign key of the table."""
    rows = connection.exec_driver_sql(
        "SELECT constraint_name, column_name, referenced_table_name, referenced_column_name "
        f"FROM information_schema.key_column_usage WHERE {_WHERE_TABLE} "
        "AND referenced_table_name IS NOT NULL",
        (table,),
    )
    return [tuple(row) for row in rows]


def _index_rows(
    connection: Connection, table: str
) -> dict[str, tuple[bool, list[tuple[str, str]]]]:
    """name -> (unique, [(column, "ASC" or "DESC"), ...])."""
    indexes: dict[str, tuple[bool, list[tuple[str, str]]]] = {}
    for name, non_unique, column, collation in connection.exec_driver_sql(
        "SELECT index_name, non_unique, column_name, collation FROM information_schema.statistics "
        f"WHERE {_WHERE_TABLE} ORDER BY index_name, seq_in_index",
        (table,),
    ):
        entry = indexes.setdefault(name, (not int(non_unique), []))
        entry[1].append((column or "<expression>", "DESC" if collation == "D" else "ASC"))
    return indexes


def _json_columns(connection: Connection, table: str) -> set[str]:
    """MariaDB's JSON is longtext with a ``json_valid`` CHECK named after the column."""
    if not getattr(connection.dialect, "is_mariadb", False):
        return set()
    rows = connection.exec_driver_sql(
        "SELECT constraint_name, check_clause FROM information_schema.check_constraints "
        "WHERE constraint_schema = DATABASE() "
        "AND CAST(table_name AS BINARY) = CAST(%s AS BINARY)",
        (table,),
    )
    return {
        name
        for name, clause in rows
        if "".join(clause.split()).lower() == f"json_valid(`{name.lower()}`)"
    }


#: a row failing a CHECK constraint: MySQL's 3819, MariaDB's 4025 (PyMySQL reports them as
#: OperationalError; Django, as IntegrityError)
_CHECK_FAILED = (3819, 4025)


def _failed_check_is_integrity_error(context: Any) -> sa_exc.IntegrityError | None:
    """Raise a row that fails a CHECK constraint as IntegrityError, as Django does."""
    error = context.sqlalchemy_exception
    if isinstance(error, sa_exc.OperationalError) and _error_code(error) in _CHECK_FAILED:
        return sa_exc.IntegrityError(
            context.statement, context.parameters, context.original_exception
        )
    return None


def _orphans_message(stage: str, table: str, column: str, to_table: str, count: int) -> str:
    """Why a foreign key was refused, and what stands: nothing (planned), the statements
    before the key (before), or the key itself (after: rows were written while it was added)."""
    rows = f"{count} row{'s' if count != 1 else ''} of table {table!r}"
    problem = f"{rows} hold{'s' if count == 1 else ''} a {column} that names no row of {to_table!r}"
    remedy = (
        f"delete those rows or set {column} to NULL or to a row that exists, then run migrate again"
    )
    if stage == "after":
        return (
            f"The foreign key on {table}.{column} was added, but {problem} (written while it "
            f"was being added). The key now refuses such rows; {remedy}: it checks the rows "
            "again and carries on."
        )
    stands = (
        "Nothing was changed."
        if stage == "planned"
        else "The key was not added; the statements before it stay."
    )
    return f"Cannot add a foreign key on {table}.{column}: {problem}. {stands} To go on, {remedy}."


def _error_code(exc: sa_exc.DBAPIError) -> int | None:
    args = getattr(exc.orig, "args", ())
    return args[0] if args and isinstance(args[0], int) else None


def _names_field(index: Index, names: set[str]) -> bool:
    return not names.isdisjoint(name for name, _order in index.fields_orders)


def _add_column_kind(field: Field) -> str | None:
    """How ADD COLUMN can go online: instant, in place for a unique or key column (its index is
    built), not at all for a stored generated or AUTO_INCREMENT column (the table is copied)."""
    if getattr(field, "db_persist", False) or field.primary_key:
        return None
    if field.get_internal_type() in ("AutoField", "BigAutoField", "SmallAutoField"):
        return None
    if field.unique:
        return None if _is_long(field) else mysql_online.ADD_INDEX
    return mysql_online.ADD_COLUMN


def _is_long_type(declared: str) -> bool:
    """Whether a live column's type (as ``declared_type`` words it) is TEXT, BLOB or JSON."""
    return declared == "json" or declared.endswith(("text", "blob"))


def _is_long(field: Field) -> bool:
    return not field.is_relation and field.get_internal_type() in _LONG_KINDS


def _is_unique(field: Field) -> bool:
    return bool(field.unique and not field.primary_key)


def split_sql(sql: str) -> list[str]:
    """The statements of a MySQL script: split at ``;`` outside quotes and comments."""
    statements, current, index, length = [], [], 0, len(sql)
    while index < length:
        char = sql[index]
        if char in "'\"`":
            end = _quoted_end(sql, index)
            current.append(sql[index:end])
            index = end
            continue
        if sql.startswith("--", index) or char == "#":
            end = sql.find("\n", index)
            end = length if end == -1 else end
            current.append(sql[index:end])
            index = end
            continue
        if sql.startswith("/*", index):
            end = sql.find("*/", index + 2)
            end = length if end == -1 else end + 2
            current.append(sql[index:end])
            index = end
            continue
        if char == ";":
            statements.append("".join(current))
            current = []
        else:
            current.append(char)
        index += 1
    statements.append("".join(current))
    return [statement.strip() for statement in statements if statement.strip()]


def _quoted_end(sql: str, start: int) -> int:
    """The index after the quoted string or name starting at ``start``."""
    quote, index = sql[start], start + 1
    while index < len(sql):
        char = sql[index]
        if char == "\\" and quote != "`":
            index += 2
            continue
        if char == quote:
            if sql.startswith(quote * 2, index):
                index += 2
                continue
            return index + 1
        index += 1
    return len(sql)


def _reported_default(default: str | None) -> str | None:
    """MariaDB reports the default of a nullable column without one as the text ``NULL``."""
    return None if default is None or default == "NULL" else default


# -- the backend ------------------------------------------------------------------------------


class MicrosecondDateTimeFormat(DateTimeFormat):
    def column_type(self) -> Any:
        return mysql.DATETIME(fsp=6)


class MicrosecondTimeFormat(TimeFormat):
    def column_type(self) -> Any:
        return mysql.TIME(fsp=6)


class FiniteFloatFormat(FloatFormat):
    """DOUBLE holds neither NaN nor infinity: they are refused before the statement runs."""

    def to_db(self, value: Any, spec: Any) -> Any:
        if is_special_float(value):
            raise ValueError(
                f"FloatField value {value!r} cannot be stored on MySQL/MariaDB: DOUBLE holds "
                "no NaN or infinity."
            )
        return value


class MySQLBackend(Backend):
    """MySQL and MariaDB through PyMySQL; every DDL statement commits on its own."""

    name = "mysql"
    dialect_names = ("mysql", "mariadb")
    default_drivers = {"mysql": "mysql+pymysql", "mariadb": "mariadb+pymysql"}
    transactional_ddl = False
    install_hint = "pip install 'schemashift[mysql]' (PyMySQL)"
    schema_editor = MySQLSchemaEditor
    formats = {
        "DateTimeField": MicrosecondDateTimeFormat(),
        "TimeField": MicrosecondTimeFormat(),
        "FloatField": FiniteFloatFormat(),
    }

    def migration_lock(
        self, database: Database, timeout: float | None, on_wait: OnWait | None
    ) -> AbstractContextManager[None]:
        return NamedLock(database).held(timeout, on_wait)

    def prepare_engine(self, engine: Engine) -> None:
        sa.event.listen(engine, "handle_error", _failed_check_is_integrity_error)

    def client_command(self, url: URL, parameters: list[str]) -> ClientCommand:
        """``mariadb`` (or ``mysql``); the password goes in its environment."""
        args = [find_program("mariadb", "mysql")]
        if url.username:
            args.append(f"--user={url.username}")
        if url.host:
            args.append(f"--host={url.host}")
        if url.port:
            args.append(f"--port={url.port}")
        query = url.query
        if "unix_socket" in query:
            args.append(f"--socket={query['unix_socket']}")
        if "charset" in query:
            args.append(f"--default-character-set={query['charset']}")
        if url.database:
            args.append(url.database)
        env = {"MYSQL_PWD": url.password} if url.password else {}
        return ClientCommand([*args, *parameters], env)

    def server_admin_url(self, url: URL) -> URL:
        """The server without a database: a database cannot drop itself."""
        return url._replace(database=None)

    def database_exists_sql(self) -> str:
        return "SELECT 1 FROM information_schema.schemata WHERE schema_name = :name"

    def empty_tables(self, connection: Connection, tables: list[str]) -> None:
        """TRUNCATE each (which restarts AUTO_INCREMENT), foreign key checks off meanwhile."""
        quote = connection.dialect.identifier_preparer.quote
        connection.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 0")
        try:
            for table in tables:
                connection.exec_driver_sql(f"TRUNCATE TABLE {quote(table)}")
        finally:
            connection.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 1")
            connection.commit()

    def case_sensitive_match(self, lhs: Any, text: str, prefix: bool, suffix: bool) -> Any:
        """``LIKE BINARY``: the column's collation ignores case."""
        pattern = f"{'%' if prefix else ''}{like_escape(text)}{'%' if suffix else ''}"
        return lhs.op("LIKE BINARY")(sa.bindparam(None, pattern, type_=sa.String()))

    def random(self) -> Any:
        return sa.func.rand()


class NamedLock(ServerLock):
    """``GET_LOCK(name, seconds)``: the server itself waits. Lock names are server-wide, so the
    name carries the database's; they are at most 64 characters."""

    def __init__(self, database: Database) -> None:
        super().__init__(database)
        key = lock_key(self.name)
        if len(key) > 64:
            key = key[:48] + hashlib.sha256(key.encode()).hexdigest()[:16]
        self.key = key

    def try_acquire(self, connection: Connection, wait: float) -> bool:
        got = connection.exec_driver_sql(
            "SELECT GET_LOCK(%s, %s)", (self.key, max(0, round(wait)))
        ).scalar()
        connection.commit()
        return got == 1

    def release(self, connection: Connection) -> None:
        connection.exec_driver_sql("SELECT RELEASE_LOCK(%s)", (self.key,))
        connection.commit()
