"""Any generated migration history migrates forwards and back on every backend, keeping every
row.

A hypothesis strategy builds a history of migrations for two or three apps, with relations
across them, renames and deletions. It keeps a model of the schema and of every row in Python,
so each operation it draws is valid forwards and, with the rows inserted since, backwards too.
The history is written as migration files, loaded, and run through the executor on an empty
database of the backend. After each step the live schema must equal the migration state, every
table must hold exactly the rows the model predicts, and the history table must list exactly
the applied migrations.

One property applies and unapplies one migration at a time, in the history's order. The other
applies the whole history, then rolls it back as users do, several migrations in one run:
``migrate <app> zero`` app by app in both orders, and ``migrate <app> <name>`` to named
migrations, checking after every migration unapplied.

``SCHEMASHIFT_PROPERTY_EXAMPLES=<n>`` runs ``n`` examples of each property on every backend
instead of the defaults below.

The plain tests at the end replay, minimised, the histories the property has caught.
"""

from __future__ import annotations

import contextlib
import datetime
import itertools
import os
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import sqlalchemy as sa
from hypothesis import given, note, settings
from hypothesis import strategies as st
from sqlalchemy.engine import make_url

import schemashift
from schemashift import conf, migrations, models
from schemashift.apps import apps
from schemashift.db.connection import Database, get_database
from schemashift.db.introspection import (
    expected_schema,
    introspect,
)
from schemashift.migrations.executor import MigrationExecutor
from schemashift.migrations.loader import MigrationLoader
from schemashift.migrations.recorder import MigrationRecorder
from schemashift.migrations.writer import MigrationWriter

Key = tuple[str, str]
#: table -> id -> column -> stored value
Tables = dict[str, dict[int, dict[str, Any]]]

APPS = ("store", "crm", "hr")
SETTINGS_PACKAGE = "history_project"
MODEL_NAMES = ("Author", "Book", "Tag", "Order", "Group")
FIELD_NAMES = ("title", "order", "select", "group", "value", "rank", "note", "from")
RELATION_NAMES = ("owner", "parent", "link")
CUSTOM_TABLES = ("custom", "Odd Table", 'quo"ted', "select", "t-1")
MAX_LENGTHS = (12, 24, 48, 96)

FIELD_CLASSES: dict[str, type[models.Field]] = {
    "char": models.CharField,
    "text": models.TextField,
    "int": models.IntegerField,
    "bigint": models.BigIntegerField,
    "bool": models.BooleanField,
    "float": models.FloatField,
    "date": models.DateField,
}
TEXTS = (
    "",
    "plain",
    "O'Brien",
    'say "hi"',
    "a;b;--",
    "x'); --",
    "back\\sl",
    "café ñ",
    "日本語",
    "🎉 ok",
    "%s ?:x",
    "l\nb\tc",
    "n\x00l",
)
INTS = (0, 1, -1, 7, 2**31 - 1, -(2**31))
VALUES: dict[str, tuple[Any, ...]] = {
    "char": TEXTS,
    "text": (*TEXTS, "'); DROP TABLE store_author; --", "\\'\\\"\\\\;", "ünïcødé " * 8),
    "int": INTS,
    "bigint": (*INTS, 2**63 - 1, -(2**63)),
    "bool": (False, True),
    "float": (0.0, 1.5, -2.25, 1e300, 3.141592653589793),
    "date": (datetime.date(2024, 2, 29), datetime.date(1999, 12, 31), datetime.date(1, 1, 1)),
}


def values_on(backend: str) -> dict[str, tuple[Any, ...]]:
    """The values a backend can store: PostgreSQL text cannot hold NUL characters."""
    if backend != "postgresql":
        return VALUES
    return {
        kind: tuple(v for v in values if not (isinstance(v, str) and "\x00" in v))
        for kind, values in VALUES.items()
    }


def stored(value: Any) -> Any:
    """A Python value as the tests compare it (booleans as 0/1, dates as ISO text, as SQLite
    hands them back)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, memoryview):
        return bytes(value)
    return value


def unique_value(kind: str, value: Any, taken: set[Any]) -> Any:
    """``value``, or the first stand-in for it that no row of a unique column holds yet."""
    for n in itertools.count():
        if kind == "date":
            candidate = (datetime.date.fromisoformat(value) + datetime.timedelta(n)).isoformat()
        elif kind in ("char", "text"):
            candidate = f"{value}#{n}" if n else value
        elif kind == "float":
            candidate = n + 0.125 if n else value
        else:
            candidate = value - n if value > 0 else value + n
        if candidate not in taken:
            return candidate
    raise AssertionError("unreachable")


# -- the Python model of the schema and the rows ------------------------------------------------


@dataclass(eq=False)
class FieldSpec:
    """One field as the history has it now. ``ever_*`` remember past states, which a
    rollback must be able to restore with the rows inserted since."""

    name: str
    kind: str
    null: bool = False
    unique: bool = False
    db_index: bool = False
    max_length: int | None = None
    default: Any = models.NOT_PROVIDED
    target: ModelSpec | None = None
    ever_unique: bool = False
    ever_not_null: bool = False
    #: once an integer column, always given values an integer column holds (a bigint
    #: column goes back to integer when its AlterField is unapplied)
    ever_int: bool = False

    def __post_init__(self) -> None:
        self.ever_unique |= self.unique
        self.ever_not_null |= not self.null
        self.ever_int |= self.kind == "int"

    @property
    def value_kind(self) -> str:
        """The values every past and present type of the column accepts."""
        return "int" if self.ever_int else self.kind

    @property
    def column(self) -> str:
        return f"{self.name}_id" if self.kind == "fk" else self.name

    @property
    def has_default(self) -> bool:
        return self.default is not models.NOT_PROVIDED

    def build(self) -> models.Field:
        options: dict[str, Any] = {}
        if self.null:
            options["null"] = True
        if self.unique:
            options["unique"] = True
        if self.kind == "fk":
            assert self.target is not None
            if not self.db_index:
                options["db_index"] = False
            return models.ForeignKey(self.target.label, models.CASCADE, **options)
        if self.db_index:
            options["db_index"] = True
        if self.has_default:
            options["default"] = self.default
        if self.kind == "char":
            options["max_length"] = self.max_length
        return FIELD_CLASSES[self.kind](**options)


@dataclass(eq=False)
class ModelSpec:
    app: str
    name: str
    db_table: str | None = None
    fields: list[FieldSpec] = field(default_factory=list)
    #: (index name, [(field, descending)])
    indexes: list[tuple[str, list[tuple[FieldSpec, bool]]]] = field(default_factory=list)
    unique_together: list[tuple[FieldSpec, FieldSpec]] = field(default_factory=list)
    rows: dict[int, dict[FieldSpec, Any]] = field(default_factory=dict)
    next_id: int = 1
    #: the apps whose migrations ever pointed a relation at the model
    referrer_apps: set[str] = field(default_factory=set)

    @property
    def table(self) -> str:
        return self.db_table or f"{self.app}_{self.name.lower()}"

    @property
    def label(self) -> str:
        return f"{self.app}.{self.name.lower()}"

    def taken(self, spec: FieldSpec) -> set[Any]:
        return {row[spec] for row in self.rows.values()} - {None}

    def is_unique(self, *specs: FieldSpec) -> bool:
        """Whether the rows' values (ignoring NULLs, as SQLite does) are distinct."""
        values = [tuple(row[s] for s in specs) for row in self.rows.values()]
        values = [v for v in values if None not in v]
        return len(values) == len(set(values))

    def drop_field(self, spec: FieldSpec) -> None:
        self.fields.remove(spec)
        for row in self.rows.values():
            del row[spec]
        self.indexes = [i for i in self.indexes if spec not in (f for f, _d in i[1])]
        self.unique_together = [g for g in self.unique_together if spec not in g]


#: where each model lives after a step: table, and (field, column) of each column
SchemaMap = dict[ModelSpec, tuple[str, list[tuple[FieldSpec, str]]]]
Data = dict[ModelSpec, dict[int, dict[FieldSpec, Any]]]


@dataclass
class Step:
    app: str
    name: str
    dependencies: list[Key]
    operations: list[Any]
    #: how unapplying changes the rows: ("create", model), ("add", model, field) or
    #: ("remove", model, field, value the re-added column holds)
    undo: list[tuple[Any, ...]]
    schema: SchemaMap
    after_migrate: Tables
    inserts: list[tuple[str, dict[str, Any]]]

    @property
    def key(self) -> Key:
        return (self.app, self.name)

    def migration(self) -> migrations.Migration:
        migration = migrations.Migration(self.name, self.app)
        migration.dependencies = list(self.dependencies)
        migration.operations = list(self.operations)
        return migration


class History:
    """The steps, and the rows once they are all applied (``final``)."""

    def __init__(self, steps: list[Step], final: Data | None = None) -> None:
        self.steps = steps
        self.final = final or {}

    def expected(self, applied: set[Key]) -> Tables:
        """The rows when only ``applied`` (a set closed under dependencies) stands, after the
        whole history was applied in order and the rest unapplied.

        Unapplying changes rows only through each step's ``undo``, on its own app's tables,
        and an app's steps are unapplied last first, so undoing the unapplied steps in
        reverse history order gives the rows whatever order the run took. Each app's tables
        look as its last applied step left them.
        """
        data = {
            model: {i: dict(row) for i, row in rows.items()} for model, rows in self.final.items()
        }
        for step in reversed(self.steps):
            if step.key in applied:
                continue
            for undo in reversed(step.undo):
                if undo[0] == "create":
                    del data[undo[1]]
                elif undo[0] == "delete":
                    data[undo[1]] = {}
                elif undo[0] == "add":
                    for row in data[undo[1]].values():
                        del row[undo[2]]
                else:
                    for row in data[undo[1]].values():
                        row[undo[2]] = undo[3]
        latest = {step.app: step for step in self.steps if step.key in applied}
        schema = {
            model: where
            for step in latest.values()
            for model, where in step.schema.items()
            if model.app == step.app
        }
        return render(data, schema)

    def __repr__(self) -> str:
        lines = []
        for step in self.steps:
            operations = "; ".join(op.describe() for op in step.operations)
            lines.append(f"{step.app}.{step.name} [{operations}] +{len(step.inserts)} rows")
        return "History(\n  " + "\n  ".join(lines) + "\n)"


def render(data: Data, schema: SchemaMap) -> Tables:
    return {
        table: {
            row_id: {"id": row_id, **{column: row[spec] for spec, column in columns}}
            for row_id, row in data[model].items()
        }
        for model, (table, columns) in schema.items()
    }


# -- the strategy -------------------------------------------------------------------------------


class HistoryBuilder:
    """Draws one valid migration at a time, updating the model of schema and rows."""

    def __init__(
        self,
        draw: Any,
        backend: str,
        app_labels: tuple[str, ...] = APPS[:2],
        relation_weight: int = 1,
    ) -> None:
        self.draw = draw
        self.values = values_on(backend)
        self.app_labels = app_labels
        #: how many times as often as each other kind a new field is a foreign key
        self.relation_weight = relation_weight
        #: custom table name -> the apps whose models ever had it
        self.custom_tables: dict[str, set[str]] = {}
        self.models: list[ModelSpec] = []
        self.steps: list[Step] = []
        self.latest: dict[str, str] = {}
        self.index_numbers = itertools.count(1)
        self.app = ""
        self.dependencies: set[Key] = set()
        self.undo: list[tuple[Any, ...]] = []

    # -- steps --------------------------------------------------------------------------------

    def add_step(self) -> None:
        self.app = self.draw(st.sampled_from(self.app_labels))
        self.dependencies = (
            {(self.app, self.latest[self.app])} if self.app in self.latest else set()
        )
        self.undo = []
        operations = []
        for _ in range(self.draw(st.integers(1, 3))):
            kinds = list(self.OPERATIONS)
            while kinds:
                kind = self.draw(st.sampled_from(kinds))
                operation = getattr(self, kind)()
                if operation is not None:
                    operations.append(operation)
                    break
                kinds = [k for k in kinds if k != kind]
        if not operations:
            return
        number = sum(1 for step in self.steps if step.app == self.app) + 1
        name = f"{number:04d}_step{len(self.steps) + 1}"
        self.latest[self.app] = name
        schema = {
            model: (model.table, [(spec, spec.column) for spec in model.fields])
            for model in self.models
        }
        after = render(self.data(), schema)
        self.steps.append(
            Step(
                self.app,
                name,
                sorted(self.dependencies),
                operations,
                self.undo,
                schema,
                after,
                self.insert_rows(),
            )
        )

    def data(self) -> Data:
        return {model: {i: dict(row) for i, row in model.rows.items()} for model in self.models}

    def history(self) -> History:
        return History(self.steps, self.data())

    def insert_rows(self) -> list[tuple[str, dict[str, Any]]]:
        ids = {model: list(model.rows) for model in self.models}
        inserts = []
        for model in self.models:
            for _ in range(self.draw(st.integers(0, 2))):
                row = {spec: self.value(model, spec, ids) for spec in model.fields}
                row_id, model.next_id = model.next_id, model.next_id + 1
                model.rows[row_id] = row
                columns = {"id": row_id, **{spec.column: v for spec, v in row.items()}}
                inserts.append((model.table, columns))
        return inserts

    def value(self, model: ModelSpec, spec: FieldSpec, ids: dict[ModelSpec, list[int]]) -> Any:
        """A value for a new row that every past and present state of the column accepts."""
        taken = model.taken(spec)
        if spec.kind == "fk":
            assert spec.target is not None
            value = self.draw(st.sampled_from([None, *ids[spec.target]]))
            return None if spec.ever_unique and value in taken else value
        if spec.null and not spec.ever_not_null and self.draw(st.booleans()):
            return None
        value = stored(self.draw(st.sampled_from(self.values[spec.value_kind])))
        return unique_value(spec.kind, value, taken) if spec.ever_unique else value

    # -- choosing -----------------------------------------------------------------------------

    def app_models(self) -> list[ModelSpec]:
        return [model for model in self.models if model.app == self.app]

    def tables(self) -> set[str]:
        """The table names a model of this app may not take: those in use, and those another
        app's model ever had (unapplying that app's steps may bring the table back)."""
        others = {t for t, apps in self.custom_tables.items() if apps - {self.app}}
        return {model.table.lower() for model in self.models} | others

    def take_table(self, model: ModelSpec) -> None:
        if model.db_table:
            self.custom_tables.setdefault(model.db_table.lower(), set()).add(model.app)

    def pick_model(self, wanted: Any = None) -> ModelSpec | None:
        candidates = [m for m in self.app_models() if wanted is None or wanted(m)]
        return self.draw(st.sampled_from(candidates)) if candidates else None

    def pick_field(self, wanted: Any) -> tuple[ModelSpec, FieldSpec] | None:
        candidates = [(m, f) for m in self.app_models() for f in m.fields if wanted(m, f)]
        return self.draw(st.sampled_from(candidates)) if candidates else None

    def free_name(self, model: ModelSpec, relation: bool) -> str | None:
        used = {spec.name for spec in model.fields}
        names = [n for n in (RELATION_NAMES if relation else FIELD_NAMES) if n not in used]
        return self.draw(st.sampled_from(names)) if names else None

    def free_model_names(self) -> list[str]:
        used = {model.name.lower() for model in self.app_models()}
        tables = self.tables()
        return [
            name
            for name in MODEL_NAMES
            if name.lower() not in used and f"{self.app}_{name.lower()}" not in tables
        ]

    def default_value(self, kind: str) -> Any:
        return self.draw(st.sampled_from(self.values[kind]))

    def depend_on(self, model: ModelSpec | None) -> None:
        if model is not None and model.app != self.app:
            self.dependencies.add((model.app, self.latest[model.app]))

    def depend_on_referrers(self, target: ModelSpec) -> None:
        """Renaming a model's table repoints other apps' relations, and a rename or deletion
        takes away the name their migrations point at: order after them, as makemigrations
        does, even after their relations are gone."""
        for app in sorted(target.referrer_apps - {self.app}):
            self.dependencies.add((app, self.latest[app]))

    def point_at(self, target: ModelSpec | None) -> None:
        """A relation to ``target``: it must exist first, and it remembers this app."""
        if target is not None:
            target.referrer_apps.add(self.app)
            self.depend_on(target)

    def new_field(self, model: ModelSpec, empty: bool) -> FieldSpec | None:
        """A field for a new table (``empty``) or for a new nullable column."""
        kinds = [*FIELD_CLASSES, *["fk"] * self.relation_weight]
        kind = self.draw(st.sampled_from(kinds))
        name = self.free_name(model, relation=kind == "fk")
        if name is None:
            return None
        if kind == "fk":
            targets = [*self.models, model] if empty else self.models
            target = self.draw(st.sampled_from(targets))
            unique = self.draw(st.booleans()) and self.draw(st.booleans())
            db_index = self.draw(st.booleans()) or self.draw(st.booleans())
            return FieldSpec(name, kind, null=True, unique=unique, db_index=db_index, target=target)
        spec = FieldSpec(
            name,
            kind,
            null=True if not empty else self.draw(st.booleans()),
            db_index=self.draw(st.booleans()) and self.draw(st.booleans()),
            max_length=self.draw(st.sampled_from(MAX_LENGTHS[:2])) if kind == "char" else None,
        )
        if kind != "bool" and self.draw(st.booleans()) and self.draw(st.booleans()):
            spec.unique = spec.ever_unique = True
        elif empty and self.draw(st.booleans()):
            spec.default = self.default_value(kind)
        return spec

    # -- operations ---------------------------------------------------------------------------

    #: each operation's method, as often as it should be drawn
    OPERATIONS = (
        "create_model",
        "add_field",
        "add_field",
        "remove_field",
        "alter_field",
        "alter_field",
        "alter_field",
        "rename_field",
        "rename_model",
        "delete_model",
        "alter_model_table",
        "add_index",
        "remove_index",
        "alter_unique_together",
    )

    def create_model(self) -> Any:
        names = self.free_model_names()
        if not names:
            return None
        model = ModelSpec(self.app, self.draw(st.sampled_from(names)))
        tables = self.tables()
        custom = [t for t in CUSTOM_TABLES if t.lower() not in tables]
        if custom and self.draw(st.integers(0, 3)) == 0:
            model.db_table = self.draw(st.sampled_from(custom))
        for _ in range(self.draw(st.integers(0, 3))):
            spec = self.new_field(model, empty=True)
            if spec is not None:
                model.fields.append(spec)
                self.point_at(spec.target)
        options: dict[str, Any] = {}
        if model.db_table:
            options["db_table"] = model.db_table
        if model.fields and self.draw(st.booleans()):
            spec = self.draw(st.sampled_from(model.fields))
            model.indexes.append((f"ix_{next(self.index_numbers)}", [(spec, True)]))
            options["indexes"] = [models.Index(fields=[f"-{spec.name}"], name=model.indexes[0][0])]
        pairable = [spec for spec in model.fields if spec.kind != "bool"]
        if len(pairable) >= 2 and self.draw(st.booleans()):
            group = (pairable[0], pairable[1])
            model.unique_together.append(group)
            group[0].ever_unique = group[1].ever_unique = True
            options["unique_together"] = {(group[0].name, group[1].name)}
        self.models.append(model)
        self.take_table(model)
        self.undo.append(("create", model))
        fields = [
            ("id", models.BigAutoField(auto_created=True, primary_key=True, verbose_name="ID")),
            *((spec.name, spec.build()) for spec in model.fields),
        ]
        return migrations.CreateModel(model.name, fields, options=options or None)

    def add_field(self) -> Any:
        model = self.pick_model()
        if model is None:
            return None
        spec = self.new_field(model, empty=False)
        if spec is None:
            return None
        mode = (
            "nullable"
            if spec.kind == "fk"
            else self.draw(st.sampled_from(["nullable", "default", "one_off"]))
        )
        preserve_default = True
        fill = None
        if mode != "nullable":
            spec.null, spec.unique, spec.ever_unique, spec.ever_not_null = False, False, False, True
            spec.default = self.default_value(spec.kind)
            fill = stored(spec.default)
        operation_field = spec.build()
        if mode == "one_off":
            spec.default = models.NOT_PROVIDED
            preserve_default = False
        model.fields.append(spec)
        for row in model.rows.values():
            row[spec] = fill
        self.point_at(spec.target)
        self.undo.append(("add", model, spec))
        return migrations.AddField(
            model.name, spec.name, operation_field, preserve_default=preserve_default
        )

    def remove_field(self) -> Any:
        def can_come_back(_model: ModelSpec, spec: FieldSpec) -> bool:
            # unapplying re-adds the column holding its default (or NULL) in every row;
            # every earlier state of the field must accept that
            if spec.has_default:
                return not spec.ever_unique
            return spec.null and not spec.ever_not_null

        picked = self.pick_field(can_come_back)
        if picked is None:
            return None
        model, spec = picked
        fill = stored(spec.default) if spec.has_default else None
        model.drop_field(spec)
        self.undo.append(("remove", model, spec, fill))
        return migrations.RemoveField(model.name, spec.name)

    def alter_field(self) -> Any:
        picked = self.pick_field(lambda _m, _f: True)
        if picked is None:
            return None
        model, spec = picked
        changes = self.field_changes(model, spec)
        change = self.draw(st.sampled_from(sorted(changes)))
        new = changes[change]
        preserve_default = True
        if change == "not_null":
            # the rows holding NULL take the default, one-off or not
            preserve_default = self.draw(st.booleans())
            for row in model.rows.values():
                if row[spec] is None:
                    row[spec] = stored(new.default)
        operation = migrations.AlterField(
            model.name, spec.name, new.build(), preserve_default=preserve_default
        )
        if not preserve_default:
            new.default = models.NOT_PROVIDED
        for attribute in ("kind", "null", "unique", "db_index", "max_length", "default"):
            setattr(spec, attribute, getattr(new, attribute))
        spec.ever_unique |= spec.unique
        spec.ever_not_null |= not spec.null
        self.point_at(spec.target)
        return operation

    def field_changes(self, model: ModelSpec, spec: FieldSpec) -> dict[str, FieldSpec]:
        """Each change the field can take with the rows it holds, as the changed copy."""
        changes: dict[str, FieldSpec] = {}
        if spec.kind == "char" and spec.max_length != MAX_LENGTHS[-1]:
            wider = MAX_LENGTHS[MAX_LENGTHS.index(spec.max_length) + 1]
            changes["widen"] = replace(spec, max_length=wider)
        if spec.kind == "int":
            changes["bigint"] = replace(spec, kind="bigint")
        if spec.kind != "fk" and spec.null:
            has_nulls = any(row[spec] is None for row in model.rows.values())
            if not (spec.ever_unique and has_nulls):
                default = self.default_value(spec.value_kind)
                changes["not_null"] = replace(spec, null=False, default=default)
        if spec.kind != "fk" and not spec.null:
            changes["null"] = replace(spec, null=True)
        if spec.unique:
            changes["unique_off"] = replace(spec, unique=False)
        elif spec.kind != "bool" and model.is_unique(spec):
            changes["unique_on"] = replace(spec, unique=True)
        changes["index"] = replace(spec, db_index=not spec.db_index)
        return changes

    def rename_field(self) -> Any:
        picked = self.pick_field(lambda _m, _f: True)
        if picked is None:
            return None
        model, spec = picked
        new_name = self.free_name(model, relation=spec.kind == "fk")
        if new_name is None:
            return None
        old_name, spec.name = spec.name, new_name
        model.fields.remove(spec)
        model.fields.append(spec)
        return migrations.RenameField(model.name, old_name, new_name)

    def rename_model(self) -> Any:
        model = self.pick_model()
        names = self.free_model_names()
        if model is None or not names:
            return None
        new_name = self.draw(st.sampled_from(names))
        self.depend_on_referrers(model)
        old_name, model.name = model.name, new_name
        return migrations.RenameModel(old_name, new_name)

    def alter_model_table(self) -> Any:
        model = self.pick_model()
        if model is None:
            return None
        tables = self.tables()
        choices: list[str | None] = [t for t in CUSTOM_TABLES if t.lower() not in tables]
        if model.db_table and f"{model.app}_{model.name.lower()}" not in tables:
            choices.append(None)
        if not choices:
            return None
        model.db_table = self.draw(st.sampled_from(choices))
        self.take_table(model)
        self.depend_on_referrers(model)
        return migrations.AlterModelTable(model.name, model.db_table)

    def delete_model(self) -> Any:
        """A model no other model points at; unapplying it brings the table back empty."""

        def unreferenced(model: ModelSpec) -> bool:
            others = (other for other in self.models if other is not model)
            return not any(spec.target is model for other in others for spec in other.fields)

        model = self.pick_model(unreferenced)
        if model is None:
            return None
        self.depend_on_referrers(model)
        self.models.remove(model)
        self.undo.append(("delete", model))
        return migrations.DeleteModel(model.name)

    def add_index(self) -> Any:
        model = self.pick_model(lambda m: bool(m.fields))
        if model is None:
            return None
        specs = self.draw(st.lists(st.sampled_from(model.fields), min_size=1, max_size=2))
        columns = [(spec, self.draw(st.booleans())) for spec in dict.fromkeys(specs)]
        name = f"ix_{next(self.index_numbers)}"
        model.indexes.append((name, columns))
        fields = [f"-{spec.name}" if descending else spec.name for spec, descending in columns]
        return migrations.AddIndex(model.name, models.Index(fields=fields, name=name))

    def remove_index(self) -> Any:
        model = self.pick_model(lambda m: bool(m.indexes))
        if model is None:
            return None
        index = self.draw(st.sampled_from(model.indexes))
        model.indexes.remove(index)
        return migrations.RemoveIndex(model.name, index[0])

    def alter_unique_together(self) -> Any:
        model = self.pick_model()
        if model is None:
            return None
        if model.unique_together and self.draw(st.booleans()):
            model.unique_together = []
        else:
            pairable = [spec for spec in model.fields if spec.kind != "bool"]
            pairs = [
                (a, b)
                for a, b in itertools.combinations(pairable, 2)
                if (a, b) not in model.unique_together and model.is_unique(a, b)
            ]
            if not pairs:
                return None
            group = self.draw(st.sampled_from(pairs))
            model.unique_together.append(group)
            group[0].ever_unique = group[1].ever_unique = True
        together = {(a.name, b.name) for a, b in model.unique_together}
        return migrations.AlterUniqueTogether(model.name, together)


@st.composite
def histories(draw: Any, backend: str) -> History:
    builder = HistoryBuilder(draw, backend)
    for _ in range(draw(st.integers(2, 10))):
        builder.add_step()
    return builder.history()


# -- running a history --------------------------------------------------------------------------


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def migration_files(history: History) -> dict[str, str]:
    """``<app>/migrations/<name>.py`` -> source, as makemigrations would write it."""
    return {
        f"{step.app}/migrations/{step.name}.py": MigrationWriter(
            step.migration(), include_header=False
        ).as_string()
        for step in history.steps
    }


@contextlib.contextmanager
def project(history: History, url: str) -> Iterator[MigrationExecutor]:
    """The history's apps and migration files in a fresh folder, set up as a project on the
    (emptied) database of ``url``.

    Like the ``make_settings`` fixture, but once per example: hypothesis runs many examples
    in one test call, and each needs its own files, settings, app registry and empty database.
    """
    empty_database(url)
    with tempfile.TemporaryDirectory() as folder, mock.patch.dict(os.environ):
        os.environ.pop(conf.SETTINGS_ENV, None)
        os.environ.pop(conf.DATABASE_URL_ENV, None)
        root = Path(folder)
        for app in APPS:
            (root / app / "migrations").mkdir(parents=True)
            (root / app / "__init__.py").write_text("")
            (root / app / "migrations" / "__init__.py").write_text("")
        for path, source in migration_files(history).items():
            (root / path).write_text(source)
        (root / SETTINGS_PACKAGE).mkdir()
        (root / SETTINGS_PACKAGE / "__init__.py").write_text("")
        (root / SETTINGS_PACKAGE / "settings.py").write_text(
            f"INSTALLED_APPS = {list(APPS)!r}\nDATABASES = {{'default': {url!r}}}\n"
        )
        sys.path.insert(0, folder)
        database = None
        try:
            schemashift.setup(f"{SETTINGS_PACKAGE}.settings")
            database = get_database()
            loader = MigrationLoader(apps.get_app_configs())
            yield MigrationExecutor(database, loader, MigrationRecorder(database))
        finally:
            if database is not None:
                database.dispose()
            sys.path.remove(folder)
            for name in list(sys.modules):
                if name.partition(".")[0] in {*APPS, SETTINGS_PACKAGE}:
                    del sys.modules[name]
            conf.reset()
            apps.reset()


def empty_database(url: str) -> None:
    """Drop every table of the test's database, so each example starts from nothing."""
    if url.startswith("sqlite"):
        Path(make_url(url).database).unlink(missing_ok=True)
        return
    database = Database(url)
    try:
        with database.connect() as connection, connection.begin():
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql("DROP SCHEMA public CASCADE")
                connection.exec_driver_sql("CREATE SCHEMA public")
                return
            connection.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 0")
            for table in sa.inspect(connection).get_table_names():
                connection.exec_driver_sql(
                    f"DROP TABLE {connection.dialect.identifier_preparer.quote(table)}"
                )
            connection.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 1")
    finally:
        database.dispose()


def migrate(executor: MigrationExecutor, target: tuple[str, str | None], step: Key) -> None:
    """Migrate to ``target``, which must take exactly the one migration ``step``."""
    applied = set(executor.recorder.applied_migrations())
    plan = executor.plan([target], applied)
    backwards = step in applied
    assert [(s.migration.key, s.backwards) for s in plan] == [(step, backwards)]
    executor.migrate(plan, applied)


def read_tables(executor: MigrationExecutor) -> Tables:
    """Every row of every user table, values as ``stored`` gives them."""
    tables: Tables = {}
    with executor.database.connect() as connection:
        for name in introspect(connection).table_names():
            quoted = connection.dialect.identifier_preparer.quote_identifier(name)
            result = connection.exec_driver_sql(f"SELECT * FROM {quoted}")
            columns = list(result.keys())
            rows = [{c: stored(v) for c, v in zip(columns, row, strict=True)} for row in result]
            tables[name] = {row["id"]: row for row in rows}
        connection.rollback()
    return tables


def insert(executor: MigrationExecutor, rows: list[tuple[str, dict[str, Any]]]) -> None:
    """Insert rows given in ``stored`` form, converted to what each column takes."""
    with executor.database.connect() as connection, connection.begin():
        live = introspect(connection)
        for table, row in rows:
            types = {name: column.type for name, column in live[table].columns.items()}
            values = {column: for_column(value, types[column]) for column, value in row.items()}
            target = sa.table(table, *(sa.column(column) for column in row))
            connection.execute(sa.insert(target).values(values))


def for_column(value: Any, declared: str) -> Any:
    if value is None:
        return None
    if declared == "boolean":
        return bool(value)
    if declared == "date":
        return datetime.date.fromisoformat(value)
    return value


def assert_database_matches(executor: MigrationExecutor, applied: list[Key], rows: Tables) -> None:
    """Schema as the state says, rows as predicted, history rows for the applied only."""
    state = executor.state_of(set(applied))
    with executor.database.connect() as connection:
        live = introspect(connection)
        assert live == expected_schema(state, connection.dialect)
    assert read_tables(executor) == rows
    assert set(executor.recorder.applied_migrations()) == set(applied)


#: examples per backend: a server round trip costs more than a SQLite file
EXAMPLES = {"sqlite": 16, "postgresql": 10, "mysql": 4}
ROLLBACK_EXAMPLES = {"sqlite": 12, "postgresql": 8, "mysql": 3}
#: a larger run: this many examples of each property test on every backend
EXAMPLES_ENV = "SCHEMASHIFT_PROPERTY_EXAMPLES"


def examples(defaults: dict[str, int], backend: str) -> int:
    return int(os.environ.get(EXAMPLES_ENV) or defaults[backend])


def test_generated_history_keeps_every_row_forwards_and_back(
    backend: str, backend_url: str
) -> None:
    @settings(max_examples=examples(EXAMPLES, backend), deadline=None, derandomize=True)
    @given(history=histories(backend))
    def migrates_forwards_and_back(history: History) -> None:
        steps = zip(history.steps, migration_files(history).items(), strict=True)
        for step, (path, source) in steps:
            note(f"# {path}\n{source}\n# rows inserted after it: {step.inserts!r}")
        with project(history, backend_url) as executor:
            applied: list[Key] = []
            for step in history.steps:
                migrate(executor, step.key, step.key)
                applied.append(step.key)
                assert_database_matches(executor, applied, step.after_migrate)
                insert(executor, step.inserts)
            for number in reversed(range(len(history.steps))):
                step = history.steps[number]
                earlier = [s.name for s in history.steps[:number] if s.app == step.app]
                migrate(executor, (step.app, earlier[-1] if earlier else None), step.key)
                applied.pop()
                assert_database_matches(executor, applied, history.expected(set(applied)))
            assert read_tables(executor) == {}

    migrates_forwards_and_back()


Target = tuple[str, str | None]


@dataclass
class Rollbacks:
    """A history of two or three apps, and the ways to roll it back once it is all applied."""

    history: History
    #: the apps with migrations, in the order ``migrate <app> zero`` takes them
    app_order: list[str]
    #: ``migrate <app> <name>`` targets, taken in turn while they are still applied
    targets: list[Target]


@st.composite
def rollbacks(draw: Any, backend: str) -> Rollbacks:
    builder = HistoryBuilder(draw, backend, APPS[: draw(st.integers(2, 3))], relation_weight=4)
    for _ in range(draw(st.integers(3, 12))):
        builder.add_step()
    history = builder.history()
    app_order = draw(st.permutations(sorted({step.app for step in history.steps})))
    choices: list[Target] = [step.key for step in history.steps]
    choices += [(app, None) for app in app_order]
    targets = draw(st.lists(st.sampled_from(choices), min_size=1, max_size=4))
    return Rollbacks(history, list(app_order), targets)


def apply_all(executor: MigrationExecutor, history: History) -> None:
    """Apply the history one migration at a time, in its order, inserting its rows."""
    for step in history.steps:
        migrate(executor, step.key, step.key)
        insert(executor, step.inserts)
    applied = {step.key for step in history.steps}
    assert_database_matches(executor, list(applied), history.expected(applied))


def roll_back(executor: MigrationExecutor, history: History, target: Target) -> None:
    """``migrate`` to ``target`` in one run, checking schema and rows after every migration
    it unapplies."""
    applied = set(executor.recorder.applied_migrations())
    plan = executor.plan([target], applied)
    note(f"# migrate {target}: unapplies {[step.migration.key for step in plan]}")
    assert all(step.backwards for step in plan)
    standing = set(applied)

    def check(event: str, migration: migrations.Migration, detail: object = None) -> None:
        if event == "unapply_success":
            standing.discard(migration.key)
            assert_database_matches(executor, list(standing), history.expected(standing))

    executor.migrate(plan, set(applied), progress=check)
    assert standing == applied - {step.migration.key for step in plan}
    assert_database_matches(executor, list(standing), history.expected(standing))


def test_generated_history_of_several_apps_rolls_back_keeping_every_row(
    backend: str, backend_url: str
) -> None:
    """Apply the whole history, then unapply it app by app (``migrate <app> zero``) in one
    order; apply it again on an empty database, roll back to named migrations, then unapply
    the rest app by app in the other order."""

    @settings(max_examples=examples(ROLLBACK_EXAMPLES, backend), deadline=None, derandomize=True)
    @given(case=rollbacks(backend))
    def rolls_back(case: Rollbacks) -> None:
        history = case.history
        steps = zip(history.steps, migration_files(history).items(), strict=True)
        for step, (path, source) in steps:
            note(f"# {path}\n{source}\n# rows inserted after it: {step.inserts!r}")
        with project(history, backend_url) as executor:
            apply_all(executor, history)
            for app in case.app_order:
                roll_back(executor, history, (app, None))
            assert read_tables(executor) == {}
        with project(history, backend_url) as executor:
            apply_all(executor, history)
            for app, name in case.targets:
                if name is None or (app, name) in executor.recorder.applied_migrations():
                    roll_back(executor, history, (app, name))
            for app in reversed(case.app_order):
                roll_back(executor, history, (app, None))
            assert read_tables(executor) == {}

    rolls_back()


# -- what the property found --------------------------------------------------------------------


def step(app: str, name: str, dependencies: list[Key], *operations: Any) -> Step:
    return Step(app, name, dependencies, list(operations), [], {}, {}, [])


def pk() -> tuple[str, models.Field]:
    return ("id", models.BigAutoField(auto_created=True, primary_key=True, verbose_name="ID"))


STORE_1, STORE_2 = ("store", "0001_initial"), ("store", "0002_change")
CRM_1, CRM_2 = ("crm", "0001_initial"), ("crm", "0002_change")


@pytest.mark.parametrize(
    "options",
    [
        {"indexes": [models.Index(fields=["-title"], name="tag_title")]},
        {"unique_together": {("title", "rank")}},
    ],
    ids=["meta_index", "unique_together"],
)
def test_unapplying_remove_field_restores_the_indexes_naming_the_column(
    options: dict[str, Any], backend_url: str
) -> None:
    """RemoveField drops the Meta index or unique_together group naming the field; unapplying
    it must bring that back, though a nullable column is otherwise re-added by ADD COLUMN."""
    fields = [
        pk(),
        ("title", models.CharField(max_length=12, null=True)),
        ("rank", models.IntegerField(default=0)),
    ]
    history = History(
        [
            step(*STORE_1, [], migrations.CreateModel("Tag", fields, options=options)),
            step(*STORE_2, [STORE_1], migrations.RemoveField("tag", "title")),
        ],
    )
    with project(history, backend_url) as executor:
        migrate(executor, STORE_1, STORE_1)
        insert(executor, [("store_tag", {"id": 1, "title": "it's", "rank": 2})])
        migrate(executor, STORE_2, STORE_2)
        assert read_tables(executor) == {"store_tag": {1: {"id": 1, "rank": 2}}}
        migrate(executor, STORE_1, STORE_2)
        rows = {"store_tag": {1: {"id": 1, "title": None, "rank": 2}}}
        assert_database_matches(executor, [STORE_1], rows)
        migrate(executor, ("store", None), STORE_1)
        assert read_tables(executor) == {}


def test_unapplying_follows_a_table_another_app_renamed_before(backend_url: str) -> None:
    """crm.0002 was applied after store.0002 renamed the table crm_book points at; undoing
    crm.0002 must rebuild crm_book pointing at the renamed table."""
    relation = models.ForeignKey("store.author", models.CASCADE, null=True)
    history = History(
        [
            step(*STORE_1, [], migrations.CreateModel("Author", [pk()])),
            step(
                *CRM_1,
                [STORE_1],
                migrations.CreateModel(
                    "Book", [pk(), ("title", models.CharField(max_length=10)), ("owner", relation)]
                ),
            ),
            step(*STORE_2, [STORE_1, CRM_1], migrations.RenameModel("Author", "Writer")),
            step(
                *CRM_2,
                [CRM_1],
                migrations.AlterField("book", "title", models.CharField(max_length=20)),
            ),
        ],
    )
    with project(history, backend_url) as executor:
        for key in (STORE_1, CRM_1, STORE_2, CRM_2):
            migrate(executor, key, key)
        rows = [("store_writer", {"id": 1}), ("crm_book", {"id": 1, "title": "x", "owner_id": 1})]
        insert(executor, rows)
        migrate(executor, CRM_1, CRM_2)
        expected = {"store_writer": {1: {"id": 1}}, "crm_book": {1: rows[1][1]}}
        assert_database_matches(executor, [STORE_1, CRM_1, STORE_2], expected)


@pytest.mark.parametrize(
    ("operations", "tables"),
    [
        (
            [
                migrations.RenameModel("Author", "Writer"),
                migrations.CreateModel(
                    "Author", [pk(), ("title", models.CharField(max_length=5, db_index=True))]
                ),
            ],
            ["store_author", "store_writer"],
        ),
        (
            [
                migrations.RenameField("author", "title", "name"),
                migrations.AddField(
                    "author", "title", models.CharField(max_length=5, null=True, db_index=True)
                ),
            ],
            ["store_author"],
        ),
    ],
    ids=["model", "field"],
)
def test_a_new_model_or_field_may_take_a_renamed_one_s_name(
    operations: list[Any], tables: list[str], backend_url: str
) -> None:
    initial = migrations.CreateModel(
        "Author", [pk(), ("title", models.CharField(max_length=5, db_index=True))]
    )
    history = History([step(*STORE_1, [], initial), step(*STORE_2, [STORE_1], *operations)])
    with project(history, backend_url) as executor:
        migrate(executor, STORE_1, STORE_1)
        migrate(executor, STORE_2, STORE_2)
        assert_database_matches(executor, [STORE_1, STORE_2], {t: {} for t in tables})


def migrate_to(executor: MigrationExecutor, target: tuple[str, str | None]) -> list[Key]:
    """Migrate to ``target`` in one run, whatever the plan; the migrations it took, in order."""
    applied = set(executor.recorder.applied_migrations())
    plan = executor.plan([target], applied)
    executor.migrate(plan, applied)
    return [step.migration.key for step in plan]


def test_unapplying_skips_a_relation_the_same_run_already_unapplied(backend_url: str) -> None:
    """store.0001 (a relation to crm_author) was applied before crm.0002, but ``crm zero``
    unapplies it first: rebuilding crm_author must not look for store_book any more."""
    relation = models.ForeignKey("crm.author", models.CASCADE, null=True)
    history = History(
        [
            step(
                *CRM_1,
                [],
                migrations.CreateModel(
                    "Author", [pk(), ("title", models.CharField(max_length=10, null=True))]
                ),
            ),
            step(*STORE_1, [CRM_1], migrations.CreateModel("Book", [pk(), ("owner", relation)])),
            step(
                *CRM_2,
                [CRM_1],
                migrations.AlterField("author", "title", models.CharField(max_length=10)),
            ),
        ],
    )
    with project(history, backend_url) as executor:
        for key in (CRM_1, STORE_1, CRM_2):
            migrate(executor, key, key)
        insert(executor, [("crm_author", {"id": 1, "title": "x"})])
        insert(executor, [("store_book", {"id": 1, "owner_id": 1})])
        assert migrate_to(executor, ("crm", None)) == [STORE_1, CRM_2, CRM_1]
        assert_database_matches(executor, [], {})
