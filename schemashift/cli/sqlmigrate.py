"""``sqlmigrate``: print the SQL one migration would run, without running it."""

from __future__ import annotations

import click

from schemashift.cli.project import (
    app_configs,
    load_checked_project,
    load_migrations,
    make_recorder,
    open_database,
)
from schemashift.exceptions import NodeNotFoundError


@click.command("sqlmigrate")
@click.argument("app_label")
@click.argument("migration_name")
@click.option("--backwards", is_flag=True, help="Print the SQL that unapplies the migration.")
@click.pass_context
def command(ctx: click.Context, app_label: str, migration_name: str, backwards: bool) -> None:
    """Print the SQL statements of MIGRATION_NAME (a unique prefix is enough) of APP_LABEL."""
    from schemashift.db.connection import has_transactional_ddl
    from schemashift.migrations.executor import MigrationExecutor

    settings = load_checked_project(ctx)
    app_configs([app_label])
    loader = load_migrations()
    if app_label not in loader.migrated_apps:
        raise NodeNotFoundError(f"App '{app_label}' does not have migrations.")
    migration = loader.get_migration_by_prefix(app_label, migration_name)
    database = open_database()
    executor = MigrationExecutor(database, loader, make_recorder(database, settings))
    lines = executor.collect_sql(migration, backwards=backwards)
    wrap = migration.atomic and has_transactional_ddl(database)
    if wrap:
        click.echo("BEGIN;")
    for line in lines:
        click.echo(line)
    if wrap:
        click.echo("COMMIT;")
