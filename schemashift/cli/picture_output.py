"""What the picture commands share: ``--format`` (Mermaid, DOT or SVG) and ``--output`` (stdout,
or a file)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from schemashift.exceptions import CommandError

_Picture = TypeVar("_Picture")


def format_option(mermaid_kind: str) -> Callable[[Any], Any]:
    """``--format mermaid|dot|svg``, Mermaid's kind of diagram named in the help."""
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(["mermaid", "dot", "svg"]),
        default="mermaid",
        show_default=True,
        help=f"Mermaid {mermaid_kind}, Graphviz DOT, or SVG drawn by Graphviz's dot.",
    )


output_option = click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Write the picture to FILE instead of stdout.",
)


def write_picture(text: str, output: Path | None) -> None:
    """Print ``text``, or write it to ``output`` (CommandError when the file cannot be)."""
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"Cannot write {output}: {exc.strerror}.") from None


def draw(
    picture: _Picture,
    output_format: str,
    output: Path | None,
    *,
    mermaid: Callable[[_Picture], str],
    dot: Callable[[_Picture], str],
) -> None:
    """Render ``picture`` in ``output_format`` (SVG through Graphviz's ``dot``) and write it."""
    if output_format == "mermaid":
        text = mermaid(picture)
    else:
        text = dot(picture)
        if output_format == "svg":
            from schemashift.pictures.dot import render_svg

            text = render_svg(text)
    write_picture(text, output)
