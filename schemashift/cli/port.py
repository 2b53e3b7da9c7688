"""``port``: rewrite Django names to schemashift's in Python files; a dry run by default."""

from __future__ import annotations

import difflib
from pathlib import Path

import click

from schemashift import api
from schemashift.cli.context import warn


@click.command("port")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--write", is_flag=True, help="Change the files instead of showing the diff.")
def command(paths: tuple[Path, ...], write: bool) -> None:
    """Port the Python files at PATHS (folders recursively) from Django to schemashift.

    ``django.db.models`` becomes ``schemashift.models``, ``django.db.migrations`` becomes
    ``schemashift.migrations``, ``from django.db import`` becomes ``from schemashift import``
    and every other ``django.X`` becomes ``schemashift.X``, in code and in strings holding a
    dotted path (INSTALLED_APPS, ENGINE, DEFAULT_AUTO_FIELD). Without --write, prints the
    unified diff of what would change.
    """
    result = api.port(*paths, write=write)
    if not write:
        for file in result.files:
            click.echo(_diff(file), nl=False)
    click.echo(_summary(result), err=not write and bool(result.files))
    for file in result.files:
        for line, name in file.missing:
            warn(
                f"Warning: {file.path.as_posix()}, line {line}: schemashift has no {name}; "
                "this file needs changes by hand if schemashift is to import it."
            )


def _diff(file: api.PortedFile) -> str:
    name = file.path.as_posix()
    lines = difflib.unified_diff(
        file.original.splitlines(keepends=True),
        file.ported.splitlines(keepends=True),
        f"a/{name}",
        f"b/{name}",
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def _summary(result: api.PortResult) -> str:
    changes = sum(file.changes for file in result.files)
    scanned = f"{result.scanned} Python file{'s' if result.scanned != 1 else ''} scanned"
    if not result.files:
        return f"Nothing to port ({scanned})."
    count = len(result.files)
    files = f"{count} file{'s' if count != 1 else ''}"
    names = f"{changes} name{'s' if changes != 1 else ''}"
    if result.written:
        return f"Ported {files} ({names} rewritten; {scanned})."
    return f"{files.capitalize()} would change ({names}; {scanned}). Run with --write to apply."
