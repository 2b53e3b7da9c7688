"""``django.db.models.query_utils``'s names that model code imports: ``Q`` and
``DeferredAttribute``."""

from __future__ import annotations

from typing import Any

from schemashift.models.expressions import Q


class DeferredAttribute:
    """A descriptor reading a field's value from the instance, loading it from the database
    when the row was fetched without it. Custom fields and descriptors subclass it."""

    def __init__(self, field: Any) -> None:
        self.field = field

    def __get__(self, instance: Any, cls: type | None = None) -> Any:
        if instance is None:
            return self
        data = instance.__dict__
        attname = self.field.attname
        if attname not in data:
            instance.refresh_from_db(fields=[attname])
        return data[attname]

    def __set__(self, instance: Any, value: Any) -> None:
        instance.__dict__[self.field.attname] = value


__all__ = ["DeferredAttribute", "Q"]
