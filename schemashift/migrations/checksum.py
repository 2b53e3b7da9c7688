"""Checksums of migrations: what a migration's operations do, not how its file is written.

``migration_checksum(migration)`` hashes one normal form of the loaded migration: each
operation's ``deconstruct()`` (keyword arguments, dict keys and set members sorted), and its
``replaces`` (sorted). Dependencies are left out: they order migrations, they do not change
what one does; so are the findings an operation acknowledges (``acknowledge=[...]``). So
reformatting a file (whitespace, comments, quotes, keyword order, trailing commas, import
style) keeps the checksum, and any change to an argument, or an operation added, removed or
moved, changes it.

Code that the file itself holds is hashed by what it says:

- a function defined in the migration file (``RunPython``'s code): its name and its parsed
  source, without comments, formatting or docstring. A function imported from another module
  is named (``module.qualname``) but its body is not read: the checksum is the file's.
- ``RunSQL``'s statements: their text with each run of whitespace outside quotes made one
  space, so re-indenting or re-flowing a triple-quoted string is not a change.

The checksum starts with its version (``v1:``): a recorded checksum of another version is
never compared. Nothing here imports SQLAlchemy.
"""

from __future__ import annotations

import ast
import datetime
import decimal
import enum
import functools
import hashlib
import importlib
import inspect
import json
import pathlib
import re
import textwrap
import types
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from schemashift.conf import SettingsReference
from schemashift.migrations.cache import CachedMigration
from schemashift.migrations.operations.base import Operation
from schemashift.migrations.operations.special import RunSQL
from schemashift.models.enums import Choices
from schemashift.utils.functional import Promise

if TYPE_CHECKING:
    from schemashift.migrations.migration import Migration

Key = tuple[str, str]
#: the first part of every checksum; a new normal form gets a new version
VERSION = "v1"
#: the types whose values are their own form (exactly these: subclasses may be enums)
_PLAIN = frozenset({str, int, bool})
#: AST fields that say nothing the other fields do not (Load/Store, comments on types)
_AST_NOISE = frozenset({"ctx", "type_comment", "kind"})


def migration_checksum(migration: Migration) -> str:
    """``v1:<sha256 hex>`` of the migration's operations and ``replaces`` (for a migration
    known from the cache, the checksum its file had when the cache was written)."""
    if isinstance(migration, CachedMigration):
        return migration.checksum
    text = json.dumps(migration_form(migration), ensure_ascii=False, separators=(",", ":"))
    return f"{VERSION}:{hashlib.sha256(text.encode()).hexdigest()}"


def migration_form(migration: Migration) -> list[Any]:
    """The normal form the checksum hashes: plain JSON data."""
    form = _NormalForm(type(migration).__module__)
    replaces = sorted([str(app), str(name)] for app, name in migration.replaces)
    return [
        ["operations", [form.value(operation) for operation in migration.operations]],
        ["replaces", replaces],
    ]


def normal_form(value: Any) -> Any:
    """Any value as the plain JSON data the checksums hash (functions by reference)."""
    return _NormalForm("").value(value)


@dataclass(frozen=True)
class ChangedMigration:
    """An applied migration whose file no longer has the checksum recorded when applied."""

    app_label: str
    name: str
    recorded: str
    current: str

    def __str__(self) -> str:
        return f"{self.app_label}.{self.name}"

    def describe(self, alias: str) -> str:
        """``polls.0002_x was changed after it was applied to database 'default' (...)``: the
        migration, the database and both checksums (shortened)."""
        return (
            f"{self} was changed after it was applied to database '{alias}' "
            f"(checksum {_short(self.recorded)} when applied, {_short(self.current)} now)"
        )


def changed_migrations(
    recorded: Mapping[Key, str | None], on_disk: Mapping[Key, Migration]
) -> list[ChangedMigration]:
    """The applied migrations, in ``recorded``'s order, whose files changed since.

    ``recorded`` maps each history row to its checksum: a row without one (written by an
    older schemashift, or set to NULL by hand) or of another checksum version is never
    reported. Nor is a row whose file is gone: once a squash replaces migrations, their
    files may be deleted; while they are kept, they are compared like any other.
    """
    changed = []
    for key, checksum in recorded.items():
        migration = on_disk.get(key)
        if not checksum or migration is None or not checksum.startswith(f"{VERSION}:"):
            continue
        current = migration_checksum(migration)
        if current != checksum:
            changed.append(ChangedMigration(key[0], key[1], checksum, current))
    return changed


def _short(checksum: str) -> str:
    return checksum.partition(":")[2][:12] or checksum[:12]


class _NormalForm:
    """Turns the values of a migration file into plain JSON data, the same for equal values.

    Strings, ints, booleans and None stay as they are; everything else becomes a list whose
    first item names its kind, so no two kinds can give the same form.
    """

    def __init__(self, migration_module: str) -> None:
        self.migration_module = migration_module

    def value(self, value: Any) -> Any:
        kind = type(value)
        if value is None or kind in _PLAIN:
            return value
        if kind is list or kind is tuple:
            return ["list", [self.value(item) for item in value]]
        if kind is dict:
            return self.mapping(value)
        if isinstance(value, Promise):
            value = str(value)
        if isinstance(value, SettingsReference):
            return ["setting", value.setting_name]
        if value is None or isinstance(value, bool | str):
            return value
        if isinstance(value, Choices):
            return self.value(value.value)
        if isinstance(value, enum.Enum):
            return ["enum", _reference(type(value)), value.name]
        if isinstance(value, int):
            return value
        if isinstance(value, type):
            return ["class", _reference(value)]
        if isinstance(value, functools.partial | functools.partialmethod):
            keywords = self.value(dict(value.keywords))
            return ["partial", self.value(value.func), self.value(value.args), keywords]
        if isinstance(value, types.FunctionType | types.BuiltinFunctionType | types.MethodType):
            return self.function(value)
        if isinstance(value, list | tuple):
            return ["list", [self.value(item) for item in value]]
        if isinstance(value, set | frozenset):
            return ["set", sorted((self.value(item) for item in value), key=_sort_key)]
        if isinstance(value, dict):
            return self.mapping(value)
        scalar = _scalar(value)
        if scalar is not None:
            return scalar
        if hasattr(value, "deconstruct"):
            return self.deconstructed(value)
        return ["object", _reference(type(value)), _without_addresses(repr(value))]

    def mapping(self, value: dict) -> list[Any]:
        items = [[self.value(key), self.value(item)] for key, item in value.items()]
        return ["dict", sorted(items, key=lambda pair: _sort_key(pair[0]))]

    def deconstructed(self, value: Any) -> list[Any]:
        """An operation, field, index, expression...: its path, args and sorted kwargs."""
        try:
            path, args, kwargs = value.deconstruct()[-3:]
        except Exception:  # a value of the user's that cannot describe itself: its repr will do
            return ["object", _reference(type(value)), _without_addresses(repr(value))]
        if isinstance(value, Operation) and "acknowledge" in kwargs:
            # the findings its author accepted: they change nothing the operation does
            kwargs = {key: item for key, item in kwargs.items() if key != "acknowledge"}
        if isinstance(value, RunSQL):
            kwargs = {
                key: _sql(item) if key in ("sql", "reverse_sql") else item
                for key, item in kwargs.items()
            }
        return ["call", str(path), self.value(list(args)), self.value(dict(kwargs))]

    def function(self, function: Any) -> list[Any]:
        """A function of the migration file by its name and code; any other by reference."""
        owner = getattr(function, "__self__", None)
        if isinstance(owner, type):
            return ["method", _reference(owner), function.__name__]
        qualname = getattr(function, "__qualname__", None) or function.__name__
        module = getattr(function, "__module__", None)
        if module != self.migration_module:
            return ["function", f"{module}.{qualname}"]
        return ["function", qualname, _source_form(function)]


def _scalar(value: Any) -> list[Any] | None:
    """The form of a float, number type, date, time, path or pattern; None for others."""
    if isinstance(value, float | complex):
        return [type(value).__name__, repr(value)]
    if isinstance(value, bytes | bytearray):
        return ["bytes", bytes(value).hex()]
    if isinstance(value, decimal.Decimal):
        return ["decimal", str(value)]
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC)
        return ["datetime", value.isoformat()]
    if isinstance(value, datetime.date | datetime.time):
        return [type(value).__name__, value.isoformat()]
    if isinstance(value, datetime.timedelta):
        return ["timedelta", value.days, value.seconds, value.microseconds]
    if isinstance(value, uuid.UUID):
        return ["uuid", str(value)]
    if isinstance(value, pathlib.PurePath):
        return ["path", type(value).__name__, str(value)]
    if isinstance(value, re.Pattern):
        return ["regex", value.pattern, int(value.flags)]
    return None


def _sql(value: Any) -> Any:
    """RunSQL's ``sql``: a string, or a list of strings and ``(sql, params)`` pairs."""
    if isinstance(value, str):
        return _sql_text(value)
    if isinstance(value, list | tuple):
        if len(value) == 2 and isinstance(value[0], str) and not isinstance(value[1], str):
            return type(value)([_sql(value[0]), value[1]])
        return type(value)(_sql(item) for item in value)
    return value


def _sql_text(sql: str) -> str:
    """The statements with each run of whitespace outside quotes and comments made one space
    (a ``--`` comment ends with its line), and none at either end."""
    out: list[str] = []
    spaced = False
    i, end = 0, len(sql)
    while i < end:
        char = sql[i]
        if char.isspace():
            spaced, i = True, i + 1
            continue
        if spaced and out and not out[-1].endswith("\n"):
            out.append(" ")
        spaced = False
        if char in "'\"`":
            close = _closing_quote(sql, i)
            out.append(sql[i:close])
            i = close
        elif sql.startswith("--", i):
            close = sql.find("\n", i)
            close = end if close < 0 else close
            out.append(sql[i:close].rstrip() + "\n")
            i = close
        elif sql.startswith("/*", i):
            close = sql.find("*/", i + 2)
            close = end if close < 0 else close + 2
            out.append(sql[i:close])
            i = close
        else:
            out.append(char)
            i += 1
    return "".join(out).strip()


def _closing_quote(sql: str, start: int) -> int:
    """The index just past the quoted text opening at ``start`` (a backslash escapes)."""
    quote, i = sql[start], start + 1
    while i < len(sql):
        if sql[i] == "\\":
            i += 2
            continue
        if sql[i] == quote:
            return i + 1
        i += 1
    return len(sql)


def _source_form(function: Any) -> Any:
    """The function's code as parsed; its source with whitespace collapsed where it does not
    parse alone (a lambda inside a call); None where Python has no source for it."""
    try:
        source = inspect.getsource(function)
    except Exception:  # OSError, TypeError, and what inspect raises for odd code objects
        return None
    try:
        tree = ast.parse(textwrap.dedent(source))
    except SyntaxError:
        return " ".join(source.split())
    _drop_docstrings(tree)
    return _ast_form(tree)


def _drop_docstrings(tree: ast.AST) -> None:
    kinds = (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    for node in ast.walk(tree):
        if not isinstance(node, kinds) or not node.body:
            continue
        first = node.body[0]
        value = first.value if isinstance(first, ast.Expr) else None
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            node.body = node.body[1:] or [ast.Pass()]


def _ast_form(node: Any) -> Any:
    """A syntax tree as plain data. Empty and None fields are left out, as are positions, so
    Python versions that add a field (``type_params``, say) give the same form."""
    if isinstance(node, ast.AST):
        fields = [
            [name, _ast_form(value)]
            for name, value in ast.iter_fields(node)
            if name not in _AST_NOISE and value is not None and value != []
        ]
        return [type(node).__name__, fields]
    if isinstance(node, list):
        return [_ast_form(item) for item in node]
    return repr(node)


def _reference(obj: Any) -> str:
    """``module.qualname``, with schemashift's own classes by their public path."""
    module = getattr(obj, "__module__", None) or ""
    qualname = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", repr(obj))
    for package in ("schemashift.models", "schemashift.migrations"):
        if module.startswith(package + ".") and _public(package, qualname) is obj:
            return f"{package}.{qualname}"
    return f"{module}.{qualname}"


def _public(package: str, name: str) -> Any:
    return getattr(importlib.import_module(package), name, None)


def _sort_key(form: Any) -> str:
    """Strings (most keys) by themselves, other forms by their JSON text, after them."""
    if isinstance(form, str):
        return form
    return "\uffff" + json.dumps(form, ensure_ascii=False, separators=(",", ":"))


def _without_addresses(text: str) -> str:
    """A repr without the memory addresses that differ from run to run."""
    return re.sub(r" at 0x[0-9a-fA-F]+", "", text)


__all__ = ["ChangedMigration", "VERSION", "changed_migrations", "migration_checksum"]
