"""``erd``: draw the models' tables and their foreign keys as a Mermaid erDiagram, Graphviz DOT
or SVG."""

from __future__ import annotations

from pathlib import Path

import click

from schemashift import api
from schemashift.cli.context import setup_project
from schemashift.cli.picture_output import draw, format_option, output_option


@click.command("erd")
@click.argument("app_labels", nargs=-1)
@format_option("erDiagram")
@output_option
@click.option(
    "--database",
    default="default",
    show_default=True,
    metavar="ALIAS",
    help="The database whose backend gives the column types (it is not connected to).",
)
@click.pass_context
def command(
    ctx: click.Context,
    app_labels: tuple[str, ...],
    output_format: str,
    output: Path | None,
    database: str,
) -> None:
    """Draw the tables of the models of APP_LABELS (default: every app): columns with their
    SQL types and keys, and a relation for each foreign key."""
    from schemashift.pictures.erd_dot import render_dot
    from schemashift.pictures.erd_mermaid import render_er_diagram

    setup_project(ctx)
    diagram = api.entity_diagram(*app_labels, database=database)
    draw(diagram, output_format, output, mermaid=render_er_diagram, dot=render_dot)
