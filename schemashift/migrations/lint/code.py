"""Rules on code the migration's author wrote: SQL that cannot be read, Python that cannot be
undone."""

from __future__ import annotations

from collections.abc import Iterator

from schemashift.migrations.lint.context import OperationContext
from schemashift.migrations.lint.rules import WARNING, Hit, rule
from schemashift.migrations.lint.sql_text import read_statement
from schemashift.migrations.operations import RunPython, RunSQL

GROUP = "code"


@rule(
    "raw-sql",
    WARNING,
    GROUP,
    why="A RunSQL statement lint cannot read: what it locks, breaks or destroys is not known.",
    fix="Review the statement for locks and the previous app version, then acknowledge "
    "raw-sql on the RunSQL.",
)
def raw_sql(context: OperationContext) -> Iterator[Hit]:
    if not isinstance(context.operation, RunSQL):
        return
    for number, statement in enumerate(context.statements, start=1):
        if read_statement(statement.text).kind == "unknown":
            text = " ".join(statement.text.split())
            shown = text if len(text) <= 80 else f"{text[:77]}..."
            yield Hit(f"statement {number} is not one lint can read: {shown}")


@rule(
    "runpython-no-reverse",
    WARNING,
    GROUP,
    why="RunPython without reverse_code cannot be unapplied: migrating back stops at it.",
    fix="Pass reverse_code (RunPython.noop when there is nothing to undo).",
)
def runpython_no_reverse(context: OperationContext) -> Iterator[Hit]:
    operation = context.operation
    if isinstance(operation, RunPython) and operation.reverse_code is None:
        name = getattr(operation.code, "__name__", "the code")
        yield Hit(f"RunPython({name}) has no reverse_code")


__all__ = ["raw_sql", "runpython_no_reverse"]
