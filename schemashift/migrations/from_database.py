"""The live tables of one app as a migration state: ``makemigrations --from-database APP``.

``live_state`` starts from the state of the applied migrations and rewrites the app's models
until they describe the live tables: a column dropped by hand removes its field, one added by
hand adds a field of the type that declares it on this backend, a changed type, NULL or
max_length alters the field, and indexes, unique columns and check constraints follow the
database. The autodetector then writes the operations between the two states, as for a change
of the models.

What cannot be written as a model (an expression index, a check constraint's condition, a new
foreign key column, a default that is not a plain literal) is refused with one message naming
each such element: a migration that says less than the database holds would leave the drift
where it is. The state built is checked against the live tables before anything is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Connection

from schemashift.db.introspection import (
    ColumnInfo,
    SchemaSnapshot,
    TableInfo,
    editor_for,
    expected_check_names,
    expected_schema,
    introspect,
    introspect_table,
    live_check_names,
    live_unique_names,
    state_table_names,
)
from schemashift.exceptions import SchemaDrift
from schemashift.migrations.drift import check_drift, table_drift, table_owner
from schemashift.migrations.state import ModelState, ProjectState
from schemashift.models import fields as model_fields
from schemashift.models.constraints import CheckConstraint, UniqueConstraint
from schemashift.models.indexes import Index

if TYPE_CHECKING:
    from schemashift.db.backends.base import BaseSchemaEditor
    from schemashift.models.fields import Field

#: field classes tried, in this order, for a column added by hand: the first whose column
#: type on this backend is the live one is written (integer before positive integer: the
#: latter adds a check the database would show)
_PLAIN_FIELDS: tuple[type[Field], ...] = (
    model_fields.BigIntegerField,
    model_fields.IntegerField,
    model_fields.SmallIntegerField,
    model_fields.BooleanField,
    model_fields.TextField,
    model_fields.DateTimeField,
    model_fields.DateField,
    model_fields.TimeField,
    model_fields.FloatField,
    model_fields.UUIDField,
    model_fields.BinaryField,
    model_fields.JSONField,
    model_fields.DurationField,
)
_AUTO_FIELDS: tuple[type[Field], ...] = (
    model_fields.BigAutoField,
    model_fields.AutoField,
    model_fields.SmallAutoField,
)
#: the options a field keeps when the live type asks for another field class
_KEPT_OPTIONS = ("null", "blank", "db_column", "unique", "db_index", "verbose_name", "help_text")
_SIZED = re.compile(r"(?P<base>[a-z ]+?)\s*\((?P<size>\d+)(?:,\s*(?P<scale>\d+))?\)")


@dataclass
class _Builder:
    """Rewrites the models of one app after the live tables, noting what it cannot say."""

    editor: BaseSchemaEditor
    history: ProjectState
    connection: Connection
    problems: list[str] = field(default_factory=list)

    def cannot(self, table: str, what: str) -> None:
        self.problems.append(f"{table}: {what}")

    # -- one table ------------------------------------------------------------------------

    def model_like(self, model: ModelState, live: TableInfo) -> ModelState:
        """The model, changed to describe the live table."""
        table = self.editor.model_table(model)
        expected = self.editor.expected_table(self.history, model)
        new_fields: dict[str, Field] = {}
        for name, old in model.fields.items():
            if old.column is None or old.many_to_many:
                new_fields[name] = old.clone()
                continue
            have = live.columns.get(old.column)
            if have is None:
                if old.primary_key:
                    self.cannot(table, f"the primary key column {old.column} is missing")
                    new_fields[name] = old.clone()
                continue
            want = expected.columns.get(old.column)
            if want == have:
                new_fields[name] = old.clone()
            else:
                new_fields[name] = self.altered_field(table, old, have)
        known = {f.column for f in model.fields.values()}
        for column, have in live.columns.items():
            if column not in known:
                added = self.new_field(live, have)
                if added is not None:
                    new_fields[column] = added
        options = dict(model.options)
        new = ModelState(model.app_label, model.name, new_fields, options, model.bases)
        new.managers = list(model.managers)
        self.follow_indexes(new, table, expected, live)
        self.follow_checks(new, table)
        if expected.foreign_keys != live.foreign_keys:
            for key in sorted(expected.foreign_keys ^ live.foreign_keys, key=repr):
                side = "missing from" if key in expected.foreign_keys else "added to"
                self.cannot(
                    table,
                    f"the foreign key {key.column} -> {key.to_table}.{key.to_column} {side} the "
                    "database",
                )
        return new

    def new_model(self, app_label: str, table: str, live: TableInfo) -> ModelState:
        """A model for a table added by hand."""
        name = "".join(part.title() for part in table[len(app_label) + 1 :].split("_") if part)
        new_fields: dict[str, Field] = {}
        for have in live.columns.values():
            added = self.new_field(live, have)
            if added is not None:
                new_fields[have.name] = added
        options: dict[str, Any] = {}
        if f"{app_label}_{name.lower()}" != table:
            options["db_table"] = table
        model = ModelState(app_label, name or "Table", new_fields, options)
        empty = TableInfo(table, {})
        self.follow_indexes(model, table, empty, live)
        self.follow_checks(model, table)
        if live.foreign_keys:
            self.cannot(table, "a new table with foreign keys")
        return model

    # -- columns --------------------------------------------------------------------------

    def new_field(self, live: TableInfo, have: ColumnInfo) -> Field | None:
        table = live.name
        if not have.name.isidentifier():
            self.cannot(table, f"column {have.name} is not a Python name")
            return None
        if any(key.column == have.name for key in live.foreign_keys):
            self.cannot(table, f"the foreign key column {have.name} added to the database")
            return None
        classes = _AUTO_FIELDS if have.primary_key else _PLAIN_FIELDS
        for kind, kwargs in classes_with_sizes(classes, have.type):
            options = {**kwargs, "null": have.nullable}
            if have.primary_key:
                options = {**kwargs, "primary_key": True}
            made = self.matching(have, kind, options)
            if made is not None:
                return made
        self.cannot(table, f"column {have.name}: no field declares the type {have.type}")
        return None

    def altered_field(self, table: str, old: Field, have: ColumnInfo) -> Field:
        name, _path, args, kwargs = old.deconstruct()
        kwargs = {**kwargs, "null": have.nullable}
        if old.primary_key != have.primary_key:
            self.cannot(table, f"column {have.name}: the primary key changed")
            return old.clone()
        tries: list[tuple[type[Field], dict[str, Any]]] = [(type(old), kwargs)]
        sized = _SIZED.fullmatch(have.type)
        if sized and "max_length" in kwargs:
            tries.insert(0, (type(old), {**kwargs, "max_length": int(sized["size"])}))
        if sized and sized["scale"] is not None and "max_digits" in kwargs:
            digits = {"max_digits": int(sized["size"]), "decimal_places": int(sized["scale"])}
            tries.insert(0, (type(old), {**kwargs, **digits}))
        if not old.is_relation:
            kept = {key: kwargs[key] for key in _KEPT_OPTIONS if key in kwargs}
            tries += [
                (kind, {**sizes, **kept})
                for kind, sizes in classes_with_sizes(_PLAIN_FIELDS, have.type)
            ]
        for kind, options in tries:
            made = self.matching(have, kind, options, args)
            if made is not None:
                made.set_attributes_from_name(name or have.name)
                return made
        self.cannot(table, f"column {have.name}: no field declares {_shown(have)} on this database")
        return old.clone()

    def matching(
        self, have: ColumnInfo, kind: type[Field], options: dict[str, Any], args: Any = ()
    ) -> Field | None:
        """The field of that class and options whose column is the live one, if any (a
        literal database default becomes its ``db_default``)."""
        options = dict(options)
        options.pop("db_default", None)
        if have.default is not None and not have.primary_key:
            value = _literal(have.default)
            if value is _NOT_LITERAL:
                return None
            options["db_default"] = value
        try:
            made = kind(*args, **options)
        except (TypeError, ValueError):
            return None
        made.set_attributes_from_name(have.name)
        try:
            column = self.editor.expected_column(made, self.history)
        except Exception:  # a type this backend cannot declare
            return None
        return made if column == have and column.has_default == have.has_default else None

    # -- indexes, unique columns and checks -----------------------------------------------

    def follow_indexes(
        self, model: ModelState, table: str, expected: TableInfo, live: TableInfo
    ) -> None:
        by_column = {f.column: name for name, f in model.fields.items() if f.column}
        indexes = list(model.options.get("indexes", []))
        constraints = list(model.options.get("constraints", []))
        together = list(model.options.get("unique_together", ()))
        explained: set[tuple[str, ...]] = set()
        for name in sorted(set(expected.indexes) | set(live.indexes)):
            want, have = expected.indexes.get(name), live.indexes.get(name)
            if want == have:
                continue
            explained.update(index.columns for index in (want, have) if index and index.unique)
            if want is not None and not self.drop_index(
                model, table, name, indexes, constraints, together
            ):
                self.cannot(table, f"index {name}: no model option makes it")
                continue
            if have is not None:
                if any(column not in by_column for column in have.columns):
                    self.cannot(table, f"index {name}: an index on expressions")
                    continue
                names = [by_column[column] for column in have.columns]
                if have.unique:
                    constraints.append(UniqueConstraint(fields=names, name=name))
                else:
                    ordered = [
                        f"-{n}" if order == "DESC" else n
                        for n, order in zip(names, have.orders, strict=False)
                    ]
                    indexes.append(Index(fields=ordered, name=name))
        for group in sorted((expected.unique ^ live.unique) - explained):
            field_name = by_column.get(group[0]) if len(group) == 1 else None
            if field_name is None:
                self.cannot(table, f"unique ({', '.join(group)}) without an index name")
                continue
            self.follow_unique(model, table, field_name, group in live.unique, constraints)
        _set_option(model, "indexes", indexes)
        _set_option(model, "constraints", constraints)
        _set_option(model, "unique_together", together)

    def follow_unique(
        self,
        model: ModelState,
        table: str,
        field_name: str,
        is_unique: bool,
        constraints: list[Any],
    ) -> None:
        """Make one column unique as the database names it: a named constraint stays a
        UniqueConstraint of that name (``unique=True`` would add PostgreSQL's LIKE index)."""
        old = model.fields[field_name]
        named = live_unique_names(self.connection, table).get((old.column,))
        if is_unique and named:
            constraints.append(UniqueConstraint(fields=[field_name], name=named))
            return
        for constraint in list(constraints):
            if isinstance(constraint, UniqueConstraint) and list(constraint.fields) == [field_name]:
                constraints.remove(constraint)
                return
        _name, _path, args, kwargs = old.deconstruct()
        made = type(old)(*args, **{**kwargs, "unique": is_unique})
        made.set_attributes_from_name(field_name)
        model.fields[field_name] = made

    def drop_index(
        self,
        model: ModelState,
        table: str,
        name: str,
        indexes: list[Index],
        constraints: list[Any],
        together: list[Any],
    ) -> bool:
        """Take out what makes the named index; whether something did."""
        for found in (indexes, constraints):
            for item in found:
                if item.name == name:
                    found.remove(item)
                    return True
        for group in together:
            columns = [model.fields[n].column for n in group if n in model.fields]
            if self.editor.unique_together_name(table, columns) == name:
                together.remove(group)
                return True
        for field_name, old in model.fields.items():
            if old.column and self.editor.field_index_name(table, old) == name:
                _, _path, args, kwargs = old.deconstruct()
                made = type(old)(*args, **{**kwargs, "db_index": False})
                made.set_attributes_from_name(field_name)
                model.fields[field_name] = made
                return True
        return False

    def follow_checks(self, model: ModelState, table: str) -> None:
        state = ProjectState({(model.app_label, model.name_lower): model})
        expected = expected_check_names(state, self.connection.dialect).get(table, frozenset())
        live_table = introspect_live(self.connection, table)
        live = live_check_names(self.connection, table)
        for difference in check_drift(table, expected, live, live_table):
            if difference.database is None:
                kept = [
                    c
                    for c in model.options.get("constraints", [])
                    if not (isinstance(c, CheckConstraint) and c.name == difference.name)
                ]
                _set_option(model, "constraints", kept)
            else:
                self.cannot(table, f"check {difference.name}: its condition cannot be read back")


def introspect_live(connection: Connection, table: str) -> TableInfo:
    return introspect_table(connection, table) or TableInfo(table, {})


def live_state(
    connection: Connection,
    history: ProjectState,
    app_label: str,
    *,
    installed_apps: list[str],
    history_table: str,
) -> ProjectState:
    """``history`` with the models of ``app_label`` rewritten after the live tables.

    Raises SchemaDrift naming every live element no model can describe."""
    dialect = connection.dialect
    editor = editor_for(dialect)
    live = introspect(connection, history_table=history_table)
    builder = _Builder(editor, history, connection)
    models = dict(history.models)
    app_tables: set[str] = set()
    for key in sorted(history.models):
        model = history.models[key]
        if key[0] != app_label or model.options.get("managed", True) is False:
            continue
        if model.options.get("proxy"):
            continue
        table = editor.model_table(model)
        app_tables.add(table)
        have = live.tables.get(table)
        if have is None:
            del models[key]
        else:
            models[key] = builder.model_like(model, have)
    named = state_table_names(history, dialect)
    for table in live.table_names():
        if table in named or table_owner(table, installed_apps) != app_label:
            continue
        app_tables.add(table)
        model = builder.new_model(app_label, table, live.tables[table])
        models[(app_label, model.name_lower)] = model
    if builder.problems:
        raise _refusal(app_label, builder.problems)
    state = ProjectState(models)
    left = _left_over(connection, state, live, app_tables)
    if left:
        raise _refusal(app_label, left)
    return state


def _left_over(
    connection: Connection, state: ProjectState, live: SchemaSnapshot, tables: set[str]
) -> list[str]:
    """What the built state still says otherwise than the live tables (nothing, or a
    shape this module does not write)."""
    expected = expected_schema(state, connection.dialect)
    checks = expected_check_names(state, connection.dialect)
    left = []
    for table in sorted(tables):
        want, have = expected.tables.get(table), live.tables.get(table)
        if want is None or have is None:
            if want is not have:
                left.append(f"{table}: the table")
            continue
        found = table_drift(want, have)
        found += check_drift(
            table, checks.get(table, frozenset()), live_check_names(connection, table), have
        )
        left += [difference.describe() for difference in found]
    return left


def _refusal(app_label: str, problems: list[str]) -> SchemaDrift:
    listed = "\n".join(f"  {problem}" for problem in problems)
    return SchemaDrift(
        f"makemigrations --from-database cannot write the live tables of app '{app_label}' "
        f"as a migration; no file was written. What it cannot express:\n{listed}\n"
        "Change these in the database to match the history, or write the migration by hand."
    )


def classes_with_sizes(
    classes: tuple[type[Field], ...], live_type: str
) -> list[tuple[type[Field], dict[str, Any]]]:
    """The field classes to try for a live type, a sized one (``varchar(30)``,
    ``numeric(8, 2)``) with its size as options, first."""
    found: list[tuple[type[Field], dict[str, Any]]] = []
    sized = _SIZED.fullmatch(live_type)
    if sized and classes is not _AUTO_FIELDS:
        size = int(sized["size"])
        if sized["scale"] is None:
            found.append((model_fields.CharField, {"max_length": size}))
        else:
            scale = int(sized["scale"])
            found.append((model_fields.DecimalField, {"max_digits": size, "decimal_places": scale}))
    found += [(kind, {}) for kind in classes]
    return found


_NOT_LITERAL = object()
_QUOTED = re.compile(r"'((?:[^']|'')*)'")


def _literal(default: str) -> Any:
    """The Python value of a database default written as a plain literal: ``0``, ``'x'``,
    ``'x'::character varying``, ``true``; _NOT_LITERAL for an expression."""
    text = default.strip()
    while text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    text = re.sub(r"::[a-z ]+(\(\d+\))?$", "", text)
    quoted = _QUOTED.fullmatch(text)
    if quoted:
        return quoted[1].replace("''", "'")
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            pass
    return _NOT_LITERAL


def _set_option(model: ModelState, key: str, value: list[Any]) -> None:
    if value:
        model.options[key] = value
    else:
        model.options.pop(key, None)


def _shown(column: ColumnInfo) -> str:
    null = "NULL" if column.nullable else "NOT NULL"
    default = f" DEFAULT {column.default}" if column.default is not None else ""
    return f"{column.type} {null}{default}"


__all__ = ["live_state"]
