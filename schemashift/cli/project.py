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


def open_database(settings: Settings, alias: str = "default") -> Any:
    """The database named by the alias (imports SQLAlchemy only now)."""
    from schemashift.db.connection import get_database

    return get_database(alias)


def make_recorder(database: Any, settings: Settings) -> Any:
    from schemashift.migrations.recorder import MigrationRecorder

    return MigrationRecorder(database, settings.MIGRATIONS_TABLE)
