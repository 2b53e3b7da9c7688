"""What Graphviz's DOT language needs, and turning DOT into SVG with the ``dot`` program."""

from __future__ import annotations

import shutil
import subprocess

from schemashift.exceptions import SchemashiftError


class GraphvizNotFound(SchemashiftError):
    """``dot`` is not on PATH, so there is no SVG."""


class GraphvizFailed(SchemashiftError):
    """``dot`` refused the picture."""


def quoted(text: str) -> str:
    """A DOT ID as a double-quoted string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_svg(dot_source: str) -> str:
    """The SVG Graphviz draws from ``dot_source`` (``dot -Tsvg``)."""
    program = shutil.which("dot")
    if program is None:
        raise GraphvizNotFound(
            "--format svg needs Graphviz's 'dot' program, which is not on PATH. Install "
            "Graphviz (apt-get install graphviz, brew install graphviz), or use --format dot "
            "or --format mermaid."
        )
    result = subprocess.run(
        [program, "-Tsvg"], input=dot_source, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise GraphvizFailed(f"Graphviz's dot could not draw the picture: {result.stderr.strip()}")
    return result.stdout
