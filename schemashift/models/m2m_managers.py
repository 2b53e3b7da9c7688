"""``article.tags`` and ``tag.article_set``: managers of the rows related through a
ManyToManyField, which add and remove pairs in its through table."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from schemashift.models.manager import Manager
from schemashift.models.many_to_many import ManyToManyField, link_fields, through_model
from schemashift.models.queryset import QuerySet
from schemashift.models.related import ReverseRelation, related_model, target_field
from schemashift.models.runtime import query_runtime
from schemashift.models.signals import m2m_changed

if TYPE_CHECKING:
    from schemashift.models.base import Model


class ManyRelatedManager(Manager):
    """The rows of ``model`` paired with ``instance`` in the through table.

    ``source`` is the through model's foreign key to the instance's side, ``target`` the one
    to the managed side. A symmetrical relation (``ManyToManyField("self")``) writes every
    pair both ways.
    """

    def __init__(self, instance: Model, field: ManyToManyField, reverse: bool) -> None:
        super().__init__()
        self.instance = instance
        self.field = field
        self.reverse = reverse
        self.through = through_model(field)
        source, target = link_fields(field)
        if reverse:
            source, target = target, source
        self.source, self.target = source, target
        self.model = field.model if reverse else related_model(field)
        self.symmetrical = bool(field.symmetrical) and not reverse and field.is_self_referential
        self.prefetch_name = (
            ReverseRelation(field.model, field).accessor_name if reverse else field.name
        )
        self._db = instance._state.db
        self._target_key = target_field(target)

    # -- reading ------------------------------------------------------------------------------

    def _source_value(self) -> Any:
        value = getattr(self.instance, target_field(self.source).attname)
        if value is None:
            raise ValueError(
                f'"{self.instance!r}" needs to have a value for field '
                f'"{target_field(self.source).attname}" before this many-to-many relationship '
                "can be used."
            )
        return value

    def _pairs(self) -> QuerySet:
        """The through rows of the instance."""
        manager = self.through._base_manager.using(self._db)
        return manager.filter(**{self.source.attname: self._source_value()})

    def get_queryset(self) -> QuerySet:
        paired = self._pairs().values(self.target.attname)
        base = self.model._default_manager.db_manager(self._db).get_queryset()
        queryset = base.filter(**{f"{self._target_key.attname}__in": paired})
        prefetched = self.instance._state.prefetched.get(self.prefetch_name)
        if prefetched is not None:
            queryset._result_cache = list(prefetched)
        return queryset

    # -- writing ------------------------------------------------------------------------------

    def _target_values(self, objs: tuple[Any, ...], action: str) -> list[Any]:
        """The values the through table holds for ``objs`` (instances or their keys)."""
        values = []
        for obj in objs:
            if isinstance(obj, self.model):
                value = getattr(obj, self._target_key.attname)
                if value is None:
                    raise ValueError(
                        f'Cannot {action} "{obj!r}": the value for field '
                        f'"{self._target_key.attname}" is None'
                    )
            elif getattr(obj, "_meta", None) is not None:
                raise TypeError(f"'{self.model._meta.object_name}' instance expected, got {obj!r}")
            else:
                value = obj
            if value not in values:
                values.append(value)
        return values

    def _forget_prefetched(self) -> None:
        self.instance._state.prefetched.pop(self.prefetch_name, None)

    def _changed(self, action: str, pk_set: set[Any] | None) -> None:
        """Send ``m2m_changed`` for a change of the instance's pairs."""
        m2m_changed.send(
            sender=self.through,
            action=action,
            instance=self.instance,
            reverse=self.reverse,
            model=self.model,
            pk_set=pk_set,
            using=self.db,
        )

    def _missing(self, source: Any, targets: list[Any]) -> list[Any]:
        """The targets not yet paired with ``source``."""
        manager = self.through._base_manager.using(self._db)
        existing = set(
            manager.filter(
                **{self.source.attname: source, f"{self.target.attname}__in": targets}
            ).values_list(self.target.attname, flat=True)
        )
        return [target for target in targets if target not in existing]

    def _insert_pairs(
        self, source: Any, targets: list[Any], through_defaults: dict[str, Any] | None
    ) -> None:
        defaults = {
            key: value() if callable(value) else value
            for key, value in (through_defaults or {}).items()
        }
        rows = [
            self.through(**defaults, **{self.source.attname: source, self.target.attname: t})
            for t in targets
        ]
        if rows:
            self.through._base_manager.using(self._db).bulk_create(rows)

    def add(self, *objs: Any, through_defaults: dict[str, Any] | None = None) -> None:
        """Pair the objects (or keys) with the instance; pairs that exist already stay."""
        source = self._source_value()
        targets = self._target_values(objs, "add")
        if not targets:
            return
        missing = self._missing(source, targets)
        with query_runtime().atomic(self.db):
            self._changed("pre_add", set(missing))
            self._insert_pairs(source, missing, through_defaults)
            if self.symmetrical:
                for target in targets:
                    self._insert_pairs(target, self._missing(target, [source]), through_defaults)
            self._changed("post_add", set(missing))
        self._forget_prefetched()

    def remove(self, *objs: Any) -> None:
        """Delete the pairs of the instance with the objects (or keys)."""
        source = self._source_value()
        targets = self._target_values(objs, "remove")
        if not targets:
            return
        manager = self.through._base_manager.using(self._db)
        with query_runtime().atomic(self.db):
            self._changed("pre_remove", set(targets))
            manager.filter(
                **{self.source.attname: source, f"{self.target.attname}__in": targets}
            ).delete()
            if self.symmetrical:
                manager.filter(
                    **{f"{self.source.attname}__in": targets, self.target.attname: source}
                ).delete()
            self._changed("post_remove", set(targets))
        self._forget_prefetched()

    def clear(self) -> None:
        """Delete every pair of the instance."""
        source = self._source_value()
        with query_runtime().atomic(self.db):
            self._changed("pre_clear", None)
            self._pairs().delete()
            if self.symmetrical:
                manager = self.through._base_manager.using(self._db)
                manager.filter(**{self.target.attname: source}).delete()
            self._changed("post_clear", None)
        self._forget_prefetched()

    def set(
        self,
        objs: Any,
        *,
        clear: bool = False,
        through_defaults: dict[str, Any] | None = None,
    ) -> None:
        """Make the objects the instance's related rows: remove the others, add the new."""
        objs = tuple(objs)
        if clear:
            self.clear()
            self.add(*objs, through_defaults=through_defaults)
            return
        wanted = self._target_values(objs, "set")
        current = set(self._pairs().values_list(self.target.attname, flat=True))
        self.remove(*(value for value in current if value not in wanted))
        self.add(
            *(value for value in wanted if value not in current), through_defaults=through_defaults
        )

    def create(self, *, through_defaults: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        """A new row of the managed model, paired with the instance."""
        self._source_value()
        obj = self.model._default_manager.db_manager(self._db).create(**kwargs)
        self.add(obj, through_defaults=through_defaults)
        return obj

    def get_or_create(
        self, defaults: dict[str, Any] | None = None, *, through_defaults: Any = None, **kwargs: Any
    ) -> tuple[Any, bool]:
        manager = self.model._default_manager.db_manager(self._db)
        obj, created = manager.get_or_create(defaults, **kwargs)
        if created:
            self.add(obj, through_defaults=through_defaults)
        return obj, created

    def update_or_create(
        self, defaults: dict[str, Any] | None = None, *, through_defaults: Any = None, **kwargs: Any
    ) -> tuple[Any, bool]:
        manager = self.model._default_manager.db_manager(self._db)
        obj, created = manager.update_or_create(defaults, **kwargs)
        if created:
            self.add(obj, through_defaults=through_defaults)
        return obj, created


def forward_manager(instance: Model, field: ManyToManyField) -> ManyRelatedManager:
    """``article.tags``."""
    return ManyRelatedManager(instance, field, reverse=False)


def reverse_manager(instance: Model, relation: ReverseRelation) -> ManyRelatedManager:
    """``tag.article_set`` (or the field's related_name)."""
    return ManyRelatedManager(instance, relation.field, reverse=True)
