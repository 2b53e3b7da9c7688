"""Operations on Meta.constraints: AddConstraint, RemoveConstraint, AlterConstraint."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from schemashift.migrations.operations.base import Operation
from schemashift.migrations.operations.models import IndexOperation
from schemashift.migrations.state import ModelState, ProjectState
from schemashift.models.constraints import BaseConstraint

if TYPE_CHECKING:
    from schemashift.db.backends.base import BaseSchemaEditor


def find_constraint(model: ModelState, name: str) -> BaseConstraint:
    for constraint in model.constraints:
        if constraint.name == name:
            return constraint
    raise LookupError(f"No constraint named {name} on {model.label}.")


def _with_constraints(model: ModelState, constraints: list[BaseConstraint]) -> ModelState:
    changed = model.clone()
    if constraints:
        changed.options["constraints"] = constraints
    else:
        changed.options.pop("constraints", None)
    return changed


class AddConstraint(IndexOperation):
    """Create a named constraint (``Meta.constraints``)."""

    category = "+"
    option_name = "constraints"

    def __init__(self, model_name: str, constraint: BaseConstraint):
        if not constraint.name:
            raise ValueError(
                "Constraints passed to AddConstraint operations require a name argument. "
                f"{constraint!r} doesn't have one."
            )
        self.model_name = model_name
        self.constraint = constraint

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return "AddConstraint", [], {"model_name": self.model_name, "constraint": self.constraint}

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        model = state.get_model(app_label, self.model_name)
        if any(c.name == self.constraint.name for c in model.constraints):
            raise LookupError(f"{model.label} already has a constraint {self.constraint.name}.")
        state.add_model(_with_constraints(model, [*model.constraints, self.constraint.clone()]))

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        model = to_state.get_model(app_label, self.model_name)
        schema_editor.add_constraint(to_state, model, self.constraint)

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        model = from_state.get_model(app_label, self.model_name)
        schema_editor.remove_constraint(from_state, model, self.constraint)

    def references_field(self, model_name: str, name: str, app_label: str) -> bool:
        return self.references_model(model_name, app_label) and (
            name in self.constraint.referenced_fields()
        )

    def describe(self) -> str:
        return f"Create constraint {self.constraint.name} on model {self.model_name}"

    @property
    def migration_name_fragment(self) -> str:
        return f"{self.model_name_lower}_{self.constraint.name.lower()}"

    def reduce(self, operation: Operation, app_label: str) -> list[Operation] | bool:
        """The removal of the same constraint cancels it out (as in Django)."""
        if (
            not operation.elidable
            and isinstance(operation, RemoveConstraint)
            and operation.model_name_lower == self.model_name_lower
            and operation.name == self.constraint.name
        ):
            return []
        return super().reduce(operation, app_label)


class RemoveConstraint(IndexOperation):
    """Drop a named constraint."""

    category = "-"
    option_name = "constraints"

    def __init__(self, model_name: str, name: str):
        self.model_name = model_name
        self.name = name

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return "RemoveConstraint", [], {"model_name": self.model_name, "name": self.name}

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        model = state.get_model(app_label, self.model_name)
        find_constraint(model, self.name)
        kept = [c for c in model.constraints if c.name != self.name]
        state.add_model(_with_constraints(model, kept))

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        model = from_state.get_model(app_label, self.model_name)
        schema_editor.remove_constraint(from_state, model, find_constraint(model, self.name))

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        model = to_state.get_model(app_label, self.model_name)
        schema_editor.add_constraint(to_state, model, find_constraint(model, self.name))

    def describe(self) -> str:
        return f"Remove constraint {self.name} from model {self.model_name}"

    @property
    def migration_name_fragment(self) -> str:
        return f"remove_{self.model_name_lower}_{self.name.lower()}"


class AlterConstraint(IndexOperation):
    """Change what a constraint says without changing the database (its violation error
    message or code), as Django 5.2's."""

    category = "~"
    option_name = "constraints"

    def __init__(self, model_name: str, name: str, constraint: BaseConstraint):
        self.model_name = model_name
        self.name = name
        self.constraint = constraint

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        kwargs = {"model_name": self.model_name, "name": self.name, "constraint": self.constraint}
        return "AlterConstraint", [], kwargs

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        model = state.get_model(app_label, self.model_name)
        find_constraint(model, self.name)
        replaced = [
            self.constraint.clone() if c.name == self.name else c for c in model.constraints
        ]
        state.add_model(_with_constraints(model, replaced))

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        """Nothing: what changed is not in the database."""

    database_backwards = database_forwards

    def describe(self) -> str:
        return f"Alter constraint {self.name} on {self.model_name}"

    @property
    def migration_name_fragment(self) -> str:
        return f"alter_{self.model_name_lower}_{self.constraint.name.lower()}"

    def reduce(self, operation: Operation, app_label: str) -> list[Operation] | bool:
        if (
            isinstance(operation, AlterConstraint | RemoveConstraint)
            and operation.model_name_lower == self.model_name_lower
            and operation.name == self.name
        ):
            return [operation]
        return super().reduce(operation, app_label)
