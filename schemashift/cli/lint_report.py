"""How lint findings read on the terminal: in ``lint``'s report, and under the operations
that ``makemigrations`` and ``migrate --plan`` list."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from schemashift.migrations.lint.rules import Finding

_COLOURS = {"error": "red", "warning": "yellow"}


def finding_line(finding: Finding) -> str:
    """``error drop-column: column votes of table polls_choice is dropped``, coloured."""
    label = "acknowledged" if finding.acknowledged else finding.severity
    colour = "bright_black" if finding.acknowledged else _COLOURS.get(finding.severity)
    return f"{click.style(label, fg=colour)} {finding.rule}: {finding.message}"


def echo_findings(findings: tuple[Finding, ...] | list[Finding], indent: str) -> None:
    """One line per finding, below an operation."""
    for finding in findings:
        click.echo(f"{indent}{finding_line(finding)}")


__all__ = ["echo_findings", "finding_line"]
