"""``makemigrations --staged``: split the changes the previous app version cannot survive into
an expand migration and a contract migration (``operations/staged.py``).

A field renamed to a new column and a field whose column type changes are staged; every other
operation stays in the expand migration, where it was. The contract migration depends on the
expand migration and holds only the contracts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from schemashift.migrations.migration import Migration
from schemashift.migrations.operations.fields import AlterField, RenameField
from schemashift.migrations.operations.staged import (
    ContractAlterField,
    ContractRenameField,
    ExpandAlterField,
    ExpandRenameField,
)
from schemashift.models.field_copies import is_plain_column, named_by_meta, widens

if TYPE_CHECKING:
    from schemashift.migrations.operations.base import Operation
    from schemashift.migrations.state import ModelState, ProjectState
    from schemashift.models.fields import Field

#: what, besides the field's class, decides a column's type
_TYPE_KWARGS = ("max_length", "max_digits", "decimal_places", "db_collation")


def split_staged(
    changes: dict[str, list[Migration]], from_state: ProjectState
) -> dict[str, list[Migration]]:
    """The migrations with each stageable operation as an expand, and its contract in a
    migration of its own right after (``auto_N_contract``)."""
    split: dict[str, list[Migration]] = {}
    for app_label, migrations in changes.items():
        arranged: list[Migration] = []
        for migration in migrations:
            state = from_state.clone()
            expand: list[Operation] = []
            contract: list[Operation] = []
            for operation in migration.operations:
                staged = _staged(operation, app_label, state)
                operation.state_forwards(app_label, state)
                if staged is None:
                    expand.append(operation)
                else:
                    expand.append(staged[0])
                    contract.append(staged[1])
            migration.operations = expand
            arranged.append(migration)
            if contract:
                follower = Migration(f"{migration.name}_contract", app_label)
                follower.operations = contract
                follower.dependencies = [migration.key]
                arranged.append(follower)
            from_state = state
        split[app_label] = arranged
    return split


def _staged(
    operation: Operation, app_label: str, state: ProjectState
) -> tuple[Operation, Operation] | None:
    if isinstance(operation, RenameField):
        model = state.get_model(app_label, operation.model_name)
        old = model.fields.get(operation.old_name)
        if old is None or old.db_column or not _stageable(model, old):
            return None
        return (
            ExpandRenameField(operation.model_name, operation.old_name, operation.new_name),
            ContractRenameField(operation.model_name, operation.old_name, operation.new_name),
        )
    if isinstance(operation, AlterField) and operation.preserve_default:
        model = state.get_model(app_label, operation.model_name)
        old = model.fields.get(operation.name)
        new = operation.field
        if old is None or not _stageable(model, old) or not is_plain_column(new):
            return None
        if not _retyped(old, new):
            return None
        if not widens(old, new):
            return None
        if (old.db_column or operation.name) != (new.db_column or operation.name):
            return None
        return (
            ExpandAlterField(operation.model_name, operation.name, new),
            ContractAlterField(operation.model_name, operation.name, new),
        )
    return None


def _stageable(model: ModelState, field: Field) -> bool:
    """What the staged operations accept (``staged._refuse_unstageable``)."""
    return is_plain_column(field) and not named_by_meta(model, field.name)


def _retyped(old: Field, new: Field) -> bool:
    if old.get_internal_type() != new.get_internal_type():
        return True
    return any(getattr(old, name, None) != getattr(new, name, None) for name in _TYPE_KWARGS)


__all__ = ["split_staged"]
