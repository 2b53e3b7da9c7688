"""The Model base class and the metaclass that reads a model's fields and Meta."""

from __future__ import annotations

import copy
from typing import Any

from schemashift.apps import apps
from schemashift.exceptions import ImproperlyConfigured, ModelDefinitionError
from schemashift.models import fields as field_classes
from schemashift.models.fields import NOT_PROVIDED, Field
from schemashift.models.options import Options


class ObjectDoesNotExist(Exception):
    """No row matched a query that expects exactly one."""


class MultipleObjectsReturned(Exception):
    """More than one row matched a query that expects exactly one."""


class ModelBase(type):
    """Builds ``_meta`` from the class body: fields, Meta, inherited abstract fields, the pk."""

    def __new__(mcs, name: str, bases: tuple[type, ...], attrs: dict[str, Any], **kwargs: Any):
        parents = [b for b in bases if isinstance(b, ModelBase)]
        if not parents:
            return super().__new__(mcs, name, bases, attrs, **kwargs)
        module = attrs.get("__module__", "")
        meta = attrs.pop("Meta", None)
        own_fields = {k: v for k, v in attrs.items() if isinstance(v, Field)}
        for key in own_fields:
            attrs.pop(key)
        cls = super().__new__(mcs, name, bases, attrs, **kwargs)

        opts = Options(meta, name, module)
        _inherit_meta(opts, meta, parents)
        cls._meta = opts
        if opts.abstract and meta is not None:
            # subclasses may write ``class Meta(Base.Meta)``; they are not abstract by inheritance
            cls.Meta = type("Meta", (meta,), {"abstract": False})
        _set_app_label(cls, opts)
        all_fields = _inherited_fields(cls, parents, own_fields)
        all_fields.update(own_fields)
        ordered = sorted(all_fields.items(), key=lambda item: item[1].creation_counter)
        for field_name, field in ordered:
            field.contribute_to_class(cls, field_name)
            opts.local_fields.append(field)
        if not opts.abstract:
            _add_primary_key(cls, opts)
            opts.db_table = opts.db_table or f"{opts.app_label}_{opts.model_name}"
            _name_indexes(opts)
            cls.DoesNotExist = type("DoesNotExist", (ObjectDoesNotExist,), {"__module__": module})
            cls.MultipleObjectsReturned = type(
                "MultipleObjectsReturned", (MultipleObjectsReturned,), {"__module__": module}
            )
            (opts.apps or apps).register_model(opts.app_label, cls)
        return cls


def _inherit_meta(opts: Options, meta: type | None, parents: list[type]) -> None:
    """A child without its own Meta takes its first abstract parent's options (not abstract).

    As in Django, the Meta of later abstract parents is not merged in.
    """
    if meta is not None:
        return
    for parent in parents:
        parent_opts = getattr(parent, "_meta", None)
        if parent_opts is None or not parent_opts.abstract:
            continue
        for key, value in parent_opts.explicit.items():
            if key in ("abstract", "db_table"):
                continue
            value = [index.clone() for index in value] if key == "indexes" else value
            setattr(opts, key, value)
            opts.explicit[key] = value
        return


def _set_app_label(cls: type, opts: Options) -> None:
    if opts.app_label:
        return
    config = apps.get_containing_app_config(opts.module)
    if config is None:
        if opts.abstract:
            return
        raise ModelDefinitionError(
            f"Model class {opts.module}.{opts.object_name} doesn't declare an explicit "
            "app_label and isn't in an application in INSTALLED_APPS."
        )
    opts.app_label = config.label


def _inherited_fields(cls: type, parents: list[type], own: dict[str, Field]) -> dict[str, Field]:
    inherited: dict[str, Field] = {}
    for parent in parents:
        parent_opts = getattr(parent, "_meta", None)
        if parent_opts is None:
            continue
        if not parent_opts.abstract:
            raise ModelDefinitionError(
                f"Model {cls.__module__}.{cls.__name__} inherits from the concrete model "
                f"{parent.__name__}; only abstract base models (Meta.abstract = True) are "
                "supported."
            )
        for field in parent_opts.local_fields:
            if field.name not in own and field.name not in inherited:
                inherited[field.name] = copy.deepcopy(field)
    return inherited


def _add_primary_key(cls: type, opts: Options) -> None:
    pks = [f for f in opts.local_fields if f.primary_key]
    if len(pks) > 1:
        names = ", ".join(f.name for f in pks)
        raise ModelDefinitionError(
            f"Model {opts.label} has more than one primary key ({names}); pick one."
        )
    if pks:
        opts.pk = pks[0]
        return
    auto_class = _default_auto_field(opts.app_label)
    pk = auto_class(verbose_name="ID", primary_key=True, auto_created=True)
    pk.contribute_to_class(cls, "id")
    opts.local_fields.insert(0, pk)
    opts.pk = pk


def _default_auto_field(app_label: str) -> type[Field]:
    """The app's ``default_auto_field``, else the DEFAULT_AUTO_FIELD setting, else BigAutoField."""
    config = apps.app_configs.get(app_label)
    path = getattr(config, "default_auto_field", None) or _setting_default_auto_field()
    class_name = path.rpartition(".")[2]
    auto_class = getattr(field_classes, class_name, None)
    if not (isinstance(auto_class, type) and issubclass(auto_class, field_classes.AutoField)):
        raise ImproperlyConfigured(
            f"DEFAULT_AUTO_FIELD refers to {path!r}, which is not AutoField, BigAutoField "
            "or SmallAutoField."
        )
    return auto_class


def _setting_default_auto_field() -> str:
    from schemashift import conf

    try:
        return conf.settings.DEFAULT_AUTO_FIELD
    except ImproperlyConfigured:
        return "schemashift.models.BigAutoField"


def _name_indexes(opts: Options) -> None:
    for index in opts.indexes:
        if index.name:
            continue
        columns = []
        for field_name, _order in index.fields_orders:
            try:
                columns.append(opts.get_field(field_name).column)
            except LookupError:
                columns.append(field_name)
        index.set_name_with_model(opts.db_table, columns)


class Model(metaclass=ModelBase):
    """Subclass this to describe a table: one class attribute per field."""

    _meta: Options

    def __init__(self, **kwargs: Any) -> None:
        for field in self._meta.local_fields:
            if field.name in kwargs:
                setattr(self, field.attname, _raw_value(kwargs.pop(field.name)))
            elif field.attname in kwargs:
                setattr(self, field.attname, kwargs.pop(field.attname))
            elif field.default is not NOT_PROVIDED or not field.is_auto:
                setattr(self, field.attname, field.get_default())
            else:
                setattr(self, field.attname, None)
        if kwargs:
            names = ", ".join(sorted(kwargs))
            raise TypeError(f"{type(self).__name__}() got unexpected keyword argument(s): {names}")

    @property
    def pk(self) -> Any:
        return getattr(self, self._meta.pk.attname)

    def __str__(self) -> str:
        return f"{type(self).__name__} object ({self.pk})"

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self}>"


def _raw_value(value: Any) -> Any:
    """A related instance given for a ForeignKey stands for its primary key."""
    meta = getattr(value, "_meta", None)
    return value.pk if meta is not None and isinstance(value, Model) else value
