"""Migration operations, importable as ``migrations.<Name>`` in migration files."""

from schemashift.migrations.operations.base import Operation
from schemashift.migrations.operations.fields import AddField, AlterField, RemoveField, RenameField
from schemashift.migrations.operations.models import (
    AddIndex,
    AlterModelManagers,
    AlterModelOptions,
    AlterModelTable,
    AlterModelTableComment,
    AlterOrderWithRespectTo,
    AlterUniqueTogether,
    CreateModel,
    DeleteModel,
    RemoveIndex,
    RenameModel,
)
from schemashift.migrations.operations.special import RunPython, RunSQL, SeparateDatabaseAndState

__all__ = [
    "AddField",
    "AddIndex",
    "AlterField",
    "AlterModelManagers",
    "AlterModelOptions",
    "AlterModelTable",
    "AlterModelTableComment",
    "AlterOrderWithRespectTo",
    "AlterUniqueTogether",
    "CreateModel",
    "DeleteModel",
    "Operation",
    "RemoveField",
    "RemoveIndex",
    "RenameField",
    "RenameModel",
    "RunPython",
    "RunSQL",
    "SeparateDatabaseAndState",
]
