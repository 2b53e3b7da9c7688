"""Text functions: Lower, Upper, Length, Concat, Trim, LTrim, RTrim, Substr, Replace."""

from __future__ import annotations

from typing import Any

from schemashift.models.expressions import Func, Value
from schemashift.models.fields import IntegerField, TextField


class Lower(Func):
    function = "LOWER"
    arity = 1


class Upper(Func):
    function = "UPPER"
    arity = 1


class Length(Func):
    """The number of characters (not bytes: ``CHAR_LENGTH`` on MySQL/MariaDB)."""

    function = "LENGTH"
    arity = 1

    def __init__(self, expression: Any) -> None:
        super().__init__(expression, output_field=IntegerField())

    def compile(self, compiler: Any, arguments: list[Any]) -> Any:
        import sqlalchemy as sa

        if compiler.vendor == "mysql":
            return sa.func.char_length(*arguments)
        return sa.func.length(*arguments)


class Concat(Func):
    """The texts joined; a NULL among them counts as an empty text, on every backend."""

    def __init__(self, *expressions: Any, output_field: Any = None) -> None:
        if len(expressions) < 2:
            raise ValueError("Concat must take at least two expressions.")
        super().__init__(*expressions, output_field=output_field or TextField())

    def compile(self, compiler: Any, arguments: list[Any]) -> Any:
        import sqlalchemy as sa

        parts = [sa.func.coalesce(sa.cast(a, sa.String()), "") for a in arguments]
        joined = sa.type_coerce(parts[0], sa.String())
        for part in parts[1:]:
            joined = joined + sa.type_coerce(part, sa.String())
        return joined


class Trim(Func):
    function = "TRIM"
    arity = 1


class LTrim(Func):
    function = "LTRIM"
    arity = 1


class RTrim(Func):
    function = "RTRIM"
    arity = 1


class Substr(Func):
    """``length`` characters from position ``pos`` (counted from 1), or to the end."""

    function = "SUBSTR"

    def __init__(self, expression: Any, pos: Any, length: Any = None, **extra: Any) -> None:
        if isinstance(pos, int) and pos <= 0:
            raise ValueError("'pos' must be greater than 0")
        arguments = [expression, _value(pos)]
        if length is not None:
            arguments.append(_value(length))
        super().__init__(*arguments, **extra)


class Replace(Func):
    """Every ``text`` in the expression replaced by ``replacement`` (strings name fields, as
    in Django: ``Replace("name", Value("old"), Value("new"))``)."""

    function = "REPLACE"

    def __init__(self, expression: Any, text: Any, replacement: Any = None, **extra: Any) -> None:
        replacement = Value("") if replacement is None else replacement
        super().__init__(expression, text, replacement, **extra)


def _value(value: Any) -> Any:
    return Value(value) if isinstance(value, int) else value
