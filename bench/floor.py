"""The floor of a workload: the SQL a tool actually ran, captured, and replayed without the tool.

A command runs under ``traced.py``, which records every statement the database receives
(SQLite's trace callback, or on a server the wrapped cursor of psycopg or PyMySQL, so both
tools are seen alike: what SQLAlchemy sends, what Django sends, and the BEGIN and COMMIT the
driver adds). Of that trace, the floor keeps the statements that change the schema or move
rows for it: not transaction control, PRAGMAs (but those that edit a SQLite table's definition
in place), session settings (SET, RESET), locks, reads (SELECT, SHOW, DESCRIBE), or the writes
to the tools' own history tables. Replayed as one script in one transaction, statement by
statement through the same driver, on a database in the state the command started from, they
cost what the work itself costs; replayed in the transactions the tool ran them in, they add
the commits. SQLite needs only the standard library; a server, SQLAlchemy and its driver
(``replay_on_server``, ``server_schema_of``).
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
from typing import Any

#: the mark ``traced.py`` writes after a statement the server committed on its own
AUTOCOMMIT = "-- autocommit"

#: statements that are not work on the schema or its rows
_NOT_WORK = re.compile(
    r"(?:(?:BEGIN|START\s+TRANSACTION|COMMIT|END|ROLLBACK|SAVEPOINT|RELEASE|PRAGMA|SELECT|WITH|"
    r"RESET|SHOW|DESCRIBE|EXPLAIN|LOCK|UNLOCK)\b|--"
    # a setting, not MariaDB's SET STATEMENT ... FOR <statement>, which runs the statement
    r"|SET\b(?!\s+STATEMENT\b))",
    re.IGNORECASE,
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
    """The floor's statements grouped by the transaction (ended by COMMIT, or by the server's
    own commit of a statement run in autocommit mode) that ran them."""
    groups: list[list[str]] = [[]]
    for statement in trace:
        if statement == AUTOCOMMIT or re.match(r"\s*(?:COMMIT|END)\b", statement, re.IGNORECASE):
            if groups[-1]:
                groups.append([])
        elif is_work(statement):
            groups[-1].append(statement)
    return [group for group in groups if group]


def statement_counts(trace: list[str]) -> tuple[int, int]:
    """(every statement executed, statements of the floor)."""
    return sum(statement != AUTOCOMMIT for statement in trace), len(floor_statements(trace))


def kinds(trace: Iterable[str]) -> Counter[str]:
    """How many statements of each kind (first two words; PRAGMA with its name) ran."""
    found: Counter[str] = Counter()
    for statement in trace:
        words = statement.split()
        if not words or statement == AUTOCOMMIT:
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


def replay_on_server(url: str, groups: list[list[str]]) -> float:
    """Run the groups of statements on the server database ``url`` (SQLAlchemy's spelling),
    each group in one transaction, through the driver's own connection (psycopg, PyMySQL);
    return the seconds from the first statement to the last COMMIT. On MySQL/MariaDB each DDL
    statement commits by itself, whatever the grouping."""
    import sqlalchemy as sa

    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        wrapper = engine.raw_connection()
        try:
            connection: Any = wrapper.driver_connection
            connection.rollback()
            cursor = connection.cursor()
            began = time.perf_counter()
            for group in groups:
                for statement in group:
                    cursor.execute(statement)
                connection.commit()
            return time.perf_counter() - began
        finally:
            wrapper.close()
    finally:
        engine.dispose()


def server_schema_of(url: str) -> dict[str, dict[str, Any]]:
    """Every table but the tools' history tables, as SQLAlchemy's inspector sees it: columns
    (name, type, nullable, default, identity), primary key, foreign keys, indexes and unique
    and check constraints, each list sorted, names included."""
    import sqlalchemy as sa

    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    history = {"schemashift_migrations", "schemashift_migrations_progress", "django_migrations"}
    try:
        inspector = sa.inspect(engine)
        schema: dict[str, dict[str, Any]] = {}
        for table in sorted(set(inspector.get_table_names()) - history):
            columns = [
                (
                    c["name"],
                    str(c["type"]),
                    c["nullable"],
                    c.get("default"),
                    bool(c.get("identity")),
                )
                for c in inspector.get_columns(table)
            ]
            schema[table] = {
                "columns": sorted(columns),
                "primary key": inspector.get_pk_constraint(table),
                "foreign keys": _sorted(inspector.get_foreign_keys(table)),
                "indexes": _sorted(inspector.get_indexes(table)),
                "unique": _sorted(inspector.get_unique_constraints(table)),
                "checks": _sorted(inspector.get_check_constraints(table)),
            }
        return schema
    finally:
        engine.dispose()


def _sorted(items: list[dict[str, Any]]) -> list[str]:
    return sorted(repr(sorted(item.items())) for item in items)
