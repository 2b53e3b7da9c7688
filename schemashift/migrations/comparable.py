"""One normal form for comparing definitions by value (operations, field arguments, options)."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from schemashift.models.fields import Field


def comparable(value: Any) -> Any:
    """A value equal to that of any equal definition.

    Objects with ``deconstruct()`` become their class and deconstruction (a field's name
    left out), ``functools.partial`` its function and arguments, dicts and sets their sorted
    contents, lists and tuples tuples. Such objects compare by identity, and a model and a
    migration file build separate ones, which must not count as a change.
    """
    if isinstance(value, functools.partial):
        keywords = tuple(sorted((k, comparable(v)) for k, v in value.keywords.items()))
        return ("partial", value.func, comparable(value.args), keywords)
    if hasattr(value, "deconstruct") and not isinstance(value, type):
        parts = value.deconstruct()[-3:]
        return (type(value).__qualname__, *(comparable(part) for part in parts))
    if isinstance(value, dict):
        items = ((repr(k), comparable(v)) for k, v in value.items())
        return ("dict", tuple(sorted(items, key=lambda item: item[0])))
    if isinstance(value, (list, tuple)):
        return tuple(comparable(item) for item in value)
    if isinstance(value, (set, frozenset)):
        return ("set", tuple(sorted(repr(comparable(item)) for item in value)))
    return value


def field_signature(model_field: Field) -> tuple[str, tuple[Any, ...], tuple[Any, ...]]:
    """A comparable description of a field: its path, args and sorted kwargs."""
    _name, path, args, kwargs = model_field.deconstruct()
    return path, tuple(args), tuple(sorted(kwargs.items(), key=lambda item: item[0]))
