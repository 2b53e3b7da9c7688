"""``dbshell``: the database's own command-line client, connected to a configured database.

``sqlite3`` for SQLite, ``psql`` for PostgreSQL, ``mariadb`` (or ``mysql``) for MySQL/MariaDB.
Passwords go through the client's environment variable, never its command line, where other
users of the machine could read them.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import click

from schemashift.cli.context import setup_project
from schemashift.exceptions import ImproperlyConfigured, SchemashiftError

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

#: URL query options of PostgreSQL connections -> psql's environment variables
_PG_QUERY_ENV = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
    "application_name": "PGAPPNAME",
}


@dataclass
class ClientCommand:
    """A client program's arguments and the environment variables it needs on top of ours."""

    args: list[str]
    env: dict[str, str] = field(default_factory=dict)


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
    backend = url.get_backend_name()
    if backend == "sqlite":
        return ClientCommand([_program("sqlite3"), url.database or ":memory:", *parameters])
    if backend == "postgresql":
        return _psql(url, parameters)
    if backend in ("mysql", "mariadb"):
        return _mariadb(url, parameters)
    raise ImproperlyConfigured(f"dbshell does not know the client program of {backend} databases.")


def _psql(url: URL, parameters: list[str]) -> ClientCommand:
    args = [_program("psql")]
    if url.username:
        args += ["-U", url.username]
    if url.host:
        args += ["-h", url.host]
    if url.port:
        args += ["-p", str(url.port)]
    args += [url.database or "postgres", *parameters]
    env = {_PG_QUERY_ENV[key]: str(url.query[key]) for key in url.query if key in _PG_QUERY_ENV}
    if url.password:
        env["PGPASSWORD"] = url.password
    return ClientCommand(args, env)


def _mariadb(url: URL, parameters: list[str]) -> ClientCommand:
    args = [_program("mariadb", "mysql")]
    if url.username:
        args.append(f"--user={url.username}")
    if url.host:
        args.append(f"--host={url.host}")
    if url.port:
        args.append(f"--port={url.port}")
    query = url.query
    if "unix_socket" in query:
        args.append(f"--socket={query['unix_socket']}")
    if "charset" in query:
        args.append(f"--default-character-set={query['charset']}")
    if url.database:
        args.append(url.database)
    env = {"MYSQL_PWD": url.password} if url.password else {}
    return ClientCommand([*args, *parameters], env)


def _program(*names: str) -> str:
    """The path of the first of ``names`` on PATH (a user error naming them when none is)."""
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    listed = " or ".join(f"'{name}'" for name in names)
    raise SchemashiftError(
        f"You appear not to have the {listed} program installed or on your PATH; install the "
        "database's command-line client to use dbshell."
    )


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
