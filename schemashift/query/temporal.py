"""Date and time arithmetic: ``F("pub_date") + timedelta(days=1)``, a DurationField added to
or taken from a datetime or a date, and durations added together, on every backend.

PostgreSQL adds intervals natively. SQLite stores datetimes as text and durations as
microseconds, and MySQL/MariaDB durations as microseconds: there the arithmetic is done in
microseconds, exactly, and written back in the storage format.
"""

from __future__ import annotations

import datetime
from typing import Any

import sqlalchemy as sa

from schemashift.models.expressions import Value

_MICROSECONDS = 1_000_000
_TEMPORAL_KINDS = frozenset({"DateTimeField", "DateField"})


def kind_of(expression: Any, compiler: Any) -> str:
    """``DateTimeField``, ``DateField``, ``DurationField`` or "" for any other expression."""
    if isinstance(expression, Value) and expression.explicit_output_field is None:
        value = expression.value
        if isinstance(value, datetime.timedelta):
            return "DurationField"
        if isinstance(value, datetime.datetime):
            return "DateTimeField"
        return "DateField" if isinstance(value, datetime.date) else ""
    field = expression.output_field(compiler)
    return field.get_internal_type() if field is not None else ""


def is_temporal_arithmetic(lhs_kind: str, rhs_kind: str) -> bool:
    durations = (lhs_kind == "DurationField") + (rhs_kind == "DurationField")
    temporals = (lhs_kind in _TEMPORAL_KINDS) + (rhs_kind in _TEMPORAL_KINDS)
    return durations == 2 or (durations == 1 and temporals == 1)


def shift(compiler: Any, lhs: Any, connector: str, rhs: Any) -> Any:
    """``lhs <connector> rhs`` where one side is a duration and the other a date, a datetime
    or a duration too; the result is of the non-duration side's type."""
    lhs_kind, rhs_kind = kind_of(lhs, compiler), kind_of(rhs, compiler)
    if lhs_kind == "DurationField" and rhs_kind in _TEMPORAL_KINDS:
        if connector == "-":
            raise TypeError("A duration minus a date or datetime has no meaning.")
        lhs, rhs, lhs_kind, rhs_kind = rhs, lhs, rhs_kind, lhs_kind
    vendor = compiler.vendor
    if vendor == "postgresql":
        return _native(compiler, lhs, connector, rhs, lhs_kind)
    delta = _microseconds(compiler, rhs)
    if connector == "-":
        delta = -delta
    if lhs_kind == "DurationField":
        return _microseconds(compiler, lhs) + delta
    value = lhs.resolve(compiler)
    if vendor == "mysql":
        moved = sa.func.timestampadd(sa.literal_column("MICROSECOND"), delta, value)
        return sa.cast(moved, sa.Date()) if lhs_kind == "DateField" else moved
    return _sqlite_shift(value, delta, lhs_kind)


def _native(compiler: Any, lhs: Any, connector: str, rhs: Any, lhs_kind: str) -> Any:
    def resolved(expression: Any) -> Any:
        if isinstance(expression, Value) and isinstance(expression.value, datetime.timedelta):
            return sa.literal(expression.value, type_=sa.Interval())
        return expression.resolve(compiler)

    left, right = resolved(lhs), resolved(rhs)
    result = left + right if connector == "+" else left - right
    return sa.cast(result, sa.Date()) if lhs_kind == "DateField" else result


def _microseconds(compiler: Any, expression: Any) -> Any:
    """A duration as a whole number of microseconds (how SQLite and MySQL store them)."""
    if isinstance(expression, Value) and isinstance(expression.value, datetime.timedelta):
        micro = expression.value // datetime.timedelta(microseconds=1)
        return sa.literal(micro, type_=sa.BigInteger())
    return sa.type_coerce(expression.resolve(compiler), sa.BigInteger())


def _sqlite_shift(value: Any, delta: Any, kind: str) -> Any:
    """``value`` (text: 'YYYY-MM-DD HH:MM:SS.ffffff' or 'YYYY-MM-DD') moved by ``delta``
    microseconds, in integer arithmetic so no microsecond is lost."""
    # whole seconds from the text without its fraction, which SQLite would round
    seconds = sa.cast(sa.func.strftime("%s", sa.func.substr(value, 1, 19)), sa.BigInteger())
    fraction = sa.cast(sa.func.substr(value, 21, 6), sa.BigInteger())
    total = seconds * _MICROSECONDS + fraction + delta
    # a remainder that is never negative, so times before 1970 come out right too
    micro = ((total % _MICROSECONDS) + _MICROSECONDS) % _MICROSECONDS
    whole = sa.func.strftime("%Y-%m-%d %H:%M:%S", (total - micro) / _MICROSECONDS, "unixepoch")
    if kind == "DateField":
        return sa.func.substr(whole, 1, 10)
    return whole.concat(sa.func.printf(".%06d", micro))
