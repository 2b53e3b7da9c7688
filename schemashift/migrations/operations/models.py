"""Operations on whole models: create, delete, rename, table name, options, indexes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from schemashift.migrations.data_loss import Loss, column_loss, table_loss
from schemashift.migrations.dependency import CREATE, REMOVE, Dependency
from schemashift.migrations.operations.base import Operation
from schemashift.migrations.operations.preconditions import (
    MissingFieldError,
    check_relation_target,
)
from schemashift.migrations.state import (
    ORDER_FIELD,
    ModelState,
    ProjectState,
    model_bases,
    order_field,
)
from schemashift.models.fields import Field, IntegerField
from schemashift.models.indexes import Index
from schemashift.models.options import normalize_together

#: options that change no SQL; AlterModelOptions carries them (Django's ALTER_OPTION_KEYS)
NON_SCHEMA_OPTIONS = (
    "base_manager_name",
    "default_manager_name",
    "default_related_name",
    "get_latest_by",
    "managed",
    "ordering",
    "permissions",
    "default_permissions",
    "select_on_save",
    "verbose_name",
    "verbose_name_plural",
)

if TYPE_CHECKING:
    from schemashift.db.backends.base import BaseSchemaEditor


class ModelOperation(Operation):
    def __init__(self, name: str):
        self.name = name

    @property
    def name_lower(self) -> str:
        return self.name.lower()

    @property
    def model_name_lower(self) -> str:
        return self.name_lower

    def references_model(self, name: str, app_label: str) -> bool:
        return name.lower() == self.name_lower

    def referenced_models(self, app_label: str) -> frozenset[str] | None:
        return frozenset((self.name_lower,))

    def reduce(self, operation: Operation, app_label: str) -> list[Operation] | bool:
        elided = super().reduce(operation, app_label)
        if elided is not False:
            return elided
        return self.lets_pass(operation, app_label, (self.name,))


class CreateModel(ModelOperation):
    """Create a table with its fields, indexes and unique_together.

    ``bases`` names the concrete or proxy parents (``("app.place",)``); a proxy
    (``options={"proxy": True}``) gets no table. ``managers`` are those written into
    migrations.
    """

    category = "+"
    loses_data_when = frozenset({"backwards"})

    def __init__(
        self,
        name: str,
        fields: list[tuple[str, Field]],
        options: dict[str, Any] | None = None,
        bases: tuple[Any, ...] | None = None,
        managers: list[tuple[str, Any]] | None = None,
    ):
        super().__init__(name)
        self.fields = list(fields)
        self.options = dict(options or {})
        self.bases = bases
        self.managers = list(managers or [])
        names = [n for n, _ in self.fields]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"Found duplicate field(s) {duplicates} in CreateModel {name}.")

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        kwargs: dict[str, Any] = {"name": self.name, "fields": self.fields}
        if self.options:
            kwargs["options"] = self.options
        if model_bases(self.bases):
            kwargs["bases"] = self.bases
        if self.managers:
            kwargs["managers"] = self.managers
        return "CreateModel", [], kwargs

    def model_state(self, app_label: str) -> ModelState:
        fields = {}
        for name, field in self.fields:
            copied = field.clone()
            copied.set_attributes_from_name(name)
            fields[name] = copied
        options = dict(self.options)
        for listed in ("indexes", "constraints"):
            if listed in options:
                options[listed] = [item.clone() for item in options[listed]]
        return ModelState(app_label, self.name, fields, options, self.bases, self.managers)

    def _folding_state(self, app_label: str) -> ModelState:
        """Like ``model_state``, sharing the fields already bound to their name: operations
        replace fields rather than change them, and folding runs often."""
        fields = {}
        for name, field in self.fields:
            if field.name != name or field.column is None:
                field = field.clone()
                field.set_attributes_from_name(name)
            fields[name] = field
        return ModelState(
            app_label, self.name, fields, dict(self.options), self.bases, self.managers
        )

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        model = self.model_state(app_label)
        if state.has_model(app_label, self.name):
            raise LookupError(f"Model {model.label} already exists")
        for name, field in model.fields.items():
            check_relation_target(state, model, name, field)
        state.add_model(model)

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        schema_editor.create_model(to_state, to_state.get_model(app_label, self.name))

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        schema_editor.delete_model(from_state, from_state.get_model(app_label, self.name))

    def describe(self) -> str:
        return f"Create {'proxy ' if self.options.get('proxy') else ''}model {self.name}"

    def losses(
        self, app_label: str, before: ProjectState, after: ProjectState, backwards: bool = False
    ) -> list[Loss]:
        return table_loss(after.get_model(app_label, self.name)) if backwards else []

    @property
    def migration_name_fragment(self) -> str:
        return self.name_lower

    def references_model(self, name: str, app_label: str) -> bool:
        if super().references_model(name, app_label):
            return True
        target = (app_label, name.lower())
        return any(
            f.is_relation and target in (f.related_model_key, _through_key(f))
            for _, f in self.fields
        )

    def provides(self, app_label: str) -> set[Dependency]:
        model = self.name_lower
        return {Dependency(app_label, model, None, CREATE)} | {
            Dependency(app_label, model, name, CREATE) for name, _ in self.fields
        }

    def referenced_models(self, app_label: str) -> frozenset[str] | None:
        targets = {
            f.related_model_key[1]
            for _, f in self.fields
            if f.is_relation and f.related_model_key[0] == app_label
        }
        return frozenset((self.name_lower, *targets))

    def reduce(self, operation: Operation, app_label: str) -> list[Operation] | bool:
        """Absorb what a later operation does to this model; a DeleteModel leaves nothing."""
        elided = Operation.reduce(self, operation, app_label)
        if elided is not False:
            return elided
        if isinstance(operation, DeleteModel) and operation.name_lower == self.name_lower:
            return []
        if (
            isinstance(operation, RenameModel)
            and operation.old_name.lower() == self.name_lower
            and not self.points_at_itself(app_label)
        ):
            renamed = CreateModel(
                operation.new_name, self.fields, self.options, self.bases, self.managers
            )
            return [renamed]
        if operation.alters_one_model and operation.model_name_lower == self.name_lower:
            return [self.absorbing(operation, app_label)]
        return self.lets_pass(operation, app_label, (self.name,))

    def points_at_itself(self, app_label: str) -> bool:
        """Whether a relation of the model targets the model: under a new name, the created
        model would point at the old one, which no longer exists."""
        own = (app_label, self.name_lower)
        return any(
            f.is_relation and own in (f.related_model_key, _through_key(f)) for _, f in self.fields
        )

    def absorbing(self, operation: Operation, app_label: str) -> CreateModel:
        """This CreateModel with ``operation`` applied to the model it creates.

        The operation's own ``state_forwards`` does the work. A field the model does not have
        leaves it as it is (as in Django); a field it already has is a ValueError.
        """
        state = _CreatedModelState(self._folding_state(app_label))
        try:
            operation.state_forwards(app_label, state)
        except MissingFieldError:
            return self
        except LookupError as error:
            raise ValueError(f"Cannot fold {operation!r} into {self!r}: {error}") from error
        model = state.get_model(app_label, self.name)
        fields = _in_created_order(self.fields, model)
        if not any(name == ORDER_FIELD for name, _f in self.fields):
            # the option implies ``_order``; the CreateModel does not list it, as in Django
            fields = [(name, f) for name, f in fields if name != ORDER_FIELD]
        return CreateModel(self.name, fields, model.options, self.bases, model.managers)


class DeleteModel(ModelOperation):
    """Drop a table and every row in it."""

    category = "-"
    is_destructive = True
    drops_relations = True
    loses_data_when = frozenset({"forwards"})

    def provides(self, app_label: str) -> set[Dependency]:
        return {Dependency(app_label, self.name_lower, None, REMOVE)}

    def referenced_models(self, app_label: str) -> frozenset[str] | None:
        """Any: the operations around it may hold relations they do not name (RemoveField,
        another DeleteModel)."""
        return None

    def removes_target_of(self, operation: Operation, app_label: str) -> bool:
        return operation.drops_relations or operation.references_model(self.name, app_label)

    def reduce(self, operation: Operation, app_label: str) -> list[Operation] | bool:
        if isinstance(operation, DeleteModel) and not operation.elidable:
            return False  # either may hold a relation to the other: keep their order
        return super().reduce(operation, app_label)

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return "DeleteModel", [], {"name": self.name}

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        state.remove_model(app_label, self.name)

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        schema_editor.delete_model(from_state, from_state.get_model(app_label, self.name))

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        schema_editor.create_model(to_state, to_state.get_model(app_label, self.name))

    def describe(self) -> str:
        return f"Delete model {self.name}"

    def losses(
        self, app_label: str, before: ProjectState, after: ProjectState, backwards: bool = False
    ) -> list[Loss]:
        return [] if backwards else table_loss(before.get_model(app_label, self.name))

    @property
    def migration_name_fragment(self) -> str:
        return f"delete_{self.name_lower}"


class RenameModel(Operation):
    """Rename a model; its default table is renamed and relations to it follow."""

    category = "~"

    def __init__(self, old_name: str, new_name: str):
        self.old_name = old_name
        self.new_name = new_name

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return "RenameModel", [], {"old_name": self.old_name, "new_name": self.new_name}

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        old = state.remove_model(app_label, self.old_name)
        renamed = ModelState(
            app_label, self.new_name, dict(old.fields), dict(old.options), old.bases, old.managers
        )
        state.add_model(renamed)
        old_key = (app_label, self.old_name.lower())
        new_label = f"{app_label}.{self.new_name.lower()}"
        old_label = f"{app_label}.{self.old_name.lower()}"
        for key, model in list(state.models.items()):
            if old_label in model.bases:
                model = model.clone()
                model.bases = tuple(new_label if b == old_label else b for b in model.bases)
                state.models[key] = model
            pointing = [
                n
                for n, f in model.fields.items()
                if f.is_relation and (f.related_model_key == old_key or _through_key(f) == old_key)
            ]
            if not pointing:
                continue
            model = model.clone()
            for field_name in pointing:
                field = model.fields[field_name].clone()
                if field.related_model_key == old_key:
                    field.to = new_label
                    field._given.pop("to", None)
                if _through_key(field) == old_key:
                    field.through = field._given["through"] = f"{app_label}.{self.new_name}"
                field.set_attributes_from_name(field_name)
                model.fields[field_name] = field
            state.models[key] = model

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        old_model = from_state.get_model(app_label, self.old_name)
        new_model = to_state.get_model(app_label, self.new_name)
        if old_model.db_table != new_model.db_table:
            schema_editor.alter_db_table(
                to_state, new_model, old_model.db_table, new_model.db_table
            )
        schema_editor.sync_auto_through_tables(from_state, to_state, {new_model.key: old_model.key})

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        new_model = from_state.get_model(app_label, self.new_name)
        old_model = to_state.get_model(app_label, self.old_name)
        if old_model.db_table != new_model.db_table:
            schema_editor.alter_db_table(
                to_state, old_model, new_model.db_table, old_model.db_table
            )
        schema_editor.sync_auto_through_tables(from_state, to_state, {old_model.key: new_model.key})

    def describe(self) -> str:
        return f"Rename model {self.old_name} to {self.new_name}"

    @property
    def migration_name_fragment(self) -> str:
        return f"rename_{self.old_name.lower()}_{self.new_name.lower()}"

    def references_model(self, name: str, app_label: str) -> bool:
        return name.lower() in (self.old_name.lower(), self.new_name.lower())

    def referenced_models(self, app_label: str) -> frozenset[str] | None:
        return frozenset((self.old_name.lower(), self.new_name.lower()))

    def provides(self, app_label: str) -> set[Dependency]:
        return {Dependency(app_label, self.new_name.lower(), None, CREATE)}

    def removes_target_of(self, operation: Operation, app_label: str) -> bool:
        return operation.references_model(self.old_name, app_label)

    def reduce(self, operation: Operation, app_label: str) -> list[Operation] | bool:
        elided = super().reduce(operation, app_label)
        if elided is not False:
            return elided
        if (
            isinstance(operation, RenameModel)
            and operation.old_name.lower() == self.new_name.lower()
        ):
            return [RenameModel(self.old_name, operation.new_name)]
        return self.lets_pass(operation, app_label, (self.old_name, self.new_name))


class ModelOptionOperation(ModelOperation):
    """Changes Meta options of a model: the last change of a kind wins, DeleteModel absorbs it."""

    alters_one_model = True

    def reduce(self, operation: Operation, app_label: str) -> list[Operation] | bool:
        if (
            not operation.elidable
            and type(operation) in (type(self), DeleteModel)
            and operation.name_lower == self.name_lower  # type: ignore[attr-defined]
        ):
            return [operation]
        return super().reduce(operation, app_label)


class _OptionOperation(ModelOptionOperation):
    """Sets one Meta option of a model in state; subclasses say what the database does."""

    option_name = ""

    def _value(self) -> Any:
        raise NotImplementedError

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        model = state.get_model(app_label, self.name).clone()
        value = self._value()
        if value:
            model.options[self.option_name] = value
        else:
            model.options.pop(self.option_name, None)
        state.add_model(model)


class AlterModelTable(_OptionOperation):
    """Change ``Meta.db_table``: the table is renamed."""

    category = "~"
    option_name = "db_table"

    def __init__(self, name: str, table: str | None):
        super().__init__(name)
        self.table = table

    def _value(self) -> Any:
        return self.table

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return "AlterModelTable", [], {"name": self.name, "table": self.table}

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        old_model = from_state.get_model(app_label, self.name)
        new_model = to_state.get_model(app_label, self.name)
        if old_model.db_table != new_model.db_table:
            schema_editor.alter_db_table(
                to_state, new_model, old_model.db_table, new_model.db_table
            )
            schema_editor.sync_auto_through_tables(from_state, to_state)

    database_backwards = database_forwards

    def describe(self) -> str:
        return f"Rename table for {self.name} to {self.table if self.table else '(default)'}"

    @property
    def migration_name_fragment(self) -> str:
        return f"alter_{self.name_lower}_table"


class AlterModelTableComment(_OptionOperation):
    """Change ``Meta.db_table_comment``: the table's comment on PostgreSQL and MySQL (SQLite
    keeps none)."""

    category = "~"
    option_name = "db_table_comment"

    def __init__(self, name: str, table_comment: str | None):
        super().__init__(name)
        self.table_comment = table_comment

    def _value(self) -> Any:
        return self.table_comment

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        kwargs = {"name": self.name, "table_comment": self.table_comment}
        return "AlterModelTableComment", [], kwargs

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        schema_editor.alter_db_table_comment(to_state, to_state.get_model(app_label, self.name))

    database_backwards = database_forwards

    def describe(self) -> str:
        return f"Alter {self.name} table comment"

    @property
    def migration_name_fragment(self) -> str:
        return f"alter_{self.name_lower}_table_comment"


class AlterModelOptions(ModelOptionOperation):
    """Change Meta options that need no SQL (ordering, verbose names, ...)."""

    category = "~"

    def __init__(self, name: str, options: dict[str, Any]):
        super().__init__(name)
        self.options = dict(options)

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return "AlterModelOptions", [], {"name": self.name, "options": self.options}

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        model = state.get_model(app_label, self.name).clone()
        for key in NON_SCHEMA_OPTIONS:
            if key in self.options:
                model.options[key] = self.options[key]
            else:
                model.options.pop(key, None)
        state.add_model(model)

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        pass

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        pass

    def describe(self) -> str:
        return f"Change Meta options on {self.name}"

    @property
    def migration_name_fragment(self) -> str:
        return f"alter_{self.name_lower}_options"


class AlterModelManagers(ModelOptionOperation):
    """Change the managers written into migrations (``use_in_migrations``); no SQL."""

    category = "~"

    def __init__(self, name: str, managers: list[tuple[str, Any]]):
        super().__init__(name)
        self.managers = list(managers)

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return "AlterModelManagers", [], {"name": self.name, "managers": self.managers}

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        model = state.get_model(app_label, self.name).clone()
        model.managers = list(self.managers)
        state.add_model(model)

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        pass

    database_backwards = database_forwards

    def describe(self) -> str:
        return f"Change managers on {self.name}"

    @property
    def migration_name_fragment(self) -> str:
        return f"alter_{self.name_lower}_managers"


class AlterOrderWithRespectTo(ModelOptionOperation):
    """Set or clear ``Meta.order_with_respect_to``: the ``_order`` column is added (0 in the
    rows there are) or dropped."""

    category = "~"
    loses_data_when = frozenset({"forwards", "backwards"})

    def __init__(self, name: str, order_with_respect_to: str | None):
        super().__init__(name)
        self.order_with_respect_to = order_with_respect_to

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        kwargs = {"name": self.name, "order_with_respect_to": self.order_with_respect_to}
        return "AlterOrderWithRespectTo", [], kwargs

    @property
    def is_destructive(self) -> bool:  # type: ignore[override]
        return not self.order_with_respect_to

    def losses(
        self, app_label: str, before: ProjectState, after: ProjectState, backwards: bool = False
    ) -> list[Loss]:
        """The ``_order`` column, when ordering by it stops."""
        old_state = after if backwards else before
        model = old_state.get_model(app_label, self.name)
        if "_order" not in model.fields or not (
            self.order_with_respect_to if backwards else not self.order_with_respect_to
        ):
            return []
        return column_loss(model, model.fields["_order"])

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        model = state.get_model(app_label, self.name).clone()
        if self.order_with_respect_to:
            model.options["order_with_respect_to"] = self.order_with_respect_to
            if ORDER_FIELD not in model.fields:
                model.fields[ORDER_FIELD] = order_field()
        else:
            model.options.pop("order_with_respect_to", None)
            model.fields.pop(ORDER_FIELD, None)
        state.add_model(model)

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        old_model = from_state.get_model(app_label, self.name)
        new_model = to_state.get_model(app_label, self.name)
        if ORDER_FIELD in new_model.fields and ORDER_FIELD not in old_model.fields:
            added = IntegerField(default=0, editable=False)
            added.set_attributes_from_name(ORDER_FIELD)
            schema_editor.add_field(to_state, new_model, added)
        elif ORDER_FIELD in old_model.fields and ORDER_FIELD not in new_model.fields:
            schema_editor.remove_field(from_state, old_model, old_model.fields[ORDER_FIELD])

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        self.database_forwards(app_label, schema_editor, from_state, to_state)

    def references_field(self, model_name: str, name: str, app_label: str) -> bool:
        return self.references_model(model_name, app_label) and (
            self.order_with_respect_to is None or name in (self.order_with_respect_to, ORDER_FIELD)
        )

    def describe(self) -> str:
        return f"Set order_with_respect_to on {self.name} to {self.order_with_respect_to}"

    @property
    def migration_name_fragment(self) -> str:
        return f"alter_{self.name_lower}_order_with_respect_to"


class AlterUniqueTogether(_OptionOperation):
    """Replace the model's ``unique_together`` groups."""

    category = "~"
    option_name = "unique_together"

    def __init__(self, name: str, unique_together: Any):
        super().__init__(name)
        self.unique_together = set(normalize_together(unique_together))

    def _value(self) -> Any:
        return tuple(sorted(self.unique_together))

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return (
            "AlterUniqueTogether",
            [],
            {"name": self.name, "unique_together": self.unique_together},
        )

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        schema_editor.alter_unique_together(
            from_state,
            to_state,
            from_state.get_model(app_label, self.name),
            to_state.get_model(app_label, self.name),
        )

    database_backwards = database_forwards

    def describe(self) -> str:
        return f"Alter unique_together for {self.name} ({len(self.unique_together)} constraint(s))"

    @property
    def migration_name_fragment(self) -> str:
        return f"alter_{self.name_lower}_unique_together"

    def references_field(self, model_name: str, name: str, app_label: str) -> bool:
        return self.references_model(model_name, app_label) and (
            not self.unique_together or any(name in group for group in self.unique_together)
        )


class OneModelBarrier(Operation):
    """An operation on the one model ``model_name`` names, which nothing moves across."""

    model_name: str

    @property
    def model_name_lower(self) -> str:
        return self.model_name.lower()

    @property
    def is_barrier(self) -> bool:
        return True

    def references_model(self, name: str, app_label: str) -> bool:
        return name.lower() == self.model_name_lower

    def referenced_models(self, app_label: str) -> frozenset[str] | None:
        return frozenset((self.model_name_lower,))


class IndexOperation(OneModelBarrier):
    """Adds or removes an index. Nothing moves across it (as in Django)."""

    alters_one_model = True


class AddIndex(IndexOperation):
    """Create a named index."""

    category = "+"

    def __init__(self, model_name: str, index: Index):
        if not index.name:
            raise ValueError(
                "Indexes passed to AddIndex operations require a name argument. "
                f"{index!r} doesn't have one."
            )
        self.model_name = model_name
        self.index = index

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return "AddIndex", [], {"model_name": self.model_name, "index": self.index}

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        model = state.get_model(app_label, self.model_name).clone()
        model.options["indexes"] = [*model.options.get("indexes", []), self.index.clone()]
        state.add_model(model)

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        schema_editor.add_index(
            to_state, to_state.get_model(app_label, self.model_name), self.index
        )

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        schema_editor.remove_index(
            from_state, from_state.get_model(app_label, self.model_name), self.index
        )

    def describe(self) -> str:
        fields = ", ".join(self.index.fields)
        return f"Create index {self.index.name} on field(s) {fields} of model {self.model_name}"

    @property
    def migration_name_fragment(self) -> str:
        return f"{self.model_name.lower()}_{self.index.name.lower()}"

    def reduce(self, operation: Operation, app_label: str) -> list[Operation] | bool:
        """Only the removal of the same index cancels it out (as in Django)."""
        if (
            not operation.elidable
            and isinstance(operation, RemoveIndex)
            and operation.model_name_lower == self.model_name_lower
            and operation.name == self.index.name
        ):
            return []
        return super().reduce(operation, app_label)


class RemoveIndex(IndexOperation):
    """Drop a named index."""

    category = "-"

    def __init__(self, model_name: str, name: str):
        self.model_name = model_name
        self.name = name

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return "RemoveIndex", [], {"model_name": self.model_name, "name": self.name}

    def _find(self, state: ProjectState, app_label: str) -> Index:
        model = state.get_model(app_label, self.model_name)
        for index in model.indexes:
            if index.name == self.name:
                return index
        raise LookupError(f"No index named {self.name} on {app_label}.{self.model_name}.")

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        model = state.get_model(app_label, self.model_name).clone()
        kept = [i for i in model.indexes if i.name != self.name]
        if kept:
            model.options["indexes"] = kept
        else:
            model.options.pop("indexes", None)
        state.add_model(model)

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        model = from_state.get_model(app_label, self.model_name)
        schema_editor.remove_index(from_state, model, self._find(from_state, app_label))

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        model = to_state.get_model(app_label, self.model_name)
        schema_editor.add_index(to_state, model, self._find(to_state, app_label))

    def describe(self) -> str:
        return f"Remove index {self.name} from {self.model_name}"

    @property
    def migration_name_fragment(self) -> str:
        return f"remove_{self.model_name.lower()}_{self.name.lower()}"


class _CreatedModelState(ProjectState):
    """A state holding only the model a CreateModel creates, for folding into it.

    Relations may point at models it does not hold: where they are is not the fold's concern.
    """

    def __init__(self, model: ModelState) -> None:
        super().__init__({model.key: model})

    def has_model(self, app_label: str, model_name: str) -> bool:
        return True


def _in_created_order(
    fields: list[tuple[str, Field]], model: ModelState
) -> list[tuple[str, Field]]:
    """The model's fields in the CreateModel's order, new ones last.

    A renamed field keeps its place (the state moves it last; a CreateModel need not).
    """
    before = [name for name, _ in fields]
    existed = set(before)
    gone = [name for name in before if name not in model.fields]
    arrived = [name for name in model.fields if name not in existed]
    renamed = dict(zip(gone, arrived, strict=True)) if len(gone) == len(arrived) == 1 else {}
    kept = [renamed.get(name, name) for name in before]
    ordered = [name for name in kept if name in model.fields]
    placed = set(ordered)
    ordered += [name for name in model.fields if name not in placed]
    return [(name, model.fields[name]) for name in ordered]


def _through_key(field: Field) -> tuple[str, str] | None:
    """(app_label, model) of a ManyToManyField's ``through`` model, if it names one."""
    return getattr(field, "through_model_key", None)
