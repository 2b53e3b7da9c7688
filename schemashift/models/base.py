"""The Model base class and the metaclass that reads a model's fields and Meta."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any, ClassVar, Self

from schemashift.apps import apps
from schemashift.exceptions import (
    ImproperlyConfigured,
    ModelDefinitionError,
    MultipleObjectsReturned,
    ObjectDoesNotExist,
)
from schemashift.models import fields as field_classes
from schemashift.models import ordering
from schemashift.models.deletion import CASCADE
from schemashift.models.fields import NOT_PROVIDED, Field
from schemashift.models.manager import BaseManager, Manager
from schemashift.models.options import Options
from schemashift.models.queryset import DEFAULT_DB_ALIAS
from schemashift.models.runtime import query_runtime


class ModelBase(type):
    """Builds ``_meta`` from the class body: fields, Meta, inherited abstract fields, the pk."""

    def __new__(mcs, name: str, bases: tuple[type, ...], attrs: dict[str, Any], **kwargs: Any):
        parents = [b for b in bases if isinstance(b, ModelBase)]
        if not parents:
            return super().__new__(mcs, name, bases, attrs, **kwargs)
        module = attrs.get("__module__", "")
        meta = attrs.pop("Meta", None)
        own_fields = {k: v for k, v in attrs.items() if isinstance(v, Field)}
        own_managers = {k: v for k, v in attrs.items() if isinstance(v, BaseManager)}
        for key in [*own_fields, *own_managers]:
            attrs.pop(key)
        cls = super().__new__(mcs, name, bases, attrs, **kwargs)

        opts = Options(meta, name, module)
        _inherit_meta(opts, meta, parents)
        cls._meta = opts
        opts.model = cls
        if opts.abstract and meta is not None:
            # subclasses may write ``class Meta(Base.Meta)``; they are not abstract by inheritance
            cls.Meta = type("Meta", (meta,), {"abstract": False})
        _set_app_label(cls, opts)
        if opts.proxy:
            _set_up_proxy(cls, opts, parents, own_fields)
        else:
            _add_fields(cls, opts, parents, own_fields)
        opts.managers = _declared_managers(parents, own_managers)
        if not opts.abstract:
            if not opts.proxy:
                _add_primary_key(cls, opts)
                opts.concrete_model = cls
                opts.db_table = opts.db_table or f"{opts.app_label}_{opts.model_name}"
            _add_order_field(cls, opts)
            _bind_managers(cls, opts)
            _name_indexes(opts)
            cls.DoesNotExist = _model_error(cls, "DoesNotExist", ObjectDoesNotExist, parents)
            cls.MultipleObjectsReturned = _model_error(
                cls, "MultipleObjectsReturned", MultipleObjectsReturned, parents
            )
            (opts.apps or apps).register_model(opts.app_label, cls)
        return cls


def _add_fields(
    cls: type, opts: Options, parents: list[type], own_fields: dict[str, Field]
) -> None:
    """The model's own fields, those of abstract parents, and a link to each concrete one."""
    all_fields = _inherited_fields(cls, parents, own_fields)
    all_fields.update(own_fields)
    ordered = sorted(all_fields.items(), key=lambda item: item[1].creation_counter)
    for field_name, field in ordered:
        field.contribute_to_class(cls, field_name)
        (opts.local_many_to_many if field.many_to_many else opts.local_fields).append(field)
    if opts.abstract:
        return
    for position, parent in enumerate(_concrete_parents(parents)):
        link = _parent_link(cls, opts, parent, is_first=position == 0)
        opts.parents[parent] = link
        _inherit_runtime_meta(opts, parent)


def _concrete_parents(parents: list[type]) -> list[type]:
    """The non-abstract model classes among the bases (a proxy stands for its concrete model)."""
    found: list[type] = []
    for parent in parents:
        parent_opts = getattr(parent, "_meta", None)
        if parent_opts is None or parent_opts.abstract:
            continue
        concrete = parent_opts.concrete_model or parent
        if concrete not in found:
            found.append(concrete)
    return found


def _parent_link(cls: type, opts: Options, parent: type, is_first: bool) -> Field:
    """The OneToOneField to a concrete parent: the one declared with ``parent_link=True``,
    else ``<parent>_ptr``, created as Django creates it (the primary key for the first)."""
    parent_label = parent._meta.label_lower
    for field in opts.local_fields:
        if getattr(field, "parent_link", False) and field.related_model_key == tuple(
            parent_label.split(".")
        ):
            if is_first and not any(f.primary_key for f in opts.local_fields):
                # as in Django, the first parent link is the primary key if nothing else is
                field.primary_key = True
                field._given["primary_key"] = True
            return field
    name = f"{parent._meta.model_name}_ptr"
    if any(field.name == name for field in opts.local_fields):
        raise ModelDefinitionError(
            f"Model {opts.label}: the field '{name}' clashes with the link to its parent "
            f"{parent._meta.label}; rename the field."
        )
    link = field_classes.OneToOneField(
        parent_label,
        on_delete=CASCADE,
        parent_link=True,
        primary_key=is_first,
        auto_created=True,
        serialize=False,
    )
    link.contribute_to_class(cls, name)
    opts.local_fields.insert(0 if is_first else len(opts.local_fields), link)
    return link


def _inherit_runtime_meta(opts: Options, parent: type) -> None:
    """As in Django, a child of a concrete model without its own ``ordering`` and
    ``get_latest_by`` uses its parent's (at query time; migrations do not record them)."""
    for key in ("ordering", "get_latest_by"):
        if key not in opts.explicit and getattr(parent._meta, key):
            setattr(opts, key, getattr(parent._meta, key))


def _set_up_proxy(
    cls: type, opts: Options, parents: list[type], own_fields: dict[str, Field]
) -> None:
    """A proxy reads and writes the table of its one concrete parent; it adds no fields."""
    if own_fields:
        raise ModelDefinitionError(
            f"Proxy model {opts.module}.{opts.object_name} contains model fields "
            f"({', '.join(sorted(own_fields))}); a proxy cannot add fields."
        )
    concrete = _concrete_parents(parents)
    if len(concrete) != 1:
        raise ModelDefinitionError(
            f"Proxy model {opts.module}.{opts.object_name} must inherit from exactly one "
            f"non-abstract model class (it has {len(concrete)})."
        )
    base = concrete[0]
    opts.concrete_model = base
    opts.db_table = base._meta.db_table
    opts.pk = base._meta.pk
    for parent in parents:
        _inherit_runtime_meta(opts, parent)


def _add_order_field(cls: type, opts: Options) -> None:
    """``Meta.order_with_respect_to`` adds the ``_order`` column, as in Django."""
    if not opts.order_with_respect_to or opts.proxy:
        return
    if any(field.name == "_order" for field in opts.local_fields):
        return  # a historical model rendered from a state that already holds it
    order = field_classes.IntegerField(editable=False)
    order.contribute_to_class(cls, "_order")
    opts.local_fields.append(order)
    if not opts.ordering:
        opts.ordering = ["_order"]
    cls.get_next_in_order = ordering.get_next_in_order
    cls.get_previous_in_order = ordering.get_previous_in_order


def _declared_managers(
    parents: list[type], own: dict[str, BaseManager]
) -> list[tuple[str, BaseManager]]:
    """The model's managers in declaration order: its own, then those of abstract parents."""
    found = dict(sorted(own.items(), key=lambda item: item[1].creation_counter))
    for parent in parents:
        for name, manager in getattr(getattr(parent, "_meta", None), "managers", []):
            found.setdefault(name, manager)
    return list(found.items())


def _bind_managers(cls: type, opts: Options) -> None:
    """Give the concrete class its own managers; ``objects`` when it declares none.

    ``Meta.default_manager_name`` and ``Meta.base_manager_name`` choose the default manager
    (otherwise the first declared) and the manager related objects are fetched with.
    """
    declared = opts.managers or [("objects", Manager())]
    opts.managers = [(name, manager.bound_copy(cls, name)) for name, manager in declared]
    by_name = dict(opts.managers)
    first = opts.managers[0][1]
    opts.default_manager = _named_manager(opts, by_name, "default_manager_name", first)
    cls._default_manager = opts.default_manager
    base_manager = Manager()
    base_manager.model = cls
    base_manager.name = "_base_manager"
    if opts.base_manager_name:
        chosen = _named_manager(opts, by_name, "base_manager_name", base_manager)
        base_manager = chosen.bound_copy(cls, "_base_manager")
    cls._base_manager = base_manager


def _named_manager(opts: Options, by_name: dict[str, Any], option: str, fallback: Any) -> Any:
    name = getattr(opts, option)
    if not name:
        return fallback
    if name not in by_name:
        raise ModelDefinitionError(
            f"Model {opts.label}: Meta.{option} is '{name}', but the model has no manager of "
            f"that name (it has {', '.join(sorted(by_name))})."
        )
    return by_name[name]


def _model_error(
    model: type, name: str, base: type[Exception], parents: list[type] = ()
) -> type[Exception]:
    """The model's own exception class, shown as ``polls.models.Question.DoesNotExist``; a
    child's also derives from its concrete parents' (``Place.DoesNotExist`` catches it)."""
    attrs = {"__module__": model.__module__, "__qualname__": f"{model.__qualname__}.{name}"}
    inherited = tuple(
        getattr(parent, name)
        for parent in parents
        if getattr(parent, "_meta", None) is not None
        and not parent._meta.abstract
        and isinstance(getattr(parent, name, None), type)
    )
    return type(name, inherited or (base,), attrs)


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
            if key in ("indexes", "constraints"):
                value = [item.clone() for item in value]
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
            continue  # a concrete parent keeps its fields in its own table
        for field in [*parent_opts.local_fields, *parent_opts.local_many_to_many]:
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
    auto_class = default_auto_field(opts.app_label)
    pk = auto_class(verbose_name="ID", primary_key=True, auto_created=True)
    pk.contribute_to_class(cls, "id")
    opts.local_fields.insert(0, pk)
    opts.pk = pk


def default_auto_field(app_label: str) -> type[Field]:
    """The app's ``default_auto_field``, else the DEFAULT_AUTO_FIELD setting, else BigAutoField."""
    config = apps.app_configs.get(app_label)
    path = getattr(config, "default_auto_field", None) or _settingdefault_auto_field()
    class_name = path.rpartition(".")[2]
    auto_class = getattr(field_classes, class_name, None)
    if not (isinstance(auto_class, type) and issubclass(auto_class, field_classes.AutoField)):
        raise ImproperlyConfigured(
            f"DEFAULT_AUTO_FIELD refers to {path!r}, which is not AutoField, BigAutoField "
            "or SmallAutoField."
        )
    return auto_class


def _settingdefault_auto_field() -> str:
    from schemashift import conf

    try:
        return conf.settings.DEFAULT_AUTO_FIELD
    except ImproperlyConfigured:
        return "schemashift.models.BigAutoField"


def _name_indexes(opts: Options) -> None:
    names = {"app_label": opts.app_label.lower(), "class": opts.object_name.lower()}
    for named in (*opts.indexes, *opts.constraints):
        if "%(" in named.name:  # from an abstract parent, as Django interpolates them
            named.name = named.name % names
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


def _order_method(instance: Model, name: str) -> Any:
    """``question.get_answer_order`` / ``set_answer_order`` (``order_with_respect_to``)."""
    found = ordering.ordered_relation(type(instance), name)
    if found is None:
        raise AttributeError(f"'{type(instance).__name__}' object has no attribute '{name}'")
    verb, relation = found
    if verb == "get":
        return lambda: ordering.get_order(instance, relation)
    return lambda pks: ordering.set_order(instance, relation, pks)


class ModelState:
    """Where an instance stands: not saved yet (``adding``), the database it came from, the
    related objects already fetched (``fields_cache``) and prefetched reverse relations."""

    __slots__ = ("adding", "db", "fields_cache", "prefetched")

    def __init__(self, adding: bool = True, db: str | None = None) -> None:
        self.adding = adding
        self.db = db
        self.fields_cache: dict[str, Any] = {}
        self.prefetched: dict[str, list[Any]] = {}


class Model(metaclass=ModelBase):
    """Subclass this to describe a table: one class attribute per field."""

    _meta: Options

    if TYPE_CHECKING:
        # set by ModelBase on each model; ``Question.objects`` is a ``Manager[Question]``
        objects: ClassVar[Manager[Self]]
        DoesNotExist: ClassVar[type[ObjectDoesNotExist]]
        MultipleObjectsReturned: ClassVar[type[MultipleObjectsReturned]]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._state = ModelState()
        fields = self._meta.fields
        if len(args) > len(fields):
            raise IndexError("Number of args exceeds number of fields")
        for field, value in zip(fields, args, strict=False):
            if field.name in kwargs or field.attname in kwargs:
                raise TypeError(
                    f"{type(self).__name__}() got both positional and keyword arguments for "
                    f"field '{field.name}'."
                )
            kwargs[field.attname] = value
        for field in fields:
            if field.name in kwargs and field.is_relation and field.name != field.attname:
                value = kwargs.pop(field.name)
                if isinstance(value, Model) or value is None:
                    setattr(self, field.name, value)
                    continue
                setattr(self, field.attname, value)
            elif field.name in kwargs:
                setattr(self, field.attname, kwargs.pop(field.name))
            elif field.attname in kwargs:
                setattr(self, field.attname, kwargs.pop(field.attname))
            elif field.default is not NOT_PROVIDED or not field.is_auto:
                setattr(self, field.attname, field.get_default())
            else:
                setattr(self, field.attname, None)
        if kwargs:
            for field in self._meta.many_to_many:
                if field.name in kwargs:
                    raise TypeError(
                        "Direct assignment to the forward side of a many-to-many set is "
                        f"prohibited. Use {field.name}.set() instead."
                    )
            names = ", ".join(sorted(kwargs))
            raise TypeError(f"{type(self).__name__}() got unexpected keyword argument(s): {names}")

    @classmethod
    def from_db(cls, db: str, values: Any, fields: Any = None) -> Model:
        """An instance of a row read from database ``db`` (values in field order, or in the
        order of ``fields`` when ``defer()``/``only()`` left some out: those load on access)."""
        instance = cls.__new__(cls)
        instance._state = ModelState(adding=False, db=db)
        for field, value in zip(fields or cls._meta.fields, values, strict=True):
            instance.__dict__[field.attname] = value
        return instance

    def get_deferred_fields(self) -> set[str]:
        """The attnames of the fields not loaded yet (left out by ``defer()``/``only()``)."""
        return {f.attname for f in self._meta.local_fields if f.attname not in self.__dict__}

    @property
    def pk(self) -> Any:
        return getattr(self, self._meta.pk.attname)

    @pk.setter
    def pk(self, value: Any) -> None:
        setattr(self, self._meta.pk.attname, value)

    def save(
        self,
        *,
        force_insert: bool = False,
        force_update: bool = False,
        using: str | None = None,
        update_fields: Any = None,
    ) -> None:
        """INSERT the row if it is new, else UPDATE it."""
        query_runtime().save_instance(self, using, force_insert, force_update, update_fields)

    def delete(self, using: str | None = None) -> tuple[int, dict[str, int]]:
        """DELETE the row, with what its relations' on_delete asks for."""
        if self.pk is None:
            raise ValueError(
                f"{type(self).__name__} object can't be deleted because its "
                f"{self._meta.pk.attname} attribute is set to None."
            )
        alias = using or self._state.db or DEFAULT_DB_ALIAS
        return query_runtime().delete_instances([self], alias, origin=self)

    def refresh_from_db(self, using: str | None = None, fields: Any = None) -> None:
        """Reload the fields (all, or those named) from the database."""
        query_runtime().refresh_instance(self, using, fields)

    def __getattr__(self, name: str) -> Any:
        # reached only for names that are not attributes: reverse relations such as
        # ``question.choice_set``, found when first asked for since their models may come later
        if name.startswith("_"):
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")
        deferred = self._deferred_field(name)
        if deferred is not None:
            self.refresh_from_db(fields=[deferred.attname])
            return self.__dict__[deferred.attname]
        if any(manager_name == name for manager_name, _ in self._meta.managers):
            raise AttributeError(f"Manager isn't accessible via {type(self).__name__} instances")
        from schemashift.models import related
        from schemashift.models.related_managers import related_manager

        relation = related.reverse_relation_by_accessor(type(self), name)
        if relation is None:
            from schemashift.models import m2m_managers, many_to_many

            m2m = many_to_many.reverse_many_to_many_by_accessor(type(self), name)
            if m2m is not None:
                return m2m_managers.reverse_manager(self, m2m)
        if relation is None and name.endswith("_order"):
            return _order_method(self, name)
        if relation is None:
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")
        if relation.one_to_one:
            return related.reverse_one_to_one(self, relation)
        return related_manager(self, relation)

    def _deferred_field(self, name: str) -> Any:
        """The field ``name`` names if ``defer()``/``only()`` left it out of a fetched row."""
        state = self.__dict__.get("_state")
        if state is None or state.adding:
            return None
        for field in self._meta.local_fields:
            if field.attname == name:
                return field
        return None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Model):
            return NotImplemented
        # a proxy's instance and its concrete model's are the same row (as in Django)
        if self._meta.concrete_model is not other._meta.concrete_model:
            return False
        if self.pk is None:
            return self is other
        return self.pk == other.pk

    def __hash__(self) -> int:
        if self.pk is None:
            raise TypeError("Model instances without primary key value are unhashable")
        return hash(self.pk)

    def __str__(self) -> str:
        return f"{type(self).__name__} object ({self.pk})"

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self}>"
