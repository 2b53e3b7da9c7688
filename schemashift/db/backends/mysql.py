"""MySQL 8 and MariaDB 10.11: the schema Django 5.2 writes, changed with ALTER TABLE.

Every DDL statement commits implicitly on these servers, so a migration cannot be rolled back
as a whole: the editor runs each operation in a transaction of its own (for the rows it
writes), whatever ``atomic`` asks, and the executor records progress. Operations that take
several statements check up front what would make them fail halfway (NULLs in a column about
to be NOT NULL, rows in a table about to get a NOT NULL column without a value), and an
AddField whose later steps fail removes its new column again.

Foreign keys are separate ``ADD CONSTRAINT ... FOREIGN KEY`` statements, after the index
Django names for the column, so InnoDB uses that index instead of creating its own. Names of
indexes and constraints fit MySQL's 64 characters. A field's UNIQUE is an index MySQL names
after the column (as inline UNIQUE does in CREATE TABLE); unique_together groups and indexes
have Django's generated names.

Statements are kept as the SQL a client would run (one ``%`` per percent sign); PyMySQL
interpolates every statement, so percent signs are doubled only when a statement is sent.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Connection, Dialect

from schemashift.db.backends.base import BaseSchemaEditor, TableDefinition, is_managed
from schemashift.db.introspection import ColumnInfo, ForeignKeyInfo, IndexInfo, TableInfo
from schemashift.exceptions import DatabaseError
from schemashift.utils.names import index_name

if TYPE_CHECKING:
    from schemashift.models.fields import Field

_POSITIVE_CHECK = "{column} >= 0"
#: field classes whose columns (TEXT, BLOB, JSON) take no literal DEFAULT on MySQL 8
_NO_LITERAL_DEFAULT = frozenset({"TextField", "BinaryField", "JSONField"})
_INTEGER_TYPE = re.compile(
    r"^(tinyint|smallint|mediumint|int|integer|bigint)(\(\d+\))?(?P<rest>( unsigned)?)"
)
_INTEGER_NAMES = {"int": "integer", "mediumint": "mediumint"}


class MySQLSchemaEditor(BaseSchemaEditor):
    """Schema changes on MySQL and MariaDB with Django's column types and names."""

    dialect_name = "mysql"
    max_name_length = 64
    data_types = {
        "AutoField": "integer AUTO_INCREMENT",
        "BigAutoField": "bigint AUTO_INCREMENT",
        "SmallAutoField": "smallint AUTO_INCREMENT",
        "BinaryField": "longblob",
        "BooleanField": "bool",
        "CharField": "varchar({max_length})",
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
    rel_data_types = {
        "AutoField": "integer",
        "BigAutoField": "bigint",
        "SmallAutoField": "smallint",
    }
    data_type_checks = {
        "PositiveIntegerField": _POSITIVE_CHECK,
        "PositiveSmallIntegerField": _POSITIVE_CHECK,
        "PositiveBigIntegerField": _POSITIVE_CHECK,
    }

    def __init__(
        self,
        connection: Connection | None = None,
        *,
        collect_sql: bool = False,
        atomic: bool = True,
        dialect: Dialect | None = None,
    ) -> None:
        # DDL commits implicitly: an atomic migration is run like a non-atomic one, each
        # operation in its own transaction, instead of pretending it could be rolled back.
        super().__init__(connection, collect_sql=collect_sql, atomic=False, dialect=dialect)
        self.requested_atomic = atomic

    # -- running statements -------------------------------------------------------------------

    def run(self, sql: str, params: Any = None) -> None:
        if params is None and not self.collect_sql:
            # PyMySQL %-formats every statement, even one sent without parameters
            super().run(sql.replace("%", "%%"), ())
            return
        super().run(sql, params)

    def _rows(self, sql: str) -> list[Any]:
        """Rows of a read-only statement on the live database (never collected)."""
        return list(self.connection.exec_driver_sql(sql.replace("%", "%%"), ()))

    def split_statements(self, sql: str) -> list[str]:
        """Split at the semicolons outside strings, quoted names and comments."""
        return split_sql(sql)

    def quote_name(self, name: str) -> str:
        return super().quote_name(name).replace("%%", "%")

    def render_literal(self, value: Any) -> str:
        return super().render_literal(value).replace("%%", "%")

    # -- names and definitions ----------------------------------------------------------------

    def foreign_key_name(self, table: str, column: str, to_table: str, to_column: str) -> str:
        """Django's ``<table>_<column>_<hash>_fk_<to_table>_<to_column>``, cut to 64."""
        return self.index_name(table, [column], f"_fk_{to_table}_{to_column}")

    def column_definition(self, field: Field, state: Any, column: str | None = None) -> str:
        return self._definition(field, state, column)

    def _definition(
        self,
        field: Field,
        state: Any,
        column: str | None = None,
        *,
        null: bool | None = None,
        default: str | None = None,
        keys: bool = True,
    ) -> str:
        """A column definition in MySQL's order: type, NULL, DEFAULT, keys, CHECK.

        ``null`` overrides the field's nullability, ``default`` adds a DEFAULT literal and
        ``keys`` False leaves out PRIMARY KEY and UNIQUE (MODIFY keeps the existing ones).
        """
        is_null = field.null if null is None else null
        parts = [self.column_type(field, state), "NULL" if is_null else "NOT NULL"]
        if default is not None:
            parts.append(f"DEFAULT {default}")
        if keys and field.primary_key:
            parts.append("PRIMARY KEY")
        elif keys and field.unique:
            parts.append("UNIQUE")
        check = self.column_check(field, column or field.column)
        if check:
            parts.append(f"CHECK ({check})")
        return " ".join(parts)

    def drop_index_sql(self, table: str, name: str) -> str:
        return f"DROP INDEX {self.quote_name(name)} ON {self.quote_name(table)}"

    def drop_unique_sql(self, table: str, name: str) -> str:
        return f"ALTER TABLE {self.quote_name(table)} DROP INDEX {self.quote_name(name)}"

    def rename_index_statements(
        self, table: str, old_name: str, new_name: str, columns: list[str], unique: bool
    ) -> list[str]:
        return [
            f"ALTER TABLE {self.quote_name(table)} RENAME INDEX {self.quote_name(old_name)} "
            f"TO {self.quote_name(new_name)}"
        ]

    def add_foreign_key_sql(self, state: Any, table: str, field: Field) -> str:
        target = self.target_field(field, state)
        to_table = state.related_model(field).db_table
        name = self.foreign_key_name(table, field.column, to_table, target.column)
        return (
            f"ALTER TABLE {self.quote_name(table)} ADD CONSTRAINT {self.quote_name(name)} "
            f"FOREIGN KEY ({self.quote_name(field.column)}) "
            f"REFERENCES {self.quote_name(to_table)} ({self.quote_name(target.column)})"
        )

    def _drop_foreign_key(self, state: Any, table: str, field: Field) -> None:
        """Drop the field's foreign key constraint, by its live name where it can be read."""
        names = self._live_foreign_key_names(table, field.column)
        if not names:
            target = self.target_field(field, state)
            to_table = state.related_model(field).db_table
            names = [self.foreign_key_name(table, field.column, to_table, target.column)]
        for name in names:
            self.run(
                f"ALTER TABLE {self.quote_name(table)} DROP FOREIGN KEY {self.quote_name(name)}"
            )

    def _live_foreign_key_names(self, table: str, column: str) -> list[str]:
        if self.connection is None:
            return []
        return sorted(
            name
            for name, fk_column, _to_table, _to_column in _foreign_key_rows(self.connection, table)
            if fk_column == column
        )

    # -- operations ---------------------------------------------------------------------------

    def create_model(self, state: Any, model: Any) -> None:
        """CREATE TABLE, its indexes, then its foreign key constraints."""
        if not is_managed(model):
            return
        with self._operation():
            super().create_model(state, model)
            for field in model.fields.values():
                if _has_constraint(field):
                    self.run(self.add_foreign_key_sql(state, model.db_table, field))

    def add_field(self, state: Any, model: Any, field: Field) -> None:
        """ADD COLUMN, filling existing rows with the field's default, which is not kept.

        ``model`` and ``state`` are as after the addition; ``field`` may carry a one-off
        default for the existing rows.
        """
        if not is_managed(model):
            return
        table = model.db_table
        default = self.effective_default(field)
        column = self.quote_name(field.column)
        quoted_table = self.quote_name(table)
        with self._operation():
            if default is None and not field.null:
                self._refuse_rows_without_value(table, field)
            fill_later = default is not None and field.get_internal_type() in _NO_LITERAL_DEFAULT
            literal = None if default is None else self.quote_value(default, field, state)
            self.run(
                f"ALTER TABLE {quoted_table} ADD COLUMN {column} "
                + self._definition(
                    field,
                    state,
                    null=True if fill_later else None,
                    default=None if fill_later else literal,
                )
            )
            try:
                if fill_later:
                    self.run(f"UPDATE {quoted_table} SET {column} = {literal}")
                    if not field.null:
                        self._modify(state, table, field)
                elif literal is not None:
                    self.run(f"ALTER TABLE {quoted_table} ALTER COLUMN {column} DROP DEFAULT")
                if self.field_needs_index(field):
                    name = self.field_index_name(table, field)
                    self.run(self.create_index_sql(name, table, [field.column]))
                if _has_constraint(field):
                    self.run(self.add_foreign_key_sql(state, table, field))
            except DatabaseError as exc:
                self._undo_add_column(table, field, exc)

    def _undo_add_column(self, table: str, field: Field, error: DatabaseError) -> None:
        if self.collect_sql:
            raise error
        self.run(
            f"ALTER TABLE {self.quote_name(table)} DROP COLUMN {self.quote_name(field.column)}"
        )
        raise DatabaseError(f"{error} Column {field.column!r} was removed again.") from error

    def _refuse_rows_without_value(self, table: str, field: Field) -> None:
        """MySQL would give existing rows 0 or '' for a NOT NULL column; refuse instead."""
        if self.collect_sql or not self._rows(f"SELECT 1 FROM {self.quote_name(table)} LIMIT 1"):
            return
        raise DatabaseError(
            f"Cannot add NOT NULL column {field.column!r} to table {table!r}: existing rows "
            "would have no value for it. Give the field a default, or fill the column in an "
            "earlier migration."
        )

    def remove_field(self, state: Any, model: Any, field: Field) -> None:
        """DROP COLUMN, after its foreign key and the indexes that name it with others.

        ``model`` and ``state`` are as before the removal.
        """
        if not is_managed(model):
            return
        table = model.db_table
        names = {field.name, field.attname}
        with self._operation():
            if _has_constraint(field):
                self._drop_foreign_key(state, table, field)
            definition = TableDefinition.of(model)
            for group in model.unique_together:
                if not names.isdisjoint(group):
                    columns = definition.columns(group)
                    name = self._existing_unique_index(table, columns)
                    self.run(
                        self.drop_unique_sql(
                            table, name or self.unique_together_name(table, columns)
                        )
                    )
            for index in model.indexes:
                if not names.isdisjoint(name for name, _order in index.fields_orders):
                    self.run(self.drop_index_sql(table, index.name))
            self.run(
                f"ALTER TABLE {self.quote_name(table)} DROP COLUMN {self.quote_name(field.column)}"
            )

    def alter_field(
        self,
        from_state: Any,
        to_state: Any,
        old_model: Any,
        new_model: Any,
        old_field: Field,
        new_field: Field,
    ) -> None:
        """Change a column in place: constraints that stand in the way are dropped first and
        made again after, as Django does; columns pointing at it follow a type change."""
        if not is_managed(new_model):
            return
        if not self.field_should_be_altered(from_state, to_state, old_field, new_field):
            return
        table = old_model.db_table
        with self._operation():
            incoming = self._incoming_to_retype(
                from_state, to_state, old_model, new_model, old_field, new_field
            )
            self._drop_before_alter(from_state, table, old_field, new_field, incoming)
            if old_field.column != new_field.column:
                self.run(
                    f"ALTER TABLE {self.quote_name(table)} RENAME COLUMN "
                    f"{self.quote_name(old_field.column)} TO {self.quote_name(new_field.column)}"
                )
            self._alter_column(from_state, to_state, table, old_field, new_field)
            self._add_after_alter(to_state, table, old_field, new_field)
            for child_table, _old_relation, new_relation in incoming:
                self._modify(to_state, child_table, new_relation)
                if _has_constraint(new_relation):
                    self.run(self.add_foreign_key_sql(to_state, child_table, new_relation))
            if old_field.column != new_field.column:
                self.rename_generated_indexes(
                    TableDefinition.of(old_model),
                    TableDefinition.of(new_model),
                    {old_field.name: new_field.name},
                )

    def _drop_before_alter(
        self,
        from_state: Any,
        table: str,
        old_field: Field,
        new_field: Field,
        incoming: list[tuple[str, Field, Field]],
    ) -> None:
        """Drop the foreign keys, unique index and index the altered column will not keep."""
        if _has_constraint(old_field):
            self._drop_foreign_key(from_state, table, old_field)
        for child_table, old_relation, _new_relation in incoming:
            if _has_constraint(old_relation):
                self._drop_foreign_key(from_state, child_table, old_relation)
        if _is_unique(old_field) and not _is_unique(new_field):
            name = self._field_unique_index(table, old_field.column) or old_field.column
            self.run(self.drop_unique_sql(table, name))
        if self.field_needs_index(old_field) and not self.field_needs_index(new_field):
            self.run(self.drop_index_sql(table, self._field_index(table, old_field)))
        if old_field.primary_key and not new_field.primary_key:
            self.run(f"ALTER TABLE {self.quote_name(table)} DROP PRIMARY KEY")

    def _alter_column(
        self, from_state: Any, to_state: Any, table: str, old_field: Field, new_field: Field
    ) -> None:
        """MODIFY the column when its type, nullability or check changes; NULLs get the
        default first."""
        old_definition = self._definition(old_field, from_state, new_field.column, keys=False)
        new_definition = self._definition(new_field, to_state, keys=False)
        if old_definition == new_definition:
            return
        if old_field.null and not new_field.null:
            default = self.effective_default(new_field)
            column = self.quote_name(new_field.column)
            if default is not None:
                self.run(
                    f"UPDATE {self.quote_name(table)} SET {column} = "
                    f"{self.quote_value(default, new_field, to_state)} WHERE {column} IS NULL"
                )
            else:
                self._refuse_nulls(table, new_field)
        self._modify(to_state, table, new_field)

    def _refuse_nulls(self, table: str, field: Field) -> None:
        if self.collect_sql:
            return
        column = self.quote_name(field.column)
        if self._rows(f"SELECT 1 FROM {self.quote_name(table)} WHERE {column} IS NULL LIMIT 1"):
            raise DatabaseError(
                f"Cannot make column {field.column!r} of table {table!r} NOT NULL: some rows "
                "hold NULL in it. Give the field a default, or fill the column in an earlier "
                "migration."
            )

    def _modify(self, state: Any, table: str, field: Field) -> None:
        self.run(
            f"ALTER TABLE {self.quote_name(table)} MODIFY {self.quote_name(field.column)} "
            f"{self._definition(field, state, keys=False)}"
        )

    def _add_after_alter(
        self, to_state: Any, table: str, old_field: Field, new_field: Field
    ) -> None:
        if new_field.primary_key and not old_field.primary_key:
            self.run(
                f"ALTER TABLE {self.quote_name(table)} ADD PRIMARY KEY "
                f"({self.quote_name(new_field.column)})"
            )
        if _is_unique(new_field) and not _is_unique(old_field):
            self.run(
                f"ALTER TABLE {self.quote_name(table)} ADD UNIQUE "
                f"({self.quote_name(new_field.column)})"
            )
        if self.field_needs_index(new_field) and not self.field_needs_index(old_field):
            name = self.field_index_name(table, new_field)
            self.run(self.create_index_sql(name, table, [new_field.column]))
        if _has_constraint(new_field):
            self.run(self.add_foreign_key_sql(to_state, table, new_field))

    def _incoming_to_retype(
        self,
        from_state: Any,
        to_state: Any,
        old_model: Any,
        new_model: Any,
        old_field: Field,
        new_field: Field,
    ) -> list[tuple[str, Field, Field]]:
        """(table, old relation, new relation) of the foreign keys to the altered field whose
        column type changes with it."""
        found = []
        for child, relation in to_state.incoming_relations(new_model.app_label, new_model.name):
            if not is_managed(child):
                continue
            if child.key == new_model.key and relation.name == new_field.name:
                continue
            if self.target_field(relation, to_state).name != new_field.name:
                continue
            old_child = from_state.models.get(child.key)
            old_relation = old_child.fields.get(relation.name) if old_child else None
            if old_relation is None or not old_relation.is_relation:
                continue
            if self.column_type(old_relation, from_state) != self.column_type(relation, to_state):
                found.append((child.db_table, old_relation, relation))
        return found

    def _field_unique_index(self, table: str, column: str) -> str | None:
        """The live unique index a field's UNIQUE made on ``column``, if readable."""
        live = self._live_unique_indexes(table)
        for name, columns in sorted(live.items()):
            if columns == (column,) and name != self.unique_together_name(table, [column]):
                return name
        return None

    def _live_unique_indexes(self, table: str) -> dict[str, tuple[str, ...]]:
        if self.connection is None:
            return {}
        indexes = _index_rows(self.connection, table)
        return {
            name: tuple(c for c, _o in cols) for name, (unique, cols) in indexes.items() if unique
        }

    def _field_index(self, table: str, field: Field) -> str:
        """The live name of a db_index field's index (it may predate a rename)."""
        name = self.field_index_name(table, field)
        live = self._live_table(table)
        if live is None or name in live.indexes:
            return name
        for candidate in sorted(live.indexes):
            index = live.indexes[candidate]
            if not index.unique and index.columns == (field.column,):
                return candidate
        return name

    # -- introspection ------------------------------------------------------------------------

    @classmethod
    def table_names(cls, connection: Connection) -> list[str]:
        rows = connection.exec_driver_sql(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'"
        )
        return sorted(name for (name,) in rows)

    @classmethod
    def read_table(cls, connection: Connection, table: str) -> TableInfo | None:
        """information_schema, with types in the words ``column_type()`` declares them."""
        rows = connection.exec_driver_sql(
            "SELECT column_name, column_type, is_nullable, column_key, extra "
            "FROM information_schema.columns WHERE table_schema = DATABASE() "
            "AND CAST(table_name AS BINARY) = CAST(%s AS BINARY) ORDER BY ordinal_position",
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
            )
            for name, column_type, nullable, key, extra in rows
        }
        foreign_key_rows = _foreign_key_rows(connection, table)
        foreign_keys = frozenset(
            ForeignKeyInfo(column, to_table, to_column)
            for _name, column, to_table, to_column in foreign_key_rows
        )
        constraint_names = {name for name, _column, _to_table, _to_column in foreign_key_rows}
        max_length = cls.max_name_length
        unique, indexes = set(), {}
        for name, (is_unique, key_columns) in _index_rows(connection, table).items():
            names = tuple(column for column, _order in key_columns)
            if name == "PRIMARY":
                continue
            if is_unique:
                unique.add(names)
                # a field's UNIQUE is named after its column; unique_together has its own name
                if name != index_name(table, list(names), "_uniq", max_length):
                    continue
            elif name in constraint_names:
                continue  # the index InnoDB made for a foreign key
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


def _has_constraint(field: Field) -> bool:
    return bool(field.is_relation and field.db_constraint)


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
