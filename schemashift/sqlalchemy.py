"""The project's tables as SQLAlchemy ``MetaData``, and the engine of a configured database.

``metadata()`` describes every table the migrations of the installed apps make, as the
configured backend has it: the column types the schema editor declares, nullability, primary
and foreign keys, unique constraints, indexes and check constraints under the names
schemashift gives them, database defaults and generated columns. Values are converted as the
query API converts them, so a Core ``select()`` reads what ``Question.objects.create()`` wrote
(aware datetimes, ``uuid.UUID``, ``Decimal``)::

    import sqlalchemy as sa
    from schemashift.sqlalchemy import engine, metadata

    tables = metadata().tables
    question = tables["polls_question"]
    with engine().connect() as connection:
        rows = connection.execute(sa.select(question)).all()

``engine()`` is the Engine the query API runs its statements on.
"""

from __future__ import annotations

if __name__ == "sqlalchemy":
    # Python was started in the schemashift folder itself, which then shadows SQLAlchemy
    raise ImportError(
        f"{__file__} was imported as 'sqlalchemy': run Python from outside the schemashift "
        "package folder, so that 'import sqlalchemy' finds SQLAlchemy."
    )

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.types import TypeDecorator

from schemashift.db.backends.base import BaseSchemaEditor, TableDefinition, is_managed
from schemashift.db.backends.defaults import columns_beside, generated_expression_sql
from schemashift.db.backends.through_tables import auto_through_state, has_auto_through
from schemashift.db.connections import DEFAULT_DB_ALIAS, connections
from schemashift.db.introspection import editor_for
from schemashift.exceptions import ImproperlyConfigured
from schemashift.migrations.state import ModelState, ProjectState
from schemashift.models.constraints import CheckConstraint, UniqueConstraint
from schemashift.models.fields import Field
from schemashift.models.many_to_many import through_model
from schemashift.query.columns import column_type


class MigratedType(TypeDecorator):
    """A column type written as migrations declare it (``varchar(200)``, ``longtext``), whose
    values are converted as the query API converts them (``converted``)."""

    impl = sa.types.NullType
    cache_ok = True

    def __init__(self, declared: str, converted: sa.types.TypeEngine[Any]) -> None:
        super().__init__()
        self.impl = converted
        self.declared = declared
        self.converted = converted

    def load_dialect_impl(self, dialect: sa.Dialect) -> sa.types.TypeEngine[Any]:
        return self.converted.dialect_impl(dialect)

    @property
    def python_type(self) -> type:
        return self.converted.python_type

    def __repr__(self) -> str:
        return f"MigratedType({self.declared!r}, {self.converted!r})"


@compiles(MigratedType)
def _compile_declared(element: MigratedType, compiler: Any, **kw: Any) -> str:
    return element.declared


def engine(alias: str = DEFAULT_DB_ALIAS) -> sa.Engine:
    """The SQLAlchemy Engine of ``settings.DATABASES[alias]``, the one the query API uses."""
    return connections[alias].database.engine


def metadata(apps: Any = None, *, database: str = DEFAULT_DB_ALIAS) -> sa.MetaData:
    """A ``Table`` for every concrete, managed model of ``apps`` (the installed apps when
    None; in ``RunPython`` code, the historical ``apps`` it is given) and for every automatic
    many-to-many table, as migrations make them on the backend of ``database``."""
    registry = apps if apps is not None else _installed_apps()
    state = ProjectState.from_apps(registry)
    editor = editor_for(connections[database].connection.dialect)
    found = sa.MetaData()
    for model in registry.get_models():
        opts = model._meta
        model_state = state.models[(opts.app_label, opts.model_name)]
        if not is_managed(model_state):
            continue
        _add_table(found, editor, state, model_state, model)
        for field in opts.local_many_to_many:
            if has_auto_through(field):
                through = auto_through_state(model_state, model_state.fields[field.name])
                _add_table(found, editor, state, through, through_model(field))
    return found


def _installed_apps() -> Any:
    from schemashift.apps import apps

    if not apps.ready:
        raise ImproperlyConfigured(
            "The installed apps are not loaded: call schemashift.setup() before "
            "schemashift.sqlalchemy.metadata()."
        )
    return apps


def _add_table(
    found: sa.MetaData,
    editor: BaseSchemaEditor,
    state: ProjectState,
    model: ModelState,
    model_class: type,
) -> sa.Table:
    definition = editor.table_definition(model)
    class_fields = {f.column: f for f in model_class._meta.local_fields}
    options: dict[str, Any] = {}
    if editor.auto_key_form == "autoincrement" and any(_is_auto_key(f) for f in definition.fields):
        options[f"{editor.dialect_name}_autoincrement"] = True
    table = sa.Table(
        definition.table,
        found,
        *(_column(editor, state, f, class_fields.get(f.column)) for f in definition.fields),
        *_foreign_keys(editor, state, definition),
        comment=model.options.get("db_table_comment"),
        **options,
    )
    _add_unique_and_indexes(table, editor, state, definition)
    for constraint in definition.constraints:
        if isinstance(constraint, CheckConstraint) and editor.creates_constraint(constraint):
            check = editor.check_sql(definition, state, constraint.condition)
            table.append_constraint(sa.CheckConstraint(sa.text(check), name=constraint.name))
    return table


def _column(
    editor: BaseSchemaEditor, state: ProjectState, field: Field, model_field: Field | None
) -> sa.Column[Any]:
    converted = column_type(model_field) if model_field is not None else sa.types.NullType()
    extras: list[Any] = []
    if field.generated:
        expression = generated_expression_sql(editor, field, columns_beside(state, field))
        extras.append(sa.Computed(sa.text(expression), persisted=bool(field.db_persist)))
    if _is_auto_key(field) and editor.auto_key_form == "identity":
        extras.append(sa.Identity())
    check = editor.column_definition_check(field, field.column)
    if check:
        extras.append(sa.CheckConstraint(sa.text(check)))
    return sa.Column(
        field.column,
        MigratedType(editor.bare_column_type(field, state), converted),
        *extras,
        primary_key=field.primary_key,
        nullable=bool(field.null or field.generated),
        autoincrement=_is_auto_key(field),
        server_default=sa.text(editor.db_default_sql(field)) if field.has_db_default() else None,
        comment=field.db_comment or None,
    )


def _is_auto_key(field: Field) -> bool:
    return bool(field.primary_key and field.is_auto)


def _foreign_keys(
    editor: BaseSchemaEditor, state: ProjectState, definition: TableDefinition
) -> list[sa.ForeignKeyConstraint]:
    found = []
    deferred = {"deferrable": True, "initially": "DEFERRED"} if editor.defers_foreign_keys else {}
    for field in definition.fields:
        if not (field.is_relation and field.db_constraint):
            continue
        to_table = editor.model_table(state.related_model(field))
        to_column = editor.target_field(field, state).column
        name = (
            editor.foreign_key_name(definition.table, field.column, to_table, to_column)
            if editor.names_foreign_keys
            else None
        )
        found.append(
            sa.ForeignKeyConstraint(
                [field.column], [f"{to_table}.{to_column}"], name=name, **deferred
            )
        )
    return found


def _add_unique_and_indexes(
    table: sa.Table, editor: BaseSchemaEditor, state: ProjectState, definition: TableDefinition
) -> None:
    """unique fields, unique_together, db_index fields (and their pattern indexes), Meta
    indexes, index_together and Meta unique constraints, named as the schema editor names
    them."""
    for field in definition.fields:
        if field.unique and not field.primary_key:
            table.append_constraint(sa.UniqueConstraint(field.column))
    for key, (name, columns, unique) in editor.generated_indexes(definition, state=state).items():
        if key[0] == "unique" and not editor.makes_unique_together_as_index:
            table.append_constraint(sa.UniqueConstraint(*columns, name=name))
        elif key[0] == "like":
            opclass = editor.pattern_opclass(definition.get_field(key[1]), state)
            options = {f"{editor.dialect_name}_ops": {columns[0]: opclass}}
            table.append_constraint(sa.Index(name, table.c[columns[0]], **options))
        else:
            table.append_constraint(sa.Index(name, *(table.c[c] for c in columns), unique=unique))
    for index in definition.indexes:
        if editor.creates_index(index):
            table.append_constraint(_index(table, editor, state, definition, index))
    for group in definition.index_together:
        columns = definition.columns(group)
        name = editor.index_together_name(definition.table, columns)
        table.append_constraint(sa.Index(name, *(table.c[c] for c in columns)))
    for constraint in definition.constraints:
        if not isinstance(constraint, UniqueConstraint):
            continue
        if editor.is_unique_index(constraint):
            table.append_constraint(
                _index(table, editor, state, definition, constraint, unique=True)
            )
        elif editor.creates_constraint(constraint):
            columns = [definition.get_field(name).column for name in constraint.fields]
            deferrable = constraint.deferrable
            table.append_constraint(
                sa.UniqueConstraint(
                    *columns,
                    name=constraint.name,
                    deferrable=bool(deferrable) or None,
                    initially=deferrable.value.upper() if deferrable else None,
                )
            )


def _index(
    table: sa.Table,
    editor: BaseSchemaEditor,
    state: ProjectState,
    definition: TableDefinition,
    item: Any,
    unique: bool = False,
) -> sa.Index:
    """A Meta index, or a unique constraint made as a unique index: its columns in order or
    its expressions, with the condition, include columns and opclasses the backend writes."""
    prefix = editor.dialect_name
    keys: list[Any]
    if item.expressions:
        keys = [
            sa.text(editor.constraint_columns(definition, state, (), [expression]))
            for expression in item.expressions
        ]
    else:
        orders = getattr(item, "fields_orders", None) or [(name, "") for name in item.fields]
        columns = [table.c[definition.get_field(name).column] for name, _order in orders]
        keys = [
            column.desc() if order == "DESC" else column
            for column, (_name, order) in zip(columns, orders, strict=True)
        ]
    options: dict[str, Any] = {}
    if item.condition and editor.supports_partial_indexes:
        condition = editor.ddl_compiler(definition, state).condition(item.condition)
        options[f"{prefix}_where"] = sa.text(condition)
    if item.include and editor.supports_covering_indexes:
        options[f"{prefix}_include"] = [definition.get_field(n).column for n in item.include]
    if item.opclasses and editor.supports_index_opclasses and not item.expressions:
        fields = [name.removeprefix("-") for name in item.fields]
        options[f"{prefix}_ops"] = {
            definition.get_field(name).column: opclass
            for name, opclass in zip(fields, item.opclasses, strict=True)
        }
    return sa.Index(item.name, *keys, unique=unique, **options)


__all__ = ["MigratedType", "engine", "metadata"]
