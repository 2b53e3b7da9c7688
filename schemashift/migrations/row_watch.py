"""Whether the tables of a run may hold rows yet.

A database that held no table but bookkeeping (the history tables) when the run began holds
no row until an operation that can write rows has run: schema operations only make, change
and drop empty tables. Until the run has carried out another kind of operation (RunPython,
RunSQL, a subclass of its own, ...), no table needs to be read to know it is empty: the
data-loss gate has nothing to find, and every table is changed plainly, as an empty one.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemashift.migrations.operations.base import Operation
from schemashift.migrations.operations.constraints import AddConstraint, RemoveConstraint
from schemashift.migrations.operations.fields import AddField, AlterField, RemoveField, RenameField
from schemashift.migrations.operations.models import (
    AddIndex,
    AlterModelOptions,
    AlterModelTable,
    AlterUniqueTogether,
    CreateModel,
    DeleteModel,
    RemoveIndex,
    RenameModel,
)

#: the operations that change only the schema: run on empty tables, they leave them empty
#: (exactly these classes: a subclass may do more)
SCHEMA_ONLY = frozenset(
    {
        CreateModel,
        DeleteModel,
        RenameModel,
        AlterModelTable,
        AlterModelOptions,
        AlterUniqueTogether,
        AddField,
        RemoveField,
        AlterField,
        RenameField,
        AddIndex,
        RemoveIndex,
        AddConstraint,
        RemoveConstraint,
    }
)


@dataclass
class RowWatch:
    """Whether some table of the run may hold rows by now; True unless the run began on a
    database without rows (``began_empty``) and has carried out schema operations only."""

    may_hold_rows: bool = True

    @classmethod
    def began_empty(cls, tables: set[str], bookkeeping: tuple[str, ...]) -> RowWatch:
        """The watch of a run that began with ``tables`` in the database."""
        return cls(may_hold_rows=bool(tables - set(bookkeeping)))

    def saw(self, operation: Operation) -> None:
        """Note an operation the run is carrying out (forwards or backwards)."""
        if type(operation) not in SCHEMA_ONLY:
            self.may_hold_rows = True


__all__ = ["SCHEMA_ONLY", "RowWatch"]
