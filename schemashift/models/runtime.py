"""The plug between what users declare and the code that runs their queries.

Model classes, managers and QuerySets describe rows; they never talk to a database
themselves. Whatever reads or writes rows (``Question.objects.filter(...)`` evaluated,
``question.save()``, ``question.delete()``, ``refresh_from_db()``, ``prefetch_related()``)
goes through the ``QueryRuntime`` installed here. ``schemashift.query`` is that runtime: it
installs itself when imported, and ``schemashift.setup()`` imports it. This keeps
``schemashift.models`` below the database layer: it imports neither SQLAlchemy nor
``schemashift.db``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Protocol

from schemashift.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from schemashift.models.base import Model
    from schemashift.models.query_state import Query


class QueryRuntime(Protocol):
    """What the declarations need from the code that runs queries on a database alias."""

    def fetch_instances(self, query: Query, alias: str) -> Iterator[Model]:
        """Model instances of the query's rows, with select_related objects and annotations."""
        ...

    def fetch_values(
        self, query: Query, alias: str, names: tuple[str, ...]
    ) -> Iterable[tuple[Any, ...]]:
        """The ``names`` of each row, for ``values()`` and ``values_list()``."""
        ...

    def count_rows(self, query: Query, alias: str) -> int: ...

    def rows_exist(self, query: Query, alias: str) -> bool: ...

    def aggregate_rows(
        self, query: Query, alias: str, aggregates: dict[str, Any]
    ) -> dict[str, Any]: ...

    def update_rows(self, query: Query, alias: str, values: dict[str, Any]) -> int:
        """UPDATE the rows the query matches; ``values`` maps field names to values or F()."""
        ...

    def atomic(self, alias: str) -> AbstractContextManager[Any]:
        """A transaction (or a savepoint inside one) on the alias."""
        ...

    def prefetch_related_objects(self, instances: list[Model], names: tuple[str, ...]) -> None: ...

    def bulk_insert(self, model: type[Model], alias: str, objs: list[Model]) -> None: ...

    def delete_instances(
        self, instances: list[Model], alias: str, origin: Any = None
    ) -> tuple[int, dict[str, int]]:
        """DELETE the rows and what their relations' on_delete asks for; Django's counts."""
        ...

    def save_instance(
        self,
        instance: Model,
        using: str | None,
        force_insert: bool,
        force_update: bool,
        update_fields: Any,
    ) -> None: ...

    def refresh_instance(self, instance: Model, using: str | None, fields: Any) -> None: ...


_installed: QueryRuntime | None = None


def install(runtime: QueryRuntime) -> None:
    """Make ``runtime`` run every query from now on."""
    global _installed
    _installed = runtime


def query_runtime() -> QueryRuntime:
    """The installed runtime, or ImproperlyConfigured saying how to install it."""
    if _installed is None:
        raise ImproperlyConfigured(
            "Models cannot reach the database yet: call schemashift.setup() (or import "
            "schemashift.query) before querying or saving."
        )
    return _installed
