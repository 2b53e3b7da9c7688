"""``graph``: draw the migration graph as Mermaid, Graphviz DOT or SVG."""

from __future__ import annotations

from pathlib import Path

import click

from schemashift import api
from schemashift.cli.context import setup_project, warn
from schemashift.cli.picture_output import draw, format_option, output_option


@click.command("graph")
@click.argument("app_labels", nargs=-1)
@format_option("flowchart")
@output_option
@click.option(
    "--database",
    default="default",
    show_default=True,
    metavar="ALIAS",
    help="The database whose history table says which migrations are applied.",
)
@click.option("--no-database", is_flag=True, help="Read no database: mark nothing applied.")
@click.pass_context
def command(
    ctx: click.Context,
    app_labels: tuple[str, ...],
    output_format: str,
    output: Path | None,
    database: str,
    no_database: bool,
) -> None:
    """Draw the migrations of APP_LABELS (default: every app) and the migrations of other apps
    linked to them by a dependency, squashes and what they replace, and which are applied."""
    from schemashift.pictures.graph_dot import render_dot
    from schemashift.pictures.graph_mermaid import render_flowchart

    setup_project(ctx)
    picture = api.migration_graph(
        *app_labels, database=None if no_database else database, warn=warn
    )
    draw(picture, output_format, output, mermaid=render_flowchart, dot=render_dot)
