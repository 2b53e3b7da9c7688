"""ORDER BY terms, NULLs first or last on every backend."""

from __future__ import annotations

from typing import Any

from schemashift.models.expressions import OrderBy


def order_clauses(vendor: str, expression: Any, order: OrderBy) -> list[Any]:
    """The ORDER BY clauses of ``expression`` sorted as ``order`` says.

    MySQL/MariaDB have no ``NULLS FIRST``/``NULLS LAST``; there ``expr IS NULL`` sorts first
    (false before true), as Django does.
    """
    clause = expression.desc() if order.descending else expression.asc()
    if not (order.nulls_first or order.nulls_last):
        return [clause]
    if vendor == "mysql":
        is_null = expression.is_(None)
        return [is_null.desc() if order.nulls_first else is_null.asc(), clause]
    return [clause.nulls_first() if order.nulls_first else clause.nulls_last()]
