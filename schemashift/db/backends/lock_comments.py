"""The comment ``sqlmigrate`` prints above each statement, naming the lock it takes.

Each backend reads one statement into a ``Lock`` with a small table of regular expressions
(``postgresql_locks.py``, ``mysql_locks.py``, ``sqlite.py``); what they share is here: how a
Lock reads as a comment, and the walk through a migration's statements in order, so each is
read in the light of those before it. A table created earlier in the migration is new, and
nobody else waits on it; a constraint added earlier is known by name (PostgreSQL: the table a
foreign key references, a check that proves a column holds no NULL).

A comment reads ``-- lock: <mode> on <tables>: <what readers and writers see>``, the tables
quoted as in the statement.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

#: what is said of a lock whose tables were all created earlier in the same migration
NEW_TABLE = "none others wait (the table is new)"

_LEADING_COMMENTS = re.compile(r"^(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/)+", re.DOTALL)


@dataclass(frozen=True)
class Lock:
    """The locks one statement takes: (mode, table) pairs, and what they mean for the tables'
    readers and writers. A table may be a phrase (``the table of index "x"``); an empty one
    leaves the mode alone (``the database's write lock``)."""

    held: tuple[tuple[str, str], ...]
    effect: str
    #: how long, where the backend can say (MySQL: "for a moment", "at start and end")
    when: str = ""

    def comment(self) -> str:
        """The comment line, ``-- lock: MODE on TABLES[, WHEN]: EFFECT``."""
        when = f", {self.when}" if self.when else ""
        return f"-- lock: {_held_text(self.held)}{when}: {self.effect}"

    def without(self, new_tables: set[str]) -> Lock:
        """The lock as others feel it, tables made earlier in the migration left out."""
        kept = tuple((mode, table) for mode, table in self.held if table not in new_tables)
        if kept == self.held:
            return self
        if not kept:
            return replace(self, effect=NEW_TABLE, when="")
        return replace(self, held=kept)


@dataclass
class Seen:
    """What the statements before the one being read did, where it changes what it locks."""

    #: tables created earlier in the migration, quoted as in the statements
    new_tables: set[str] = field(default_factory=set)
    #: constraint name -> the table its foreign key references
    foreign_keys: dict[str, str] = field(default_factory=dict)
    #: constraint name -> (table, column) of a ``CHECK (column IS NOT NULL)`` added
    not_null_checks: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: (table, column) proved free of NULLs by a validated check
    proved_not_null: set[tuple[str, str]] = field(default_factory=set)
    #: index or trigger name -> its table
    tables_of: dict[str, str] = field(default_factory=dict)


#: reads one statement, without its leading comments, in the light of those before it (and
#: notes in ``Seen`` what it does that later statements depend on)
Classify = Callable[[str, Seen], "Lock | None"]


def comments_for(statements: Sequence[str], classify: Classify) -> list[str | None]:
    """Per statement of a migration, in the order they run, its lock comment (None where the
    backend does not know the statement)."""
    return [None if lock is None else lock.comment() for lock in locks_for(statements, classify)]


def locks_for(statements: Sequence[str], classify: Classify) -> list[Lock | None]:
    """Per statement of a migration, in the order they run, the lock it takes as others feel
    it (tables made earlier in the migration left out; None where the backend does not know
    the statement)."""
    seen = Seen()
    locks: list[Lock | None] = []
    for sql in statements:
        lock = classify(bare(sql), seen)
        locks.append(None if lock is None else lock.without(seen.new_tables))
    return locks


def bare(sql: str) -> str:
    """The statement without the comments it begins with (a Backfill's note on how it runs,
    MySQL's ``/* with foreign_key_checks=0 */``)."""
    return _LEADING_COMMENTS.sub("", sql, count=1).strip()


def _held_text(held: tuple[tuple[str, str], ...]) -> str:
    """``MODE on "a" and "b", OTHER MODE on "c"``: tables grouped by mode, in order."""
    groups: list[tuple[str, list[str]]] = []
    for mode, table in held:
        if groups and groups[-1][0] == mode:
            groups[-1][1].append(table)
        else:
            groups.append((mode, [table]))
    parts = []
    for mode, tables in groups:
        named = [table for table in tables if table]
        if not named:
            parts.append(mode)
        elif len(named) == 1:
            parts.append(f"{mode} on {named[0]}")
        else:
            parts.append(f"{mode} on {', '.join(named[:-1])} and {named[-1]}")
    return ", ".join(parts)


__all__ = ["NEW_TABLE", "Classify", "Lock", "Seen", "bare", "comments_for", "locks_for"]
