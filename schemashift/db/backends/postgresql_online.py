"""PostgreSQL statements rewritten to keep a table that already holds rows serving its writers.

The schema editor writes the statements Django would; on a table that existed before the
migration began, each of these is replaced by forms that take a weaker lock, or the strong
lock only for an instant (``../shared/reference/peers.md`` §2):

- ``CREATE [UNIQUE] INDEX`` becomes ``CREATE [UNIQUE] INDEX CONCURRENTLY`` (SHARE UPDATE
  EXCLUSIVE: writes go on), run outside any transaction;
- ``DROP INDEX`` becomes ``DROP INDEX CONCURRENTLY IF EXISTS``;
- ``ADD CONSTRAINT … FOREIGN KEY`` and ``… CHECK`` are added ``NOT VALID`` (no scan under the
  lock), then checked by ``VALIDATE CONSTRAINT``, which lets writes go on;
- ``ADD CONSTRAINT … UNIQUE`` (and a new column's inline ``UNIQUE``) is built as a concurrent
  unique index first, then attached with ``ADD CONSTRAINT … UNIQUE USING INDEX``;
- ``ALTER COLUMN … SET NOT NULL`` is preceded by a validated ``CHECK (… IS NOT NULL)``, which
  spares it the scan of every row under ACCESS EXCLUSIVE; the check is dropped after.

Every form is its own statement, committed on its own; an interrupted run resumes at the one
it stopped in (``migrations/stepwise.py``). Statements whose shape is not recognised are left
as they are.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container

_NAME = r'"(?:[^"]|"")+"'
_CREATE_INDEX = re.compile(rf"^CREATE (UNIQUE )?INDEX ({_NAME}) ON ({_NAME}) (.*)$", re.DOTALL)
_DROP_INDEX = re.compile(rf"^DROP INDEX ({_NAME})$")
_ADD_VALIDATED = re.compile(
    rf"^ALTER TABLE ({_NAME}) ADD CONSTRAINT ({_NAME}) (FOREIGN KEY|CHECK) (.*)$", re.DOTALL
)
_ADD_UNIQUE = re.compile(rf"^ALTER TABLE ({_NAME}) ADD CONSTRAINT ({_NAME}) UNIQUE (\([^()]*\))$")
_ADD_UNIQUE_COLUMN = re.compile(rf"^ALTER TABLE ({_NAME}) ADD COLUMN ({_NAME}) (.*) UNIQUE$")
_SET_NOT_NULL = re.compile(rf"^ALTER TABLE ({_NAME}) ALTER COLUMN ({_NAME}) SET NOT NULL$")

#: statements that take no lock writers wait for, and may be run again after an interruption
_RERUNNABLE = re.compile(r"\bCONCURRENTLY\b|\bVALIDATE CONSTRAINT\b")
_CONCURRENT_INDEX = re.compile(rf"^CREATE (?:UNIQUE )?INDEX CONCURRENTLY ({_NAME})")
#: PostgreSQL's longest identifier, in bytes
_MAX_NAME = 63


def unquote(name: str) -> str:
    return name[1:-1].replace('""', '"')


def is_rerunnable(sql: str) -> bool:
    """Whether running the statement again after an interruption is safe and needed: a
    concurrent index build (an interrupted one leaves an INVALID index, rebuilt by
    ``concurrent_index_name`` handling) or a constraint validation."""
    return _RERUNNABLE.search(sql) is not None


def runs_outside_transaction(sql: str) -> bool:
    return "CONCURRENTLY" in sql and sql.startswith(("CREATE ", "DROP INDEX "))


def concurrent_index_name(sql: str) -> str | None:
    """The index a ``CREATE INDEX CONCURRENTLY`` statement builds, unquoted."""
    found = _CONCURRENT_INDEX.match(sql)
    return unquote(found.group(1)) if found else None


def online_statements(
    sql: str, live_tables: Container[str], check_name: Callable[[str, str], str]
) -> list[str] | None:
    """The forms replacing ``sql`` on a table in ``live_tables``; None to run it as it is.

    ``check_name(table, column)`` names the temporary NOT NULL check.
    """
    found = _CREATE_INDEX.match(sql)
    if found and unquote(found.group(3)) in live_tables:
        unique, name, table, rest = found.groups()
        return [f"CREATE {unique or ''}INDEX CONCURRENTLY {name} ON {table} {rest}"]
    found = _DROP_INDEX.match(sql)
    if found and live_tables:
        return [f"DROP INDEX CONCURRENTLY IF EXISTS {found.group(1)}"]
    found = _ADD_VALIDATED.match(sql)
    if found and unquote(found.group(1)) in live_tables:
        table, name, _kind, _rest = found.groups()
        return [f"{sql} NOT VALID", f"ALTER TABLE {table} VALIDATE CONSTRAINT {name}"]
    found = _ADD_UNIQUE.match(sql)
    if found and unquote(found.group(1)) in live_tables:
        table, name, columns = found.groups()
        return _unique_through_index(table, name, columns)
    found = _ADD_UNIQUE_COLUMN.match(sql)
    if found and unquote(found.group(1)) in live_tables:
        table, column, definition = found.groups()
        name = f"{unquote(table)}_{unquote(column)}_key"
        if len(name.encode()) > _MAX_NAME:
            return None  # PostgreSQL would shorten the name its own way: leave it to it
        quoted = '"' + name.replace('"', '""') + '"'
        return [
            f"ALTER TABLE {table} ADD COLUMN {column} {definition}",
            *_unique_through_index(table, quoted, f"({column})"),
        ]
    found = _SET_NOT_NULL.match(sql)
    if found and unquote(found.group(1)) in live_tables:
        table, column = found.groups()
        check = check_name(unquote(table), unquote(column))
        quoted = '"' + check.replace('"', '""') + '"'
        return [
            f"ALTER TABLE {table} ADD CONSTRAINT {quoted} CHECK ({column} IS NOT NULL) NOT VALID",
            f"ALTER TABLE {table} VALIDATE CONSTRAINT {quoted}",
            sql,
            f"ALTER TABLE {table} DROP CONSTRAINT {quoted}",
        ]
    return None


def _unique_through_index(table: str, name: str, columns: str) -> list[str]:
    return [
        f"CREATE UNIQUE INDEX CONCURRENTLY {name} ON {table} {columns}",
        f"ALTER TABLE {table} ADD CONSTRAINT {name} UNIQUE USING INDEX {name}",
    ]


__all__ = [
    "concurrent_index_name",
    "is_rerunnable",
    "online_statements",
    "runs_outside_transaction",
]
