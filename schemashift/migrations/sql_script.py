"""The SQL of one migration as ``sqlmigrate`` shows it: per operation, its statements and the
lock each takes; rendered as the text ``sqlmigrate`` prints, or read as data (``--format
json``)."""

from __future__ import annotations

from dataclasses import dataclass

#: the first line of a migration whose statements commit one by one (online forms)
ONLINE_NOTE = (
    "-- Tables that hold rows are changed in forms that keep their writers going; "
    "each statement commits on its own."
)
NOT_SQL_NOTE = "-- THIS OPERATION CANNOT BE WRITTEN AS SQL"
LOCK_PREFIX = "-- lock: "


@dataclass(frozen=True)
class Statement:
    """One statement, ended by ``;``, with the comment lines it begins with (a Backfill's note
    on how its batches run) kept apart, and the lock comment the backend gives it."""

    sql: str
    notes: tuple[str, ...] = ()
    #: ``-- lock: MODE on TABLES: EFFECT``; None where the backend does not say
    lock_comment: str | None = None

    @classmethod
    def from_collected(cls, sql: str, lock_comment: str | None) -> Statement:
        """A statement as the schema editor collected it, leading comment lines split off."""
        lines = sql.split("\n")
        first = next((n for n, line in enumerate(lines) if not line.startswith("--")), 0)
        return cls("\n".join(lines[first:]) + ";", tuple(lines[:first]), lock_comment)

    @property
    def lock(self) -> str | None:
        """The lock comment without its ``-- lock:`` prefix."""
        if self.lock_comment is None:
            return None
        return self.lock_comment.removeprefix(LOCK_PREFIX)

    def lines(self) -> list[str]:
        """The notes, the lock comment directly above the statement, then the statement."""
        lock = [self.lock_comment] if self.lock_comment else []
        return [*self.notes, *lock, self.sql]


@dataclass(frozen=True)
class OperationSQL:
    description: str
    #: False for an operation that runs Python code only (RunPython): no statements
    is_sql: bool
    statements: tuple[Statement, ...]


@dataclass(frozen=True)
class MigrationSQL:
    """The statements of one migration, forwards or ``backwards``, in the order they run."""

    app_label: str
    name: str
    backwards: bool
    operations: tuple[OperationSQL, ...]
    #: whether they run in one transaction (the text puts them inside ``BEGIN;``/``COMMIT;``)
    is_atomic: bool
    #: whether tables that hold rows are changed in online forms, each statement committing
    is_online: bool

    @property
    def statements(self) -> list[Statement]:
        return [statement for operation in self.operations for statement in operation.statements]

    def lines(self) -> list[str]:
        """The text ``sqlmigrate`` prints, one line per item (a statement may span lines)."""
        lines: list[str] = [ONLINE_NOTE] if self.is_online else []
        for operation in self.operations:
            lines.extend(["--", f"-- {operation.description}", "--"])
            if not operation.is_sql:
                lines.append(NOT_SQL_NOTE)
                continue
            for statement in operation.statements:
                lines.extend(statement.lines())
            if not operation.statements:
                lines.append("-- (no-op)")
        if self.is_atomic:
            lines = ["BEGIN;", *lines, "COMMIT;"]
        return lines


__all__ = ["MigrationSQL", "OperationSQL", "Statement"]
