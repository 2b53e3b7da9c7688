"""``prefetch_related()``: one more query per relation instead of one per object."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from schemashift.exceptions import FieldError
from schemashift.models.m2m_managers import ManyRelatedManager
from schemashift.models.many_to_many import reverse_many_to_many_by_accessor
from schemashift.models.related import (
    related_model,
    relation_value,
    reverse_relation_by_accessor,
    target_field,
)

if TYPE_CHECKING:
    from schemashift.models.base import Model


def prefetch_related_objects(instances: list[Model], names: tuple[str, ...]) -> None:
    """Fetch each named relation of all ``instances`` at once and cache it on them."""
    for name in names:
        _prefetch_path(instances, name.split("__"))


def _prefetch_path(instances: list[Any], parts: list[str]) -> None:
    if not instances or not parts:
        return
    name, rest = parts[0], parts[1:]
    model = type(instances[0])
    forward = next((f for f in model._meta.fields if f.is_relation and f.name == name), None)
    many = next((f for f in model._meta.many_to_many if f.name == name), None)
    many_reverse = reverse_many_to_many_by_accessor(model, name)
    if forward is not None:
        found = _prefetch_forward(instances, forward)
    elif many is not None:
        found = _prefetch_many(instances, ManyRelatedManager(instances[0], many, reverse=False))
    elif many_reverse is not None:
        manager = ManyRelatedManager(instances[0], many_reverse.field, reverse=True)
        found = _prefetch_many(instances, manager)
    else:
        relation = reverse_relation_by_accessor(model, name)
        if relation is None:
            raise FieldError(
                f"Cannot find '{name}' on {model.__name__} object, '{name}' is an invalid "
                "parameter to prefetch_related()"
            )
        found = _prefetch_reverse(instances, relation)
    _prefetch_path(found, rest)


def _prefetch_forward(instances: list[Any], field: Any) -> list[Any]:
    target = related_model(field)
    target_attname = target_field(field).attname
    values = {getattr(obj, field.attname) for obj in instances} - {None}
    alias = instances[0]._state.db
    found = list(
        target._base_manager.using(alias).filter(**{f"{target_attname}__in": list(values)})
    )
    by_value = {getattr(obj, target_attname): obj for obj in found}
    for obj in instances:
        obj._state.fields_cache[field.name] = by_value.get(getattr(obj, field.attname))
    return found


def _prefetch_many(instances: list[Any], manager: ManyRelatedManager) -> list[Any]:
    """Both sides of a ManyToManyField in one query, as Django: the pairs of all instances
    with the rows they name joined in; each instance is given its own rows (the manager
    reads them as its ``all()``)."""
    source_key = target_field(manager.source).attname
    values = {getattr(obj, source_key) for obj in instances} - {None}
    link = manager.target.name
    ordering = [
        f"-{link}__{name[1:]}" if name.startswith("-") else f"{link}__{name}"
        for name in manager.model._meta.ordering
    ]
    pairs = (
        manager.through._base_manager.using(instances[0]._state.db)
        .filter(**{f"{manager.source.attname}__in": list(values)})
        .select_related(link)
        .order_by(*ordering, "pk")
    )
    groups: dict[Any, list[Any]] = defaultdict(list)
    found = []
    for pair in pairs:
        row = getattr(pair, link)
        groups[getattr(pair, manager.source.attname)].append(row)
        found.append(row)
    for obj in instances:
        obj._state.prefetched[manager.prefetch_name] = groups.get(getattr(obj, source_key), [])
    return found


def _prefetch_reverse(instances: list[Any], relation: Any) -> list[Any]:
    field = relation.field
    values = {relation_value(obj, field) for obj in instances} - {None}
    alias = instances[0]._state.db
    manager = relation.model._default_manager.db_manager(alias)
    found = list(manager.filter(**{f"{field.attname}__in": list(values)}))
    groups: dict[Any, list[Any]] = defaultdict(list)
    for obj in found:
        groups[getattr(obj, field.attname)].append(obj)
    for obj in instances:
        related = groups.get(relation_value(obj, field), [])
        for child in related:
            child._state.fields_cache[field.name] = obj
        if relation.one_to_one:
            obj._state.fields_cache[relation.accessor_name] = related[0] if related else None
        else:
            obj._state.prefetched[relation.accessor_name] = related
    return found
