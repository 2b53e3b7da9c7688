"""Managers: ``Question.objects``, the entry point of every query on a model."""

from __future__ import annotations

import inspect
import itertools
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar

from schemashift.models.queryset import QuerySet

if TYPE_CHECKING:
    from schemashift.models.base import Model
    from schemashift.models.expressions import Expression, OrderBy, Q

#: the model a manager serves (``Manager[Question]``)
_M = TypeVar("_M", bound="Model")

_creation_counter = itertools.count()

#: QuerySet methods a manager offers directly (``Question.objects.filter(...)``)
PROXIED_METHODS = (
    "aggregate",
    "annotate",
    "bulk_create",
    "count",
    "create",
    "defer",
    "distinct",
    "earliest",
    "exclude",
    "exists",
    "filter",
    "first",
    "get",
    "get_or_create",
    "in_bulk",
    "iterator",
    "last",
    "latest",
    "none",
    "only",
    "order_by",
    "prefetch_related",
    "reverse",
    "select_related",
    "update",
    "update_or_create",
    "values",
    "values_list",
)


class BaseManager(Generic[_M]):
    """Hands out QuerySets of its model; subclass and override ``get_queryset`` to narrow them.

    For type checkers a manager is generic over its model: ``Question.objects`` is a
    ``Manager[Question]`` whose ``get()`` gives a ``Question`` and ``filter()`` a
    ``QuerySet[Question]``. The QuerySet methods it offers are declared below for them.

    With ``use_in_migrations = True`` the manager is written into migrations (``managers=``
    of CreateModel, AlterModelManagers) and historical models in RunPython code get it.
    """

    use_in_migrations = False
    #: the QuerySet class ``get_queryset()`` makes (see ``from_queryset``)
    _queryset_class: type[QuerySet[Any]] = QuerySet
    _built_with_as_manager = False

    def __class_getitem__(cls, item: Any) -> type[BaseManager]:
        """``models.Manager["Question"]`` for type checkers: the class itself."""
        return cls

    @classmethod
    def from_queryset(
        cls, queryset_class: type[QuerySet[Any]], class_name: str | None = None
    ) -> type[BaseManager[Any]]:
        """A manager class handing out ``queryset_class`` QuerySets, with their public
        methods (``Manager.from_queryset(PublishedQuerySet)()``)."""
        attrs: dict[str, Any] = {"_queryset_class": queryset_class}
        for name, method in inspect.getmembers(queryset_class, predicate=inspect.isfunction):
            if name.startswith("_") or hasattr(cls, name):
                continue
            if getattr(method, "queryset_only", False):
                continue
            attrs[name] = _proxy(name, queryset_class)
        name = class_name or f"{cls.__name__}From{queryset_class.__name__}"
        attrs["__module__"] = queryset_class.__module__
        attrs["__qualname__"] = name
        return type(name, (cls,), attrs)

    def __new__(cls, *args: Any, **kwargs: Any) -> Self:
        manager = super().__new__(cls)
        # kept so that deconstruct() can write the manager into a migration
        manager._constructor_args = (args, kwargs)
        return manager

    def __init__(self: BaseManager[Any]) -> None:
        self.model: type[_M] | None = None
        self.name: str | None = None
        self._db: str | None = None
        self.creation_counter = next(_creation_counter)

    def contribute_to_class(self, cls: type[_M], name: str) -> None:
        self.model = cls
        self.name = name
        setattr(cls, name, ManagerDescriptor(self))

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        """(import path, args, kwargs) that rebuild this manager in a migration file."""
        cls = type(self)
        module = "schemashift.models" if cls in (Manager, BaseManager) else cls.__module__
        args, kwargs = getattr(self, "_constructor_args", ((), {}))
        return f"{module}.{cls.__qualname__}", list(args), dict(kwargs)

    def bound_copy(self, cls: type[_M], name: str) -> Self:
        """A copy of this manager serving ``cls`` (each concrete model has its own)."""
        copied = object.__new__(type(self))
        copied.__dict__.update(self.__dict__)
        copied.contribute_to_class(cls, name)
        return copied

    def get_queryset(self) -> QuerySet[_M]:
        return self._queryset_class(self.model, using=self._db)

    def all(self) -> QuerySet[_M]:
        return self.get_queryset()

    def using(self, alias: str | None) -> QuerySet[_M]:
        return self.get_queryset().using(alias) if alias else self.get_queryset()

    def db_manager(self, using: str | None) -> Self:
        copied = object.__new__(type(self))
        copied.__dict__.update(self.__dict__)
        copied._db = using
        return copied

    @property
    def db(self) -> str:
        return self._db or "default"

    def __repr__(self) -> str:
        model = self.model.__name__ if self.model is not None else "unbound"
        return f"<{type(self).__name__} {model}.{self.name}>"

    if TYPE_CHECKING:
        # the QuerySet methods set on the class below (PROXIED_METHODS)
        def aggregate(self, *args: Any, **kwargs: Any) -> dict[str, Any]: ...
        def annotate(self, *args: Any, **kwargs: Any) -> QuerySet[_M]: ...
        def bulk_create(self, objs: Iterable[_M], batch_size: int | None = None) -> list[_M]: ...
        def count(self) -> int: ...
        def create(self, **kwargs: Any) -> _M: ...
        def defer(self, *fields: str | None) -> QuerySet[_M]: ...
        def distinct(self) -> QuerySet[_M]: ...
        def earliest(self, *fields: str) -> _M: ...
        def exclude(self, *args: Q | Expression, **kwargs: Any) -> QuerySet[_M]: ...
        def exists(self) -> bool: ...
        def filter(self, *args: Q | Expression, **kwargs: Any) -> QuerySet[_M]: ...
        def first(self) -> _M | None: ...
        def get(self, *args: Q, **kwargs: Any) -> _M: ...
        def get_or_create(
            self, defaults: dict[str, Any] | None = None, **kwargs: Any
        ) -> tuple[_M, bool]: ...
        def in_bulk(self, id_list: Any = None, *, field_name: str = "pk") -> dict[Any, _M]: ...
        def iterator(self, chunk_size: int | None = None) -> Iterator[_M]: ...
        def last(self) -> _M | None: ...
        def latest(self, *fields: str) -> _M: ...
        def none(self) -> QuerySet[_M]: ...
        def only(self, *fields: str) -> QuerySet[_M]: ...
        def order_by(self, *names: str | Expression | OrderBy) -> QuerySet[_M]: ...
        def prefetch_related(self, *names: str) -> QuerySet[_M]: ...
        def reverse(self) -> QuerySet[_M]: ...
        def select_related(self, *names: str) -> QuerySet[_M]: ...
        def update(self, **kwargs: Any) -> int: ...
        def update_or_create(
            self, defaults: dict[str, Any] | None = None, **kwargs: Any
        ) -> tuple[_M, bool]: ...
        def values(self, *fields: str, **expressions: Any) -> QuerySet[Any]: ...
        def values_list(
            self, *fields: str | Expression, flat: bool = False, named: bool = False
        ) -> QuerySet[Any]: ...


def _proxy(name: str, queryset_class: type[QuerySet[Any]] = QuerySet) -> Any:
    def method(self: BaseManager[Any], *args: Any, **kwargs: Any) -> Any:
        return getattr(self.get_queryset(), name)(*args, **kwargs)

    method.__name__ = name
    method.__doc__ = getattr(queryset_class, name).__doc__
    return method


for _name in PROXIED_METHODS:
    setattr(BaseManager, _name, _proxy(_name))


class Manager(BaseManager[_M]):
    """The default manager: ``objects``."""

    if TYPE_CHECKING:

        def __init__(self: Manager[Any]) -> None: ...


class ManagerDescriptor:
    """Gives the manager on the class; instances have none, as in Django."""

    def __init__(self, manager: BaseManager[Any]) -> None:
        self.manager = manager

    def __get__(self, instance: Any, owner: type) -> BaseManager[Any]:
        if instance is not None:
            raise AttributeError(f"Manager isn't accessible via {owner.__name__} instances")
        return self.manager
