"""``DatabaseRuntime``: what model instances and QuerySets run on a database alias.

It implements ``schemashift.models.runtime.QueryRuntime`` with the modules of this package:
``execute`` (SELECT, UPDATE, transactions), ``persistence`` (save, bulk insert, refresh),
``deletion`` (on_delete) and ``prefetch``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from schemashift.query import execute, persistence
from schemashift.query.deletion import Collector
from schemashift.query.prefetch import prefetch_related_objects

if TYPE_CHECKING:
    from schemashift.models.base import Model
    from schemashift.models.query_state import Query


class DatabaseRuntime:
    """Runs queries on ``schemashift.db.connections[alias]``."""

    def fetch_instances(self, query: Query, alias: str) -> Iterator[Model]:
        return execute.fetch_instances(query, alias)

    def fetch_values(
        self, query: Query, alias: str, names: tuple[str, ...]
    ) -> list[tuple[Any, ...]]:
        return execute.fetch_values(query, alias, names)

    def count_rows(self, query: Query, alias: str) -> int:
        return execute.count_rows(query, alias)

    def rows_exist(self, query: Query, alias: str) -> bool:
        return execute.rows_exist(query, alias)

    def aggregate_rows(
        self, query: Query, alias: str, aggregates: dict[str, Any]
    ) -> dict[str, Any]:
        return execute.aggregate_rows(query, alias, aggregates)

    def update_rows(self, query: Query, alias: str, values: dict[str, Any]) -> int:
        return execute.update_rows(query, alias, values)

    def atomic(self, alias: str) -> AbstractContextManager[Any]:
        return execute.atomic(alias)

    def prefetch_related_objects(self, instances: list[Model], names: tuple[str, ...]) -> None:
        prefetch_related_objects(instances, names)

    def bulk_insert(self, model: type[Model], alias: str, objs: list[Model]) -> None:
        persistence.bulk_insert(model, alias, objs)

    def delete_instances(
        self, instances: list[Model], alias: str, origin: Any = None
    ) -> tuple[int, dict[str, int]]:
        collector = Collector(alias, origin)
        collector.collect(instances)
        return collector.delete()

    def save_instance(
        self,
        instance: Model,
        using: str | None,
        force_insert: bool,
        force_update: bool,
        update_fields: Any,
    ) -> None:
        persistence.save_instance(instance, using, force_insert, force_update, update_fields)

    def refresh_instance(self, instance: Model, using: str | None, fields: Any) -> None:
        persistence.refresh_instance(instance, using, fields)
