"""A model class as a SQLAlchemy ``Table``, with column types that convert values both ways.

Each field type has a SQLAlchemy type that fits the column the schema editors declare on
every backend: it converts values as the backend's storage format says
(``schemashift.db.backends.formats``): datetimes are aware in UTC in Python, ``timestamptz``
on PostgreSQL and naive UTC elsewhere; UUIDs are ``uuid`` on PostgreSQL and 32 hex characters
elsewhere; durations are ``interval`` on PostgreSQL and microseconds elsewhere. Imported only
when a query runs.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator

from schemashift.db.backends.formats import ValueFormat
from schemashift.db.backends.registry import backend_for
from schemashift.models.fields import Field


def _format(dialect: sa.Dialect, kind: str) -> ValueFormat:
    """How the dialect's backend stores values of the field class ``kind``."""
    return backend_for(dialect).value_format(kind)


class DateTimeType(TypeDecorator):
    """Aware datetimes in UTC; a naive datetime given by the user is taken as UTC."""

    impl = sa.DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: sa.Dialect) -> Any:
        return dialect.type_descriptor(_format(dialect, "DateTimeField").column_type())

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        return _format(dialect, "DateTimeField").to_db(value, self)

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        return _format(dialect, "DateTimeField").from_db(value, self)


class DateType(TypeDecorator):
    impl = sa.Date
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        return _format(dialect, "DateField").to_db(value, self)


class TimeType(TypeDecorator):
    impl = sa.Time
    cache_ok = True

    def load_dialect_impl(self, dialect: sa.Dialect) -> Any:
        return dialect.type_descriptor(_format(dialect, "TimeField").column_type())

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        return _format(dialect, "TimeField").to_db(value, self)


class DecimalType(TypeDecorator):
    """Decimals both ways, without losing a digit (see the backends' decimal formats)."""

    impl = sa.Numeric
    cache_ok = True

    def __init__(self, max_digits: int | None = None, decimal_places: int | None = None):
        super().__init__(precision=max_digits, scale=decimal_places, asdecimal=True)
        self.max_digits = max_digits
        self.decimal_places = decimal_places

    def load_dialect_impl(self, dialect: sa.Dialect) -> Any:
        return dialect.type_descriptor(_format(dialect, "DecimalField").column_type())

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        return _format(dialect, "DecimalField").to_db(value, self)

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        return _format(dialect, "DecimalField").from_db(value, self)


class FloatType(TypeDecorator):
    """Floats both ways, NaN and the infinities included where the backend can hold them."""

    impl = sa.Float
    cache_ok = True

    def load_dialect_impl(self, dialect: sa.Dialect) -> Any:
        return dialect.type_descriptor(_format(dialect, "FloatField").column_type())

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        return _format(dialect, "FloatField").to_db(value, self)

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        return _format(dialect, "FloatField").from_db(value, self)


class UUIDType(TypeDecorator):
    """``uuid`` on PostgreSQL, ``char(32)`` hex elsewhere; ``uuid.UUID`` in Python."""

    impl = sa.CHAR(32)
    cache_ok = True

    def load_dialect_impl(self, dialect: sa.Dialect) -> Any:
        return dialect.type_descriptor(_format(dialect, "UUIDField").column_type())

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        return _format(dialect, "UUIDField").to_db(value, self)

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        return _format(dialect, "UUIDField").from_db(value, self)


class DurationType(TypeDecorator):
    """``interval`` on PostgreSQL, a bigint of microseconds elsewhere."""

    impl = sa.BigInteger
    cache_ok = True

    def load_dialect_impl(self, dialect: sa.Dialect) -> Any:
        return dialect.type_descriptor(_format(dialect, "DurationField").column_type())

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        return _format(dialect, "DurationField").to_db(value, self)

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        return _format(dialect, "DurationField").from_db(value, self)


class JSONType(TypeDecorator):
    """JSON documents; Python ``None`` is SQL NULL. ``jsonb`` on PostgreSQL. A field's
    ``encoder`` writes what plain JSON cannot (dates, decimals); its ``decoder`` reads the
    documents back."""

    impl = sa.JSON
    cache_ok = True

    def __init__(self, encoder: Any = None, decoder: Any = None) -> None:
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder

    def load_dialect_impl(self, dialect: sa.Dialect) -> Any:
        return dialect.type_descriptor(_format(dialect, "JSONField").column_type())

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> Any:
        if value is None or self.encoder is None:
            return value
        return json.loads(json.dumps(value, cls=self.encoder))

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> Any:
        if value is None or self.decoder is None:
            return value
        return json.loads(json.dumps(value), cls=self.decoder)


class BinaryType(TypeDecorator):
    impl = sa.LargeBinary
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        return _format(dialect, "BinaryField").to_db(value, self)

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        return _format(dialect, "BinaryField").from_db(value, self)


class FormattedText(TypeDecorator):
    """Text converted by the backend's format of the field class ``kind`` (file names,
    IP addresses: ``inet`` on PostgreSQL)."""

    impl = sa.String
    cache_ok = True

    def __init__(self, kind: str, length: int | None = None, spec: Any = None) -> None:
        super().__init__(length)
        self.kind = kind
        self.unpack_ipv4 = bool(getattr(spec, "unpack_ipv4", False))

    def load_dialect_impl(self, dialect: sa.Dialect) -> Any:
        declared = _format(dialect, self.kind).column_type()
        return dialect.type_descriptor(declared if declared is not None else self.impl)

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        return _format(dialect, self.kind).to_db(value, self)

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        return _format(dialect, self.kind).from_db(value, self)


_FORMATTED_TEXT = ("FileField", "FilePathField", "GenericIPAddressField", "IPAddressField")

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


class ConvertedByField(TypeDecorator):
    """The column type of a field class that converts its own values: its
    ``get_db_prep_value`` before binding and its ``from_db_value`` after reading, around the
    stored type's own conversions."""

    impl = sa.types.NullType
    cache_ok = False

    def __init__(self, stored: Any, field: Field) -> None:
        super().__init__()
        self.impl = stored  # compared and operated on as the stored type
        self.stored = stored
        self.field = field

    def load_dialect_impl(self, dialect: sa.Dialect) -> Any:
        return self.stored.dialect_impl(dialect)

    def bind_processor(self, dialect: sa.Dialect) -> Any:
        inner = self.stored.dialect_impl(dialect).bind_processor(dialect)
        connection = _VendorConnection(dialect)

        def process(value: Any) -> Any:
            if value is not None:
                value = self.field.get_db_prep_value(value, connection, prepared=False)
            return inner(value) if inner is not None and value is not None else value

        return process

    def result_processor(self, dialect: sa.Dialect, coltype: Any) -> Any:
        inner = self.stored.dialect_impl(dialect).result_processor(dialect, coltype)
        convert = getattr(self.field, "from_db_value", None)
        connection = _VendorConnection(dialect)

        def process(value: Any) -> Any:
            if inner is not None and value is not None:
                value = inner(value)
            return convert(value, None, connection) if convert is not None else value

        return process


class _VendorConnection:
    """What a field's own conversions see of the connection: ``vendor``, as in Django."""

    def __init__(self, dialect: sa.Dialect) -> None:
        self.vendor = backend_for(dialect).name


def column_type(field: Field) -> Any:
    """The SQLAlchemy type of a field's column (a relation takes its target's type)."""
    stored = _stored_type(field)
    if not field.is_relation and type(field).converts_values():
        return ConvertedByField(stored, field)
    return stored


def _stored_type(field: Field) -> Any:
    if field.generated:
        return column_type(field.output_field)
    if field.is_relation:
        from schemashift.models.related import target_field

        target = target_field(field)
        if target.is_auto:
            return _SIMPLE_TYPES[target.get_internal_type()]()
        return column_type(target)
    kind = _known_kind(field)
    if kind == "DecimalField":
        return DecimalType(field.max_digits, field.decimal_places)
    if kind in _FORMATTED_TEXT:
        return FormattedText(kind, field.max_length, field)
    if field.max_length is not None and kind not in _SIMPLE_TYPES:
        return sa.String(field.max_length)
    if kind == "JSONField":
        return JSONType(getattr(field, "encoder", None), getattr(field, "decoder", None))
    factory = _SIMPLE_TYPES.get(kind)
    if factory is None:
        return sa.String(field.max_length) if field.max_length else sa.Text()
    return factory()


def _known_kind(field: Field) -> str:
    """The internal type of the field, or of its nearest built-in base class."""
    kind = field.get_internal_type()
    if kind in _SIMPLE_TYPES or kind in ("DecimalField", "CharField", *_FORMATTED_TEXT):
        return kind
    for klass in type(field).__mro__:
        if klass.__name__ in _SIMPLE_TYPES or klass.__name__ in ("DecimalField", "CharField"):
            return klass.__name__
    return kind


def table_of(model: type, vendor: str) -> sa.Table:
    """The model's table on a backend (``connection.vendor``), built once per model class and
    backend: a table name too long for the backend is shortened as its schema editor does."""
    opts = model._meta
    if opts.proxy and opts.concrete_model is not None:
        return table_of(opts.concrete_model, vendor)
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
        name = backend_for(vendor).schema_editor.fit_table_name(opts.db_table)
        table = tables[vendor] = sa.Table(name, sa.MetaData(), *columns)
    return table
