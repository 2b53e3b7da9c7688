"""The data-loss gate: before a run changes anything, find what its operations would destroy
in the live database, and refuse unless each such loss is acknowledged.

An operation that can destroy values (``Operation.losses``) is let through when the database
holds none of them: the table has no row, the column no value (a fresh database loses
nothing). Otherwise its migration must acknowledge it (``acknowledge=["data-loss"]`` on the
operation, applying only) or the run must allow it (``migrate --allow-data-loss``). A
narrowing change is different: it runs when every stored value fits the narrower type and is
refused, acknowledged or not, naming the first row that does not, since the database would
otherwise fail half-way or cut the value.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from schemashift.exceptions import DataLossRefused
from schemashift.migrations.data_loss import DATA_LOSS, Loss
from schemashift.migrations.executor import MigrationExecutor, PlanStep
from schemashift.migrations.operations.base import Operation
from schemashift.migrations.row_watch import RowWatch

Key = tuple[str, str]


@dataclass(frozen=True)
class PlannedLoss:
    """A loss one operation of a plan can cause."""

    step: PlanStep
    index: int
    operation: Operation
    loss: Loss
    #: the migration acknowledges it (applying only) or the run allows it
    is_allowed: bool

    def where(self) -> str:
        migration = self.step.migration
        verb = "unapplying " if self.step.backwards else ""
        return (
            f"{verb}{migration.app_label}.{migration.name}, operation {self.index + 1} "
            f"({self.operation.describe()})"
        )


def planned_losses(
    executor: MigrationExecutor, plan: list[PlanStep], applied: set[Key], allow: bool = False
) -> list[PlannedLoss]:
    """What each operation of ``plan`` can destroy, in the order the operations run."""
    if not any(_may_lose(step, operation) for step in plan for operation in _ops(step)):
        return []
    found: list[PlannedLoss] = []
    for step, index, operation, before, after in executor.operations_along(plan, applied):
        if _may_lose(step, operation):
            acknowledged = not step.backwards and operation.is_acknowledged(DATA_LOSS)
            for loss in operation.losses(
                step.migration.app_label, before, after, backwards=step.backwards
            ):
                found.append(PlannedLoss(step, index, operation, loss, allow or acknowledged))
    return found


@dataclass
class DeferredLosses:
    """The losses of tables and columns that did not exist when the run was planned (an
    earlier migration of the run creates or renames them), looked at as their migration is
    about to run (``check``).

    While the run's tables cannot hold rows yet (``rows``, which the run sets: see
    ``row_watch.py``), there is nothing to find, and no table is read.
    """

    losses: list[PlannedLoss] = field(default_factory=list)
    rows: RowWatch = field(default_factory=RowWatch)

    def __bool__(self) -> bool:
        return bool(self.losses)

    def check(self, database: Any, migration: Any) -> None:
        """``check_before`` of the migration about to run, if a table may hold rows by now."""
        if self.rows.may_hold_rows:
            check_before(database, migration, self.losses)


def check_data_loss(
    database: Any,
    losses: Iterable[PlannedLoss],
    stopped: str = "nothing was run",
) -> DeferredLosses:
    """Raise DataLossRefused, listing every operation at fault, when the live database holds
    values the plan would destroy without leave, or values a narrowing cannot hold.

    Returns the losses of tables and columns that do not exist yet, for ``check_before``
    to look at when their migration is about to run (``DeferredLosses``).
    """
    # Unapplying is an explicit order to undo: ``migrate --plan`` shows what it drops, and
    # only applying is gated.
    losses = [planned for planned in losses if not planned.step.backwards]
    if not losses:
        return DeferredLosses()
    from schemashift.db.connection import editor_class

    editor = editor_class(database.dialect_name)
    with database.connect() as connection:
        try:
            tables = set(editor.table_names(connection))
            unallowed, misfits, missing = _refusals(connection, editor, losses, tables)
        finally:
            connection.rollback()
    _refuse(unallowed, misfits, stopped)
    return DeferredLosses(missing)


def check_before(database: Any, migration: Any, deferred: list[PlannedLoss]) -> None:
    """Raise DataLossRefused when ``migration``, about to run, would destroy values that
    tables made earlier in the run now hold (``deferred``, from ``check_data_loss``)."""
    losses = [planned for planned in deferred if planned.step.migration is migration]
    if losses:
        stopped = (
            f"{migration.app_label}.{migration.name} was not run (the migrations before it in "
            "this run were)"
        )
        check_data_loss(database, losses, stopped)


def _refuse(unallowed: list[str], misfits: list[str], stopped: str) -> None:
    if misfits:
        raise DataLossRefused(
            f"migrate would cut stored values to fit a narrower column, so {stopped}:\n"
            + "\n".join(f"  {line}" for line in misfits)
            + "\nChange or delete those values first, then run migrate again."
        )
    if unallowed:
        raise DataLossRefused(
            f"migrate would destroy stored data, so {stopped}:\n"
            + "\n".join(f"  {line}" for line in unallowed)
            + '\nIf that is intended, acknowledge it on the operation (acknowledge=["data-loss"],'
            " which makemigrations writes once you confirm) or run migrate --allow-data-loss."
        )


def _refusals(
    connection: Any, editor: Any, losses: list[PlannedLoss], tables: set[str]
) -> tuple[list[str], list[str], list[PlannedLoss]]:
    from schemashift.db import stored_values

    unallowed: list[str] = []
    misfits: list[str] = []
    missing: list[PlannedLoss] = []
    for planned in losses:
        loss = planned.loss
        table, column = _stored_at(editor, loss)
        exists = table in tables and (column is None or column in _columns(connection, table))
        if not exists:
            missing.append(planned)
            continue
        if loss.fit is not None:
            fit = loss.fit
            key_column = loss.model.pk.column
            row = stored_values.first_misfit(
                connection,
                table,
                column,
                key_column,
                max_length=fit.max_length,
                bounds=fit.bounds,
                whole_digits=fit.whole_digits,
                places=fit.places,
            )
            if row is not None:
                misfits.append(
                    f"{planned.where()}: {loss.reason}, but the row of {table} with "
                    f"{key_column} = {row!r} has a value {fit.describe()} in {column}"
                )
            continue
        if planned.is_allowed:
            continue
        holds = (
            stored_values.has_rows(connection, table)
            if column is None
            else stored_values.has_values(connection, table, column)
        )
        if holds:
            what = "rows" if column is None else "values"
            unallowed.append(f"{planned.where()}: {loss.reason}, which holds {what}")
    return unallowed, misfits, missing


def _stored_at(editor: Any, loss: Loss) -> tuple[str, str | None]:
    """The live table, and column (None: whole rows), holding what ``loss`` destroys."""
    if loss.field is None:
        return editor.fit_table_name(loss.model.db_table), None
    if loss.field.many_to_many:
        from schemashift.db.backends.through_tables import auto_through_state

        through = auto_through_state(loss.model, loss.field)
        return editor.fit_table_name(through.db_table), None
    return editor.fit_table_name(loss.model.db_table), loss.field.column


def _columns(connection: Any, table: str) -> set[str]:
    import sqlalchemy as sa

    return {column["name"] for column in sa.inspect(connection).get_columns(table)}


def _ops(step: PlanStep) -> list[Operation]:
    return step.migration.operations


def _may_lose(step: PlanStep, operation: Operation) -> bool:
    return ("backwards" if step.backwards else "forwards") in operation.loses_data_when
