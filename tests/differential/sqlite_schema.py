"""A SQLite database's schema, read back with SQLite's own introspection, as comparable lines.

Each line states one fact about one table ("catalog_book: unique (edition, title)"), so two
schemas compare as two sorted lists and their difference reads as a short diff.
"""

from __future__ import annotations

import difflib
import re
import sqlite3
from pathlib import Path

#: tables that record applied migrations: bookkeeping, not part of the models' schema
HISTORY_TABLES = frozenset({"django_migrations", "schemashift_migrations"})


def read_schema(database: Path) -> list[str]:
    """Every fact about the user tables of ``database``, one per line, sorted."""
    if not database.is_file():
        raise FileNotFoundError(f"No database at {database}")
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        lines = [*_other_objects(connection)]
        for table in _tables(connection):
            lines.extend(_table_facts(connection, table))
    finally:
        connection.close()
    return sorted(lines)


def schema_diff(
    expected: list[str], actual: list[str], expected_name: str, actual_name: str
) -> str:
    """The lines only in ``expected`` (``-``) and only in ``actual`` (``+``); "" if equal."""
    diff = difflib.unified_diff(expected, actual, expected_name, actual_name, lineterm="", n=0)
    return "\n".join(line for line in diff if not line.startswith("@@"))


def _tables(connection: sqlite3.Connection) -> list[str]:
    rows = connection.execute("PRAGMA main.table_list").fetchall()
    return sorted(
        name
        for _schema, name, kind, *_rest in rows
        if kind == "table" and not name.startswith("sqlite_") and name not in HISTORY_TABLES
    )


def _other_objects(connection: sqlite3.Connection) -> list[str]:
    """Views and triggers: neither side should create any, so any that exist are reported."""
    rows = connection.execute(
        "SELECT type, name, tbl_name FROM sqlite_master WHERE type IN ('view', 'trigger')"
    )
    return [f"{table}: {kind} {name}" for kind, name, table in rows]


def _table_facts(connection: sqlite3.Connection, table: str) -> list[str]:
    (create_sql,) = connection.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).fetchone()
    items = _definition_items(create_sql)
    facts = [f"{table}: table"]
    facts.extend(_column_facts(connection, table))
    if re.search(r"\bAUTOINCREMENT\b", create_sql, re.IGNORECASE):
        facts.append(f"{table}: AUTOINCREMENT")
    facts.extend(_foreign_key_facts(connection, table, items))
    facts.extend(_index_facts(connection, table))
    facts.extend(f"{table}: check {check}" for check in _checks(items))
    return facts


def _column_facts(connection: sqlite3.Connection, table: str) -> list[str]:
    rows = connection.execute(f"PRAGMA main.table_info({_quote(table)})").fetchall()
    facts = [f"{table}: column order {', '.join(row[1] for row in rows)}"]
    for _cid, name, declared_type, notnull, default, pk in rows:
        nullability = "NOT NULL" if notnull else "NULL"
        fact = f"{table}.{name}: {_normalize_type(declared_type)} {nullability}"
        if pk:
            fact += f" PRIMARY KEY #{pk}"
        if default is not None:
            fact += f" DEFAULT {default}"
        facts.append(fact)
    return facts


def _normalize_type(declared_type: str) -> str:
    """Case and spacing do not change a declared type: ``DECIMAL(8, 2)`` is ``decimal(8,2)``."""
    collapsed = " ".join(declared_type.lower().split())
    return re.sub(r"\s*([(),])\s*", r"\1", collapsed)


def _foreign_key_facts(connection: sqlite3.Connection, table: str, items: list[str]) -> list[str]:
    deferred_columns = _deferred_foreign_key_columns(items)
    rows = connection.execute(f"PRAGMA main.foreign_key_list({_quote(table)})").fetchall()
    by_id: dict[int, list[tuple]] = {}
    for row in rows:
        by_id.setdefault(row[0], []).append(row)
    facts = []
    for parts in by_id.values():
        parts.sort(key=lambda row: row[1])
        target = parts[0][2]
        from_columns = [row[3] for row in parts]
        to_columns = [row[4] or _primary_key(connection, target) for row in parts]
        on_update, on_delete = parts[0][5], parts[0][6]
        deferred = all(column in deferred_columns for column in from_columns)
        facts.append(
            f"{table}: foreign key ({', '.join(from_columns)}) -> "
            f"{target}({', '.join(to_columns)}) on delete {on_delete}, on update {on_update}"
            + (", deferrable initially deferred" if deferred else "")
        )
    return facts


def _primary_key(connection: sqlite3.Connection, table: str) -> str:
    rows = connection.execute(f"PRAGMA main.table_info({_quote(table)})").fetchall()
    return ", ".join(row[1] for row in sorted(rows, key=lambda row: row[5]) if row[5])


def _index_facts(connection: sqlite3.Connection, table: str) -> list[str]:
    """Unique constraints as column sets (however declared); other indexes by name too."""
    facts = []
    rows = connection.execute(f"PRAGMA main.index_list({_quote(table)})").fetchall()
    for _seq, name, unique, origin, partial in rows:
        if origin == "pk":
            continue
        keys = connection.execute(f"PRAGMA main.index_xinfo({_quote(name)})").fetchall()
        columns = [
            (column or "<expression>") + (" DESC" if desc else "")
            for _seqno, _cid, column, desc, _collation, key in sorted(keys)
            if key
        ]
        where = " (partial)" if partial else ""
        if unique:
            facts.append(f"{table}: unique ({', '.join(sorted(columns))}){where}")
        else:
            facts.append(f"{table}: index {name} ({', '.join(columns)}){where}")
    return facts


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


# -- reading CREATE TABLE text, for what the pragmas do not report ------------------------


def _definition_items(create_sql: str) -> list[str]:
    """The column definitions and table constraints of a CREATE TABLE statement."""
    body = create_sql[create_sql.index("(") + 1 : create_sql.rindex(")")]
    items, depth, start, quote = [], 0, 0, ""
    for i, char in enumerate(body):
        if quote:
            if char == quote:
                quote = ""
        elif char in "\"'`[":
            quote = "]" if char == "[" else char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            items.append(body[start:i].strip())
            start = i + 1
    items.append(body[start:].strip())
    return items


def _identifier(text: str) -> str:
    return text.strip().strip('"`[]')


def _deferred_foreign_key_columns(items: list[str]) -> set[str]:
    """Columns whose REFERENCES clause is DEFERRABLE INITIALLY DEFERRED."""
    deferred = set()
    for item in items:
        if not re.search(r"\bREFERENCES\b", item, re.IGNORECASE):
            continue
        if not re.search(r"\bDEFERRABLE\s+INITIALLY\s+DEFERRED\b", item, re.IGNORECASE):
            continue
        table_constraint = re.search(r"\bFOREIGN\s+KEY\s*\(([^)]*)\)", item, re.IGNORECASE)
        if table_constraint:
            deferred.update(_identifier(c) for c in table_constraint.group(1).split(","))
        else:
            deferred.add(_identifier(re.match(r'\s*("[^"]+"|`[^`]+`|\[[^]]+]|\S+)', item)[1]))
    return deferred


def _checks(items: list[str]) -> list[str]:
    """Every CHECK expression, column or table level, without quotes, spaces or case."""
    checks = []
    for item in items:
        for match in re.finditer(r"\bCHECK\s*\(", item, re.IGNORECASE):
            start = match.end() - 1
            depth = 0
            for end in range(start, len(item)):
                depth += {"(": 1, ")": -1}.get(item[end], 0)
                if depth == 0:
                    break
            checks.append(_normalize_expression(item[start : end + 1]))
    return sorted(checks)


def _normalize_expression(expression: str) -> str:
    text = re.sub(r"[\"`\[\]\s]", "", expression).lower()
    while text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
        text = text[1:-1]
    return text


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0
