"""The tables of a project's models as plain data: each table with its columns (their SQL type
on one backend, keys and nullability) and the foreign keys between tables.

A ManyToManyField's automatic through table is a table of its own here, with its two foreign
keys; a ``through=`` model is a model like any other.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from schemashift.models.fields import OneToOneField
from schemashift.models.many_to_many import auto_through_fields, m2m_table_name, through_pk_class

if TYPE_CHECKING:
    from schemashift.db.backends.base import BaseSchemaEditor
    from schemashift.migrations.state import ModelState, ProjectState
    from schemashift.models.fields import Field

_AUTO_INCREMENT = re.compile(r"\s+AUTO_INCREMENT\b", re.IGNORECASE)


class Cardinality(Enum):
    """How many rows of the referencing table a row of the referenced table has, and whether a
    referencing row must have a partner."""

    MANY_TO_ONE = "many to one"
    MANY_TO_ZERO_OR_ONE = "many to zero or one"
    ONE_TO_ONE = "one to one"
    ONE_TO_ZERO_OR_ONE = "one to zero or one"


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str
    #: the field class that makes the column (``CharField``)
    field_class: str
    is_primary_key: bool = False
    is_foreign_key: bool = False
    is_unique: bool = False
    is_nullable: bool = False

    @property
    def keys(self) -> list[str]:
        """``PK``, ``FK`` and ``UK``, those the column is."""
        marks = (("PK", self.is_primary_key), ("FK", self.is_foreign_key), ("UK", self.is_unique))
        return [mark for mark, is_key in marks if is_key]


@dataclass(frozen=True)
class Table:
    name: str
    #: ``app.Model``, or for an automatic through table ``app.Model_field``
    source: str
    columns: tuple[Column, ...]


@dataclass(frozen=True)
class Relation:
    """A foreign key of ``table`` (its column ``column``) to ``target``."""

    table: str
    column: str
    target: str
    cardinality: Cardinality
    #: the field's name
    name: str


@dataclass(frozen=True)
class EntityDiagram:
    """Tables sorted by name, relations sorted by table and column."""

    tables: tuple[Table, ...]
    relations: tuple[Relation, ...]


def entity_diagram(
    state: ProjectState, app_labels: Iterable[str], editor: BaseSchemaEditor
) -> EntityDiagram:
    """The tables of the apps' models (concrete, not swapped) and of their automatic through
    tables, with the column types ``editor``'s backend gives them."""
    labels = set(app_labels)
    tables: list[Table] = []
    relations: list[Relation] = []
    for model in _drawn_models(state, labels):
        for table_model in (model, *_auto_through_models(model)):
            table, table_relations = _table(state, table_model, editor)
            tables.append(table)
            relations += table_relations
    return EntityDiagram(
        tuple(sorted(tables, key=lambda table: table.name)),
        tuple(sorted(relations, key=lambda relation: (relation.table, relation.column))),
    )


def _drawn_models(state: ProjectState, labels: set[str]) -> Iterator[ModelState]:
    for key in sorted(state.models):
        model = state.models[key]
        if key[0] in labels and not model.is_proxy and model.swapped is None:
            yield model


def _auto_through_models(model: ModelState) -> list[ModelState]:
    """The automatic through tables of the model's ManyToManyFields, as model states."""
    throughs = []
    for field in model.fields.values():
        if not field.many_to_many or field.through is not None:
            continue
        label = f"{model.app_label}.{model.name_lower}"
        fields = auto_through_fields(label, field, through_pk_class())
        options = {"db_table": m2m_table_name(model.db_table, field)}
        name = f"{model.name}_{field.name}"
        throughs.append(type(model)(model.app_label, name, [(f.name, f) for f in fields], options))
    return throughs


def _table(
    state: ProjectState, model: ModelState, editor: BaseSchemaEditor
) -> tuple[Table, list[Relation]]:
    name = editor.model_table(model)
    columns = []
    relations = []
    for field in model.fields.values():
        if field.many_to_many:
            continue
        columns.append(_column(state, field, editor))
        if field.is_relation:
            target = editor.model_table(state.related_model(field))
            relations.append(Relation(name, field.column, target, _cardinality(field), field.name))
    return Table(name, model.label, tuple(columns)), relations


def _column(state: ProjectState, field: Field, editor: BaseSchemaEditor) -> Column:
    sql_type = editor.column_type(field, state)
    if field.is_auto:
        # MySQL writes AUTO_INCREMENT into an auto field's type; the field class says it
        sql_type = _AUTO_INCREMENT.sub("", sql_type)
    return Column(
        name=field.column,
        sql_type=sql_type,
        field_class=type(field).__name__,
        is_primary_key=bool(field.primary_key),
        is_foreign_key=field.is_relation,
        is_unique=bool(field.unique) and not field.primary_key,
        is_nullable=bool(field.null),
    )


def _cardinality(field: Field) -> Cardinality:
    if isinstance(field, OneToOneField):
        return Cardinality.ONE_TO_ZERO_OR_ONE if field.null else Cardinality.ONE_TO_ONE
    return Cardinality.MANY_TO_ZERO_OR_ONE if field.null else Cardinality.MANY_TO_ONE
