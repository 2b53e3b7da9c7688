"""A field's ``choices=`` in the one form fields and migrations keep: a list of
``(value, label)`` pairs, a group written as ``(group label, [(value, label), ...])``.

As in Django 5, a dict (``{"draft": "Draft"}``, a group as a nested dict), a Choices class,
or any iterable of pairs is accepted; a callable is called when the choices are read.
Anything else is kept as given, for the field's check (fields.E004/E005) to report.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from schemashift.models.enums import ChoicesType
from schemashift.utils.functional import Promise

__all__ = ["CallableChoices", "flatten_choices", "normalize_choices"]


class CallableChoices:
    """Choices given as a function: called each time they are read, and written into
    migrations as the function itself."""

    def __init__(self, func: Callable[[], Any]) -> None:
        self.func = func

    def __iter__(self) -> Iterator[Any]:
        yield from normalize_choices(self.func(), depth=1) or []

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CallableChoices) and other.func is self.func

    def __hash__(self) -> int:
        return hash(self.func)


def _is_text(value: Any) -> bool:
    return isinstance(value, (Promise, str, bytes))


def _is_iterable_of_pairs(value: Any) -> bool:
    """An iterator (not consumed to look), or an iterable holding no text directly."""
    if isinstance(value, Iterator):
        return True
    return isinstance(value, Iterable) and not any(_is_text(item) for item in value)


def normalize_choices(value: Any, *, depth: int = 0) -> Any:
    """``value`` as a list of pairs (groups one level deep), or as given when it is not
    choices at all."""
    if _is_text(value) or isinstance(value, CallableChoices):
        return value
    if isinstance(value, ChoicesType):
        return value.choices
    if isinstance(value, Mapping) and depth < 2:
        pairs: Any = value.items()
    elif depth < 2 and _is_iterable_of_pairs(value):
        pairs = value
    elif callable(value) and depth == 0:
        return CallableChoices(value)
    elif callable(value) and depth < 2:
        pairs = value()
    else:
        return value
    try:
        return [(key, normalize_choices(item, depth=depth + 1)) for key, item in pairs]
    except (TypeError, ValueError):
        # not pairs: kept for the check to report
        return value


def flatten_choices(choices: Any) -> Iterator[tuple[Any, Any]]:
    """Every ``(value, label)`` pair, groups opened."""
    for value_or_group, label_or_pairs in choices or ():
        if isinstance(label_or_pairs, (list, tuple)):
            yield from label_or_pairs
        else:
            yield value_or_group, label_or_pairs
