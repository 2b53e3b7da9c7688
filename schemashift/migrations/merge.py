"""Merging an app's conflicting branches (``makemigrations --merge``), as Django does.

Each leaf's branch is the app's migrations it needs beyond the ancestors all leaves share;
the merge migration is an empty one that depends on every leaf, numbered after the highest
of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import takewhile
from typing import TYPE_CHECKING, Any

from schemashift.exceptions import MigrationError
from schemashift.migrations.autodetector import MigrationAutodetector
from schemashift.migrations.migration import Migration

if TYPE_CHECKING:
    from schemashift.migrations.loader import MigrationLoader
    from schemashift.migrations.operations.base import Operation

#: past this length, the joined leaf names give way to a timestamp (Django's limit)
_LONGEST_LEAF_NAMES = 47


@dataclass(frozen=True)
class Branch:
    """One leaf of a conflict and the migrations of its app it adds to the common ancestors."""

    leaf: str
    #: names of the branch's migrations, in the order they apply (the leaf last)
    migrations: tuple[str, ...]
    #: the operations of those migrations, in order
    operations: tuple[Operation, ...]


def conflict_branches(
    loader: MigrationLoader, app_label: str, leaves: Sequence[str]
) -> list[Branch]:
    """Each leaf's branch since the ancestors every leaf shares, in the order of ``leaves``.

    As Django, the ancestries (the app's migrations each leaf needs, in plan order) are
    compared position by position; leaves that share not even their first migration cannot be
    merged (MigrationError).
    """
    ancestries = [
        [key for key in loader.graph.forwards_plan((app_label, leaf)) if key[0] == app_label]
        for leaf in leaves
    ]
    common = sum(1 for _generation in takewhile(_all_equal, zip(*ancestries, strict=False)))
    if not common:
        names = ", ".join(leaves)
        raise MigrationError(
            f"Could not find a common ancestor of the migrations {names} of app '{app_label}': "
            "their branches share no migration, so they cannot be merged. Make one of them "
            "depend on the other's branch instead."
        )
    branches = []
    for leaf, ancestry in zip(leaves, ancestries, strict=True):
        branch = ancestry[common:]
        operations: list[Any] = []
        for key in branch:
            operations.extend(loader.get_migration(*key).operations)
        branches.append(Branch(leaf, tuple(name for _app, name in branch), tuple(operations)))
    return branches


def _all_equal(generation: tuple[Any, ...]) -> bool:
    return all(item == generation[0] for item in generation[1:])


def merge_migration(app_label: str, leaves: Sequence[str], name: str | None = None) -> Migration:
    """The empty migration that depends on every leaf: ``NNNN_merge_<leaves>``, or ``NNNN_<name>``.

    ``NNNN`` follows the highest number among the leaves (the second number of a squash);
    sorted leaf names longer than 47 characters together give way to a timestamp.
    """
    numbers = [MigrationAutodetector.parse_number(leaf) for leaf in leaves]
    highest = max((number for number in numbers if number is not None), default=1)
    parts = [f"{highest + 1:04d}"]
    if name:
        parts.append(name)
    else:
        parts.append("merge")
        joined = "_".join(sorted(leaves))
        if len(joined) > _LONGEST_LEAF_NAMES:
            parts.append(datetime.now().strftime("%Y%m%d_%H%M"))
        else:
            parts.append(joined)
    migration = Migration("_".join(parts), app_label)
    migration.dependencies = [(app_label, leaf) for leaf in leaves]
    return migration


__all__ = ["Branch", "conflict_branches", "merge_migration"]
