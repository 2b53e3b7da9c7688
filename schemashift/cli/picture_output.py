"""Where the picture commands write: stdout, or the file ``--output`` names."""

from __future__ import annotations

from pathlib import Path

import click

from schemashift.exceptions import CommandError

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
