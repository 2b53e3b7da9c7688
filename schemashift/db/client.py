"""A database's own command-line client: the program to run and what it is told.

Each backend builds its ``ClientCommand`` (``Backend.client_command``); ``dbshell`` runs it.
Passwords go through the client's environment, never its command line, where other users of
the machine could read them.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field

from schemashift.exceptions import SchemashiftError


@dataclass
class ClientCommand:
    """A client program's arguments and the environment variables it needs on top of ours."""

    args: list[str]
    env: dict[str, str] = field(default_factory=dict)


def find_program(*names: str) -> str:
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


__all__ = ["ClientCommand", "find_program"]
