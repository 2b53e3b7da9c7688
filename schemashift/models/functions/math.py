"""Math functions: Abs, Round."""

from __future__ import annotations

from typing import Any

from schemashift.models.expressions import Func, Value


class Abs(Func):
    function = "ABS"
    arity = 1


class Round(Func):
    """The value rounded to ``precision`` decimal places. Decimals round half away from zero;
    how a float exactly halfway rounds depends on the backend, as in Django."""

    function = "ROUND"

    def __init__(self, expression: Any, precision: int = 0, **extra: Any) -> None:
        super().__init__(expression, Value(precision), **extra)
        self.precision = precision

    def compile(self, compiler: Any, arguments: list[Any]) -> Any:
        import sqlalchemy as sa

        value, precision = arguments
        if compiler.vendor == "postgresql":
            # PostgreSQL rounds to places only numerics
            return sa.func.round(sa.cast(value, sa.Numeric()), precision)
        return sa.func.round(value, precision)
