"""Run a migration one operation at a time, so that a run stopped anywhere can be resumed.

For migrations that cannot run in one transaction (MySQL/MariaDB, where DDL commits by
itself, and ``atomic = False`` migrations anywhere). The progress table
(``recorder.progress_table``) holds how many operations are done; it is written before the
first operation runs, so an interrupted migration is always known as started.

- Where DDL is transactional (SQLite, PostgreSQL), an operation and its progress row commit
  together: there is no moment where one stands without the other.
- On MySQL/MariaDB a data operation (RunPython, RunSQL of DML statements only) commits with its
  progress row too: it runs exactly once.
- A schema operation on MySQL/MariaDB is judged against the live schema first (``judge.py``):
  already done (only when resuming: an earlier run did it), to be done, or neither (stop and
  say what differs, touching nothing). Its statements are then collected without running
  them and stored with the operation's position and digest; before each DDL statement the
  statement's index and a fingerprint of the tables it names are noted (a DML statement
  commits with the note for the next one). A resumed run carries on from the noted statement
  if the fingerprint is unchanged, else from the one after, and checks the result.
- ``RunPython(atomic=False)`` (and SQL that cannot run in a transaction) runs on its own and is
  noted after: a crash in between runs it again.
- A ``Backfill`` runs in batches, each committed with a note of how far it got (the column
  ``backfill`` of the progress row): a resumed run starts at the batch after the last one
  committed (``backfill.py``).
"""

from __future__ import annotations

import bisect
import hashlib
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from schemashift.exceptions import DatabaseError
from schemashift.migrations.migration import Migration
from schemashift.migrations.operations.backfill import Backfill
from schemashift.migrations.operations.base import Operation
from schemashift.migrations.operations.special import (
    RunPython,
    RunSQL,
    SeparateDatabaseAndState,
    sql_statements,
)
from schemashift.migrations.state import ProjectState

if TYPE_CHECKING:
    from schemashift.migrations.judge import Verdict
    from schemashift.migrations.recorder import StatementLog
    from schemashift.migrations.state import ModelState

#: how an operation is run: with its progress row in one transaction; statement by statement
#: from a stored log; on its own, noted after; or in batches, each noted as it commits
IN_TRANSACTION, LOGGED, ON_ITS_OWN = "in_transaction", "logged", "on_its_own"
BATCHED = "batched"

_DML = re.compile(
    r"^(?:\s+|--[^\n]*(?:\n|$)|#[^\n]*(?:\n|$)|/\*(?:(?!\*/).)*\*/)*"
    r"(INSERT|UPDATE|DELETE|REPLACE|SELECT)\b",
    re.IGNORECASE | re.DOTALL,
)
#: statements PostgreSQL and SQLite refuse inside a transaction
_OUTSIDE_TRANSACTION = re.compile(r"\bCONCURRENTLY\b|^\s*VACUUM\b", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z_][\w$]*")
_UPDATED_TABLE = re.compile(r"UPDATE\s+[`\"]?([^`\"\s]+)", re.IGNORECASE)


@dataclass(frozen=True)
class Step:
    """One operation to carry out, in one direction."""

    number: int
    operation: Operation
    run: Callable[[Any, ProjectState, ProjectState], None]
    from_state: ProjectState
    to_state: ProjectState
    backwards: bool = False
    #: the tables holding rows from before the migration (``live_tables.py``): a container
    live_tables: Any = frozenset()


def is_managed(model: ModelState) -> bool:
    """Whether migrations create and change this model's table (``Meta.managed``; a proxy
    has no table of its own, nor has a swapped-out model such as auth.User when
    AUTH_USER_MODEL names another)."""
    return (
        model.options.get("managed", True) is not False
        and not model.options.get("proxy")
        and not getattr(model, "swapped", None)
    )


def is_dml(sql: str) -> bool:
    """Whether a statement only reads or writes rows (it commits with a transaction)."""
    return _DML.match(sql) is not None


def operation_kind(
    operation: Operation, transactional_ddl: bool, backwards: bool, split: Callable
) -> str:
    """How the operation runs: IN_TRANSACTION, LOGGED, ON_ITS_OWN or BATCHED."""
    if isinstance(operation, Backfill):
        return IN_TRANSACTION if backwards else BATCHED  # backwards it does nothing
    if isinstance(operation, RunPython):
        return ON_ITS_OWN if operation.atomic is False else IN_TRANSACTION
    if isinstance(operation, SeparateDatabaseAndState):
        kinds = {
            operation_kind(inner, transactional_ddl, backwards, split)
            for inner in operation.database_operations
        }
        if ON_ITS_OWN in kinds or (LOGGED in kinds and _runs_python(operation)):
            return ON_ITS_OWN
        return LOGGED if LOGGED in kinds else IN_TRANSACTION
    if isinstance(operation, RunSQL):
        sql = operation.reverse_sql if backwards else operation.sql
        statements = [
            statement
            for text, params in sql_statements(sql or "")
            for statement in ([text] if params is not None else split(text))
        ]
        if transactional_ddl:
            outside = any(_OUTSIDE_TRANSACTION.search(statement) for statement in statements)
            return ON_ITS_OWN if outside else IN_TRANSACTION
        return IN_TRANSACTION if all(map(is_dml, statements)) else LOGGED
    return IN_TRANSACTION if transactional_ddl else LOGGED


def _runs_python(operation: SeparateDatabaseAndState) -> bool:
    return any(isinstance(inner, RunPython) for inner in operation.database_operations)


def runs_statement_by_statement(operation: Operation, planned: list[str], editor: Any) -> bool:
    """Whether an operation on tables in use commits each of its statements on its own: it
    has online forms that cannot run in a transaction, or fills rows in batches (a staged
    change's copy), which must not hold their row locks to the end."""
    if any(map(editor.is_rerunnable, planned)):
        return True
    if isinstance(operation, (RunSQL, SeparateDatabaseAndState)):
        return False
    return sum(map(is_dml, planned)) > 1


def runs_python(operation: Operation) -> bool:
    """Whether carrying out the operation calls Python code of the migration's own."""
    if isinstance(operation, SeparateDatabaseAndState):
        return _runs_python(operation)
    return isinstance(operation, RunPython)


def operation_digest(operation: Operation, backwards: bool) -> str:
    """A hash of the operation as written: a log made for another version is not used."""
    from schemashift.migrations.serializer import serialize

    try:
        text = serialize(operation)[0]
    except Exception:  # an operation the writer cannot write out: its description will do
        text = f"{type(operation).__name__}:{operation.describe()}"
    return hashlib.sha256(f"{backwards}:{text}".encode()).hexdigest()[:32]


class _Batches:
    """Progress through the row-filling statements (NULL fills, staged copies) of a logged
    operation that has more than two, told as a backfill's: ``done`` of ``total`` batches."""

    def __init__(
        self,
        statements: list[str],
        start: int,
        on_progress: Callable[[Any], None] | None,
    ) -> None:
        self.positions = [i for i, sql in enumerate(statements) if is_dml(sql)]
        # a table of one batch's keys has the one and the tail batch for keys added since
        self.on_progress = on_progress if len(self.positions) > 2 else None
        self.before = bisect.bisect_left(self.positions, start)
        found = _UPDATED_TABLE.search(statements[self.positions[0]]) if self.positions else None
        self.label = f"{found[1]} (by key range)" if found else "rows"
        self.started = time.monotonic()

    def done(self, index: int) -> None:
        from schemashift.migrations.backfill import BackfillProgress

        if self.on_progress is None:
            return
        done = bisect.bisect_right(self.positions, index)
        total = len(self.positions)
        elapsed = time.monotonic() - self.started
        # the pace of this run: the batches an earlier run did took no time of it
        pace_done = done - self.before
        self.on_progress(
            BackfillProgress(
                self.label,
                done,
                total,
                elapsed * done / pace_done if pace_done > 0 else 0.0,
                finished=done == total,
                unit="batches",
            )
        )


class StepwiseRun:
    """Carries out the operations of one migration on one connection, noting progress."""

    def __init__(
        self,
        recorder: Any,
        migration: Migration,
        direction: str,
        connection: Any,
        editor: Any,
        resuming: bool,
        retrying: Callable[[Callable[[], Any]], Any] | None = None,
        on_backfill: Callable[[Any], None] | None = None,
    ) -> None:
        from schemashift.db.connection import has_transactional_ddl

        self.recorder = recorder
        self.migration = migration
        self.direction = direction
        self.connection = connection
        self.editor = editor
        self.resuming = resuming
        #: runs work that undoes itself on failure, again while it fails for want of a lock
        self.retrying = retrying or (lambda action: action())
        self.transactional_ddl = has_transactional_ddl(connection)
        #: (statements run, statement count) of the logged operation under way, for messages
        self.statements: tuple[int, int] | None = None
        #: called with a ``BackfillProgress`` after each batch of a backfill
        self.on_backfill = on_backfill
        #: the journal of the backfill under way, for messages
        self.journal: Any = None

    # -- the migration ------------------------------------------------------------------------

    def start(self, done: int) -> None:
        """Note the migration as started, before any of its operations runs."""
        if not self.resuming:
            self.note(done)

    def operation(self, position: int, step: Step) -> None:
        """Carry out one operation and note it done.

        When the migration's first operation fails having changed nothing, the migration is
        no longer noted as started: nothing of it stands.
        """
        self.statements = None
        self.editor.online_tables = step.live_tables
        self.journal = None
        kind = operation_kind(
            step.operation, self.transactional_ddl, step.backwards, self.editor.split_statements
        )
        planned = None
        if kind == IN_TRANSACTION and self._may_go_online(step):
            if self._stored_log(position) is not None:
                kind = LOGGED  # an earlier run got part-way through its statements
            else:
                planned = self._plan(step)
                if runs_statement_by_statement(step.operation, planned, self.editor):
                    kind = LOGGED
        try:
            self._carry_out(kind, position, step, planned)
        except Exception:
            if position == 1 and not self.resuming and kind != ON_ITS_OWN and not self.detail():
                self._forget()
            raise

    def _forget(self) -> None:
        from sqlalchemy.exc import SQLAlchemyError

        try:
            with self._transaction():
                self.recorder.clear_progress(*self.migration.key, self.connection)
        except SQLAlchemyError:
            pass  # the note stays: the next run judges the operation by the live schema

    def _may_go_online(self, step: Step) -> bool:
        """Whether the operation may change a table that held rows before the migration, on a
        backend where such changes have online forms (which run outside a transaction); its
        statements are then collected first. Python code is never run to collect them."""
        return self.transactional_ddl and bool(step.live_tables) and not runs_python(step.operation)

    def _carry_out(
        self, kind: str, position: int, step: Step, planned: list[str] | None = None
    ) -> None:
        if kind == IN_TRANSACTION:

            def in_transaction() -> None:
                with self._transaction():
                    step.run(self.editor, step.from_state, step.to_state)
                    self.editor.check_constraints()
                    self._record(position)

            self.retrying(in_transaction)
        elif kind == ON_ITS_OWN:
            self._end_transaction()
            step.run(self.editor, step.from_state, step.to_state)
            self.note(position)
        elif kind == BATCHED:
            self._batched(position, step)
        else:
            self._logged(position, step, planned)

    def note(self, done: int, log: StatementLog | None = None) -> None:
        with self._transaction():
            self._record(done, log)

    def _record(self, done: int, log: StatementLog | None = None) -> None:
        app, name = self.migration.key
        self.recorder.record_progress(app, name, self.direction, done, self.connection, log=log)

    # -- a backfill -----------------------------------------------------------------------------

    def _batched(self, position: int, step: Step) -> None:
        """Run the backfill's batches left, each committed with its note, then note it done."""
        from schemashift.migrations.backfill import ProgressJournal, backfill_digest

        operation = step.operation
        assert isinstance(operation, Backfill)
        self._end_transaction()
        self.journal = ProgressJournal(
            self.recorder,
            self.migration.key,
            position,
            backfill_digest(operation),
            self.connection,
        )
        operation.run_batches(
            self.migration.app_label,
            self.connection,
            step.to_state,
            self.journal,
            self.on_backfill,
            self.retrying,
        )
        self.note(position)

    # -- a schema operation on MySQL/MariaDB ---------------------------------------------------

    def _logged(self, position: int, step: Step, planned: list[str] | None = None) -> None:
        from schemashift.migrations.judge import AFTER, NEITHER, judge
        from schemashift.migrations.recorder import StatementLog

        digest = operation_digest(step.operation, step.backwards)
        log = self._stored_log(position)
        resumed = log is not None and log.digest == digest
        if resumed:
            statements, start = list(log.statements), self._resume_point(log)
        else:
            verdict = judge(self.connection, step.from_state, step.to_state)
            if verdict.form == AFTER and self.resuming:
                self.note(position)  # an earlier run did it and stopped before noting it
                return
            if verdict.form in (AFTER, NEITHER):
                raise DatabaseError(self._refusal(verdict, log))
            statements, start = (self._plan(step) if planned is None else planned), 0
            first = self._fingerprint(statements, 0) if statements else {}
            self.note(position - 1, StatementLog(position, digest, tuple(statements), 0, first))
        self._run_statements(statements, start)
        if resumed:
            self._check_result(step)
        self.note(position)

    def _stored_log(self, position: int) -> StatementLog | None:
        if not self.resuming:
            return None
        self._end_transaction()
        app, name = self.migration.key
        log = self.recorder.statement_log(app, name, self.connection)
        return log if log is not None and log.operation == position else None

    def _plan(self, step: Step) -> list[str]:
        """The statements the operation runs, collected from the live database unchanged."""
        from schemashift.db.connection import schema_editor

        self._end_transaction()
        planner = schema_editor(
            self.connection, collect_sql=True, atomic=False, alias=self.editor.alias
        )
        planner.planning = True
        planner.online_tables = self.editor.online_tables
        with planner:
            step.run(planner, step.from_state, step.to_state)
        return list(planner.collected_sql)

    def _resume_point(self, log: StatementLog) -> int:
        """The noted statement if it did not take effect, else the one after it."""
        if log.step >= len(log.statements) or is_dml(log.statements[log.step]):
            return log.step  # a DML statement commits with the note for the next one
        if self.editor.is_rerunnable(log.statements[log.step]):
            return log.step
        unchanged = self._fingerprint(list(log.statements), log.step) == log.fingerprint
        return log.step if unchanged else log.step + 1

    def _run_statements(self, statements: list[str], start: int) -> None:
        app, name = self.migration.key
        total = len(statements)
        batches = _Batches(statements, start, self.on_backfill)
        for index in range(start, total):
            self.statements = (index, total)
            sql = statements[index]
            if is_dml(sql):
                following = index + 1
                after = (
                    self._fingerprint(statements, following)
                    if following < total and not is_dml(statements[following])
                    else {}
                )

                def run_with_note(sql: str = sql, following: int = following, after: Any = after):
                    with self._transaction():
                        self.editor.run_planned(sql)
                        self.recorder.record_step(app, name, following, after, self.connection)

                self.retrying(run_with_note)
                batches.done(index)
            else:
                fingerprint = self._fingerprint(statements, index)
                with self._transaction():
                    self.recorder.record_step(app, name, index, fingerprint, self.connection)
                # a DDL statement that timed out waiting for its lock changed nothing
                self.retrying(lambda sql=sql: self.editor.run_planned(sql))
                self._end_transaction()
        self.statements = (total, total)

    def _fingerprint(self, statements: list[str], index: int) -> dict[str, str | None]:
        """The table list, and the definition of each live table the statement names."""
        reader = type(self.editor)
        names = reader.table_names(self.connection)
        named = set(_WORD.findall(statements[index])) & set(names)
        found: dict[str, str | None] = {"": ",".join(names)}
        for table in sorted(named):
            found[table] = reader.table_fingerprint(self.connection, table)
        self._end_transaction()
        return found

    def _check_result(self, step: Step) -> None:
        from schemashift.migrations.judge import AFTER, UNSEEN, judge

        verdict = judge(self.connection, step.from_state, step.to_state)
        self._end_transaction()
        if verdict.form not in (AFTER, UNSEEN):
            differences = "; ".join(verdict.differences(AFTER))
            raise DatabaseError(
                f"Resuming operation {step.number} left the schema other than it should be: "
                f"{differences}."
            )

    def _refusal(self, verdict: Verdict, stale: StatementLog | None) -> str:
        reason = (
            "the live schema already has what the operation would make"
            if verdict.form == "after"
            else "the live schema is neither as before the operation nor as after it"
        )
        edited_note = (
            f" An earlier run started this operation (it got to statement {stale.step + 1} of "
            f"{len(stale.statements)}), and the operation was changed in the migration file "
            "since."
            if stale is not None
            else ""
        )
        return (
            f"{reason}, so it was not run and nothing was changed: "
            f"{'; '.join(verdict.differences())}.{edited_note} Make the tables match the state "
            "before the operation (or record the migration with --fake if the schema is "
            "right)."
        )

    # -- transactions -------------------------------------------------------------------------

    def _end_transaction(self) -> None:
        if self.connection.in_transaction():
            self.connection.commit()

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._end_transaction()
        with self.connection.begin():
            yield

    def detail(self) -> str:
        """What of the operation under way stands, when it stopped part-way."""
        if self.journal is not None:
            return self.journal.detail()
        if self.statements is None or self.statements[0] == 0:
            return ""
        done, total = self.statements
        return (
            f"Of that operation, statements 1 to {done} of {total} were run and stay; the next "
            f"run carries on from statement {done + 1}."
        )


__all__ = [
    "BATCHED",
    "IN_TRANSACTION",
    "LOGGED",
    "ON_ITS_OWN",
    "Step",
    "StepwiseRun",
    "is_dml",
]
