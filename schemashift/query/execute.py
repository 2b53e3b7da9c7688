"""Running the compiled statements on ``connections[alias]`` and turning rows into objects."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from schemashift.exceptions import FieldError
from schemashift.models.expressions import Expression
from schemashift.models.query_state import Query
from schemashift.models.related import relation_value
from schemashift.query.columns import table_of
from schemashift.query.sql import Compiler, loaded_fields

if TYPE_CHECKING:
    from schemashift.models.base import Model

#: how many primary keys one ``IN (...)`` of a DELETE or UPDATE names at most
BATCH_SIZE = 500


def connection_for(alias: str) -> Any:
    """The connection of a database alias (``schemashift.db.connections``)."""
    from schemashift.db.connections import connections

    return connections[alias]


def atomic(alias: str) -> AbstractContextManager[Any]:
    from schemashift.db.transaction import atomic as atomic_block

    return atomic_block(using=alias)


def compiler_for(query: Query, alias: str) -> Compiler:
    return Compiler(query, connection_for(alias))


def fetch_instances(query: Query, alias: str) -> Iterator[Model]:
    """Model instances of the query's rows, with select_related objects and annotations."""
    compiler = compiler_for(query, alias)
    statement, related = compiler.select_instances()
    model = query.model
    fields = loaded_fields(query)
    count = len(fields)
    names = list(query.annotations)
    for row in compiler.connection.execute(statement).all():
        instance = model.from_db(alias, row[:count], fields=fields)
        by_path = {(): instance}
        for entry in related:
            values = row[entry.start : entry.start + len(entry.model._meta.fields)]
            pk_index = entry.model._meta.fields.index(entry.model._meta.pk)
            child = None if values[pk_index] is None else entry.model.from_db(alias, values)
            parent = by_path.get(entry.parent)
            if parent is not None:
                parent._state.fields_cache[entry.field_name] = child
            by_path[entry.path] = child
        offset = len(row) - len(names)
        for index, name in enumerate(names):
            setattr(instance, name, row[offset + index])
        yield instance


def fetch_values(query: Query, alias: str, names: tuple[str, ...]) -> list[tuple[Any, ...]]:
    compiler = compiler_for(query, alias)
    return [tuple(row) for row in compiler.connection.execute(compiler.select_values(names))]


def count_rows(query: Query, alias: str) -> int:
    compiler = compiler_for(query, alias)
    if query.distinct or query.is_sliced or query.has_aggregate_annotation:
        if query.values is not None:
            inner = compiler.select_values(query.values)
        else:
            inner = compiler.select_instances()[0]
        statement = sa.select(sa.func.count()).select_from(inner.subquery())
    else:
        where, having = compiler.filters()
        statement = sa.select(sa.func.count()).select_from(compiler.from_)
        if where:
            statement = statement.where(*where)
    return compiler.connection.execute(statement).scalar_one()


def rows_exist(query: Query, alias: str) -> bool:
    compiler = compiler_for(query, alias)
    if query.is_sliced or query.has_aggregate_annotation:
        inner = compiler.select_instances()[0]
        statement = sa.select(sa.literal(1)).select_from(inner.subquery()).limit(1)
    else:
        where, _having = compiler.filters()
        statement = sa.select(sa.literal(1)).select_from(compiler.from_).limit(1)
        if where:
            statement = statement.where(*where)
    return compiler.connection.execute(statement).first() is not None


def aggregate_rows(query: Query, alias: str, aggregates: dict[str, Any]) -> dict[str, Any]:
    if query.distinct or query.is_sliced or query.has_aggregate_annotation:
        raise NotImplementedError(
            "aggregate() over a sliced, distinct or annotated queryset is not supported yet."
        )
    compiler = compiler_for(query, alias)
    where, _having = compiler.filters()
    for name, aggregate in aggregates.items():
        if not getattr(aggregate, "contains_aggregate", False):
            raise TypeError(f"{name} is not an aggregate expression.")
    columns = [aggregate.resolve(compiler).label(name) for name, aggregate in aggregates.items()]
    statement = sa.select(*columns).select_from(compiler.from_)
    if where:
        statement = statement.where(*where)
    row = compiler.connection.execute(statement).one()
    return dict(zip(aggregates, row, strict=True))


def update_rows(query: Query, alias: str, values: dict[str, Any]) -> int:
    """UPDATE the rows the query matches; ``values`` maps field names to values or F()."""
    model = query.model
    bare = query.clone()
    bare.ordering = ()
    compiler = compiler_for(bare, alias)
    table = compiler.table
    joins_before = len(compiler.joins)
    concrete = model._meta.concrete_model
    by_owner: dict[type, dict[str, Any]] = {}
    for name, value in values.items():
        try:
            field = model._meta.get_field(name)
        except LookupError:
            raise FieldError(f"{model.__name__} has no field named '{name}'") from None
        if field.primary_key and field.is_auto:
            raise FieldError(f"Cannot update the automatic primary key '{name}'.")
        if isinstance(value, Expression):
            value = value.resolve(compiler)
            if len(compiler.joins) != joins_before:
                raise FieldError(
                    f"Cannot update {model.__name__}.{name} from a field of a related model: "
                    "joined field references are not permitted in update(); use a Subquery."
                )
        elif field.is_relation and getattr(value, "_meta", None) is not None:
            value = relation_value(value, field)
        owner = concrete._meta.owner_of(field)
        by_owner.setdefault(owner, {})[field.column] = value
    where, having = compiler.filters()
    connection = compiler.connection
    own_table_only = set(by_owner) <= {concrete}
    if own_table_only and not compiler.joins and not having and not query.is_sliced:
        # in the order given: MySQL/MariaDB assign from left to right
        statement = sa.update(table).ordered_values(*by_owner.get(concrete, {}).items())
        if where:
            statement = statement.where(*where)
        return connection.execute(statement).rowcount
    # the rows of a child and of its parents share primary key values
    pks = [row[0] for row in connection.execute(compiler.select_pks())]
    updated = 0
    for owner, assignments in by_owner.items():
        updated = max(updated, update_pks(owner, alias, pks, assignments))
    return updated


def update_pks(model: type[Model], alias: str, pks: list[Any], assignments: dict[str, Any]) -> int:
    """UPDATE columns (by column name) of the rows with these primary keys."""
    connection = connection_for(alias)
    table = table_of(model, connection.vendor)
    pk = table.c[model._meta.concrete_model._meta.pk.column]
    updated = 0
    for start in range(0, len(pks), BATCH_SIZE):
        statement = (
            sa.update(table)
            .ordered_values(*assignments.items())
            .where(pk.in_(pks[start : start + BATCH_SIZE]))
        )
        updated += connection.execute(statement).rowcount
    return updated


def delete_pks(model: type[Model], alias: str, pks: list[Any]) -> int:
    connection = connection_for(alias)
    table = table_of(model, connection.vendor)
    pk = table.c[model._meta.pk.column]
    deleted = 0
    for start in range(0, len(pks), BATCH_SIZE):
        statement = sa.delete(table).where(pk.in_(pks[start : start + BATCH_SIZE]))
        deleted += connection.execute(statement).rowcount
    return deleted


def insert_row(model: type[Model], alias: str, values: dict[str, Any], returning_pk: bool) -> Any:
    """INSERT one row (columns by name); the new primary key when ``returning_pk``."""
    connection = connection_for(alias)
    table = table_of(model, connection.vendor)
    statement = sa.insert(table).values(values)
    pk = table.c[model._meta.pk.column]
    if returning_pk and _returns_rows(connection):
        return connection.execute(statement.returning(pk)).scalar_one()
    result = connection.execute(statement)
    return result.lastrowid if returning_pk else None


def insert_row_reading(
    model: type[Model], alias: str, values: dict[str, Any], pk_value: Any, read: list[str]
) -> dict[str, Any]:
    """INSERT one row and read back the columns ``read`` (the primary key always): through
    RETURNING where the backend has it, else by selecting the new row."""
    connection = connection_for(alias)
    table = table_of(model, connection.vendor)
    pk_column = model._meta.pk.column
    columns = [table.c[name] for name in dict.fromkeys([pk_column, *read])]
    statement = sa.insert(table).values(values)
    if _returns_rows(connection):
        row = connection.execute(statement.returning(*columns)).one()
        return dict(zip((c.key for c in columns), row, strict=True))
    result = connection.execute(statement)
    new_pk = result.lastrowid if pk_value is None else pk_value
    row = connection.execute(sa.select(*columns).where(table.c[pk_column] == new_pk)).one()
    return dict(zip((c.key for c in columns), row, strict=True))


def insert_rows(
    model: type[Model],
    alias: str,
    rows: list[dict[str, Any]],
    read: list[str],
    in_order: bool = True,
) -> list[dict[str, Any]]:
    """INSERT many rows (all with the same columns) as one executemany. Where the backend
    returns rows from an INSERT (PostgreSQL, SQLite, MariaDB), the columns ``read`` of each
    new row: in the order of ``rows``, or in any order where the caller matches them itself
    (``in_order=False``, which lets SQLite and MariaDB insert many rows in one statement);
    else, or with nothing to read, an empty list."""
    if not rows:
        return []
    connection = connection_for(alias)
    table = table_of(model, connection.vendor)
    statement = sa.insert(table)
    if read and _returns_rows(connection):
        columns = [table.c[name] for name in read]
        statement = statement.returning(*columns, sort_by_parameter_order=in_order)
        return [dict(zip(read, row, strict=True)) for row in connection.execute(statement, rows)]
    connection.execute(statement, rows)
    return []


def returns_inserted_rows(alias: str) -> bool:
    """Whether an INSERT can hand back the rows it made (RETURNING)."""
    return _returns_rows(connection_for(alias))


def _returns_rows(connection: Any) -> bool:
    # the connection's dialect: the engine's learns what the server can do on first connect
    return bool(connection.connection.dialect.insert_returning)
