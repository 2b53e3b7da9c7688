"""``atomic()``: run a block of statements in one transaction, as Django's ``transaction``.

::

    from schemashift.db import transaction

    with transaction.atomic():
        ...  # committed together at the end, or rolled back on an exception

    @transaction.atomic
    def transfer(): ...

A block inside another is a savepoint: an exception leaving it rolls back that block's work
only and propagates; the outer block goes on, and commits or rolls back as a whole. Inside a
migration's ``RunPython`` the migration's transaction is the outermost one, so every ``atomic``
block there is a savepoint and nothing commits before the migration does.

On MySQL/MariaDB, DDL statements commit the transaction they run in; rows written by
``atomic`` blocks are rolled back as on the other databases.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import ContextDecorator
from typing import Any, TypeVar

from sqlalchemy.engine import NestedTransaction

from schemashift.db.connections import DEFAULT_DB_ALIAS, DatabaseWrapper, connections

F = TypeVar("F", bound=Callable[..., Any])
logger = logging.getLogger("schemashift.db.transaction")


def get_connection(using: str | None = None) -> DatabaseWrapper:
    """The ``DatabaseWrapper`` of the alias ``using`` (the default database without one)."""
    return connections[using or DEFAULT_DB_ALIAS]


class Atomic(ContextDecorator):
    """The context manager and decorator ``atomic()`` returns.

    It keeps no state of its own: the open blocks are a per-thread stack on the connection, so
    one ``Atomic`` can be reused, nested in itself and decorate a recursive function.
    """

    def __init__(self, using: str | None = None) -> None:
        self.using = using

    def __enter__(self) -> DatabaseWrapper:
        wrapper = get_connection(self.using)
        connection = wrapper.connection
        if connection.in_transaction():
            transaction = connection.begin_nested()
        else:
            transaction = connection.begin()
        wrapper.transactions.append(transaction)
        return wrapper

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        wrapper = get_connection(self.using)
        depth = len(wrapper.transactions)
        transaction = wrapper.transactions.pop()
        waiting = wrapper.commit_callbacks
        if exc_type is not None or not transaction.is_active:
            transaction.rollback()  # a no-op on a transaction already ended
            waiting[:] = [entry for entry in waiting if entry[0] < depth]
            return
        try:
            transaction.commit()
        except BaseException:
            transaction.rollback()
            waiting[:] = [entry for entry in waiting if entry[0] < depth]
            raise
        for entry in waiting:
            entry[0] = min(entry[0], depth - 1)  # now the enclosing block's
        if depth == 1 and not wrapper.connection.in_transaction():
            ready = list(waiting)
            waiting.clear()
            _run_callbacks(ready)


def on_commit(func: Callable[[], Any], using: str | None = None, robust: bool = False) -> None:
    """Call ``func()`` once the transaction of the current ``atomic()`` block commits (at once
    outside any). Rolled back with its block, it is never called. With ``robust=True`` an
    exception it raises is logged rather than raised, and the later functions still run.
    Inside a migration's ``RunPython``, whose transaction is the migration's, ``func`` runs
    at once."""
    wrapper = get_connection(using)
    depth = len(wrapper.transactions)
    if depth == 0 or isinstance(wrapper.transactions[0], NestedTransaction):
        _run_callbacks([[0, func, robust]])  # no block, or only savepoints in a migration's
        return
    wrapper.commit_callbacks.append([depth, func, robust])


def _run_callbacks(entries: list[Any]) -> None:
    for _depth, func, robust in entries:
        if not robust:
            func()
            continue
        try:
            func()
        except Exception:
            logger.exception("Error calling %s in on_commit() (ignored).", func)


def atomic(using: str | F | None = None) -> Any:
    """A transaction (or, nested, a savepoint) around a block or a function.

    ``with atomic():``, ``with atomic("other"):``, ``@atomic`` and ``@atomic(using="other")``.
    """
    if callable(using):
        return Atomic(DEFAULT_DB_ALIAS)(using)
    return Atomic(using)


__all__ = ["Atomic", "atomic", "get_connection", "on_commit"]
