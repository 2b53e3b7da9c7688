"""``Meta.order_with_respect_to``: the methods Django adds for the ``_order`` column.

On the ordered model, ``answer.get_next_in_order()`` and ``answer.get_previous_in_order()``;
on the model it is ordered with respect to, ``question.get_answer_order()`` (the primary
keys in order) and ``question.set_answer_order([...])``.
"""

from __future__ import annotations

from typing import Any

from schemashift.models.related import ReverseRelation, relation_value, reverse_relations
from schemashift.models.runtime import query_runtime


def ordered_relation(model: type, method_name: str) -> tuple[str, ReverseRelation] | None:
    """``("get"|"set", relation)`` when ``method_name`` is ``get_<model>_order`` or
    ``set_<model>_order`` for a model ordered with respect to a relation to ``model``."""
    verb, _, rest = method_name.partition("_")
    if verb not in ("get", "set") or not rest.endswith("_order"):
        return None
    ordered_name = rest[: -len("_order")]
    for relation in reverse_relations(model):
        opts = relation.model._meta
        if opts.model_name == ordered_name and opts.order_with_respect_to == relation.field.name:
            return verb, relation
    return None


def _siblings(instance: Any, relation: ReverseRelation) -> Any:
    manager = relation.model._default_manager.using(instance._state.db)
    return manager.filter(**{relation.field.attname: relation_value(instance, relation.field)})


def get_order(instance: Any, relation: ReverseRelation) -> list[Any]:
    """The primary keys of the related rows in their ``_order``."""
    pk_name = relation.model._meta.pk.attname
    return list(_siblings(instance, relation).order_by("_order").values_list(pk_name, flat=True))


def set_order(instance: Any, relation: ReverseRelation, pks: list[Any]) -> None:
    """Number the related rows ``0, 1, ...`` in the order of ``pks``."""
    siblings = _siblings(instance, relation)
    with query_runtime().atomic(siblings.db):
        for position, pk in enumerate(pks):
            siblings.filter(pk=pk).update(_order=position)


def next_or_previous_in_order(instance: Any, is_next: bool) -> Any:
    """The sibling right after (or before) ``instance``; DoesNotExist at either end."""
    model = type(instance)
    relation = model._meta.get_field(model._meta.order_with_respect_to)
    manager = model._default_manager.using(instance._state.db)
    siblings = manager.filter(**{relation.attname: getattr(instance, relation.attname)})
    current = manager.filter(pk=instance.pk).values_list("_order", flat=True).get()
    if is_next:
        return siblings.filter(_order__gt=current).order_by("_order")[:1].get()
    return siblings.filter(_order__lt=current).order_by("-_order")[:1].get()


def get_next_in_order(self: Any) -> Any:
    return next_or_previous_in_order(self, True)


def get_previous_in_order(self: Any) -> Any:
    return next_or_previous_in_order(self, False)
