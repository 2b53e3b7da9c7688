"""What the migration commands share: a checked project, its migrations and its database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from schemashift.apps import apps
from schemashift.apps.registry import AppConfig
from schemashift.checks.model_checks import run_checks
from schemashift.cli.context import setup_project
from schemashift.conf import Settings
from schemashift.exceptions import AppNotFound, ConflictingMigrations, DatabaseError
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
    warn_ignored_migrations(loader)
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


def warn_ignored_migrations(loader: MigrationLoader) -> None:
    """Say so when an app's migration files are ignored for want of ``__init__.py``.

    As in Django, a migrations folder without one leaves the app unmigrated; its files would
    otherwise be skipped without a word.
    """
    for label in sorted(loader.unmigrated_apps):
        folder = apps.get_app_config(label).migrations_path
        if not folder.is_dir() or (folder / "__init__.py").exists():
            continue
        if any(path.name[:1].isdigit() for path in folder.glob("*.py")):
            click.secho(
                f"Warning: the migrations of app '{label}' are ignored: {_shown(folder)} has no "
                f"__init__.py. Add an empty {_shown(folder / '__init__.py')}.",
                err=True,
                fg="yellow",
            )


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


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
    """The database named by the alias, checked to be reachable and readable.

    SQLAlchemy is imported only now. A URL the driver refuses, a server that cannot be reached
    or a file that is not a SQLite database is a DatabaseError naming the alias and the URL.
    """
    from schemashift.db.connection import get_database

    database = get_database(alias)
    _check_readable(database)
    return database


def _check_readable(database: Any) -> None:
    from sqlalchemy import exc as sa_exc

    where = f"database '{database.alias}' ({database.display_url})"
    try:
        with database.connect() as connection:
            probe = database.backend.probe_sql
            if probe is not None:
                connection.exec_driver_sql(probe)
    except sa_exc.DBAPIError as exc:
        raise DatabaseError(
            f"Cannot read {where}: {exc.orig}. Check that DATABASES (or DATABASE_URL) names "
            "the right database."
        ) from exc
    except (AttributeError, LookupError, TypeError, ValueError) as exc:
        # What a driver raises for options it cannot use, such as PyMySQL for ?charset=nope.
        query = database.display_url.partition("?")[2]
        options = f" ({query})" if query else ""
        raise DatabaseError(
            f"Cannot connect to {where}: the driver refused the URL's options{options}: "
            f"{type(exc).__name__}: {exc}. Fix or remove the options after '?' in the URL."
        ) from exc


def make_recorder(database: Any, settings: Settings) -> Any:
    from schemashift.migrations.recorder import MigrationRecorder

    return MigrationRecorder(database, settings.MIGRATIONS_TABLE)
