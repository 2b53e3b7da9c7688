"""Run every rule over migrations: findings per operation, acknowledged ones marked.

Migrations are linted in the order ``migrate`` applies them, the state walked forward once
through the whole history, so each migration is read with the schema it starts from.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from schemashift.migrations.lint import code, compatibility, data_loss, locking  # noqa: F401
from schemashift.migrations.lint.context import (
    DEFAULT_ROWS_THRESHOLD,
    OperationContext,
    migration_context,
)
from schemashift.migrations.lint.rules import RULES, WARNING, Finding, Hit, rule
from schemashift.migrations.state import ProjectState

if TYPE_CHECKING:
    from schemashift.migrations.lint.target import Target
    from schemashift.migrations.loader import MigrationLoader
    from schemashift.migrations.migration import Migration

Key = tuple[str, str]


@rule(
    "unknown-acknowledge",
    WARNING,
    "code",
    why="The operation acknowledges a finding no lint rule makes (a typo?): the finding it "
    "meant to accept is still reported.",
    fix="Use an id lint prints (the README's Lint section lists every rule), or remove it.",
)
def unknown_acknowledge(context: OperationContext) -> Iterator[Hit]:
    for finding in sorted(context.operation.acknowledged - RULES.keys()):
        yield Hit(f"acknowledge names '{finding}', which is no lint rule")


def lint_migration(
    migration: Migration,
    state: ProjectState,
    target: Target,
    connection: Any = None,
    rows_threshold: int = DEFAULT_ROWS_THRESHOLD,
) -> list[Finding]:
    """The findings of every rule in ``migration``, which starts from ``state`` (advanced
    through it); acknowledged findings are kept, marked ``acknowledged``."""
    context = migration_context(migration, state, target, connection, rows_threshold)
    findings = []
    for operation_context in context.operations():
        operation = operation_context.operation
        for found in RULES.values():
            for hit in found.check(operation_context):
                findings.append(
                    Finding(
                        migration.app_label,
                        migration.name,
                        operation_context.index,
                        operation.describe(),
                        found.id,
                        hit.severity or found.severity,
                        hit.message,
                        found.fix,
                        operation.is_acknowledged(found.id),
                    )
                )
    return findings


def lint_migrations(
    loader: MigrationLoader,
    keys: Iterable[Key],
    target: Target,
    connection: Any = None,
    rows_threshold: int = DEFAULT_ROWS_THRESHOLD,
) -> list[Finding]:
    """The findings of the migrations ``keys``, in the order migrate applies them."""
    wanted = set(keys)
    graph = loader.graph
    findings: list[Finding] = []
    state = ProjectState()
    for key in graph.forwards_plan_for(graph.leaf_nodes()):
        migration = graph.nodes[key]
        if key in wanted:
            findings.extend(lint_migration(migration, state, target, connection, rows_threshold))
        else:
            migration.mutate_state(state)
    return findings


def lint_new_migrations(
    migrations: list[Migration], state: ProjectState, target: Target
) -> dict[Key, tuple[Finding, ...]]:
    """The findings not acknowledged of migrations not written yet (makemigrations'), which
    follow the history ``state`` ends; each is read after those of them it depends on."""
    found: dict[Key, tuple[Finding, ...]] = {}
    for migration in _dependency_order(migrations):
        findings = lint_migration(migration, state, target)
        found[migration.key] = tuple(f for f in findings if not f.acknowledged)
    return found


def _dependency_order(migrations: list[Migration]) -> list[Migration]:
    pending = list(migrations)
    keys = {migration.key for migration in migrations}
    done: set[Key] = set()
    ordered: list[Migration] = []
    while pending:
        ready = [
            migration
            for migration in pending
            if all(tuple(d) in done or tuple(d) not in keys for d in migration.dependencies)
        ] or pending[:1]
        for migration in ready:
            pending.remove(migration)
            done.add(migration.key)
            ordered.append(migration)
    return ordered


__all__ = ["lint_migration", "lint_migrations", "lint_new_migrations", "unknown_acknowledge"]
