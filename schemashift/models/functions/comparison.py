"""Comparison and conversion functions: Cast, Coalesce, Greatest, Least."""

from __future__ import annotations

from typing import Any

from schemashift.models.expressions import Func


class Cast(Func):
    """The expression converted to the type of ``output_field``:
    ``Cast("votes", output_field=models.CharField(max_length=10))``."""

    function = "CAST"

    def __init__(self, expression: Any, output_field: Any) -> None:
        super().__init__(expression, output_field=output_field)

    def compile(self, compiler: Any, arguments: list[Any]) -> Any:
        return compiler.cast(arguments[0], self.explicit_output_field)


class Coalesce(Func):
    """The first of the expressions that is not NULL."""

    function = "COALESCE"

    def __init__(self, *expressions: Any, **extra: Any) -> None:
        if len(expressions) < 2:
            raise ValueError("Coalesce must take at least two expressions")
        super().__init__(*expressions, **extra)


class Greatest(Func):
    """The largest of the expressions. With a NULL among them: NULL on SQLite and
    MySQL/MariaDB, the largest of the others on PostgreSQL (as in Django)."""

    function = "GREATEST"
    #: SQLite's name of the function (its scalar, many-argument MAX)
    sqlite_function = "MAX"

    def __init__(self, *expressions: Any, **extra: Any) -> None:
        if len(expressions) < 2:
            raise ValueError(f"{type(self).__name__} must take at least two expressions")
        super().__init__(*expressions, **extra)

    def compile(self, compiler: Any, arguments: list[Any]) -> Any:
        import sqlalchemy as sa

        name = self.sqlite_function if compiler.vendor == "sqlite" else self.function
        return getattr(sa.func, name.lower())(*arguments)


class Least(Greatest):
    """The smallest of the expressions (NULLs as for ``Greatest``)."""

    function = "LEAST"
    sqlite_function = "MIN"
