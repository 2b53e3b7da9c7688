"""Keeping tests apart on the shared test database: a transaction rolled back after each test
(``db``), or every table emptied after it (``transactional_db``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from schemashift.conf import get_settings
from schemashift.db.connections import DEFAULT_DB_ALIAS, connections


@contextmanager
def rolled_back(alias: str = DEFAULT_DB_ALIAS) -> Iterator[Connection]:
    """Within the block, the queries of this thread for ``alias`` run in one transaction that
    is rolled back at its end.

    The connection is bound to the alias as a migration's is for ``RunPython``: the query API
    and ``connections[alias].execute()`` join the transaction, and ``atomic()`` blocks inside
    it are savepoints, so code that rolls back its own block still works as it would live.
    """
    connection = connections[alias].database.connect()
    try:
        outer = connection.begin()
        try:
            with connections.bind(alias, connection):
                yield connection
        finally:
            if outer.is_active:
                outer.rollback()
    finally:
        connection.close()
        connections[alias].transactions.clear()
        connections[alias].commit_callbacks.clear()


def empty_tables(alias: str = DEFAULT_DB_ALIAS) -> None:
    """Delete every row of the database ``alias`` but its migration history, and restart its
    id sequences."""
    wrapper = connections[alias]
    wrapper.close()
    history = get_settings().MIGRATIONS_TABLE
    kept = {history, f"{history}_progress"}
    with wrapper.database.connect() as connection:
        tables = sorted(set(sa.inspect(connection).get_table_names()) - kept)
        if connection.in_transaction():
            connection.rollback()
        wrapper.database.backend.empty_tables(connection, tables)


__all__ = ["empty_tables", "rolled_back"]
