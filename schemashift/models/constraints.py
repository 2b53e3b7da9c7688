"""Meta.constraints entries: ``UniqueConstraint`` and ``CheckConstraint``, as Django's.

Plain data: what a constraint covers and its name. The schema editors turn them into SQL;
``deconstruct()`` writes them into migrations exactly as Django does.
"""

from __future__ import annotations

import enum
import warnings
from typing import Any

from schemashift.models.expressions import F, Q, referenced_fields_of

__all__ = ["BaseConstraint", "CheckConstraint", "Deferrable", "UniqueConstraint"]

DEFAULT_VIOLATION_ERROR_MESSAGE = "Constraint “%(name)s” is violated."


class Deferrable(enum.Enum):
    """When a deferrable unique constraint is checked (PostgreSQL only)."""

    DEFERRED = "deferred"
    IMMEDIATE = "immediate"

    def __repr__(self) -> str:
        return f"{type(self).__qualname__}.{self._name_}"


class BaseConstraint:
    """A named table constraint, with the message and code ``validate`` would report."""

    default_violation_error_message = DEFAULT_VIOLATION_ERROR_MESSAGE
    #: what the database does not hold: changing only these is an AlterConstraint
    non_db_attrs = ("violation_error_code", "violation_error_message")
    violation_error_code: str | None = None
    violation_error_message: str | None = None

    def __init__(
        self,
        *,
        name: str,
        violation_error_code: str | None = None,
        violation_error_message: str | None = None,
    ) -> None:
        self.name = name
        if violation_error_code is not None:
            self.violation_error_code = violation_error_code
        self.violation_error_message = (
            violation_error_message
            if violation_error_message is not None
            else self.default_violation_error_message
        )

    @property
    def contains_expressions(self) -> bool:
        return False

    def referenced_fields(self) -> set[str]:
        """The names of the fields the constraint reads."""
        raise NotImplementedError

    def get_violation_error_message(self) -> str:
        return self.violation_error_message % {"name": self.name}

    def deconstruct(self) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
        kwargs: dict[str, Any] = {"name": self.name}
        if (
            self.violation_error_message is not None
            and self.violation_error_message != self.default_violation_error_message
        ):
            kwargs["violation_error_message"] = self.violation_error_message
        if self.violation_error_code is not None:
            kwargs["violation_error_code"] = self.violation_error_code
        return f"schemashift.models.{type(self).__name__}", (), kwargs

    def clone(self) -> BaseConstraint:
        _path, args, kwargs = self.deconstruct()
        return type(self)(*args, **kwargs)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.deconstruct() == self.deconstruct()

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.name))


class CheckConstraint(BaseConstraint):
    """``CHECK (condition)``: every row must satisfy the condition (a ``Q``).

    ``check=`` is the spelling of Django before 5.1: accepted with a DeprecationWarning.
    """

    def __init__(
        self,
        *,
        name: str,
        condition: Any = None,
        check: Any = None,
        violation_error_code: str | None = None,
        violation_error_message: str | None = None,
    ) -> None:
        if check is not None:
            warnings.warn(_CHECK_DEPRECATED, DeprecationWarning, stacklevel=2)
            condition = check
        if not getattr(condition, "conditional", False):
            raise TypeError("CheckConstraint.condition must be a Q instance or boolean expression.")
        self.condition = condition
        super().__init__(
            name=name,
            violation_error_code=violation_error_code,
            violation_error_message=violation_error_message,
        )

    @property
    def check(self) -> Any:
        warnings.warn(_CHECK_DEPRECATED, DeprecationWarning, stacklevel=2)
        return self.condition

    def referenced_fields(self) -> set[str]:
        return referenced_fields_of(self.condition)

    def deconstruct(self) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
        path, args, kwargs = super().deconstruct()
        kwargs["condition"] = self.condition
        return path, args, kwargs

    def __repr__(self) -> str:
        return f"<CheckConstraint: condition={self.condition} name={self.name!r}>"


class UniqueConstraint(BaseConstraint):
    """Unique values over ``fields`` (or ``expressions``), optionally only where
    ``condition`` holds, with ``include`` columns, ``opclasses``, ``deferrable`` and
    ``nulls_distinct`` as Django's; checks refuse the same combinations."""

    def __init__(
        self,
        *expressions: Any,
        fields: list[str] | tuple[str, ...] = (),
        name: str | None = None,
        condition: Q | None = None,
        deferrable: Deferrable | None = None,
        include: list[str] | tuple[str, ...] | None = None,
        opclasses: list[str] | tuple[str, ...] = (),
        nulls_distinct: bool | None = None,
        violation_error_code: str | None = None,
        violation_error_message: str | None = None,
    ) -> None:
        _refuse_bad_unique(expressions, fields, name, condition, deferrable, include, opclasses)
        if nulls_distinct is not None and not isinstance(nulls_distinct, bool):
            raise TypeError("UniqueConstraint.nulls_distinct must be a bool.")
        self.fields = tuple(fields)
        self.condition = condition
        self.deferrable = deferrable
        self.include = tuple(include) if include else ()
        self.opclasses = opclasses
        self.nulls_distinct = nulls_distinct
        self.expressions = tuple(F(e) if isinstance(e, str) else e for e in expressions)
        super().__init__(
            name=name or "",
            violation_error_code=violation_error_code,
            violation_error_message=violation_error_message,
        )

    @property
    def contains_expressions(self) -> bool:
        return bool(self.expressions)

    @property
    def is_plain(self) -> bool:
        """Whether it is a table constraint ``UNIQUE (columns)`` rather than a unique index
        (a condition, expressions, include columns or opclasses need an index)."""
        return not (self.condition or self.expressions or self.include or self.opclasses)

    def referenced_fields(self) -> set[str]:
        found = {*self.fields, *self.include}
        for expression in self.expressions:
            found |= referenced_fields_of(expression)
        if self.condition is not None:
            found |= referenced_fields_of(self.condition)
        return found

    def deconstruct(self) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
        path, _args, kwargs = super().deconstruct()
        if self.fields:
            kwargs["fields"] = self.fields
        if self.condition:
            kwargs["condition"] = self.condition
        if self.deferrable:
            kwargs["deferrable"] = self.deferrable
        if self.include:
            kwargs["include"] = self.include
        if self.opclasses:
            kwargs["opclasses"] = self.opclasses
        if self.nulls_distinct is not None:
            kwargs["nulls_distinct"] = self.nulls_distinct
        return path, self.expressions, kwargs

    def __repr__(self) -> str:
        parts = [f"fields={self.fields!r}" if self.fields else f"expressions={self.expressions}"]
        parts.append(f"name={self.name!r}")
        if self.condition:
            parts.append(f"condition={self.condition}")
        if self.deferrable:
            parts.append(f"deferrable={self.deferrable!r}")
        return f"<UniqueConstraint: {' '.join(parts)}>"


_CHECK_DEPRECATED = "CheckConstraint.check is deprecated in favor of `.condition`."


def _refuse_bad_unique(
    expressions: tuple[Any, ...],
    fields: Any,
    name: str | None,
    condition: Any,
    deferrable: Any,
    include: Any,
    opclasses: Any,
) -> None:
    """Raise Django's errors for the combinations UniqueConstraint refuses."""
    if not name:
        raise ValueError("A unique constraint must be named.")
    if not expressions and not fields:
        raise ValueError(
            "At least one field or expression is required to define a unique constraint."
        )
    if expressions and fields:
        raise ValueError("UniqueConstraint.fields and expressions are mutually exclusive.")
    if condition is not None and not isinstance(condition, Q):
        raise ValueError("UniqueConstraint.condition must be a Q instance.")
    for given, what in (
        (condition, "conditions"),
        (include, "include fields"),
        (opclasses, "opclasses"),
        (expressions, "expressions"),
    ):
        if given and deferrable:
            raise ValueError(f"UniqueConstraint with {what} cannot be deferred.")
    if expressions and opclasses:
        raise ValueError(
            "UniqueConstraint.opclasses cannot be used with expressions. "
            "Use django.contrib.postgres.indexes.OpClass() instead."
        )
    if deferrable is not None and not isinstance(deferrable, Deferrable):
        raise TypeError("UniqueConstraint.deferrable must be a Deferrable instance.")
    if include is not None and not isinstance(include, list | tuple):
        raise TypeError("UniqueConstraint.include must be a list or tuple.")
    if not isinstance(opclasses, list | tuple):
        raise TypeError("UniqueConstraint.opclasses must be a list or tuple.")
    if opclasses and len(fields) != len(opclasses):
        raise ValueError(
            "UniqueConstraint.fields and UniqueConstraint.opclasses must have the same number "
            "of elements."
        )
