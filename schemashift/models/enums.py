"""Enumerated choices: ``models.TextChoices``, ``models.IntegerChoices`` and ``models.Choices``.

A member is written ``NAME = value`` or ``NAME = value, "Label"`` (the label may be lazy
text); without a label it gets its name in title case (``IN_REVIEW`` -> ``"In Review"``).
Several values before the label build the member from a tuple, for a Choices class mixing in
a type such as ``datetime.date``. An ``__empty__`` attribute adds a ``(None, label)`` choice
in front. The class's ``choices`` is what a field's ``choices=`` takes.
"""

from __future__ import annotations

import enum
from typing import Any

from schemashift.utils.functional import Promise

__all__ = ["Choices", "ChoicesType", "IntegerChoices", "TextChoices"]


def _split_label(name: str, declared: Any) -> tuple[Any, Any]:
    """(value, label) of one declared member."""
    if (
        isinstance(declared, (list, tuple))
        and len(declared) > 1
        and isinstance(declared[-1], (Promise, str))
    ):
        *values, label = declared
        return tuple(values), label
    return declared, name.replace("_", " ").title()


class ChoicesType(enum.EnumType):
    """The metaclass of Choices: takes each member's label apart from its value, and gives the
    class ``choices``, ``labels``, ``values`` and ``names``."""

    def __new__(
        metacls, classname: str, bases: tuple[type, ...], classdict: Any, **kwargs: Any
    ) -> Any:
        labels = []
        for name in classdict._member_names:
            value, label = _split_label(name, classdict[name])
            labels.append(label)
            # dict's own __setitem__: the enum namespace refuses a name given twice
            dict.__setitem__(classdict, name, value)
        cls = super().__new__(metacls, classname, bases, classdict, **kwargs)
        for member, label in zip(cls.__members__.values(), labels, strict=True):
            member._label_ = label
        return enum.unique(cls)

    def __contains__(cls, member: Any) -> bool:
        if not isinstance(member, enum.Enum):
            return any(candidate.value == member for candidate in cls)
        return super().__contains__(member)

    @property
    def names(cls) -> list[str]:
        """The members' names, ``"__empty__"`` first when the class has an empty choice."""
        empty = ["__empty__"] if hasattr(cls, "__empty__") else []
        return empty + [member.name for member in cls]

    @property
    def choices(cls) -> list[tuple[Any, Any]]:
        """``[(value, label), ...]``, with ``(None, __empty__)`` first when given."""
        empty = [(None, cls.__empty__)] if hasattr(cls, "__empty__") else []
        return empty + [(member.value, member.label) for member in cls]

    @property
    def labels(cls) -> list[Any]:
        return [label for _value, label in cls.choices]

    @property
    def values(cls) -> list[Any]:
        return [value for value, _label in cls.choices]


class Choices(enum.Enum, metaclass=ChoicesType):
    """Enumerated choices with a human-readable label per member."""

    do_not_call_in_templates = enum.nonmember(True)

    @enum.property
    def label(self) -> Any:
        return self._label_

    def __repr__(self) -> str:
        return f"{type(self).__qualname__}.{self._name_}"


class IntegerChoices(Choices, enum.IntEnum):
    """Choices whose values are integers."""


class TextChoices(Choices, enum.StrEnum):
    """Choices whose values are strings; ``enum.auto()`` gives a member its own name."""

    @staticmethod
    def _generate_next_value_(name: str, start: int, count: int, last_values: list[Any]) -> str:
        return name
