"""What a QuerySet asks for, as plain data: filters, ordering, limits, annotations, columns.

A ``Query`` is cheap to copy and imports nothing heavy; ``sql.Compiler`` turns it into a
SQLAlchemy statement for one backend when the QuerySet is evaluated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from schemashift.models.expressions import Q

if TYPE_CHECKING:
    from schemashift.models.base import Model


@dataclass
class Query:
    """The parts of one SELECT (or the WHERE of an UPDATE/DELETE) on ``model``."""

    model: type[Model]
    where: list[Q] = field(default_factory=list)
    #: names such as ``"-pub_date"``, expressions or ``OrderBy`` terms; None means the
    #: model's ``Meta.ordering``
    ordering: tuple[Any, ...] | None = None
    low: int = 0
    high: int | None = None
    distinct: bool = False
    #: forward relation paths to fetch in the same query; True means every non-null one
    select_related: tuple[str, ...] | bool = ()
    annotations: dict[str, Any] = field(default_factory=dict)
    #: the names ``values()`` / ``values_list()`` select, or None for model instances
    values: tuple[str, ...] | None = None
    #: annotate() after values(): aggregates group by the selected values
    group_by_values: bool = False
    #: ``defer()``/``only()``: (field names, True when they are the deferred ones, False when
    #: they are the only ones loaded); None loads every field
    deferred: tuple[frozenset[str], bool] | None = None

    def clone(self) -> Query:
        return Query(
            self.model,
            list(self.where),
            self.ordering,
            self.low,
            self.high,
            self.distinct,
            self.select_related,
            dict(self.annotations),
            self.values,
            self.group_by_values,
            self.deferred,
        )

    def add_q(self, condition: Q) -> None:
        if condition:
            self.where.append(condition)

    @property
    def is_sliced(self) -> bool:
        return self.low != 0 or self.high is not None

    def set_limits(self, start: int | None, stop: int | None) -> None:
        """Narrow the rows to ``[start:stop]`` of the rows selected so far."""
        if stop is not None:
            stop = self.low + stop
            self.high = stop if self.high is None else min(self.high, stop)
        if start is not None:
            self.low = self.low + start
            if self.high is not None:
                self.low = min(self.low, self.high)

    @property
    def has_aggregate_annotation(self) -> bool:
        return any(getattr(a, "contains_aggregate", False) for a in self.annotations.values())
