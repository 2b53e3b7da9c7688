"""Migration operations, importable as ``migrations.<Name>`` in migration files."""

from schemashift.migrations.operations.backfill import Backfill
from schemashift.migrations.operations.base import Operation
from schemashift.migrations.operations.constraints import (
    AddConstraint,
    AlterConstraint,
    RemoveConstraint,
)
from schemashift.migrations.operations.fields import AddField, AlterField, RemoveField, RenameField
from schemashift.migrations.operations.index_renames import AlterIndexTogether, RenameIndex
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
from schemashift.migrations.operations.staged import (
    ContractAlterField,
    ContractRenameField,
    ExpandAlterField,
    ExpandRenameField,
)

__all__ = [
    "AddConstraint",
    "AddField",
    "AddIndex",
    "AlterConstraint",
    "AlterField",
    "AlterIndexTogether",
    "AlterModelManagers",
    "AlterModelOptions",
    "AlterModelTable",
    "AlterModelTableComment",
    "AlterOrderWithRespectTo",
    "AlterUniqueTogether",
    "Backfill",
    "ContractAlterField",
    "ContractRenameField",
    "CreateModel",
    "DeleteModel",
    "ExpandAlterField",
    "ExpandRenameField",
    "Operation",
    "RemoveConstraint",
    "RemoveField",
    "RemoveIndex",
    "RenameIndex",
    "RenameField",
    "RenameModel",
    "RunPython",
    "RunSQL",
    "SeparateDatabaseAndState",
]
