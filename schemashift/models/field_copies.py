"""Copies of a field with one thing changed, for the columns of staged changes
(``migrations/operations/staged.py``, ``db/backends/staged_columns.py``)."""

from __future__ import annotations

from typing import Any

from schemashift.models.fields import Field

#: the end of the name and column of the column a type change is staged in
SHADOW_SUFFIX = "__new"


def _copy(field: Field, name: str, **changes: Any) -> Field:
    _name, _path, args, kwargs = field.deconstruct()
    for key, value in changes.items():
        if value is _DROP:
            kwargs.pop(key, None)
        else:
            kwargs[key] = value
    copied = type(field)(*args, **kwargs)
    copied.set_attributes_from_name(name)
    return copied


_DROP = object()


def shadow_of(field: Field, name: str, column: str) -> Field:
    """``field`` as a shadow column: named ``name``, in ``column``, NULL allowed (a trigger
    fills it on every write), no Python default."""
    return _copy(field, name, default=_DROP, null=True, db_column=column)


def as_column(field: Field, name: str, column: str) -> Field:
    """``field`` named ``name`` in ``column``."""
    return _copy(field, name, db_column=column)


def without_indexes(field: Field) -> Field:
    """``field`` with no index nor unique constraint of its own."""
    return _copy(field, field.name, db_index=False, unique=False)


def without_default(field: Field) -> Field:
    """``field`` without its Python default."""
    return _copy(field, field.name, default=_DROP)


__all__ = ["SHADOW_SUFFIX", "as_column", "shadow_of", "without_default", "without_indexes"]
