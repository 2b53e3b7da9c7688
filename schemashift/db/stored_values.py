"""Questions about the values a table stores, asked before a change that could destroy them.

Each question reads at most one row (``LIMIT 1``), so it costs an index or table probe, not a
scan of what it need not read.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection


def has_rows(connection: Connection, table: str) -> bool:
    """Whether ``table`` holds a row."""
    query = sa.select(sa.literal(1)).select_from(sa.table(table)).limit(1)
    return connection.execute(query).first() is not None


def has_values(connection: Connection, table: str, column: str) -> bool:
    """Whether a row of ``table`` has a value (not NULL) in ``column``."""
    value = sa.column(column)
    query = sa.select(sa.literal(1)).select_from(sa.table(table)).where(value.is_not(None))
    return connection.execute(query.limit(1)).first() is not None


def first_misfit(
    connection: Connection,
    table: str,
    column: str,
    key: str,
    *,
    max_length: int | None = None,
    bounds: tuple[int, int] | None = None,
    whole_digits: int | None = None,
    places: int | None = None,
) -> Any | None:
    """The key (column ``key``) of the first row, by key, whose ``column`` value does not fit:
    longer than ``max_length`` characters, outside ``bounds``, or a decimal with more than
    ``whole_digits`` digits before the point or ``places`` after it. None when every one fits."""
    value = sa.column(column)
    conditions = []
    if max_length is not None:
        length = sa.func.length if connection.dialect.name == "sqlite" else sa.func.char_length
        conditions.append(length(value) > max_length)
    if bounds is not None:
        conditions += [value < bounds[0], value > bounds[1]]
    if whole_digits is not None:
        conditions.append(sa.func.abs(value) >= Decimal(10) ** whole_digits)
    if places is not None:
        conditions.append(value != sa.func.round(value, places))
    if not conditions:
        return None
    row_key = sa.column(key)
    query = (
        sa.select(row_key)
        .select_from(sa.table(table))
        .where(value.is_not(None), sa.or_(*conditions))
        .order_by(row_key)
        .limit(1)
    )
    found = connection.execute(query).first()
    return None if found is None else found[0]
