"""Folding new model changes into an app's latest migration (``makemigrations --update``).

Django's rules: the latest migration must not be a squash, nor applied, nor named in another
migration's dependencies; its operations and the new ones are optimized together, and it is
renamed after what it now does (or ``--name``), ``_updated`` added when that is its name
already. The caller writes the new file and deletes the old one.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from schemashift.conf import swappable_setting_for
from schemashift.exceptions import MigrationError, SerializationError
from schemashift.migrations.graph import Key
from schemashift.migrations.optimizer import MigrationOptimizer
from schemashift.migrations.swappable import SETTING_DEPENDENCY, SwappableTuple
from schemashift.migrations.writer import MigrationWriter

if TYPE_CHECKING:
    from schemashift.migrations.loader import MigrationLoader
    from schemashift.migrations.migration import Migration


def updatable_leaf(loader: MigrationLoader, app_label: str, applied: Iterable[Key]) -> Migration:
    """The app's latest migration, once it is known that it may be rewritten."""
    leaves = loader.graph.leaf_nodes(app_label)
    if not leaves:
        raise MigrationError(
            f"App '{app_label}' has no migration, cannot update last migration. Run "
            "makemigrations without --update to write its first one."
        )
    key = leaves[0]
    leaf = loader.get_migration(*key)
    if leaf.replaces:
        raise MigrationError(f"Cannot update squash migration '{leaf}'.")
    if key in set(applied):
        raise MigrationError(
            f"Cannot update applied migration '{leaf}'. Unapply it first (migrate {app_label} "
            "<previous migration>), or write a new migration without --update."
        )
    depending = sorted(
        str(migration)
        for migration in loader.disk_migrations.values()
        if key in {tuple(dependency) for dependency in migration.dependencies}
    )
    if depending:
        names = ", ".join(f"'{name}'" for name in depending)
        raise MigrationError(f"Cannot update migration '{leaf}' that migrations {names} depend on.")
    return leaf


def fold_changes(
    loader: MigrationLoader,
    changes: dict[str, list[Migration]],
    applied: Iterable[Key],
    name: str | None = None,
) -> dict[str, tuple[Migration, Migration]]:
    """Each app's ``(updated, previous)``: its latest migration with the app's new
    migrations folded in, and that migration as it was.

    A new migration of one app that depends on a new migration of another now depends on
    that app's updated migration.
    """
    applied = set(applied)
    folded = {}
    renamed: dict[Key, Key] = {}
    for app_label in sorted(changes):
        leaf = updatable_leaf(loader, app_label, applied)
        updated = fold_into(leaf, changes[app_label], name)
        folded[app_label] = (updated, leaf)
        renamed.update((migration.key, updated.key) for migration in changes[app_label])
    for updated, _leaf in folded.values():
        updated.dependencies = list(
            dict.fromkeys(renamed.get(tuple(key), key) for key in updated.dependencies)
        )
    return folded


def fold_into(leaf: Migration, new: Iterable[Migration], name: str | None = None) -> Migration:
    """A copy of ``leaf`` with the operations of ``new`` added, optimized, and its new name.

    The new migrations' dependencies on other apps (and on swappable settings) are added to
    the leaf's; their dependency on the leaf itself goes.
    """
    app_label = leaf.app_label
    operations = list(leaf.operations)
    dependencies = [_as_setting(dependency) for dependency in leaf.dependencies]
    for migration in new:
        operations.extend(migration.operations)
        dependencies.extend(
            tuple(dependency) for dependency in migration.dependencies if dependency[0] != app_label
        )
    updated = type(leaf)(leaf.name, app_label)
    updated.dependencies = list(dict.fromkeys(dependencies))
    updated.operations = MigrationOptimizer().optimize(operations, app_label)
    fragment = name or updated.suggest_name()
    suggested = f"{leaf.name[:4]}_{fragment}"
    updated.name = f"{leaf.name}_updated" if suggested == leaf.name else suggested
    _check_writable(updated, leaf)
    return updated


def _as_setting(dependency: Iterable[str]) -> tuple[str, str]:
    """A dependency read back from ``swappable_dependency(settings.X)`` written as such again."""
    if isinstance(dependency, SwappableTuple):
        setting = swappable_setting_for(dependency.setting)
        if setting is not None:
            return (SETTING_DEPENDENCY, setting)
    app_label, name = dependency
    return (app_label, name)


def _check_writable(updated: Migration, leaf: Migration) -> None:
    """Refuse before anything is written when the operations cannot be written again.

    Functions a RunPython takes from the migration file itself cannot be imported from a
    file whose name starts with a digit (Django writes the file and asks for manual porting).
    """
    try:
        MigrationWriter(updated).as_string()
    except SerializationError as error:
        raise MigrationError(
            f"Cannot update migration '{leaf}': {error} Write the changes into a new migration "
            "(makemigrations without --update) instead."
        ) from None


def delete_migration_file(path: Path, module: str) -> None:
    """Remove a migration file replaced by its update, with its bytecode and imported module."""
    path.unlink(missing_ok=True)
    Path(importlib.util.cache_from_source(str(path))).unlink(missing_ok=True)
    sys.modules.pop(module, None)
    importlib.invalidate_caches()


__all__ = ["delete_migration_file", "fold_changes", "fold_into", "updatable_leaf"]
