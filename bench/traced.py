"""Run a project's ``manage.py`` recording every statement it sends to its database.

    python traced.py TRACE.json manage.py ARGS...   (in the project's folder)

On SQLite each connection the command opens gets the driver's trace callback, whichever tool
opens it. On a server (``DATABASE_URL`` names PostgreSQL or MySQL/MariaDB) the driver's cursor
is wrapped instead, psycopg's or PyMySQL's, which both tools use: each statement is recorded as
the server receives it (parameters filled in by the driver's own quoting), with ``BEGIN``,
``COMMIT`` and ``ROLLBACK`` where the driver sends them itself, and an ``-- autocommit`` mark
after a statement the server committed on its own (a connection in autocommit mode). The
statements are written to TRACE.json as a list when the command ends, however it ends.
"""

from __future__ import annotations

import atexit
import json
import os
import runpy
import sys
from pathlib import Path
from typing import Any

#: written after a statement run outside a transaction: it ends one, but is not a statement
AUTOCOMMIT = "-- autocommit"


def trace_sqlite(statements: list[str]) -> None:
    import sqlite3
    import sqlite3.dbapi2

    connect = sqlite3.dbapi2.connect

    def traced_connect(*a: Any, **k: Any) -> sqlite3.Connection:
        connection = connect(*a, **k)
        connection.set_trace_callback(statements.append)
        return connection

    sqlite3.dbapi2.connect = traced_connect
    sqlite3.connect = traced_connect


def trace_psycopg(statements: list[str]) -> None:
    import psycopg
    from psycopg.pq import TransactionStatus

    cursor, connection = psycopg.Cursor, psycopg.Connection
    execute, executemany = cursor.execute, cursor.executemany
    commit, rollback = connection.commit, connection.rollback

    def text(cur: psycopg.Cursor, query: Any, params: Any) -> str:
        if not isinstance(query, str | bytes):
            query = query.as_string(cur.connection)
        if isinstance(query, bytes):
            query = query.decode()
        if params is None:
            return query
        return psycopg.ClientCursor(cur.connection).mogrify(query, params)

    def record(cur: psycopg.Cursor, query: Any, params: Any) -> None:
        conn = cur.connection
        idle = conn.info.transaction_status == TransactionStatus.IDLE
        if idle and not conn.autocommit:
            statements.append("BEGIN")  # psycopg opens the transaction before the statement
        statements.append(text(cur, query, params))

    def after(cur: psycopg.Cursor) -> None:
        if cur.connection.autocommit:
            statements.append(AUTOCOMMIT)

    def traced_execute(self: psycopg.Cursor, query: Any, params: Any = None, **k: Any) -> Any:
        record(self, query, params)
        try:
            return execute(self, query, params, **k)
        finally:
            after(self)

    def traced_executemany(self: psycopg.Cursor, query: Any, params_seq: Any, **k: Any) -> Any:
        params_seq = list(params_seq)
        for params in params_seq:
            record(self, query, params)
        try:
            return executemany(self, query, params_seq, **k)
        finally:
            after(self)

    def ender(method: Any, word: str) -> Any:
        def end(self: psycopg.Connection) -> None:
            if self.info.transaction_status != TransactionStatus.IDLE:
                statements.append(word)
            method(self)

        return end

    cursor.execute = traced_execute  # type: ignore[method-assign]
    cursor.executemany = traced_executemany  # type: ignore[method-assign]
    connection.commit = ender(commit, "COMMIT")  # type: ignore[method-assign]
    connection.rollback = ender(rollback, "ROLLBACK")  # type: ignore[method-assign]


def trace_pymysql(statements: list[str]) -> None:
    import pymysql

    cursor, connection = pymysql.cursors.Cursor, pymysql.connections.Connection
    execute = cursor.execute
    begin, commit, rollback = connection.begin, connection.commit, connection.rollback

    def traced_execute(self: Any, query: Any, args: Any = None) -> Any:
        statements.append(self.mogrify(query, args))
        try:
            return execute(self, query, args)
        finally:
            if self.connection is not None and self.connection.get_autocommit():
                statements.append(AUTOCOMMIT)

    def sender(method: Any, word: str) -> Any:
        def send(self: Any) -> None:
            statements.append(word)
            method(self)

        return send

    cursor.execute = traced_execute
    connection.begin = sender(begin, "BEGIN")
    connection.commit = sender(commit, "COMMIT")
    connection.rollback = sender(rollback, "ROLLBACK")


def main() -> None:
    out, script, *args = sys.argv[1:]
    statements: list[str] = []
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgresql"):
        trace_psycopg(statements)
    elif url.startswith(("mysql", "mariadb")):
        trace_pymysql(statements)
    else:
        trace_sqlite(statements)
    atexit.register(lambda: Path(out).write_text(json.dumps(statements)))
    sys.argv = [script, *args]
    sys.path.insert(0, os.getcwd())
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
