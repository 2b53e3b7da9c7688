"""ManyToManyField: a relation kept in a table of its own, with no column on the model's table.

Without ``through=`` the relation has an automatic table, named and shaped as Django names and
shapes it: ``<model table>_<field>`` with an ``id``, ``<model>_id`` and ``<target>_id``
(``from_<model>_id`` / ``to_<model>_id`` when the model points at itself) and a unique
constraint on the pair. ``auto_through_fields`` gives its fields, for the schema editors and
for the through model the query runtime uses.
"""

from __future__ import annotations

from typing import Any

from schemashift import conf
from schemashift.check_messages import CheckMessage, Error
from schemashift.exceptions import ModelDefinitionError
from schemashift.models import deletion
from schemashift.models.base import Model, ModelBase, default_auto_field
from schemashift.models.fields import (
    BASE_OPTIONS,
    Field,
    ForeignKey,
    _model_label,
    resolve_relation,
)
from schemashift.models.related import (
    ReverseRelation,
    get_registered_model,
    registered_models,
    registry_of,
    related_model,
)

#: the target that means "the model declaring the field"
RECURSIVE_RELATIONSHIP = "self"


class ManyToManyField(Field):
    """Many rows of the model relate to many rows of ``to``.

    ``to`` may be a model class, ``"Model"`` (same app), ``"app.Model"`` or ``"self"``; bound
    to a model it becomes the lower-case label ``"app.model"``. ``through`` names a model of
    its own holding the pairs; otherwise the table is made and kept by migrations.
    """

    is_relation = True
    many_to_many = True
    empty_strings_allowed = False
    options = {
        **BASE_OPTIONS,
        "related_name": None,
        "related_query_name": None,
        "through": None,
        "through_fields": None,
        "symmetrical": None,
        "db_table": None,
        "db_constraint": True,
        "limit_choices_to": None,
        "swappable": True,
    }

    def __init__(
        self,
        to: Any = None,
        verbose_name: str | None = None,
        name: str | None = None,
        **kwargs: Any,
    ):
        if kwargs.get("through") is not None and kwargs.get("db_table") is not None:
            raise ModelDefinitionError(
                "Cannot specify a db_table if an intermediary model is used: the through "
                "model's Meta.db_table names its table."
            )
        super().__init__(verbose_name, name, **kwargs)
        self.remote_model = to if isinstance(to, type) else None
        self.to = _model_label(to) if to is not None else None
        if self.symmetrical is None:
            # as Django: only the literal "self" makes the relation symmetrical by default
            self.symmetrical = to == RECURSIVE_RELATIONSHIP
        self._given.pop("symmetrical", None)
        self._explicit_symmetrical = kwargs.get("symmetrical")
        if self.through is not None and not isinstance(self.through, str):
            self.through = self.through._meta.label
        self.to_field = None

    def contribute_to_class(self, cls: type, name: str) -> None:
        super().contribute_to_class(cls, name)
        self.column = None
        self.attname = name
        if cls._meta.abstract:
            return
        self.to = resolve_relation(self.to, cls._meta.app_label, cls._meta.object_name)
        names = {
            "class": cls.__name__.lower(),
            "model_name": cls._meta.model_name,
            "app_label": cls._meta.app_label.lower(),
        }
        # as Django: "%(class)s_items" names each child of an abstract model apart; migrations
        # keep the name as written (deconstruct reads the options given)
        for option in ("related_name", "related_query_name"):
            value = getattr(self, option)
            if value:
                setattr(self, option, value % names)
        if self.through is not None and "." not in self.through:
            self.through = f"{cls._meta.app_label}.{self.through}"
        setattr(cls, name, ManyToManyDescriptor(self))

    def set_attributes_from_name(self, name: str) -> None:
        super().set_attributes_from_name(name)
        self.column = None

    def get_attname(self) -> str:
        return self.name

    @property
    def related_model_key(self) -> tuple[str, str]:
        """(app_label, model_name_lower) of the target, once the label is resolved."""
        app_label, _, model = (self.to or "").partition(".")
        return app_label, model.lower()

    @property
    def through_model_key(self) -> tuple[str, str] | None:
        """(app_label, model_name_lower) of an explicit through model, else None."""
        if self.through is None:
            return None
        app_label, _, model = self.through.rpartition(".")
        return app_label, model.lower()

    @property
    def has_auto_through(self) -> bool:
        return self.through is None

    @property
    def is_self_referential(self) -> bool:
        """Whether the relation points at the model that declares it."""
        if self.model is None:
            return self.to == RECURSIVE_RELATIONSHIP
        return self.related_model_key == (self.model._meta.app_label, self.model._meta.model_name)

    def deconstruct(self) -> tuple[str | None, str, list[Any], dict[str, Any]]:
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("swappable", None)  # as Django, which never writes it, nor symmetrical
        to: Any = self.to
        setting = conf.swappable_setting_for(to) if self.swappable else None
        if setting is not None:
            # written as settings.AUTH_USER_MODEL, so the migration follows the setting
            to = conf.SettingsReference(to, setting)
        return name, path, args, {**kwargs, "to": to}

    def clone(self) -> Field:
        name, _path, args, kwargs = self.deconstruct()
        if self._explicit_symmetrical is not None:
            kwargs["symmetrical"] = self._explicit_symmetrical
        elif self.symmetrical and self.is_self_referential:
            kwargs["symmetrical"] = True
        return type(self)(*args, **kwargs)

    def check(self) -> list[CheckMessage]:
        errors = super().check()
        if self.to is None:
            errors.append(
                Error(
                    "ManyToManyField requires a target model as its first argument.",
                    self,
                    "fields.E300",
                )
            )
        return errors


def through_pk_class() -> type[Field]:
    """The primary key of an automatic through table in migrations: DEFAULT_AUTO_FIELD, as
    Django's historical models have it (an app's own default_auto_field does not apply)."""
    return default_auto_field("")


def m2m_table_name(model_table: str, field: ManyToManyField) -> str:
    """Django's ``_get_m2m_db_table``: ``db_table`` or ``<model table>_<field name>``, before
    a backend shortens it to fit (as every table name)."""
    return field.db_table or f"{model_table}_{field.name}"


def auto_through_names(model_name: str, target_model_name: str, is_self: bool) -> tuple[str, str]:
    """The names of the two foreign keys of an automatic through table."""
    if is_self:
        return f"from_{model_name}", f"to_{model_name}"
    return model_name, target_model_name


def auto_through_fields(
    model_label: str, field: ManyToManyField, pk_class: type[Field]
) -> list[Field]:
    """``id`` and the two foreign keys of the automatic through table of ``field`` (declared
    on ``model_label``, lower case ``"app.model"``), bound to their names."""
    model_name = model_label.partition(".")[2]
    target = f"{field.related_model_key[0]}.{field.related_model_key[1]}"
    from_name, to_name = auto_through_names(
        model_name, field.related_model_key[1], target == model_label
    )
    hidden = f"{model_name}_{field.name}+"
    pk = pk_class(verbose_name="ID", primary_key=True, auto_created=True)
    pk.set_attributes_from_name("id")
    found: list[Field] = [pk]
    for name, to in ((from_name, model_label), (to_name, target)):
        link = ForeignKey(
            to,
            on_delete=deletion.CASCADE,
            related_name=hidden,
            db_constraint=field.db_constraint,
        )
        link.set_attributes_from_name(name)
        found.append(link)
    return found


# -- the through model the query runtime reads and writes -----------------------------------


class _UnlistedRegistry:
    """The registry of a model as seen by its automatic through model: models resolve as
    there, but the through model is not listed (migrations must not see it as a model)."""

    def __init__(self, registry: Any) -> None:
        self._registry = registry

    def register_model(self, app_label: str, model: type) -> None:
        pass

    def __getattr__(self, name: str) -> Any:
        return getattr(self._registry, name)


def through_model(field: ManyToManyField) -> type:
    """The model class whose rows are the pairs: the ``through`` model, or Django's
    automatic ``<Model>_<field>`` model (built on first use, never registered)."""
    cached = field.__dict__.get("_through_model")
    if cached is not None:
        return cached
    registry = registry_of(field.model)
    if field.through is not None:
        app_label, _, name = field.through.rpartition(".")
        found = get_registered_model(registry, app_label, name)
    else:
        found = _auto_through_model(field, registry)
    field._through_model = found
    return found


def _auto_through_model(field: ManyToManyField, registry: Any) -> type:
    opts = field.model._meta
    target = related_model(field)
    from_name, to_name = auto_through_names(
        opts.model_name, target._meta.model_name, target._meta.label_lower == opts.label_lower
    )
    meta = type(
        "Meta",
        (),
        {
            "app_label": opts.app_label,
            "db_table": m2m_table_name(opts.db_table, field),
            "unique_together": ((from_name, to_name),),
            "apps": _UnlistedRegistry(registry),
            "auto_created": field.model,
        },
    )
    hidden = f"{opts.object_name}_{field.name}+"
    attrs: dict[str, Any] = {"__module__": field.model.__module__, "Meta": meta}
    for name, to in ((from_name, opts.label_lower), (to_name, target._meta.label_lower)):
        attrs[name] = ForeignKey(
            to, on_delete=deletion.CASCADE, related_name=hidden, db_constraint=field.db_constraint
        )
    return ModelBase(f"{opts.object_name}_{field.name}", (Model,), attrs)


def link_fields(field: ManyToManyField) -> tuple[Field, Field]:
    """The through model's foreign keys to the declaring model and to the target."""
    through = through_model(field)
    links = [f for f in through._meta.fields if f.is_relation]
    if field.through_fields:
        source_name, target_name = field.through_fields
        return through._meta.get_field(source_name), through._meta.get_field(target_name)
    own = field.model._meta.concrete_model._meta.label_lower
    target = related_model(field)._meta.concrete_model._meta.label_lower
    source = next(f for f in links if ".".join(f.related_model_key) == own)
    rest = [f for f in links if f is not source]
    target_link = next(f for f in rest if ".".join(f.related_model_key) == target)
    return source, target_link


def reverse_many_to_many(model: type) -> list[ReverseRelation]:
    """The ManyToManyFields of registered models that point at ``model`` and have a reverse
    side (``tag.article_set``): not hidden by a ``+`` related_name, not symmetrical."""
    label = model._meta.concrete_model._meta.label_lower
    found = []
    for candidate in registered_models(registry_of(model)):
        for field in candidate._meta.local_many_to_many:
            if ".".join(field.related_model_key) != label:
                continue
            relation = ReverseRelation(candidate, field)
            if not relation.hidden:
                found.append(relation)
    return found


def auto_through_links_to(model: type) -> list[tuple[type, Field]]:
    """(automatic through model, its foreign key) for every pair table with a column pointing
    at ``model``'s rows: deleting a row deletes its pairs, as the through model's CASCADE
    does in Django."""
    label = model._meta.concrete_model._meta.label_lower
    found = []
    for candidate in registered_models(registry_of(model)):
        for field in candidate._meta.local_many_to_many:
            if field.through is not None:
                continue
            for link in link_fields(field):
                if ".".join(link.related_model_key) == label:
                    found.append((through_model(field), link))
    return found


def reverse_many_to_many_by_accessor(model: type, name: str) -> ReverseRelation | None:
    for relation in reverse_many_to_many(model):
        if relation.accessor_name == name:
            return relation
    return None


class ManyToManyDescriptor:
    """``article.tags``: a manager of the related rows (``Article.tags`` is this descriptor)."""

    def __init__(self, field: ManyToManyField) -> None:
        self.field = field

    @property
    def through(self) -> type:
        """The model of the pairs: ``Article.tags.through``."""
        return through_model(self.field)

    def __get__(self, instance: Any, owner: type) -> Any:
        if instance is None:
            return self
        from schemashift.models.m2m_managers import forward_manager

        return forward_manager(instance, self.field)

    def __set__(self, instance: Any, value: Any) -> None:
        raise TypeError(
            "Direct assignment to the forward side of a many-to-many set is prohibited. "
            f"Use {self.field.name}.set() instead."
        )


__all__ = [
    "ManyToManyField",
    "auto_through_fields",
    "link_fields",
    "m2m_table_name",
    "reverse_many_to_many",
    "through_model",
]
