"""Small builders for model states in tests."""

from __future__ import annotations

from typing import Any

from schemashift import models


def pk() -> models.Field:
    """The implicit primary key of a model."""
    return models.BigAutoField(primary_key=True)


def fk(to: str, **kwargs: Any) -> models.Field:
    """A CASCADE foreign key to ``to`` ("app.model")."""
    return models.ForeignKey(to, on_delete=models.CASCADE, **kwargs)


def auto_pk() -> tuple[str, models.Field]:
    """The implicit ``id`` primary key as makemigrations writes it in CreateModel's fields."""
    return ("id", models.BigAutoField(auto_created=True, primary_key=True, verbose_name="ID"))
