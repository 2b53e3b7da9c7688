"""A model class as a SQLAlchemy ``Table``, with column types that convert values both ways.

Each field type has a SQLAlchemy type that fits the column the schema editors declare on
every backend: datetimes are aware in UTC in Python, ``timestamptz`` on PostgreSQL and naive
UTC elsewhere; UUIDs are ``uuid`` on PostgreSQL and 32 hex characters elsewhere; durations
are ``interval`` on PostgreSQL and microseconds elsewhere. Imported only when a query runs.
"""

from __future__ import annotations

import datetime
import decimal
import math
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql
from sqlalchemy.types import TypeDecorator

from schemashift.db.connection import editor_class
from schemashift.models.fields import Field

UTC = datetime.UTC


class DateTimeType(TypeDecorator):
    """Aware datetimes in UTC; a naive datetime given by the user is taken as UTC."""

    impl = sa.DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: sa.Dialect) -> Any:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.TIMESTAMP(timezone=True))
        if dialect.name == "mysql":
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(sa.DateTime())

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.datetime.fromisoformat(value)
        elif isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
            value = datetime.datetime(value.year, value.month, value.day)
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value if dialect.name == "postgresql" else value.replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.datetime.fromisoformat(value)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class DateType(TypeDecorator):
    impl = sa.Date
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> Any:
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, str):
            return datetime.date.fromisoformat(value)
        return value


class TimeType(TypeDecorator):
    impl = sa.Time
    cache_ok = True

    def load_dialect_impl(self, dialect: sa.Dialect) -> Any:
        if dialect.name == "mysql":
            return dialect.type_descriptor(mysql.TIME(fsp=6))
        return dialect.type_descriptor(sa.Time())

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> Any:
        if isinstance(value, str):
            return datetime.time.fromisoformat(value)
        return value


#: significant digits SQLite keeps of a number it stores as a double
SQLITE_EXACT_DIGITS = 15


class DecimalType(TypeDecorator):
    """Decimals both ways, without losing a digit.

    SQLite turns any numeric text stored in a ``decimal`` (NUMERIC affinity) column into a
    double, which keeps 15 significant digits: a value with more is sent as a BLOB of its
    digits, which SQLite keeps as it is (``sqlite_storable``); shorter ones are numbers.
    """

    impl = sa.Numeric
    cache_ok = True

    def __init__(self, max_digits: int | None = None, decimal_places: int | None = None):
        super().__init__(precision=max_digits, scale=decimal_places, asdecimal=True)
        self.max_digits = max_digits
        self.decimal_places = decimal_places

    def load_dialect_impl(self, dialect: sa.Dialect) -> Any:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.String())
        return dialect.type_descriptor(sa.Numeric(asdecimal=True))

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        value = value if isinstance(value, decimal.Decimal) else decimal.Decimal(str(value))
        if dialect.name != "sqlite":
            return value
        return sqlite_storable(value, self.max_digits, self.decimal_places)

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        if isinstance(value, (bytes, memoryview)):
            value = decimal.Decimal(bytes(value).decode("ascii"))
        elif isinstance(value, float):
            value = decimal.Decimal(repr(value))  # the shortest text that reads back as it
        elif not isinstance(value, decimal.Decimal):
            value = decimal.Decimal(str(value))
        if self.decimal_places is not None:
            return _quantize(value, self.max_digits, self.decimal_places)
        return value


def sqlite_storable(
    value: decimal.Decimal, max_digits: int | None, decimal_places: int | None
) -> str | bytes:
    """A decimal as SQLite stores it without loss: its text, which SQLite makes a number,
    where a double holds it exactly; else the bytes of its text, which SQLite keeps.

    The value is first rounded to the field's places, so equal values are equal bytes.
    """
    if decimal_places is not None and value.is_finite():
        value = _quantize(value, max_digits, decimal_places)
    text = str(value)
    if value.is_finite() and len(value.as_tuple().digits) > SQLITE_EXACT_DIGITS:
        return text.encode("ascii")
    return text


def _quantize(value: decimal.Decimal, max_digits: int | None, places: int) -> decimal.Decimal:
    context = decimal.Context(prec=max(decimal.getcontext().prec, (max_digits or 0) + 1))
    return value.quantize(decimal.Decimal(1).scaleb(-places), context=context)


class FloatType(TypeDecorator):
    """Floats both ways, NaN and the infinities included where the backend can hold them.

    SQLite stores NaN as NULL: it is sent as the text ``NaN``, which a ``real`` column keeps
    (and sorts after every number, as PostgreSQL sorts NaN). MySQL's DOUBLE holds neither NaN
    nor infinity, so they are refused before the statement runs.
    """

    impl = sa.Float
    cache_ok = True

    def load_dialect_impl(self, dialect: sa.Dialect) -> Any:
        if dialect.name == "sqlite":  # no conversion to float on the way in: "NaN" stays text
            return dialect.type_descriptor(sa.String())
        return dialect.type_descriptor(sa.Float())

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> Any:
        if not isinstance(value, float) or math.isfinite(value):
            return value
        if dialect.name == "mysql":
            raise ValueError(
                f"FloatField value {value!r} cannot be stored on MySQL/MariaDB: DOUBLE holds "
                "no NaN or infinity."
            )
        return "NaN" if dialect.name == "sqlite" and math.isnan(value) else value

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> Any:
        return None if value is None else float(value)


class UUIDType(TypeDecorator):
    """``uuid`` on PostgreSQL, ``char(32)`` hex elsewhere; ``uuid.UUID`` in Python."""

    impl = sa.CHAR(32)
    cache_ok = True

    def load_dialect_impl(self, dialect: sa.Dialect) -> Any:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.UUID(as_uuid=True))
        return dialect.type_descriptor(sa.CHAR(32))

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, uuid.UUID):
            value = uuid.UUID(int=value) if isinstance(value, int) else uuid.UUID(str(value))
        return value if dialect.name == "postgresql" else value.hex

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> Any:
        if value is None or isinstance(value, uuid.UUID):
            return value
        return uuid.UUID(str(value))


class DurationType(TypeDecorator):
    """``interval`` on PostgreSQL, a bigint of microseconds elsewhere."""

    impl = sa.BigInteger
    cache_ok = True

    def load_dialect_impl(self, dialect: sa.Dialect) -> Any:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.INTERVAL())
        return dialect.type_descriptor(sa.BigInteger())

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> Any:
        if value is None or dialect.name == "postgresql":
            return value
        return value // datetime.timedelta(microseconds=1)

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> Any:
        if value is None or isinstance(value, datetime.timedelta):
            return value
        return datetime.timedelta(microseconds=int(value))


class JSONType(TypeDecorator):
    """JSON documents; Python ``None`` is SQL NULL. ``jsonb`` on PostgreSQL."""

    impl = sa.JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: sa.Dialect) -> Any:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.JSONB(none_as_null=True))
        return dialect.type_descriptor(sa.JSON(none_as_null=True))


class BinaryType(TypeDecorator):
    impl = sa.LargeBinary
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> Any:
        return bytes(value) if isinstance(value, (bytearray, memoryview)) else value

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> Any:
        return bytes(value) if isinstance(value, (bytearray, memoryview)) else value


_SIMPLE_TYPES: dict[str, Any] = {
    "AutoField": sa.Integer,
    "SmallAutoField": sa.SmallInteger,
    "BigAutoField": sa.BigInteger,
    "IntegerField": sa.Integer,
    "SmallIntegerField": sa.SmallInteger,
    "BigIntegerField": sa.BigInteger,
    "PositiveIntegerField": sa.Integer,
    "PositiveSmallIntegerField": sa.SmallInteger,
    "PositiveBigIntegerField": sa.BigInteger,
    "TextField": sa.Text,
    "BooleanField": lambda: sa.Boolean(create_constraint=False),
    "FloatField": FloatType,
    "DateTimeField": DateTimeType,
    "DateField": DateType,
    "TimeField": TimeType,
    "UUIDField": UUIDType,
    "DurationField": DurationType,
    "JSONField": JSONType,
    "BinaryField": BinaryType,
}


def column_type(field: Field) -> Any:
    """The SQLAlchemy type of a field's column (a relation takes its target's type)."""
    if field.is_relation:
        from schemashift.models.related import target_field

        target = target_field(field)
        if target.is_auto:
            return _SIMPLE_TYPES[target.get_internal_type()]()
        return column_type(target)
    kind = _known_kind(field)
    if kind == "DecimalField":
        return DecimalType(field.max_digits, field.decimal_places)
    if field.max_length is not None and kind not in _SIMPLE_TYPES:
        return sa.String(field.max_length)
    factory = _SIMPLE_TYPES.get(kind)
    if factory is None:
        return sa.String(field.max_length) if field.max_length else sa.Text()
    return factory()


def _known_kind(field: Field) -> str:
    """The internal type of the field, or of its nearest built-in base class."""
    kind = field.get_internal_type()
    if kind in _SIMPLE_TYPES or kind in ("DecimalField", "CharField"):
        return kind
    for klass in type(field).__mro__:
        if klass.__name__ in _SIMPLE_TYPES or klass.__name__ in ("DecimalField", "CharField"):
            return klass.__name__
    return kind


def table_of(model: type, vendor: str) -> sa.Table:
    """The model's table on a backend (``connection.vendor``), built once per model class and
    backend: a table name too long for the backend is shortened as its schema editor does."""
    opts = model._meta
    tables = opts.__dict__.setdefault("_sa_tables", {})
    table = tables.get(vendor)
    if table is None:
        columns = [
            sa.Column(
                field.column,
                column_type(field),
                primary_key=field.primary_key,
                autoincrement=bool(field.is_auto),
                key=field.column,
            )
            for field in opts.local_fields
        ]
        name = editor_class(vendor).fit_table_name(opts.db_table)
        table = tables[vendor] = sa.Table(name, sa.MetaData(), *columns)
    return table
