"""RenameIndex, and AlterIndexTogether for histories written before Django 5.1 removed
``Meta.index_together`` (Django still runs them; an index_together group becomes a named
index with ``RenameIndex(old_fields=...)``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from schemashift.migrations.operations.base import Operation
from schemashift.migrations.operations.models import IndexOperation, _OptionOperation
from schemashift.migrations.state import ModelState, ProjectState
from schemashift.models.indexes import Index
from schemashift.models.options import normalize_together

if TYPE_CHECKING:
    from schemashift.db.backends.base import BaseSchemaEditor


def find_index(model: ModelState, name: str) -> Index:
    for index in model.indexes:
        if index.name == name:
            return index
    raise LookupError(f"No index named {name} on {model.label}.")


class RenameIndex(IndexOperation):
    """Rename a named index (``old_name``), or name the unnamed index of an index_together
    group (``old_fields``), which then becomes a Meta index."""

    category = "~"

    def __init__(
        self,
        model_name: str,
        new_name: str,
        old_name: str | None = None,
        old_fields: list[str] | tuple[str, ...] | None = None,
    ):
        if not old_name and not old_fields:
            raise ValueError(
                "RenameIndex requires one of old_name and old_fields arguments to be set."
            )
        if old_name and old_fields:
            raise ValueError("RenameIndex.old_name and old_fields are mutually exclusive.")
        self.model_name = model_name
        self.new_name = new_name
        self.old_name = old_name
        self.old_fields = old_fields

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        kwargs: dict[str, Any] = {"model_name": self.model_name, "new_name": self.new_name}
        if self.old_name:
            kwargs["old_name"] = self.old_name
        if self.old_fields:
            kwargs["old_fields"] = self.old_fields
        return "RenameIndex", [], kwargs

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        model = state.get_model(app_label, self.model_name).clone()
        if self.old_fields:
            model.options["indexes"] = [
                *model.indexes,
                Index(fields=list(self.old_fields), name=self.new_name),
            ]
            group = tuple(self.old_fields)
            groups = normalize_together(model.options.get("index_together"))
            kept = tuple(g for g in groups if g != group)
            if kept:
                model.options["index_together"] = kept
            else:
                model.options.pop("index_together", None)
        else:
            find_index(model, self.old_name or "")
            renamed = []
            for index in model.indexes:
                if index.name == self.old_name:
                    index = index.clone()
                    index.name = self.new_name
                renamed.append(index)
            model.options["indexes"] = renamed
        state.add_model(model)

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        old_model = from_state.get_model(app_label, self.model_name)
        new_model = to_state.get_model(app_label, self.model_name)
        new_index = find_index(new_model, self.new_name)
        if self.old_fields:
            old_name = schema_editor.unnamed_index_name(old_model, list(self.old_fields))
            old_index = Index(fields=list(self.old_fields), name=old_name)
        else:
            old_index = find_index(old_model, self.old_name or "")
        if old_index.name != new_index.name:
            schema_editor.rename_index(to_state, new_model, old_index, new_index)

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        """Renames back. An index_together group's index takes back the name Django gives it,
        so the database matches the state before (Django leaves the new name)."""
        if self.old_fields:
            named = find_index(from_state.get_model(app_label, self.model_name), self.new_name)
            group_model = to_state.get_model(app_label, self.model_name)
            definition = schema_editor.table_definition(group_model)
            columns = definition.columns(list(self.old_fields))
            django_name = schema_editor.index_together_name(definition.table, columns)
            unnamed = Index(fields=list(self.old_fields), name=django_name)
            if named.name != unnamed.name:
                schema_editor.rename_index(to_state, group_model, named, unnamed)
            return
        old_model = from_state.get_model(app_label, self.model_name)
        new_model = to_state.get_model(app_label, self.model_name)
        old_index = find_index(old_model, self.new_name)
        schema_editor.rename_index(
            to_state, new_model, old_index, find_index(new_model, self.old_name or "")
        )

    def describe(self) -> str:
        if self.old_name:
            return f"Rename index {self.old_name} on {self.model_name} to {self.new_name}"
        return f"Rename unnamed index for {self.old_fields} on {self.model_name} to {self.new_name}"

    @property
    def migration_name_fragment(self) -> str:
        if self.old_name:
            return f"rename_{self.old_name.lower()}_{self.new_name.lower()}"
        fields = "_".join(self.old_fields or ())
        return f"rename_{self.model_name_lower}_{fields}_{self.new_name.lower()}"

    def reduce(self, operation: Operation, app_label: str) -> list[Operation] | bool:
        if (
            isinstance(operation, RenameIndex)
            and operation.model_name_lower == self.model_name_lower
            and operation.old_name
            and operation.old_name.lower() == self.new_name.lower()
        ):
            return [
                RenameIndex(
                    self.model_name,
                    new_name=operation.new_name,
                    old_name=self.old_name,
                    old_fields=self.old_fields,
                )
            ]
        return super().reduce(operation, app_label)


class AlterIndexTogether(_OptionOperation):
    """Replace the model's ``index_together`` groups (an option Django 5.1 removed from Meta,
    kept for the migrations written before): each group is an index named as Django names
    it, ``<table>_<columns>_<hash>_idx``."""

    category = "~"
    option_name = "index_together"

    def __init__(self, name: str, index_together: Any):
        super().__init__(name)
        self.index_together = set(normalize_together(index_together))

    def _value(self) -> Any:
        return tuple(sorted(self.index_together))

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return "AlterIndexTogether", [], {"name": self.name, "index_together": self.index_together}

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        schema_editor.alter_index_together(
            to_state,
            from_state.get_model(app_label, self.name),
            to_state.get_model(app_label, self.name),
        )

    database_backwards = database_forwards

    def describe(self) -> str:
        return f"Alter index_together for {self.name} ({len(self.index_together)} constraint(s))"

    @property
    def migration_name_fragment(self) -> str:
        return f"alter_{self.name_lower}_index_together"

    def references_field(self, model_name: str, name: str, app_label: str) -> bool:
        return self.references_model(model_name, app_label) and (
            not self.index_together or any(name in group for group in self.index_together)
        )
