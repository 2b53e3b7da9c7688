"""The floor of a workload: the SQL a tool actually ran, captured, and replayed without the tool.

A command runs under ``traced.py``, which records every statement SQLite executes (the
driver's trace callback, so both tools are seen alike: what SQLAlchemy sends, what Django
sends, and the BEGIN and COMMIT the driver adds). Of that trace, the floor keeps the
statements that change the schema or move rows for it: not transaction control, PRAGMAs
(but those that edit a table's definition in place), reads, or the writes to the tools' own
history tables. Replayed as one script in one
transaction on a copy of the database the command started from, they cost what the work
itself costs; replayed in the transactions the tool ran them in, they add the commits.
Only the standard library is used.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

#: statements that are not work on the schema or its rows
_NOT_WORK = re.compile(
    r"(?:BEGIN|COMMIT|END|ROLLBACK|SAVEPOINT|RELEASE|PRAGMA|SELECT|WITH|--)\b", re.IGNORECASE
)
#: the PRAGMAs that change a table's definition in place (``UPDATE sqlite_master`` between them)
_SCHEMA_EDIT = re.compile(r"PRAGMA\s+(?:writable_schema|schema_version)\s*=", re.IGNORECASE)
#: writes to the tools' own bookkeeping tables
_HISTORY = re.compile(
    r"(?:INSERT\s+INTO|DELETE\s+FROM|UPDATE|CREATE\s+TABLE(?:\s+IF\s+NOT\s+EXISTS)?)\s+"
    r"[\"`]?(?:schemashift_migrations\w*|django_migrations)\b",
    re.IGNORECASE,
)


def read_trace(path: Path) -> list[str]:
    return json.loads(path.read_text())


def is_work(statement: str) -> bool:
    """Whether a traced statement belongs to the floor."""
    text = statement.lstrip()
    if _SCHEMA_EDIT.match(text):
        return True
    return bool(text) and not _NOT_WORK.match(text) and not _HISTORY.match(text)


def floor_statements(trace: Iterable[str]) -> list[str]:
    """The statements of the floor, in the order they ran."""
    return [statement for statement in trace if is_work(statement)]


def transactions(trace: Iterable[str]) -> list[list[str]]:
    """The floor's statements grouped by the transaction (ended by COMMIT) that ran them."""
    groups: list[list[str]] = [[]]
    for statement in trace:
        if re.match(r"\s*(?:COMMIT|END)\b", statement, re.IGNORECASE):
            if groups[-1]:
                groups.append([])
        elif is_work(statement):
            groups[-1].append(statement)
    return [group for group in groups if group]


def statement_counts(trace: list[str]) -> tuple[int, int]:
    """(every statement executed, statements of the floor)."""
    return len(trace), len(floor_statements(trace))


def kinds(trace: Iterable[str]) -> Counter[str]:
    """How many statements of each kind (first two words; PRAGMA with its name) ran."""
    found: Counter[str] = Counter()
    for statement in trace:
        words = statement.split()
        if not words:
            continue
        if words[0].upper() == "PRAGMA":
            found["PRAGMA " + re.split(r"[\s(=]", words[1])[0].lower()] += 1
        else:
            found[" ".join(words[:2]).upper()] += 1
    return found


def replay(database: Path, groups: list[list[str]], start: Path | None = None) -> float:
    """Run the groups of statements on ``database`` (a copy of ``start`` or a new file), each
    group in one transaction, foreign key enforcement off as the tools have it; return the
    seconds from the first BEGIN to the last COMMIT."""
    database.unlink(missing_ok=True)
    if start is not None:
        shutil.copyfile(start, database)
    connection = sqlite3.connect(database, isolation_level=None)
    try:
        connection.execute("PRAGMA foreign_keys = OFF")
        began = time.perf_counter()
        for group in groups:
            connection.execute("BEGIN")
            for statement in group:
                connection.execute(statement)
            connection.execute("COMMIT")
        return time.perf_counter() - began
    finally:
        connection.close()


def schema_of(database: Path) -> list[tuple[str, str, str]]:
    """(type, name, SQL) of every table and index but the tools' history tables."""
    connection = sqlite3.connect(database)
    try:
        rows = connection.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite%' "
            "AND tbl_name NOT IN ('schemashift_migrations', 'schemashift_migrations_progress', "
            "'django_migrations') ORDER BY type, name"
        ).fetchall()
    finally:
        connection.close()
    return rows
