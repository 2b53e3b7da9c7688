"""Python values as source text for migration files.

``serialize(value)`` returns the expression on one line and the import lines it needs.
``serialize_node(value)`` returns the same expression as a small tree (``Atom``, ``Group``,
``Prefixed``) that ``layout()`` wraps the way black and ``ruff format`` do: a bracket that
does not fit is opened, and its items go on one line each, with a trailing comma.

The output is deterministic: set members are sorted by their source text; dicts keep their
insertion order; aware datetimes are converted to UTC.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import functools
import importlib
import math
import os
import pathlib
import re
import sys
import types
import uuid
import zoneinfo
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from schemashift.conf import SettingsReference
from schemashift.exceptions import SerializationError
from schemashift.models.enums import Choices
from schemashift.utils.functional import Promise

MODELS_IMPORT = "from schemashift import models"
MIGRATIONS_IMPORT = "from schemashift import migrations"
SETTINGS_IMPORT = "from schemashift.conf import settings"


@dataclass(frozen=True, slots=True)
class Atom:
    """Source text that is never split."""

    text: str


@dataclass(frozen=True, slots=True)
class Group:
    """A bracketed list of items: a call, list, tuple, set or dict.

    ``is_call`` marks call arguments, whose items may share one indented line when the whole
    call does not fit; collection literals put each item on its own line instead (as black).
    ``one_tuple`` keeps the trailing comma of ``(x,)``.
    """

    opener: str
    items: tuple[Node, ...]
    closer: str
    is_call: bool = False
    one_tuple: bool = False


@dataclass(frozen=True, slots=True)
class Prefixed:
    """An item with a flat prefix: ``name=`` before a keyword argument, ``key: `` in a dict."""

    prefix: str
    node: Node


Node = Atom | Group | Prefixed


@dataclass(frozen=True)
class LocalFunction:
    """A function the migration file defines itself, written as its bare ``name``.

    squashmigrations copies the RunPython functions of the migrations it replaces into the
    new file and points the operations at the copies this way; calling it calls the original.
    """

    name: str
    function: Callable[..., Any]

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.function(*args, **kwargs)


def serialize(value: Any) -> tuple[str, set[str]]:
    """``(source, imports)`` for a value, the source on one line.

    Raises SerializationError for values a migration file cannot hold: lambdas, functions
    defined inside functions, bound methods of instances, and objects without deconstruct().
    """
    node, imports = serialize_node(value)
    return flat(node), imports


def serialize_node(value: Any) -> tuple[Node, set[str]]:
    """``(node, imports)`` for a value; ``layout()`` turns the node into wrapped source."""
    imports: set[str] = set()
    return _Builder(imports).build(value), imports


def flat(node: Node) -> str:
    """The node's source on one line."""
    if isinstance(node, Atom):
        return node.text
    if isinstance(node, Prefixed):
        return node.prefix + flat(node.node)
    body = ", ".join(flat(item) for item in node.items)
    if node.one_tuple:
        body += ","
    return f"{node.opener}{body}{node.closer}"


def layout(
    node: Node, indent: int = 0, used: int | None = None, trailing: int = 0, width: int = 88
) -> str:
    """The node's source, wrapped to ``width`` columns as black would.

    ``indent`` is the indentation of the line the node starts on, ``used`` the columns
    already taken on that line before it (default: ``indent``), and ``trailing`` the
    characters that follow it on its last line (a comma, say).
    """
    if used is None:
        used = indent
    if isinstance(node, Atom):
        return node.text
    if isinstance(node, Prefixed):
        return node.prefix + layout(node.node, indent, used + len(node.prefix), trailing, width)
    text = flat(node)
    if not node.items or used + len(text) + trailing <= width:
        return text
    inner = indent + 4
    pad = " " * inner
    end = "\n" + " " * indent + node.closer
    if len(node.items) == 1:
        # No comma separates anything: black hugs the single item without adding one.
        comma = "," if node.one_tuple else ""
        item = layout(node.items[0], inner, inner, len(comma), width)
        return f"{node.opener}\n{pad}{item}{comma}{end}"
    if node.is_call:
        body = ", ".join(flat(item) for item in node.items)
        if inner + len(body) <= width:
            return f"{node.opener}\n{pad}{body}{end}"
    lines = [f"{pad}{layout(item, inner, inner, 1, width)}," for item in node.items]
    return node.opener + "\n" + "\n".join(lines) + end


def quote(text: str | bytes) -> str:
    """A string or bytes literal, in double quotes unless that needs more escapes (as black)."""
    source = repr(text)
    prefix = "b" if isinstance(text, bytes) else ""
    body = source[len(prefix) + 1 : -1]
    raw = text.decode("latin-1") if isinstance(text, bytes) else text
    if source[len(prefix)] == '"' or raw.count('"') > raw.count("'"):
        return source
    # repr chose single quotes: unescape \' and escape " instead.
    out = []
    chars = iter(body)
    for char in chars:
        if char == "\\":
            following = next(chars)
            out.append("'" if following == "'" else "\\" + following)
        elif char == '"':
            out.append('\\"')
        else:
            out.append(char)
    return f'{prefix}"{"".join(out)}"'


def _call(name: str, args: Sequence[Node], kwargs: Sequence[tuple[str, Node]] = ()) -> Group:
    items = tuple(args) + tuple(Prefixed(f"{key}=", value) for key, value in kwargs)
    return Group(f"{name}(", items, ")", is_call=True)


def _is_dotted_identifier(name: str) -> bool:
    return all(part.isidentifier() for part in name.split("."))


class _Builder:
    """Builds the node for one value, collecting imports as it goes."""

    def __init__(self, imports: set[str]) -> None:
        self.imports = imports
        self.in_progress: set[int] = set()

    def build(self, value: Any) -> Node:
        if isinstance(value, Promise):
            # lazy (translatable) text is written as the plain string, as Django writes it
            value = str(value)
        if isinstance(value, LocalFunction):
            return Atom(value.name)
        if isinstance(value, SettingsReference):
            self.imports.add(SETTINGS_IMPORT)
            return Atom(f"settings.{value.setting_name}")
        if value is None or isinstance(value, bool):
            return Atom(repr(value))
        if isinstance(value, Choices):
            # a member of TextChoices or IntegerChoices is written as its plain value
            return self.build(value.value)
        if isinstance(value, enum.Enum):
            return self.enum_member(value)
        if isinstance(value, type):
            return Atom(self.class_reference(value))
        if isinstance(value, (functools.partial, functools.partialmethod)):
            return self.partial(value)
        if isinstance(value, (types.FunctionType, types.BuiltinFunctionType, types.MethodType)):
            return Atom(self.function_reference(value))
        for kind, method in self.SCALARS:
            if isinstance(value, kind):
                return method(self, value)
        if isinstance(value, (list, tuple, set, frozenset, dict)):
            return self.collection(value)
        if isinstance(value, re.Pattern):
            return self.regex(value)
        if isinstance(value, pathlib.PurePath):
            return self.path(value)
        if isinstance(value, os.PathLike):
            return self.build(os.fspath(value))
        if hasattr(value, "deconstruct"):
            return self.deconstructible(value)
        raise SerializationError(
            f"Cannot serialize {value!r} (of type {_type_name(value)}): a migration file can "
            "hold literals, collections, dates and times, Decimal, UUID, enums, module-level "
            "functions and classes, and objects with a deconstruct() method."
        )

    # -- scalars ----------------------------------------------------------------------------

    def build_number(self, value: int | float | complex) -> Node:
        if isinstance(value, complex):
            return _call("complex", [self.build_number(value.real), self.build_number(value.imag)])
        if isinstance(value, float):
            if math.isnan(value):
                return Atom('float("nan")')
            if math.isinf(value):
                return Atom('float("inf")' if value > 0 else 'float("-inf")')
            return Atom(repr(value).replace("e+", "e"))
        return Atom(repr(int(value)))

    def build_text(self, value: str | bytes) -> Node:
        return Atom(quote(bytes(value) if isinstance(value, bytes) else str(value)))

    def build_decimal(self, value: decimal.Decimal) -> Node:
        self.imports.add("from decimal import Decimal")
        return _call("Decimal", [Atom(quote(str(value)))])

    def build_uuid(self, value: uuid.UUID) -> Node:
        self.imports.add("import uuid")
        return _call("uuid.UUID", [Atom(quote(str(value)))])

    def build_datetime(self, value: datetime.datetime) -> Node:
        self.imports.add("import datetime")
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC)
        numbers = [value.year, value.month, value.day, value.hour, value.minute]
        numbers += _seconds(value.second, value.microsecond)
        return _call("datetime.datetime", [Atom(str(n)) for n in numbers], self._tz_kwargs(value))

    def build_date(self, value: datetime.date) -> Node:
        self.imports.add("import datetime")
        return _call("datetime.date", [Atom(str(n)) for n in (value.year, value.month, value.day)])

    def build_time(self, value: datetime.time) -> Node:
        self.imports.add("import datetime")
        numbers = [value.hour, value.minute, *_seconds(value.second, value.microsecond)]
        return _call("datetime.time", [Atom(str(n)) for n in numbers], self._tz_kwargs(value))

    def _tz_kwargs(self, value: datetime.datetime | datetime.time) -> list[tuple[str, Node]]:
        kwargs = []
        if value.tzinfo is not None:
            kwargs.append(("tzinfo", self.tzinfo(value.tzinfo)))
        if value.fold:
            kwargs.append(("fold", Atom("1")))
        return kwargs

    def tzinfo(self, tz: datetime.tzinfo) -> Node:
        if tz is datetime.UTC or tz == datetime.UTC:
            return Atom("datetime.timezone.utc")
        if isinstance(tz, datetime.timezone):
            offset = tz.utcoffset(None)
            args: list[Node] = [self.build_timedelta(offset)]
            if tz.tzname(None) != datetime.timezone(offset).tzname(None):
                args.append(self.build(tz.tzname(None)))
            return _call("datetime.timezone", args)
        if isinstance(tz, zoneinfo.ZoneInfo) and tz.key:
            self.imports.add("import zoneinfo")
            return _call("zoneinfo.ZoneInfo", [Atom(quote(tz.key))])
        raise SerializationError(
            f"Cannot serialize the time zone {tz!r}: use datetime.timezone or zoneinfo.ZoneInfo."
        )

    def build_timedelta(self, value: datetime.timedelta) -> Node:
        self.imports.add("import datetime")
        parts = [
            (name, Atom(str(amount)))
            for name, amount in (
                ("days", value.days),
                ("seconds", value.seconds),
                ("microseconds", value.microseconds),
            )
            if amount
        ]
        if not parts:
            return Atom("datetime.timedelta(0)")
        return _call("datetime.timedelta", [], parts)

    # datetime before date: a datetime is a date too. bool was handled before int.
    SCALARS: tuple[tuple[type, Any], ...] = (
        (datetime.datetime, build_datetime),
        (datetime.date, build_date),
        (datetime.time, build_time),
        (datetime.timedelta, build_timedelta),
        (decimal.Decimal, build_decimal),
        (uuid.UUID, build_uuid),
        ((int, float, complex), build_number),
        ((str, bytes), build_text),
    )

    # -- collections ------------------------------------------------------------------------

    def collection(self, value: list | tuple | set | frozenset | dict) -> Node:
        if id(value) in self.in_progress:
            raise SerializationError(
                f"Cannot serialize a {type(value).__name__} that contains itself."
            )
        self.in_progress.add(id(value))
        try:
            return self._collection(value)
        finally:
            self.in_progress.discard(id(value))

    def _collection(self, value: list | tuple | set | frozenset | dict) -> Node:
        if isinstance(value, dict):
            if not value:
                return Atom("{}")
            items = tuple(
                Prefixed(f"{flat(self.build(key))}: ", self.build(item))
                for key, item in value.items()
            )
            return Group("{", items, "}")
        if isinstance(value, (set, frozenset)):
            members = tuple(sorted((self.build(item) for item in value), key=flat))
            if isinstance(value, frozenset):
                if not members:
                    return Atom("frozenset()")
                return _call("frozenset", [Group("{", members, "}")])
            return Group("{", members, "}") if members else Atom("set()")
        items = tuple(self.build(item) for item in value)
        if isinstance(value, tuple):
            if not items:
                return Atom("()")
            return Group("(", items, ")", one_tuple=len(items) == 1)
        return Group("[", items, "]") if items else Atom("[]")

    # -- references to code -----------------------------------------------------------------

    def enum_member(self, value: enum.Enum) -> Node:
        enum_class = type(value)
        if _inside(enum_class.__module__, "schemashift.models"):
            # by its module, as Django writes its own enums (``...constraints.Deferrable``)
            self.imports.add(f"import {enum_class.__module__}")
            reference = f"{enum_class.__module__}.{enum_class.__qualname__}"
        else:
            reference = self.class_reference(enum_class)
        if isinstance(value, enum.Flag):
            members = list(value)
            if not members:
                return _call(reference, [self.build(value.value)])
            return Atom(" | ".join(f"{reference}[{quote(m.name)}]" for m in members))
        return Atom(f"{reference}[{quote(value.name)}]")

    def class_reference(self, cls: type) -> str:
        if cls is type(None):
            return "type(None)"
        return self.object_reference(cls, "class")

    def function_reference(self, function: Any) -> str:
        owner = getattr(function, "__self__", None)
        if isinstance(owner, type):
            # A classmethod, or a method of a built-in type such as datetime.datetime.now.
            return f"{self.class_reference(owner)}.{function.__name__}"
        if owner is not None and not isinstance(owner, types.ModuleType):
            raise SerializationError(
                f"Cannot serialize the bound method {function!r}: a migration file cannot "
                "refer to one object's method; use a module-level function."
            )
        if function.__name__ == "<lambda>":
            raise SerializationError(
                "Cannot serialize function <lambda>: lambdas cannot be written into a "
                "migration file; use a module-level function."
            )
        return self.object_reference(function, "function")

    def object_reference(self, obj: Any, kind: str) -> str:
        """``module.qualname`` for a module-level function or class, importing the module."""
        module = getattr(obj, "__module__", None)
        qualname = getattr(obj, "__qualname__", None) or obj.__name__
        if "<locals>" in qualname or "<" in qualname:
            raise SerializationError(
                f"Cannot serialize {kind} {qualname}: it is defined inside a function "
                f"(in module {module}), so a migration file cannot import it; move it to the "
                "top level of a module."
            )
        if module is None:
            raise SerializationError(
                f"Cannot serialize {kind} {qualname}: it has no module to import it from."
            )
        if module == "builtins":
            return qualname
        for package, alias, line in _PACKAGE_ALIASES:
            if _inside(module, package) and _resolve(package, qualname) is obj:
                self.imports.add(line)
                return f"{alias}.{qualname}"
        if not _is_dotted_identifier(module):
            raise SerializationError(
                f"Cannot serialize {kind} {qualname}: its module {module} cannot be imported "
                "by name (migration files, for one, start with a digit); move it to a module "
                "with an importable name."
            )
        if _resolve(module, qualname) is not obj:
            raise SerializationError(
                f"Cannot serialize {kind} {qualname}: {module}.{qualname} does not refer to it "
                "(it was renamed, replaced or decorated); use a module-level name."
            )
        self.imports.add(f"import {module}")
        return f"{module}.{qualname}"

    def partial(self, value: functools.partial | functools.partialmethod) -> Node:
        self.imports.add("import functools")
        name = type(value).__name__
        args = [self.build(value.func)] + [self.build(arg) for arg in value.args]
        kwargs = [(key, self.build(item)) for key, item in value.keywords.items()]
        return _call(f"functools.{name}", args, kwargs)

    def regex(self, value: re.Pattern) -> Node:
        self.imports.add("import re")
        args = [self.build(value.pattern)]
        # Implicit flags (re.UNICODE for str patterns) are left out: re.compile adds them.
        flags = value.flags & ~re.compile(value.pattern[:0]).flags
        if flags:
            args.append(self.build(re.RegexFlag(flags)))
        return _call("re.compile", args)

    def path(self, value: pathlib.PurePath) -> Node:
        self.imports.add("import pathlib")
        if isinstance(value, pathlib.Path):
            value = pathlib.PurePath(value)
        return _call(f"pathlib.{type(value).__name__}", [Atom(quote(str(value)))])

    def deconstructible(self, value: Any) -> Node:
        parts = value.deconstruct()
        if not isinstance(parts, tuple) or len(parts) not in (3, 4):
            raise SerializationError(
                f"Cannot serialize {value!r}: its deconstruct() must return (path, args, kwargs) "
                "or, for a field, (name, path, args, kwargs)."
            )
        path, args, kwargs = parts[-3:]
        # Operations deconstruct to their bare class name and keep their keyword order; fields
        # and other values list their keywords sorted, as Django writes them.
        if "." in path:
            reference = self.path_reference(path)
            items = sorted(kwargs.items())
        else:
            reference = self.class_reference(type(value))
            items = list(kwargs.items())
        return _call(
            reference,
            [self.build(arg) for arg in args],
            [(key, self.build(item)) for key, item in items],
        )

    def path_reference(self, path: str) -> str:
        module, _, name = path.rpartition(".")
        if module == "schemashift.models" or (
            _inside(module, "schemashift.models") and _exported("schemashift.models", name)
        ):
            self.imports.add(MODELS_IMPORT)
            return f"models.{name}"
        if module == "schemashift.migrations":
            self.imports.add(MIGRATIONS_IMPORT)
            return f"migrations.{name}"
        self.imports.add(f"import {module}")
        return path


# Packages whose public names migration files use through ``from schemashift import ...``.
_PACKAGE_ALIASES = (
    ("schemashift.models", "models", MODELS_IMPORT),
    ("schemashift.migrations", "migrations", MIGRATIONS_IMPORT),
)


def _inside(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _seconds(second: int, microsecond: int) -> list[int]:
    """The trailing numbers of a time, as repr() writes them: none, seconds, or both."""
    if microsecond:
        return [second, microsecond]
    return [second] if second else []


def _type_name(value: Any) -> str:
    cls = type(value)
    return (
        cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"
    )


def _exported(module_name: str, name: str) -> Any:
    """What ``module_name`` exports under ``name``, or None."""
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    return getattr(module, name, None)


def _resolve(module_name: str, qualname: str) -> Any:
    """The object at ``module.qualname``, or None when the path leads nowhere."""
    target: Any = sys.modules.get(module_name)
    if target is None:
        try:
            target = importlib.import_module(module_name)
        except Exception:
            return None
    for part in qualname.split("."):
        target = getattr(target, part, None)
        if target is None:
            return None
    return target
