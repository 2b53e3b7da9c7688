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


ON_DELETE_CHOICES = (CASCADE, PROTECT, RESTRICT, SET_NULL, SET_DEFAULT, DO_NOTHING)
