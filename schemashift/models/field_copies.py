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


_INTEGER_SIZES = {"SmallIntegerField": 2, "IntegerField": 4, "BigIntegerField": 8}
_TEXT_KINDS = ("CharField", "TextField")


def is_plain_column(field: Field) -> bool:
    """Whether a field is a column of its own that a staged change can replace: no relation,
    primary key or generated column."""
    return not (field.is_relation or field.many_to_many or field.primary_key or field.generated)


def named_by_meta(model: Any, name: str) -> bool:
    """Whether the model state's Meta indexes, constraints or unique_together name the field
    (they would stay on the old column, which a staged change drops)."""
    named = {field for group in model.unique_together for field in group}
    for item in [*model.indexes, *model.constraints]:
        named.update(getattr(item, "fields", ()) or ())
    return name in named


def widens(old: Field, new: Field) -> bool:
    """Whether every value of ``old`` fits ``new`` unchanged: a larger integer, a longer (or
    unbounded) text, a decimal with more digits and the same places. A staged type change is
    one of these: a copy trigger would refuse the previous version's writes otherwise."""
    old_kind, new_kind = old.get_internal_type(), new.get_internal_type()
    if old_kind in _INTEGER_SIZES and new_kind in _INTEGER_SIZES:
        return _INTEGER_SIZES[new_kind] >= _INTEGER_SIZES[old_kind]
    if old_kind in _TEXT_KINDS and new_kind in _TEXT_KINDS:
        if new_kind == "TextField" or new.max_length is None:
            return True
        return (
            old_kind == "CharField"
            and old.max_length is not None
            and (new.max_length >= old.max_length)
        )
    if old_kind == new_kind == "DecimalField":
        return new.decimal_places == old.decimal_places and (new.max_digits or 0) >= (
            old.max_digits or 0
        )
    return False


def without_indexes(field: Field) -> Field:
    """``field`` with no index nor unique constraint of its own."""
    return _copy(field, field.name, db_index=False, unique=False)


def without_default(field: Field) -> Field:
    """``field`` without its Python default."""
    return _copy(field, field.name, default=_DROP)


__all__ = ["SHADOW_SUFFIX", "as_column", "shadow_of", "without_default", "without_indexes"]
