"""Running a Backfill: one UPDATE per primary key range, each committed with its journal note.

An integer primary key is cut into ranges of ``batch_size`` values, from the smallest key
read at the start to the largest; the largest is read again at the end, and batches go on
while rows were added past it. After a range where no row was set, the next range starts at
the next key there is, so sparse keys cost no run of empty batches. Any other primary key
(text, UUID) is walked by keyset: each batch ends at the key ``batch_size`` rows after the
last one done.

Where the migration runs step by step (it always does when it holds a Backfill), each batch
commits together with a note in the progress table (``ProgressJournal``): a run that stops
anywhere resumes at the batch after the last one committed, never redoing or skipping one.
This module is imported only when a backfill runs or is shown; it needs SQLAlchemy and the
query compiler.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import sqlalchemy as sa

from schemashift.exceptions import FieldError, MigrationError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Dialect

    from schemashift.migrations.operations.backfill import Backfill
    from schemashift.migrations.state import ProjectState


@dataclass(frozen=True)
class BackfillProgress:
    """How far a backfill got in this run: ``done`` of ``total`` rows (counted at its start,
    from where it started) after ``elapsed`` seconds; or, for the batches of an operation's
    NULL fill or staged copy, ``done`` of ``total`` batches."""

    label: str
    done: int
    total: int
    elapsed: float
    finished: bool = False
    #: what ``done`` and ``total`` count: rows, or the batches of a fill or copy by key range
    unit: str = "rows"

    @property
    def seconds_left(self) -> float | None:
        """The time the remaining rows should take at the pace so far; None before a row."""
        if self.finished:
            return 0.0
        if self.done <= 0 or self.elapsed <= 0:
            return None
        return self.elapsed / self.done * max(self.total - self.done, 0)


class Journal(Protocol):
    """Where a backfill notes how far it got; ``save`` joins the batch's transaction."""

    def resume_point(self) -> dict[str, Any] | None: ...

    def save(self, point: dict[str, Any]) -> None: ...


def backfill_digest(operation: Backfill) -> str:
    """A hash of what the backfill sets and where: its batch size and pause may change
    between runs, the rows it sets and their values may not."""
    from schemashift.migrations.serializer import serialize

    what = (operation.model_name.lower(), operation.field_name, operation.value)
    try:
        text = serialize(what)[0] + serialize(operation.rows_condition)[0]
    except Exception:  # a value the writer cannot write out: its repr will do
        text = repr(what) + repr(operation.rows_condition)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class ProgressJournal:
    """A backfill's notes in its migration's row of the progress table: the position of the
    operation in the run, its digest and the point the next batch starts from."""

    def __init__(
        self, recorder: Any, key: tuple[str, str], position: int, digest: str, connection: Any
    ) -> None:
        self.recorder = recorder
        self.key = key
        self.position = position
        self.digest = digest
        self.connection = connection
        #: the point last noted by this run or an earlier one, None before any batch
        self.point: dict[str, Any] | None = None

    def resume_point(self) -> dict[str, Any] | None:
        noted = self.recorder.backfill_note(*self.key, self.connection)
        if noted is None or noted.get("operation") != self.position:
            return None
        if noted.get("digest") != self.digest:
            app, name = self.key
            raise MigrationError(
                f"Operation {self.position} of {app}.{name} is a backfill that an earlier run "
                f"stopped part-way (at {describe_point(noted['point'])}), and what it sets was "
                "changed in the migration file since: the rows done hold the old values. Put "
                "the operation back as it was and run migrate to finish it, or record the "
                "migration as applied with --fake and backfill in a new migration."
            )
        self.point = noted["point"]
        return self.point

    def save(self, point: dict[str, Any]) -> None:
        note = {"operation": self.position, "digest": self.digest, "point": point}
        self.recorder.record_backfill(*self.key, note, self.connection)
        self.point = point

    def detail(self) -> str:
        """What stands of the backfill when it stopped part-way."""
        if self.point is None:
            return ""
        return (
            f"Of that backfill, the batches before {describe_point(self.point)} were committed "
            "and stay; the next run carries on from there."
        )


def describe_point(point: dict[str, Any]) -> str:
    if "next" in point:
        return f"primary key {point['next']}"
    return f"the primary key after {point['after']!r}"


class _Vendor:
    """What the query compiler asks of a connection: the backend's name."""

    def __init__(self, dialect: Dialect) -> None:
        from schemashift.db.backends.registry import backend_for

        self.vendor = backend_for(dialect).name


@dataclass(frozen=True)
class BatchStatements:
    """The parts of one Backfill's statements on one backend."""

    label: str
    table: sa.Table
    pk: sa.Column
    pk_field: Any
    #: (column name, the value or the expression it is set to)
    assignment: tuple[str, Any]
    where: tuple[Any, ...]
    batch_size: int
    pause: float

    @classmethod
    def of(
        cls, operation: Backfill, app_label: str, state: ProjectState, dialect: Dialect
    ) -> BatchStatements:
        """Compile the value and the condition on the model as ``state`` has it."""
        from schemashift.exceptions import FieldDoesNotExist
        from schemashift.models.expressions import Expression
        from schemashift.models.query_state import Query
        from schemashift.models.related import relation_value
        from schemashift.query.sql import Compiler

        model = state.apps.get_model(app_label, operation.model_name)
        label = f"{operation.model_name_lower}.{operation.field_name}"
        try:
            field = model._meta.get_field(operation.field_name)
        except (FieldDoesNotExist, LookupError):
            raise FieldError(
                f"Backfill {label}: {app_label}.{operation.model_name} has no field "
                f"'{operation.field_name}' at this point of the migrations."
            ) from None
        if field not in model._meta.local_fields or getattr(field, "generated", False):
            raise FieldError(
                f"Backfill {label}: the field must be a column of the model's own table (not "
                "a many-to-many field, a generated field or a field of a parent model)."
            )
        query = Query(model)
        query.add_q(operation.rows_condition)
        compiler = Compiler(query, _Vendor(dialect))
        value = operation.value
        if isinstance(value, Expression):
            value = value.resolve(compiler)
        elif field.is_relation and getattr(value, "_meta", None) is not None:
            value = relation_value(value, field)
        where, having = compiler.filters()
        if compiler.joins or having:
            raise FieldError(
                f"Backfill {label}: the value and the condition may name only the fields of "
                f"{operation.model_name} itself."
            )
        pk_field = model._meta.pk
        return cls(
            label,
            compiler.table,
            compiler.table.c[pk_field.column],
            pk_field,
            (field.column, value),
            tuple(where),
            operation.batch_size,
            operation.pause,
        )

    @property
    def is_by_range(self) -> bool:
        """Whether the primary key is an integer, cut into ranges (else walked by keyset)."""
        return issubclass(self.pk.type._type_affinity or sa.types.NullType, sa.Integer)

    def update(self, *bounds: Any) -> sa.Update:
        """The UPDATE of the rows within ``bounds`` (conditions on the primary key)."""
        return (
            sa.update(self.table)
            .ordered_values((self.table.c[self.assignment[0]], self.assignment[1]))
            .where(*bounds, *self.where)
        )

    def count(self, *bounds: Any) -> sa.Select:
        return sa.select(sa.func.count()).select_from(self.table).where(*bounds, *self.where)

    def keyset_end(self, after: Any) -> sa.Select:
        """The key ``batch_size`` rows after ``after`` (the last key when fewer are left)."""
        keys = sa.select(self.pk.label("pk")).order_by(self.pk).limit(self.batch_size)
        if after is not None:
            keys = keys.where(self.pk > after)
        batch = keys.subquery("batch")
        # the last of them, without max(): PostgreSQL has none for uuid
        return sa.select(batch.c.pk).order_by(batch.c.pk.desc()).limit(1)

    def preview(self, dialect: Dialect) -> str:
        """The batch UPDATE as SQL, values inlined and the batch bounds as ``:lo``/``:hi``
        placeholders, after a comment saying how it runs."""
        if self.is_by_range:
            bounds = (self.pk >= sa.literal_column(":lo"), self.pk < sa.literal_column(":hi"))
            how = (
                f"-- Runs in batches by primary key range, lo to hi = lo + {self.batch_size}, "
                "from the smallest key to the largest (read again at the end for rows added "
                "meanwhile); each batch is its own transaction."
            )
        else:
            bounds = (self.pk > sa.literal_column(":lo"), self.pk <= sa.literal_column(":hi"))
            how = (
                f"-- Runs in batches of {self.batch_size} rows in primary key order, lo the "
                "last key of the batch before and hi the key "
                f"{self.batch_size} rows on; each batch is its own transaction."
            )
        sql = str(self.update(*bounds).compile(dialect=dialect, compile_kwargs=_LITERAL))
        if dialect.paramstyle in ("format", "pyformat"):
            sql = sql.replace("%%", "%")
        return f"{how}\n{sql}"


_LITERAL = {"literal_binds": True}


def run_batches(
    statements: BatchStatements,
    connection: Connection,
    journal: Journal | None,
    on_progress: Callable[[BackfillProgress], None] | None = None,
    retrying: Callable[[Callable[[], Any]], Any] | None = None,
) -> None:
    """Run every batch left. With a journal, each batch commits with its note, and a batch
    that waited too long for a row lock is rolled back and tried again through ``retrying``
    (``lock_retry.py``); without a journal, all run in the connection's current transaction."""
    run = _BatchRun(statements, connection, journal, on_progress, retrying)
    if statements.is_by_range:
        run.by_range()
    else:
        run.by_keyset()


class _BatchRun:
    def __init__(
        self,
        statements: BatchStatements,
        connection: Connection,
        journal: Journal | None,
        on_progress: Callable[[BackfillProgress], None] | None,
        retrying: Callable[[Callable[[], Any]], Any] | None = None,
    ) -> None:
        self.statements = statements
        self.connection = connection
        self.journal = journal
        self.on_progress = on_progress
        self.retrying = retrying if journal is not None and retrying else lambda action: action()
        self.started = time.monotonic()
        self.done = 0
        self.total = 0
        self.batches = 0

    # -- the two ways through the table -------------------------------------------------------

    def by_range(self) -> None:
        s = self.statements
        point = self.journal.resume_point() if self.journal else None
        smallest, largest = self._read(sa.select(sa.func.min(s.pk), sa.func.max(s.pk))).one()
        start = point["next"] if point else smallest
        if start is None:
            self._report(finished=True)
            return
        self.total = self._read(s.count(s.pk >= start)).scalar_one()
        self._report()
        while largest is not None and start <= largest:
            while start <= largest:
                end = start + s.batch_size
                rows = self._batch(s.update(s.pk >= start, s.pk < end), {"next": end})
                start = end
                if not rows:  # perhaps a gap in the keys: go on from the next key there is
                    following = self._read(sa.select(sa.func.min(s.pk)).where(s.pk >= start))
                    start_at = following.scalar_one()
                    if start_at is None:
                        break
                    start = start_at
            largest = self._read(sa.select(sa.func.max(s.pk))).scalar_one()
        self._report(finished=True)

    def by_keyset(self) -> None:
        s = self.statements
        point = self.journal.resume_point() if self.journal else None
        after = s.pk_field.to_python(point["after"]) if point else None
        self.total = self._read(s.count(*self._after(after))).scalar_one()
        self._report()
        while True:
            self._pause()
            end = self.retrying(lambda after=after: self._keyset_batch(after))
            if end is None:
                break
            after = end
            self._report()
        self._report(finished=True)

    def _keyset_batch(self, after: Any) -> Any:
        """Set the rows up to the key ``batch_size`` rows after ``after``; that key, or None
        when no row is left."""
        s = self.statements
        with self._transaction():
            end = self.connection.execute(s.keyset_end(after)).scalar()
            if end is not None:
                self._update(s.update(*self._after(after), s.pk <= end), {"after": _plain(end)})
        return end

    def _after(self, after: Any) -> tuple[Any, ...]:
        return () if after is None else (self.statements.pk > after,)

    # -- one batch ----------------------------------------------------------------------------

    def _batch(self, update: sa.Update, point: dict[str, Any]) -> int:
        """Run one batch (again while it fails for want of a lock); the rows it set."""
        self._pause()

        def batch() -> int:
            with self._transaction():
                return self._update(update, point)

        rows = self.retrying(batch)
        self._report()
        return rows

    def _update(self, update: sa.Update, point: dict[str, Any]) -> int:
        """Run the batch's UPDATE and note it, in the open transaction; counted once both
        are done (a batch that fails is rolled back, and may be tried again)."""
        rows = self.connection.execute(update).rowcount
        if self.journal is not None:
            self.journal.save(point)
        self.done += rows
        self.batches += 1
        return rows

    def _pause(self) -> None:
        if self.batches and self.statements.pause:
            time.sleep(self.statements.pause)

    def _report(self, finished: bool = False) -> None:
        if self.on_progress is None:
            return
        elapsed = time.monotonic() - self.started
        total = max(self.total, self.done)
        self.on_progress(
            BackfillProgress(self.statements.label, self.done, total, elapsed, finished)
        )

    # -- transactions -------------------------------------------------------------------------

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        """A batch's own transaction; without a journal, the connection's current one."""
        if self.journal is None:
            yield
            return
        if self.connection.in_transaction():
            self.connection.commit()
        with self.connection.begin():
            yield

    def _read(self, statement: Any) -> Any:
        """Run a read, ending the transaction it opened (no snapshot or lock is kept)."""
        with self._transaction():
            return _Buffered(self.connection.execute(statement).all())


class _Buffered:
    """Rows already fetched, read after their transaction ended."""

    def __init__(self, rows: list[Any]) -> None:
        self.rows = rows

    def one(self) -> Any:
        return self.rows[0]

    def scalar_one(self) -> Any:
        return self.rows[0][0]


def _plain(value: Any) -> Any:
    """A key as JSON holds it (the field reads it back with ``to_python``)."""
    return value if isinstance(value, (int, str)) else str(value)


__all__ = [
    "BackfillProgress",
    "BatchStatements",
    "Journal",
    "ProgressJournal",
    "backfill_digest",
    "run_batches",
]
