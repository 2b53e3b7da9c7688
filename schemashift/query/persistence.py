"""Writing model instances: save (INSERT or UPDATE), bulk inserts and refresh."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from schemashift.exceptions import DatabaseError
from schemashift.models.expressions import Expression, Q
from schemashift.models.fields import DatabaseDefault
from schemashift.models.query_state import Query
from schemashift.models.queryset import DEFAULT_DB_ALIAS, QuerySet
from schemashift.models.related import relation_value
from schemashift.models.signals import post_save, pre_save
from schemashift.query.execute import (
    atomic,
    fetch_values,
    insert_row,
    insert_row_reading,
    insert_rows,
    returns_inserted_rows,
    update_rows,
)
from schemashift.utils import timezone

if TYPE_CHECKING:
    from schemashift.models.base import Model


def _stamp_auto_fields(instance: Model, adding: bool, now: datetime.datetime) -> None:
    """Fill ``auto_now`` (every save) and ``auto_now_add`` (first save) fields."""
    for field in instance._meta.fields:
        if getattr(field, "auto_now", False) or (adding and getattr(field, "auto_now_add", False)):
            kind = field.get_internal_type()
            value = (
                now.date() if kind == "DateField" else now.time() if kind == "TimeField" else now
            )
            setattr(instance, field.attname, value)


def _check_related_saved(instance: Model) -> None:
    for field in instance._meta.fields:
        if not field.is_relation:
            continue
        related = instance._state.fields_cache.get(field.name)
        if related is None:
            continue
        if related.pk is None:
            raise ValueError(
                f"save() prohibited to prevent data loss due to unsaved related object "
                f"'{field.name}'."
            )
        if getattr(instance, field.attname) is None:
            # the target was saved after being assigned: take its new key
            setattr(instance, field.attname, relation_value(related, field))


def save_instance(
    instance: Model,
    using: str | None = None,
    force_insert: bool = False,
    force_update: bool = False,
    update_fields: Any = None,
) -> None:
    """INSERT a new row or UPDATE the existing one, as Django's ``Model.save()``.

    A child of multi-table inheritance writes its parents' tables first (root first), then
    its own, its parent link taking the parent's primary key. A proxy writes its concrete
    model's table. A field set to an ``F()`` expression is updated in the database and then
    read back, so the instance holds the new value rather than the expression.
    """
    if force_insert and (force_update or update_fields):
        raise ValueError("Cannot force both insert and updating in model saving.")
    model = type(instance)
    concrete = model._meta.concrete_model
    alias = using or instance._state.db or DEFAULT_DB_ALIAS
    _check_related_saved(instance)
    adding = instance._state.adding
    _stamp_auto_fields(instance, adding, timezone.now())
    if update_fields is not None and not update_fields:
        return  # saving no field is nothing to do, and sends no signal (as Django)
    names = None if update_fields is None else set(update_fields)
    sent_fields = None if update_fields is None else frozenset(update_fields)
    pre_save.send(
        sender=model, instance=instance, raw=False, using=alias, update_fields=sent_fields
    )
    table_save = _TableSave(instance, alias, adding, force_insert, force_update, names)
    with atomic(alias):
        table_save.save_parents(concrete)
        table_save.save_table(concrete)
    instance._state.adding = False
    instance._state.db = alias
    stale = [*table_save.expressions, *table_save.read_back]
    if stale:
        refresh_instance(instance, alias, [f.attname for f in stale])
    post_save.send(
        sender=model,
        instance=instance,
        created=table_save.inserted,
        update_fields=sent_fields,
        raw=False,
        using=alias,
    )


class _TableSave:
    """The writes of one ``save()``: one table at a time, parents before children."""

    def __init__(
        self,
        instance: Model,
        alias: str,
        adding: bool,
        force_insert: bool,
        force_update: bool,
        update_fields: set[str] | None,
    ) -> None:
        self.instance = instance
        self.alias = alias
        self.adding = adding
        self.force_insert = force_insert
        self.force_update = force_update
        self.update_fields = update_fields
        self.expressions: list[Any] = []
        #: whether the last table written got a new row (post_save's ``created``)
        self.inserted = False
        #: fields the database computed on an UPDATE (generated columns), read back after
        self.read_back: list[Any] = []

    def save_parents(self, model: type[Model]) -> None:
        instance = self.instance
        for parent, link in model._meta.parents.items():
            parent_pk = parent._meta.pk.attname
            if getattr(instance, parent_pk) is None and getattr(instance, link.attname) is not None:
                setattr(instance, parent_pk, getattr(instance, link.attname))
            self.save_parents(parent)
            self.save_table(parent)
            setattr(instance, link.attname, getattr(instance, parent_pk))

    def save_table(self, model: type[Model]) -> None:
        """UPDATE or INSERT the row of ``model``'s own table."""
        instance, alias = self.instance, self.alias
        self.inserted = False
        opts = model._meta
        pk_field = opts.pk
        pk_value = getattr(instance, pk_field.attname)
        generated = [f for f in opts.local_fields if f.generated]
        fields = [f for f in opts.local_fields if not f.primary_key and not f.generated]
        if self.update_fields is not None:
            fields = [f for f in fields if {f.name, f.attname} & self.update_fields]
            if not fields:
                return  # nothing of this table is to be written
        elif not self.adding:
            # a row fetched with defer()/only() saves the fields it loaded, as in Django
            fields = [f for f in fields if f.attname in instance.__dict__]
        if self.adding and opts.order_with_respect_to and not self.update_fields:
            _number_in_order(instance, model, alias)
        values = {f.attname: getattr(instance, f.attname) for f in fields}
        # left to the column's database default: an INSERT leaves the column out, an UPDATE
        # writes the default; either way the value is read back
        database_defaults = [f for f in fields if isinstance(values[f.attname], DatabaseDefault)]
        reset = {f.attname: f.db_default for f in database_defaults}
        for left_out in database_defaults:
            del values[left_out.attname]
        expressions = [f for f in fields if isinstance(values.get(f.attname), Expression)]
        self.expressions.extend(expressions)
        try_update = pk_value is not None and not self.force_insert
        if try_update and self.adding and pk_field.has_default() and not self.force_update:
            try_update = False
        updated = False
        if try_update:
            query = Query(model)
            query.add_q(Q(pk=pk_value))
            assignments = {**values, **reset}
            updated = bool(assignments) and update_rows(query, alias, assignments) > 0
            if not assignments:
                updated = _row_exists(model, alias, pk_value)
            if not updated and (self.force_update or self.update_fields is not None):
                raise DatabaseError(
                    f"{model.__name__} with pk {pk_value!r} was not updated: no such row."
                )
        self.inserted = not updated
        if updated:
            self.read_back.extend([*database_defaults, *generated])
            return
        if expressions:
            raise ValueError(
                "F() expressions can only be used to update, not to insert "
                f"({', '.join(f.name for f in expressions)})."
            )
        columns = {opts.get_field(name).column: value for name, value in values.items()}
        if pk_value is not None:
            columns[pk_field.column] = pk_value
        computed = [*database_defaults, *generated]
        if computed:
            read = [f.column for f in computed]
            row = insert_row_reading(model, alias, columns, pk_value, read)
            for field in (pk_field, *computed):
                setattr(instance, field.attname, row[field.column])
            return
        new_pk = insert_row(model, alias, columns, returning_pk=pk_value is None)
        if pk_value is None:
            setattr(instance, pk_field.attname, new_pk)


def _number_in_order(instance: Model, model: type[Model], alias: str) -> None:
    """A new row ordered with respect to a relation goes last among its siblings."""
    relation = model._meta.get_field(model._meta.order_with_respect_to)
    siblings = QuerySet(model, using=alias).filter(
        **{relation.attname: getattr(instance, relation.attname)}
    )
    instance._order = siblings.count()


def _row_exists(model: type[Model], alias: str, pk_value: Any) -> bool:
    return QuerySet(model, using=alias).filter(pk=pk_value).exists()


def bulk_insert(model: type[Model], alias: str, objs: list[Model]) -> None:
    """INSERT the objects: those with a primary key first, then those without (as Django),
    each run of objects that leave the same columns to their database default as one
    executemany. Where the backend returns inserted rows, every object takes its new key,
    the database defaults it left out and its generated columns; elsewhere (MySQL) an object
    with database defaults is inserted alone so that they can be read back by its key."""
    opts = model._meta
    if opts.concrete_model._meta.parents:
        raise ValueError("Can't bulk create a multi-table inherited model")
    opts = opts.concrete_model._meta
    pk_field = opts.pk
    now = timezone.now()
    for obj in objs:
        if not isinstance(obj, model):
            raise TypeError(f"bulk_create() expects {model.__name__} instances, not {obj!r}.")
        _check_related_saved(obj)
        _stamp_auto_fields(obj, True, now)
    fields = [f for f in opts.local_fields if not f.primary_key and not f.generated]
    generated = [f for f in opts.local_fields if f.generated]
    with_pk = [obj for obj in objs if getattr(obj, pk_field.attname) is not None]
    without_pk = [obj for obj in objs if getattr(obj, pk_field.attname) is None]
    with atomic(alias):
        returning = returns_inserted_rows(alias)
        for has_pk, group in ((True, with_pk), (False, without_pk)):
            for defaulted, run in _runs_by_database_defaults(group, fields):
                if defaulted and not returning:
                    for obj in run:
                        _TableSave(obj, alias, True, True, False, None).save_table(model)
                    continue
                written = [f for f in fields if f not in defaulted]
                rows = [_columns(obj, written, pk_field if has_pk else None) for obj in run]
                new = [*([] if has_pk else [pk_field]), *defaulted, *generated]
                read = [pk_field.column, *(f.column for f in new if f is not pk_field)]
                # keys the database numbers ascend in the order of the rows
                by_key = not has_pk and pk_field.is_auto
                returned = insert_rows(model, alias, rows, read if new else [], not by_key)
                if by_key:
                    returned.sort(key=lambda row: row[pk_field.column])
                for obj, row in zip(run, returned, strict=False):
                    for field in new:
                        setattr(obj, field.attname, row[field.column])
    for obj in objs:
        obj._state.adding = False
        obj._state.db = alias


def _runs_by_database_defaults(
    objs: list[Model], fields: list[Any]
) -> Iterator[tuple[tuple[Any, ...], list[Model]]]:
    """Consecutive objects that leave the same fields to their database default, so that
    keys are given in the order of the objects."""
    run: list[Model] = []
    current: tuple[Any, ...] = ()
    for obj in objs:
        defaulted = tuple(f for f in fields if isinstance(getattr(obj, f.attname), DatabaseDefault))
        if run and defaulted != current:
            yield current, run
            run = []
        current = defaulted
        run.append(obj)
    if run:
        yield current, run


def _columns(obj: Any, fields: list[Any], pk_field: Any = None) -> dict[str, Any]:
    row = {f.column: getattr(obj, f.attname) for f in fields}
    if pk_field is not None:
        row[pk_field.column] = getattr(obj, pk_field.attname)
    return row


def refresh_instance(instance: Model, using: str | None = None, fields: Any = None) -> None:
    """Read the instance's fields (all, or those named) back from its row (and its parents'
    rows, with multi-table inheritance)."""
    model = type(instance)
    opts = model._meta
    alias = using or instance._state.db or DEFAULT_DB_ALIAS
    chosen = opts.fields
    if fields is not None:
        names = set(fields)
        chosen = [f for f in opts.fields if f.name in names or f.attname in names]
    query = Query(model)
    query.ordering = ()
    query.add_q(Q(pk=instance.pk))
    rows = fetch_values(query, alias, tuple(f.attname for f in chosen))
    if not rows:
        raise model.DoesNotExist(f"{opts.object_name} matching query does not exist.")
    for field, value in zip(chosen, rows[0], strict=True):
        setattr(instance, field.attname, value)
        if field.is_relation:
            instance._state.fields_cache.pop(field.name, None)
    if fields is None:
        instance._state.fields_cache.clear()
        instance._state.prefetched.clear()
    instance._state.db = alias
