"""Which tables each operation of a migration finds holding rows from before the migration.

On a backend with online forms (``has_online_forms``: PostgreSQL), statements on those tables
take forms that keep the table's writers going (``db/backends/postgresql_online.py``); where
the backend ``keeps_added_defaults`` (PostgreSQL, MySQL/MariaDB), columns added to them keep
their default for the previous app version. A table made earlier in the same migration is new
and empty, and is changed plainly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from schemashift.migrations.migration import Migration
from schemashift.migrations.state import ProjectState
from schemashift.migrations.stepwise import is_managed


@dataclass(frozen=True)
class LiveTables:
    """The tables one operation finds holding rows: those of the migration's starting state
    that no earlier operation made, renamed or dropped."""

    present: frozenset[str] = frozenset()
    made: frozenset[str] = frozenset()

    def __contains__(self, table: object) -> bool:
        return table in self.present and table not in self.made

    def __bool__(self) -> bool:
        return bool(self.present - self.made)


NONE = LiveTables()


def _tables(editor: Any, state: ProjectState, keys: Any) -> set[str]:
    return {
        editor.fit_table_name(model.db_table)
        for key in keys
        if (model := state.models.get(key)) is not None and is_managed(model)
    }


def live_tables(
    editor: Any,
    migration: Migration,
    states: list[tuple[ProjectState, ProjectState]],
    backwards: bool,
    holding_rows: Callable[[set[str]], set[str]],
) -> list[LiveTables]:
    """Per operation, in the order they run, the tables it finds holding rows from before
    the migration. ``states`` holds (before, after) of each operation in the migration's
    order; backwards, they run last first. ``holding_rows(tables)`` says which of the tables
    the operations name have rows (an empty table is changed plainly: no one waits)."""
    if not (editor.has_online_forms or editor.keeps_added_defaults) or not states:
        return [NONE] * len(states)
    runs = list(zip(migration.operations, states, strict=True))
    if backwards:
        runs = [(operation, (after, before)) for operation, (before, after) in reversed(runs)]
    start = runs[0][1][0]
    app = migration.app_label
    named = {(app, getattr(operation, "model_name_lower", None)) for operation, _ in runs}
    candidates = _tables(editor, start, named)
    present = frozenset(holding_rows(candidates) if candidates else ())
    made: frozenset[str] = frozenset()
    found = []
    for operation, (before, after) in runs:
        found.append(LiveTables(present, made))
        # tables made (a new model, a model's new table name) or dropped: a table by that
        # name later is not the one that held the rows
        changed = after.models.keys() ^ before.models.keys()
        changed.add((app, getattr(operation, "model_name_lower", None)))
        renewed = _tables(editor, after, changed) ^ _tables(editor, before, changed)
        if renewed:
            made = made | renewed
    return found


__all__ = ["NONE", "LiveTables", "live_tables"]
