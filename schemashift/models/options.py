"""``Model._meta``: what a model class declares, in one place."""

from __future__ import annotations

from typing import Any

from schemashift import conf
from schemashift.exceptions import FieldDoesNotExist, ModelDefinitionError
from schemashift.models.constraints import BaseConstraint
from schemashift.models.fields import Field
from schemashift.models.indexes import Index

META_OPTIONS = (
    "abstract",
    "app_label",
    "db_table",
    "ordering",
    "verbose_name",
    "verbose_name_plural",
    "unique_together",
    "indexes",
    "constraints",
    "get_latest_by",
    "managed",
    "default_related_name",
    "apps",
    "proxy",
    "permissions",
    "default_permissions",
    "select_on_save",
    "base_manager_name",
    "default_manager_name",
    "order_with_respect_to",
    "db_table_comment",
    "swappable",
    "auto_created",
)


def normalize_together(value: Any) -> tuple[tuple[str, ...], ...]:
    """``("a", "b")`` and ``[("a", "b")]`` both mean one group: ``(("a", "b"),)``."""
    if not value:
        return ()
    value = tuple(value)
    if all(isinstance(item, str) for item in value):
        return (value,)
    return tuple(tuple(group) for group in value)


class Options:
    """The resolved Meta of one model class."""

    def __init__(self, meta: type | None, object_name: str, module: str):
        self.object_name = object_name
        self.model_name = object_name.lower()
        self.module = module
        self.abstract = False
        self.app_label = ""
        self.db_table = ""
        self.ordering: list[str] = []
        self.verbose_name = _split_camel(object_name)
        self.verbose_name_plural = ""
        self.unique_together: tuple[tuple[str, ...], ...] = ()
        self.indexes: list[Index] = []
        self.constraints: list[BaseConstraint] = []
        self.get_latest_by: str | None = None
        self.managed = True
        self.default_related_name: str | None = None
        self.apps: Any = None
        #: the model an automatic many-to-many through model was made for, else False
        self.auto_created: Any = False
        self.proxy = False
        self.permissions: list[tuple[str, str]] = []
        self.default_permissions: tuple[str, ...] = ("add", "change", "delete", "view")
        self.select_on_save = False
        self.base_manager_name: str | None = None
        self.default_manager_name: str | None = None
        self.order_with_respect_to: str | None = None
        self.db_table_comment = ""
        #: concrete parent model -> the OneToOneField linking to it (multi-table inheritance)
        self.parents: dict[type, Field] = {}
        #: the model whose table holds the rows (itself, or a proxy's concrete model)
        self.concrete_model: type | None = None
        #: the setting that may name another model to use instead of this one
        self.swappable: str | None = None
        self.explicit: dict[str, Any] = {}
        self.local_fields: list[Field] = []
        #: ManyToManyFields, which have no column on the table (Django's local_many_to_many)
        self.local_many_to_many: list[Field] = []
        self.pk: Field | None = None
        self.managers: list[tuple[str, Any]] = []
        self.default_manager: Any = None
        if meta is not None:
            self._read_meta(meta)
        if not self.verbose_name_plural:
            self.verbose_name_plural = f"{self.verbose_name}s"

    def _read_meta(self, meta: type) -> None:
        given: dict[str, Any] = {}
        for klass in reversed(meta.__mro__[:-1]):  # a Meta may extend an abstract base's Meta
            given.update({k: v for k, v in vars(klass).items() if not k.startswith("_")})
        invalid = sorted(set(given) - set(META_OPTIONS))
        if invalid:
            raise ModelDefinitionError(
                f"Model {self.module}.{self.object_name}: 'class Meta' got invalid "
                f"attribute(s): {', '.join(invalid)}"
            )
        for key, value in given.items():
            if key == "unique_together":
                value = normalize_together(value)
            elif key == "ordering":
                value = list(value)
            elif key in ("indexes", "constraints"):
                value = [item.clone() for item in value]
            setattr(self, key, value)
            if key == "swappable":
                conf.register_swappable_setting(value)
            if key not in ("apps", "auto_created"):  # how the class was made, not schema
                self.explicit[key] = value

    @property
    def verbose_name_raw(self) -> str:
        """The verbose name as text, untranslated (permission names are made from it)."""
        return str(self.verbose_name)

    @property
    def label(self) -> str:
        return f"{self.app_label}.{self.object_name}"

    @property
    def label_lower(self) -> str:
        return f"{self.app_label}.{self.model_name}"

    @property
    def swapped(self) -> str | None:
        """The model (``"accounts.User"``) used instead of this one, when its ``swappable``
        setting names another; None when this model is in use."""
        return swapped_for(self.swappable, self.label_lower)

    @property
    def fields(self) -> list[Field]:
        """Every field an instance has: with multi-table inheritance the parents' fields come
        first, then the model's own; a proxy has those of its concrete model."""
        if self.proxy and self.concrete_model is not None:
            return self.concrete_model._meta.fields
        if not self.parents:
            return self.local_fields
        found: list[Field] = []
        for parent in self.parents:
            found.extend(f for f in parent._meta.fields if f not in found)
        found.extend(self.local_fields)
        return found

    @property
    def many_to_many(self) -> list[Field]:
        """The ManyToManyFields of the model, its concrete parents' first."""
        if self.proxy and self.concrete_model is not None:
            return self.concrete_model._meta.many_to_many
        found: list[Field] = []
        for parent in self.parents:
            found.extend(f for f in parent._meta.many_to_many if f not in found)
        found.extend(self.local_many_to_many)
        return found

    def get_field(self, name: str) -> Field:
        for field in self.fields:
            if field.name == name or field.attname == name:
                return field
        for field in self.many_to_many:
            if field.name == name:
                return field
        raise FieldDoesNotExist(f"{self.object_name} has no field named '{name}'")

    def get_ancestor_link(self, ancestor: type) -> Field | None:
        """The parent link that leads towards ``ancestor`` (multi-table inheritance)."""
        if ancestor in self.parents:
            return self.parents[ancestor]
        for parent, link in self.parents.items():
            if parent._meta.get_ancestor_link(ancestor) is not None:
                return link
        return None

    def owner_of(self, field: Field) -> type:
        """The concrete model whose table holds ``field``'s column."""
        concrete = self.concrete_model
        if field in concrete._meta.local_fields:
            return concrete
        for parent in concrete._meta.parents:
            if field in parent._meta.fields:
                return parent._meta.owner_of(field)
        return concrete

    def __repr__(self) -> str:
        return f"<Options for {self.object_name}>"


def swapped_for(setting: str | None, label_lower: str) -> str | None:
    """What the ``setting`` names instead of the model ``label_lower``, if anything."""
    if not setting or not conf.is_configured():
        return None
    value = getattr(conf.settings, setting, None)
    if isinstance(value, str) and value.lower() != label_lower:
        return value
    return None


def _split_camel(name: str) -> str:
    """``URLPattern`` -> ``url pattern``, ``BookReview`` -> ``book review``.

    A word starts at a capital that follows a lower-case letter, or at a capital that is
    followed by a lower-case letter (the last capital of an acronym).
    """
    out = []
    for i, ch in enumerate(name):
        after_lower = i > 0 and name[i - 1].islower()
        before_lower = i + 1 < len(name) and name[i + 1].islower()
        if ch.isupper() and i > 0 and (after_lower or before_lower):
            out.append(" ")
        out.append(ch.lower())
    return "".join(out).strip()
