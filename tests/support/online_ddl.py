"""The SQL the editor writes on MySQL/MariaDB, reduced to what Django writes, for the tests
that compare the two: without the ALGORITHM and LOCK clauses that ask for an online ALTER, and
without the row checks and the foreign_key_checks=0 around an added foreign key."""

from __future__ import annotations

import re

from schemashift.db.backends.mysql import _CHECKS_OFF, _ORPHAN_CHECK

_CLAUSE = re.compile(r",? ALGORITHM=(INSTANT|INPLACE)(,? LOCK=NONE)?$")
_SET_STATEMENT = "SET STATEMENT foreign_key_checks=0 FOR "


def as_django_writes_it(statements: list[str]) -> list[str]:
    """The statements without what schemashift adds to make them online."""
    return [
        _CLAUSE.sub("", sql.removeprefix(_SET_STATEMENT).removeprefix(_CHECKS_OFF))
        for sql in statements
        if not sql.startswith(_ORPHAN_CHECK)
    ]


def online_clause(sql: str) -> str | None:
    """The ALGORITHM (and LOCK) clause a statement ends with, written as ALTER TABLE writes
    it; None without one."""
    found = _CLAUSE.search(sql)
    return ", ".join(re.findall(r"(?:ALGORITHM|LOCK)=\w+", found.group(0))) if found else None
