"""What the migration commands share: a checked project, its migrations and its database."""

from __future__ import annotations

from typing import Any

import click

from schemashift.apps import apps
from schemashift.apps.registry import AppConfig
from schemashift.checks.model_checks import run_checks
from schemashift.cli.context import setup_project
from schemashift.conf import Settings
from schemashift.exceptions import AppNotFound, ConflictingMigrations
from schemashift.migrations.loader import MigrationLoader


def load_checked_project(ctx: click.Context | None = None) -> Settings:
    """Load the settings and apps, and refuse to go on if the models have errors."""
    settings = setup_project(ctx)
    run_checks(apps.get_models())
    return settings


def app_configs(labels: tuple[str, ...] | list[str]) -> list[AppConfig]:
    """The configs of the named apps, with one clear error for any unknown label."""
    unknown = [label for label in labels if label not in apps.app_configs]
    if unknown:
        names = ", ".join(f"'{label}'" for label in unknown)
        raise AppNotFound(f"App {names} could not be found. Is it in INSTALLED_APPS?")
    return [apps.get_app_config(label) for label in labels]


def load_migrations(applied: set[tuple[str, str]] | None = None) -> MigrationLoader:
    """Every installed app's migrations, as a checked graph without conflicts."""
    loader = MigrationLoader(apps.get_app_configs(), applied=applied)
    conflicts = loader.detect_conflicts()
    if conflicts:
        listed = "; ".join(
            f"{', '.join(sorted(names))} in {app}" for app, names in sorted(conflicts.items())
        )
        raise ConflictingMigrations(
            "Conflicting migrations detected; multiple leaf nodes in the migration graph: "
            f"({listed}).\nWrite a migration that depends on each of them to merge the "
            "branches, then run the command again."
        )
    return loader


def app_leaves(loader: MigrationLoader) -> dict[str, str | None]:
    """Each installed app's latest migration name (None for an app without migrations)."""
    leaves: dict[str, str | None] = {}
    for config in apps.get_app_configs():
        app_leaf = loader.graph.leaf_nodes(config.label)
        leaves[config.label] = app_leaf[0][1] if app_leaf else None
    return leaves


def model_changes(
    loader: MigrationLoader,
    questioner: Any,
    app_labels: tuple[str, ...] = (),
    migration_name: str | None = None,
) -> dict[str, list[Any]]:
    """New migrations, per app, for what the models changed since the migration files."""
    from schemashift.migrations.autodetector import MigrationAutodetector
    from schemashift.migrations.state import ProjectState

    detector = MigrationAutodetector(
        loader.project_state(), ProjectState.from_apps(apps), questioner
    )
    return detector.changes(
        graph_leaves=app_leaves(loader),
        trim_to_apps=set(app_labels) or None,
        migration_name=migration_name,
        graph=loader.graph,
    )


def open_database(alias: str = "default") -> Any:
    """The database named by the alias (imports SQLAlchemy only now)."""
    from schemashift.db.connection import get_database

    return get_database(alias)


def make_recorder(database: Any, settings: Settings) -> Any:
    from schemashift.migrations.recorder import MigrationRecorder

    return MigrationRecorder(database, settings.MIGRATIONS_TABLE)
