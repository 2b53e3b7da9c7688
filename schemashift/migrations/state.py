"""ProjectState and ModelState: the schema as plain data.

Migrations replay their operations onto a ProjectState; the autodetector compares two of them;
the schema editors build DDL from ModelStates directly. None of this imports user code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from schemashift.migrations.comparable import comparable, field_signature
from schemashift.models.fields import Field
from schemashift.models.indexes import Index
from schemashift.models.options import META_OPTIONS, normalize_together, swapped_for

# Meta options that live in ModelState.options when the user set them: all but those that
# only say where the class lives.
STATE_OPTIONS = tuple(o for o in META_OPTIONS if o not in ("abstract", "app_label", "apps"))


@dataclass
class ModelState:
    """One model: its app, name, ordered fields (name -> unbound Field) and Meta options."""

    app_label: str
    name: str
    fields: dict[str, Field]
    options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if isinstance(self.fields, (list, tuple)):
            self.fields = dict(self.fields)
        for field_name, model_field in self.fields.items():
            if model_field.name != field_name or model_field.column is None:
                model_field.set_attributes_from_name(field_name)
        if "unique_together" in self.options:
            self.options["unique_together"] = normalize_together(self.options["unique_together"])
        for index in self.options.get("indexes", []):
            if not index.name:
                raise ValueError(f"Indexes on {self.label} in migrations must have a name.")

    @property
    def name_lower(self) -> str:
        return self.name.lower()

    @property
    def key(self) -> tuple[str, str]:
        return (self.app_label, self.name_lower)

    @property
    def label(self) -> str:
        return f"{self.app_label}.{self.name}"

    @property
    def swapped(self) -> str | None:
        """The model used instead of this one (its ``swappable`` setting names another)."""
        return swapped_for(self.options.get("swappable"), f"{self.app_label}.{self.name_lower}")

    @property
    def db_table(self) -> str:
        return self.options.get("db_table") or f"{self.app_label}_{self.name_lower}"

    @property
    def pk(self) -> Field:
        for model_field in self.fields.values():
            if model_field.primary_key:
                return model_field
        raise LookupError(f"Model {self.label} has no primary key.")

    @property
    def indexes(self) -> list[Index]:
        return self.options.get("indexes", [])

    @property
    def unique_together(self) -> tuple[tuple[str, ...], ...]:
        return self.options.get("unique_together", ())

    def get_field(self, name: str) -> Field:
        """The field called ``name``, or whose attname is ``name`` (``question_id``)."""
        field = self.fields.get(name)
        if field is not None:
            return field
        for candidate in self.fields.values():
            if candidate.attname == name:
                return candidate
        raise LookupError(f"Model {self.label} has no field named '{name}'.")

    def clone(self) -> ModelState:
        """A copy whose fields dict and options can change without touching this one."""
        options = dict(self.options)
        if "indexes" in options:
            options["indexes"] = list(options["indexes"])
        return ModelState(self.app_label, self.name, dict(self.fields), options)

    @classmethod
    def from_model(cls, model: type) -> ModelState:
        """The state of a model class as the user wrote it."""
        meta = model._meta
        fields = {}
        for model_field in meta.local_fields:
            copied = model_field.clone()
            copied.set_attributes_from_name(model_field.name)
            fields[model_field.name] = copied
        options: dict[str, Any] = {}
        for key in STATE_OPTIONS:
            if key == "indexes":
                if meta.indexes:
                    options["indexes"] = [index.clone() for index in meta.indexes]
            elif key == "unique_together":
                if meta.unique_together:
                    options["unique_together"] = meta.unique_together
            elif key in meta.explicit:
                options[key] = meta.explicit[key]
        return cls(meta.app_label, meta.object_name, fields, options)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ModelState):
            return NotImplemented
        return (
            self.app_label == other.app_label
            and self.name == other.name
            and list(self.fields) == list(other.fields)
            and all(
                field_signature(f) == field_signature(other.fields[n])
                for n, f in self.fields.items()
            )
            and comparable(self.options) == comparable(other.options)
        )

    __hash__ = None  # type: ignore[assignment]


class ProjectState:
    """Every model of every app, keyed by ``(app_label, model_name_lower)``."""

    def __init__(self, models: dict[tuple[str, str], ModelState] | None = None) -> None:
        self.models: dict[tuple[str, str], ModelState] = models or {}
        self._apps: StateApps | None = None

    def add_model(self, model: ModelState) -> None:
        self.models[model.key] = model

    def remove_model(self, app_label: str, model_name: str) -> ModelState:
        return self.models.pop((app_label, model_name.lower()))

    def get_model(self, app_label: str, model_name: str) -> ModelState:
        try:
            return self.models[(app_label, model_name.lower())]
        except KeyError:
            raise LookupError(
                f"No model '{app_label}.{model_name}' in the migration state."
            ) from None

    def has_model(self, app_label: str, model_name: str) -> bool:
        return (app_label, model_name.lower()) in self.models

    def related_model(self, relation: Field) -> ModelState:
        """The ModelState a ForeignKey/OneToOneField points at."""
        app_label, model_name = relation.related_model_key
        return self.get_model(app_label, model_name)

    def incoming_relations(self, app_label: str, model_name: str) -> list[tuple[ModelState, Field]]:
        """Every (model, field) whose relation targets the given model, sorted."""
        target = (app_label, model_name.lower())
        found = []
        for key in sorted(self.models):
            model = self.models[key]
            for model_field in model.fields.values():
                if model_field.is_relation and model_field.related_model_key == target:
                    found.append((model, model_field))
        return found

    def app_models(self, app_label: str) -> list[ModelState]:
        return [self.models[key] for key in sorted(self.models) if key[0] == app_label]

    def clone(self) -> ProjectState:
        """A copy that can be mutated independently (model states are cloned on write)."""
        return ProjectState({key: model.clone() for key, model in self.models.items()})

    @classmethod
    def from_apps(cls, registry: Any) -> ProjectState:
        """The state of the models as the installed apps define them now.

        Unmanaged models are included (with ``managed: False``): the schema editors skip them,
        and turning ``managed`` off must read as an option change, not as a deleted model.
        """
        state = cls()
        for model in registry.get_models():
            state.add_model(ModelState.from_model(model))
        return state

    @property
    def apps(self) -> StateApps:
        """Model classes rendered from this state, for RunPython code (built on first use)."""
        if self._apps is None:
            self._apps = StateApps(self)
        return self._apps

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ProjectState) and self.models == other.models

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<ProjectState: {len(self.models)} models>"


class StateApps:
    """The models of one ProjectState as classes: "historical models" for data migrations.

    ``get_model("polls", "Question")`` gives a class with the fields the model had at that
    point of the history and none of its custom methods, so a data migration keeps working
    after the model changes. Classes are rendered on first request, once each.
    """

    def __init__(self, state: ProjectState) -> None:
        self.state = state
        self._classes: dict[tuple[str, str], type] = {}

    def get_model(self, app_label: str, model_name: str | None = None) -> type:
        """The class of ``app_label.model_name`` (also accepts ``"polls.Question"``)."""
        if model_name is None:
            app_label, _, model_name = app_label.partition(".")
        key = (app_label, model_name.lower())
        if key not in self._classes:
            try:
                model = self.state.models[key]
            except KeyError:
                raise LookupError(
                    f"No model '{app_label}.{model_name}' at this point of the migrations."
                ) from None
            render_model(model, self)
        return self._classes[key]

    def get_models(self) -> list[type]:
        return [self.get_model(*key) for key in sorted(self.state.models)]

    def register_model(self, app_label: str, model: type) -> None:
        self._classes[(app_label, model.__name__.lower())] = model


def render_model(model: ModelState, registry: StateApps) -> type:
    """A model class built from a ModelState, registered in ``registry`` only."""
    from schemashift.models.base import Model

    meta_attrs: dict[str, Any] = {"app_label": model.app_label, "apps": registry}
    meta_attrs.update((key, value) for key, value in model.options.items() if key != "indexes")
    attrs: dict[str, Any] = {"__module__": "__fake__", "Meta": type("Meta", (), meta_attrs)}
    for name, state_field in model.fields.items():
        attrs[name] = state_field.clone()
    return type(model.name, (Model,), attrs)
