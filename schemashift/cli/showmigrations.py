"""``showmigrations``: every migration, and whether the database has it applied."""

from __future__ import annotations

import click

from schemashift.apps import apps
from schemashift.cli.project import (
    app_configs,
    load_checked_project,
    make_recorder,
    open_database,
    warn_ignored_migrations,
)
from schemashift.migrations.loader import MigrationLoader


@click.command("showmigrations")
@click.argument("app_labels", nargs=-1)
@click.option("-p", "--plan", "show_plan", is_flag=True, help="Show the apply order instead.")
@click.pass_context
def command(ctx: click.Context, app_labels: tuple[str, ...], show_plan: bool) -> None:
    """List the migrations of APP_LABELS (default: every app): [X] applied, [ ] not yet."""
    settings = load_checked_project(ctx)
    configs = app_configs(app_labels) if app_labels else apps.get_app_configs()
    database = open_database()
    applied = set(make_recorder(database, settings).applied_migrations())
    loader = MigrationLoader(apps.get_app_configs(), applied=applied)
    warn_ignored_migrations(loader)
    if show_plan:
        _show_plan(loader, applied, {config.label for config in configs})
    else:
        _show_list(loader, applied, [config.label for config in configs])


def _mark(key: tuple[str, str], applied: set[tuple[str, str]]) -> str:
    return "[X]" if key in applied else "[ ]"


def _show_list(loader: MigrationLoader, applied: set, labels: list[str]) -> None:
    graph = loader.graph
    for label in labels:
        click.echo(click.style(label, bold=True))
        keys = _app_plan(loader, label)
        if not keys:
            click.echo(" (no migrations)")
            continue
        for key in keys:
            click.echo(f" {_mark(key, applied)} {graph.nodes[key].name}")


def _app_plan(loader: MigrationLoader, label: str) -> list[tuple[str, str]]:
    graph = loader.graph
    return [key for key in graph.forwards_plan_for(graph.leaf_nodes(label)) if key[0] == label]


def _show_plan(loader: MigrationLoader, applied: set, labels: set[str]) -> None:
    graph = loader.graph
    for key in graph.forwards_plan_for(graph.leaf_nodes()):
        if key[0] in labels:
            click.echo(f"{_mark(key, applied)}  {key[0]}.{key[1]}")
