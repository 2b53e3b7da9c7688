"""``dbshell``: the database's own command-line client, connected to a configured database.

``sqlite3`` for SQLite, ``psql`` for PostgreSQL, ``mariadb`` (or ``mysql``) for MySQL/MariaDB:
each backend builds its client's command (``Backend.client_command``). Passwords go through
the client's environment variable, never its command line, where other users of the machine
could read them.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

from schemashift.cli.context import setup_project
from schemashift.exceptions import ImproperlyConfigured, SchemashiftError

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

    from schemashift.db.client import ClientCommand


class ClientFailed(SchemashiftError):
    """The client program ended with a non-zero status."""

    def __init__(self, program: str, returncode: int) -> None:
        super().__init__(f"'{program}' exited with status {returncode}.")
        self.exit_code = returncode


@click.command(
    "dbshell", context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False}
)
@click.option(
    "--database", "alias", default="default", show_default=True, help="The DATABASES alias."
)
@click.argument("parameters", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def command(ctx: click.Context, alias: str, parameters: tuple[str, ...]) -> None:
    """Run the database's command-line client; arguments after -- go to the client."""
    from sqlalchemy.engine import make_url

    settings = setup_project(ctx)
    url = make_url(settings.database_url(alias))
    client = client_command(url, list(parameters))
    program = client.args[0]
    with _sigint_left_to_client():
        returncode = subprocess.run(client.args, env={**os.environ, **client.env}).returncode
    if returncode != 0:
        raise ClientFailed(os.path.basename(program), returncode)


def client_command(url: URL, parameters: list[str]) -> ClientCommand:
    """The client program and arguments that open ``url``, then ``parameters``."""
    from schemashift.db.backends.registry import find_backend

    backend = find_backend(url.get_backend_name())
    if backend is None:
        raise ImproperlyConfigured(
            f"dbshell does not know the client program of {url.get_backend_name()} databases."
        )
    return backend.client_command(url, parameters)


@contextmanager
def _sigint_left_to_client() -> Iterator[None]:
    """Ctrl-C interrupts the client's query, not this command.

    A handler that does nothing, rather than SIG_IGN, which the client would inherit.
    """
    previous = signal.signal(signal.SIGINT, _ignore_signal)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _ignore_signal(_signum: int, _frame: object) -> None:
    pass
