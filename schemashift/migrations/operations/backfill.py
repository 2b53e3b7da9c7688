"""Backfill: set a field on many rows in short batches instead of one long UPDATE."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from schemashift.migrations.operations.models import OneModelBarrier
from schemashift.models.expressions import Q

if TYPE_CHECKING:
    from schemashift.db.backends.base import BaseSchemaEditor
    from schemashift.migrations.backfill import BackfillProgress, Journal
    from schemashift.migrations.state import ProjectState

DEFAULT_BATCH_SIZE = 1000


class Backfill(OneModelBarrier):
    """Set ``field_name`` of ``model_name`` to ``value`` on the rows where ``condition`` holds
    (by default, where the field is NULL), ``batch_size`` rows of primary key range at a time.

    ``value`` is a literal or an expression (``F("score") + 1``, ``Upper("name")``, ``Case``).
    Each batch is an ``UPDATE ... WHERE pk >= lo AND pk < hi AND <condition>`` committed on its
    own, with a note of how far the backfill got, so a busy table keeps serving writes and an
    interrupted run resumes at the next batch. ``pause`` seconds pass between batches.
    The state does not change; unapplying does nothing (the values stay). It reads and
    writes rows: no schema change moves across it.
    """

    category = "~"

    def __init__(
        self,
        model_name: str,
        field_name: str,
        value: Any,
        condition: Q | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        pause: float = 0.0,
    ) -> None:
        if condition is not None and not isinstance(condition, Q):
            raise TypeError(
                f"Backfill of {model_name}.{field_name}: condition must be a models.Q, got "
                f"{condition!r}."
            )
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(
                f"Backfill of {model_name}.{field_name}: batch_size must be a whole number of "
                f"rows, 1 or more, got {batch_size!r}."
            )
        if isinstance(pause, bool) or not isinstance(pause, (int, float)) or pause < 0:
            raise ValueError(
                f"Backfill of {model_name}.{field_name}: pause must be a number of seconds, "
                f"0 or more, got {pause!r}."
            )
        self.model_name = model_name
        self.field_name = field_name
        self.value = value
        self.condition = condition
        self.batch_size = batch_size
        self.pause = pause

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        kwargs: dict[str, Any] = {
            "model_name": self.model_name,
            "field_name": self.field_name,
            "value": self.value,
        }
        if self.condition is not None:
            kwargs["condition"] = self.condition
        if self.batch_size != DEFAULT_BATCH_SIZE:
            kwargs["batch_size"] = self.batch_size
        if self.pause:
            kwargs["pause"] = self.pause
        return "Backfill", [], kwargs

    @property
    def rows_condition(self) -> Q:
        """The rows to set: ``condition``, or those where the field is NULL."""
        if self.condition is not None:
            return self.condition
        return Q(**{f"{self.field_name}__isnull": True})

    def commits_on_its_own(self, vendor: str) -> bool:
        return True

    @property
    def migration_name_fragment(self) -> str:
        return f"backfill_{self.model_name_lower}_{self.field_name.lower()}"

    def describe(self) -> str:
        return (
            f"Backfill {self.model_name_lower}.{self.field_name} in batches of "
            f"{self.batch_size} rows (unapplying leaves the values)"
        )

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        pass

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        """Collect the batch statement (sqlmigrate), or run every batch in the editor's
        transaction (where no journal is kept: run step by step, ``run_batches`` is used)."""
        from schemashift.migrations.backfill import BatchStatements, run_batches

        statements = BatchStatements.of(self, app_label, to_state, schema_editor.dialect)
        if schema_editor.collect_sql:
            schema_editor.collected_sql.append(statements.preview(schema_editor.dialect))
            return
        run_batches(statements, schema_editor.connection, journal=None)

    def run_batches(
        self,
        app_label: str,
        connection: Any,
        state: ProjectState,
        journal: Journal,
        on_progress: Callable[[BackfillProgress], None] | None = None,
        retrying: Callable[[Callable[[], Any]], Any] | None = None,
    ) -> None:
        """Run the batches on ``connection``, each committed with its note in ``journal``,
        starting after the last one noted; ``on_progress(BackfillProgress)`` after each.
        ``retrying(batch)`` runs a batch again while it fails for want of a row lock."""
        from schemashift.migrations.backfill import BatchStatements, run_batches

        statements = BatchStatements.of(self, app_label, state, connection.dialect)
        run_batches(statements, connection, journal, on_progress, retrying)

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        """Nothing: the values stay (a later migration may set them otherwise)."""


__all__ = ["Backfill"]
