"""Throwaway databases of the same backend as a configured one, removed afterwards.

``scratch_databases(url, "squash", 2)`` yields two empty ``Database`` objects: on SQLite,
files in a temporary folder; on PostgreSQL and MySQL/MariaDB, databases created on the same
server with the configured URL's credentials, named ``<name>_<purpose>_<letter>_<random>``.
They are dropped when the block ends, whether it succeeded or not.
"""

from __future__ import annotations

import re
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL

from schemashift.db.connection import Database, create_engine_for_url
from schemashift.exceptions import DatabaseError

#: the shortest identifier limit of the server backends (PostgreSQL's 63 bytes)
_MAX_NAME = 63


@contextmanager
def scratch_databases(url: str, purpose: str, count: int) -> Iterator[list[Database]]:
    """``count`` empty databases of the backend of ``url``, removed when the block ends."""
    engine = create_engine_for_url(url)
    try:
        dialect_name = engine.dialect.name
        parsed = engine.url
    finally:
        engine.dispose()
    with ExitStack() as stack:
        if dialect_name == "sqlite":
            folder = Path(tempfile.mkdtemp(prefix=f"schemashift-{purpose}-"))
            stack.callback(shutil.rmtree, folder, True)
            urls = [
                parsed.set(database=str(folder / f"{letter}.sqlite3")).render_as_string(False)
                for letter in _letters(count)
            ]
        else:
            urls = [
                stack.enter_context(_server_database(parsed, purpose, letter))
                for letter in _letters(count)
            ]
        databases = []
        for scratch_url in urls:
            database = Database(scratch_url, alias="default")
            stack.callback(database.dispose)
            databases.append(database)
        yield databases


def _letters(count: int) -> list[str]:
    return [chr(ord("a") + n) for n in range(count)]


def scratch_name(database: str, purpose: str, letter: str) -> str:
    """``<database>_<purpose>_<letter>_<8 hex digits>``, the database part cut to fit 63."""
    suffix = f"_{purpose}_{letter}_{secrets.token_hex(4)}"
    stem = re.sub(r"[^A-Za-z0-9_]", "_", database or "db")
    return stem[: _MAX_NAME - len(suffix)] + suffix


@contextmanager
def _server_database(parsed: URL, purpose: str, letter: str) -> Iterator[str]:
    """Create a database beside the configured one; drop it afterwards."""
    name = scratch_name(parsed.database or "", purpose, letter)
    admin = sa.create_engine(parsed, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    quoted = admin.dialect.identifier_preparer.quote_identifier(name)
    display = parsed.render_as_string(hide_password=True)
    try:
        _run(admin, f"CREATE DATABASE {quoted}", f"create the scratch database {name}", display)
        try:
            yield parsed.set(database=name).render_as_string(hide_password=False)
        finally:
            _run(admin, f"DROP DATABASE IF EXISTS {quoted}", f"drop {name}", display)
    finally:
        admin.dispose()


def _run(engine: sa.Engine, sql: str, what: str, display: str) -> None:
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql(sql)
    except sa_exc.DBAPIError as exc:
        raise DatabaseError(
            f"Cannot {what} on the server of {display}: {exc.orig}. The user of the URL needs "
            "the right to create databases."
        ) from exc


__all__ = ["scratch_databases", "scratch_name"]
