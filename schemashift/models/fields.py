"""Field classes: what a column holds, and how it is written into a migration.

A field knows its options and how to describe itself (``deconstruct``); it knows nothing of
SQL. The schema editors turn ``get_internal_type()`` and the options into DDL per backend.
"""

from __future__ import annotations

import copy
import datetime
import decimal
import itertools
import uuid
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar, Self, overload

from schemashift import conf
from schemashift.check_messages import CheckMessage, Error
from schemashift.models import deletion
from schemashift.models.choices import CallableChoices, flatten_choices, normalize_choices
from schemashift.utils.functional import Promise


class NOT_PROVIDED:  # noqa: N801
    """Marks an option the user did not give (``default`` may legitimately be None)."""


class DatabaseDefault:
    """The value of a new instance's field left to the column's database default
    (``db_default``): an INSERT leaves the column out, an UPDATE writes the default, and
    saving reads the value back."""

    def __repr__(self) -> str:
        return "DatabaseDefault()"


_creation_counter = itertools.count()

BASE_OPTIONS: dict[str, Any] = {
    "verbose_name": None,
    "primary_key": False,
    "max_length": None,
    "unique": False,
    "blank": False,
    "null": False,
    "db_index": False,
    "default": NOT_PROVIDED,
    "db_default": NOT_PROVIDED,
    "editable": True,
    "choices": None,
    "help_text": "",
    "db_column": None,
    "db_comment": None,
    "auto_created": False,
    # options that carry no schema, kept and written into migrations as Django keeps them
    "serialize": True,
    "unique_for_date": None,
    "unique_for_month": None,
    "unique_for_year": None,
    "db_tablespace": None,
    "validators": [],
    "error_messages": None,
}


class Field:
    """Base class of all fields.

    ``options`` maps each accepted keyword to its default; ``deconstruct`` writes only the
    keywords whose value differs from that default, so migration files stay short.
    """

    options: ClassVar[dict[str, Any]] = BASE_OPTIONS

    if TYPE_CHECKING:
        # for type checkers, a field declared on a model reads as its value on instances

        @overload
        def __get__(self, instance: None, owner: Any) -> Self: ...
        @overload
        def __get__(self, instance: object, owner: Any) -> Any: ...
        def __get__(self, instance: Any, owner: Any) -> Any: ...
        def __set__(self, instance: Any, value: Any) -> None: ...

    empty_strings_allowed: ClassVar[bool] = True
    is_relation: ClassVar[bool] = False
    #: a relation kept in a table of its own (ManyToManyField): no column on the model's table
    many_to_many: ClassVar[bool] = False
    is_auto: ClassVar[bool] = False
    #: whether the database computes the column (GeneratedField): never written by saves
    generated: ClassVar[bool] = False
    requires_max_length: ClassVar[bool] = False
    #: for a field class Django removed: the check error (msg, hint, id) its use in a model
    #: gets; historical migrations may still use it
    system_check_removed_details: ClassVar[dict[str, str] | None] = None

    def __init__(self, verbose_name: str | None = None, name: str | None = None, **kwargs: Any):
        unknown = sorted(set(kwargs) - set(self.options))
        if unknown:
            raise TypeError(
                f"{type(self).__name__}() got unexpected keyword argument(s): {', '.join(unknown)}"
            )
        values = dict(self.options)
        values.update(kwargs)
        values["verbose_name"] = verbose_name
        if "choices" in kwargs:
            values["choices"] = normalize_choices(values["choices"])
        values["validators"] = list(values["validators"])
        if values["primary_key"] and "serialize" not in kwargs:
            # as Django sets on the primary key of every model, so its migrations say it too
            values["serialize"] = False
        # only a keyword given, or one set above, can differ from its default
        maybe_given = {*kwargs, "verbose_name", "serialize"}
        self._given = {
            k: values[k]
            for k in self.options
            if k in maybe_given and _differs(values[k], self.options[k])
        }
        self.__dict__.update(values)
        self.name = name
        self.attname: str | None = None
        self.column: str | None = None
        self.model: type | None = None
        self.creation_counter = next(_creation_counter)
        if name:
            self.set_attributes_from_name(name)

    # -- naming ----------------------------------------------------------------------------

    def set_attributes_from_name(self, name: str) -> None:
        self.name = name
        self.attname = self.get_attname()
        self.column = self.db_column or self.attname
        if self.verbose_name is None and self.name:
            self.verbose_name = self.name.replace("_", " ")

    def get_attname(self) -> str:
        return self.name

    def contribute_to_class(self, cls: type, name: str) -> None:
        self.set_attributes_from_name(name)
        self.model = cls
        display = f"get_{name}_display"
        if self.choices is not None and display not in cls.__dict__:
            setattr(cls, display, _display_method(self))

    @property
    def flatchoices(self) -> list[tuple[Any, Any]]:
        """The choices as one list of ``(value, label)`` pairs, groups opened."""
        return list(flatten_choices(self.choices))

    # -- description -----------------------------------------------------------------------

    def get_internal_type(self) -> str:
        """The built-in field class this one stores like: its own name, or for a field class
        of the project's own, that of the nearest built-in class it derives from."""
        for cls in type(self).__mro__:
            if cls.__module__.startswith("schemashift.models"):
                return cls.__name__
        return type(self).__name__

    def db_type(self, connection: Any) -> str | None:
        """The column type, where a field class of the project's own declares one (as
        Django's ``db_type(connection)``; ``connection.vendor`` names the backend). None: the
        backend's type for ``get_internal_type()``."""
        return None

    def deconstruct(self) -> tuple[str | None, str, list[Any], dict[str, Any]]:
        """(name, import path, args, kwargs) that rebuild this field."""
        kwargs = {k: v for k, v in self._given.items() if k != "verbose_name"}
        if self._given.get("verbose_name") is not None:
            kwargs["verbose_name"] = self._given["verbose_name"]
        if isinstance(kwargs.get("choices"), CallableChoices):
            kwargs["choices"] = kwargs["choices"].func
        return self.name, self.import_path(), [], kwargs

    @classmethod
    def import_path(cls) -> str:
        """Where migrations import the class from: ``schemashift.models.X`` for the built-in
        fields, the defining module for a field class of the project's own."""
        if cls.__module__.startswith("schemashift.models"):
            return f"schemashift.models.{cls.__name__}"
        return f"{cls.__module__}.{cls.__qualname__}"

    def clone(self) -> Field:
        """A fresh, unbound copy built from ``deconstruct``."""
        name, _path, args, kwargs = self.deconstruct()
        return type(self)(*args, **kwargs)

    def __deepcopy__(self, memo: dict[int, Any]) -> Field:
        new = copy.copy(self)
        new._given = dict(self._given)
        new.model = None
        return new

    def __repr__(self) -> str:
        if self.model is not None:
            return f"<{type(self).__name__}: {self.model.__name__}.{self.name}>"
        return f"<{type(self).__name__}: {self.name}>" if self.name else f"<{type(self).__name__}>"

    # -- values ----------------------------------------------------------------------------

    def to_python(self, value: Any) -> Any:
        """The Python value of ``value`` as a user or a form gave it (Django's hook)."""
        return value

    def get_prep_value(self, value: Any) -> Any:
        """The value queries and saves bind for ``value``; lazy text becomes plain text."""
        return str(value) if isinstance(value, Promise) else value

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        """``get_prep_value`` unless ``prepared``; ``connection.vendor`` names the backend."""
        return value if prepared else self.get_prep_value(value)

    @classmethod
    def converts_values(cls) -> bool:
        """Whether this class changes values on their way in or out, as a field of the
        project's own does by overriding ``get_prep_value``, ``get_db_prep_value`` or
        defining ``from_db_value(value, expression, connection)``."""
        return (
            cls.get_prep_value is not Field.get_prep_value
            or cls.get_db_prep_value is not Field.get_db_prep_value
            or hasattr(cls, "from_db_value")
        )

    # -- defaults --------------------------------------------------------------------------

    def has_default(self) -> bool:
        return self.default is not NOT_PROVIDED

    def has_db_default(self) -> bool:
        """Whether the column has a DEFAULT in the database (``db_default``): a value, or an
        expression such as ``Now()``, kept in the schema and used when an INSERT leaves the
        column out."""
        return self.db_default is not NOT_PROVIDED

    def get_default(self) -> Any:
        if self.has_default():
            return self.default() if callable(self.default) else self.default
        if self.has_db_default():
            return DatabaseDefault()
        if not self.empty_strings_allowed or self.null:
            return None
        return ""

    @property
    def is_blank_text(self) -> bool:
        """A NOT NULL text field that accepts blanks: existing rows can take ``""``."""
        return self.blank and self.empty_strings_allowed and not self.null

    # -- checks ----------------------------------------------------------------------------

    def check(self) -> list[CheckMessage]:
        errors: list[CheckMessage] = []
        removed = self.system_check_removed_details
        if removed is not None:
            errors.append(Error(removed["msg"], self, removed["id"], hint=removed.get("hint")))
        if self.name and self.name.endswith("_"):
            errors.append(
                Error("Field names must not end with an underscore.", self, "fields.E001")
            )
        if self.name and "__" in self.name:
            errors.append(Error('Field names must not contain "__".', self, "fields.E002"))
        if self.name == "pk":
            errors.append(
                Error(
                    "'pk' is a reserved word that cannot be used as a field name.",
                    self,
                    "fields.E003",
                )
            )
        if self.requires_max_length:
            if self.max_length is None:
                errors.append(
                    Error(
                        f"{type(self).__name__}s must define a 'max_length' attribute.",
                        self,
                        "fields.E120",
                    )
                )
            elif (
                not isinstance(self.max_length, int)
                or isinstance(self.max_length, bool)
                or self.max_length <= 0
            ):
                errors.append(
                    Error("'max_length' must be a positive integer.", self, "fields.E121")
                )
        if self.primary_key and self.null:
            errors.append(Error("Primary keys must not have null=True.", self, "fields.E007"))
        errors.extend(self._check_choices())
        errors.extend(self._check_db_default())
        return errors

    def _check_db_default(self) -> list[CheckMessage]:
        default = self.db_default
        if not self.has_db_default() or getattr(default, "allowed_default", True):
            return []
        return [Error(f"{default} cannot be used in db_default.", self, "fields.E012")]

    def _check_choices(self) -> list[CheckMessage]:
        if not self.choices:
            return []
        if isinstance(self.choices, str) or not isinstance(self.choices, Iterable):
            return [
                Error(
                    "'choices' must be a mapping (e.g. a dictionary) or an iterable (e.g. a "
                    "list or tuple).",
                    self,
                    "fields.E004",
                )
            ]
        longest = _longest_choice_value(self.choices)
        if longest is None:
            return [
                Error(
                    "'choices' must be a mapping of actual values to human readable names or an "
                    "iterable containing (actual value, human readable name) tuples.",
                    self,
                    "fields.E005",
                )
            ]
        if isinstance(self.max_length, int) and longest > self.max_length:
            return [
                Error(
                    "'max_length' is too small to fit the longest value in 'choices' "
                    f"({longest} characters).",
                    self,
                    "fields.E009",
                )
            ]
        return []


def _differs(value: Any, default: Any) -> bool:
    if default is NOT_PROVIDED or value is NOT_PROVIDED:
        return value is not default
    if type(value) is not type(default) and not (value is None or default is None):
        return True
    return value != default


def _is_choice_value(value: Any) -> bool:
    return isinstance(value, (str, Promise)) or not isinstance(value, Iterable)


def _pair(item: Any) -> tuple[Any, Any] | None:
    if isinstance(item, str) or not isinstance(item, Iterable):
        return None
    parts = list(item)
    return (parts[0], parts[1]) if len(parts) == 2 else None


def _longest_choice_value(choices: Iterable[Any]) -> int | None:
    """The length of the longest text value among well-formed choices (0 when none is
    text); None when the choices are not pairs or groups of pairs (Django's fields.E005)."""
    longest = 0
    for item in choices:
        pair = _pair(item)
        if pair is None:
            return None
        label, members = pair
        group = [_pair(member) for member in members] if not _is_choice_value(members) else None
        if group is not None and all(
            p is not None and _is_choice_value(p[0]) and _is_choice_value(p[1]) for p in group
        ):
            texts = [len(p[0]) for p in group if isinstance(p[0], str)]
        elif _is_choice_value(label) and _is_choice_value(members):
            texts = [len(label)] if isinstance(label, str) else []
        else:
            return None
        longest = max([longest, *texts])
    return longest


def _display_method(field: Field) -> Callable[[Any], Any]:
    def display(instance: Any) -> Any:
        value = getattr(instance, field.attname)
        for choice, label in field.flatchoices:
            if choice == value:
                return str(label) if isinstance(label, Promise) else label
        return value

    display.__name__ = f"get_{field.name}_display"
    return display


def _options(**extra: Any) -> dict[str, Any]:
    merged = dict(BASE_OPTIONS)
    merged.update(extra)
    return merged


# -- integers -----------------------------------------------------------------------------


class IntegerField(Field):
    if TYPE_CHECKING:

        @overload
        def __get__(self, instance: None, owner: Any) -> Self: ...
        @overload
        def __get__(self, instance: object, owner: Any) -> int: ...
        def __get__(self, instance: Any, owner: Any) -> Any: ...

    empty_strings_allowed = False


class SmallIntegerField(IntegerField):
    pass


class BigIntegerField(IntegerField):
    pass


class PositiveIntegerField(IntegerField):
    pass


class PositiveSmallIntegerField(IntegerField):
    pass


class PositiveBigIntegerField(IntegerField):
    pass


class AutoField(IntegerField):
    """An integer primary key the database numbers by itself."""

    is_auto = True
    options = _options(blank=True)

    def check(self) -> list[CheckMessage]:
        errors = super().check()
        if not self.primary_key:
            errors.append(Error("AutoFields must set primary_key=True.", self, "fields.E100"))
        return errors


class BigAutoField(AutoField):
    pass


class SmallAutoField(AutoField):
    pass


# -- text ---------------------------------------------------------------------------------


class CharField(Field):
    if TYPE_CHECKING:

        @overload
        def __get__(self, instance: None, owner: Any) -> Self: ...
        @overload
        def __get__(self, instance: object, owner: Any) -> str: ...
        def __get__(self, instance: Any, owner: Any) -> Any: ...

    requires_max_length = True


class SlugField(CharField):
    options = _options(max_length=50, db_index=True)


class EmailField(CharField):
    options = _options(max_length=254)

    def deconstruct(self) -> tuple[str | None, str, list[Any], dict[str, Any]]:
        # Written even at its default, as Django does, so a future default cannot change it.
        name, path, args, kwargs = super().deconstruct()
        return name, path, args, {**kwargs, "max_length": self.max_length}


class URLField(CharField):
    options = _options(max_length=200)


class TextField(Field):
    if TYPE_CHECKING:

        @overload
        def __get__(self, instance: None, owner: Any) -> Self: ...
        @overload
        def __get__(self, instance: object, owner: Any) -> str: ...
        def __get__(self, instance: Any, owner: Any) -> Any: ...

    pass


class CommaSeparatedIntegerField(CharField):
    """Removed from Django; kept so historical migrations still load (fields.E901)."""

    system_check_removed_details: ClassVar[dict[str, str] | None] = {
        "msg": "CommaSeparatedIntegerField is removed except for support in historical migrations.",
        "hint": "Use CharField(validators=[validate_comma_separated_integer_list]) instead.",
        "id": "fields.E901",
    }

    def get_internal_type(self) -> str:
        return "CharField"


class FileField(Field):
    """The name of a stored file, in a ``varchar(max_length)`` column (100 by default).

    Storing and opening files is the application's business: the attribute holds the name
    string (an object with a ``name``, such as a Django ``File``, is stored by its name).
    ``upload_to`` (a string or a function) and ``storage`` are kept for the application and
    written into migrations, as Django writes them.
    """

    options = _options(max_length=100, upload_to="", storage=None)

    def __init__(
        self,
        verbose_name: str | None = None,
        name: str | None = None,
        upload_to: Any = "",
        storage: Any = None,
        **kwargs: Any,
    ):
        self._primary_key_set_explicitly = "primary_key" in kwargs
        super().__init__(verbose_name, name, upload_to=upload_to, storage=storage, **kwargs)

    def get_internal_type(self) -> str:
        return "FileField"

    def deconstruct(self) -> tuple[str | None, str, list[Any], dict[str, Any]]:
        name, path, args, kwargs = super().deconstruct()
        return name, path, args, {**kwargs, "upload_to": self.upload_to}

    def check(self) -> list[CheckMessage]:
        errors = super().check()
        kind = type(self).__name__
        if self._primary_key_set_explicitly:
            errors.append(
                Error(f"'primary_key' is not a valid argument for a {kind}.", self, "fields.E201")
            )
        if isinstance(self.upload_to, str) and self.upload_to.startswith("/"):
            errors.append(
                Error(
                    f"{kind}'s 'upload_to' argument must be a relative path, not an absolute path.",
                    self,
                    "fields.E202",
                    hint="Remove the leading slash.",
                )
            )
        return errors


class ImageField(FileField):
    """A FileField of an image; ``width_field`` and ``height_field`` name the fields the
    application keeps its dimensions in."""

    options = {**FileField.options, "width_field": None, "height_field": None}

    def __init__(
        self,
        verbose_name: str | None = None,
        name: str | None = None,
        width_field: str | None = None,
        height_field: str | None = None,
        **kwargs: Any,
    ):
        super().__init__(
            verbose_name, name, width_field=width_field, height_field=height_field, **kwargs
        )


class FilePathField(Field):
    """The path of a file under ``path`` (chosen by ``match``, ``recursive``, ``allow_files``
    and ``allow_folders`` in forms), in a ``varchar(max_length)`` column."""

    options = _options(
        max_length=100,
        path="",
        match=None,
        recursive=False,
        allow_files=True,
        allow_folders=False,
    )

    def __init__(
        self,
        verbose_name: str | None = None,
        name: str | None = None,
        path: Any = "",
        match: str | None = None,
        recursive: bool = False,
        allow_files: bool = True,
        allow_folders: bool = False,
        **kwargs: Any,
    ):
        super().__init__(
            verbose_name,
            name,
            path=path,
            match=match,
            recursive=recursive,
            allow_files=allow_files,
            allow_folders=allow_folders,
            **kwargs,
        )

    def check(self) -> list[CheckMessage]:
        errors = super().check()
        if not self.allow_files and not self.allow_folders:
            errors.append(
                Error(
                    "FilePathFields must have either 'allow_files' or 'allow_folders' set to True.",
                    self,
                    "fields.E140",
                )
            )
        return errors


class GenericIPAddressField(Field):
    """An IPv4 or IPv6 address: ``char(39)``, ``inet`` on PostgreSQL. IPv6 addresses are
    stored in their compressed form; ``unpack_ipv4`` stores ``::ffff:a.b.c.d`` as
    ``a.b.c.d``. A blank value is stored as NULL, so ``blank`` needs ``null``."""

    empty_strings_allowed = False
    options = _options(max_length=39, protocol="both", unpack_ipv4=False)

    def __init__(
        self,
        verbose_name: str | None = None,
        name: str | None = None,
        protocol: str = "both",
        unpack_ipv4: bool = False,
        **kwargs: Any,
    ):
        kwargs["max_length"] = 39
        super().__init__(verbose_name, name, protocol=protocol, unpack_ipv4=unpack_ipv4, **kwargs)

    def check(self) -> list[CheckMessage]:
        errors = super().check()
        if self.blank and not self.null:
            errors.append(
                Error(
                    "GenericIPAddressFields cannot have blank=True if null=False, as blank "
                    "values are stored as nulls.",
                    self,
                    "fields.E150",
                )
            )
        return errors


class IPAddressField(Field):
    """Removed from Django; kept so historical migrations still load (fields.E900)."""

    empty_strings_allowed = False
    system_check_removed_details: ClassVar[dict[str, str] | None] = {
        "msg": "IPAddressField has been removed except for support in historical migrations.",
        "hint": "Use GenericIPAddressField instead.",
        "id": "fields.E900",
    }

    def __init__(self, verbose_name: str | None = None, name: str | None = None, **kwargs: Any):
        kwargs["max_length"] = 15
        super().__init__(verbose_name, name, **kwargs)
        self._given.pop("max_length", None)


# -- other scalars ------------------------------------------------------------------------


class BooleanField(Field):
    if TYPE_CHECKING:

        @overload
        def __get__(self, instance: None, owner: Any) -> Self: ...
        @overload
        def __get__(self, instance: object, owner: Any) -> bool: ...
        def __get__(self, instance: Any, owner: Any) -> Any: ...

    empty_strings_allowed = False


class NullBooleanField(BooleanField):
    """Removed from Django; kept so historical migrations still load (fields.E903)."""

    system_check_removed_details: ClassVar[dict[str, str] | None] = {
        "msg": "NullBooleanField is removed except for support in historical migrations.",
        "hint": "Use BooleanField(null=True, blank=True) instead.",
        "id": "fields.E903",
    }

    def __init__(self, verbose_name: str | None = None, name: str | None = None, **kwargs: Any):
        kwargs["null"] = True
        kwargs["blank"] = True
        super().__init__(verbose_name, name, **kwargs)
        self._given.pop("null", None)
        self._given.pop("blank", None)

    def get_internal_type(self) -> str:
        return "BooleanField"


class FloatField(Field):
    if TYPE_CHECKING:

        @overload
        def __get__(self, instance: None, owner: Any) -> Self: ...
        @overload
        def __get__(self, instance: object, owner: Any) -> float: ...
        def __get__(self, instance: Any, owner: Any) -> Any: ...

    empty_strings_allowed = False


class DecimalField(Field):
    if TYPE_CHECKING:

        @overload
        def __get__(self, instance: None, owner: Any) -> Self: ...
        @overload
        def __get__(self, instance: object, owner: Any) -> decimal.Decimal: ...
        def __get__(self, instance: Any, owner: Any) -> Any: ...

    empty_strings_allowed = False
    options = _options(max_digits=None, decimal_places=None)

    def check(self) -> list[CheckMessage]:
        errors = super().check()
        # Django's ids: E130/E132 for a missing option, E131/E133 for an invalid value
        for option, missing_id, invalid_id in (
            ("decimal_places", "fields.E130", "fields.E131"),
            ("max_digits", "fields.E132", "fields.E133"),
        ):
            value = getattr(self, option)
            if value is None:
                errors.append(
                    Error(f"DecimalFields must define a '{option}' attribute.", self, missing_id)
                )
            elif not isinstance(value, int) or value < (1 if option == "max_digits" else 0):
                kind = "positive" if option == "max_digits" else "non-negative"
                errors.append(Error(f"'{option}' must be a {kind} integer.", self, invalid_id))
        if (
            isinstance(self.max_digits, int)
            and isinstance(self.decimal_places, int)
            and self.decimal_places > self.max_digits
        ):
            errors.append(
                Error(
                    "'max_digits' must be greater or equal to 'decimal_places'.",
                    self,
                    "fields.E134",
                )
            )
        return errors


class DurationField(Field):
    if TYPE_CHECKING:

        @overload
        def __get__(self, instance: None, owner: Any) -> Self: ...
        @overload
        def __get__(self, instance: object, owner: Any) -> datetime.timedelta: ...
        def __get__(self, instance: Any, owner: Any) -> Any: ...

    empty_strings_allowed = False


class UUIDField(Field):
    if TYPE_CHECKING:

        @overload
        def __get__(self, instance: None, owner: Any) -> Self: ...
        @overload
        def __get__(self, instance: object, owner: Any) -> uuid.UUID: ...
        def __get__(self, instance: Any, owner: Any) -> Any: ...

    empty_strings_allowed = False


class BinaryField(Field):
    if TYPE_CHECKING:

        @overload
        def __get__(self, instance: None, owner: Any) -> Self: ...
        @overload
        def __get__(self, instance: object, owner: Any) -> bytes: ...
        def __get__(self, instance: Any, owner: Any) -> Any: ...

    options = _options(editable=False)


class JSONField(Field):
    """A JSON document. ``encoder`` (a ``json.JSONEncoder`` subclass such as
    ``DjangoJSONEncoder``) writes values plain JSON cannot hold; ``decoder`` reads them."""

    empty_strings_allowed = False
    options = _options(encoder=None, decoder=None)

    def __init__(self, verbose_name: str | None = None, name: str | None = None, **kwargs: Any):
        for key in ("encoder", "decoder"):
            if kwargs.get(key) is not None and not callable(kwargs[key]):
                raise ValueError(f"The {key} parameter must be a callable object.")
        super().__init__(verbose_name, name, **kwargs)


class DateField(Field):
    """A date; ``auto_now`` sets it on every save, ``auto_now_add`` on the first."""

    if TYPE_CHECKING:

        @overload
        def __get__(self, instance: None, owner: Any) -> Self: ...
        @overload
        def __get__(self, instance: object, owner: Any) -> datetime.date: ...
        def __get__(self, instance: Any, owner: Any) -> Any: ...

    empty_strings_allowed = False
    options = _options(auto_now=False, auto_now_add=False)

    def __init__(self, verbose_name: str | None = None, name: str | None = None, **kwargs: Any):
        if kwargs.get("auto_now") or kwargs.get("auto_now_add"):
            # forced, as in Django: deconstruct leaves them out, so a clone could not keep others
            kwargs["editable"] = False
            kwargs["blank"] = True
        super().__init__(verbose_name, name, **kwargs)
        if self.auto_now or self.auto_now_add:
            # implied by auto_now / auto_now_add, so not written into migrations
            self._given.pop("editable", None)
            self._given.pop("blank", None)

    def check(self) -> list[CheckMessage]:
        errors = super().check()
        if sum(bool(x) for x in (self.auto_now, self.auto_now_add, self.has_default())) > 1:
            errors.append(
                Error(
                    "The options auto_now, auto_now_add, and default are mutually exclusive. "
                    "Only one of these options may be present.",
                    self,
                    "fields.E160",
                )
            )
        return errors


class DateTimeField(DateField):
    if TYPE_CHECKING:

        @overload
        def __get__(self, instance: None, owner: Any) -> Self: ...
        @overload
        def __get__(self, instance: object, owner: Any) -> datetime.datetime: ...
        def __get__(self, instance: Any, owner: Any) -> Any: ...

    pass


class TimeField(DateField):
    if TYPE_CHECKING:

        @overload
        def __get__(self, instance: None, owner: Any) -> Self: ...
        @overload
        def __get__(self, instance: object, owner: Any) -> datetime.time: ...
        def __get__(self, instance: Any, owner: Any) -> Any: ...

    pass


class GeneratedField(Field):
    """A column the database computes from others of its row: ``GENERATED ALWAYS AS
    (expression) STORED`` (``db_persist=True``) or ``VIRTUAL`` (not on PostgreSQL). Its column
    type is ``output_field``'s; saves never write it, and read it back."""

    generated = True
    options = _options(
        blank=True, editable=False, expression=None, output_field=None, db_persist=None
    )

    def __init__(
        self,
        *,
        expression: Any,
        output_field: Field,
        db_persist: bool | None = None,
        **kwargs: Any,
    ):
        if kwargs.setdefault("editable", False):
            raise ValueError("GeneratedField cannot be editable.")
        if not kwargs.setdefault("blank", True):
            raise ValueError("GeneratedField must be blank.")
        if kwargs.get("default", NOT_PROVIDED) is not NOT_PROVIDED:
            raise ValueError("GeneratedField cannot have a default.")
        if kwargs.get("db_default", NOT_PROVIDED) is not NOT_PROVIDED:
            raise ValueError("GeneratedField cannot have a database default.")
        if db_persist not in (True, False):
            raise ValueError("GeneratedField.db_persist must be True or False.")
        super().__init__(
            expression=expression, output_field=output_field, db_persist=db_persist, **kwargs
        )

    def get_internal_type(self) -> str:
        return self.output_field.get_internal_type()

    def get_default(self) -> Any:
        return None

    def deconstruct(self) -> tuple[str | None, str, list[Any], dict[str, Any]]:
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("blank", None)
        kwargs.pop("editable", None)
        kwargs.update(
            db_persist=self.db_persist, expression=self.expression, output_field=self.output_field
        )
        return name, path, args, kwargs

    def check(self) -> list[CheckMessage]:
        errors = super().check()
        problems = [f"{m.msg} ({m.id})" for m in self.output_field.check() if m.is_error]
        if problems:
            separator = "\n    "
            errors.append(
                Error(
                    f"GeneratedField.output_field has errors:{separator}"
                    + separator.join(problems),
                    self,
                    "fields.E223",
                )
            )
        return errors


# -- relations ----------------------------------------------------------------------------


class ForeignKey(Field):
    """A many-to-one link; the column is ``<name>_id`` holding the target's primary key.

    ``to`` may be a model class, ``"Model"`` (same app), ``"app.Model"`` or ``"self"``; once
    bound to a model it is normalised to the lower-case label ``"app.model"``.
    """

    is_relation = True
    empty_strings_allowed = False
    options = _options(
        db_index=True,
        related_name=None,
        related_query_name=None,
        to_field=None,
        db_constraint=True,
        # no schema: which rows forms may pick, and whether a swappable target is written
        # as its setting (settings.AUTH_USER_MODEL)
        limit_choices_to=None,
        swappable=True,
    )

    def __init__(
        self,
        to: Any = None,
        on_delete: Callable[..., Any] | None = None,
        verbose_name: str | None = None,
        name: str | None = None,
        **kwargs: Any,
    ):
        super().__init__(verbose_name, name, **kwargs)
        self.remote_model = to if isinstance(to, type) else None
        self.to = _model_label(to) if to is not None else None
        self.on_delete = on_delete

    def get_attname(self) -> str:
        return f"{self.name}_id"

    def contribute_to_class(self, cls: type, name: str) -> None:
        super().contribute_to_class(cls, name)
        # on an abstract model the target stays as written: "self" and "Model" mean the
        # subclass and its app, and each subclass resolves its own copy of the field
        if not cls._meta.abstract:
            self.to = resolve_relation(self.to, cls._meta.app_label, cls._meta.object_name)
        from schemashift.models.related import ForwardRelationDescriptor

        setattr(cls, name, ForwardRelationDescriptor(self))

    def deconstruct(self) -> tuple[str | None, str, list[Any], dict[str, Any]]:
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("swappable", None)  # as Django, which never writes it
        to: Any = self.to
        setting = conf.swappable_setting_for(to) if self.swappable else None
        if setting is not None:
            # written as settings.AUTH_USER_MODEL, so the migration follows the setting
            to = conf.SettingsReference(to, setting)
        if kwargs.get("to_field") is not None and kwargs["to_field"] == self._target_pk_name():
            del kwargs["to_field"]  # as Django: naming the target's primary key says nothing
        kwargs = {"on_delete": self.on_delete, "to": to, **kwargs}
        return name, path, args, kwargs

    def _target_pk_name(self) -> str | None:
        """The name of the target's primary key, when the target model is known here."""
        target = self.remote_model
        if target is None and getattr(self, "model", None) is not None:
            from schemashift.models.related import related_model

            try:
                target = related_model(self)
            except LookupError:
                return None
        pk = getattr(getattr(target, "_meta", None), "pk", None)
        return None if pk is None else pk.name

    def clone(self) -> Field:
        name, _path, args, kwargs = self.deconstruct()
        return type(self)(*args, **kwargs)

    @property
    def related_model_key(self) -> tuple[str, str]:
        """(app_label, model_name_lower) of the target, once the label is resolved."""
        app_label, _, model = (self.to or "").partition(".")
        return app_label, model.lower()

    def check(self) -> list[CheckMessage]:
        errors = super().check()
        if self.to is None:
            errors.append(
                Error(
                    f"{type(self).__name__} requires a target model as its first argument.",
                    self,
                    "fields.E300",
                )
            )
        if self.on_delete is None:
            errors.append(
                Error(
                    f"{type(self).__name__} must set on_delete "
                    "(for example on_delete=models.CASCADE).",
                    self,
                    "fields.E320",
                )
            )
        elif not deletion.is_on_delete(self.on_delete):
            errors.append(
                Error(
                    "on_delete must be one of models.CASCADE, PROTECT, RESTRICT, SET_NULL, "
                    "SET_DEFAULT, SET(...) or DO_NOTHING.",
                    self,
                    "fields.E321",
                )
            )
        elif self.on_delete is deletion.SET_NULL and not self.null:
            errors.append(
                Error(
                    "Field specifies on_delete=SET_NULL, but cannot be null.", self, "fields.E320"
                )
            )
        elif self.on_delete is deletion.SET_DEFAULT and not self.has_default():
            errors.append(
                Error(
                    "Field specifies on_delete=SET_DEFAULT, but has no default value.",
                    self,
                    "fields.E321",
                )
            )
        return errors


class OneToOneField(ForeignKey):
    """A ForeignKey whose column is unique: each target row has at most one partner.

    ``parent_link=True`` marks the link of a multi-table inheritance child to its parent.
    """

    options = {**ForeignKey.options, "parent_link": False}

    def __init__(
        self,
        to: Any = None,
        on_delete: Callable[..., Any] | None = None,
        verbose_name: str | None = None,
        name: str | None = None,
        **kwargs: Any,
    ):
        kwargs["unique"] = True
        super().__init__(to, on_delete, verbose_name, name, **kwargs)
        self._given.pop("unique", None)


def _model_label(to: Any) -> str:
    if isinstance(to, str):
        return to
    meta = getattr(to, "_meta", None)
    if meta is None:
        raise TypeError(f"A relation's target must be a model class or a string, not {to!r}.")
    return meta.label_lower


def resolve_relation(to: str | None, app_label: str, object_name: str) -> str | None:
    """Normalise a relation target to ``"app.model"`` (lower case) as seen from a model."""
    if to is None:
        return None
    if to == "self":
        return f"{app_label}.{object_name}".lower()
    if "." not in to:
        return f"{app_label}.{to}".lower()
    target_app, _, name = to.rpartition(".")
    return f"{target_app}.{name.lower()}"
