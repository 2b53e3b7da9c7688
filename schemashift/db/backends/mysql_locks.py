"""Which lock a MySQL or MariaDB statement takes, and what it means for readers and writers.

InnoDB's online DDL (``mysql_online.py``) is told by the clause an ALTER ends with: with
``ALGORITHM=INSTANT`` the table's metadata lock is held for a moment; with ``ALGORITHM=INPLACE,
LOCK=NONE`` reads and writes go on while the change is made, the lock taken exclusively only
at its start and end; without a clause the server may copy the table, and writes wait until
it has. Renaming or dropping a table and creating or dropping a trigger take the exclusive
metadata lock; UPDATE and DELETE lock the rows they scan. Every DDL statement commits on its
own here, so each lock ends with its statement. A statement not recognised gets no comment.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from schemashift.db.backends.lock_comments import NEW_TABLE, Lock, Seen

_ID = r"(?:`(?:[^`]|``)+`|[A-Za-z_][\w$]*)"
_NAME = rf"{_ID}(?:\.{_ID})?"

METADATA_LOCK = "metadata lock"
EXCLUSIVE_METADATA_LOCK = "exclusive metadata lock"
SHARED_METADATA_LOCK = "shared metadata lock"
ROW_LOCKS = "row locks"
NO_TABLE_LOCK = "no table lock"

GO_ON = "reads and writes go on"
WAIT = "reads and writes wait"
MAY_COPY = "the server may copy the table, and writes wait while it does; reads go on"

#: the clause an online ALTER or CREATE INDEX ends with (``mysql_online.py``)
_ALGORITHM = re.compile(r"\bALGORITHM\s*=\s*(\w+)(?:\s*,?\s*LOCK\s*=\s*\w+)?\s*$", re.IGNORECASE)
_LOCK = re.compile(r"\bLOCK\s*=\s*(\w+)(?:\s*,?\s*ALGORITHM\s*=\s*\w+)?\s*$", re.IGNORECASE)
_SET_STATEMENT = re.compile(r"^SET STATEMENT .*? FOR (.*)$", re.IGNORECASE | re.DOTALL)


def _rule(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE | re.DOTALL)


def _one(mode: str, table: str, effect: str, when: str = "") -> Lock:
    return Lock(((mode, table),), effect, when)


def _online(table: str, sql: str) -> Lock:
    """The lock of an ALTER TABLE or CREATE/DROP INDEX, told by its ALGORITHM and LOCK."""
    algorithm = _ALGORITHM.search(sql)
    lock = _LOCK.search(sql)
    algorithm_name = algorithm.group(1).upper() if algorithm else ""
    lock_name = lock.group(1).upper() if lock else ""
    if algorithm_name == "INSTANT":
        return _one(METADATA_LOCK, table, GO_ON, "for a moment")
    if lock_name == "NONE":
        return _one(METADATA_LOCK, table, "reads and writes go on in between", "at start and end")
    if lock_name == "SHARED":
        return _one(METADATA_LOCK, table, "writes wait until it ends; reads go on")
    if lock_name == "EXCLUSIVE":
        return _one(EXCLUSIVE_METADATA_LOCK, table, WAIT)
    return _one(METADATA_LOCK, table, MAY_COPY)


def _alter_table(found: re.Match[str], seen: Seen) -> Lock:
    table, action = found.groups()
    renamed = re.match(rf"^RENAME (?:TO |AS )?({_NAME})$", action, re.IGNORECASE)
    if renamed:
        return _rename(table, renamed.group(1), seen)
    return _online(table, action)


def _rename(table: str, new_name: str, seen: Seen) -> Lock:
    if table in seen.new_tables:
        seen.new_tables.add(new_name)
    return _one(EXCLUSIVE_METADATA_LOCK, table, WAIT, "for a moment")


def _create_table(found: re.Match[str], seen: Seen) -> Lock:
    seen.new_tables.add(found.group(1))
    return _one(EXCLUSIVE_METADATA_LOCK, found.group(1), NEW_TABLE)


def _create_trigger(found: re.Match[str], seen: Seen) -> Lock:
    trigger, table = found.groups()
    seen.tables_of[trigger] = table
    return _one(EXCLUSIVE_METADATA_LOCK, table, WAIT, "for a moment")


def _drop_trigger(found: re.Match[str], seen: Seen) -> Lock:
    table = seen.tables_of.get(found.group(1), "the trigger's table")
    return _one(EXCLUSIVE_METADATA_LOCK, table, WAIT, "for a moment")


def _select(found: re.Match[str], seen: Seen) -> Lock | None:
    tables = re.findall(rf"\bFROM ({_NAME})", found.group(0), re.IGNORECASE)
    if not tables:
        return None
    return Lock(tuple((SHARED_METADATA_LOCK, table) for table in dict.fromkeys(tables)), GO_ON)


def _lock_tables(found: re.Match[str], seen: Seen) -> Lock:
    """LOCK TABLES, and what runs under it up to UNLOCK TABLES (sent as one statement)."""
    table, kind = found.groups()
    if kind.upper() == "WRITE":
        return _one("write lock", table, "reads and writes wait until UNLOCK TABLES")
    return _one("read lock", table, "writes wait until UNLOCK TABLES; reads go on")


def _fixed_on(mode: str, effect: str, when: str = "") -> Callable[[re.Match[str], Seen], Lock]:
    """A lock of ``mode`` on the table the pattern's first group names."""
    return lambda found, _seen: _one(mode, found.group(1), effect, when)


_STATEMENTS: list[tuple[re.Pattern[str], Callable[[re.Match[str], Seen], Lock | None]]] = [
    (_rule(rf"^ALTER (?:ONLINE )?(?:IGNORE )?TABLE ({_NAME}) (.*)$"), _alter_table),
    (_rule(rf"^CREATE (?:TEMPORARY )?TABLE (?:IF NOT EXISTS )?({_NAME})"), _create_table),
    (
        _rule(rf"^DROP (?:TEMPORARY )?TABLE (?:IF EXISTS )?({_NAME})"),
        _fixed_on(EXCLUSIVE_METADATA_LOCK, WAIT),
    ),
    (
        _rule(rf"^RENAME TABLE ({_NAME}) TO ({_NAME})"),
        lambda found, seen: _rename(found.group(1), found.group(2), seen),
    ),
    (
        _rule(rf"^CREATE (?:UNIQUE |FULLTEXT |SPATIAL )?INDEX {_ID} ON ({_NAME})(.*)$"),
        lambda found, _seen: _online(found.group(1), found.group(2)),
    ),
    (
        _rule(rf"^DROP INDEX (?:IF EXISTS )?{_ID} ON ({_NAME})(.*)$"),
        lambda found, _seen: _online(found.group(1), found.group(2)),
    ),
    (
        _rule(
            rf"^CREATE (?:OR REPLACE )?(?:DEFINER\s*=\s*\S+ )?TRIGGER (?:IF NOT EXISTS )?({_ID}) "
            rf".*? ON ({_NAME})"
        ),
        _create_trigger,
    ),
    (_rule(rf"^DROP TRIGGER (?:IF EXISTS )?({_NAME})"), _drop_trigger),
    (
        _rule(r"^(?:CREATE (?:OR REPLACE )?|DROP )(?:FUNCTION|PROCEDURE)\b"),
        lambda _found, _seen: _one(NO_TABLE_LOCK, "", GO_ON),
    ),
    (
        _rule(rf"^UPDATE ({_NAME})"),
        _fixed_on(ROW_LOCKS, "reads and other writes go on; writes to the rows it scans wait"),
    ),
    (
        _rule(rf"^DELETE FROM ({_NAME})"),
        _fixed_on(ROW_LOCKS, "reads and other writes go on; writes to the rows it scans wait"),
    ),
    (_rule(rf"^INSERT (?:IGNORE )?INTO ({_NAME})"), _fixed_on(ROW_LOCKS, GO_ON)),
    (_rule(r"^SELECT\b.*$"), _select),
    (_rule(rf"^LOCK TABLES? ({_NAME})(?: AS {_ID})? (READ|WRITE)\b"), _lock_tables),
]


def classify(sql: str, seen: Seen) -> Lock | None:
    """The lock ``sql`` (one statement, without leading comments) takes; a statement under
    ``SET STATEMENT ... FOR`` takes its own. None for one not recognised."""
    under = _SET_STATEMENT.match(sql)
    if under:
        sql = under.group(1)
    for pattern, read in _STATEMENTS:
        found = pattern.match(sql)
        if found:
            return read(found, seen)
    return None


__all__ = ["classify"]
