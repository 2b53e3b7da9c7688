"""The commands as Python functions: makemigrations, migrate, showmigrations, sqlmigrate, check.

Call ``schemashift.setup()`` first; then, from a script, a test or a web app's start-up::

    from schemashift import api

    api.makemigrations("polls")
    api.migrate()

Each function returns plain data and raises a ``SchemashiftError`` subclass for anything the
user can fix. Nothing is printed: progress and warnings go to the callbacks a caller passes,
questions to the questioner it passes. The command line (``schemashift.cli``) is a thin layer
over these functions. The migrations machinery is imported when a function needs it, and the
database layer (and SQLAlchemy) only by the functions that reach the database, so that
``check`` starts fast.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from schemashift import conf
from schemashift.apps import apps
from schemashift.check_messages import CheckMessage
from schemashift.checks.model_checks import check_models, run_checks
from schemashift.exceptions import (
    AppNotFound,
    CommandError,
    DatabaseError,
    ImproperlyConfigured,
    InvalidMigrationPlan,
    MigrationError,
    NodeNotFoundError,
    SchemashiftError,
)

if TYPE_CHECKING:
    from schemashift.apps.registry import AppConfig
    from schemashift.conf import Settings
    from schemashift.migrations.backfill import BackfillProgress
    from schemashift.migrations.drift import Difference
    from schemashift.migrations.lint.rules import Finding
    from schemashift.migrations.loader import MigrationLoader
    from schemashift.migrations.migration import Migration
    from schemashift.migrations.operations.base import Operation
    from schemashift.migrations.questioner import MigrationQuestioner
    from schemashift.migrations.row_watch import RowWatch
    from schemashift.migrations.sql_script import MigrationSQL
    from schemashift.pictures.entities import EntityDiagram
    from schemashift.pictures.migration_graph import MigrationPicture

__all__ = [
    "LintResult",
    "MergeBranch",
    "MergeConflict",
    "MergeResult",
    "MigrateResult",
    "MigrationEvent",
    "MigrationFile",
    "MigrationPlan",
    "PlannedMigration",
    "PlannedOperation",
    "check",
    "drift",
    "entity_diagram",
    "lint",
    "makemigrations",
    "merge_migrations",
    "makemigrations_from_database",
    "migrate",
    "migration_graph",
    "prune_migrations",
    "showmigrations",
    "showmigrations_plan",
    "sqlmigrate",
    "sqlmigrate_script",
    "squashmigrations",
    "SquashResult",
]

Key = tuple[str, str]
#: receives each warning, a complete line such as "Warning: the migrations of app ..."
Warn = Callable[[str], None]


@dataclass(frozen=True)
class MigrationFile:
    """A migration makemigrations wrote, or would write with ``dry_run``."""

    app_label: str
    name: str
    path: Path
    #: each operation's description with its category sign, such as "+ Create model Question"
    operations: tuple[str, ...]
    #: with ``update``: the file of the latest migration this one rewrites, deleted once this
    #: one is written
    updated_from: Path | None = None
    #: what the lint rules found in its operations, not acknowledged (``lint``)
    findings: tuple[Finding, ...] = ()


@dataclass(frozen=True)
class PlannedOperation:
    description: str
    is_reversible: bool
    is_destructive: bool
    #: what it can destroy ("drops column votes of polls_question"), in this direction
    data_loss: tuple[str, ...] = ()
    #: whether its migration acknowledges that loss, or the run allows it
    is_loss_allowed: bool = False
    #: what the lint rules found in it, not acknowledged, data loss aside (``migrate --plan``,
    #: forwards)
    findings: tuple[Finding, ...] = ()


@dataclass(frozen=True)
class PlannedMigration:
    """One migration of a plan, applied (or, if ``backwards``, unapplied)."""

    app_label: str
    name: str
    backwards: bool
    #: in the order they run: last first when backwards
    operations: tuple[PlannedOperation, ...]

    def __str__(self) -> str:
        return f"{self.app_label}.{self.name}"


@dataclass(frozen=True)
class MigrationPlan:
    """What migrate is about to do, before it touches the database."""

    steps: tuple[PlannedMigration, ...]
    #: ``(app_label, name)`` to reach, name None for "zero" (every migration unapplied)
    targets: tuple[tuple[str, str | None], ...]
    #: the labels of the apps that have migrations, sorted
    migrated_apps: tuple[str, ...]
    #: ``app.name`` of each migration recorded from Django's history before the plan
    adopted: tuple[str, ...] = ()


@dataclass(frozen=True)
class MigrateResult:
    plan: MigrationPlan
    #: False when only the plan was asked for: the database was not changed
    was_run: bool
    #: the migrations were recorded as (un)applied without running them
    was_faked: bool
    #: apps whose models changed without a migration, found when there was nothing to apply
    unmigrated_changes: tuple[str, ...] = ()
    #: ``app.name`` of each migration recorded from Django's history (--adopt-django-history)
    adopted: tuple[str, ...] = ()
    #: ``app.name`` of the contract migrations ``stage="expand"`` left unapplied
    held_back: tuple[str, ...] = ()
    #: nothing was to be done, found without the lock and no pre_migrate or post_migrate
    #: receiver was called: the run read the history table and the project, and wrote nothing
    settled: bool = False

    @property
    def applied(self) -> list[str]:
        """``app.name`` of each migration the run applied."""
        return [str(step) for step in self.plan.steps if self.was_run and not step.backwards]

    @property
    def unapplied(self) -> list[str]:
        """``app.name`` of each migration the run unapplied."""
        return [str(step) for step in self.plan.steps if self.was_run and step.backwards]


@dataclass(frozen=True)
class MigrationEvent:
    """Progress of migrate, one event per step of each migration.

    ``kind`` is one of "apply_start", "apply_success", "unapply_start", "unapply_success",
    "fake_apply", "fake_unapply", "apply_resume" and "unapply_resume" (a migration an earlier
    run left half-done, before its start event; ``operations_done`` says how far it got),
    "lock_retry" (the migration, or its operation under way, waited too long for a table lock
    another session holds, was undone and is tried again after a pause), and
    "backfill_progress" (after each batch of a ``Backfill``; ``backfill`` says how far it got:
    its ``label``, rows ``done`` of ``total``, ``elapsed`` and ``seconds_left``, ``finished``),
    "operation_start" and "operation_success" (around each operation the run carries out, not
    those a resumed run skips: ``operation`` and its place in the migration,
    ``operation_number``, from 1), and "statement" (the ``sql`` of each statement of the
    migration, just before it runs; a backfill's batches are told by "backfill_progress").
    """

    kind: str
    migration: Migration
    operations_done: int = 0
    backfill: BackfillProgress | None = None
    operation: Operation | None = None
    operation_number: int = 0
    sql: str | None = None


# -- makemigrations ---------------------------------------------------------------------------


def makemigrations(
    *app_labels: str,
    name: str | None = None,
    empty: bool = False,
    dry_run: bool = False,
    check: bool = False,
    questioner: MigrationQuestioner | None = None,
    on_migration: Callable[[MigrationFile], None] | None = None,
    warn: Warn | None = None,
    staged: bool = False,
    update: bool = False,
    database: str = "default",
) -> list[MigrationFile]:
    """Write new migrations for what changed in the models of ``app_labels`` (default: all).

    ``check`` writes nothing, as ``dry_run`` does; a non-empty result means the models have
    changes without a migration. ``questioner`` answers makemigrations' questions (default:
    no renames, and MissingDefault for a NOT NULL field without a default).
    ``on_migration`` is called with each migration before any file is written. Every file
    is written, or none. ``staged`` writes a field rename or column type change as an expand
    migration and a contract migration, so the previous app version keeps working between
    them (``migrate --stage``). ``update`` folds each app's changes into its latest migration
    instead, renamed after what it now does (or ``name``), and deletes the old file; refused
    (MigrationError) for a squash, a migration applied on ``database``, or one that another
    migration depends on.
    """
    from schemashift.migrations.questioner import MigrationQuestioner
    from schemashift.migrations.writer import MigrationWriter, write_migrations

    _checked_project()
    _check_migration_name(name)
    configs = _app_configs(app_labels)
    dry_run = dry_run or check
    loader = _load_migrations(warn, conflicts_in=app_labels, cached=dry_run and not update)
    if empty:
        changes = _empty_migrations(loader, configs, name)
    else:
        if questioner is None:
            questioner = MigrationQuestioner(specified_apps=app_labels, dry_run=dry_run)
        changes = _model_changes(loader, questioner, app_labels, name, staged)
        changes = {
            label: migrations
            for label, migrations in changes.items()
            if label in app_labels or _has_migrations_package(label)
        }
        _acknowledge_data_loss(loader, changes, questioner)
    previous: dict[str, Path] = {}
    if update and changes:
        changes, previous = _fold_into_leaves(loader, changes, name, database)
    planned: list[tuple[Migration, AppConfig]] = []
    files: list[MigrationFile] = []
    new = [migration for label in sorted(changes) for migration in changes[label]]
    # a folded migration (update) is read on no state here: its own is not the leaves'
    lints = {} if check or empty or update else _lint_new_migrations(loader, new, warn)
    for app_label in sorted(changes):
        config = apps.get_app_config(app_label)
        for migration in changes[app_label]:
            file = MigrationFile(
                app_label,
                migration.name,
                MigrationWriter(migration).path(config),
                tuple(operation.formatted_description() for operation in migration.operations),
                previous.get(app_label),
                findings=lints.get((app_label, migration.name), ()),
            )
            if on_migration is not None:
                on_migration(file)
            planned.append((migration, config))
            files.append(file)
    if not dry_run:
        write_migrations(planned)
        _delete_updated(files)
    return files


def _check_migration_name(name: str | None) -> None:
    if name is not None and not name.isidentifier():
        raise SchemashiftError(f"The migration name '{name}' must be a valid Python identifier.")


def _fold_into_leaves(
    loader: MigrationLoader,
    changes: dict[str, list[Migration]],
    name: str | None,
    database: str,
) -> tuple[dict[str, list[Migration]], dict[str, Path]]:
    """makemigrations --update: each app's latest migration with its changes folded in, and
    the file of that migration as it was. Django's rule: an applied one is refused."""
    from schemashift.migrations.update import fold_changes
    from schemashift.migrations.writer import MigrationWriter

    settings = conf.get_settings()
    with _open_database(database) as db:
        applied = set(_recorder(db, settings).applied_migrations())
    folded = fold_changes(loader, changes, applied, name)
    return (
        {label: [updated] for label, (updated, _leaf) in folded.items()},
        {
            label: MigrationWriter(leaf).path(apps.get_app_config(label))
            for label, (_updated, leaf) in folded.items()
        },
    )


def _delete_updated(files: list[MigrationFile]) -> None:
    """Remove the files that updated migrations replace, once those are written."""
    from schemashift.migrations.update import delete_migration_file

    for file in files:
        if file.updated_from is not None:
            module = apps.get_app_config(file.app_label).migrations_module
            delete_migration_file(file.updated_from, f"{module}.{file.updated_from.stem}")


# -- makemigrations --merge -------------------------------------------------------------------


@dataclass(frozen=True)
class MergeBranch:
    """One side of a conflict: a leaf and what its branch does since the common ancestor."""

    leaf: str
    #: the branch's migrations, in the order they apply
    migrations: tuple[str, ...]
    #: each operation's description with its category sign, such as "+ Add field x to y"
    operations: tuple[str, ...]


@dataclass(frozen=True)
class MergeConflict:
    """An app with more than one leaf migration, and each leaf's branch."""

    app_label: str
    branches: tuple[MergeBranch, ...]


@dataclass(frozen=True)
class MergeResult:
    #: every conflict found (in the apps asked for), merged or not
    conflicts: tuple[MergeConflict, ...]
    #: the merge migrations written (or, with ``dry_run``, that would be)
    files: tuple[MigrationFile, ...]


def merge_migrations(
    *app_labels: str,
    name: str | None = None,
    dry_run: bool = False,
    questioner: MigrationQuestioner | None = None,
    on_conflict: Callable[[MergeConflict], None] | None = None,
    warn: Warn | None = None,
) -> MergeResult:
    """Write a merge migration for each app of ``app_labels`` (default: all) with more than
    one leaf migration: ``NNNN_merge_<leaves>`` (or ``NNNN_<name>``), without operations,
    depending on every leaf, as Django's ``makemigrations --merge``.

    ``on_conflict`` gets each conflict before ``questioner.ask_merge(app_label)`` is asked
    whether to merge it (default questioner: yes). Branches without a common ancestor are a
    MigrationError. Nothing is written with ``dry_run``; otherwise every file, or none.
    """
    from schemashift.migrations.loader import MigrationLoader
    from schemashift.migrations.merge import conflict_branches, merge_migration
    from schemashift.migrations.questioner import MigrationQuestioner
    from schemashift.migrations.writer import MigrationWriter, write_migrations

    _checked_project()
    _check_migration_name(name)
    _app_configs(app_labels)
    loader = MigrationLoader(apps.get_app_configs())
    _warn_ignored_migrations(loader, warn)
    questioner = questioner or MigrationQuestioner()
    conflicts: list[MergeConflict] = []
    planned: list[tuple[Migration, AppConfig]] = []
    files: list[MigrationFile] = []
    for app_label, leaves in loader.detect_conflicts().items():
        if app_labels and app_label not in app_labels:
            continue
        branches = conflict_branches(loader, app_label, leaves)
        conflict = MergeConflict(
            app_label,
            tuple(
                MergeBranch(
                    branch.leaf,
                    branch.migrations,
                    tuple(op.formatted_description() for op in branch.operations),
                )
                for branch in branches
            ),
        )
        conflicts.append(conflict)
        if on_conflict is not None:
            on_conflict(conflict)
        if not questioner.ask_merge(app_label):
            continue
        migration = merge_migration(app_label, leaves, name)
        config = apps.get_app_config(app_label)
        planned.append((migration, config))
        files.append(
            MigrationFile(app_label, migration.name, MigrationWriter(migration).path(config), ())
        )
    if not dry_run:
        write_migrations(planned)
    return MergeResult(tuple(conflicts), tuple(files))


def makemigrations_from_database(
    app_label: str,
    *,
    database: str = "default",
    name: str | None = None,
    dry_run: bool = False,
    on_migration: Callable[[MigrationFile], None] | None = None,
    warn: Warn | None = None,
) -> list[MigrationFile]:
    """Write one migration of ``app_label`` whose operations turn the state of its applied
    migrations into the live tables of ``database`` (``drift`` lists what differs).

    Record it with ``migrate --fake``: the database has it already. Every migration of the
    app must be applied. Raises SchemaDrift naming what no model can say (an expression
    index, a check constraint added by hand, a new foreign key column). An empty list: the
    app's tables match its history.
    """
    from schemashift.migrations.autodetector import MigrationAutodetector
    from schemashift.migrations.executor import MigrationExecutor
    from schemashift.migrations.from_database import live_state
    from schemashift.migrations.questioner import MigrationQuestioner
    from schemashift.migrations.writer import MigrationWriter, write_migrations

    settings = _checked_project()
    if name is not None and not name.isidentifier():
        raise SchemashiftError(f"The migration name '{name}' must be a valid Python identifier.")
    (config,) = _app_configs([app_label])
    with _open_database(database) as db:
        recorder = _recorder(db, settings)
        with db.connect() as connection:
            applied = set(recorder.applied_migrations(connection))
            loader = _load_migrations(warn, applied)
            _require_applied(loader, app_label, applied, db.alias)
            history = MigrationExecutor(db, loader, recorder).state_of(applied)
            live = live_state(
                connection,
                history,
                app_label,
                installed_apps=list(apps.app_configs),
                history_table=settings.MIGRATIONS_TABLE,
            )
    questioner = MigrationQuestioner(specified_apps=[app_label], dry_run=True)
    detector = MigrationAutodetector(history, live, questioner)
    changes = detector.changes(
        graph_leaves=_app_leaves(loader),
        trim_to_apps={app_label},
        migration_name=name,
        graph=loader.graph,
    )
    files: list[MigrationFile] = []
    planned: list[tuple[Migration, AppConfig]] = []
    for migration in changes.get(app_label, []):
        file = MigrationFile(
            app_label,
            migration.name,
            MigrationWriter(migration).path(config),
            tuple(operation.formatted_description() for operation in migration.operations),
        )
        if on_migration is not None:
            on_migration(file)
        planned.append((migration, config))
        files.append(file)
    if not dry_run:
        write_migrations(planned)
    return files


def _require_applied(
    loader: MigrationLoader, app_label: str, applied: set[Key], alias: str
) -> None:
    """Refuse to describe the live tables after migrations the database does not have."""
    graph = loader.graph
    pending = [
        f"{app}.{name}"
        for app, name in graph.forwards_plan_for(graph.leaf_nodes(app_label))
        if (app, name) not in applied
    ]
    if pending:
        raise InvalidMigrationPlan(
            f"Database '{alias}' has not applied {', '.join(pending)}: migrate first, so that "
            "the migration written from the database follows every migration of the app."
        )


def _empty_migrations(
    loader: MigrationLoader, configs: list[AppConfig], name: str | None
) -> dict[str, list[Migration]]:
    """One migration without operations per app, numbered and named as detected ones are."""
    from schemashift.migrations.autodetector import MigrationAutodetector
    from schemashift.migrations.migration import Migration
    from schemashift.migrations.questioner import MigrationQuestioner
    from schemashift.migrations.state import ProjectState

    if not configs:
        raise SchemashiftError("You must supply at least one app label when using --empty.")
    leaves = _app_leaves(loader)
    changes: dict[str, list[Migration]] = {}
    for config in configs:
        migration = Migration("auto_1", config.label)
        migration.initial = True if leaves[config.label] is None else None
        changes[config.label] = [migration]
    detector = MigrationAutodetector(ProjectState(), ProjectState(), MigrationQuestioner())
    return detector.arrange_for_graph(changes, leaves, name, [c.label for c in configs])


def _acknowledge_data_loss(
    loader: MigrationLoader, changes: dict[str, list[Migration]], questioner: MigrationQuestioner
) -> None:
    """Ask once whether the new operations that destroy stored data are meant to, and if so
    write them with ``acknowledge=["data-loss"]``."""
    from schemashift.migrations.data_loss import DATA_LOSS, new_losses

    if not changes:
        return
    losses = new_losses(loader.project_state(), changes)
    if not losses:
        return
    lines = [f"{migration.app_label}.{migration.name}: {loss}" for migration, _, loss in losses]
    if questioner.ask_data_loss(lines):
        for _, operation, _ in losses:
            operation.acknowledged = operation.acknowledged | {DATA_LOSS}


def _has_migrations_package(label: str) -> bool:
    return (apps.get_app_config(label).migrations_path / "__init__.py").exists()


# -- migrate ----------------------------------------------------------------------------------


def migrate(
    app_label: str | None = None,
    target: str | None = None,
    *,
    database: str = "default",
    fake: bool = False,
    fake_initial: bool = False,
    adopt_django_history: bool = False,
    plan: bool = False,
    lock_timeout: float | None = None,
    progress: Callable[[MigrationEvent], None] | None = None,
    on_plan: Callable[[MigrationPlan], None] | None = None,
    on_wait: Callable[[str, float | None], None] | None = None,
    warn: Warn | None = None,
    stage: str | None = None,
    allow_data_loss: bool = False,
    allow_drift: bool = False,
) -> MigrateResult:
    """Bring the database to the latest migrations of ``app_label`` (default: every app).

    ``target`` names a migration of ``app_label`` (a unique prefix is enough) to migrate
    forwards or backwards to; "zero" unapplies them all. With ``plan``, only the plan is
    worked out. ``fake`` records the migrations without running them; ``fake_initial`` does so
    only for initial migrations whose tables (and added columns) all exist already.
    ``adopt_django_history`` first records the migrations that Django's ``django_migrations``
    table lists and schemashift also has, once the live tables are checked to match them
    (without it, such a database is refused with DjangoHistoryFound). Only one migrate runs
    at a time per database: ``lock_timeout`` seconds (default MIGRATION_LOCK_TIMEOUT) are
    waited for another one, and ``on_wait(database, timeout)`` is called when waiting starts.
    ``on_plan`` gets the plan before anything runs; ``progress`` each step.
    ``stage="expand"`` applies the migrations up to the first contract migration of a staged
    change (``makemigrations --staged``); ``stage="contract"`` applies the rest, and refuses
    while an expand migration it would need is not applied yet.
    Before anything runs, an operation that would destroy values the database holds is
    refused (DataLossRefused) unless its migration acknowledges it or ``allow_data_loss``;
    a narrowing change is refused when a stored value does not fit (``data_loss_gate.py``).
    Before changing anything, a migrate with migrations to run compares the tables the
    applied migrations own with the live ones and raises SchemaDrift if they differ (see
    ``drift``), unless ``allow_drift``; ``fake`` and ``plan`` do not compare.
    """
    settings = _checked_project()
    if target and not app_label:
        raise InvalidMigrationPlan(f"Name the app of the target migration '{target}'.")
    if stage not in (None, "expand", "contract"):
        raise InvalidMigrationPlan(f"The stage is 'expand' or 'contract', not '{stage}'.")
    if stage and target:
        raise InvalidMigrationPlan("Give a stage or a target migration, not both.")
    if app_label:
        _app_configs([app_label])
    simple = not (fake or fake_initial or adopt_django_history or plan or stage)
    if simple:
        settled = _settled(settings, database, app_label, target, on_plan, warn)
        if settled is not None:
            return settled
    from schemashift.db.connection import migration_lock
    from schemashift.migrations.executor import MigrationInterrupted

    timeout = settings.MIGRATION_LOCK_TIMEOUT if lock_timeout is None else lock_timeout
    with _open_database(database) as db:

        def say_waiting() -> None:
            if on_wait is not None:
                on_wait(db.alias, timeout)

        try:
            with migration_lock(db, timeout, on_wait=say_waiting):
                return _migrate(
                    db,
                    settings,
                    app_label,
                    target,
                    _MigrateOptions(
                        fake,
                        fake_initial,
                        adopt_django_history,
                        plan,
                        stage,
                        allow_data_loss,
                        allow_drift,
                    ),
                    progress,
                    on_plan,
                    warn,
                )
        except KeyboardInterrupt:
            # Ctrl-C before the executor started (it reports its own interruptions)
            raise MigrationInterrupted("Interrupted before any migration was run.") from None


def _settled(
    settings: Settings,
    database: str,
    app_label: str | None,
    target: str | None,
    on_plan: Callable[[MigrationPlan], None] | None,
    warn: Warn | None,
) -> MigrateResult | None:
    """The result of a migrate that has nothing to do, found without SQLAlchemy, the lock or
    the migration files that did not change; None when there may be something to do (a
    migration to run, a squash to record, a pre_migrate or post_migrate receiver to call).

    Nothing is written, so not taking the lock is safe: a migrate running meanwhile could only
    be one that started after this one looked.
    """
    from schemashift.db.history_read import read_history
    from schemashift.migrations.graph import migration_plan

    if _has_migrate_receivers():
        return None
    history = read_history(settings.database_url(database), settings.MIGRATIONS_TABLE)
    if history is None:
        return None
    recorded = set(history.applied)
    loader = _load_migrations(None, recorded, cached=True)
    loader.check_consistent_history(recorded)
    applied = set(loader.applied)
    targets = _targets(loader, app_label, target)
    if migration_plan(loader.graph, targets, applied):
        return None
    if any(key in applied and key not in recorded for key in loader.replacements):
        return None
    _warn_ignored_migrations(loader, warn)
    _warn_changed_migrations(loader, history.checksums, database, warn)
    plan = MigrationPlan((), tuple(targets), tuple(sorted(loader.migrated_apps)))
    if on_plan is not None:
        on_plan(plan)
    changes = tuple(_unmigrated_changes(loader, warn))
    return MigrateResult(
        plan, was_run=True, was_faked=False, unmigrated_changes=changes, settled=True
    )


def _has_migrate_receivers() -> bool:
    from schemashift.models.signals import post_migrate, pre_migrate

    return any(
        signal.has_listeners(config)
        for config in apps.get_app_configs()
        if config.models_module is not None
        for signal in (pre_migrate, post_migrate)
    )


def _lock_waits(settings: Settings) -> Any:
    from schemashift.migrations.lock_retry import LockWaits

    return LockWaits(settings.MIGRATION_DDL_LOCK_TIMEOUT, settings.MIGRATION_DDL_LOCK_RETRIES)


@dataclass(frozen=True)
class _MigrateOptions:
    fake: bool = False
    fake_initial: bool = False
    adopt_django_history: bool = False
    plan_only: bool = False
    stage: str | None = None
    allow_data_loss: bool = False
    allow_drift: bool = False


def _migrate(
    db: Any,
    settings: Settings,
    app_label: str | None,
    target: str | None,
    options: _MigrateOptions,
    progress: Callable[[MigrationEvent], None] | None,
    on_plan: Callable[[MigrationPlan], None] | None,
    warn: Warn | None,
) -> MigrateResult:
    from schemashift.migrations.data_loss_gate import (
        DeferredLosses,
        check_data_loss,
        planned_losses,
    )
    from schemashift.migrations.executor import MigrationExecutor

    fake, plan_only = options.fake, options.plan_only
    recorder = _recorder(db, settings)
    applied = set(recorder.applied_migrations())
    loader = _load_migrations(warn, applied)
    loader.check_consistent_history(applied)
    # A squash counts as applied once every migration it replaces is.
    applied = set(loader.applied)
    checksums = recorder.recorded_checksums() if warn is not None else {}
    _warn_changed_migrations(loader, checksums, db.alias, warn)
    # Every migration file must make sense before anything runs: a broken operation in the
    # last migration must not leave the first ones applied.
    final = loader.project_state()
    targets = _targets(loader, app_label, target)
    waits = _lock_waits(settings)
    executor = MigrationExecutor(db, loader, recorder, waits)
    executor.remember_state(set(loader.graph.nodes), final)
    steps = executor.plan(targets, applied)
    if steps and not (fake or plan_only or options.allow_drift):
        # a run killed inside a migration that is not atomic may leave it without a
        # progress note: the first step's tables are the resume logic's to judge too
        first = steps[0].migration
        unsettled = [] if executor.runs_atomically(first) else [first.key]
        _refuse_drift(db, loader, recorder, executor.state_of(applied), unsettled)
    adopted = _django_history(db, loader, recorder, applied, steps, options, warn)
    if adopted:
        applied |= set(adopted)
        loader = _load_migrations(warn, applied)
        applied = set(loader.applied)
        targets = _targets(loader, app_label, target)
        executor = MigrationExecutor(db, loader, recorder, waits)
        steps = executor.plan(targets, applied)
    adopted_names = tuple(f"{app}.{name}" for app, name in adopted)
    steps, held_back = _staged_steps(steps, options.stage)
    losses = planned_losses(executor, steps, applied, options.allow_data_loss)
    lints = _lint_plan(db, loader, steps, warn) if plan_only else {}
    plan = MigrationPlan(
        tuple(_planned(step.migration, step.backwards, losses, lints) for step in steps),
        tuple(targets),
        tuple(sorted(loader.migrated_apps)),
        adopted_names,
    )
    if plan_only:
        return MigrateResult(
            plan, was_run=False, was_faked=False, adopted=adopted_names, held_back=held_back
        )
    deferred = DeferredLosses()
    if not fake:
        deferred = check_data_loss(db, losses)
    if on_plan is not None:
        on_plan(plan)
    after = set(applied)
    for step in steps:
        (after.discard if step.backwards else after.add)(step.migration.key)
    signalled = _MigrateSignals(db.alias, [(s.migration, s.backwards) for s in steps])
    signalled.before(lambda: executor.state_of(applied).apps)
    if not steps:
        if not fake:
            executor.record_replacements()
        signalled.after(lambda: executor.state_of(after).apps)
        changes = tuple(_unmigrated_changes(loader, warn))
        return MigrateResult(plan, True, fake, changes, adopted_names, held_back)
    if not fake:
        # read once the pre_migrate receivers have run: a table they made or filled counts
        executor.rows = deferred.rows = _row_watch(db, recorder)

    def notify(kind: str, migration: Migration, detail: Any = None) -> None:
        if deferred and kind in ("apply_start", "unapply_start"):
            deferred.check(db, migration)
        if progress is not None:
            done = executor.partial.get(migration.key, ("", 0))[1]
            progress(_migration_event(kind, migration, done, detail))

    executor.migrate(steps, applied, fake=fake, fake_initial=options.fake_initial, progress=notify)
    executor.record_replacements()
    signalled.after(lambda: executor.state_of(after).apps)
    return MigrateResult(
        plan, was_run=True, was_faked=fake, adopted=adopted_names, held_back=held_back
    )


def _row_watch(db: Any, recorder: Any) -> RowWatch:
    """Whether the run begins on a database with tables besides the recorder's (the history
    and progress tables)."""
    from schemashift.db.connection import editor_class
    from schemashift.migrations.row_watch import RowWatch

    bookkeeping = (recorder.table.name, recorder.progress.name)
    with db.connect() as connection:
        try:
            tables = set(editor_class(db.dialect_name).table_names(connection))
        finally:
            connection.rollback()
    return RowWatch.began_empty(tables, bookkeeping)


def _migration_event(kind: str, migration: Migration, done: int, detail: Any) -> MigrationEvent:
    """The event of what the executor reported, its detail in the field that names it."""
    if kind in ("operation_start", "operation_success"):
        number, operation = detail
        return MigrationEvent(kind, migration, done, operation=operation, operation_number=number)
    if kind == "statement":
        return MigrationEvent(kind, migration, done, sql=detail)
    return MigrationEvent(kind, migration, done, backfill=detail)


def _refuse_drift(
    db: Any, loader: MigrationLoader, recorder: Any, state: Any, unsettled: list[Key]
) -> None:
    """Raise SchemaDrift if the tables the applied migrations own differ from the live ones;
    the tables of a migration an earlier run left half-done (and of the ``unsettled`` ones)
    are the resume logic's to judge."""
    from schemashift.migrations.drift import managed_drift, partial_tables, refusal

    # one read transaction: every table is read as it stood at one moment, and the reads of
    # each table do not open and close a transaction of their own
    with db.connect() as connection, connection.begin():
        partial = [*recorder.partial_migrations(connection), *unsettled]
        skip = partial_tables(loader, partial, connection.dialect)
        differences = managed_drift(connection, state, skip=skip)
    if differences:
        raise refusal(differences, db.alias)


def _staged_steps(steps: list[Any], stage: str | None) -> tuple[list[Any], tuple[str, ...]]:
    """The steps a stage runs, and the contract migrations it leaves for later."""
    from schemashift.migrations.operations.staged import stage_of

    def stages(step: Any) -> set[str]:
        return {stage_of(operation) for operation in step.migration.operations}

    if stage is None or any(step.backwards for step in steps):
        return steps, ()
    if stage == "contract":
        for step in steps:
            if "expand" in stages(step):
                app, name = step.migration.key
                raise InvalidMigrationPlan(
                    f"{app}.{name} expands a staged change and is not applied yet: run migrate "
                    "--stage expand, deploy the app version that uses the change, then migrate "
                    "--stage contract."
                )
        return steps, ()
    for position, step in enumerate(steps):
        if "contract" in stages(step):
            held = tuple(f"{s.migration.app_label}.{s.migration.name}" for s in steps[position:])
            return steps[:position], held
    return steps, ()


@dataclass(frozen=True)
class _MigrateSignals:
    """``pre_migrate`` and ``post_migrate`` of one run; the ``apps`` they pass is worked out
    only when a receiver uses it."""

    alias: str
    plan: list[tuple[Migration, bool]]

    def before(self, make_apps: Callable[[], Any]) -> None:
        from schemashift.core.management.sql import emit_pre_migrate_signal

        emit_pre_migrate_signal(1, False, self.alias, apps=_LazyApps(make_apps), plan=self.plan)

    def after(self, make_apps: Callable[[], Any]) -> None:
        from schemashift.core.management.sql import emit_post_migrate_signal

        emit_post_migrate_signal(1, False, self.alias, apps=_LazyApps(make_apps), plan=self.plan)


class _LazyApps:
    """The historical models of a migration state, made on first use."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self._make = make
        self._apps: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._apps is None:
            self._apps = self._make()
        return getattr(self._apps, name)


def _django_history(
    db: Any,
    loader: MigrationLoader,
    recorder: Any,
    applied: set[Key],
    steps: list[Any],
    options: _MigrateOptions,
    warn: Warn | None,
) -> list[Key]:
    """Adopt the migrations Django recorded (with the option), or refuse to run them again.

    Returns the adopted keys; with ``plan_only`` nothing is written: the keys Django
    recorded are treated as applied with the option, and warned about without it.
    """
    from schemashift.migrations.adoption import adopt, read_django_history, refuse_unadopted

    if not steps and not options.adopt_django_history:
        return []
    with db.connect() as connection:
        history = read_django_history(connection, loader)
        if not options.adopt_django_history:
            planned = {step.migration.key for step in steps if not step.backwards}
            try:
                refuse_unadopted(history, applied, planned, db.alias)
            except SchemashiftError as refusal:
                if not options.plan_only:
                    raise
                if warn is not None:
                    warn(f"Warning: {refusal}")
            return []
        if options.plan_only:
            return list(history.to_adopt(applied))
        return adopt(connection, loader, recorder, history, applied, db.alias)


def _targets(
    loader: MigrationLoader, app_label: str | None, name: str | None
) -> list[tuple[str, str | None]]:
    if app_label and name:
        if name == "zero":
            return [(app_label, None)]
        return [loader.get_migration_by_prefix(app_label, name).key]
    if app_label:
        _require_migrations(loader, app_label)
        return list(loader.graph.leaf_nodes(app_label))
    return list(loader.graph.leaf_nodes())


def _planned(
    migration: Migration,
    backwards: bool,
    losses: list[Any],
    lints: dict[Key, tuple[Finding, ...]] | None = None,
) -> PlannedMigration:
    found: dict[int, list[Any]] = {}
    for planned in losses:
        if planned.step.migration is migration:
            found.setdefault(planned.index, []).append(planned)
    indexes = list(range(len(migration.operations)))
    if backwards:
        indexes.reverse()
    findings = (lints or {}).get(migration.key, ())
    return PlannedMigration(
        migration.app_label,
        migration.name,
        backwards,
        tuple(
            _planned_operation(
                migration.operations[i],
                found.get(i, []),
                tuple(f for f in findings if f.operation_index == i + 1),
            )
            for i in indexes
        ),
    )


def _planned_operation(
    operation: Operation, losses: list[Any], findings: tuple[Finding, ...] = ()
) -> PlannedOperation:
    return PlannedOperation(
        operation.describe(),
        operation.reversible,
        operation.is_destructive,
        tuple(planned.loss.reason for planned in losses),
        all(planned.is_allowed for planned in losses),
        findings,
    )


def _unmigrated_changes(loader: MigrationLoader, warn: Warn | None) -> list[str]:
    """The migrated apps whose models changed since their last migration."""
    from schemashift.migrations.questioner import NonInteractiveMigrationQuestioner

    questioner = NonInteractiveMigrationQuestioner(dry_run=True, log=warn or _ignore)
    changes = _model_changes(loader, questioner)
    return sorted(label for label in changes if label in loader.migrated_apps)


# -- migrate --prune --------------------------------------------------------------------------


def prune_migrations(
    app_label: str | None,
    *,
    database: str = "default",
    lock_timeout: float | None = None,
    on_wait: Callable[[str, float | None], None] | None = None,
    warn: Warn | None = None,
) -> list[str]:
    """Delete the history rows of ``app_label``'s migrations recorded as applied whose files
    no longer exist; ``app.name`` of each row deleted, sorted (Django's ``migrate --prune``).

    The app must be named and have migrations. Refused (MigrationError), deleting nothing,
    while a squash on disk still lists one of those migrations in its ``replaces``: remove
    ``replaces`` once the squash is recorded as applied everywhere. Runs under the migration
    lock, as migrate does (``lock_timeout``, ``on_wait``).
    """
    from schemashift.db.connection import migration_lock

    settings = _checked_project()
    if not app_label:
        raise CommandError("Migrations can be pruned only when an app is specified.")
    _app_configs([app_label])
    timeout = settings.MIGRATION_LOCK_TIMEOUT if lock_timeout is None else lock_timeout
    with _open_database(database) as db:

        def say_waiting() -> None:
            if on_wait is not None:
                on_wait(db.alias, timeout)

        with migration_lock(db, timeout, on_wait=say_waiting):
            recorder = _recorder(db, settings)
            applied = set(recorder.applied_migrations())
            loader = _load_migrations(warn, applied)
            loader.check_consistent_history(applied, db.alias)
            _require_migrations(loader, app_label)
            to_prune = sorted(
                key for key in loader.applied - set(loader.disk_migrations) if key[0] == app_label
            )
            _refuse_pruning_replaced(loader, to_prune)
            with db.connect() as connection, connection.begin():
                for app, name in to_prune:
                    recorder.record_unapplied(app, name, connection)
                    recorder.clear_progress(app, name, connection)
    return [f"{app}.{name}" for app, name in to_prune]


def _refuse_pruning_replaced(loader: MigrationLoader, to_prune: list[Key]) -> None:
    """Django's rule: a squash still naming a pruned migration in ``replaces`` may not be
    recorded as applied yet; its rows must stay."""
    pruned = set(to_prune)
    squashes = sorted(
        key
        for key, squash in loader.replacements.items()
        if any(tuple(replaced) in pruned for replaced in squash.replaces)
    )
    if squashes:
        listed = ", ".join(f"{app}.{name}" for app, name in squashes)
        raise MigrationError(
            "Cannot use --prune because the following squashed migrations have their "
            f"'replaces' attributes and may not be recorded as applied: {listed}. Re-run "
            "migrate if they are not marked as applied, and remove 'replaces' attributes in "
            "their Migration classes."
        )


# -- showmigrations ---------------------------------------------------------------------------


def showmigrations(
    *app_labels: str, database: str = "default", warn: Warn | None = None
) -> dict[str, list[tuple[str, bool]]]:
    """Each app's migrations in the order they apply, each with whether it is applied.

    Apps in the order given (default: every installed app); an app without migrations maps
    to an empty list.
    """
    labels, loader, applied = _migration_status(app_labels, database, warn)
    graph = loader.graph
    shown: dict[str, list[tuple[str, bool]]] = {}
    for label in labels:
        keys = graph.forwards_plan_for(graph.leaf_nodes(label))
        shown[label] = [(key[1], key in applied) for key in keys if key[0] == label]
    return shown


def showmigrations_plan(
    *app_labels: str, database: str = "default", warn: Warn | None = None
) -> list[tuple[str, str, bool]]:
    """``(app_label, name, is_applied)`` of every migration of the apps, in the order that
    migrate applies them."""
    labels, loader, applied = _migration_status(app_labels, database, warn)
    graph = loader.graph
    return [
        (key[0], key[1], key in applied)
        for key in graph.forwards_plan_for(graph.leaf_nodes())
        if key[0] in labels
    ]


def _migration_status(
    app_labels: tuple[str, ...], database: str, warn: Warn | None
) -> tuple[list[str], MigrationLoader, set[Key]]:
    from schemashift.migrations.loader import MigrationLoader

    settings = _checked_project()
    configs = _app_configs(app_labels) if app_labels else apps.get_app_configs()
    applied, checksums = _history(database, settings)
    loader = MigrationLoader(apps.get_app_configs(), applied=applied, cached=True)
    _warn_ignored_migrations(loader, warn)
    _warn_changed_migrations(loader, checksums, database, warn)
    # a squash shows as applied once every migration it replaces is
    return [config.label for config in configs], loader, set(loader.applied)


# -- pictures ---------------------------------------------------------------------------------


def migration_graph(
    *app_labels: str,
    database: str | None = "default",
    warn: Warn | None = None,
) -> MigrationPicture:
    """The migrations of the apps (default: every app) and those of other apps linked to them
    by a dependency, with their dependencies and squashes.

    Each migration is marked applied or not from the history table of ``database``; with
    ``database=None``, or where that database cannot be read or does not exist yet (a warning
    says which), nothing is marked.
    """
    from schemashift.migrations.loader import MigrationLoader
    from schemashift.pictures.migration_graph import migration_picture

    settings = _checked_project()
    configs = _app_configs(app_labels) if app_labels else apps.get_app_configs()
    applied = _recorded_or_none(database, settings, warn) if database is not None else None
    loader = MigrationLoader(apps.get_app_configs(), applied=applied)
    _warn_ignored_migrations(loader, warn)
    return migration_picture(loader, [config.label for config in configs], applied is not None)


def _recorded_or_none(alias: str, settings: Settings, warn: Warn | None) -> set[Key] | None:
    """The migrations the history table records, or None (and a warning) where the database
    cannot be read. A SQLite file that does not exist is not created."""
    from schemashift.db.connection import get_database

    say = warn or _ignore
    database = get_database(alias)
    where = f"Database '{alias}' ({database.display_url})"
    try:
        path = database.sqlite_path
        if path is not None and not path.exists():
            say(f"{where} does not exist yet: no migration is marked applied.")
            return None
        _check_readable(database)
        return set(_recorder(database, settings).applied_migrations())
    except DatabaseError as exc:
        say(f"{exc} No migration is marked applied.")
        return None
    finally:
        database.dispose()


def entity_diagram(*app_labels: str, database: str = "default") -> EntityDiagram:
    """The tables of the apps' models (default: every app), each column with the SQL type it
    has on ``database``'s backend, and the foreign keys between them. Nothing is connected."""
    from schemashift.db.connection import get_database
    from schemashift.migrations.state import ProjectState
    from schemashift.pictures.entities import entity_diagram as diagram_of

    _checked_project()
    configs = _app_configs(app_labels) if app_labels else apps.get_app_configs()
    db = get_database(database)
    try:
        editor = db.backend.schema_editor(dialect=db.dialect)
        state = ProjectState.from_apps(apps)
        return diagram_of(state, [config.label for config in configs], editor)
    finally:
        db.dispose()


# -- sqlmigrate -------------------------------------------------------------------------------


def sqlmigrate(
    app_label: str,
    name: str,
    *,
    backwards: bool = False,
    database: str = "default",
    warn: Warn | None = None,
) -> str:
    """The SQL that migrate would run for one migration (``name``: a unique prefix is enough).

    Statements one per line, inside ``BEGIN;`` and ``COMMIT;`` where the migration runs in
    one transaction. Nothing is run.
    """
    script = sqlmigrate_script(app_label, name, backwards=backwards, database=database, warn=warn)
    return "\n".join(script.lines())


def sqlmigrate_script(
    app_label: str,
    name: str,
    *,
    backwards: bool = False,
    database: str = "default",
    warn: Warn | None = None,
) -> MigrationSQL:
    """What ``sqlmigrate`` prints, as data: each operation's statements and the lock each
    takes, and whether they run in one transaction. Nothing is run."""
    from schemashift.migrations.executor import MigrationExecutor

    settings = _checked_project()
    _app_configs([app_label])
    loader = _load_migrations(warn)
    _require_migrations(loader, app_label)
    migration = loader.get_migration_by_prefix(app_label, name)
    with _open_database(database) as db:
        executor = MigrationExecutor(db, loader, _recorder(db, settings))
        return executor.sql_script(migration, backwards=backwards)


# -- lint -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LintResult:
    """What ``lint`` found: every finding (acknowledged ones marked), the server the SQL was
    judged for, and the migrations read (``app.name``)."""

    findings: tuple[Finding, ...]
    server: str
    migrations: tuple[str, ...]

    def reported(self, with_acknowledged: bool = False) -> list[Finding]:
        return [f for f in self.findings if with_acknowledged or not f.acknowledged]

    def fails(self, fail_on: str = "error") -> bool:
        """Whether a finding not acknowledged is an error (or, ``fail_on="warning"``, any)."""
        return any(f.is_error or fail_on == "warning" for f in self.reported())


def lint(
    app_label: str | None = None,
    migration_name: str | None = None,
    *,
    database: str | None = None,
    server: str | None = None,
    rows_threshold: int | None = None,
    warn: Warn | None = None,
) -> LintResult:
    """Run the lint rules over migrations: one (``migration_name``, a unique prefix is
    enough), an app's, or those of every app of the project (not installed packages).

    The SQL is judged for ``server`` (``"postgresql:14"``), or, with ``database`` (an alias),
    for that database's server, whose table sizes then decide whether a long lock is an error
    (from ``rows_threshold`` rows, default the LINT_ROWS setting, 10,000) or a warning; only
    the migrations not applied there are read unless one is named. Without either, the
    default database's backend at the oldest version supported. Nothing is changed.
    """
    from schemashift.migrations.lint import Target, lint_migrations

    settings = _checked_project()
    if database is not None and server is not None:
        raise CommandError("Give --database or --server, not both.")
    if app_label:
        _app_configs([app_label])
    loader = _load_migrations(warn)
    keys = _lint_keys(loader, app_label, migration_name, settings)
    threshold = _lint_rows(settings) if rows_threshold is None else rows_threshold
    if database is None:
        target = Target.parse(server) if server else _default_target(settings)
        findings = lint_migrations(loader, keys, target, rows_threshold=threshold)
    else:
        with _open_database(database) as db:
            if not migration_name:
                keys -= set(_recorder(db, settings).applied_migrations())
            with db.connect() as connection:
                target = Target.of_dialect(connection.dialect)
                findings = lint_migrations(loader, keys, target, connection, threshold)
    order = loader.graph.forwards_plan_for(sorted(keys)) if keys else []
    linted = tuple(f"{app}.{name}" for app, name in order if (app, name) in keys)
    return LintResult(tuple(findings), str(target), linted)


def _lint_keys(
    loader: MigrationLoader, app_label: str | None, name: str | None, settings: Settings
) -> set[Key]:
    if app_label and name:
        return {loader.get_migration_by_prefix(app_label, name).key}
    if app_label:
        _require_migrations(loader, app_label)
        return {key for key in loader.graph.nodes if key[0] == app_label}
    base = Path(settings.BASE_DIR).resolve()
    project_apps = {
        config.label
        for config in apps.get_app_configs()
        if config.path.resolve().is_relative_to(base)
    }
    return {key for key in loader.graph.nodes if key[0] in project_apps}


def _lint_rows(settings: Settings) -> int:
    from schemashift.migrations.lint.context import DEFAULT_ROWS_THRESHOLD

    value = getattr(settings, "LINT_ROWS", DEFAULT_ROWS_THRESHOLD)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ImproperlyConfigured(f"LINT_ROWS must be a whole number (0 or more), not {value!r}.")
    return value


def _default_target(settings: Settings) -> Any:
    """The default database's backend at the oldest version supported (no connection)."""
    from schemashift.migrations.lint import Target

    return Target.conservative(settings.database_url("default"))


def _lint_new_migrations(
    loader: MigrationLoader, migrations: list[Migration], warn: Warn | None
) -> dict[Key, tuple[Finding, ...]]:
    """The findings of migrations makemigrations made, not yet on disk; none when the lint
    cannot read them (said through ``warn``), so that the files are written all the same."""
    from schemashift.migrations.lint import lint_new_migrations

    try:
        target = _default_target(conf.get_settings())
    except SchemashiftError:
        return {}
    try:
        return lint_new_migrations(migrations, loader.project_state(), target)
    except Exception as exc:  # the lint is advice: the migrations are written regardless
        if warn is not None:
            warn(f"Warning: lint could not read the new migrations: {exc}")
        return {}


def _lint_plan(
    db: Any, loader: MigrationLoader, steps: list[Any], warn: Warn | None
) -> dict[Key, tuple[Finding, ...]]:
    """The findings of each migration a plan applies, on the database's server and table
    sizes; none when the lint cannot read them (said through ``warn``)."""
    from schemashift.migrations.data_loss import DATA_LOSS
    from schemashift.migrations.lint import Target, lint_migration

    found: dict[Key, tuple[Finding, ...]] = {}
    try:
        threshold = _lint_rows(conf.get_settings())
        with db.connect() as connection:
            target = Target.of_dialect(connection.dialect)
            for step in steps:
                if step.backwards:
                    continue
                migration = step.migration
                state = loader.project_state([migration.key], at_end=False)
                # the plan tells data loss itself (``PlannedOperation.data_loss``)
                found[migration.key] = tuple(
                    f
                    for f in lint_migration(migration, state, target, connection, threshold)
                    if not f.acknowledged and f.rule != DATA_LOSS
                )
    except Exception as exc:  # the lint is advice: the plan is shown regardless
        if warn is not None:
            warn(f"Warning: lint could not read the plan: {exc}")
    return found


# -- squashmigrations -------------------------------------------------------------------------


@dataclass(frozen=True)
class SquashResult:
    """The squashed migration squashmigrations wrote (or would have, if not ``written``)."""

    app_label: str
    name: str
    path: Path
    #: the names of the migrations it replaces, in order
    replaces: tuple[str, ...]
    #: operations in those migrations, and in the squash
    operations_before: int
    operations_after: int
    #: elidable operations left out
    elided: int
    #: ``module.function`` of each RunPython function copied into the file
    copied_functions: tuple[str, ...]
    #: the backend of the scratch databases the squash is checked on; None with verify=False
    checked_on: str | None
    #: False when ``confirm`` said no: nothing was built or written
    written: bool


def squashmigrations(
    app_label: str,
    end: str,
    *,
    start: str | None = None,
    squashed_name: str | None = None,
    optimize: bool = True,
    verify: bool = True,
    include_header: bool = True,
    database: str = "default",
    confirm: Callable[[list[str]], bool] | None = None,
    on_built: Callable[[SquashResult], None] | None = None,
    warn: Warn | None = None,
) -> SquashResult:
    """Squash the migrations of ``app_label`` from ``start`` (default: the first) to ``end``
    into one migration file with ``replaces`` (names: a unique prefix is enough).

    ``confirm`` gets the names to squash and may say no; ``on_built`` gets the result once
    the squash is made, before it is checked and written. Unless ``verify`` is False, the
    range and the squash are first applied to two scratch databases of ``database``'s backend
    (``checked_on``) and their schemas compared: a difference raises SquashMismatch and
    nothing is written. ``optimize=False`` keeps the operations as they are (elidable ones
    are left out either way).
    """
    from schemashift.migrations.squasher import build_squash, load_squash, squash_range
    from schemashift.migrations.writer import MigrationWriter

    settings = _checked_project()
    (config,) = _app_configs([app_label])
    if squashed_name is not None and not squashed_name.isidentifier():
        raise SchemashiftError(
            f"The squashed name '{squashed_name}' must be a valid Python identifier."
        )
    loader = _load_migrations(warn)
    chosen = squash_range(loader, app_label, start, end)
    names = [migration.name for migration in chosen.migrations]
    auth_user_model = getattr(settings, "AUTH_USER_MODEL", None)
    squash = build_squash(
        chosen, config.migrations_module, squashed_name, optimize, auth_user_model
    )
    path = MigrationWriter(squash.migration).path(config)
    result = SquashResult(
        app_label,
        squash.migration.name,
        path,
        tuple(names),
        squash.operations_before,
        len(squash.migration.operations),
        squash.elided,
        tuple(squash.copied.functions),
        None,
        written=False,
    )
    if confirm is not None and not confirm(names):
        return result
    if path.exists() or squash.migration.key in loader.disk_migrations:
        raise CommandError(
            f"Migration {squash.migration.name} already exists ({_shown(path)}). Use a "
            "different name (--squashed-name)."
        )
    source = squash.source(include_header)
    loaded = load_squash(source, path, config.migrations_module, squash)
    url = settings.database_url(database)
    if verify:
        result = replace(result, checked_on=url.partition(":")[0].partition("+")[0])
    if on_built is not None:
        on_built(result)
    if verify:
        from schemashift.migrations.squash_check import check_squash

        check_squash(loader, chosen, loaded, url, settings.MIGRATIONS_TABLE)
    _write_new_file(path, source, f"{config.migrations_module}.{squash.migration.name}")
    return replace(result, written=True)


def _write_new_file(path: Path, source: str, module: str) -> None:
    """Write a migration file that the next loader in this process imports afresh."""
    import importlib
    import importlib.util
    import sys

    path.write_text(source, encoding="utf-8")
    Path(importlib.util.cache_from_source(str(path))).unlink(missing_ok=True)
    sys.modules.pop(module, None)
    importlib.invalidate_caches()


# -- check ------------------------------------------------------------------------------------


def check(databases: list[str] | tuple[str, ...] = ()) -> list[CheckMessage]:
    """The problems the system checks find in the installed models (errors and warnings).

    With ``databases`` (aliases), also what their constraints and indexes ask of each database
    that it cannot do (models.W036 and the others), as Django's ``check --database``, and
    which migrations each has applied whose files were changed since (migrations.E001). The
    messages are returned, not raised: ``message.is_error`` tells which would stop the other
    commands.
    """
    conf.get_settings()
    messages = check_models(apps.get_models())
    for alias in databases:
        messages.extend(_database_support_warnings(alias))
        messages.extend(_changed_migration_errors(alias))
    return messages


def _database_support_warnings(alias: str) -> list[CheckMessage]:
    from schemashift.checks.constraint_checks import check_database_support
    from schemashift.db.connection import get_database

    database = get_database(alias)
    try:
        with database.connect():  # the server's version decides some of what it supports
            pass
        editor = database.backend.schema_editor(dialect=database.dialect)
        return check_database_support(apps.get_models(), editor)
    finally:
        database.dispose()


def _changed_migration_errors(alias: str) -> list[CheckMessage]:
    """migrations.E001 for each migration the database applied whose file changed since."""
    from schemashift.check_messages import Error
    from schemashift.migrations.checksum import changed_migrations
    from schemashift.migrations.loader import MigrationLoader

    settings = conf.get_settings()
    checksums = _history(alias, settings)[1]
    if not checksums:
        return []
    loader = MigrationLoader(apps.get_app_configs(), load=False, cached=True)
    loader.load_disk()
    table = settings.MIGRATIONS_TABLE
    return [
        Error(
            f"Migration {changed.describe(alias)}.",
            id="migrations.E001",
            hint=(
                "Undo the edit and make the change in a new migration (makemigrations). If the "
                "edit changes nothing the database has, forget the recorded checksum: UPDATE "
                f"{table} SET checksum = NULL WHERE app = '{changed.app_label}' AND name = "
                f"'{changed.name}'."
            ),
        )
        for changed in changed_migrations(checksums, loader.disk_migrations)
    ]


# -- drift ------------------------------------------------------------------------------------


def drift(database: str = "default", *, warn: Warn | None = None) -> list[Difference]:
    """How the live schema of ``database`` differs from what its applied migrations imply.

    Each ``Difference`` is plain data with ``describe()``: a table, column (type, NULL,
    default), index, unique group, check constraint or foreign key one side has and the
    other lacks or has otherwise, in the tables the history owns (those of its models, and
    tables named with a migrated app's prefix, ``polls_``). An empty list: no drift. A
    database without a history table is compared with no migration applied, and ``warn`` is
    told so.
    """
    from schemashift.migrations.drift import find_drift
    from schemashift.migrations.executor import MigrationExecutor

    settings = conf.get_settings()
    with _open_database(database) as db:
        recorder = _recorder(db, settings)
        with db.connect() as connection:
            if not recorder.has_table(connection) and warn is not None:
                warn(
                    f"Database '{db.alias}' has no history table ({settings.MIGRATIONS_TABLE}): "
                    "no migration is applied to it, so any table named after a migrated app "
                    "is drift."
                )
            applied = set(recorder.applied_migrations(connection))
            loader = _load_migrations(warn, applied)
            state = MigrationExecutor(db, loader, recorder).state_of(applied)
            return find_drift(
                connection,
                state,
                migrated_apps=loader.migrated_apps,
                installed_apps=list(apps.app_configs),
                history_table=settings.MIGRATIONS_TABLE,
            )


# -- what the commands share ------------------------------------------------------------------


def _checked_project() -> Settings:
    """The settings of the set-up project, once the models pass the system checks."""
    settings = conf.get_settings()
    run_checks(apps.get_models())
    return settings


def _app_configs(labels: tuple[str, ...] | list[str]) -> list[AppConfig]:
    """The configs of the named apps, with one clear error for any unknown label."""
    unknown = [label for label in labels if label not in apps.app_configs]
    if unknown:
        names = ", ".join(f"'{label}'" for label in unknown)
        raise AppNotFound(f"App {names} could not be found. Is it in INSTALLED_APPS?")
    return [apps.get_app_config(label) for label in labels]


def _require_migrations(loader: MigrationLoader, app_label: str) -> None:
    if app_label not in loader.migrated_apps:
        raise NodeNotFoundError(f"App '{app_label}' does not have migrations.")


def _load_migrations(
    warn: Warn | None,
    applied: set[Key] | None = None,
    conflicts_in: tuple[str, ...] = (),
    cached: bool = False,
) -> MigrationLoader:
    """Every installed app's migrations, as a checked graph without conflicts (in the apps
    ``conflicts_in``, when given); ``cached`` for a command that only reads them."""
    from schemashift.migrations.loader import MigrationLoader

    loader = MigrationLoader(apps.get_app_configs(), applied=applied, cached=cached)
    _warn_ignored_migrations(loader, warn)
    loader.check_no_conflicts(conflicts_in)
    return loader


def _warn_ignored_migrations(loader: MigrationLoader, warn: Warn | None) -> None:
    """Say so when an app's migration files are ignored for want of ``__init__.py``.

    As in Django, a migrations folder without one leaves the app unmigrated; its files would
    otherwise be skipped without a word.
    """
    if warn is None:
        return
    for label in sorted(loader.unmigrated_apps):
        folder = apps.get_app_config(label).migrations_path
        if not folder.is_dir() or (folder / "__init__.py").exists():
            continue
        if any(path.name[:1].isdigit() for path in folder.glob("*.py")):
            warn(
                f"Warning: the migrations of app '{label}' are ignored: {_shown(folder)} has no "
                f"__init__.py. Add an empty {_shown(folder / '__init__.py')}."
            )


def _warn_changed_migrations(
    loader: MigrationLoader, checksums: dict[Key, str], alias: str, warn: Warn | None
) -> None:
    """One warning per applied migration whose file was changed since (``checksum.py``)."""
    if warn is None or not checksums:
        return
    from schemashift.migrations.checksum import changed_migrations

    for changed in changed_migrations(checksums, loader.disk_migrations):
        warn(f"Warning: migration {changed.describe(alias)}.")


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _app_leaves(loader: MigrationLoader) -> dict[str, str | None]:
    """Each installed app's latest migration name (None for an app without migrations)."""
    leaves: dict[str, str | None] = {}
    for config in apps.get_app_configs():
        app_leaf = loader.graph.leaf_nodes(config.label)
        leaves[config.label] = app_leaf[0][1] if app_leaf else None
    return leaves


def _model_changes(
    loader: MigrationLoader,
    questioner: MigrationQuestioner,
    app_labels: tuple[str, ...] = (),
    migration_name: str | None = None,
    staged: bool = False,
) -> dict[str, list[Migration]]:
    """New migrations, per app, for what the models changed since the migration files."""
    from schemashift.migrations.autodetector import MigrationAutodetector
    from schemashift.migrations.state import ProjectState

    current = ProjectState.from_apps(apps)
    if loader.models_unchanged(current):
        return {}
    detector = MigrationAutodetector(loader.project_state(), current, questioner)
    changes = detector.changes(
        graph_leaves=_app_leaves(loader),
        trim_to_apps=set(app_labels) or None,
        migration_name=migration_name,
        graph=loader.graph,
        staged=staged,
    )
    if not changes and not app_labels:
        loader.mark_unchanged(current)
    return changes


@contextmanager
def _open_database(alias: str) -> Iterator[Any]:
    """The database named by the alias, checked to be reachable and readable, then closed.

    SQLAlchemy is imported only now. A URL the driver refuses, a server that cannot be reached
    or a file that is not a SQLite database is a DatabaseError naming the alias and the URL.
    """
    from schemashift.db.connection import get_database

    database = get_database(alias)
    try:
        _check_readable(database)
        yield database
    finally:
        database.dispose()


def _check_readable(database: Any) -> None:
    from sqlalchemy import exc as sa_exc

    where = f"database '{database.alias}' ({database.display_url})"
    try:
        with database.connect() as connection:
            probe = database.backend.probe_sql
            if probe is not None:
                connection.exec_driver_sql(probe)
    except sa_exc.DBAPIError as exc:
        raise DatabaseError(
            f"Cannot read {where}: {exc.orig}. Check that DATABASES (or DATABASE_URL) names "
            "the right database."
        ) from exc
    except (AttributeError, LookupError, TypeError, ValueError) as exc:
        # What a driver raises for options it cannot use, such as PyMySQL for ?charset=nope.
        query = database.display_url.partition("?")[2]
        options = f" ({query})" if query else ""
        raise DatabaseError(
            f"Cannot connect to {where}: the driver refused the URL's options{options}: "
            f"{type(exc).__name__}: {exc}. Fix or remove the options after '?' in the URL."
        ) from exc


def _history(alias: str, settings: Settings) -> tuple[set[Key], dict[Key, str]]:
    """The applied migrations of a database and their recorded checksums: through the
    driver alone where it can (``db/history_read.py``), else through the recorder."""
    from schemashift.db.history_read import read_history

    history = read_history(settings.database_url(alias), settings.MIGRATIONS_TABLE)
    if history is not None:
        return set(history.applied), history.checksums
    with _open_database(alias) as db:
        recorder = _recorder(db, settings)
        return set(recorder.applied_migrations()), recorder.recorded_checksums()


def _recorder(database: Any, settings: Settings) -> Any:
    from schemashift.migrations.recorder import MigrationRecorder

    return MigrationRecorder(database, settings.MIGRATIONS_TABLE)


def _ignore(message: str) -> None:
    """A warning nobody asked to hear."""


# -- port -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PortedFile:
    """One Python file the port rewrites: its text before and after, and the names changed."""

    path: Path
    original: str
    ported: str
    changes: int
    #: (line, name) of what the ported file imports that schemashift does not provide
    missing: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class PortResult:
    """What ``port`` found: the files it rewrites (or would), and how many it read."""

    files: tuple[PortedFile, ...]
    scanned: int
    written: bool


def port(*paths: str | Path, write: bool = False) -> PortResult:
    """Rewrite the Django names of the ``.py`` files at ``paths`` (folders recursively) into
    schemashift's (``schemashift.porting``). Nothing is written unless ``write``; files are
    read and written as UTF-8 with their line endings kept.

    Raises CommandError naming the path for a missing path, a file that is not Python, or a
    file that cannot be read as Python tokens; with ``write``, nothing is written then.
    """
    from schemashift.porting import PortSyntaxError, missing_imports, port_source

    sources = _python_sources(paths)
    ported: list[PortedFile] = []
    for path in sources:
        try:
            original = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CommandError(f"{_shown(path)} is not UTF-8 text: {exc.reason}.") from None
        try:
            result = port_source(original)
        except PortSyntaxError as exc:
            raise CommandError(f"{_shown(path)} cannot be read as Python: {exc}.") from None
        if result.source != original:
            missing = tuple(missing_imports(result.source))
            ported.append(PortedFile(path, original, result.source, result.changes, missing))
    if write:
        for file in ported:
            file.path.write_bytes(file.ported.encode("utf-8"))
    return PortResult(tuple(ported), len(sources), write)


#: folder names ``port`` never walks into: caches, version control, installed packages
_SKIPPED_FOLDERS = frozenset({"__pycache__", "node_modules", "site-packages"})


def _python_sources(paths: tuple[str | Path, ...]) -> list[Path]:
    """The ``.py`` files named or found under the folders named, each once, in order."""
    found: dict[Path, None] = {}
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found.update(dict.fromkeys(_walk_python_files(path)))
        elif path.is_file():
            if path.suffix != ".py":
                raise CommandError(f"{_shown(path)} is not a Python file (.py).")
            found[path] = None
        else:
            raise CommandError(f"{_shown(path)} does not exist.")
    return list(found)


def _walk_python_files(folder: Path) -> Iterator[Path]:
    for entry in sorted(folder.iterdir()):
        if entry.is_dir():
            hidden = entry.name.startswith(".") or entry.name in _SKIPPED_FOLDERS
            if not hidden and not (entry / "pyvenv.cfg").exists():
                yield from _walk_python_files(entry)
        elif entry.suffix == ".py" and entry.is_file():
            yield entry
