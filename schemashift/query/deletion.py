"""Deleting rows with what their relations' on_delete asks for."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from schemashift.exceptions import ProtectedError, RestrictedError
from schemashift.models.deletion import (
    CASCADE,
    DO_NOTHING,
    PROTECT,
    RESTRICT,
    SET,
    SET_DEFAULT,
    SET_NULL,
)
from schemashift.models.many_to_many import auto_through_links_to
from schemashift.models.related import related_model, relation_value, reverse_relations
from schemashift.models.signals import post_delete, pre_delete
from schemashift.query.execute import atomic, delete_pks, update_pks

if TYPE_CHECKING:
    from schemashift.dispatch import Signal
    from schemashift.models.base import Model


class Collector:
    """Finds every row a delete touches, following on_delete, then deletes in one transaction.

    ``collect(objs)`` walks the reverse relations of the objects' model: CASCADE collects the
    pointing rows too, PROTECT refuses at once, RESTRICT refuses unless those rows are deleted
    anyway, SET_NULL and SET_DEFAULT queue an UPDATE, DO_NOTHING leaves it to the database.
    ``delete()`` returns Django's ``(total, {"app.Model": count, ...})``.
    """

    def __init__(self, using: str, origin: Any = None) -> None:
        self.using = using
        #: what the delete started from (an instance or a QuerySet), for the delete signals
        self.origin = origin
        #: model -> {pk: instance}; a model moves to the end when it gains rows, so deleting
        #: in reverse order removes the pointing rows before the rows they point at
        self.data: dict[type[Model], dict[Any, Model]] = {}
        self.field_updates: list[tuple[Any, Any, list[Any]]] = []
        self.restricted: list[tuple[Any, list[Any]]] = []

    def collect(self, objs: list[Model], from_child: type[Model] | None = None) -> None:
        """Collect ``objs`` and what their deletion takes along. ``from_child``: the objects
        are the parent rows of that model's rows, which are collected already."""
        if not objs:
            return
        model = type(objs[0])
        self._collect_parents(
            model, [obj for obj in objs if obj.pk not in self.data.get(model, {})]
        )
        known = self.data.get(model, {})
        new = [obj for obj in objs if obj.pk not in known]
        known.update((obj.pk, obj) for obj in objs)
        if not new:
            self.data.setdefault(model, known)
            return
        self.data.pop(model, None)
        self.data[model] = known
        for relation in reverse_relations(model):
            on_delete = relation.field.on_delete
            if on_delete is DO_NOTHING:
                continue
            is_link_from_child = relation.model is from_child and relation.field.parent_link
            if from_child is not None and is_link_from_child:
                continue
            values = [relation_value(obj, relation.field) for obj in new]
            manager = relation.model._base_manager.using(self.using)
            pointing = list(manager.filter(**{f"{relation.field.attname}__in": values}))
            if not pointing:
                continue
            if on_delete is CASCADE:
                self.collect(pointing)
            elif on_delete is PROTECT:
                raise ProtectedError(_refusal(model, relation, pointing, "protected"), pointing)
            elif on_delete is RESTRICT:
                self.restricted.append((relation, pointing))
            elif on_delete is SET_NULL:
                self.field_updates.append((relation.field, None, pointing))
            elif on_delete is SET_DEFAULT:
                self.field_updates.append((relation.field, relation.field.get_default(), pointing))
            elif isinstance(on_delete, SET):
                value = on_delete.new_value()
                if hasattr(value, "_meta"):  # a row: the column holds its key
                    value = relation_value(value, relation.field)
                self.field_updates.append((relation.field, value, pointing))
        self._collect_pairs(model, new)

    def _collect_pairs(self, model: type[Model], objs: list[Model]) -> None:
        """The rows of automatic ManyToManyField tables that pair the objects."""
        for through, link in auto_through_links_to(model):
            values = [relation_value(obj, link) for obj in objs]
            manager = through._base_manager.using(self.using)
            self.collect(list(manager.filter(**{f"{link.attname}__in": values})))

    def _collect_parents(self, model: type[Model], objs: list[Model]) -> None:
        """Deleting a child of multi-table inheritance deletes its parents' rows too. They are
        collected first, so that they are deleted after the child's rows that point at them."""
        concrete = model._meta.concrete_model
        for parent, link in concrete._meta.parents.items():
            values = [getattr(obj, link.attname) for obj in objs]
            if not values:
                continue
            manager = parent._base_manager.using(self.using)
            self.collect(list(manager.filter(pk__in=values)), from_child=concrete)

    def _check_restricted(self) -> None:
        for relation, pointing in self.restricted:
            deleted = self.data.get(relation.model, {})
            kept = [obj for obj in pointing if obj.pk not in deleted]
            if kept:
                target = related_model(relation.field)
                raise RestrictedError(_refusal(target, relation, kept, "restricted"), kept)

    def delete(self) -> tuple[int, dict[str, int]]:
        self._check_restricted()
        counts: dict[str, int] = {}
        with atomic(self.using):
            for model in reversed(list(self.data)):
                self._send(pre_delete, model)
            for field, value, objs in self.field_updates:
                model = type(objs[0])
                deleted = self.data.get(model, {})
                kept = [obj for obj in objs if obj.pk not in deleted]
                if kept:
                    update_pks(model, self.using, [o.pk for o in kept], {field.column: value})
                for obj in kept:
                    setattr(obj, field.attname, value)
            for model in reversed(list(self.data)):
                instances = self.data[model]
                count = delete_pks(model, self.using, list(instances))
                counts[model._meta.label] = counts.get(model._meta.label, 0) + count
                self._send(post_delete, model)
        for model, instances in self.data.items():
            for obj in instances.values():
                setattr(obj, model._meta.pk.attname, None)
        return sum(counts.values()), counts

    def _send(self, signal: Signal, model: type[Model]) -> None:
        """``pre_delete``/``post_delete`` for the collected rows of ``model``, in the order
        of deletion as Django; none for automatic many-to-many pairs."""
        if model._meta.auto_created or not signal.has_listeners(model):
            return
        for obj in self.data[model].values():
            signal.send(sender=model, instance=obj, using=self.using, origin=self.origin)


def _refusal(model: type[Model], relation: Any, pointing: list[Any], kind: str) -> str:
    return (
        f"Cannot delete some instances of model '{model.__name__}' because they are "
        f"referenced through {kind} foreign keys: "
        f"'{relation.model.__name__}.{relation.field.name}'."
    )
