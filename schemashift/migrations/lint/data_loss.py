"""The data-loss rule: what an operation can destroy.

An operation says so itself (``Operation.losses``, ``migrations/data_loss.py``: the columns,
tables or values it drops or narrows); RunSQL's statements are read for DROP TABLE, DROP
COLUMN, TRUNCATE and DELETE.
"""

from __future__ import annotations

from collections.abc import Iterator

from schemashift.migrations.data_loss import DATA_LOSS
from schemashift.migrations.lint.context import OperationContext, unquoted
from schemashift.migrations.lint.rules import ERROR, Hit, rule
from schemashift.migrations.lint.sql_text import read_statement
from schemashift.migrations.operations import RunSQL

GROUP = "data-loss"

_RAW_LOSSES = {
    "drop-table": "table {table} and its rows are dropped",
    "drop-column": "column {name} of table {table} and its values are dropped",
    "truncate": "every row of table {table} is deleted (TRUNCATE)",
    "delete": "rows of table {table} are deleted",
}


@rule(
    DATA_LOSS,
    ERROR,
    GROUP,
    why="The operation destroys stored values: a dropped column or table, a narrowed type, "
    "deleted rows. Unapplying it does not bring them back.",
    fix="Back the values up (or copy them elsewhere in an earlier migration) and acknowledge "
    "data-loss on the operation once you accept the loss.",
)
def data_loss(context: OperationContext) -> Iterator[Hit]:
    operation = context.operation
    if isinstance(operation, RunSQL):
        for statement in context.statements:
            read = read_statement(statement.text)
            if read.kind in _RAW_LOSSES:
                yield Hit(
                    _RAW_LOSSES[read.kind].format(
                        table=unquoted(read.table), name=unquoted(read.name)
                    )
                )
        return
    if _is_new(context):
        return  # a table made earlier in the migration holds nothing yet
    for loss in operation.losses(context.app_label, context.before, context.after):
        lost = f": the values {loss.fit.describe()} are lost" if loss.fit is not None else ""
        yield Hit(f"{loss.reason}{lost}")


def _is_new(context: OperationContext) -> bool:
    """Whether the operation's one model was made earlier in the migration."""
    name = context.operation.model_name_lower
    model = context.before.models.get((context.app_label, name)) if name else None
    return model is not None and context.model_before(name) is None


__all__ = ["data_loss"]
