"""Staged changes: a rename or a type change split into an expand and a contract migration.

The previous app version goes on reading and writing the table between the two. Expand adds
the column the change ends with beside the one it replaces (a *shadow* in the state, which the
models never see), a trigger that copies each write from either column to the other, and fills
the new column in batches. Contract, run once no process of the previous version is left,
drops the trigger and the old column and, for a type change, puts the new column in the old
one's place, all in one short step.

- ``ExpandAlterField(model, name, field)`` / ``ContractAlterField(model, name, field)``: the
  field becomes ``field`` (int -> bigint, say). Until contract the state keeps the old field
  and a shadow ``<name>__new`` with column ``<column>__new``.
- ``ExpandRenameField(model, old, new)`` / ``ContractRenameField(model, old, new)``: after
  expand the model has the field under its new name and column; the old column stays as the
  shadow ``<old>`` (NULL allowed, the trigger fills it) until contract.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from schemashift.migrations.operations.base import Operation
from schemashift.migrations.operations.fields import FieldOperation, RenameField
from schemashift.migrations.operations.preconditions import existing_field
from schemashift.models.field_copies import (
    SHADOW_SUFFIX,
    is_plain_column,
    named_by_meta,
    shadow_of,
)

if TYPE_CHECKING:
    from schemashift.db.backends.base import BaseSchemaEditor
    from schemashift.migrations.state import ModelState, ProjectState
    from schemashift.models.fields import Field


def _refuse_unstageable(model: ModelState, field: Field, what: str) -> None:
    if not is_plain_column(field):
        raise LookupError(
            f"{what} of {model.label}.{field.name}: a staged change takes a plain column, not a "
            "relation, primary key or generated field."
        )
    if named_by_meta(model, field.name):
        raise LookupError(
            f"{what} of {model.label}.{field.name}: the field is named in Meta indexes, "
            "constraints or unique_together; stage the change after moving those to the new "
            "column by hand."
        )


class _StagedOperation(FieldOperation):
    """What the four staged operations share: the model's table and its sync trigger."""

    category = "~"
    #: "expand" or "contract": which ``migrate --stage`` runs the operation
    stage = ""

    def _model(self, state: ProjectState, app_label: str) -> ModelState:
        return state.get_model(app_label, self.model_name)

    def _replace(self, state: ProjectState, model: ModelState) -> None:
        state.add_model(model)

    def reduce(self, operation: Operation, app_label: str) -> list[Operation] | bool:
        return self.lets_field_pass(operation, app_label)


class _StagedAlter(_StagedOperation):
    """A staged type change of field ``name`` to ``field``; its shadow is ``<name>__new``."""

    def __init__(self, model_name: str, name: str, field: Field) -> None:
        super().__init__(model_name, name, field)

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return (
            type(self).__name__,
            [],
            {"model_name": self.model_name, "name": self.name, "field": self.field},
        )

    @property
    def shadow_name(self) -> str:
        return f"{self.name}{SHADOW_SUFFIX}"


class _StagedRename(_StagedOperation):
    """A staged rename of field ``old_name`` to ``new_name``; its shadow is the old column."""

    def __init__(self, model_name: str, old_name: str, new_name: str, name: str) -> None:
        super().__init__(model_name, name)
        self.old_name = old_name
        self.new_name = new_name

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return (
            type(self).__name__,
            [],
            {"model_name": self.model_name, "old_name": self.old_name, "new_name": self.new_name},
        )

    @property
    def field_names(self) -> tuple[str, ...]:
        return (self.old_name.lower(), self.new_name.lower())


class ExpandAlterField(_StagedAlter):
    """Add the column ``name`` becomes (``field``) beside the old one, keep them in step with a
    trigger and fill it in batches; the model keeps the old field until contract."""

    stage = "expand"

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        model = self._model(state, app_label).clone()
        old = existing_field(model, self.name)
        _refuse_unstageable(model, old, "Expanding a change")
        if self.shadow_name in model.shadows:
            raise LookupError(f"{model.label}.{self.name} has a staged change under way already.")
        field = self.field.clone()
        field.set_attributes_from_name(self.name)
        _refuse_unstageable(model, field, "Expanding a change")
        model.shadows[self.shadow_name] = shadow_of(
            field, self.shadow_name, f"{old.column}{SHADOW_SUFFIX}"
        )
        self._replace(state, model)

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        model = self._model(to_state, app_label)
        shadow = model.shadows[self.shadow_name]
        schema_editor.expand_column(
            to_state, model, model.get_field(self.name), shadow, not self.field.null
        )

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        model = self._model(from_state, app_label)
        schema_editor.drop_shadow(
            from_state, model, model.get_field(self.name), model.shadows[self.shadow_name]
        )

    def describe(self) -> str:
        return (
            f"Expand field {self.name} on {self.model_name}: add its new column beside the old "
            "one, copy writes between them, fill it in batches"
        )

    @property
    def migration_name_fragment(self) -> str:
        return f"expand_{self.model_name_lower}_{self.name_lower}"


class ContractAlterField(_StagedAlter):
    """Put the column an ``ExpandAlterField`` added in the old one's place, in one short step:
    drop the trigger and the old column, rename the new one, make it NOT NULL."""

    stage = "contract"

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        model = self._model(state, app_label).clone()
        existing_field(model, self.name)
        if self.shadow_name not in model.shadows:
            raise LookupError(
                f"Contracting {model.label}.{self.name}: no expanded change is under way (the "
                "ExpandAlterField migration comes first)."
            )
        model.shadows.pop(self.shadow_name)
        field = self.field.clone()
        field.set_attributes_from_name(self.name)
        model.fields[self.name] = field
        self._replace(state, model)

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        model = self._model(from_state, app_label)
        schema_editor.swap_in_shadow(
            from_state,
            to_state,
            model,
            model.get_field(self.name),
            model.shadows[self.shadow_name],
            self._model(to_state, app_label).get_field(self.name),
        )

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        """Expand again toward the old field: the new column steps back to the shadow's place,
        the old one comes back beside it, filled and kept in step."""
        expanded = self._model(to_state, app_label)
        schema_editor.swap_out_shadow(
            from_state,
            to_state,
            expanded,
            self._model(from_state, app_label).get_field(self.name),
            expanded.shadows[self.shadow_name],
            expanded.get_field(self.name),
        )

    def describe(self) -> str:
        return (
            f"Contract field {self.name} on {self.model_name}: drop the old column and put the "
            "new one in its place"
        )

    @property
    def migration_name_fragment(self) -> str:
        return f"contract_{self.model_name_lower}_{self.name_lower}"


class ExpandRenameField(_StagedRename):
    """Give the field its new name and column while the old column stays, kept in step by a
    trigger (the previous app version goes on using it) until contract."""

    stage = "expand"

    def __init__(self, model_name: str, old_name: str, new_name: str) -> None:
        super().__init__(model_name, old_name, new_name, old_name)

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        model = self._model(state, app_label)
        old = existing_field(model, self.old_name)
        _refuse_unstageable(model, old, "Expanding a rename")
        if self.old_name in model.shadows:
            raise LookupError(f"{model.label}.{self.old_name} has a staged change under way.")
        RenameField(self.model_name, self.old_name, self.new_name).state_forwards(app_label, state)
        renamed = self._model(state, app_label).clone()
        if renamed.get_field(self.new_name).column == old.column:
            raise LookupError(
                f"Expanding the rename of {model.label}.{self.old_name}: its column stays "
                f"{old.column}; a plain RenameField does it."
            )
        renamed.shadows[self.old_name] = shadow_of(old, self.old_name, old.column)
        self._replace(state, renamed)

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        before = self._model(from_state, app_label)
        model = self._model(to_state, app_label)
        schema_editor.expand_rename(
            from_state,
            to_state,
            before,
            model,
            before.get_field(self.old_name),
            model.shadows[self.old_name],
            model.get_field(self.new_name),
        )

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        expanded = self._model(from_state, app_label)
        before = self._model(to_state, app_label)
        schema_editor.undo_expand_rename(
            from_state,
            to_state,
            expanded,
            before,
            before.get_field(self.old_name),
            expanded.shadows[self.old_name],
            expanded.get_field(self.new_name),
        )

    def describe(self) -> str:
        return (
            f"Expand the rename of field {self.old_name} on {self.model_name} to "
            f"{self.new_name}: add the new column, copy writes between the two, fill it in "
            "batches"
        )

    @property
    def migration_name_fragment(self) -> str:
        return f"expand_rename_{self.model_name_lower}_{self.old_name.lower()}"


class ContractRenameField(_StagedRename):
    """Drop the old column of an expanded rename and the trigger keeping it in step."""

    stage = "contract"

    def __init__(self, model_name: str, old_name: str, new_name: str) -> None:
        super().__init__(model_name, old_name, new_name, new_name)

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        model = self._model(state, app_label).clone()
        existing_field(model, self.new_name)
        if self.old_name not in model.shadows:
            raise LookupError(
                f"Contracting the rename of {model.label}.{self.old_name}: no expanded rename is "
                "under way (the ExpandRenameField migration comes first)."
            )
        model.shadows.pop(self.old_name)
        self._replace(state, model)

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        model = self._model(from_state, app_label)
        schema_editor.drop_shadow(
            from_state, model, model.get_field(self.new_name), model.shadows[self.old_name]
        )

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        model = self._model(to_state, app_label)
        schema_editor.expand_column(
            to_state, model, model.get_field(self.new_name), model.shadows[self.old_name], False
        )

    def describe(self) -> str:
        return (
            f"Contract the rename of field {self.old_name} on {self.model_name} to "
            f"{self.new_name}: drop the old column"
        )

    @property
    def migration_name_fragment(self) -> str:
        return f"contract_rename_{self.model_name_lower}_{self.old_name.lower()}"


def stage_of(operation: Operation) -> str:
    """ "expand", "contract", or "" for an operation of no stage."""
    return getattr(operation, "stage", "") if isinstance(operation, _StagedOperation) else ""


__all__ = [
    "ContractAlterField",
    "ContractRenameField",
    "ExpandAlterField",
    "ExpandRenameField",
    "stage_of",
]
