"""RunSQL's text read as statements: split, and each recognised where it can be.

A statement is split at the semicolons outside quotes ('...', "...", `...`, PostgreSQL's
$tag$...$tag$), comments and the BEGIN ... END body of a trigger or routine. What a statement
does to the previous app version or the data is read from its first words: DROP TABLE, ALTER
TABLE ... DROP COLUMN, RENAME, TRUNCATE, DELETE, LOCK TABLE. The locks statements take are
read by the backend's lock knowledge (``db/backends/*_locks.py``), not here. A statement whose
kind is not known at all is for a person to review (the ``raw-sql`` rule).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ID = r'(?:"(?:[^"]|"")+"|`(?:[^`]|``)+`|[A-Za-z_][\w$]*)'
_NAME = rf"{_ID}(?:\.{_ID})?"
_WORD = re.compile(r"\b(BEGIN|END|CASE)\b", re.IGNORECASE)
_DOLLAR = re.compile(r"\$(?:[A-Za-z_]\w*)?\$")


def split_statements(sql: str) -> list[str]:
    """The statements of a string of SQL, without their semicolons."""
    statements: list[str] = []
    current: list[str] = []
    depth = 0
    index, length = 0, len(sql)
    while index < length:
        char = sql[index]
        end = _skipped_end(sql, index)
        if end is not None:
            current.append(sql[index:end])
            index = end
            continue
        starts_word = index == 0 or not (sql[index - 1].isalnum() or sql[index - 1] in "_$")
        if char.isalpha() and starts_word:
            word = _WORD.match(sql, index)
            if word and _is_routine("".join(current)):
                depth += -1 if word.group(1).upper() == "END" else 1
                current.append(word.group(0))
                index = word.end()
                continue
        if char == ";" and depth <= 0:
            statements.append("".join(current))
            current, depth = [], 0
        else:
            current.append(char)
        index += 1
    statements.append("".join(current))
    return [text for statement in statements if (text := statement.strip())]


def _skipped_end(sql: str, index: int) -> int | None:
    """The end of the quoted text or comment starting at ``index``; None if none starts."""
    char = sql[index]
    if char in "'\"`":
        at = index + 1
        while at < len(sql):
            if sql[at] == "\\" and char == "'":
                at += 2
                continue
            if sql[at] == char:
                if sql.startswith(char * 2, at):
                    at += 2
                    continue
                return at + 1
            at += 1
        return len(sql)
    if sql.startswith("--", index):
        newline = sql.find("\n", index)
        return len(sql) if newline == -1 else newline
    if sql.startswith("/*", index):
        close = sql.find("*/", index + 2)
        return len(sql) if close == -1 else close + 2
    if char == "$":
        tag = _DOLLAR.match(sql, index)
        if tag:
            close = sql.find(tag.group(0), tag.end())
            return len(sql) if close == -1 else close + len(tag.group(0))
    return None


def _is_routine(text: str) -> bool:
    """Whether the statement so far creates a trigger or routine (whose body has BEGIN ... END)."""
    return bool(
        re.match(
            r"\s*CREATE\b(?:(?!;).)*?\b(?:TRIGGER|PROCEDURE|FUNCTION|EVENT)\b",
            text,
            re.IGNORECASE | re.DOTALL,
        )
    )


@dataclass(frozen=True)
class RawStatement:
    """What one statement of RunSQL does, as far as the rules care.

    ``kind`` is one of ``drop-table``, ``drop-column``, ``rename-table``, ``rename-column``,
    ``truncate``, ``delete``, ``lock-table``, ``known`` (recognised, nothing to say) or
    ``unknown``."""

    kind: str
    table: str = ""
    #: the column dropped or renamed, or the new name of a table
    name: str = ""
    new_name: str = ""


def _rule(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE | re.DOTALL)


_READS: list[tuple[str, re.Pattern[str]]] = [
    ("drop-table", _rule(rf"^DROP TABLE (?:IF EXISTS )?(?P<table>{_NAME})")),
    (
        "drop-column",
        _rule(
            rf"^ALTER TABLE (?:IF EXISTS )?(?:ONLY )?(?P<table>{_NAME}) DROP "
            rf"(?!CONSTRAINT\b|INDEX\b|KEY\b|PRIMARY\b|FOREIGN\b|CHECK\b|DEFAULT\b|PARTITION\b)"
            rf"(?:COLUMN )?(?:IF EXISTS )?(?P<name>{_ID})"
        ),
    ),
    (
        "rename-column",
        _rule(
            rf"^ALTER TABLE (?:IF EXISTS )?(?:ONLY )?(?P<table>{_NAME}) RENAME "
            rf"(?!TO\b|AS\b|CONSTRAINT\b|INDEX\b|KEY\b)(?:COLUMN )?(?P<name>{_ID}) TO "
            rf"(?P<new_name>{_ID})"
        ),
    ),
    (
        "rename-column",
        _rule(
            rf"^ALTER TABLE (?P<table>{_NAME}) CHANGE (?:COLUMN )?(?P<name>{_ID}) "
            rf"(?P<new_name>{_ID})"
        ),
    ),
    (
        "rename-table",
        _rule(
            rf"^ALTER TABLE (?:IF EXISTS )?(?:ONLY )?(?P<table>{_NAME}) RENAME (?:TO|AS) "
            rf"(?P<new_name>{_NAME})"
        ),
    ),
    ("rename-table", _rule(rf"^RENAME TABLE (?P<table>{_NAME}) TO (?P<new_name>{_NAME})")),
    ("truncate", _rule(rf"^TRUNCATE (?:TABLE )?(?:ONLY )?(?P<table>{_NAME})")),
    ("delete", _rule(rf"^DELETE FROM (?:ONLY )?(?P<table>{_NAME})")),
    ("lock-table", _rule(rf"^LOCK (?:TABLES? )?(?:ONLY )?(?P<table>{_NAME})")),
]
#: statements recognised that none of the rules read as breaking anything by their text
_KNOWN = _rule(
    r"^(?:CREATE|ALTER (?:TABLE|INDEX|SEQUENCE|VIEW|FUNCTION|TYPE)|DROP (?:INDEX|VIEW|"
    r"MATERIALIZED VIEW|FUNCTION|PROCEDURE|TRIGGER|SEQUENCE|TYPE|EXTENSION)|INSERT|UPDATE|"
    r"SELECT|WITH|COMMENT|SET|GRANT|REVOKE|ANALYZE|VACUUM(?! FULL)|PRAGMA)\b"
)


def read_statement(text: str) -> RawStatement:
    """What the statement ``text`` (without leading comments) does."""
    text = " ".join(text.split())
    for kind, pattern in _READS:
        found = pattern.match(text)
        if found:
            names = found.groupdict()
            return RawStatement(
                kind,
                names.get("table") or "",
                names.get("name") or "",
                names.get("new_name") or "",
            )
    if _KNOWN.match(text):
        return RawStatement("known")
    return RawStatement("unknown")


__all__ = ["RawStatement", "read_statement", "split_statements"]
