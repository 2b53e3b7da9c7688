"""What commands share: loading the project named by ``--settings``, reporting errors and
warnings."""

from __future__ import annotations

import click

import schemashift
from schemashift.cli.main import CliState, report_error
from schemashift.conf import Settings

__all__ = ["get_state", "report_error", "setup_project", "warn"]


def get_state(ctx: click.Context | None = None) -> CliState:
    """The group's options (``--settings``, ``--traceback``) for the running command."""
    ctx = ctx or click.get_current_context(silent=True)
    obj = ctx.find_object(CliState) if ctx is not None else None
    return obj or CliState()


def setup_project(ctx: click.Context | None = None) -> Settings:
    """Load the settings (``--settings``, else SCHEMASHIFT_SETTINGS) and populate the apps.

    Commands that work on a project call this first; errors in the settings or the apps are
    ``SchemashiftError`` subclasses, which the group reports as one line.
    """
    return schemashift.setup(get_state(ctx).settings_module)


def warn(message: str) -> None:
    """Print a warning the way every command does: one yellow line on stderr."""
    click.secho(message, err=True, fg="yellow")
