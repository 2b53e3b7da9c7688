"""Which table lock a PostgreSQL statement takes, and what it means for readers and writers.

From the manual's "Explicit Locking" and the pages of each command (and pg_locks, watched):
ACCESS EXCLUSIVE stops reads and writes, SHARE ROW EXCLUSIVE and SHARE stop writes, SHARE
UPDATE EXCLUSIVE (concurrent index builds, VALIDATE CONSTRAINT, COMMENT ON) and the weaker
modes stop neither. Where a statement also locks a table it does not name (a foreign key's
referenced table, the table of an index), the comment says which. What the statement does
under its lock is said where it matters: a scan of every row, a rewrite of the table, an
index build. A statement not recognised gets no comment.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from schemashift.db.backends.lock_comments import Lock, Seen

_ID = r'(?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*)'
#: a table or index name, optionally with its schema
_NAME = rf"{_ID}(?:\.{_ID})?"

ACCESS_EXCLUSIVE = "ACCESS EXCLUSIVE"
SHARE_ROW_EXCLUSIVE = "SHARE ROW EXCLUSIVE"
SHARE = "SHARE"
SHARE_UPDATE_EXCLUSIVE = "SHARE UPDATE EXCLUSIVE"
ROW_EXCLUSIVE = "ROW EXCLUSIVE"
ROW_SHARE = "ROW SHARE"
ACCESS_SHARE = "ACCESS SHARE"
NO_TABLE_LOCK = "no table lock"

GO_ON = "reads and writes go on"
WAIT = "reads and writes wait"
CATALOG_ONLY = "reads and writes wait; only the catalog changes"
WRITES_WAIT = "writes wait; reads go on"
ROWS_CHANGED = "reads and other writes go on; writes to the rows it changes wait"
#: types no other type becomes without its values being rewritten (integer to bigint, ...)
_REWRITTEN_TYPES = re.compile(
    r"^(?:smallint|integer|int[248]?|bigint|boolean|bool|real|double precision|float[48]|"
    r"uuid|jsonb?|date|bytea)\b",
    re.IGNORECASE,
)
#: column definitions whose every row gets a value computed on adding (identity, STORED
#: generated, a volatile default)
_FILLS_EVERY_ROW = re.compile(
    r"\bGENERATED\b|\b(?:big|small)?serial\b|"
    r"\b(?:random|gen_random_uuid|uuid_generate_v[14]|clock_timestamp|timeofday|nextval)\s*\(",
    re.IGNORECASE,
)
_NOT_NULL_CHECK = re.compile(rf"^\(*({_ID}) IS NOT NULL\)*$", re.IGNORECASE)


def _rule(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE | re.DOTALL)


def _one(mode: str, table: str, effect: str) -> Lock:
    return Lock(((mode, table),), effect)


def _referenced(name: str, seen: Seen, mode: str) -> list[tuple[str, str]]:
    """The lock on the table a foreign key references: known when the key was added earlier
    in the migration, guessed from the name Django gives a foreign key (``..._fk_...``)."""
    if name in seen.foreign_keys:
        return [(mode, seen.foreign_keys[name])]
    if "_fk_" in name:
        return [(mode, "the table its foreign key references")]
    return []


def _table_of(index: str, seen: Seen) -> str:
    return seen.tables_of.get(index, f"the table of index {index}")


# -- ALTER TABLE ------------------------------------------------------------------------------


def _renamed(table: str, found: re.Match[str], seen: Seen) -> Lock:
    if table in seen.new_tables:
        seen.new_tables.add(found.group(1))
    return _one(ACCESS_EXCLUSIVE, table, CATALOG_ONLY)


def _add_column(table: str, found: re.Match[str], seen: Seen) -> Lock:
    definition = found.group(1)
    if re.search(r"\bUNIQUE\b|\bPRIMARY KEY\b", definition, re.IGNORECASE):
        effect = "reads and writes wait while its index is built"
    elif _FILLS_EVERY_ROW.search(definition):
        effect = "reads and writes wait while the table is rewritten"
    elif re.search(r"\bCHECK\b", definition, re.IGNORECASE):
        effect = "reads and writes wait while every row is checked"
    else:
        effect = CATALOG_ONLY
    return _one(ACCESS_EXCLUSIVE, table, effect)


def _set_not_null(table: str, found: re.Match[str], seen: Seen) -> Lock:
    if (table, found.group(1)) in seen.proved_not_null:
        effect = "reads and writes wait; no scan: a validated check proves there is no NULL"
    else:
        effect = "reads and writes wait while every row is scanned for NULLs"
    return _one(ACCESS_EXCLUSIVE, table, effect)


def _retype(table: str, found: re.Match[str], seen: Seen) -> Lock:
    if _REWRITTEN_TYPES.match(found.group(1)):
        effect = "reads and writes wait while the table and its indexes are rewritten"
    else:
        effect = (
            "reads and writes wait; the table and its indexes are rewritten unless the values "
            "keep their form (a longer varchar, say)"
        )
    return _one(ACCESS_EXCLUSIVE, table, effect)


def _add_foreign_key(table: str, found: re.Match[str], seen: Seen) -> Lock:
    name, referenced, rest = found.groups()
    if name:
        seen.foreign_keys[name] = referenced
    if re.search(r"\bNOT VALID$", rest, re.IGNORECASE):
        effect = "writes wait; reads go on; no row is checked"
    else:
        effect = f"writes wait while the rows of {table} are checked; reads go on"
    return Lock(((SHARE_ROW_EXCLUSIVE, table), (SHARE_ROW_EXCLUSIVE, referenced)), effect)


def _add_check(table: str, found: re.Match[str], seen: Seen) -> Lock:
    name, condition, not_valid = found.groups()
    column = _NOT_NULL_CHECK.match(condition.strip())
    if not_valid:
        if column:
            seen.not_null_checks[name] = (table, column.group(1))
        return _one(ACCESS_EXCLUSIVE, table, "reads and writes wait; no row is checked")
    if column:
        seen.proved_not_null.add((table, column.group(1)))
    return _one(ACCESS_EXCLUSIVE, table, "reads and writes wait while every row is checked")


def _validate(table: str, found: re.Match[str], seen: Seen) -> Lock:
    name = found.group(1)
    if name in seen.not_null_checks:
        seen.proved_not_null.add(seen.not_null_checks[name])
    held = [(SHARE_UPDATE_EXCLUSIVE, table), *_referenced(name, seen, ROW_SHARE)]
    return Lock(tuple(held), "reads and writes go on while the rows are checked")


def _drop_constraint(table: str, found: re.Match[str], seen: Seen) -> Lock:
    held = [(ACCESS_EXCLUSIVE, table), *_referenced(found.group(1), seen, ACCESS_EXCLUSIVE)]
    return Lock(tuple(held), CATALOG_ONLY)


def _fixed(mode: str, effect: str) -> Callable[[str, re.Match[str], Seen], Lock]:
    return lambda table, _found, _seen: _one(mode, table, effect)


#: what follows ``ALTER TABLE name``, first match wins; anything else takes ACCESS EXCLUSIVE
_ALTER_TABLE_ACTIONS: list[tuple[re.Pattern[str], Callable[[str, re.Match[str], Seen], Lock]]] = [
    (_rule(rf"^RENAME TO ({_ID})$"), _renamed),
    (_rule(r"^RENAME\b"), _fixed(ACCESS_EXCLUSIVE, CATALOG_ONLY)),
    (
        _rule(
            rf"^ADD (?:CONSTRAINT ({_ID}) )?FOREIGN KEY \(.*?\) REFERENCES ({_NAME})(.*)$",
        ),
        _add_foreign_key,
    ),
    (_rule(rf"^ADD CONSTRAINT ({_ID}) CHECK \((.*)\)( NOT VALID)?$"), _add_check),
    (
        _rule(rf"^ADD (?:CONSTRAINT {_ID} )?(?:UNIQUE|PRIMARY KEY) USING INDEX"),
        _fixed(ACCESS_EXCLUSIVE, "reads and writes wait; the index is built already"),
    ),
    (
        _rule(rf"^ADD (?:CONSTRAINT {_ID} )?(?:UNIQUE|PRIMARY KEY|EXCLUDE)\b"),
        _fixed(ACCESS_EXCLUSIVE, "reads and writes wait while its index is built"),
    ),
    (
        _rule(rf"^ADD (?:CONSTRAINT {_ID} )?CHECK\b"),
        _fixed(ACCESS_EXCLUSIVE, "reads and writes wait while every row is checked"),
    ),
    (_rule(rf"^ADD (?:COLUMN )?(?:IF NOT EXISTS )?{_ID} (.*)$"), _add_column),
    (_rule(rf"^VALIDATE CONSTRAINT ({_ID})$"), _validate),
    (_rule(rf"^DROP CONSTRAINT (?:IF EXISTS )?({_ID})"), _drop_constraint),
    (_rule(r"^DROP (?:COLUMN )?"), _fixed(ACCESS_EXCLUSIVE, CATALOG_ONLY)),
    (
        _rule(rf"^ALTER (?:COLUMN )?{_ID} (?:SET|DROP) DEFAULT\b"),
        _fixed(ACCESS_EXCLUSIVE, CATALOG_ONLY),
    ),
    (_rule(rf"^ALTER (?:COLUMN )?{_ID} DROP NOT NULL$"), _fixed(ACCESS_EXCLUSIVE, CATALOG_ONLY)),
    (_rule(rf"^ALTER (?:COLUMN )?({_ID}) SET NOT NULL$"), _set_not_null),
    (_rule(rf"^ALTER (?:COLUMN )?{_ID} (?:SET DATA )?TYPE (.*)$"), _retype),
    (
        _rule(rf"^ALTER (?:COLUMN )?{_ID} (?:ADD|SET) GENERATED\b"),
        _fixed(ACCESS_EXCLUSIVE, CATALOG_ONLY),
    ),
    (_rule(rf"^ALTER (?:COLUMN )?{_ID} DROP IDENTITY\b"), _fixed(ACCESS_EXCLUSIVE, CATALOG_ONLY)),
    (
        _rule(r"^(?:ENABLE|DISABLE) (?:ALWAYS |REPLICA )?TRIGGER\b"),
        _fixed(SHARE_ROW_EXCLUSIVE, WRITES_WAIT),
    ),
]


def _alter_table(found: re.Match[str], seen: Seen) -> Lock:
    table, action = found.groups()
    for pattern, read in _ALTER_TABLE_ACTIONS:
        matched = pattern.match(action)
        if matched:
            return read(table, matched, seen)
    return _one(ACCESS_EXCLUSIVE, table, WAIT)


# -- other statements -------------------------------------------------------------------------


def _create_table(found: re.Match[str], seen: Seen) -> Lock:
    """Nobody waits on the new table; writers wait on the tables its foreign keys reference."""
    table, definition = found.groups()
    seen.new_tables.add(table)
    referenced = re.findall(rf"\bREFERENCES ({_NAME})", definition, re.IGNORECASE)
    held = [(ACCESS_EXCLUSIVE, table), *((SHARE_ROW_EXCLUSIVE, name) for name in referenced)]
    return Lock(tuple(held), WRITES_WAIT)


def _drop_table(found: re.Match[str], seen: Seen) -> Lock:
    held = (
        (ACCESS_EXCLUSIVE, found.group(1)),
        (ACCESS_EXCLUSIVE, "any table its foreign keys reference"),
    )
    return Lock(held, WAIT)


def _create_index(found: re.Match[str], seen: Seen) -> Lock:
    concurrently, index, table = found.groups()
    seen.tables_of[index] = table
    if concurrently:
        return _one(SHARE_UPDATE_EXCLUSIVE, table, GO_ON)
    return _one(SHARE, table, "writes wait while it is built; reads go on")


def _drop_index(found: re.Match[str], seen: Seen) -> Lock:
    concurrently, index = found.groups()
    if concurrently:
        return _one(SHARE_UPDATE_EXCLUSIVE, _table_of(index, seen), GO_ON)
    return _one(ACCESS_EXCLUSIVE, _table_of(index, seen), WAIT)


def _rename_index(found: re.Match[str], seen: Seen) -> Lock:
    index, new_name = found.groups()
    if index in seen.tables_of:
        seen.tables_of[new_name] = seen.tables_of[index]
    return _one(SHARE_UPDATE_EXCLUSIVE, f"index {index}", GO_ON)


def _create_trigger(found: re.Match[str], seen: Seen) -> Lock:
    trigger, table = found.groups()
    seen.tables_of[trigger] = table
    return _one(SHARE_ROW_EXCLUSIVE, table, WRITES_WAIT)


def _drop_function(found: re.Match[str], seen: Seen) -> Lock:
    if found.group(1):
        return _one(ACCESS_EXCLUSIVE, "the table of each trigger it drops", WAIT)
    return _one(NO_TABLE_LOCK, "", GO_ON)


def _fixed_on(mode: str, effect: str) -> Callable[[re.Match[str], Seen], Lock]:
    """A lock of ``mode`` on the table the pattern's first group names."""
    return lambda found, _seen: _one(mode, found.group(1), effect)


_STATEMENTS: list[tuple[re.Pattern[str], Callable[[re.Match[str], Seen], Lock]]] = [
    (_rule(rf"^ALTER TABLE (?:IF EXISTS )?(?:ONLY )?({_NAME}) (.*)$"), _alter_table),
    (
        _rule(rf"^CREATE (?:UNLOGGED |TEMP |TEMPORARY )?TABLE (?:IF NOT EXISTS )?({_NAME})(.*)$"),
        _create_table,
    ),
    (_rule(rf"^DROP TABLE (?:IF EXISTS )?({_NAME})"), _drop_table),
    (
        _rule(
            rf"^CREATE (?:UNIQUE )?INDEX (CONCURRENTLY )?(?:IF NOT EXISTS )?({_ID}) "
            rf"ON (?:ONLY )?({_NAME})"
        ),
        _create_index,
    ),
    (_rule(rf"^DROP INDEX (CONCURRENTLY )?(?:IF EXISTS )?({_NAME})"), _drop_index),
    (_rule(rf"^ALTER INDEX (?:IF EXISTS )?({_NAME}) RENAME TO ({_ID})$"), _rename_index),
    (
        _rule(rf"^CREATE (?:OR REPLACE )?(?:CONSTRAINT )?TRIGGER ({_ID}) .*? ON ({_NAME})"),
        _create_trigger,
    ),
    (_rule(rf"^DROP TRIGGER (?:IF EXISTS )?{_ID} ON ({_NAME})"), _fixed_on(ACCESS_EXCLUSIVE, WAIT)),
    (
        _rule(r"^CREATE (?:OR REPLACE )?FUNCTION\b"),
        lambda _found, _seen: _one(NO_TABLE_LOCK, "", GO_ON),
    ),
    (_rule(r"^DROP FUNCTION\b.*?( CASCADE)?$"), _drop_function),
    (_rule(rf"^COMMENT ON TABLE ({_NAME}) IS\b"), _fixed_on(SHARE_UPDATE_EXCLUSIVE, GO_ON)),
    (_rule(rf"^COMMENT ON COLUMN ({_NAME})\.{_ID} IS\b"), _fixed_on(SHARE_UPDATE_EXCLUSIVE, GO_ON)),
    (_rule(rf"^UPDATE (?:ONLY )?({_NAME})"), _fixed_on(ROW_EXCLUSIVE, ROWS_CHANGED)),
    (_rule(rf"^DELETE FROM (?:ONLY )?({_NAME})"), _fixed_on(ROW_EXCLUSIVE, ROWS_CHANGED)),
    (_rule(rf"^INSERT INTO ({_NAME})"), _fixed_on(ROW_EXCLUSIVE, GO_ON)),
    (_rule(rf"^TRUNCATE (?:TABLE )?(?:ONLY )?({_NAME})"), _fixed_on(ACCESS_EXCLUSIVE, WAIT)),
    (_rule(rf"^SELECT\b.*? FROM ({_NAME})"), _fixed_on(ACCESS_SHARE, GO_ON)),
]


def classify(sql: str, seen: Seen) -> Lock | None:
    """The lock ``sql`` (one statement, without leading comments) takes; None for one not
    recognised or that locks no table of the migration's (SET, SET CONSTRAINTS, ...)."""
    for pattern, read in _STATEMENTS:
        found = pattern.match(sql)
        if found:
            return read(found, seen)
    return None


__all__ = ["classify"]
