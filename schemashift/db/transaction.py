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

from collections.abc import Callable
from contextlib import ContextDecorator
from typing import Any, TypeVar

from schemashift.db.connections import DEFAULT_DB_ALIAS, DatabaseWrapper, connections

F = TypeVar("F", bound=Callable[..., Any])


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
        transaction = wrapper.transactions.pop()
        if exc_type is not None or not transaction.is_active:
            transaction.rollback()  # a no-op on a transaction already ended
            return
        try:
            transaction.commit()
        except BaseException:
            transaction.rollback()
            raise


def atomic(using: str | F | None = None) -> Any:
    """A transaction (or, nested, a savepoint) around a block or a function.

    ``with atomic():``, ``with atomic("other"):``, ``@atomic`` and ``@atomic(using="other")``.
    """
    if callable(using):
        return Atomic(DEFAULT_DB_ALIAS)(using)
    return Atomic(using)


__all__ = ["Atomic", "atomic", "get_connection"]
