"""How a field's Python values are stored, the one table of storage formats.

Each field type has a ``ValueFormat``: the SQLAlchemy type of its column for queries, the
value a statement binds (``to_db``), the Python value a row reads back as (``from_db``), and
the plain value a SQL literal is written from (``to_literal``: DEFAULTs and RunSQL
parameters, rendered by the schema editor). ``FORMATS`` holds the portable formats, which
keep Django's storage: datetimes as naive UTC, UUIDs as 32 hex characters, durations as
microseconds. A backend replaces the formats it stores differently (``Backend.formats``:
``timestamptz``, ``uuid`` and ``interval`` on PostgreSQL, say).

``spec`` is the field, or anything with its ``max_digits`` and ``decimal_places``; it may be
None for a literal without a field. ``None`` never reaches a format: it is SQL NULL.
"""

from __future__ import annotations

import datetime
import decimal
import ipaddress
import json
import math
import uuid
from typing import Any

import sqlalchemy as sa

from schemashift.utils import timezone

UTC = datetime.UTC


class ValueFormat:
    """Values stored as they are: the driver converts them both ways."""

    def column_type(self) -> Any | None:
        """The SQLAlchemy type queries bind and read the column with; None: the field's own."""
        return None

    def to_db(self, value: Any, spec: Any) -> Any:
        """The value a statement binds for ``value``."""
        return value

    def from_db(self, value: Any, spec: Any) -> Any:
        """The Python value of what the driver read."""
        return value

    def to_literal(self, value: Any, spec: Any) -> Any:
        """The value as the column stores it, for a SQL literal: bool, int, float, str or bytes."""
        return value

    def comparable(self, expression: Any) -> Any:
        """The column's expression as its values compare in order."""
        return expression


class IntegerFormat(ValueFormat):
    def to_literal(self, value: Any, spec: Any) -> Any:
        return int(value)


class TextFormat(ValueFormat):
    def to_literal(self, value: Any, spec: Any) -> Any:
        return str(value)


class FileNameFormat(TextFormat):
    """File names: an object with a ``name`` (a Django ``File``, say) is stored by it."""

    def to_db(self, value: Any, spec: Any) -> Any:
        return value if isinstance(value, str) else str(getattr(value, "name", value))

    def to_literal(self, value: Any, spec: Any) -> Any:
        return self.to_db(value, spec)


class IPAddressFormat(ValueFormat):
    """IP addresses as text: IPv6 compressed (``::ffff:a.b.c.d`` kept, or unpacked to
    ``a.b.c.d`` with the field's ``unpack_ipv4``); a blank address is NULL."""

    def column_type(self) -> Any:
        return sa.String(39)

    def to_db(self, value: Any, spec: Any) -> Any:
        return clean_ip_address(value, bool(getattr(spec, "unpack_ipv4", False)))

    def from_db(self, value: Any, spec: Any) -> Any:
        return str(value)

    def to_literal(self, value: Any, spec: Any) -> Any:
        return self.to_db(value, spec)


class BooleanFormat(ValueFormat):
    def to_literal(self, value: Any, spec: Any) -> Any:
        if value in (True, False):
            return bool(value)
        if value in ("t", "True", "1"):
            return True
        if value in ("f", "False", "0"):
            return False
        raise ValueError("expected True or False")


class FloatFormat(ValueFormat):
    """Floats; NaN and the infinities as the driver sends them."""

    def column_type(self) -> Any:
        return sa.Float()

    def from_db(self, value: Any, spec: Any) -> Any:
        return float(value)

    def to_literal(self, value: Any, spec: Any) -> Any:
        return float(value)


class DecimalFormat(ValueFormat):
    """Decimals both ways, rounded to the field's places when read."""

    def column_type(self) -> Any:
        return sa.Numeric(asdecimal=True)

    def to_db(self, value: Any, spec: Any) -> Any:
        return value if isinstance(value, decimal.Decimal) else decimal.Decimal(str(value))

    def from_db(self, value: Any, spec: Any) -> Any:
        if isinstance(value, (bytes, memoryview)):
            value = decimal.Decimal(bytes(value).decode("ascii"))
        elif isinstance(value, float):
            value = decimal.Decimal(repr(value))  # the shortest text that reads back as it
        elif not isinstance(value, decimal.Decimal):
            value = decimal.Decimal(str(value))
        places = getattr(spec, "decimal_places", None)
        if places is not None:
            return quantize(value, getattr(spec, "max_digits", None), places)
        return value

    def to_literal(self, value: Any, spec: Any) -> Any:
        if isinstance(value, float):
            digits = getattr(spec, "max_digits", None)
            context = decimal.Context(prec=digits) if digits else decimal.Context()
            value = context.create_decimal_from_float(value)
        value = decimal.Decimal(value)
        return value if value.is_finite() else str(value)


class DateTimeFormat(ValueFormat):
    """Aware datetimes in UTC in Python, naive UTC in the column; a naive datetime given by the
    user is taken as UTC."""

    def column_type(self) -> Any:
        return sa.DateTime()

    def to_db(self, value: Any, spec: Any) -> Any:
        return utc_datetime(value).replace(tzinfo=None)

    def from_db(self, value: Any, spec: Any) -> Any:
        if isinstance(value, str):
            value = datetime.datetime.fromisoformat(value)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def to_literal(self, value: Any, spec: Any) -> Any:
        return utc_naive(as_datetime(value)).isoformat(" ")


class DateFormat(ValueFormat):
    def to_db(self, value: Any, spec: Any) -> Any:
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, str):
            return datetime.date.fromisoformat(value)
        return value

    def to_literal(self, value: Any, spec: Any) -> Any:
        if isinstance(value, datetime.datetime):
            return utc_naive(value).date().isoformat()
        if isinstance(value, str):
            value = datetime.date.fromisoformat(value)
        if not isinstance(value, datetime.date):
            raise TypeError("expected a date")
        return value.isoformat()


class TimeFormat(ValueFormat):
    def column_type(self) -> Any:
        return sa.Time()

    def to_db(self, value: Any, spec: Any) -> Any:
        if isinstance(value, str):
            return datetime.time.fromisoformat(value)
        return value

    def to_literal(self, value: Any, spec: Any) -> Any:
        if isinstance(value, datetime.datetime):
            value = value.time()
        elif isinstance(value, str):
            value = datetime.time.fromisoformat(value)
        if not isinstance(value, datetime.time):
            raise TypeError("expected a time")
        if value.utcoffset() is not None:
            raise ValueError("times with a time zone cannot be stored")
        return value.isoformat()


class DurationFormat(ValueFormat):
    """Durations as a bigint of microseconds."""

    def column_type(self) -> Any:
        return sa.BigInteger()

    def to_db(self, value: Any, spec: Any) -> Any:
        return value // datetime.timedelta(microseconds=1)

    def from_db(self, value: Any, spec: Any) -> Any:
        if isinstance(value, datetime.timedelta):
            return value
        return datetime.timedelta(microseconds=int(value))

    def to_literal(self, value: Any, spec: Any) -> Any:
        if isinstance(value, datetime.timedelta):
            return (value.days * 86400 + value.seconds) * 1_000_000 + value.microseconds
        return int(value)


class UUIDFormat(ValueFormat):
    """UUIDs as 32 hex characters; ``uuid.UUID`` in Python."""

    def column_type(self) -> Any:
        return sa.CHAR(32)

    def to_db(self, value: Any, spec: Any) -> Any:
        return as_uuid(value).hex

    def from_db(self, value: Any, spec: Any) -> Any:
        if isinstance(value, uuid.UUID):
            return value
        return uuid.UUID(str(value))

    def to_literal(self, value: Any, spec: Any) -> Any:
        return as_uuid(value).hex


class JSONFormat(ValueFormat):
    """JSON documents as text; Python ``None`` is SQL NULL."""

    def column_type(self) -> Any:
        return sa.JSON(none_as_null=True)

    def to_literal(self, value: Any, spec: Any) -> Any:
        return json.dumps(value, cls=getattr(spec, "encoder", None))


class BinaryFormat(ValueFormat):
    def to_db(self, value: Any, spec: Any) -> Any:
        return bytes(value) if isinstance(value, (bytearray, memoryview)) else value

    def from_db(self, value: Any, spec: Any) -> Any:
        return bytes(value) if isinstance(value, (bytearray, memoryview)) else value

    def to_literal(self, value: Any, spec: Any) -> Any:
        if isinstance(value, str):
            return value.encode()
        return bytes(value)


_INTEGER_KINDS = (
    "IntegerField",
    "SmallIntegerField",
    "BigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "PositiveBigIntegerField",
    "AutoField",
    "BigAutoField",
    "SmallAutoField",
)
_TEXT_KINDS = (
    "CharField",
    "SlugField",
    "EmailField",
    "URLField",
    "TextField",
    "IPAddressField",
)

#: the portable storage formats, per field class (``get_internal_type()``)
FORMATS: dict[str, ValueFormat] = {
    "BooleanField": BooleanFormat(),
    "FloatField": FloatFormat(),
    "DecimalField": DecimalFormat(),
    "DateField": DateFormat(),
    "DateTimeField": DateTimeFormat(),
    "TimeField": TimeFormat(),
    "DurationField": DurationFormat(),
    "UUIDField": UUIDFormat(),
    "BinaryField": BinaryFormat(),
    "JSONField": JSONFormat(),
    "FileField": FileNameFormat(),
    "FilePathField": FileNameFormat(),
    "GenericIPAddressField": IPAddressFormat(),
    **{kind: TextFormat() for kind in _TEXT_KINDS},
    **{kind: IntegerFormat() for kind in _INTEGER_KINDS},
}
#: the format of field classes not in FORMATS
AS_IS = ValueFormat()

_PYTHON_KINDS: tuple[tuple[type, str], ...] = (
    (bool, "BooleanField"),
    (decimal.Decimal, "DecimalField"),
    (datetime.datetime, "DateTimeField"),
    (datetime.date, "DateField"),
    (datetime.time, "TimeField"),
    (datetime.timedelta, "DurationField"),
    (uuid.UUID, "UUIDField"),
)


def python_kind(value: Any) -> str:
    """The field class a bare value is stored like (RunSQL parameters); "" for any other."""
    for python_type, kind in _PYTHON_KINDS:
        if isinstance(value, python_type):
            return kind
    return ""


# -- conversions the formats share ------------------------------------------------------------


def as_datetime(value: Any) -> datetime.datetime:
    """A datetime from a datetime, a date (its midnight) or ISO text."""
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    elif isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        value = datetime.datetime(value.year, value.month, value.day)
    if not isinstance(value, datetime.datetime):
        raise TypeError("expected a datetime")
    return value


def utc_datetime(value: Any) -> datetime.datetime:
    """The value as an aware datetime in UTC; a naive one is taken as UTC already."""
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    elif isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        value = datetime.datetime(value.year, value.month, value.day)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def utc_naive(value: datetime.datetime) -> datetime.datetime:
    """An aware datetime as naive UTC; a naive one as it is."""
    if value.utcoffset() is None:
        return value
    return value.astimezone(timezone.utc).replace(tzinfo=None)


def as_uuid(value: Any) -> uuid.UUID:
    """A UUID from a UUID, its integer or its text."""
    if isinstance(value, uuid.UUID):
        return value
    if isinstance(value, int):
        return uuid.UUID(int=value)
    return uuid.UUID(str(value))


def clean_ip_address(value: Any, unpack_ipv4: bool = False) -> str | None:
    """An IP address as stored: IPv6 compressed, an IPv4-mapped one as ``::ffff:a.b.c.d``
    (or ``a.b.c.d`` when unpacking); None for a blank one. Text that is not an IPv6 address
    is kept as given."""
    text = str(value).strip()
    if not text:
        return None
    if ":" not in text:
        return text
    try:
        address = ipaddress.IPv6Address(text)
    except ValueError:
        return text
    mapped = address.ipv4_mapped
    if mapped is not None:
        return str(mapped) if unpack_ipv4 else f"::ffff:{mapped}"
    return address.compressed


def quantize(value: decimal.Decimal, max_digits: int | None, places: int) -> decimal.Decimal:
    """``value`` rounded to ``places`` decimal places, with precision enough for the field."""
    context = decimal.Context(prec=max(decimal.getcontext().prec, (max_digits or 0) + 1))
    return value.quantize(decimal.Decimal(1).scaleb(-places), context=context)


def is_special_float(value: Any) -> bool:
    """Whether ``value`` is a NaN or an infinite float."""
    return isinstance(value, float) and not math.isfinite(value)


__all__ = [
    "AS_IS",
    "FORMATS",
    "ValueFormat",
    "as_datetime",
    "as_uuid",
    "clean_ip_address",
    "is_special_float",
    "python_kind",
    "quantize",
    "utc_datetime",
    "utc_naive",
]
