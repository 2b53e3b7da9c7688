"""Aggregates for ``aggregate()`` and ``annotate()``: Count, Sum, Avg, Min, Max."""

from __future__ import annotations

from typing import Any

from schemashift.models.expressions import Expression, F


class Aggregate(Expression):
    """An SQL aggregate over a field, an expression or ``"*"``."""

    function = ""
    contains_aggregate = True
    allowed_default = False
    #: whether the aggregate compares values by order (MIN, MAX)
    orders = False

    def __init__(self, expression: str | Expression, distinct: bool = False) -> None:
        self.source = (
            F(expression) if isinstance(expression, str) and expression != "*" else (expression)
        )
        self.distinct = distinct

    @property
    def default_alias(self) -> str:
        name = self.source.name if isinstance(self.source, F) else "all"
        return f"{name}__{self.function.lower()}"

    def resolve(self, compiler: Any) -> Any:
        import sqlalchemy as sa

        argument = sa.literal_column("*") if self.source == "*" else self.source.resolve(compiler)
        if self.orders and self.source != "*":
            field = self.source.output_field(compiler)
            argument = compiler.comparable(argument, field.get_internal_type() if field else "")
        if self.distinct:
            argument = argument.distinct()
        function = getattr(sa.func, self.function.lower())
        return function(argument, type_=compiler.output_type(self))

    def output_field(self, compiler: Any) -> Any:
        return None if self.source == "*" else self.source.output_field(compiler)

    def __repr__(self) -> str:
        distinct = ", distinct=True" if self.distinct else ""
        return f"{type(self).__name__}({self.source!r}{distinct})"


class Count(Aggregate):
    function = "COUNT"

    def output_field(self, compiler: Any) -> Any:
        return None


class Sum(Aggregate):
    function = "SUM"


class Avg(Aggregate):
    function = "AVG"


class Min(Aggregate):
    function = "MIN"
    orders = True


class Max(Aggregate):
    function = "MAX"
    orders = True
