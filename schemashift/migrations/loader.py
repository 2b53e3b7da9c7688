"""Migration files on disk -> Migration objects -> the migration graph.

Discovery follows Django: every module of ``<app>.migrations`` whose name does not start with
``_`` or ``~`` is a migration and defines a ``Migration`` class. An app without a migrations
package (or with a folder lacking ``__init__.py``) is unmigrated.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import pkgutil
import sys
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from schemashift.apps.imports import describe_error
from schemashift.cache_switch import is_enabled
from schemashift.exceptions import (
    AmbiguityError,
    BadMigrationError,
    ConflictingMigrations,
    InconsistentMigrationHistory,
    NodeNotFoundError,
)
from schemashift.migrations import cache
from schemashift.migrations.graph import Key, MigrationGraph, label
from schemashift.migrations.migration import Migration
from schemashift.migrations.operations.base import Operation
from schemashift.settings_digest import settings_digest

if TYPE_CHECKING:
    from schemashift.apps.registry import AppConfig
    from schemashift.migrations.state import ProjectState

# Set on each imported migration module: the (mtime, size) of the file it came from, so a
# loader in the same process re-imports a file that has been rewritten since.
_STAMP = "__schemashift_source_stamp__"


class MigrationLoader:
    """Loads every installed app's migrations and builds their graph.

    ``applied`` is the set of ``(app_label, name)`` recorded in the database (empty when
    there is no database, as for makemigrations). It decides which squashed migrations are
    used: a squash replaces its migrations only if all or none of them are applied.

    Attributes after loading: ``disk_migrations`` (every Migration found, by key), ``graph``,
    ``migrated_apps``, ``unmigrated_apps``, ``replacements`` (squashes by key) and ``applied``
    (the given set, plus each squash whose replaced migrations are all applied).

    With ``cached``, an app whose migrations folder is unchanged since the cache beside it was
    written (``cache.py``) gets ``CachedMigration`` objects, whose files are imported only when
    their operations are needed, and ``project_state()`` of every leaf comes from the cache
    when the whole project is unchanged. Status commands use it; commands that run
    migrations load every file.
    """

    def __init__(
        self,
        app_configs: Iterable[AppConfig],
        applied: set[Key] | None = None,
        load: bool = True,
        cached: bool = False,
    ) -> None:
        self.app_configs = {config.label: config for config in app_configs}
        self.applied: set[Key] = set(applied or ())
        self.disk_migrations: dict[Key, Migration] = {}
        self.migrated_apps: set[str] = set()
        self.unmigrated_apps: set[str] = set()
        self.replacements: dict[Key, Migration] = {}
        self.graph = MigrationGraph()
        # The root and leaf of each app, by (app_label, "__first__" or "__latest__").
        self._ends: dict[Key, Key | None] = {}
        self.cached = cached and is_enabled()
        #: each migrated app's cache folder and what it holds (None: the folder has none)
        self._caches: dict[str, tuple[cache.Folder, cache.AppCache | None]] = {}
        if load:
            self.build_graph()

    # -- reading files ----------------------------------------------------------------------

    def load_disk(self) -> None:
        """Import the migration modules of every app, in sorted order."""
        self.disk_migrations = {}
        self.migrated_apps = set()
        self.unmigrated_apps = set()
        # A file written earlier in this process must be seen by the import system.
        importlib.invalidate_caches()
        for app_label in sorted(self.app_configs):
            config = self.app_configs[app_label]
            module_name = config.migrations_module
            package = _migrations_package(module_name) if module_name else None
            if package is None:
                self.unmigrated_apps.add(app_label)
                continue
            self.migrated_apps.add(app_label)
            folder = _cache_folder(package) if self.cached else None
            if folder is not None:
                self._load_with_cache(config, package, folder)
                continue
            for name in _migration_names(package):
                migration = self._load_migration(config, name)
                self.disk_migrations[migration.key] = migration

    def _load_with_cache(
        self, config: AppConfig, package: ModuleType, folder: cache.Folder
    ) -> None:
        """The app's migrations from its cache, or from its files (then cached)."""
        found = folder.read()
        if found is not None:
            for header in found.headers:
                migration = cache.CachedMigration(
                    config.label, header, partial(self._load_migration, config, header.name)
                )
                self.disk_migrations[migration.key] = migration
            self._caches[config.label] = (folder, found)
            return
        from schemashift.migrations.checksum import migration_checksum

        try:
            stamps = folder.stamps()  # before importing: a file changed meanwhile is seen
        except OSError:
            stamps = None
        headers = []
        for name in _migration_names(package):
            migration = self._load_migration(config, name)
            self.disk_migrations[migration.key] = migration
            headers.append(cache.MigrationHeader.of(migration, migration_checksum(migration)))
        written = None
        if stamps is not None:
            written = cache.AppCache(stamps, headers)
            folder.write(written)
        self._caches[config.label] = (folder, written)

    def _load_migration(self, config: AppConfig, name: str) -> Migration:
        dotted = f"{config.migrations_module}.{name}"
        module = _import_fresh(dotted, lambda: _describe_file(config, name))
        migration_class = getattr(module, "Migration", None)
        if not (isinstance(migration_class, type) and issubclass(migration_class, Migration)):
            raise BadMigrationError(
                f"Migration file {_describe_file(config, name)} (app '{config.label}') has no "
                "class named Migration that subclasses schemashift.migrations.Migration."
            )
        where = _Where(config, name)
        for attribute in ("dependencies", "run_before", "replaces", "operations"):
            _check_list(migration_class, attribute, where)
        migration = migration_class(name, config.label)
        _check_keys(migration, "dependencies", where)
        _check_keys(migration, "run_before", where)
        _check_keys(migration, "replaces", where)
        _check_operations(migration, where)
        return migration

    # -- the graph --------------------------------------------------------------------------

    def build_graph(self) -> None:
        """Load the files, link the migrations, apply squashes, and check the result."""
        self.load_disk()
        self.graph = graph = MigrationGraph()
        self.replacements = {}
        for key, migration in self.disk_migrations.items():
            graph.add_node(key, migration)
            if migration.replaces:
                self.replacements[key] = migration
        for key, migration in self.disk_migrations.items():
            self._add_internal_dependencies(key, migration)
        # Roots and leaves ignore cross-app edges, so they are final from here on.
        self._ends = {}
        for key, migration in self.disk_migrations.items():
            self._add_external_dependencies(key, migration)
        for key in sorted(self.replacements):
            self._apply_replacement(key, self.replacements[key])
        try:
            graph.validate_consistency()
        except NodeNotFoundError as error:
            self._explain_missing(error)
            raise
        graph.ensure_not_cyclic()

    def _add_internal_dependencies(self, key: Key, migration: Migration) -> None:
        for parent in migration.dependencies:
            if parent[0] == key[0] and parent[1] != "__first__":
                self.graph.add_dependency(migration, key, tuple(parent), skip_validation=True)

    def _add_external_dependencies(self, key: Key, migration: Migration) -> None:
        for parent in migration.dependencies:
            if parent[0] == key[0]:
                continue
            resolved = self._resolve(tuple(parent), migration)
            if resolved is not None:
                self.graph.add_dependency(migration, key, resolved, skip_validation=True)
        for child in migration.run_before:
            resolved = self._resolve(tuple(child), migration)
            if resolved is not None:
                self.graph.add_dependency(migration, resolved, key, skip_validation=True)

    def _resolve(self, key: Key, migration: Migration) -> Key | None:
        """A dependency with ``__first__``/``__latest__`` replaced by the app's root or leaf.

        None means no edge: the app has no migrations (its models are not in migrations).
        """
        app_label, name = key
        if name not in ("__first__", "__latest__") or key in self.graph:
            return key
        if app_label == migration.app_label or app_label in self.unmigrated_apps:
            return None
        if app_label not in self.migrated_apps:
            raise NodeNotFoundError(
                f"Migration {migration} depends on {key!r}, but no installed app has the "
                f"label '{app_label}'."
            )
        end = (app_label, name)
        if end not in self._ends:
            nodes = (
                self.graph.root_nodes(app_label)
                if name == "__first__"
                else self.graph.leaf_nodes(app_label)
            )
            self._ends[end] = nodes[0] if nodes else None
        return self._ends[end]

    def _apply_replacement(self, key: Key, migration: Migration) -> None:
        """Use a squash if all or none of its replaced migrations are applied (Django's rule)."""
        replaced = [tuple(target) for target in migration.replaces]
        statuses = [target in self.applied for target in replaced]
        if all(statuses):
            self.applied.add(key)
        else:
            self.applied.discard(key)
        if all(statuses) or not any(statuses):
            self.graph.remove_replaced_nodes(key, replaced)
        else:
            # Partly applied: carry on with the original migrations and drop the squash.
            self.graph.remove_replacement_node(key, replaced)

    def _explain_missing(self, error: NodeNotFoundError) -> None:
        """Re-raise a missing node that a squash could have provided with the reason it didn't."""
        missing = getattr(error, "node", None)
        origin = getattr(error, "origin", None)
        candidates = sorted(
            key
            for key, migration in self.replacements.items()
            if missing in [tuple(target) for target in migration.replaces]
        )
        if missing is None or not candidates:
            return
        if any(candidate in self.graph for candidate in candidates):
            return
        tried = ", ".join(label(candidate) for candidate in candidates)
        raise NodeNotFoundError(
            f"Migration {label(origin)} depends on nonexistent node {missing!r}. It could have "
            f"been replaced by [{tried}], which was not used because some of the migrations it "
            "replaces are applied and others are not. Apply the remaining replaced migrations "
            f"(migrate {missing[0]}) first."
        ) from error

    @property
    def applied_migrations(self) -> set[Key]:
        """The applied keys (Django's name for ``applied``)."""
        return self.applied

    # -- lookups ----------------------------------------------------------------------------

    def get_migration(self, app_label: str, name: str) -> Migration:
        """The migration with exactly this key, from the graph."""
        migration = self.graph.nodes.get((app_label, name))
        if migration is None:
            raise NodeNotFoundError(f"Cannot find migration {app_label}.{name}.")
        return migration

    def get_migration_by_prefix(self, app_label: str, prefix: str) -> Migration:
        """The app's migration named ``prefix`` or, failing that, the one name starting with it.

        Replaced migrations still on disk can be named too.
        """
        exact = self.disk_migrations.get((app_label, prefix))
        if exact is not None:
            return exact
        matches = sorted(
            key for key in self.disk_migrations if key[0] == app_label and key[1].startswith(prefix)
        )
        if len(matches) > 1:
            names = ", ".join(name for _app, name in matches)
            raise AmbiguityError(
                f"More than one migration matches '{prefix}' in app '{app_label}' ({names}). "
                "Please be more specific."
            )
        if not matches:
            raise NodeNotFoundError(
                f"Cannot find a migration matching '{prefix}' from app '{app_label}'."
            )
        return self.disk_migrations[matches[0]]

    def check_consistent_history(self, applied: Iterable[Key], database: str = "default") -> None:
        """Raise InconsistentMigrationHistory if an applied migration has an unapplied dependency.

        Migrations unknown to the graph are ignored, as is an unapplied squash whose
        replaced migrations are all applied.
        """
        applied = set(applied)
        for key in sorted(applied):
            node = self.graph.node_map.get(key)
            if node is None:
                continue
            for parent in sorted(node.parents):
                if parent.key in applied:
                    continue
                squash = self.replacements.get(parent.key)
                if squash is not None and all(tuple(k) in applied for k in squash.replaces):
                    continue
                raise InconsistentMigrationHistory(
                    f"Migration {label(key)} is applied before its dependency "
                    f"{label(parent.key)} on database '{database}'."
                )

    def detect_conflicts(self) -> dict[str, list[str]]:
        """Apps with more than one leaf migration, each with its sorted leaf names."""
        leaves: dict[str, list[str]] = {}
        for app_label, name in self.graph.leaf_nodes():
            leaves.setdefault(app_label, []).append(name)
        return {app: names for app, names in sorted(leaves.items()) if len(names) > 1}

    def check_no_conflicts(self, app_labels: Iterable[str] = ()) -> None:
        """Raise ConflictingMigrations, naming them, if an app has more than one leaf.

        With ``app_labels``, only those apps are checked (makemigrations of some apps).
        """
        conflicts = self.detect_conflicts()
        if app_labels:
            conflicts = {app: names for app, names in conflicts.items() if app in app_labels}
        if not conflicts:
            return
        listed = "; ".join(
            f"{', '.join(sorted(names))} in {app}" for app, names in sorted(conflicts.items())
        )
        raise ConflictingMigrations(
            "Conflicting migrations detected; multiple leaf nodes in the migration graph: "
            f"({listed}).\nTo fix them run 'makemigrations --merge', which writes a migration "
            "that depends on each of them, then run the command again."
        )

    def project_state(
        self, nodes: Key | list[Key] | None = None, at_end: bool = True
    ) -> ProjectState:
        """The models as the migrations leave them (at the given nodes, default every leaf)."""
        whole = nodes is None and at_end and self.cached
        if whole:
            state = self._cached_state()
            if state is not None:
                return state
        state = self.graph.make_state(nodes=nodes, at_end=at_end, real_apps=self.unmigrated_apps)
        if whole:
            self._store_state(state)
        return state

    # -- the cache of the final state -------------------------------------------------------

    def _fingerprint(self) -> str | None:
        """A digest of every app's migration files and of the settings; None when an app's
        migrations have no cache."""
        from schemashift.conf import get_settings

        if set(self._caches) != self.migrated_apps:
            return None
        parts = [settings_digest(get_settings()), repr(sorted(self.unmigrated_apps))]
        for app_label in sorted(self._caches):
            found = self._caches[app_label][1]
            if found is None:
                return None
            parts.append(f"{app_label}:{found.files_digest()}")
        return hashlib.blake2b("\n".join(parts).encode(), digest_size=16).hexdigest()

    def _cached_state(self) -> ProjectState | None:
        from schemashift.migrations.state import ProjectState

        fingerprint = self._fingerprint()
        if fingerprint is None:
            return None
        models = {}
        for _folder, found in self._caches.values():
            if found is None or found.project != fingerprint or found.models is None:
                return None
            app_models = cache.unpickled_models(found.models)
            if app_models is None:
                return None
            models.update(app_models)
        return ProjectState(models)

    def _store_state(self, state: ProjectState) -> None:
        fingerprint = self._fingerprint()
        if fingerprint is None:
            return
        for app_label, (folder, found) in self._caches.items():
            app_models = {key: model for key, model in state.models.items() if key[0] == app_label}
            pickled = cache.pickled_models(app_models)
            if found is None or pickled is None:
                continue
            found.project, found.models, found.clean = fingerprint, pickled, None
            folder.write(found)

    def models_unchanged(self, current: ProjectState) -> bool:
        """Whether makemigrations found no change last time for models equal to ``current``,
        with these migration files (``mark_unchanged``)."""
        digests = self._clean_digests(current)
        if digests is None:
            return False
        return all(
            found is not None and found.clean == digests[app_label]
            for app_label, (_folder, found) in self._caches.items()
        )

    def mark_unchanged(self, current: ProjectState) -> None:
        """Remember that the models ``current`` need no new migration (see models_unchanged)."""
        digests = self._clean_digests(current)
        if digests is None:
            return
        for app_label, (folder, found) in self._caches.items():
            if found is not None and found.clean != digests[app_label]:
                found.clean = digests[app_label]
                folder.write(found)

    def _clean_digests(self, current: ProjectState) -> dict[str, str] | None:
        """Each cached app's digest of its current models and of those of the apps without
        a cache; None when the cached final state is not this project's."""
        fingerprint = self._fingerprint() if self.cached else None
        if fingerprint is None:
            return None
        if any(found is None or found.project != fingerprint for _, found in self._caches.values()):
            return None
        by_app: dict[str, list] = {}
        for key, model in current.models.items():
            by_app.setdefault(key[0], []).append(model)
        others = [
            model
            for label, models in by_app.items()
            if label not in self._caches
            for model in models
        ]
        return {
            app_label: cache.models_digest(by_app.get(app_label, []) + others)
            for app_label in self._caches
        }


def _cache_folder(package: ModuleType) -> cache.Folder | None:
    """The folder of a migrations package, when it has exactly one."""
    paths = list(getattr(package, "__path__", ()))
    if len(paths) != 1:
        return None
    return cache.Folder(Path(paths[0]))


def _migrations_package(dotted: str) -> ModuleType | None:
    """The imported migrations package, or None when the app has none.

    A plain ``migrations.py`` module or a folder without ``__init__.py`` (a namespace
    package) does not count.
    """
    try:
        spec = importlib.util.find_spec(dotted)
    except ModuleNotFoundError:
        return None
    if spec is None or spec.submodule_search_locations is None or spec.origin is None:
        return None
    if not os.path.basename(spec.origin).startswith("__init__."):
        return None
    origin = spec.origin
    return _import_fresh(dotted, lambda: origin)


def _migration_names(package: ModuleType) -> list[str]:
    return sorted(
        name
        for _finder, name, is_package in pkgutil.iter_modules(package.__path__)
        if not is_package and name[0] not in "_~"
    )


def _import_fresh(dotted: str, describe: Callable[[], str]) -> ModuleType:
    """Import a module once; again only if its file changed since (makemigrations --update).

    Any error raised while importing is the file's fault and reported as BadMigrationError;
    ``describe()`` names the file in the message.
    """
    module = sys.modules.get(dotted)
    if module is not None:
        if getattr(module, _STAMP, None) == _stamp(getattr(module, "__file__", None)):
            return module
        sys.modules.pop(dotted, None)
        origin = getattr(module, "__file__", None)
        if origin and origin.endswith(".py"):
            # The bytecode cache may still hold the old file if it changed within a second.
            Path(importlib.util.cache_from_source(origin)).unlink(missing_ok=True)
    try:
        module = importlib.import_module(dotted)
    except Exception as error:
        raise _import_error(describe(), error) from None
    setattr(module, _STAMP, _stamp(getattr(module, "__file__", None)))
    return module


def _import_error(described: str, error: Exception) -> BadMigrationError:
    """The error for a file that cannot be imported, naming it and the cause."""
    if isinstance(error, SyntaxError):
        where = f"line {error.lineno}" if error.lineno else "unknown line"
        return BadMigrationError(
            f"Cannot import {described}: syntax error at {where}: {error.msg}."
        )
    if isinstance(error, ImportError) and "bad magic number" in str(error):
        return BadMigrationError(
            f"Cannot import {described}: it appears to be a stale .pyc file; delete it."
        )
    # the line that raised: in the migration itself, or in a module it imports
    reason = f"{type(error).__name__}: {error}"
    cause = describe_error(error)
    if cause == reason:
        return BadMigrationError(f"Cannot import {described}: {reason}")
    where = cause[: -len(reason) - 2]
    if where.startswith(f"{described}, "):
        where = where[len(described) + 2 :]
    return BadMigrationError(f"Cannot import {described}: {reason} ({where})")


def _stamp(filename: str | None) -> tuple[int, int] | None:
    if not filename:
        return None
    try:
        stat = os.stat(filename)
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size)


def _describe_file(config: AppConfig, name: str) -> str:
    """The migration file's path as the user sees it (relative to the working directory)."""
    path = Path(config.migrations_path) / f"{name}.py"
    if not path.exists() and path.with_suffix(".pyc").exists():
        path = path.with_suffix(".pyc")
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


class _Where:
    """``Migration polls.0002_x (polls/migrations/0002_x.py)``, worked out only when an error
    message says it."""

    def __init__(self, config: AppConfig, name: str) -> None:
        self.config = config
        self.name = name

    def __str__(self) -> str:
        return (
            f"Migration {self.config.label}.{self.name} ({_describe_file(self.config, self.name)})"
        )


def _check_list(migration_class: type, attribute: str, where: _Where) -> None:
    """dependencies, run_before, replaces and operations are lists (or tuples)."""
    value = getattr(migration_class, attribute)
    if not isinstance(value, (list, tuple)):
        raise BadMigrationError(
            f"{where}: {attribute} must be a list, not {type(value).__name__} {value!r}."
        )


def _check_keys(migration: Migration, attribute: str, where: _Where) -> None:
    """Each entry of dependencies/run_before/replaces must be an (app_label, name) pair."""
    for entry in getattr(migration, attribute):
        if not (
            isinstance(entry, (tuple, list))
            and len(entry) == 2
            and all(isinstance(part, str) for part in entry)
        ):
            raise BadMigrationError(
                f"{where} has an invalid entry in {attribute}: {entry!r}. "
                "Each entry is an (app_label, migration_name) tuple."
            )


def _check_operations(migration: Migration, where: _Where) -> None:
    """Each entry of operations is an operation such as migrations.AddField(...)."""
    for number, operation in enumerate(migration.operations, start=1):
        if not isinstance(operation, Operation):
            raise BadMigrationError(
                f"{where}: operation {number} is {operation!r}, not an operation. Each entry "
                "of operations is an operation such as migrations.AddField(...)."
            )
