"""Operations on one field of a model."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from schemashift.migrations.data_loss import Loss, column_loss, narrowing_loss
from schemashift.migrations.dependency import ALTER, CREATE, REMOVE, Dependency
from schemashift.migrations.operations.base import Operation
from schemashift.migrations.operations.models import DeleteModel
from schemashift.migrations.operations.preconditions import (
    check_new_field,
    check_relation_target,
    existing_field,
)
from schemashift.models.fields import NOT_PROVIDED, Field

if TYPE_CHECKING:
    from schemashift.db.backends.base import BaseSchemaEditor
    from schemashift.migrations.state import ModelState, ProjectState


class FieldOperation(Operation):
    """Acts on one field of a model; folds with later operations on the same field."""

    alters_one_model = True

    def __init__(self, model_name: str, name: str, field: Field | None = None):
        self.model_name = model_name
        self.name = name
        self.field = field

    @property
    def model_name_lower(self) -> str:
        return self.model_name.lower()

    @property
    def name_lower(self) -> str:
        return self.name.lower()

    def references_model(self, name: str, app_label: str) -> bool:
        if name.lower() == self.model_name_lower:
            return True
        if self.field is not None and self.field.is_relation:
            target = (app_label, name.lower())
            return target in (
                self.field.related_model_key,
                getattr(self.field, "through_model_key", None),
            )
        return False

    def references_field(self, model_name: str, name: str, app_label: str) -> bool:
        return model_name.lower() == self.model_name_lower and name.lower() in self.field_names

    @property
    def field_names(self) -> tuple[str, ...]:
        """The lower-case names of the fields it acts on."""
        return (self.name_lower,)

    def referenced_models(self, app_label: str) -> frozenset[str] | None:
        names = {self.model_name_lower}
        if self.field is not None and self.field.is_relation:
            target_app, target = self.field.related_model_key
            if target_app == app_label:
                names.add(target)
        return frozenset(names)

    def reduce(self, operation: Operation, app_label: str) -> list[Operation] | bool:
        elided = super().reduce(operation, app_label)
        if elided is not False:
            return elided
        if (
            isinstance(operation, FieldOperation)
            and operation.model_name_lower == self.model_name_lower
            and operation.name_lower == self.name_lower
        ):
            folded = self.reduce_field(operation)
            if folded is not None:
                return folded
        return self.lets_field_pass(operation, app_label)

    def reduce_field(self, operation: FieldOperation) -> list[Operation] | None:
        """What this operation and a later one on the same field fold into (None: nothing)."""
        return None

    def lets_field_pass(self, operation: Operation, app_label: str) -> bool:
        """Whether a later ``operation`` may move before this one: it names none of its
        fields (nor anything else it acts on)."""
        if any(
            operation.references_field(self.model_name, name, app_label)
            for name in self.field_names
        ):
            return False
        return self.lets_pass(operation, app_label)

    def _alter(
        self,
        app_label: str,
        schema_editor: BaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
        old_name: str,
        new_name: str,
        new_field: Field | None = None,
    ) -> None:
        """Ask the editor to turn field ``old_name`` of from_state into ``new_name`` of to_state."""
        old_model = from_state.get_model(app_label, self.model_name)
        new_model = to_state.get_model(app_label, self.model_name)
        old_field = old_model.get_field(old_name)
        new_field = new_field or new_model.get_field(new_name)
        alter = (
            schema_editor.alter_many_to_many
            if old_field.many_to_many or new_field.many_to_many
            else schema_editor.alter_field
        )
        alter(from_state, to_state, old_model, new_model, old_field, new_field)

    def _replace_field(self, state: ProjectState, app_label: str, name: str, field: Field) -> None:
        model = state.get_model(app_label, self.model_name).clone()
        field.set_attributes_from_name(name)
        model.fields[name] = field
        state.add_model(model)


class _FieldDefinitionOperation(FieldOperation):
    """An operation carrying a full field definition (AddField, AlterField).

    With ``preserve_default=False`` the field's default is a one-off: it fills the existing
    rows when the operation runs, and the state keeps no default.
    """

    def __init__(self, model_name: str, name: str, field: Field, preserve_default: bool = True):
        super().__init__(model_name, name, field)
        self.preserve_default = preserve_default

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        kwargs: dict[str, Any] = {
            "model_name": self.model_name,
            "name": self.name,
            "field": self.field,
        }
        if not self.preserve_default:
            kwargs["preserve_default"] = False
        return type(self).__name__, [], kwargs

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        model = state.get_model(app_label, self.model_name)
        self._check_field(model)
        check_relation_target(state, model, self.name, self.field)
        field = self.field.clone()
        if not self.preserve_default:
            field.default = NOT_PROVIDED
            field._given.pop("default", None)
        self._replace_field(state, app_label, self.name, field)

    def _check_field(self, model: ModelState) -> None:
        """Refuse a state the operation cannot apply to (LookupError naming the field)."""

    def _field_to_run(self) -> Field:
        """The field as the database sees it while the operation runs, one-off default included."""
        field = self.field.clone()
        field.set_attributes_from_name(self.name)
        return field


class AddField(_FieldDefinitionOperation):
    """Add a column. With ``preserve_default=False`` the default only fills existing rows."""

    category = "+"
    loses_data_when = frozenset({"backwards"})

    def _check_field(self, model: ModelState) -> None:
        check_new_field(model, self.name)

    def provides(self, app_label: str) -> set[Dependency]:
        return {Dependency(app_label, self.model_name_lower, self.name, CREATE)}

    def reduce_field(self, operation: FieldOperation) -> list[Operation] | None:
        if isinstance(operation, RemoveField):
            return []
        if isinstance(operation, RenameField):
            return [
                AddField(self.model_name, operation.new_name, self.field, self.preserve_default)
            ]
        if (
            isinstance(operation, AlterField)
            and self.preserve_default
            and operation.preserve_default
        ):
            return [AddField(self.model_name, self.name, operation.field)]
        return None

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        model = to_state.get_model(app_label, self.model_name)
        _add_field(schema_editor, to_state, model, self._field_to_run())

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        model = from_state.get_model(app_label, self.model_name)
        _remove_field(schema_editor, from_state, model, model.get_field(self.name))

    def describe(self) -> str:
        return f"Add field {self.name} to {self.model_name}"

    def losses(
        self, app_label: str, before: ProjectState, after: ProjectState, backwards: bool = False
    ) -> list[Loss]:
        if not backwards:
            return []
        model = after.get_model(app_label, self.model_name)
        return column_loss(model, model.get_field(self.name))

    @property
    def migration_name_fragment(self) -> str:
        return f"{self.model_name_lower}_{self.name_lower}"


class RemoveField(FieldOperation):
    """Drop a column and the values in it."""

    category = "-"
    is_destructive = True
    drops_relations = True
    loses_data_when = frozenset({"forwards"})

    def __init__(self, model_name: str, name: str):
        super().__init__(model_name, name)

    def provides(self, app_label: str) -> set[Dependency]:
        return {Dependency(app_label, self.model_name_lower, self.name, REMOVE)}

    def reduce(self, operation: Operation, app_label: str) -> list[Operation] | bool:
        if (
            not self.elidable
            and not operation.elidable
            and isinstance(operation, DeleteModel)
            and operation.name_lower == self.model_name_lower
        ):
            return [operation]
        return super().reduce(operation, app_label)

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return "RemoveField", [], {"model_name": self.model_name, "name": self.name}

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        model = state.get_model(app_label, self.model_name).clone()
        existing_field(model, self.name)
        removed = model.fields.pop(self.name)
        _drop_field_from_options(model, {self.name, removed.attname})
        state.add_model(model)

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        model = from_state.get_model(app_label, self.model_name)
        _remove_field(schema_editor, from_state, model, model.get_field(self.name))

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        model = to_state.get_model(app_label, self.model_name)
        _add_field(schema_editor, to_state, model, model.get_field(self.name))

    def describe(self) -> str:
        return f"Remove field {self.name} from {self.model_name}"

    def losses(
        self, app_label: str, before: ProjectState, after: ProjectState, backwards: bool = False
    ) -> list[Loss]:
        if backwards:
            return []
        model = before.get_model(app_label, self.model_name)
        return column_loss(model, model.get_field(self.name))

    @property
    def migration_name_fragment(self) -> str:
        return f"remove_{self.model_name_lower}_{self.name_lower}"


class AlterField(_FieldDefinitionOperation):
    """Change a field's definition: type, null, unique, index, default, target."""

    category = "~"
    loses_data_when = frozenset({"forwards", "backwards"})

    def _check_field(self, model: ModelState) -> None:
        existing_field(model, self.name)

    def provides(self, app_label: str) -> set[Dependency]:
        return {Dependency(app_label, self.model_name_lower, self.name, ALTER)}

    def reduce_field(self, operation: FieldOperation) -> list[Operation] | None:
        if isinstance(operation, RemoveField):
            return [operation]
        if isinstance(operation, AlterField) and self.preserve_default:
            return [operation]
        return None

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        self._alter(
            app_label,
            schema_editor,
            from_state,
            to_state,
            self.name,
            self.name,
            self._field_to_run(),
        )

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        self._alter(app_label, schema_editor, from_state, to_state, self.name, self.name)

    def describe(self) -> str:
        return f"Alter field {self.name} on {self.model_name}"

    def losses(
        self, app_label: str, before: ProjectState, after: ProjectState, backwards: bool = False
    ) -> list[Loss]:
        old_state, new_state = (after, before) if backwards else (before, after)
        model = old_state.get_model(app_label, self.model_name)
        new_field = new_state.get_model(app_label, self.model_name).get_field(self.name)
        return narrowing_loss(model, model.get_field(self.name), new_field)

    @property
    def migration_name_fragment(self) -> str:
        return f"alter_{self.model_name_lower}_{self.name_lower}"


class RenameField(FieldOperation):
    """Rename a field and its column (``ALTER ... RENAME``: the values stay)."""

    category = "~"

    def __init__(self, model_name: str, old_name: str, new_name: str):
        super().__init__(model_name, old_name)
        self.old_name = old_name
        self.new_name = new_name

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return (
            "RenameField",
            [],
            {"model_name": self.model_name, "old_name": self.old_name, "new_name": self.new_name},
        )

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        model = state.get_model(app_label, self.model_name).clone()
        existing_field(model, self.old_name)
        check_new_field(model, self.new_name)
        # the renamed field moves to the end, as in Django, so later rebuilds order columns alike
        old_field = model.fields.pop(self.old_name)
        field = old_field.clone()
        field.set_attributes_from_name(self.new_name)
        model.fields[self.new_name] = field
        renames = {self.old_name: self.new_name, old_field.attname: field.attname}
        _rename_field_in_options(model, renames)
        state.add_model(model)
        _rename_to_field(state, model.key, self.old_name, self.new_name)

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        self._alter(app_label, schema_editor, from_state, to_state, self.old_name, self.new_name)

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        self._alter(app_label, schema_editor, from_state, to_state, self.new_name, self.old_name)

    def describe(self) -> str:
        return f"Rename field {self.old_name} on {self.model_name} to {self.new_name}"

    @property
    def migration_name_fragment(self) -> str:
        return f"rename_{self.old_name.lower()}_{self.model_name_lower}_{self.new_name.lower()}"

    @property
    def field_names(self) -> tuple[str, ...]:
        return (self.old_name.lower(), self.new_name.lower())

    def provides(self, app_label: str) -> set[Dependency]:
        return {
            Dependency(app_label, self.model_name_lower, self.new_name, CREATE),
            Dependency(app_label, self.model_name_lower, self.old_name, REMOVE),
        }

    def reduce(self, operation: Operation, app_label: str) -> list[Operation] | bool:
        elided = Operation.reduce(self, operation, app_label)
        if elided is not False:
            return elided
        if (
            isinstance(operation, RenameField)
            and operation.model_name_lower == self.model_name_lower
            and operation.old_name.lower() == self.new_name.lower()
        ):
            if operation.new_name == self.old_name:
                return []  # renamed and back: a rename to itself would be refused
            return [RenameField(self.model_name, self.old_name, operation.new_name)]
        return self.lets_field_pass(operation, app_label)


def _drop_field_from_options(model: ModelState, names: set[str]) -> None:
    """Forget the unique_together groups and indexes that use a removed field (by name or
    attname)."""
    together = model.options.get("unique_together")
    if together:
        kept = tuple(group for group in together if names.isdisjoint(group))
        if kept:
            model.options["unique_together"] = kept
        else:
            del model.options["unique_together"]
    indexes = model.options.get("indexes")
    if indexes:
        kept_indexes = [i for i in indexes if names.isdisjoint(f for f, _ in i.fields_orders)]
        if kept_indexes:
            model.options["indexes"] = kept_indexes
        else:
            del model.options["indexes"]


def _rename_field_in_options(model: ModelState, renames: dict[str, str]) -> None:
    """Follow a renamed field (by name or attname) in unique_together, ordering and indexes."""
    together = model.options.get("unique_together")
    if together:
        model.options["unique_together"] = tuple(
            tuple(renames.get(f, f) for f in group) for group in together
        )
    ordering = model.options.get("ordering")
    if ordering:
        model.options["ordering"] = [renamed_term(o, renames) for o in ordering]
    indexes = model.options.get("indexes")
    if indexes:
        renamed = []
        for index in indexes:
            copied = index.clone()
            copied.fields = [renamed_term(f, renames) for f in copied.fields]
            renamed.append(copied)
        model.options["indexes"] = renamed


def _rename_to_field(state: ProjectState, target: tuple[str, str], old: str, new: str) -> None:
    """Relations whose ``to_field`` names the renamed field follow it (as copies)."""
    for key, model in list(state.models.items()):
        pointing = [
            n
            for n, f in model.fields.items()
            if f.is_relation and f.related_model_key == target and f.to_field == old
        ]
        if not pointing:
            continue
        model = model.clone()
        for field_name in pointing:
            relation = model.fields[field_name]
            _name, _path, args, kwargs = relation.deconstruct()
            field = type(relation)(*args, **{**kwargs, "to_field": new})
            field.set_attributes_from_name(field_name)
            model.fields[field_name] = field
        state.models[key] = model


def renamed_term(term: str, renames: dict[str, str]) -> str:
    """An ordering or index term (``"-name"`` for descending) after field renames."""
    descending = term.startswith("-")
    name = term[1:] if descending else term
    name = renames.get(name, name)
    return f"-{name}" if descending else name


def _add_field(
    schema_editor: BaseSchemaEditor, state: ProjectState, model: ModelState, field: Field
) -> None:
    """A column, or the table of a ManyToManyField."""
    if field.many_to_many:
        schema_editor.add_many_to_many(state, model, field)
    else:
        schema_editor.add_field(state, model, field)


def _remove_field(
    schema_editor: BaseSchemaEditor, state: ProjectState, model: ModelState, field: Field
) -> None:
    if field.many_to_many:
        schema_editor.remove_many_to_many(state, model, field)
    else:
        schema_editor.remove_field(state, model, field)
