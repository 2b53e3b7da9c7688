"""``TruncYear``/``TruncMonth``/...: a date or datetime cut down to the start of its year,
month, day, hour, minute or second, in UTC, on every backend."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from schemashift.db.backends.registry import backend_for
from schemashift.exceptions import FieldError

KINDS = ("year", "month", "day", "hour", "minute", "second")
#: the start of each period, as SQLite's strftime() writes it
_SQLITE_FORMATS = {
    "year": "%Y-01-01 00:00:00",
    "month": "%Y-%m-01 00:00:00",
    "day": "%Y-%m-%d 00:00:00",
    "hour": "%Y-%m-%d %H:00:00",
    "minute": "%Y-%m-%d %H:%M:00",
    "second": "%Y-%m-%d %H:%M:%S",
}
#: the same for MySQL's DATE_FORMAT(), where minutes are %i
_MYSQL_FORMATS = {kind: text.replace("%M", "%i") for kind, text in _SQLITE_FORMATS.items()}


def truncate(vendor: str, kind: str, expression: Any, field_kind: str) -> Any:
    """``expression`` (of a field of class ``field_kind``) truncated to the start of ``kind``:
    a datetime for DateTimeField, a date for DateField."""
    if kind not in KINDS:
        raise ValueError(f"Cannot truncate to '{kind}': choose one of {', '.join(KINDS)}.")
    is_date = field_kind == "DateField"
    if field_kind not in ("DateField", "DateTimeField"):
        raise FieldError(f"Trunc needs a DateField or a DateTimeField, not {field_kind or '?'}.")
    if is_date and kind in ("hour", "minute", "second"):
        raise FieldError(f"Cannot truncate a DateField to '{kind}'.")
    target = sa.Date() if is_date else sa.DateTime()
    if vendor == "postgresql":
        source = expression if is_date else backend_for(vendor).datetime_in_utc(expression)
        return sa.cast(sa.func.date_trunc(kind, source), target)
    formats = _MYSQL_FORMATS if vendor == "mysql" else _SQLITE_FORMATS
    text = formats[kind].split(" ")[0] if is_date else formats[kind]
    if vendor == "mysql":
        return sa.cast(sa.func.date_format(expression, text), target)
    return sa.func.strftime(text, expression)
