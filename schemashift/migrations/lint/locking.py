"""Locking rules: statements that keep a table's readers or writers waiting for long.

Each rule reads the statements schemashift would run for the operation on the target server
(``context.py``) and the lock each takes (``db/backends/postgresql_locks.py``,
``mysql_locks.py``), so it judges what really runs: an AddIndex on a PostgreSQL table in use
is built CONCURRENTLY by schemashift, and ``index-not-concurrent`` says nothing of it, while a
RunSQL ``CREATE INDEX`` gets the finding. A table made earlier in the same migration is new:
nobody waits on it. With a database, a lock on a table of fewer rows than the threshold
(LINT_ROWS, 10,000) is a warning rather than an error.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from schemashift.migrations.lint.context import OperationContext, Statement, unquoted
from schemashift.migrations.lint.rules import ERROR, WARNING, Hit, rule
from schemashift.migrations.lint.sql_text import read_statement

GROUP = "locking"

_PG_CREATE_INDEX = re.compile(r"^CREATE (?:UNIQUE )?INDEX (?!CONCURRENTLY\b)", re.IGNORECASE)
_PG_DROP_INDEX = re.compile(r"^DROP INDEX (?!CONCURRENTLY\b)", re.IGNORECASE)
_PG_CONCURRENTLY = re.compile(r"^(?:CREATE (?:UNIQUE )?INDEX|REINDEX\b.*?) CONCURRENTLY\b", re.I)
_PG_ADD_VALIDATED = re.compile(
    r"\bADD (?:CONSTRAINT \S+ )?(?:FOREIGN KEY|CHECK)\b(?!.*\bNOT VALID\s*$)",
    re.IGNORECASE | re.DOTALL,
)
_PG_RETYPE = re.compile(
    r'^ALTER TABLE (?:ONLY )?(\S+) ALTER (?:COLUMN )?("(?:[^"]|"")+"|\w+) (?:SET DATA )?TYPE '
    r"(.+?)(?: USING .*)?$",
    re.IGNORECASE | re.DOTALL,
)
_MYSQL_COPY = re.compile(r"\bALGORITHM\s*=\s*COPY\b", re.IGNORECASE)
_MYSQL_LOCKING = re.compile(r"\bLOCK\s*=\s*(EXCLUSIVE|SHARED)\b", re.IGNORECASE)
#: ALTER actions InnoDB makes in place (or instantly) when the statement asks for nothing:
#: indexes, new columns, renames, defaults, comments
_MYSQL_IN_PLACE = re.compile(
    r"^(?:CREATE (?:UNIQUE |FULLTEXT |SPATIAL )?INDEX|DROP INDEX|ALTER TABLE \S+ (?:ADD "
    r"(?:UNIQUE |FULLTEXT )?(?:INDEX|KEY)\b|DROP (?:INDEX|KEY)\b|RENAME (?:COLUMN|INDEX|KEY)\b|"
    r"ALTER (?:COLUMN )?\S+ (?:SET|DROP) DEFAULT\b|COMMENT\b|"
    r"ADD (?:COLUMN )?(?!.*\b(?:AUTO_INCREMENT|PRIMARY KEY|CHECK)\b)))",
    re.IGNORECASE | re.DOTALL,
)
#: what a statement waits on, by the lock comment's words (``postgresql_locks.py``)
_REWRITES = "rewritten"
_LONG = "while"


def _existing(statement: Statement) -> bool:
    return statement.lock is not None and not statement.is_on_new_table


def _tables(statement: Statement) -> list[str]:
    assert statement.lock is not None
    return [unquoted(table) for _mode, table in statement.lock.held if table]


def _hit(context: OperationContext, statement: Statement, message: str) -> Hit:
    """A hit on the statement's first table, with the severity its size gives."""
    tables = _tables(statement)
    table = tables[0] if tables else ""
    note = context.size_note(table) if table else ""
    severity = context.lock_severity(table) if table else None
    return Hit(f"{message}{note}: {_short(statement.text)}", severity)


def _short(sql: str, length: int = 160) -> str:
    sql = " ".join(sql.split())
    return sql if len(sql) <= length else f"{sql[: length - 3]}..."


# -- PostgreSQL -------------------------------------------------------------------------------


@rule(
    "index-not-concurrent",
    ERROR,
    GROUP,
    why="CREATE INDEX without CONCURRENTLY stops every write to the table while it builds.",
    fix="Use AddIndex (schemashift builds it CONCURRENTLY on a table in use) or write "
    "CREATE INDEX CONCURRENTLY in a migration with atomic = False.",
)
def index_not_concurrent(context: OperationContext) -> Iterator[Hit]:
    if context.target.backend != "postgresql":
        return
    for statement in context.statements:
        if _existing(statement) and _PG_CREATE_INDEX.match(statement.text):
            yield _hit(context, statement, "index built without CONCURRENTLY, writes wait")


@rule(
    "drop-index-not-concurrent",
    WARNING,
    GROUP,
    why="DROP INDEX without CONCURRENTLY takes ACCESS EXCLUSIVE: queued behind a long query, "
    "it stops every read and write of the table.",
    fix="Use RemoveIndex (schemashift drops it CONCURRENTLY) or DROP INDEX CONCURRENTLY in a "
    "migration with atomic = False.",
)
def drop_index_not_concurrent(context: OperationContext) -> Iterator[Hit]:
    if context.target.backend != "postgresql":
        return
    for statement in context.statements:
        if _existing(statement) and _PG_DROP_INDEX.match(statement.text):
            yield Hit(f"index dropped without CONCURRENTLY: {_short(statement.text)}")


@rule(
    "constraint-not-valid",
    ERROR,
    GROUP,
    why="A FOREIGN KEY or CHECK added without NOT VALID checks every row under a lock that "
    "stops writes (ACCESS EXCLUSIVE for a CHECK).",
    fix="Use AddConstraint/AddField (schemashift adds it NOT VALID, then VALIDATE CONSTRAINT) "
    "or write ... NOT VALID and ALTER TABLE ... VALIDATE CONSTRAINT in RunSQL.",
)
def constraint_not_valid(context: OperationContext) -> Iterator[Hit]:
    if context.target.backend != "postgresql":
        return
    for statement in context.statements:
        text = statement.text
        if (
            _existing(statement)
            and _altered_table_exists(statement)
            and _PG_ADD_VALIDATED.search(text)
        ):
            yield _hit(context, statement, "every row is checked while writes wait")


_ALTERED = re.compile(r"^ALTER TABLE (?:IF EXISTS )?(?:ONLY )?(\S+)", re.IGNORECASE)


def _altered_table_exists(statement: Statement) -> bool:
    """Whether the table an ALTER TABLE changes existed before the migration: the rows
    checked are its own (a new table's foreign key checks no row, whatever it references)."""
    assert statement.lock is not None
    found = _ALTERED.match(statement.text)
    if found is None:
        return False
    table = unquoted(found.group(1))
    held = {unquoted(name) for _mode, name in statement.lock.held}
    return table in held and table not in statement.made


@rule(
    "concurrent-index-pg14",
    ERROR,
    GROUP,
    why="PostgreSQL 14.0 to 14.3 can corrupt an index built or rebuilt CONCURRENTLY.",
    fix="Upgrade the server to 14.4 or later before running the migration (then REINDEX "
    "indexes built concurrently on 14.0-14.3).",
)
def concurrent_index_pg14(context: OperationContext) -> Iterator[Hit]:
    target = context.target
    version = target.version or ()
    if target.backend != "postgresql" or version[:1] != (14,):
        return
    if len(version) > 1 and version[1] >= 4:
        return
    # "postgresql:14" without its minor version may be one of them: a warning
    severity = ERROR if len(version) > 1 else WARNING
    for statement in context.statements:
        if _PG_CONCURRENTLY.match(statement.text):
            yield Hit(f"concurrent index build on {target}: {_short(statement.text)}", severity)


# -- PostgreSQL and MySQL/MariaDB -------------------------------------------------------------


@rule(
    "table-rewrite",
    ERROR,
    GROUP,
    why="The table is rewritten or copied (PostgreSQL: under ACCESS EXCLUSIVE; MySQL/MariaDB: "
    "ALGORITHM=COPY; SQLite: a table remake): writes, and on PostgreSQL reads, wait until "
    "every row is copied.",
    fix="Change the column through a new one (makemigrations --staged, or AlterField of a "
    "plain column, which schemashift does through a shadow column on a table in use), or run "
    "it when the table is small or out of use, and acknowledge it.",
)
def table_rewrite(context: OperationContext) -> Iterator[Hit]:
    backend = context.target.backend
    if backend == "sqlite":
        yield from _sqlite_remakes(context)
        return
    for statement in context.statements:
        if not _existing(statement):
            continue
        assert statement.lock is not None
        if backend == "postgresql" and _REWRITES in statement.lock.effect:
            if not _keeps_form(context, statement):
                yield _hit(context, statement, "the table and its indexes are rewritten")
        elif backend == "mysql" and _copies(context, statement):
            yield _hit(context, statement, "the server copies the table, writes wait")


def _keeps_form(context: OperationContext, statement: Statement) -> bool:
    """Whether a PostgreSQL type change is one its catalog makes alone (a longer varchar);
    when the column's old type is not known (RunSQL on a table of no model), not."""
    from schemashift.db.backends.postgresql import is_retyped_in_catalog

    found = _PG_RETYPE.match(statement.text)
    if not found:
        return False
    table, column, new_type = unquoted(found.group(1)), unquoted(found.group(2)), found.group(3)
    old_type = _old_column_type(context, table, column)
    return old_type is not None and is_retyped_in_catalog(old_type, new_type.strip())


def _copies(context: OperationContext, statement: Statement) -> bool:
    """Whether a MySQL/MariaDB statement copies the table: ALGORITHM=COPY, or an ALTER that
    asks for no algorithm and is not one InnoDB makes in place."""
    assert statement.lock is not None
    text = statement.text
    if _MYSQL_COPY.search(text):
        return True
    if "may copy" not in statement.lock.effect:
        return False
    if _MYSQL_IN_PLACE.match(text):
        return False
    return not _mysql_widens_in_place(context, statement)


_MYSQL_MODIFY = re.compile(
    r"^ALTER TABLE (\S+) MODIFY (?:COLUMN )?(`(?:[^`]|``)+`|\w+) varchar\((\d+)\)",
    re.IGNORECASE,
)
#: bytes a character takes at most in utf8mb4, and the longest value of one length byte
_MYSQL_CHARACTER_BYTES, _MYSQL_ONE_LENGTH_BYTE = 4, 255


def _mysql_widens_in_place(context: OperationContext, statement: Statement) -> bool:
    """Whether a MODIFY lengthens a varchar without changing how many bytes store its length
    (both at most 255 bytes, or both over, in utf8mb4): InnoDB changes only its metadata."""
    found = _MYSQL_MODIFY.match(statement.text)
    if not found:
        return False
    table, column, length = unquoted(found.group(1)), unquoted(found.group(2)), found.group(3)
    old_type = _old_column_type(context, table, column)
    old = re.fullmatch(r"varchar\((\d+)\)", old_type or "")
    if old is None or int(length) < int(old.group(1)):
        return False
    short = [
        int(n) * _MYSQL_CHARACTER_BYTES <= _MYSQL_ONE_LENGTH_BYTE for n in (old.group(1), length)
    ]
    return short[0] == short[1]


def _old_column_type(context: OperationContext, table: str, column: str) -> str | None:
    """The type the column had before the operation, where a model of the state has it."""
    for model in context.before.models.values():
        if context.editor.fit_table_name(model.db_table) != table:
            continue
        for field in model.fields.values():
            if field.column == column and not field.many_to_many:
                return context.editor.column_type(field, context.before)
    return None


_SQLITE_REMAKE = re.compile(r'^CREATE TABLE "new__(.+?)"', re.IGNORECASE)


def _sqlite_remakes(context: OperationContext) -> Iterator[Hit]:
    """SQLite remakes a table to change it: a copy of every row under the write lock."""
    for statement in context.statements:
        found = _SQLITE_REMAKE.match(statement.text)
        if found and found.group(1) not in statement.made:
            table = found.group(1)
            yield Hit(
                f"table {table} is remade, every row copied{context.size_note(table)}",
                context.lock_severity(table),
            )


@rule(
    "exclusive-lock",
    ERROR,
    GROUP,
    why="A lock that stops every read and write of the table is held while rows are "
    "scanned, checked or indexed (PostgreSQL ACCESS EXCLUSIVE), or the table is locked "
    "explicitly (LOCK TABLE, MySQL LOCK=EXCLUSIVE/SHARED).",
    fix="Use the operation schemashift makes online (AlterField for NOT NULL, AddConstraint, "
    "AddIndex), or run it when the table is small or out of use, and acknowledge it.",
)
def exclusive_lock(context: OperationContext) -> Iterator[Hit]:
    backend = context.target.backend
    for statement in context.statements:
        if statement.is_raw and read_statement(statement.text).kind == "lock-table":
            if not statement.is_on_new_table:
                table = unquoted(read_statement(statement.text).table)
                yield Hit(
                    f"explicit table lock{context.size_note(table)}: {_short(statement.text)}",
                    context.lock_severity(table),
                )
            continue
        if not _existing(statement):
            continue
        assert statement.lock is not None
        effect = statement.lock.effect
        if backend == "postgresql":
            modes = {mode for mode, _table in statement.lock.held}
            if (
                "ACCESS EXCLUSIVE" in modes
                and _LONG in effect
                and _REWRITES not in effect
                and not _PG_ADD_VALIDATED.search(statement.text)
            ):
                yield _hit(context, statement, f"{effect}")
        elif backend == "mysql" and _MYSQL_LOCKING.search(statement.text):
            yield _hit(context, statement, effect)


__all__ = [
    "concurrent_index_pg14",
    "constraint_not_valid",
    "drop_index_not_concurrent",
    "exclusive_lock",
    "index_not_concurrent",
    "table_rewrite",
]
