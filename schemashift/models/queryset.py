"""QuerySet: a lazy, chainable description of rows, evaluated once and then cached."""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar, overload

from schemashift.exceptions import FieldError
from schemashift.models.expressions import Expression, OrderBy, Q
from schemashift.models.query_state import Query
from schemashift.models.runtime import query_runtime

if TYPE_CHECKING:
    from schemashift.models.base import Model
    from schemashift.models.manager import Manager

#: the model a QuerySet's rows are instances of (``QuerySet[Question]``)
_M = TypeVar("_M", bound="Model")

DEFAULT_DB_ALIAS = "default"
#: how many rows ``get()`` fetches to report "more than one"
MAX_GET_RESULTS = 21
#: how many objects ``repr()`` shows before "...(remaining elements truncated)..."
REPR_OUTPUT_SIZE = 20


class QuerySet(Generic[_M]):
    """The rows of ``model`` matching a Query; iterate, slice, or call a method to run it.

    For type checkers a QuerySet is generic over its model: ``QuerySet[Question]`` yields
    ``Question`` instances; after ``values()`` or ``values_list()`` its rows are ``Any``.
    """

    def __init__(
        self, model: type[_M], query: Query | None = None, using: str | None = None
    ) -> None:
        self.model = model
        self.query = query or Query(model)
        self._db = using
        self._result_cache: list[Any] | None = None
        self._values_mode: str | None = None  # None, "dict", "tuple", "named" or "flat"
        self._prefetch: tuple[str, ...] = ()
        self._known_related: dict[str, Any] = {}

    @property
    def db(self) -> str:
        return self._db or DEFAULT_DB_ALIAS

    def _clone(self) -> Self:
        clone = type(self)(self.model, self.query.clone(), self._db)
        clone._values_mode = self._values_mode
        clone._prefetch = self._prefetch
        clone._known_related = dict(self._known_related)
        return clone

    # -- evaluation ---------------------------------------------------------------------------

    def _rows(self) -> Iterator[Any]:
        runtime = query_runtime()
        if self._values_mode is None:
            for instance in runtime.fetch_instances(self.query, self.db):
                for name, value in self._known_related.items():
                    instance._state.fields_cache[name] = value
                yield instance
            return
        names = self.query.values
        rows = runtime.fetch_values(self.query, self.db, names)
        if self._values_mode == "dict":
            yield from (dict(zip(names, row, strict=True)) for row in rows)
        elif self._values_mode == "flat":
            yield from (row[0] for row in rows)
        elif self._values_mode == "named":
            row_class = namedtuple("Row", names, rename=True)  # type: ignore[misc]
            yield from (row_class._make(row) for row in rows)
        else:
            yield from rows

    def _fetch_all(self) -> list[Any]:
        if self._result_cache is None:
            self._result_cache = list(self._rows())
            if self._prefetch and self._values_mode is None:
                query_runtime().prefetch_related_objects(self._result_cache, self._prefetch)
        return self._result_cache

    def __iter__(self) -> Iterator[_M]:
        return iter(self._fetch_all())

    def __len__(self) -> int:
        return len(self._fetch_all())

    def __bool__(self) -> bool:
        return bool(self._fetch_all())

    def __repr__(self) -> str:
        if self._result_cache is not None:
            data = self._result_cache[: REPR_OUTPUT_SIZE + 1]
        else:
            data = list(self[: REPR_OUTPUT_SIZE + 1])
        if len(data) > REPR_OUTPUT_SIZE:
            data = [*data[:REPR_OUTPUT_SIZE], "...(remaining elements truncated)..."]
        return f"<{type(self).__name__} {data!r}>"

    @overload
    def __getitem__(self, key: int) -> _M: ...
    @overload
    def __getitem__(self, key: slice) -> Self: ...
    def __getitem__(self, key: int | slice) -> Any:
        if not isinstance(key, int | slice):
            raise TypeError(
                f"QuerySet indices must be integers or slices, not {type(key).__name__}."
            )
        if (
            isinstance(key, int)
            and key < 0
            or isinstance(key, slice)
            and (
                (key.start is not None and key.start < 0) or (key.stop is not None and key.stop < 0)
            )
        ):
            raise ValueError("Negative indexing is not supported.")
        if self._result_cache is not None:
            return self._result_cache[key]
        if isinstance(key, slice):
            if key.step not in (None, 1):
                return list(self._sliced(key.start, key.stop))[:: key.step]
            return self._sliced(key.start, key.stop)
        found = list(self._sliced(key, key + 1))
        if not found:
            raise IndexError("QuerySet index out of range")
        return found[0]

    def _sliced(self, start: int | None, stop: int | None) -> Self:
        clone = self._clone()
        clone.query.set_limits(start, stop)
        return clone

    def iterator(self, chunk_size: int | None = None) -> Iterator[_M]:
        """The rows without filling the cache."""
        yield from self._rows()

    # -- chaining -----------------------------------------------------------------------------

    def all(self) -> Self:
        return self._clone()

    def none(self) -> Self:
        clone = self._clone()
        clone._result_cache = []
        return clone

    def filter(self, *args: Q | Expression, **kwargs: Any) -> Self:
        """The rows matching Q objects, boolean expressions (``Exists(...)``) and lookups."""
        return self._filter_or_exclude(False, args, kwargs)

    def exclude(self, *args: Q | Expression, **kwargs: Any) -> Self:
        return self._filter_or_exclude(True, args, kwargs)

    def _filter_or_exclude(self, negate: bool, args: tuple, kwargs: dict[str, Any]) -> Self:
        self._check_not_sliced("filter")
        clone = self._clone()
        condition = Q(*args, **kwargs)
        clone.query.add_q(~condition if negate and condition else condition)
        return clone

    def _check_not_sliced(self, what: str) -> None:
        if self.query.is_sliced:
            raise TypeError(f"Cannot {what} a query once a slice has been taken.")

    def order_by(self, *names: str | Expression | OrderBy) -> Self:
        """Sort by field names (``"-pub_date"``), expressions or ``F("x").desc(...)``."""
        self._check_not_sliced("reorder")
        clone = self._clone()
        clone.query.ordering = names
        return clone

    def reverse(self) -> Self:
        clone = self._clone()
        clone.query.ordering = tuple(_flip(name) for name in self._effective_ordering())
        return clone

    def _effective_ordering(self) -> tuple[Any, ...]:
        if self.query.ordering is not None:
            return self.query.ordering
        return tuple(self.model._meta.ordering)

    def distinct(self) -> Self:
        clone = self._clone()
        clone.query.distinct = True
        return clone

    def select_related(self, *names: str) -> Self:
        clone = self._clone()
        if not names:
            clone.query.select_related = True
        elif clone.query.select_related is not True:
            clone.query.select_related = (*clone.query.select_related, *names)
        return clone

    def prefetch_related(self, *names: str) -> Self:
        clone = self._clone()
        clone._prefetch = (*clone._prefetch, *names) if names and names[0] is not None else ()
        return clone

    def using(self, alias: str) -> Self:
        clone = self._clone()
        clone._db = alias
        return clone

    def values(self, *fields: str, **expressions: Any) -> QuerySet[Any]:
        """Dicts of the named fields and of the expressions given by keyword."""
        return self._values("dict", fields, expressions)

    def values_list(
        self, *fields: str | Expression, flat: bool = False, named: bool = False
    ) -> QuerySet[Any]:
        """Tuples (``named=True``: named tuples; ``flat=True``: the single value) of the
        fields and expressions, in order."""
        if flat and named:
            raise TypeError("'flat' and 'named' can't be used together.")
        if flat and len(fields) > 1:
            raise TypeError(
                "'flat' is not valid when values_list is called with more than one field."
            )
        names: list[str] = []
        expressions: dict[str, Any] = {}
        for index, item in enumerate(fields, start=1):
            if isinstance(item, Expression):
                prefix = getattr(item, "default_alias", None) or type(item).__name__.lower()
                name = f"{prefix}{index}"
                expressions[name] = item
                names.append(name)
            else:
                names.append(item)
        mode = "flat" if flat else "named" if named else "tuple"
        return self._values(mode, tuple(names), expressions, keep_order=True)

    def _values(
        self,
        mode: str,
        fields: tuple[str, ...],
        expressions: dict[str, Any],
        keep_order: bool = False,
    ) -> QuerySet[Any]:
        clone = self._clone()
        clone._values_mode = mode
        for name, expression in expressions.items():
            clone._add_annotation(name, expression)
        if not fields and not expressions:
            fields = tuple(f.attname for f in self.model._meta.fields)
            fields += tuple(clone.query.annotations)
        elif not keep_order:
            fields = (*fields, *expressions)
        clone.query.values = tuple(fields)
        return clone

    def _add_annotation(self, name: str, expression: Any) -> None:
        if name in {f.name for f in self.model._meta.fields}:
            raise ValueError(f"The annotation '{name}' conflicts with a field on the model.")
        if isinstance(expression, str):
            raise TypeError(
                f"The annotation '{name}' must be an expression such as F({expression!r})."
            )
        self.query.annotations[name] = expression

    def only(self, *fields: str) -> Self:
        """Load only these fields (and the primary key); the others load when first read."""
        if None in fields:
            raise TypeError("Cannot pass None as an argument to only().")
        clone = self._clone()
        names = clone._local_field_names(fields, "only")
        current = clone.query.deferred
        if current is not None and current[1]:
            names -= current[0]
        clone.query.deferred = (frozenset(names), False)
        return clone

    def defer(self, *fields: str | None) -> Self:
        """Leave these fields out of the SELECT; each loads when first read.
        ``defer(None)`` loads every field again."""
        clone = self._clone()
        if fields == (None,):
            clone.query.deferred = None
            return clone
        names = clone._local_field_names(fields, "defer")  # type: ignore[arg-type]
        current = clone.query.deferred
        if current is None:
            clone.query.deferred = (frozenset(names), True)
        elif current[1]:
            clone.query.deferred = (current[0] | names, True)
        else:
            clone.query.deferred = (current[0] - names, False)
        return clone

    def _local_field_names(self, fields: tuple[str, ...], method: str) -> set[str]:
        opts = self.model._meta
        names = set()
        for name in fields:
            if "__" in name:
                # a related model's field (with select_related): its model loads whole, so
                # only() keeps the relation; defer() cannot leave part of it out
                if method == "defer":
                    raise FieldError(
                        f"defer() of a related model's field ('{name}') is not supported; "
                        "defer the relation itself or use only()."
                    )
                name = name.split("__", 1)[0]
            found = [f for f in opts.local_fields if name in (f.name, f.attname)]
            if name == "pk":
                found = [opts.pk]
            if not found:
                choices = ", ".join(sorted(f.name for f in opts.local_fields))
                raise FieldError(
                    f"{opts.object_name} has no field named '{name}' for {method}(); "
                    f"choices are: {choices}"
                )
            names.add(found[0].name)
        return names

    def annotate(self, *args: Any, **kwargs: Any) -> Self:
        clone = self._clone()
        for aggregate in args:
            alias = getattr(aggregate, "default_alias", None)
            if alias is None:
                raise TypeError(f"Complex annotations require an alias: name {aggregate!r}.")
            kwargs[alias] = aggregate
        for name, expression in kwargs.items():
            clone._add_annotation(name, expression)
        if clone.query.values is not None:
            clone.query.group_by_values = True
            clone.query.values = (*clone.query.values, *kwargs)
        return clone

    # -- single rows --------------------------------------------------------------------------

    def get(self, *args: Q, **kwargs: Any) -> _M:
        clone = self.filter(*args, **kwargs) if args or kwargs else self._clone()
        if not clone.query.is_sliced:
            clone.query.ordering = ()
            clone.query.set_limits(None, MAX_GET_RESULTS)
        found = list(clone)
        if len(found) == 1:
            return found[0]
        name = self.model._meta.object_name
        if not found:
            raise self.model.DoesNotExist(f"{name} matching query does not exist.")
        more = f"more than {MAX_GET_RESULTS - 1}" if len(found) == MAX_GET_RESULTS else len(found)
        raise self.model.MultipleObjectsReturned(
            f"get() returned more than one {name} -- it returned {more}!"
        )

    def first(self) -> _M | None:
        ordered = self if self._effective_ordering() else self.order_by("pk")
        found = list(ordered[:1]) if not self.query.is_sliced else list(ordered)[:1]
        return found[0] if found else None

    def last(self) -> _M | None:
        ordering = self._effective_ordering() or ("pk",)
        reversed_qs = self.order_by(*(_flip(name) for name in ordering))
        found = list(reversed_qs[:1])
        return found[0] if found else None

    def latest(self, *fields: str) -> _M:
        return self._first_by(fields, descending=True)

    def earliest(self, *fields: str) -> _M:
        return self._first_by(fields, descending=False)

    def _first_by(self, fields: tuple[str, ...], descending: bool) -> _M:
        latest_by = self.model._meta.get_latest_by
        if not fields and latest_by:
            fields = (latest_by,) if isinstance(latest_by, str) else tuple(latest_by)
        if not fields:
            raise ValueError("earliest() and latest() require a field name or Meta.get_latest_by.")
        ordering = tuple(_flip(name) if descending else name for name in fields)
        found = list(self.order_by(*ordering)[:1])
        if not found:
            raise self.model.DoesNotExist(
                f"{self.model._meta.object_name} matching query does not exist."
            )
        return found[0]

    def in_bulk(self, id_list: Any = None, *, field_name: str = "pk") -> dict[Any, _M]:
        if id_list is not None:
            id_list = list(id_list)
            if not id_list:
                return {}
            rows = self.filter(**{f"{field_name}__in": id_list})
        else:
            rows = self._clone()
        attname = self.model._meta.pk.attname if field_name == "pk" else field_name
        return {getattr(obj, attname): obj for obj in rows}

    # -- counting and aggregates --------------------------------------------------------------

    def count(self) -> int:
        if self._result_cache is not None:
            return len(self._result_cache)
        return query_runtime().count_rows(self.query, self.db)

    def exists(self) -> bool:
        if self._result_cache is not None:
            return bool(self._result_cache)
        return query_runtime().rows_exist(self.query, self.db)

    def aggregate(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        for aggregate in args:
            kwargs[aggregate.default_alias] = aggregate
        return query_runtime().aggregate_rows(self.query, self.db, kwargs)

    # -- writing ------------------------------------------------------------------------------

    def create(self, **kwargs: Any) -> _M:
        instance = self.model(**kwargs)
        instance.save(force_insert=True, using=self.db)
        return instance

    def get_or_create(
        self, defaults: dict[str, Any] | None = None, **kwargs: Any
    ) -> tuple[_M, bool]:
        try:
            return self.get(**kwargs), False
        except self.model.DoesNotExist:
            params = {k: v for k, v in kwargs.items() if "__" not in k}
            params.update(_resolved_defaults(defaults))
            return self.create(**params), True

    def update_or_create(
        self, defaults: dict[str, Any] | None = None, **kwargs: Any
    ) -> tuple[_M, bool]:
        defaults = _resolved_defaults(defaults)
        with query_runtime().atomic(self.db):
            try:
                instance = self.get(**kwargs)
            except self.model.DoesNotExist:
                params = {k: v for k, v in kwargs.items() if "__" not in k}
                params.update(defaults)
                return self.create(**params), True
            for name, value in defaults.items():
                setattr(instance, name, value)
            instance.save(using=self.db)
            return instance, False

    def bulk_create(self, objs: Iterable[_M], batch_size: int | None = None) -> list[_M]:
        objs = list(objs)
        query_runtime().bulk_insert(self.model, self.db, objs)
        return objs

    def update(self, **kwargs: Any) -> int:
        self._check_not_sliced("update")
        return query_runtime().update_rows(self.query, self.db, kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        if self.query.is_sliced:
            raise TypeError("Cannot use 'limit' or 'offset' with delete().")
        if self._values_mode is not None:
            raise TypeError("Cannot call delete() after .values() or .values_list()")
        clone = self._clone()
        clone.query.select_related = ()
        clone.query.ordering = ()
        return query_runtime().delete_instances(list(clone), self.db, origin=self)

    delete.queryset_only = True  # type: ignore[attr-defined]

    @classmethod
    def as_manager(cls) -> Manager[Any]:
        """A manager whose QuerySets are of this class, with its methods:
        ``objects = PublishedQuerySet.as_manager()``."""
        from schemashift.models.manager import Manager

        manager = Manager.from_queryset(cls)()
        manager._built_with_as_manager = True
        return manager


def _flip(name: Any) -> Any:
    if isinstance(name, OrderBy):
        return name.reversed()
    if isinstance(name, Expression):
        return name.desc()
    return name[1:] if name.startswith("-") else f"-{name}"


def _resolved_defaults(defaults: dict[str, Any] | None) -> dict[str, Any]:
    return {k: v() if callable(v) else v for k, v in (defaults or {}).items()}
