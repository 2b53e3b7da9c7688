"""The migration graph as plain data: every migration file, the dependencies between them and
the squashes, each node marked applied or not when the database was read.

Unlike the graph ``migrate`` walks, this one keeps both a squash and the migrations it
replaces, so a picture shows what is on disk.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from schemashift.migrations.graph import Key

if TYPE_CHECKING:
    from schemashift.migrations.loader import MigrationLoader
    from schemashift.migrations.migration import Migration

_ENDS = ("__first__", "__latest__")


@dataclass(frozen=True)
class MigrationNode:
    """One migration file. ``is_applied`` is None when the database was not read."""

    key: Key
    is_applied: bool | None
    #: the migrations this squash replaces (empty for an ordinary migration)
    replaces: tuple[Key, ...] = ()
    #: the squashes on disk that replace this migration
    replaced_by: tuple[Key, ...] = ()

    @property
    def app_label(self) -> str:
        return self.key[0]

    @property
    def name(self) -> str:
        return self.key[1]

    @property
    def is_squash(self) -> bool:
        return bool(self.replaces)

    @property
    def is_replaced(self) -> bool:
        return bool(self.replaced_by)


@dataclass(frozen=True)
class MigrationPicture:
    """Nodes sorted by key; ``dependencies`` are ``(parent, child)`` pairs (the child depends
    on the parent), ``replacements`` ``(squash, replaced)`` pairs, both sorted."""

    nodes: tuple[MigrationNode, ...]
    dependencies: tuple[tuple[Key, Key], ...]
    replacements: tuple[tuple[Key, Key], ...]
    #: whether the history table was read, so that each node is marked applied or not
    has_applied_marks: bool

    @property
    def app_labels(self) -> list[str]:
        """The apps with a node in the picture, sorted."""
        return sorted({node.app_label for node in self.nodes})

    def app_nodes(self, app_label: str) -> list[MigrationNode]:
        return [node for node in self.nodes if node.app_label == app_label]


def migration_picture(
    loader: MigrationLoader, app_labels: Iterable[str], has_applied_marks: bool
) -> MigrationPicture:
    """The migrations of ``app_labels``, and those of other apps that they depend on directly
    or that depend on them directly.

    ``loader`` was built with the applied migrations read from the history table (or none,
    where ``has_applied_marks`` is False); a squash counts as applied once everything it
    replaces is.
    """
    disk = loader.disk_migrations
    replaced_by: dict[Key, list[Key]] = {}
    for key, migration in sorted(disk.items()):
        for replaced in migration.replaces:
            replaced_by.setdefault(tuple(replaced), []).append(key)
    all_dependencies = set(_dependencies(loader, replaced_by))
    labels = set(app_labels)
    chosen = {key for key in disk if key[0] in labels}
    shown = chosen.union(
        *({parent, child} for parent, child in all_dependencies if {parent, child} & chosen)
    )
    nodes = tuple(
        MigrationNode(
            key=key,
            is_applied=(key in loader.applied) if has_applied_marks else None,
            replaces=tuple(tuple(target) for target in disk[key].replaces),
            replaced_by=tuple(replaced_by.get(key, ())),
        )
        for key in sorted(shown)
    )
    dependencies = sorted(
        (parent, child)
        for parent, child in all_dependencies
        if child in shown and parent in shown and (child in chosen or parent in chosen)
    )
    replacements = sorted(
        (squash, replaced)
        for replaced, squashes in replaced_by.items()
        for squash in squashes
        if squash in shown and replaced in shown
    )
    return MigrationPicture(nodes, tuple(dependencies), tuple(replacements), has_applied_marks)


def _dependencies(
    loader: MigrationLoader, replaced_by: dict[Key, list[Key]]
) -> Iterator[tuple[Key, Key]]:
    """Every ``(parent, child)`` the files declare: ``dependencies`` and ``run_before``."""
    for key, migration in loader.disk_migrations.items():
        for dependency in migration.dependencies:
            parent = _resolve(loader, replaced_by, migration, tuple(dependency))
            if parent is not None:
                yield parent, key
        for later in migration.run_before:
            child = _resolve(loader, replaced_by, migration, tuple(later))
            if child is not None:
                yield key, child


def _resolve(
    loader: MigrationLoader,
    replaced_by: dict[Key, list[Key]],
    migration: Migration,
    target: Key,
) -> Key | None:
    """The migration file a dependency names: ``__first__``/``__latest__`` of another app as
    ``migrate`` reads them, a deleted replaced migration as its squash; None for no edge."""
    if target in loader.disk_migrations:
        return target
    app_label, name = target
    if name in _ENDS:
        if app_label == migration.app_label or app_label not in loader.migrated_apps:
            return None
        graph = loader.graph
        ends = graph.root_nodes(app_label) if name == "__first__" else graph.leaf_nodes(app_label)
        return ends[0] if ends else None
    squashes = replaced_by.get(target)
    return squashes[0] if squashes else None
