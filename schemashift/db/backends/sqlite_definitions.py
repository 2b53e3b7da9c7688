"""Reading and editing the text of a SQLite ``CREATE TABLE`` statement, as ``sqlite_master``
keeps it: which column definitions it holds, where, and what a declared type means for the
values stored.

SQLite keeps no other description of a table: changing that text (``sqlite_rewrite``) changes
the table, so each function here either returns an exact edit or says it cannot.
"""

from __future__ import annotations

import re

#: a declared type made of type names and an optional size, such as ``varchar(50)``,
#: ``integer unsigned`` or ``decimal(10, 2)``: nothing that is a constraint or a collation
_PLAIN_TYPE = re.compile(r"[A-Za-z_][A-Za-z0-9_ ]*(?:\(\s*[0-9]+\s*(?:,\s*[0-9]+\s*)?\))?")
_CONSTRAINT_WORDS = re.compile(
    r"\b(?:COLLATE|CONSTRAINT|PRIMARY|UNIQUE|CHECK|DEFAULT|REFERENCES|GENERATED|AS|NOT|NULL)\b",
    re.IGNORECASE,
)


def type_affinity(declared: str) -> str:
    """The affinity SQLite gives a column of this declared type (its rules, in their order:
    https://www.sqlite.org/datatype3.html#determination_of_column_affinity)."""
    upper = declared.upper()
    if "INT" in upper:
        return "INTEGER"
    if any(word in upper for word in ("CHAR", "CLOB", "TEXT")):
        return "TEXT"
    if "BLOB" in upper or not upper.strip():
        return "BLOB"
    if any(word in upper for word in ("REAL", "FLOA", "DOUB")):
        return "REAL"
    return "NUMERIC"


def stores_alike(old_type: str, new_type: str) -> bool:
    """Whether values stored under ``old_type`` are stored the same way under ``new_type``:
    plain type names (no collation or constraint words) of the same affinity. SQLite does not
    enforce a size, so ``varchar(50)`` and ``varchar(200)`` store alike."""
    if old_type == new_type:
        return True
    return all(
        _PLAIN_TYPE.fullmatch(t) and not _CONSTRAINT_WORDS.search(t) for t in (old_type, new_type)
    ) and type_affinity(old_type) == type_affinity(new_type)


def definition_spans(create_sql: str) -> list[tuple[int, int]]:
    """The (start, end) offsets of each column definition and table constraint between the
    statement's outer parentheses, without the blanks around them; [] unless the statement
    ends with that list (not ``AS SELECT``, ``WITHOUT ROWID`` or ``STRICT``, say)."""
    return _outer_list(create_sql)[1]


def _outer_list(create_sql: str) -> tuple[int, list[tuple[int, int]]]:
    """The offset of the opening parenthesis of the definitions, and their spans."""
    spans: list[tuple[int, int]] = []
    depth, opening, start, quote, index = 0, -1, -1, "", 0
    while index < len(create_sql):
        char = create_sql[index]
        if quote:
            if char == quote:
                if create_sql[index + 1 : index + 2] == quote:  # a doubled quote
                    index += 1
                else:
                    quote = ""
        elif char in "'\"`":
            quote = char
        elif char == "[":
            quote = "]"
        elif char == "(":
            depth += 1
            if depth == 1:
                opening, start = index, index + 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                spans.append(_stripped(create_sql, start, index))
                return (opening, spans) if not create_sql[index + 1 :].strip() else (-1, [])
        elif char == "," and depth == 1:
            spans.append(_stripped(create_sql, start, index))
            start = index + 1
        index += 1
    return -1, []


def _stripped(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def replace_column_definition(create_sql: str, old: str, new: str) -> str | None:
    """``create_sql`` with the one definition that reads exactly ``old`` (quoted column name
    and all) replaced by ``new``; None unless exactly one definition reads ``old``."""
    found = [(s, e) for s, e in definition_spans(create_sql) if create_sql[s:e] == old]
    if len(found) != 1:
        return None
    ((start, end),) = found
    return create_sql[:start] + new + create_sql[end:]


def remove_definition(create_sql: str, item: str) -> str | None:
    """``create_sql`` without the one definition after the first that reads exactly ``item``
    (a table constraint, say), and the comma before it; None unless exactly one does."""
    spans = definition_spans(create_sql)
    found = [i for i, (s, e) in enumerate(spans) if i > 0 and create_sql[s:e] == item]
    if len(found) != 1:
        return None
    (index,) = found
    return create_sql[: spans[index - 1][1]] + create_sql[spans[index][1] :]


def renamed_create(create_sql: str, quoted_name: str) -> str:
    """The same ``CREATE TABLE`` statement for a table named ``quoted_name``."""
    opening, _spans = _outer_list(create_sql)
    return f"CREATE TABLE {quoted_name} {create_sql[opening:]}"
