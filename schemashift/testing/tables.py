"""``--no-migrations``: the tables of the models as they are now, made without the migrations.

The operations are the ones ``makemigrations`` would write for a project without migrations,
in an order where every table exists before a foreign key points at it; they run through the
schema editor, as a migration's do, and leave no history.
"""

from __future__ import annotations

from typing import Any

from schemashift.apps import apps
from schemashift.db.connection import Database, schema_editor
from schemashift.migrations.autodetector import MigrationAutodetector
from schemashift.migrations.graph import MigrationGraph
from schemashift.migrations.questioner import MigrationQuestioner
from schemashift.migrations.state import ProjectState


def create_model_tables(database: Database) -> None:
    """Create the table of every installed model in the (empty) ``database``."""
    state = ProjectState()
    with database.connect() as connection, schema_editor(connection) as editor:
        for migration in _initial_migrations():
            for operation in migration.operations:
                before = state.clone()
                migration.advance_state(operation, state)
                operation.database_forwards(migration.app_label, editor, before, state)


def _initial_migrations() -> list[Any]:
    """The migrations that would create today's models from nothing, dependencies first."""
    detector = MigrationAutodetector(
        ProjectState(), ProjectState.from_apps(apps), MigrationQuestioner()
    )
    changes = detector.detect_changes()
    graph = MigrationGraph()
    for app_migrations in changes.values():
        for migration in app_migrations:
            graph.add_node(migration.key, migration)
    for app_migrations in changes.values():
        for migration in app_migrations:
            for dependency in migration.dependencies:
                if dependency in graph.nodes:
                    graph.add_dependency(migration, migration.key, dependency, True)
    return [graph.nodes[key] for key in graph.forwards_plan_for(graph.leaf_nodes())]


__all__ = ["create_model_tables"]
