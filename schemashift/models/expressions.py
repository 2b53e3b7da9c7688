"""Query expressions: ``F`` (a column), ``Value``, arithmetic on them, and ``Q`` (conditions).

They are plain data until a compiler resolves them (``resolve(compiler)``) into SQLAlchemy
expressions, so building them imports nothing and any backend can compile them.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "%": operator.mod,
}


class Combinable:
    """Arithmetic with ``+ - * / %`` building a CombinedExpression."""

    def _combine(self, other: Any, connector: str, reversed_: bool) -> CombinedExpression:
        other = other if isinstance(other, Combinable) else Value(other)
        if reversed_:
            return CombinedExpression(other, connector, self)
        return CombinedExpression(self, connector, other)

    def __add__(self, other: Any) -> CombinedExpression:
        return self._combine(other, "+", False)

    def __radd__(self, other: Any) -> CombinedExpression:
        return self._combine(other, "+", True)

    def __sub__(self, other: Any) -> CombinedExpression:
        return self._combine(other, "-", False)

    def __rsub__(self, other: Any) -> CombinedExpression:
        return self._combine(other, "-", True)

    def __mul__(self, other: Any) -> CombinedExpression:
        return self._combine(other, "*", False)

    def __rmul__(self, other: Any) -> CombinedExpression:
        return self._combine(other, "*", True)

    def __truediv__(self, other: Any) -> CombinedExpression:
        return self._combine(other, "/", False)

    def __rtruediv__(self, other: Any) -> CombinedExpression:
        return self._combine(other, "/", True)

    def __mod__(self, other: Any) -> CombinedExpression:
        return self._combine(other, "%", False)

    def __neg__(self) -> CombinedExpression:
        return CombinedExpression(Value(0), "-", self)


class Expression(Combinable):
    """Something a compiler turns into a SQLAlchemy column expression."""

    contains_aggregate = False

    def resolve(self, compiler: Any) -> Any:
        raise NotImplementedError

    def output_field(self, compiler: Any) -> Any:
        """The model field whose conversions apply to this expression's values, if any."""
        return None


class F(Expression):
    """A reference to a field of the queried model, across relations with ``__``."""

    def __init__(self, name: str) -> None:
        self.name = name

    def resolve(self, compiler: Any) -> Any:
        return compiler.resolve_reference(self.name)

    def output_field(self, compiler: Any) -> Any:
        return compiler.reference_field(self.name)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, F) and other.name == self.name

    def __hash__(self) -> int:
        return hash(("F", self.name))

    def __repr__(self) -> str:
        return f"F({self.name})"


class Value(Expression):
    """A constant, sent as a bound parameter."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def resolve(self, compiler: Any) -> Any:
        return compiler.bind_value(self.value)

    def __repr__(self) -> str:
        return f"Value({self.value!r})"


class CombinedExpression(Expression):
    """``lhs <connector> rhs``."""

    def __init__(self, lhs: Expression, connector: str, rhs: Expression) -> None:
        self.lhs = lhs
        self.connector = connector
        self.rhs = rhs

    @property
    def contains_aggregate(self) -> bool:  # type: ignore[override]
        return self.lhs.contains_aggregate or self.rhs.contains_aggregate

    def resolve(self, compiler: Any) -> Any:
        return _OPERATORS[self.connector](self.lhs.resolve(compiler), self.rhs.resolve(compiler))

    def output_field(self, compiler: Any) -> Any:
        return self.lhs.output_field(compiler) or self.rhs.output_field(compiler)

    def __repr__(self) -> str:
        return f"{self.lhs!r} {self.connector} {self.rhs!r}"


class Q:
    """A condition tree: keyword lookups joined by AND, combined with ``&``, ``|`` and ``~``."""

    AND = "AND"
    OR = "OR"

    def __init__(self, *args: Q, _connector: str = AND, _negated: bool = False, **kwargs: Any):
        self.children: list[Any] = [*args, *sorted(kwargs.items())]
        self.connector = _connector
        self.negated = _negated

    def _combine(self, other: Any, connector: str) -> Q:
        if not isinstance(other, Q):
            raise TypeError(f"Cannot combine a Q with {type(other).__name__}.")
        if not other.children:
            return self
        if not self.children:
            return other
        combined = Q(_connector=connector)
        combined.children = [self, other]
        return combined

    def __and__(self, other: Q) -> Q:
        return self._combine(other, self.AND)

    def __or__(self, other: Q) -> Q:
        return self._combine(other, self.OR)

    def __invert__(self) -> Q:
        inverted = Q()
        inverted.children = [self]
        inverted.negated = True
        return inverted

    def __bool__(self) -> bool:
        return bool(self.children)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Q)
            and other.children == self.children
            and other.connector == self.connector
            and other.negated == self.negated
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        inner = f" {self.connector} ".join(repr(child) for child in self.children)
        return f"<Q: {'NOT ' if self.negated else ''}({inner})>"
