"""The history table read straight through the database driver, for status commands.

Reading which migrations are applied (and their checksums) is one query; going through
SQLAlchemy would cost more than the rest of ``showmigrations``. This module speaks to the
drivers directly (``sqlite3``, psycopg, PyMySQL) and never imports SQLAlchemy. It answers
None whenever it is not sure to read exactly what ``MigrationRecorder`` would: a URL with
options it does not know, a driver it does not have, any error at all. The caller then goes
the usual way, which also reports the error properly.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

Key = tuple[str, str]

#: URL query options passed on to each driver as they are; any other option: not read here
_POSTGRESQL_OPTIONS = frozenset(
    {
        "sslmode",
        "sslrootcert",
        "sslcert",
        "sslkey",
        "connect_timeout",
        "options",
        "application_name",
    }
)
_MYSQL_OPTIONS = frozenset({"charset"})


@dataclass(frozen=True)
class History:
    """The applied migrations in the order applied, and the checksums recorded with them."""

    applied: tuple[Key, ...]
    checksums: dict[Key, str]


def read_history(url: str, table: str) -> History | None:
    """The rows of the history table ``table`` of the database at ``url`` (empty when there is
    no such table), or None when they are better read through SQLAlchemy."""
    scheme, _, _ = url.partition("://")
    backend, _, driver = scheme.lower().partition("+")
    try:
        if backend == "sqlite" and driver in ("", "pysqlite"):
            return _read_sqlite(url, table)
        if backend in ("postgresql", "postgres") and driver in ("", "psycopg"):
            return _read_postgresql(url, table)
        if backend in ("mysql", "mariadb") and driver in ("", "pymysql"):
            return _read_mysql(url, table)
    except Exception:  # anything unexpected: the usual way reports it
        return None
    return None


def _read_sqlite(url: str, table: str) -> History | None:
    import sqlite3

    rest = url.partition("://")[2]
    path, _, query = rest[1:].partition("?") if rest.startswith("/") else ("", "", "")
    if not path or query or path == ":memory:" or path.startswith("file:"):
        return None
    if not os.path.isfile(path):
        return None  # the usual way creates the file, as it always has
    uri = f"file:{_sqlite_uri_path(path)}?mode=ro"
    connection = sqlite3.connect(uri, uri=True)
    try:
        found = connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).fetchone()
        if found is None:
            return History((), {})
        return _read_rows(connection.cursor(), _quoted(table, '"'))
    finally:
        connection.close()


def _sqlite_uri_path(path: str) -> str:
    from urllib.parse import quote

    return quote(os.path.abspath(path))


def _read_postgresql(url: str, table: str) -> History | None:
    parts = urlsplit(url)
    options = dict(parse_qsl(parts.query))
    if not set(options) <= _POSTGRESQL_OPTIONS or parts.path.count("/") != 1:
        return None
    import psycopg

    connection = psycopg.connect(
        host=parts.hostname or None,
        port=parts.port,
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        dbname=unquote(parts.path[1:]) or None,
        autocommit=True,
        **options,
    )
    try:
        with connection.cursor() as cursor:
            quoted = _quoted(table, '"')
            cursor.execute("SELECT to_regclass(%s)", (quoted,))
            if cursor.fetchone()[0] is None:
                return History((), {})
            return _read_rows(cursor, quoted)
    finally:
        connection.close()


def _read_mysql(url: str, table: str) -> History | None:
    parts = urlsplit(url)
    options = dict(parse_qsl(parts.query))
    if not set(options) <= _MYSQL_OPTIONS or parts.path.count("/") != 1 or not parts.path[1:]:
        return None
    import pymysql

    connection = pymysql.connect(
        host=parts.hostname or "localhost",
        port=parts.port or 3306,
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else "",
        database=unquote(parts.path[1:]),
        charset=options.get("charset", "utf8mb4"),
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM information_schema.tables "
                "WHERE table_schema = DATABASE() AND table_name = %s",
                (table,),
            )
            if cursor.fetchone() is None:
                return History((), {})
            return _read_rows(cursor, _quoted(table, "`"))
    finally:
        connection.close()


def _read_rows(cursor: Any, quoted_table: str) -> History | None:
    """The rows, or None for a table without the history columns (the usual way refuses it
    with a message)."""
    cursor.execute(f"SELECT * FROM {quoted_table} WHERE 1 = 0")
    columns = {description[0].lower() for description in cursor.description}
    if not {"id", "app", "name", "applied"} <= columns:
        return None
    checksum = "checksum" if "checksum" in columns else "NULL"
    cursor.execute(f"SELECT app, name, {checksum} FROM {quoted_table} ORDER BY id")
    applied: list[Key] = []
    checksums: dict[Key, str] = {}
    for app, name, recorded in cursor.fetchall():
        key = (app, name)
        applied.append(key)
        if recorded is not None:
            checksums[key] = recorded
    return History(tuple(applied), checksums)


def _quoted(name: str, quote: str) -> str:
    return quote + name.replace(quote, quote * 2) + quote
