"""``Cast(expr, output_field=...)``: the SQL type each backend can CAST a value to.

A column's declared type is not always a CAST target: MySQL/MariaDB cast only to a few types
(no FLOAT, no BOOLEAN), and on SQLite a CAST to DATETIME gives the value numeric affinity,
turning ``'2024-01-02 ...'`` into ``2024``. The result is then read as the field reads it.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement

from schemashift.models.fields import Field
from schemashift.query.columns import _known_kind, column_type

_TEMPORAL_KINDS = frozenset({"DateTimeField", "DateField", "TimeField"})


class _CastToDouble(ColumnElement):
    """``CAST(x AS DOUBLE)``, which SQLAlchemy leaves out on MySQL/MariaDB."""

    inherit_cache = True

    def __init__(self, expression: Any) -> None:
        self.operand = expression
        self.type = sa.Float()


@compiles(_CastToDouble)
def _compile_cast_to_double(element: _CastToDouble, compiler: Any, **kw: Any) -> str:
    return f"CAST({compiler.process(element.operand, **kw)} AS DOUBLE)"


def cast(vendor: str, expression: Any, field: Field) -> Any:
    """``expression`` converted to the type of ``field`` and read as its values."""
    kind = _known_kind(field)
    result_type = column_type(field)
    if kind == "DecimalField":
        converted = sa.cast(expression, sa.Numeric(field.max_digits, field.decimal_places))
    elif kind == "FloatField" and vendor == "mysql":
        converted = _CastToDouble(expression)
    elif kind == "FloatField":
        converted = sa.cast(expression, sa.Float())
    elif kind in _TEMPORAL_KINDS and vendor == "sqlite":
        # SQLite keeps dates and times as text; CAST would make them numbers
        converted = expression
    else:
        converted = sa.cast(expression, result_type)
    return sa.type_coerce(converted, result_type)
