"""Relations between model classes: targets, reverse relations, and their attributes.

``choice.question`` (forward, fetched once and cached), ``question.choice_set`` (a manager of
the rows pointing here) and ``place.restaurant`` (the reverse side of a OneToOneField).
Targets are looked up in the registry the model belongs to, so historical models from
``StateApps`` relate to each other, never to the current models.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from schemashift.exceptions import AppNotFound
from schemashift.models.fields import Field


def registry_of(model: type) -> Any:
    from schemashift.apps import apps

    return model._meta.apps or apps


def get_registered_model(registry: Any, app_label: str, model_name: str) -> type:
    """A model of the registry, including models whose app is not installed (yet)."""
    try:
        return registry.get_model(app_label, model_name)
    except (LookupError, AppNotFound):
        pending = getattr(registry, "_pending", {}).get(app_label, {})
        if model_name.lower() in pending:
            return pending[model_name.lower()]
        raise LookupError(
            f"Model '{app_label}.{model_name}' is not registered: is its app installed?"
        ) from None


def registered_models(registry: Any) -> list[type]:
    found = list(registry.get_models())
    for waiting in getattr(registry, "_pending", {}).values():
        found.extend(waiting.values())
    return found


def related_model(field: Field) -> type:
    """The model class a ForeignKey or OneToOneField points at."""
    cached = field.__dict__.get("_related_model")
    if cached is not None:
        return cached
    app_label, model_name = field.related_model_key
    target = get_registered_model(registry_of(field.model), app_label, model_name)
    field._related_model = target
    return target


def target_field(field: Field) -> Field:
    """The field of the target model the relation's column holds (``to_field`` or the pk)."""
    target = related_model(field)
    if field.to_field:
        return target._meta.get_field(field.to_field)
    return target._meta.pk


def is_one_to_one(field: Field) -> bool:
    return field.get_internal_type() == "OneToOneField" or type(field).__name__ == "OneToOneField"


@dataclass(frozen=True)
class ReverseRelation:
    """The rows of ``model`` whose ``field`` points at the related model."""

    model: type
    field: Field

    @property
    def one_to_one(self) -> bool:
        return is_one_to_one(self.field)

    @property
    def hidden(self) -> bool:
        if getattr(self.field, "symmetrical", False) and self.field.is_self_referential:
            return True  # a symmetrical relation is its own reverse, as in Django
        return bool(self.field.related_name) and self.field.related_name.endswith("+")

    def _default_related_name(self) -> str | None:
        opts = self.model._meta
        name = opts.default_related_name
        if not name:
            return None
        return name % {
            "class": opts.model_name,
            "model_name": opts.model_name,
            "app_label": opts.app_label.lower(),
        }

    @property
    def accessor_name(self) -> str:
        """``question.<accessor_name>``: ``choice_set``, the related_name, or ``restaurant``."""
        if self.field.related_name:
            return self.field.related_name
        default = self._default_related_name()
        if default:
            return default
        model_name = self.model._meta.model_name
        return model_name if self.one_to_one else f"{model_name}_set"

    @property
    def query_name(self) -> str:
        """``Question.objects.filter(<query_name>__votes=...)``."""
        return (
            self.field.related_query_name
            or self.field.related_name
            or self._default_related_name()
            or self.model._meta.model_name
        )


def reverse_relations(model: type) -> list[ReverseRelation]:
    """Every relation of a registered model that points at ``model``, or at the concrete
    model it is a proxy of, or at another proxy of that concrete model (they share rows)."""
    concrete = model._meta.concrete_model
    if concrete is not None and concrete is not model:
        return reverse_relations(concrete)
    registry = registry_of(model)
    models = registered_models(registry)
    opts = model._meta
    cached = opts.__dict__.get("_reverse_relations")
    if cached is not None and cached[0] == len(models):
        return cached[1]
    targets = {
        (other._meta.app_label, other._meta.model_name)
        for other in models
        if other is model or (other._meta.proxy and other._meta.concrete_model is model)
    }
    targets.add((opts.app_label, opts.model_name))
    found = []
    for candidate in models:
        for field in candidate._meta.local_fields:
            if field.is_relation and field.related_model_key in targets:
                relation = ReverseRelation(candidate, field)
                if not relation.hidden:
                    found.append(relation)
    opts._reverse_relations = (len(models), found)
    return found


def reverse_relation_by_accessor(model: type, name: str) -> ReverseRelation | None:
    for relation in reverse_relations(model):
        if relation.accessor_name == name:
            return relation
    return None


def relation_value(instance: Any, field: Field) -> Any:
    """The value a row pointing at ``instance`` through ``field`` holds in its column."""
    return getattr(instance, target_field(field).attname)


class ForwardRelationDescriptor:
    """``choice.question``: the target row, fetched on first access and cached."""

    def __init__(self, field: Field) -> None:
        self.field = field

    def __get__(self, instance: Any, owner: type) -> Any:
        if instance is None:
            return self
        field = self.field
        value = getattr(instance, field.attname)
        cache = instance._state.fields_cache
        if field.name in cache:
            cached = cache[field.name]
            if cached is None and value is None:
                return None
            if cached is not None and relation_value(cached, field) == value:
                return cached
        if value is None:
            target = None
        else:
            target_model = related_model(field)
            lookup = {target_field(field).attname: value}
            target = target_model._base_manager.using(instance._state.db).get(**lookup)
        cache[field.name] = target
        return target

    def __set__(self, instance: Any, value: Any) -> None:
        field = self.field
        if value is not None and not isinstance(value, related_model(field)):
            raise ValueError(
                f'Cannot assign "{value!r}": "{type(instance).__name__}.{field.name}" must be '
                f'a "{related_model(field).__name__}" instance.'
            )
        setattr(instance, field.attname, None if value is None else relation_value(value, field))
        instance._state.fields_cache[field.name] = value


def reverse_one_to_one(instance: Any, relation: ReverseRelation) -> Any:
    """``place.restaurant``: the one row pointing here, or RelatedObjectDoesNotExist."""
    cache = instance._state.fields_cache
    name = relation.accessor_name
    if name not in cache:
        manager = relation.model._base_manager.using(instance._state.db)
        value = relation_value(instance, relation.field)
        cache[name] = manager.filter(**{relation.field.attname: value}).first()
    found = cache[name]
    if found is None:
        owner = type(instance).__name__
        raise related_does_not_exist(relation)(f"{owner} has no {name}.")
    return found


def related_does_not_exist(relation: ReverseRelation) -> type[Exception]:
    """``Place.restaurant.RelatedObjectDoesNotExist``: also the related model's DoesNotExist."""
    model = relation.model
    cls = model.__dict__.get("_related_object_does_not_exist")
    if cls is None:
        cls = type("RelatedObjectDoesNotExist", (model.DoesNotExist, AttributeError), {})
        model._related_object_does_not_exist = cls
    return cls


__all__ = [
    "ForwardRelationDescriptor",
    "ReverseRelation",
    "related_model",
    "reverse_relations",
    "target_field",
]
