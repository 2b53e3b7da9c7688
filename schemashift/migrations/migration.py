"""The Migration class that every migration file subclasses."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from schemashift.exceptions import BadMigrationError

if TYPE_CHECKING:
    from schemashift.migrations.operations.base import Operation
    from schemashift.migrations.state import ProjectState


class Migration:
    """A named, ordered list of operations with the migrations it depends on.

    Migration files declare ``dependencies``, ``operations`` and optionally ``initial``,
    ``atomic``, ``replaces`` and ``run_before`` as class attributes; the loader instantiates
    the class with the file's name and app label.
    """

    dependencies: list[tuple[str, str]] = []
    operations: list[Any] = []
    run_before: list[tuple[str, str]] = []
    replaces: list[tuple[str, str]] = []
    initial: bool | None = None
    atomic: bool = True

    def __init__(self, name: str, app_label: str) -> None:
        self.name = name
        self.app_label = app_label
        self.dependencies = list(self.__class__.dependencies)
        self.operations = list(self.__class__.operations)
        self.run_before = list(self.__class__.run_before)
        self.replaces = list(self.__class__.replaces)

    @property
    def key(self) -> tuple[str, str]:
        return (self.app_label, self.name)

    def __repr__(self) -> str:
        return f"<Migration {self.app_label}.{self.name}>"

    def __str__(self) -> str:
        return f"{self.app_label}.{self.name}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Migration) and self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)

    def advance_state(self, operation: Operation, state: ProjectState) -> None:
        """Apply one of this migration's operations to the state.

        An operation that names a model or field the state does not have is the migration
        file's fault: BadMigrationError names the migration and the operation.
        """
        try:
            operation.state_forwards(self.app_label, state)
        except LookupError as exc:
            reason = str(exc.args[0] if exc.args else exc).rstrip(".")
            raise BadMigrationError(
                f"Migration {self} cannot apply '{operation.describe()}' to the models its "
                f"dependencies leave: {reason}. Check its operations and dependencies."
            ) from None

    def mutate_state(self, state: ProjectState) -> None:
        """Apply every operation of this migration to the state, in order."""
        for operation in self.operations:
            self.advance_state(operation, state)

    @property
    def is_reversible(self) -> bool:
        return all(op.reversible for op in self.operations)

    def suggest_name(self) -> str:
        """A file-name suffix built from the operations, as Django does."""
        if self.initial:
            return "initial"
        fragments = [op.migration_name_fragment for op in self.operations]
        if not fragments or any(f is None for f in fragments):
            from datetime import datetime

            return "auto_" + datetime.now().strftime("%Y%m%d_%H%M")
        name = fragments[0]
        for fragment in fragments[1:]:
            candidate = f"{name}_{fragment}"
            if len(candidate) > 52:
                name = f"{name}_and_more"
                break
            name = candidate
        return name[:100]
