"""Date and time functions: Now, the Extract family, TruncDate and the Trunc family."""

from __future__ import annotations

from typing import Any

from schemashift.models.expressions import Func
from schemashift.models.fields import DateField, DateTimeField, IntegerField


class Now(Func):
    """The current date and time in UTC (the transaction's start on PostgreSQL)."""

    function = "NOW"
    arity = 0

    def __init__(self) -> None:
        super().__init__(output_field=DateTimeField())

    def compile(self, compiler: Any, arguments: list[Any]) -> Any:
        return compiler.now()


class Extract(Func):
    """A part of a date or datetime (``year``, ``month``, ``day``, ``hour``, ``minute``,
    ``second``) as an integer; datetimes are read in UTC."""

    lookup_name = ""

    def __init__(self, expression: Any, lookup_name: str | None = None) -> None:
        super().__init__(expression, output_field=IntegerField())
        if lookup_name is not None:
            self.lookup_name = lookup_name
        if not self.lookup_name:
            raise ValueError("lookup_name must be provided")

    def compile(self, compiler: Any, arguments: list[Any]) -> Any:
        return compiler.transform(self.lookup_name, arguments[0], self.source_expressions[0])


class ExtractYear(Extract):
    lookup_name = "year"


class ExtractMonth(Extract):
    lookup_name = "month"


class ExtractDay(Extract):
    lookup_name = "day"


class ExtractHour(Extract):
    lookup_name = "hour"


class ExtractMinute(Extract):
    lookup_name = "minute"


class ExtractSecond(Extract):
    lookup_name = "second"


class TruncDate(Extract):
    """The date of a datetime (in UTC)."""

    lookup_name = "date"

    def __init__(self, expression: Any) -> None:
        super().__init__(expression)
        self.explicit_output_field = DateField()


class Trunc(Func):
    """A date or datetime cut down to the start of its ``kind`` (``"year"``, ``"month"``,
    ``"day"``, ``"hour"``, ``"minute"``, ``"second"``), in UTC; of the source's type."""

    kind = ""

    def __init__(self, expression: Any, kind: str | None = None, output_field: Any = None):
        super().__init__(expression, output_field=output_field)
        if kind is not None:
            self.kind = kind
        if not self.kind:
            raise ValueError("kind must be provided")

    def compile(self, compiler: Any, arguments: list[Any]) -> Any:
        return compiler.truncate(self.kind, arguments[0], self.source_expressions[0])


class TruncYear(Trunc):
    kind = "year"


class TruncMonth(Trunc):
    kind = "month"


class TruncDay(Trunc):
    kind = "day"


class TruncHour(Trunc):
    kind = "hour"


class TruncMinute(Trunc):
    kind = "minute"


class TruncSecond(Trunc):
    kind = "second"
