"""``question.choice_set``: a manager of the rows whose foreign key points at one instance."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from schemashift.models.manager import Manager
from schemashift.models.queryset import QuerySet
from schemashift.models.related import ReverseRelation, relation_value

if TYPE_CHECKING:
    from schemashift.models.base import Model


class RelatedManager(Manager):
    """The rows of ``relation.model`` pointing at ``instance``; new rows made here point at it.

    ``remove()`` and ``clear()`` set the foreign key to NULL, so they exist only when the
    field is ``null=True``, as in Django.
    """

    def __init__(self, instance: Model, relation: ReverseRelation) -> None:
        super().__init__()
        self.instance = instance
        self.relation = relation
        self.field = relation.field
        self.model = relation.model
        self.name = relation.accessor_name
        self._db = instance._state.db

    def _check_saved(self) -> Any:
        value = relation_value(self.instance, self.field)
        if value is None:
            raise ValueError(
                f"'{type(self.instance).__name__}' instance needs to have a primary key value "
                "before this relationship can be used."
            )
        return value

    def get_queryset(self) -> QuerySet:
        value = self._check_saved()
        base = self.model._default_manager.db_manager(self._db).get_queryset()
        queryset = base.filter(**{self.field.attname: value})
        queryset._known_related = {self.field.name: self.instance}
        prefetched = self.instance._state.prefetched.get(self.name)
        if prefetched is not None:
            queryset._result_cache = list(prefetched)
        return queryset

    def create(self, **kwargs: Any) -> Any:
        self._check_saved()
        kwargs[self.field.name] = self.instance
        return self.model._default_manager.db_manager(self._db).create(**kwargs)

    def get_or_create(self, defaults: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        kwargs[self.field.name] = self.instance
        return self.model._default_manager.db_manager(self._db).get_or_create(defaults, **kwargs)

    def update_or_create(self, defaults: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        kwargs[self.field.name] = self.instance
        manager = self.model._default_manager.db_manager(self._db)
        return manager.update_or_create(defaults, **kwargs)

    def add(self, *objs: Any) -> None:
        """Point the objects at the instance and save them."""
        value = self._check_saved()
        for obj in objs:
            if not isinstance(obj, self.model):
                raise TypeError(f"'{self.model.__name__}' instance expected, got {obj!r}")
            setattr(obj, self.field.name, self.instance)
        unsaved = [obj for obj in objs if obj.pk is None or obj._state.adding]
        if unsaved:
            raise ValueError(
                f"{unsaved[0]!r} instance isn't saved. Use bulk=False or save the object first."
            )
        pks = [obj.pk for obj in objs]
        if pks:
            base = self.model._base_manager.using(self._db)
            base.filter(pk__in=pks).update(**{self.field.attname: value})

    def remove(self, *objs: Any) -> None:
        self._require_nullable("remove")
        value = self._check_saved()
        pks = []
        for obj in objs:
            if getattr(obj, self.field.attname) != value:
                raise self.field.model.DoesNotExist(f"{obj!r} is not related to {self.instance!r}.")
            pks.append(obj.pk)
            setattr(obj, self.field.name, None)
        if pks:
            self.model._base_manager.using(self._db).filter(pk__in=pks).update(
                **{self.field.attname: None}
            )

    def clear(self) -> None:
        self._require_nullable("clear")
        value = self._check_saved()
        self.model._base_manager.using(self._db).filter(**{self.field.attname: value}).update(
            **{self.field.attname: None}
        )
        self.instance._state.prefetched.pop(self.name, None)

    def _require_nullable(self, method: str) -> None:
        if not self.field.null:
            raise AttributeError(
                f"'{type(self).__name__}' object has no attribute '{method}': "
                f"{self.model.__name__}.{self.field.name} is not null=True."
            )


def related_manager(instance: Model, relation: ReverseRelation) -> RelatedManager:
    return RelatedManager(instance, relation)
