"""ProjectState and ModelState: the schema as plain data.

Migrations replay their operations onto a ProjectState; the autodetector compares two of them;
the schema editors build DDL from ModelStates directly. None of this imports user code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from schemashift.migrations.comparable import comparable, field_signature
from schemashift.models.constraints import BaseConstraint
from schemashift.models.fields import Field, IntegerField, resolve_relation
from schemashift.models.indexes import Index
from schemashift.models.options import META_OPTIONS, normalize_together, swapped_for

# Meta options that live in ModelState.options when the user set them: all but those that
# only say where the class lives. In Django's order, which is the order migrations list them.
_DJANGO_ORDER = (
    "verbose_name",
    "verbose_name_plural",
    "db_table",
    "db_table_comment",
    "ordering",
    "unique_together",
    "permissions",
    "get_latest_by",
    "order_with_respect_to",
    "managed",
    "proxy",
    "default_permissions",
    "select_on_save",
    "default_related_name",
    "base_manager_name",
    "default_manager_name",
    "indexes",
    "constraints",
)
STATE_OPTIONS = tuple(
    sorted(
        (o for o in META_OPTIONS if o not in ("abstract", "app_label", "apps")),
        key=lambda o: _DJANGO_ORDER.index(o) if o in _DJANGO_ORDER else len(_DJANGO_ORDER),
    )
)


@dataclass
class ModelState:
    """One model: its app, name, ordered fields (name -> unbound Field) and Meta options.

    ``bases`` names the concrete and proxy parents (``"app.place"``) of a child of
    multi-table inheritance or a proxy; ``managers`` holds the managers written into
    migrations (``use_in_migrations = True``, or a renamed default manager), as in Django.
    ``shadows`` holds the columns a staged change keeps in the table beside the fields until
    its contract migration (``operations/staged.py``): name -> Field with its column; the
    model classes never see them.
    """

    app_label: str
    name: str
    fields: dict[str, Field]
    options: dict[str, Any] = field(default_factory=dict)
    bases: tuple[str, ...] = ()
    managers: list[tuple[str, Any]] = field(default_factory=list)
    shadows: dict[str, Field] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if isinstance(self.fields, (list, tuple)):
            self.fields = dict(self.fields)
        self.bases = model_bases(self.bases)
        self.managers = list(self.managers or [])
        for empty in ("indexes", "constraints"):  # Django writes them empty for proxies
            if empty in self.options and not self.options[empty]:
                self.options = {k: v for k, v in self.options.items() if k != empty}
        if self.options.get("order_with_respect_to") and ORDER_FIELD not in self.fields:
            self.fields = {**self.fields, ORDER_FIELD: order_field()}
        for field_name, model_field in self.fields.items():
            if model_field.name != field_name or model_field.column is None:
                model_field.set_attributes_from_name(field_name)
        self._resolve_many_to_many_targets()
        if "unique_together" in self.options:
            self.options["unique_together"] = normalize_together(self.options["unique_together"])
        for index in self.options.get("indexes", []):
            if not index.name:
                raise ValueError(f"Indexes on {self.label} in migrations must have a name.")
        if "constraints" in self.options:
            self.options["constraints"] = list(self.options["constraints"])

    def _resolve_many_to_many_targets(self) -> None:
        """A ManyToManyField to ``"self"`` or ``"Model"`` (as migration files may write it)
        points at ``"app.model"``, as in Django's rendered state."""
        for field_name, model_field in list(self.fields.items()):
            if not model_field.many_to_many:
                continue
            resolved = resolve_relation(model_field.to, self.app_label, self.name)
            through = model_field.through
            if through is not None and "." not in through:
                through = f"{self.app_label}.{through}"
            if resolved == model_field.to and through == model_field.through:
                continue
            copied = model_field.clone()
            copied.to = resolved
            copied.through = through
            if through is not None:
                copied._given["through"] = through
            copied.set_attributes_from_name(field_name)
            self.fields[field_name] = copied

    @property
    def name_lower(self) -> str:
        return self.name.lower()

    @property
    def is_proxy(self) -> bool:
        return bool(self.options.get("proxy"))

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
    def constraints(self) -> list[BaseConstraint]:
        return self.options.get("constraints", [])

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
        for listed in ("indexes", "constraints"):
            if listed in options:
                options[listed] = list(options[listed])
        return ModelState(
            self.app_label,
            self.name,
            dict(self.fields),
            options,
            self.bases,
            list(self.managers),
            dict(self.shadows),
        )

    @classmethod
    def from_model(cls, model: type) -> ModelState:
        """The state of a model class as the user wrote it."""
        meta = model._meta
        fields = {}
        for model_field in [*meta.local_fields, *meta.local_many_to_many]:
            if model_field.name == ORDER_FIELD and meta.order_with_respect_to:
                continue  # implied by the option, as in Django
            copied = model_field.clone()
            copied.set_attributes_from_name(model_field.name)
            fields[model_field.name] = copied
        options: dict[str, Any] = {}
        for key in STATE_OPTIONS:
            if key in ("indexes", "constraints"):
                if getattr(meta, key):
                    options[key] = [item.clone() for item in getattr(meta, key)]
            elif key == "unique_together":
                if meta.unique_together:
                    options["unique_together"] = meta.unique_together
            elif key in meta.explicit:
                options[key] = meta.explicit[key]
        bases = tuple(_state_bases(model))
        return cls(meta.app_label, meta.object_name, fields, options, bases, _state_managers(model))

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
            and self.bases == other.bases
            and comparable(self.managers) == comparable(other.managers)
            and list(self.shadows) == list(other.shadows)
            and all(
                field_signature(f) == field_signature(other.shadows[n])
                and f.column == other.shadows[n].column
                for n, f in self.shadows.items()
            )
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
        """The ModelState whose table a ForeignKey/OneToOneField points at (for a proxy, its
        concrete model's)."""
        app_label, model_name = relation.related_model_key
        target = self.get_model(app_label, model_name)
        while target.is_proxy and target.bases:
            target = self.get_model(*target.bases[0].split(".", 1))
        return target

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

    def get_app_configs(self) -> list[StateAppConfig]:
        """The apps that have models at this point, by label."""
        return [StateAppConfig(label, self) for label in sorted({k[0] for k in self.state.models})]

    def get_app_config(self, app_label: str) -> StateAppConfig:
        """The app ``app_label`` at this point: its models (LookupError when it has none)."""
        if not any(label == app_label for label, _ in self.state.models):
            raise LookupError(f"No app '{app_label}' at this point of the migrations.")
        return StateAppConfig(app_label, self)

    def register_model(self, app_label: str, model: type) -> None:
        self._classes[(app_label, model.__name__.lower())] = model


class StateAppConfig:
    """One app of a StateApps: its label and historical models."""

    #: None, as Django's stub: a data migration calling create_permissions() sets it
    models_module: Any = None

    def __init__(self, label: str, apps: StateApps) -> None:
        self.label = label
        self.name = label
        self.apps = apps

    def get_models(self) -> list[type]:
        """The app's models (not automatic many-to-many tables), in name order."""
        keys = sorted(key for key in self.apps.state.models if key[0] == self.label)
        return [self.apps.get_model(*key) for key in keys]

    def __repr__(self) -> str:
        return f"<StateAppConfig: {self.label}>"


def render_model(model: ModelState, registry: StateApps) -> type:
    """A model class built from a ModelState, registered in ``registry`` only."""
    from schemashift.models.base import Model

    meta_attrs: dict[str, Any] = {"app_label": model.app_label, "apps": registry}
    meta_attrs.update(
        (key, value)
        for key, value in model.options.items()
        if key not in ("indexes", "index_together")  # index_together: pruned, as Django does
    )
    attrs: dict[str, Any] = {"__module__": "__fake__", "Meta": type("Meta", (), meta_attrs)}
    for name, state_field in model.fields.items():
        attrs[name] = state_field.clone()
    for name, manager in model.managers:
        attrs[name] = rebuild_manager(manager)
    bases = tuple(registry.get_model(base) for base in model.bases) or (Model,)
    return type(model.name, bases, attrs)


#: the column ``Meta.order_with_respect_to`` adds
ORDER_FIELD = "_order"


def order_field() -> Field:
    """The ``_order`` field of a model ordered with respect to a relation."""
    ordering = IntegerField(editable=False)
    ordering.set_attributes_from_name(ORDER_FIELD)
    return ordering


def model_bases(bases: Any) -> tuple[str, ...]:
    """The parents a state records: model labels, lower case. ``models.Model`` and mixin
    classes (which Django's files may name) carry no schema and are left out."""
    found = []
    for base in bases or ():
        if isinstance(base, str):
            found.append(base.lower())
        elif getattr(base, "_meta", None) is not None and not base._meta.abstract:
            found.append(base._meta.label_lower)
    return tuple(found)


def _state_bases(model: type) -> list[str]:
    """The concrete and proxy parents of a model class, abstract parents looked through."""
    found: list[str] = []
    for base in model.__bases__:
        meta = getattr(base, "_meta", None)
        if meta is None:
            continue
        if meta.abstract:
            found.extend(b for b in _state_bases(base) if b not in found)
        elif meta.label_lower not in found:
            found.append(meta.label_lower)
    return found


def _state_managers(model: type) -> list[tuple[str, Any]]:
    """The managers Django writes into migrations: those with ``use_in_migrations``, and a
    plain ``Manager`` standing in for a default manager not called ``objects``."""
    from schemashift.models.manager import Manager

    meta = model._meta
    found: list[tuple[str, Any]] = []
    shim = None
    for name, manager in meta.managers:
        if manager.use_in_migrations:
            found.append((name, rebuild_manager(manager)))
        elif manager is meta.default_manager:
            shim = Manager()
            found.append((name, shim))
    if len(found) == 1 and found[0] == ("objects", shim):
        return []
    return found


def rebuild_manager(manager: Any) -> Any:
    """A fresh, unbound manager built from ``manager.deconstruct()``."""
    _path, args, kwargs = manager.deconstruct()
    return type(manager)(*args, **kwargs)
