"""Which tables each operation of a migration finds holding rows from before the migration.

On a backend with online forms (``has_online_forms``: PostgreSQL), statements on those tables
take forms that keep the table's writers going (``db/backends/postgresql_online.py``); a table
made earlier in the same migration is new and empty, and is changed plainly.
"""

from __future__ import annotations

from typing import Any

from schemashift.migrations.state import ProjectState
from schemashift.migrations.stepwise import is_managed


def tables_of(editor: Any, state: ProjectState) -> frozenset[str]:
    """The tables of the state's managed models, as ``editor``'s backend names them."""
    return frozenset(
        editor.fit_table_name(model.db_table)
        for model in state.models.values()
        if is_managed(model)
    )


def live_tables(
    editor: Any, states: list[tuple[ProjectState, ProjectState]], backwards: bool
) -> list[frozenset[str]]:
    """Per operation, in the order they run, the tables it finds holding rows from before the
    migration: those of its starting state that no earlier operation of the migration made
    (a table under a new name counts as made). ``states`` holds (before, after) of each
    operation in the migration's order; backwards, they run last first."""
    if not editor.has_online_forms:
        return [frozenset()] * len(states)
    runs = [(after, before) for before, after in reversed(states)] if backwards else states
    made: set[str] = set()
    found = []
    for start, end in runs:
        present = tables_of(editor, start)
        found.append(present - made)
        made |= tables_of(editor, end) - present
    return found


__all__ = ["live_tables", "tables_of"]
