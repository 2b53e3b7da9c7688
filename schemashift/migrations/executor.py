"""Run a migration plan: one transaction per migration, operations, history rows.

The executor walks one ProjectState forward. Operations replace the model states they change
instead of mutating them, so the state before an operation is a shallow copy of the model
dict: cheap, whatever the number of models.

Where the backend cannot roll DDL back (MySQL/MariaDB), a migration says ``atomic = False``
or holds an operation that commits on its own (a Backfill's batches), operations run one at a
time and each one done is noted in the progress table. A failure then names the operations
that were carried out, and the next run resumes at the first one that was not, instead of
failing on "table already exists".
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import cached_property, partial
from typing import Any

from schemashift.exceptions import DatabaseError, IrreversibleError, OnlineFormsNeeded
from schemashift.migrations.checksum import migration_checksum
from schemashift.migrations.graph import migration_plan
from schemashift.migrations.live_tables import LiveTables, live_tables
from schemashift.migrations.loader import MigrationLoader
from schemashift.migrations.lock_retry import LockWaits, with_lock_retries
from schemashift.migrations.migration import Migration
from schemashift.migrations.operations.base import Operation
from schemashift.migrations.row_watch import RowWatch
from schemashift.migrations.sql_script import MigrationSQL, OperationSQL, Statement
from schemashift.migrations.state import ProjectState
from schemashift.migrations.stepwise import (
    Step,
    StepwiseRun,
    is_managed,
    runs_python,
    runs_statement_by_statement,
)

Key = tuple[str, str]
#: called as progress(event, migration) with event one of "apply_start", "apply_success",
#: "unapply_start", "unapply_success", "fake_apply", "fake_unapply", "apply_resume" or
#: "unapply_resume" (before the start event of a migration an earlier run left half-done),
#: "lock_retry" (work timed out waiting for a table lock, was undone and is tried again), and
#: "backfill_progress", called as progress(event, migration, BackfillProgress) after each batch;
#: "operation_start" and "operation_success", called as progress(event, migration,
#: (number, operation)) around each operation run (number: its place in the migration, from 1),
#: and "statement", called as progress(event, migration, sql) before each statement runs
Progress = Callable[..., None]
FORWARDS, BACKWARDS = "forwards", "backwards"


@dataclass(frozen=True)
class PlanStep:
    migration: Migration
    backwards: bool


def snapshot(state: ProjectState) -> ProjectState:
    """The state as it is now; later operations replace model states, never mutate them."""
    return ProjectState(dict(state.models))


def operation_states(
    migration: Migration, state: ProjectState
) -> list[tuple[ProjectState, ProjectState]]:
    """Advance the state through the migration, keeping (before, after) of each operation."""
    pairs = []
    for operation in migration.operations:
        before = snapshot(state)
        migration.advance_state(operation, state)
        pairs.append((before, snapshot(state)))
    return pairs


class MigrationExecutor:
    """Plans and applies migrations for one database through its schema editor."""

    def __init__(
        self,
        database: Any,
        loader: MigrationLoader,
        recorder: Any,
        lock_waits: LockWaits | None = None,
    ) -> None:
        self.database = database
        self.loader = loader
        self.recorder = recorder
        #: how DDL waits for table locks; None: as long as the session's own limit says
        self.lock_waits = lock_waits or LockWaits(timeout=None, retries=0)
        self._notify = _Watch(lambda event, migration, detail=None: None)
        #: operations already done per migration by an earlier, interrupted run
        self.partial: dict[Key, tuple[str, int]] = {}
        #: whether a table may hold rows by now (the caller knows how the run began); while
        #: none can, no table is read to find out
        self.rows = RowWatch()
        self._states: dict[frozenset[Key], ProjectState] = {}
        self._unapply_states: dict[
            tuple[frozenset[Key], tuple[Key, ...]],
            dict[Key, list[tuple[ProjectState, ProjectState]]],
        ] = {}

    # -- planning ----------------------------------------------------------------------------

    def plan(self, targets: list[tuple[str, str | None]], applied: set[Key]) -> list[PlanStep]:
        """The steps that bring the database to the targets, in order."""
        graph = self.loader.graph
        steps = migration_plan(graph, targets, applied)
        return [PlanStep(graph.nodes[key], backwards) for key, backwards in steps]

    def operations_along(
        self, plan: list[PlanStep], applied: set[Key]
    ) -> Iterator[tuple[PlanStep, int, Operation, ProjectState, ProjectState]]:
        """Each operation of a plan (all forwards or all backwards) in the order it runs, with
        its index in its migration and the states around it in forward order."""
        if not plan:
            return
        if plan[0].backwards:
            found = self._operation_states(applied, [step.migration.key for step in plan])
            for step in plan:
                pairs = found[step.migration.key]
                for index in reversed(range(len(pairs))):
                    yield step, index, step.migration.operations[index], *pairs[index]
            return
        state = self.state_of(applied)
        for step in plan:
            pairs = operation_states(step.migration, state)
            for index, (before, after) in enumerate(pairs):
                yield step, index, step.migration.operations[index], before, after

    def check_reversible(self, plan: list[PlanStep]) -> None:
        """Refuse a backwards plan through an irreversible operation before touching anything."""
        for step in plan:
            if not step.backwards:
                continue
            for operation in step.migration.operations:
                if not operation.reversible:
                    raise IrreversibleError(
                        f"Migration {step.migration} is not reversible: operation "
                        f"'{operation.describe()}' has no reverse. Nothing was unapplied."
                    )

    def check_partial(self, plan: list[PlanStep]) -> None:
        """Refuse a plan that leaves a half-done migration as it is, before touching anything."""
        direction = BACKWARDS if plan and plan[0].backwards else FORWARDS
        planned = {step.migration.key for step in plan}
        for key, (done_direction, done) in sorted(self.partial.items()):
            if done_direction == direction and key in planned:
                continue
            app, name = key
            total = (
                len(self.loader.graph.nodes[key].operations)
                if key in self.loader.graph.nodes
                else 0
            )
            verb = "applied" if done_direction == FORWARDS else "unapplied"
            finish = (
                f"run 'migrate {app}' to finish applying it"
                if done_direction == FORWARDS
                else f"run 'migrate {app} <the migration before {name}>' to finish unapplying it"
            )
            raise MigrationFailed(
                f"Migration {app}.{name} was left partly {verb} by a run that failed "
                f"({done} of {total} operations {verb}). First {finish}, or record it as done "
                "with --fake."
            )

    # -- running ---------------------------------------------------------------------------

    def migrate(
        self,
        plan: list[PlanStep],
        applied: set[Key],
        fake: bool = False,
        progress: Progress | None = None,
        fake_initial: bool = False,
    ) -> None:
        """Carry out a plan that is all forwards or all backwards.

        ``fake_initial`` records, without running it, an initial migration whose tables
        (and added columns) all exist (``migrations/initial.py``)."""
        if not plan:
            return
        self.check_reversible(plan)
        watch = _Watch(progress or (lambda event, migration, detail=None: None))
        self._notify = watch
        self.recorder.ensure_schema()
        self.partial = self.recorder.partial_migrations()
        self.check_partial(plan)
        try:
            if plan[0].backwards:
                self._migrate_backwards(plan, applied, fake, watch)
            else:
                self._migrate_forwards(plan, applied, fake, watch, fake_initial)
        except BaseException as exc:
            if not _is_interrupt(exc):
                raise
            raise MigrationInterrupted(self._what_stands(watch)) from None

    def _what_stands(self, watch: _Watch) -> str:
        """One line after Ctrl-C: what the run finished, and where the migration it was
        carrying out stands, as the history and progress tables say."""
        said = []
        if watch.finished:
            finished = ", ".join(str(migration) for migration in watch.finished)
            said.append(f"{finished} {'was' if len(watch.finished) == 1 else 'were'} {watch.verb}")
        current = watch.current
        if current is not None:
            said.append(self._where_it_stands(current, watch.verb))
        if not said:
            return "Interrupted before any migration was run."
        return f"Interrupted: {'; '.join(said)}."

    def _where_it_stands(self, migration: Migration, verb: str) -> str:
        try:
            recorded = migration.key in self.recorder.applied_migrations()
            partial = self.recorder.partial_migrations().get(migration.key)
        except Exception:  # the database cannot be read either: say what is known
            return f"{migration} may be left part-way: run migrate again to see"
        if recorded == (verb == "applied"):
            return f"{migration} was {verb} just before the interrupt"
        if partial is not None:
            total = len(migration.operations)
            return (
                f"{migration} is left part-way ({partial[1]} of {total} operations {verb}); "
                "run the same migrate again to resume it"
            )
        return f"{migration} was rolled back, nothing of it stands"

    def _migrate_forwards(
        self,
        plan: list[PlanStep],
        applied: set[Key],
        fake: bool,
        notify: Progress,
        fake_initial: bool = False,
    ) -> None:
        state = self.state_of(applied)
        for step in plan:
            migration = step.migration
            if fake or (fake_initial and self.is_soft_applied(migration, state)):
                migration.mutate_state(state)
                self._record(migration, applied=True)
                notify("fake_apply", migration)
                continue
            if migration.key in self.partial:
                notify("apply_resume", migration)
            notify("apply_start", migration)
            state = self.apply_migration(migration, state)
            notify("apply_success", migration)

    def _migrate_backwards(
        self, plan: list[PlanStep], applied: set[Key], fake: bool, notify: Progress
    ) -> None:
        steps_by_key = self._operation_states(applied, [step.migration.key for step in plan])
        for step in plan:
            migration = step.migration
            if fake:
                self._record(migration, applied=False)
                notify("fake_unapply", migration)
                continue
            if migration.key in self.partial:
                notify("unapply_resume", migration)
            notify("unapply_start", migration)
            self.unapply_migration(migration, steps_by_key[migration.key])
            notify("unapply_success", migration)

    def is_soft_applied(self, migration: Migration, state: ProjectState) -> bool:
        """Whether the tables and columns the initial migration creates all exist already."""
        from schemashift.migrations.initial import is_initial, is_soft_applied

        if migration.key in self.partial or not is_initial(migration):
            return False
        states = operation_states(migration, snapshot(state))
        with self.database.connect() as connection:
            return is_soft_applied(connection, migration, states)

    def runs_atomically(self, migration: Migration) -> bool:
        """Whether the migration and its history row commit or roll back as one: not where
        an operation commits on its own (a backfill's batches)."""
        from schemashift.db.connection import has_transactional_ddl

        if not (migration.atomic and has_transactional_ddl(self.database)):
            return False
        vendor = self.database.backend.name
        return not any(op.commits_on_its_own(vendor) for op in migration.operations)

    def apply_migration(self, migration: Migration, state: ProjectState) -> ProjectState:
        """Apply one migration and record it, together or not at all where the backend can.

        Where it runs in one transaction, a lock it waited too long for rolls it all back and
        it is tried again from the state it started from (``lock_retry.py``). A migration that
        changes tables already holding rows in ways that have online forms (a concurrent
        index build, say) runs step by step instead, so those forms can run."""
        end = snapshot(state)
        states = operation_states(migration, end)
        self.check_names(migration, states)
        if not self.runs_atomically(migration) or self._known_online(migration, states, False):
            return self._apply_step_by_step(migration, state)
        live = self.live_tables(migration, states, False)
        try:
            self.retrying_on_locks(
                migration, lambda: self._apply_atomically(migration, states, live)
            )
        except OnlineFormsNeeded:  # rolled back: nothing of it stands
            return self._apply_step_by_step(migration, state)
        return end

    def _apply_atomically(
        self,
        migration: Migration,
        states: list[tuple[ProjectState, ProjectState]],
        live: list[LiveTables],
    ) -> None:
        """Run the operations from the states worked out once before (a retry after a lock
        timeout runs them again from the same states: they are never mutated)."""
        with (
            _named_failure(migration, "Applying"),
            self.database.connect() as connection,
            self.editor(connection, atomic=True) as editor,
        ):
            for number, (operation, (before, after), tables) in enumerate(
                zip(migration.operations, states, live, strict=True), start=1
            ):
                editor.online_tables = tables
                self._operation_starts(migration, number, operation)
                with _named_failure(migration, "Applying", operation, number):
                    operation.database_forwards(migration.app_label, editor, before, after)
                self._notify("operation_success", migration, (number, operation))
            self._write_rows(connection, migration, applied=True)

    def _operation_starts(self, migration: Migration, number: int, operation: Operation) -> None:
        self.rows.saw(operation)
        self._notify("operation_start", migration, (number, operation))

    def editor(self, connection: Any, atomic: bool) -> Any:
        """A schema editor on the connection whose statements wait for locks as configured."""
        from schemashift.db.connection import schema_editor

        editor = schema_editor(connection, atomic=atomic, alias=self.database.alias)
        editor.lock_timeout = self.lock_waits.timeout
        editor.on_statement = self._say_statement
        return editor

    def _say_statement(self, sql: str) -> None:
        if self._notify.current is not None:
            self._notify("statement", self._notify.current, sql)

    def live_tables(
        self,
        migration: Migration,
        states: list[tuple[ProjectState, ProjectState]],
        backwards: bool,
    ) -> list[LiveTables]:
        """Per operation, in the order they run, the tables holding rows from before the
        migration, where the backend has online forms for them (``live_tables.py``)."""
        from schemashift.db.connection import editor_class

        editor = editor_class(self.database.dialect_name)

        def holding_rows(tables: set[str]) -> set[str]:
            if not self.rows.may_hold_rows:
                return set()
            with self.database.connect() as connection:
                return editor.tables_holding_rows(connection, tables)

        return live_tables(editor, migration, states, backwards, holding_rows)

    def _goes_online(
        self,
        migration: Migration,
        states: list[tuple[ProjectState, ProjectState]],
        backwards: bool,
    ) -> bool:
        """Whether some statement of the migration takes an online form (which cannot run
        inside the migration's one transaction), found by collecting its statements."""
        from schemashift.db.connection import editor_class

        editor = editor_class(self.database.dialect_name)
        if not editor.has_online_forms or not states:
            return False
        start = states[-1][1] if backwards else states[0][0]
        app = migration.app_label
        if not any(
            (app, getattr(operation, "model_name_lower", None)) in start.models
            for operation in migration.operations
        ):
            return False
        live = self.live_tables(migration, states, backwards)
        with self.database.connect() as connection:
            statements = self._statements(migration, states, backwards, connection, live, True)
        return any(editor.is_rerunnable(sql) for group in statements for sql in group)

    def _known_online(
        self,
        migration: Migration,
        states: list[tuple[ProjectState, ProjectState]],
        backwards: bool,
    ) -> bool:
        """Whether to run the migration step by step from the start, for online forms: an
        earlier run did, and stopped part-way, or it calls Python code.

        Usually it is tried in one transaction, and the editor's first online form rolls it
        back to be run step by step (``OnlineFormsNeeded``). Python code, which may act
        outside the database, is not run twice like that: a migration with RunPython finds
        out first, by collecting its statements."""
        if migration.key in self.partial:
            return True
        if not any(map(runs_python, migration.operations)):
            return False
        return self._goes_online(migration, states, backwards)

    def retrying_on_locks(self, migration: Migration, action: Callable[[], Any]) -> Any:
        """``action`` (which undoes itself when it fails), tried again while it fails for want
        of a table lock, as ``lock_waits`` allows."""
        return with_lock_retries(
            action,
            self.lock_waits,
            f"Migration {migration}",
            on_retry=lambda attempt, pause: self._notify("lock_retry", migration),
        )

    def unapply_migration(
        self, migration: Migration, states: list[tuple[ProjectState, ProjectState]]
    ) -> None:
        """Reverse one migration's operations, last first, and delete its history row."""
        self.check_names(migration, [(after, before) for before, after in states])
        if not self.runs_atomically(migration) or self._known_online(migration, states, True):
            self._unapply_step_by_step(migration, states)
            return
        live = self.live_tables(migration, states, True)
        try:
            self.retrying_on_locks(
                migration, lambda: self._unapply_atomically(migration, states, live)
            )
        except OnlineFormsNeeded:  # rolled back: nothing of it stands
            self._unapply_step_by_step(migration, states)

    def _unapply_atomically(
        self,
        migration: Migration,
        states: list[tuple[ProjectState, ProjectState]],
        live: list[LiveTables],
    ) -> None:
        operations = list(enumerate(migration.operations, start=1))
        with (
            _named_failure(migration, "Unapplying"),
            self.database.connect() as connection,
            self.editor(connection, atomic=True) as editor,
        ):
            for (number, operation), (before, after), tables in zip(
                reversed(operations), reversed(states), live, strict=True
            ):
                editor.online_tables = tables
                self._operation_starts(migration, number, operation)
                with _named_failure(migration, "Unapplying", operation, number):
                    operation.database_backwards(migration.app_label, editor, after, before)
                self._notify("operation_success", migration, (number, operation))
            self._write_rows(connection, migration, applied=False)

    def check_names(
        self, migration: Migration, states: list[tuple[ProjectState, ProjectState]]
    ) -> None:
        """Refuse, before touching anything, names longer than the backend allows in the
        models the migration's operations leave (``states``: (from, to) per operation)."""
        editor = self._naming_editor
        problems: list[str] = []
        for from_state, to_state in states:
            for key, model in to_state.models.items():
                if from_state.models.get(key) is not model and is_managed(model):
                    problems.extend(p for p in editor.name_problems(model) if p not in problems)
        if problems:
            raise MigrationFailed(
                f"Migration {migration} cannot be run on this database: {'; '.join(problems)}. "
                "Shorten the name in the migration file (and the model). Nothing of this "
                "migration was run."
            )

    @cached_property
    def _naming_editor(self) -> Any:
        """An editor (without a connection) that knows the backend's name limits."""
        from schemashift.db.connection import editor_class

        return editor_class(self.database.dialect_name)(dialect=self.database.dialect)

    def _apply_step_by_step(self, migration: Migration, state: ProjectState) -> ProjectState:
        """Apply the operations one at a time, noting each one done; skip those an earlier run
        did."""
        app = migration.app_label
        states = operation_states(migration, state)
        steps = [
            Step(number, operation, partial(operation.database_forwards, app), before, after)
            for number, (operation, (before, after)) in enumerate(
                zip(migration.operations, states, strict=True), start=1
            )
        ]
        self._run_step_by_step(
            migration, FORWARDS, self._with_live_tables(migration, steps, states)
        )
        return state

    def _unapply_step_by_step(
        self, migration: Migration, states: list[tuple[ProjectState, ProjectState]]
    ) -> None:
        app = migration.app_label
        steps = [
            Step(number, operation, partial(operation.database_backwards, app), after, before, True)
            for number, (operation, (before, after)) in enumerate(
                zip(migration.operations, states, strict=True), start=1
            )
        ]
        steps = self._with_live_tables(migration, list(reversed(steps)), states, backwards=True)
        self._run_step_by_step(migration, BACKWARDS, steps)

    def _with_live_tables(
        self,
        migration: Migration,
        steps: list[Step],
        states: list[tuple[ProjectState, ProjectState]],
        backwards: bool = False,
    ) -> list[Step]:
        """The steps (in the order they run), each told the tables it finds holding rows."""
        live = self.live_tables(migration, states, backwards)
        return [replace(step, live_tables=tables) for step, tables in zip(steps, live, strict=True)]

    def _run_step_by_step(self, migration: Migration, direction: str, steps: list[Step]) -> None:
        """Run the steps in order, each committed and noted on its own (``stepwise.py``), then
        record the migration (un)applied and forget its progress in one transaction."""
        verb = "Applying" if direction == FORWARDS else "Unapplying"
        done = self._done(migration, direction)
        with (
            _named_failure(migration, verb),
            self.database.connect() as connection,
            self.editor(connection, atomic=False) as editor,
        ):
            run = StepwiseRun(
                self.recorder,
                migration,
                direction,
                connection,
                editor,
                resuming=migration.key in self.partial,
                retrying=partial(self.retrying_on_locks, migration),
                on_backfill=partial(self._notify, "backfill_progress", migration),
            )
            run.start(done)
            self.partial[migration.key] = (direction, done)
            for position, step in enumerate(steps, start=1):
                if position <= done:
                    continue
                self._operation_starts(migration, step.number, step.operation)
                with _partial_failure(migration, verb, step.number, done, run.detail):
                    run.operation(position, step)
                self.partial[migration.key] = (direction, position)
                self._notify("operation_success", migration, (step.number, step.operation))
            _end_transaction(connection)
            with connection.begin():
                self._write_history(connection, migration, applied=direction == FORWARDS)

    def _done(self, migration: Migration, direction: str) -> int:
        done_direction, done = self.partial.get(migration.key, (direction, 0))
        return done if done_direction == direction else 0

    def _record(self, migration: Migration, applied: bool) -> None:
        with self.database.connect() as connection, connection.begin():
            self._write_history(connection, migration, applied)

    def _write_history(self, connection: Any, migration: Migration, applied: bool) -> None:
        """Record the migration (un)applied, and forget what an interrupted run noted of it."""
        app, name = migration.key
        self._write_rows(connection, migration, applied)
        if self.partial.pop(migration.key, None) is not None:
            self.recorder.clear_progress(app, name, connection)

    def _write_rows(self, connection: Any, migration: Migration, applied: bool) -> None:
        """The history rows of the migration, and of those it replaces if it is a squash:
        Django records and unrecords them together, so the history reads the same whichever
        of them ran."""
        keys = [migration.key, *(tuple(key) for key in migration.replaces)]
        if applied:
            recorded = self.recorder.applied_migrations(connection) if migration.replaces else {}
            for key in keys:
                if key not in recorded:
                    # the replaced migrations did not run: only the squash has a checksum
                    checksum = migration_checksum(migration) if key == migration.key else None
                    self.recorder.record_applied(*key, connection, checksum=checksum)
        else:
            for key in keys:
                self.recorder.record_unapplied(*key, connection)

    def record_replacements(self) -> None:
        """Record each squash whose replaced migrations are all recorded, though it did not run
        itself (Django's ``check_replacements``), so the history stays right once the replaced
        files are deleted."""
        if not self.loader.replacements:
            return
        recorded = self.recorder.applied_migrations()
        for key, squash in sorted(self.loader.replacements.items()):
            replaced = [tuple(target) for target in squash.replaces]
            if key not in recorded and replaced and all(k in recorded for k in replaced):
                self.recorder.record_applied(*key)

    # -- states ----------------------------------------------------------------------------

    def state_of(self, keys: set[Key]) -> ProjectState:
        """The state after the given migrations (and their dependencies), built once per set
        of keys: a run asks for it to check drift, to find data losses and to migrate, and
        each caller gets its own snapshot to advance (operations replace model states)."""
        if not keys:
            return ProjectState()
        found = frozenset(keys)
        if found not in self._states:
            self._states[found] = self.loader.project_state(self._leaves(keys), at_end=True)
        return snapshot(self._states[found])

    def remember_state(self, keys: set[Key], state: ProjectState) -> None:
        """Take the state after ``keys`` from a caller that built it already (the loader's
        state at every leaf), rather than replaying the migrations again; ``state`` must not
        be changed afterwards."""
        if keys:
            self._states.setdefault(frozenset(keys), state)

    def _leaves(self, keys: set[Key]) -> list[Key]:
        graph = self.loader.graph
        return sorted(
            key
            for key in keys
            if key in graph.nodes and not (graph.node_map[key].children_keys() & keys)
        )

    def _operation_states(
        self, applied: set[Key], unapply_plan: list[Key]
    ) -> dict[Key, list[tuple[ProjectState, ProjectState]]]:
        """(before, after) states of every operation of the migrations to unapply, in plan order.

        Each migration is unapplied on the database as the run has left it: the applied
        migrations the run keeps, and those the plan has not reached yet. One forward walk
        replays exactly that: the kept migrations in history order, then the plan reversed
        (the plan unapplies dependants first, so reversed it is a valid forward order). The
        state just before a migration of the plan then holds the kept migrations and every
        migration unapplied after it, never one unapplied before it. Snapshots are taken only
        around the operations of the migrations to unapply. Built once per run for a plan: the
        data-loss listing of the plan and the rollback itself share it (operations replace
        model states, never mutate them).
        """
        cache_key = (frozenset(applied), tuple(unapply_plan))
        if cache_key not in self._unapply_states:
            self._unapply_states[cache_key] = self._walk_to_unapply(applied, unapply_plan)
        return self._unapply_states[cache_key]

    def _walk_to_unapply(
        self, applied: set[Key], unapply_plan: list[Key]
    ) -> dict[Key, list[tuple[ProjectState, ProjectState]]]:
        to_unapply = set(unapply_plan)
        state = ProjectState()
        for key in self.history_order(applied):
            if key not in to_unapply:
                self.loader.graph.nodes[key].mutate_state(state)
        found: dict[Key, list[tuple[ProjectState, ProjectState]]] = {}
        for key in reversed(unapply_plan):
            found[key] = operation_states(self.loader.graph.nodes[key], state)
        return found

    def history_order(self, applied: set[Key]) -> list[Key]:
        """The applied migrations in the order the history table recorded them.

        Unapplying one migration needs the state just before it as it really was: another
        app may have renamed a table in between, which the graph's order alone cannot tell.
        A squash stands where the first migration it replaces was recorded; migrations the
        history does not list (faked by hand, say) follow in graph order.
        """
        graph = self.loader.graph
        squash_of = {
            replaced: key
            for key, migration in self.loader.replacements.items()
            if key in graph.nodes
            for replaced in migration.replaces
        }
        order: list[Key] = []
        seen: set[Key] = set()
        for key in self.recorder.applied_migrations():
            key = squash_of.get(key, key)
            if key in applied and key in graph.nodes and key not in seen:
                seen.add(key)
                order.append(key)
        order.extend(key for key in self.ordered(applied) if key not in seen)
        return order

    def ordered(self, keys: set[Key]) -> list[Key]:
        """The keys in an order where each comes after its dependencies."""
        return self.loader.graph.forwards_plan_for(self._leaves(keys))

    # -- SQL preview -----------------------------------------------------------------------

    def collect_sql(self, migration: Migration, backwards: bool = False) -> list[str]:
        """The statements ``migrate`` would run for one migration, with a comment per operation
        and, above each statement, one naming the lock it takes (``lock_comments``), inside
        ``BEGIN;`` and ``COMMIT;`` where they run in one transaction."""
        return self.sql_script(migration, backwards).lines()

    def sql_script(self, migration: Migration, backwards: bool = False) -> MigrationSQL:
        """The statements ``migrate`` would run for one migration, per operation, with the
        lock each takes, as data (``collect_sql`` is its text)."""
        from schemashift.db.connection import editor_class

        if backwards:
            states = self._operation_states(
                {migration.key} | self._ancestors(migration), [migration.key]
            )[migration.key]
        else:
            state = self.loader.project_state([migration.key], at_end=False)
            states = operation_states(migration, state)
        operations = list(migration.operations)
        if backwards:
            operations.reverse()
        with self.database.connect() as connection:
            live = self.live_tables(migration, states, backwards)
            collected = self._statements(migration, states, backwards, connection, live)
        editor = editor_class(self.database.dialect_name)
        online = any(
            runs_statement_by_statement(operation, group, editor)
            for operation, group in zip(operations, collected, strict=True)
        )
        locks = iter(editor.lock_comments([sql for group in collected for sql in group]))
        return MigrationSQL(
            migration.app_label,
            migration.name,
            backwards,
            tuple(
                OperationSQL(
                    operation.describe(),
                    operation.reduces_to_sql,
                    tuple(Statement.from_collected(sql, next(locks)) for sql in group),
                )
                for operation, group in zip(operations, collected, strict=True)
            ),
            is_atomic=self.runs_atomically(migration) and not online,
            is_online=online,
        )

    def _statements(
        self,
        migration: Migration,
        states: list[tuple[ProjectState, ProjectState]],
        backwards: bool,
        connection: Any,
        live: list[LiveTables],
        without_python: bool = False,
    ) -> list[list[str]]:
        """The statements of each operation, in the order they run (last first backwards);
        ``without_python`` leaves out the operations that would call the migration's code."""
        from schemashift.db.connection import schema_editor

        pairs = list(zip(migration.operations, states, strict=True))
        if backwards:
            pairs.reverse()
        found: list[list[str]] = []
        editor = schema_editor(connection, collect_sql=True, atomic=migration.atomic)
        with editor:
            for (operation, (before, after)), tables in zip(pairs, live, strict=True):
                editor.online_tables = tables
                start = len(editor.collected_sql)
                if not operation.reduces_to_sql or (without_python and runs_python(operation)):
                    pass
                elif backwards:
                    if not operation.reversible:
                        raise IrreversibleError(
                            f"Migration {migration} is not reversible: operation "
                            f"'{operation.describe()}' has no reverse."
                        )
                    operation.database_backwards(migration.app_label, editor, after, before)
                else:
                    operation.database_forwards(migration.app_label, editor, before, after)
                found.append(editor.collected_sql[start:])
        return found

    def _ancestors(self, migration: Migration) -> set[Key]:
        return set(self.loader.graph.forwards_plan(migration.key))


def failed_operation(migration: Migration, exc: BaseException) -> tuple[int, Operation] | None:
    """The operation (and its number, from 1) whose own Python code raised ``exc``.

    That is a RunPython whose ``code`` or ``reverse_code`` is in the traceback; None when the
    error came from elsewhere.
    """
    codes = {frame.f_code for frame, _line in traceback.walk_tb(exc.__traceback__)}
    for number, operation in enumerate(migration.operations, start=1):
        functions = (getattr(operation, "code", None), getattr(operation, "reverse_code", None))
        if any(getattr(function, "__code__", None) in codes for function in functions):
            return number, operation
    return None


class MigrationFailed(DatabaseError):
    """A database error, with the migration (and operation) it happened in named."""


class MigrationInterrupted(MigrationFailed):
    """Ctrl-C (SIGINT) stopped the run; the message says what stands."""

    exit_code = 130


class _Watch:
    """Passes progress events on, keeping which migrations finished and which is under way."""

    def __init__(self, notify: Progress) -> None:
        self.notify = notify
        self.finished: list[Migration] = []
        self.current: Migration | None = None
        self.verb = "applied"

    def __call__(self, event: str, migration: Migration, detail: Any = None) -> None:
        if detail is not None:
            self.notify(event, migration, detail)
            return
        if event in ("apply_start", "unapply_start", "fake_apply", "fake_unapply"):
            self.current = migration
            self.verb = "applied" if event in ("apply_start", "fake_apply") else "unapplied"
        if event in ("apply_success", "unapply_success", "fake_apply", "fake_unapply"):
            self.current = None
            self.finished.append(migration)
        self.notify(event, migration)


def _is_interrupt(exc: BaseException) -> bool:
    """Whether Ctrl-C caused the exception (directly, or as the error it left behind)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, KeyboardInterrupt):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def _end_transaction(connection: Any) -> None:
    """Commit what an operation left open: outside a migration transaction, each step stands
    on its own."""
    if connection.in_transaction():
        connection.commit()


@contextmanager
def _partial_failure(
    migration: Migration,
    verb: str,
    number: int,
    done_before: int,
    detail: Callable[[], str] = str,
) -> Iterator[None]:
    """Name the failed operation and say exactly which of the migration's operations stand."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        yield
    except (SQLAlchemyError, DatabaseError) as exc:
        reason = getattr(exc, "orig", None) or exc
        if isinstance(exc, MigrationFailed):
            reason = exc
        operations = migration.operations
        total = len(operations)
        failed = operations[number - 1]
        past = "applied" if verb == "Applying" else "unapplied"
        applying = verb == "Applying"
        standing = list(range(1, number) if applying else range(total, number, -1))
        if standing:
            listed = "; ".join(f"{i} ({operations[i - 1].describe()})" for i in standing)
            earlier = f" ({done_before} of them by an earlier run)" if done_before else ""
            state = (
                f"Operations {listed} of this migration were {past} and stay {past}{earlier}: "
                "here each operation commits on its own."
            )
        else:
            state = f"No operation of this migration was {past}."
        within = detail()
        if within:
            state += f"\n{within}"
        raise MigrationFailed(
            f"{verb} {migration} failed at operation {number} of {total} "
            f"({failed.describe()}): {reason}\n{state}\nFix the cause and run migrate again: "
            f"it resumes at operation {number}."
        ) from exc


@contextmanager
def _named_failure(
    migration: Migration, verb: str, operation: Operation | None = None, number: int = 0
) -> Iterator[None]:
    """Name the migration, and the operation when given, in a database error raised inside.

    Around the whole migration it catches what fails outside any one operation (the commit,
    the foreign-key check); errors already named by an inner use pass through unchanged.
    """
    from sqlalchemy.exc import SQLAlchemyError

    try:
        yield
    except MigrationFailed:
        raise
    except (SQLAlchemyError, DatabaseError) as exc:
        reason = getattr(exc, "orig", None) or exc
        where = ""
        if operation is not None:
            total = len(migration.operations)
            where = f" at operation {number} of {total} ({operation.describe()})"
        raise MigrationFailed(f"{verb} {migration} failed{where}: {reason}") from exc
    except LookupError as exc:
        # A model missing from the state an operation runs on: the migration file names a
        # model its dependencies do not provide at that point.
        where = f" at operation {number} ({operation.describe()})" if operation else ""
        raise MigrationFailed(
            f"{verb} {migration} failed{where}: {exc.args[0] if exc.args else exc} The "
            "migration refers to a model that its dependencies do not provide at this point: "
            "add a dependency on the migration that creates (or renames) it."
        ) from exc
