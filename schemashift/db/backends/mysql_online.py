"""Which ALGORITHM and LOCK an ALTER TABLE asks of MySQL or MariaDB, by change and server.

Left to itself, the server picks the fastest algorithm a change allows and, where none is
online, silently copies the table under a write lock. Asking explicitly turns that silent copy
into an error (1845 or 1846) before anything changes:

- ``ALGORITHM=INSTANT`` for a change InnoDB makes in the data dictionary alone;
- ``ALGORITHM=INPLACE, LOCK=NONE`` for one it makes in place while writers go on (an index
  build, a rebuild for NOT NULL);
- no clause for a change with no online path (a new column type, a CHECK constraint, a dropped
  primary key): the statement is as it always was, and copies the table.

Versions from the servers' manuals: MariaDB accepts ``ALGORITHM=INSTANT`` from 10.3.7 and
drops columns instantly from 10.4; MySQL adds columns instantly from 8.0.12, renames them from
8.0.28 and drops them from 8.0.29. Where the version is unknown (SQL written without a
server), the oldest supported server is assumed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

INSTANT = "ALGORITHM=INSTANT"
INPLACE = "ALGORITHM=INPLACE, LOCK=NONE"

#: change kinds
ADD_COLUMN = "add column"
DROP_COLUMN = "drop column"
DROP_INDEXED_COLUMN = "drop indexed column"
RENAME_COLUMN = "rename column"
COLUMN_DEFAULT = "column default"
COLUMN_COMMENT = "column comment"
COLUMN_CHECK = "column check"
NULLABILITY = "null or not null"
ADD_INDEX = "add index"
DROP_INDEX = "drop index"
RENAME_INDEX = "rename index"
ADD_FOREIGN_KEY = "add foreign key"
DROP_FOREIGN_KEY = "drop foreign key"
ADD_PRIMARY_KEY = "add primary key"
DROP_CHECK = "drop check"
TABLE_COMMENT = "table comment"

_NEVER = None
#: kind -> (first MariaDB version with INSTANT, first MySQL version with INSTANT, fallback):
#: the fallback is INPLACE where the change is in place with writers on, None where the
#: manual promises nothing (the statement then carries no clause)
_RULES: dict[str, tuple[tuple[int, ...] | None, tuple[int, ...] | None, str | None]] = {
    ADD_COLUMN: ((10, 3, 7), (8, 0, 12), INPLACE),
    DROP_COLUMN: ((10, 4), (8, 0, 29), INPLACE),
    DROP_INDEXED_COLUMN: (_NEVER, _NEVER, INPLACE),
    RENAME_COLUMN: ((10, 3, 7), (8, 0, 28), INPLACE),
    COLUMN_DEFAULT: ((10, 3, 7), (8, 0, 12), INPLACE),
    COLUMN_COMMENT: ((10, 3, 7), _NEVER, None),
    COLUMN_CHECK: ((10, 3, 7), _NEVER, None),
    NULLABILITY: (_NEVER, _NEVER, INPLACE),
    ADD_INDEX: (_NEVER, _NEVER, INPLACE),
    DROP_INDEX: (_NEVER, _NEVER, INPLACE),
    RENAME_INDEX: ((10, 3, 7), _NEVER, INPLACE),
    ADD_FOREIGN_KEY: (_NEVER, _NEVER, INPLACE),
    DROP_FOREIGN_KEY: ((10, 3, 7), _NEVER, INPLACE),
    ADD_PRIMARY_KEY: (_NEVER, _NEVER, INPLACE),
    DROP_CHECK: ((10, 3, 7), _NEVER, None),
    TABLE_COMMENT: ((10, 3, 7), _NEVER, None),
}


@dataclass(frozen=True)
class Server:
    """The server a statement is written for: MariaDB or MySQL, and its version if known."""

    is_mariadb: bool
    version: tuple[int, ...] | None

    @classmethod
    def of(cls, dialect: Any) -> Server:
        version = getattr(dialect, "server_version_info", None)
        return cls(
            bool(getattr(dialect, "is_mariadb", False)),
            tuple(part for part in version if isinstance(part, int)) if version else None,
        )

    def at_least(self, version: tuple[int, ...] | None) -> bool:
        return version is not None and self.version is not None and self.version >= version

    @property
    def has_set_statement(self) -> bool:
        """``SET STATEMENT var=value FOR statement``: MariaDB only."""
        return self.is_mariadb


def online_clause(kind: str, server: Server) -> str | None:
    """The ALGORITHM (and LOCK) clause for a change of this kind; None: no online path."""
    mariadb_instant, mysql_instant, fallback = _RULES[kind]
    if server.at_least(mariadb_instant if server.is_mariadb else mysql_instant):
        return INSTANT
    return fallback


def with_clause(sql: str, clause: str | None) -> str:
    """The statement with the clause: after a comma in ALTER TABLE, bare in CREATE INDEX."""
    if clause is None:
        return sql
    if sql.startswith("CREATE "):
        return f"{sql} {clause.replace(',', '')}"
    return f"{sql}, {clause}"


__all__ = [
    "INPLACE",
    "INSTANT",
    "Server",
    "online_clause",
    "with_clause",
]
