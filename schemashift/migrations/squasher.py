"""A range of one app's migrations folded into one squashed migration, as Django squashes.

``squash_range(loader, app, start, end)`` picks the migrations (``start`` to ``end`` in the
order they apply; from the app's first without ``start``) and refuses what cannot be squashed.
``build_squash(...)`` makes the new Migration: the range's operations in order, elidable ones
dropped, optimized unless asked not to; ``replaces`` naming the range; the dependencies of the
range on migrations outside it; ``initial`` when the range starts at the app's first
migration; RunPython functions of migration files copied into it (``squash_code.py``).
"""

from __future__ import annotations

import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from schemashift.exceptions import InvalidMigrationPlan, MigrationError, NodeNotFoundError
from schemashift.migrations.graph import Key, label
from schemashift.migrations.loader import MigrationLoader
from schemashift.migrations.migration import Migration
from schemashift.migrations.optimizer import MigrationOptimizer
from schemashift.migrations.squash_code import CopiedCode, copy_functions
from schemashift.migrations.swappable import SETTING_DEPENDENCY, SwappableTuple
from schemashift.migrations.writer import MigrationWriter


@dataclass(frozen=True)
class SquashRange:
    """The migrations to squash, and the migrations outside them they need, in apply order."""

    app_label: str
    migrations: tuple[Migration, ...]
    #: every migration the range depends on, directly or not: applied before it
    prerequisites: tuple[Key, ...]
    #: whether the range starts at the app's first migration
    is_initial: bool
    #: whether the user named the first migration (it then names the squash)
    has_start: bool


@dataclass(frozen=True)
class Squash:
    """The squashed migration, with what its file holds besides the operations."""

    range: SquashRange
    migration: Migration
    #: operations in the range, and how many of them were elidable (dropped)
    operations_before: int
    elided: int
    copied: CopiedCode

    def source(self, include_header: bool = True) -> str:
        """The text of the migration file."""
        writer = MigrationWriter(
            self.migration, include_header, self.copied.source, self.copied.imports
        )
        return writer.as_string()


def squash_range(
    loader: MigrationLoader, app_label: str, start: str | None, end: str
) -> SquashRange:
    """The migrations from ``start`` (default: the app's first) to ``end``, both included.

    Refuses a range that does not exist, ``end`` before ``start``, a migration already
    replaced by a squash, a squash inside the range, and a range another app's migration
    would have to sit inside of.
    """
    if app_label not in loader.migrated_apps:
        raise NodeNotFoundError(
            f"App '{app_label}' does not have migrations (so squashmigrations on it makes no "
            "sense)."
        )
    end_migration = _find(loader, app_label, end)
    graph = loader.graph
    ancestors = graph.forwards_plan(end_migration.key)
    in_app = [key for key in ancestors if key[0] == app_label]
    if start is not None:
        start_migration = _find(loader, app_label, start)
        if start_migration.key not in in_app:
            raise InvalidMigrationPlan(
                f"Cannot squash from {start_migration} to {end_migration}: {start_migration} "
                f"does not come before {end_migration}. Have a look at: schemashift "
                f"showmigrations {app_label}"
            )
        in_app = in_app[in_app.index(start_migration.key) :]
    chosen = set(in_app)
    for key in in_app:
        if graph.nodes[key].replaces:
            raise MigrationError(
                f"You cannot squash squashed migrations: {label(key)} is one. Squash the "
                "migrations after it, or make it a normal migration first (remove its "
                "replaces once every database has applied it, and delete the migrations it "
                "lists)."
            )
    prerequisites = tuple(key for key in ancestors if key not in chosen)
    _refuse_interleaved(loader, prerequisites, chosen)
    first = graph.nodes[in_app[0]]
    is_initial = not any(parent[0] == app_label for parent in first.dependencies)
    migrations = tuple(graph.nodes[key] for key in in_app)
    return SquashRange(app_label, migrations, prerequisites, is_initial, start is not None)


def _find(loader: MigrationLoader, app_label: str, name: str) -> Migration:
    migration = loader.get_migration_by_prefix(app_label, name)
    if migration.key not in loader.graph.nodes:
        squashes = sorted(
            label(key)
            for key, squash in loader.replacements.items()
            if migration.key in [tuple(target) for target in squash.replaces]
        )
        raise MigrationError(
            f"Migration {migration} is replaced by the squashed migration "
            f"{', '.join(squashes)}: it cannot be squashed again. Name migrations after the "
            "squash, or delete the squash first."
        )
    return migration


def _refuse_interleaved(
    loader: MigrationLoader, prerequisites: tuple[Key, ...], chosen: set[Key]
) -> None:
    """A migration the range needs must not need one of the range itself: the squash would
    then depend on itself."""
    graph = loader.graph
    for key in prerequisites:
        inside = sorted(set(graph.forwards_plan(key)) & chosen)
        if inside:
            raise InvalidMigrationPlan(
                f"Cannot squash these migrations: {label(key)} depends on {label(inside[-1])}, "
                "which is in the range, and a later migration of the range depends on it, so "
                f"the squash would depend on itself. Squash up to {label(inside[-1])}, then "
                "from the migration after it."
            )


def build_squash(
    squash_range: SquashRange,
    migrations_module: str,
    squashed_name: str | None = None,
    optimize: bool = True,
    auth_user_model: str | None = None,
) -> Squash:
    """The squashed Migration of the range (see the module docstring)."""
    app_label = squash_range.app_label
    operations = [op for migration in squash_range.migrations for op in migration.operations]
    kept = [op for op in operations if not op.elidable]
    elided = len(operations) - len(kept)
    if optimize:
        kept = MigrationOptimizer().optimize(kept, app_label)
    kept, copied = copy_functions(kept, migrations_module)
    migration = Migration(_name(squash_range, squashed_name), app_label)
    migration.operations = kept
    migration.replaces = [m.key for m in squash_range.migrations]
    migration.dependencies = _dependencies(squash_range, auth_user_model)
    migration.run_before = sorted(
        {
            tuple(key)
            for m in squash_range.migrations
            for key in m.run_before
            if tuple(key) not in migration.replaces
        }
    )
    migration.initial = True if squash_range.is_initial else None
    migration.atomic = all(m.atomic for m in squash_range.migrations)
    return Squash(squash_range, migration, len(operations), elided, copied)


def _name(squash_range: SquashRange, squashed_name: str | None) -> str:
    """Django's names: ``<start>_squashed_<end>``, ``0001_squashed_<end>`` from the first."""
    first, last = squash_range.migrations[0], squash_range.migrations[-1]
    if not squash_range.has_start:
        return f"0001_{squashed_name or f'squashed_{last.name}'}"
    if squashed_name:
        return f"{first.name.split('_', 1)[0]}_{squashed_name}"
    return f"{first.name}_squashed_{last.name}"


def _dependencies(squash_range: SquashRange, auth_user_model: str | None) -> list[Any]:
    """What the range depends on outside itself; a swappable dependency on the user model is
    kept as ``swappable_dependency(settings.AUTH_USER_MODEL)``."""
    inside = {m.key for m in squash_range.migrations}
    app_label = squash_range.app_label
    found: set[tuple[str, str]] = set()
    for migration in squash_range.migrations:
        for dependency in migration.dependencies:
            key = tuple(dependency)
            if key in inside or key == (app_label, "__first__"):
                continue
            if isinstance(dependency, SwappableTuple) and dependency.setting == auth_user_model:
                found.add((SETTING_DEPENDENCY, "AUTH_USER_MODEL"))
            else:
                found.add(key)  # type: ignore[arg-type]
    return sorted(found)


def load_squash(source: str, path: Path, migrations_module: str, squash: Squash) -> Migration:
    """The Migration the file text defines, loaded without writing it (nor importing it by
    name): what ``migrate`` would load from it."""
    name = squash.migration.name
    module = types.ModuleType(f"{migrations_module}.{name}")
    module.__file__ = str(path)
    module.__package__ = migrations_module
    try:
        exec(compile(source, str(path), "exec"), module.__dict__)  # noqa: S102
    except Exception as exc:
        raise MigrationError(
            f"The squashed migration {squash.migration} does not load: "
            f"{type(exc).__name__}: {exc}. Nothing was written."
        ) from exc
    return module.Migration(name, squash.migration.app_label)
