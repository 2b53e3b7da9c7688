"""The on_delete behaviours of ForeignKey and OneToOneField.

Each is a plain module-level function so it serialises by name into migration files; the
query runtime's Collector (``schemashift.query.deletion``) looks up what to do by identity.
"""

from __future__ import annotations

from typing import Any


def CASCADE(*args: Any) -> None:  # noqa: N802
    """Delete the rows that point at a deleted row."""


def PROTECT(*args: Any) -> None:  # noqa: N802
    """Refuse to delete a row while others point at it."""


def RESTRICT(*args: Any) -> None:  # noqa: N802
    """Refuse to delete a row unless it is deleted through a CASCADE as well."""


def SET_NULL(*args: Any) -> None:  # noqa: N802
    """Set the pointing column to NULL (the field must be null=True)."""


def SET_DEFAULT(*args: Any) -> None:  # noqa: N802
    """Set the pointing column to the field's default."""


def DO_NOTHING(*args: Any) -> None:  # noqa: N802
    """Leave the pointing rows alone; the database decides."""


class SET:  # noqa: N801
    """Set the pointing column to ``value``, or to what ``value()`` returns if callable.

    An instance, not a function, so that it can say how to rebuild itself in a migration
    file (``models.SET(...)``).
    """

    def __init__(self, value: Any) -> None:
        self.value = value

    def __call__(self, *args: Any) -> None:
        """Does nothing: the query runtime reads ``new_value()`` instead."""

    def new_value(self) -> Any:
        """The value the pointing column takes."""
        return self.value() if callable(self.value) else self.value

    def deconstruct(self) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
        return "schemashift.models.SET", (self.value,), {}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SET) and self.value == other.value

    def __hash__(self) -> int:
        return hash((SET, id(self.value) if callable(self.value) else self.value))

    def __repr__(self) -> str:
        return f"SET({self.value!r})"


ON_DELETE_CHOICES = (CASCADE, PROTECT, RESTRICT, SET_NULL, SET_DEFAULT, DO_NOTHING)


def is_on_delete(value: Any) -> bool:
    """Whether ``value`` is one of the on_delete behaviours (SET(...) included)."""
    return value in ON_DELETE_CHOICES or isinstance(value, SET)
