"""The dependency graph of migrations: leaves, roots, cycles and plans forwards and backwards.

Nodes are ``(app_label, migration_name)`` keys; an edge from parent to child means the child
depends on the parent. Numbering is only a convention: order comes from the edges alone.
Every walk is iterative and visits each node once, so a chain of thousands of migrations
costs no more than its length and never meets Python's recursion limit.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from schemashift.exceptions import (
    CircularDependencyError,
    InvalidMigrationPlan,
    NodeNotFoundError,
)

if TYPE_CHECKING:
    from schemashift.migrations.migration import Migration
    from schemashift.migrations.state import ProjectState

Key = tuple[str, str]

_by_key = attrgetter("key")


def label(key: Any) -> str:
    """``app.name`` for a key, or the string form of a Migration."""
    if isinstance(key, tuple) and len(key) == 2:
        return f"{key[0]}.{key[1]}"
    return str(key)


class Node:
    """One migration in the graph, with the nodes it depends on and the nodes depending on it.

    A node compares and hashes as its key, so ``("polls", "0001_initial") in node.parents``
    and ``node[0]`` (the app label) work as they do in Django.
    """

    __slots__ = ("key", "parents", "children", "_hash")

    def __init__(self, key: Key) -> None:
        self.key = key
        self.parents: set[Node] = set()
        self.children: set[Node] = set()
        self._hash = hash(key)

    def parent_keys(self) -> set[Key]:
        """The keys of the migrations this one depends on."""
        return {node.key for node in self.parents}

    def children_keys(self) -> set[Key]:
        """The keys of the migrations that depend on this one."""
        return {node.key for node in self.children}

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Node):
            return self.key == other.key
        return self.key == other

    def __lt__(self, other: Node | Key) -> bool:
        return self.key < (other.key if isinstance(other, Node) else other)

    def __hash__(self) -> int:
        return self._hash

    def __getitem__(self, index: int) -> str:
        return self.key[index]

    def __str__(self) -> str:
        return label(self.key)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: ({self.key[0]!r}, {self.key[1]!r})>"


class DummyNode(Node):
    """Stands in for a dependency that no migration file provides.

    A squashed migration can still take its place; whatever remains after loading is an error
    reported by ``validate_consistency()``, naming the migration that declared it.
    """

    __slots__ = ("origin", "error_message")

    def __init__(self, key: Key, origin: Any, error_message: str) -> None:
        super().__init__(key)
        self.origin = origin
        self.error_message = error_message

    def raise_error(self) -> None:
        error = NodeNotFoundError(self.error_message)
        error.node = self.key  # type: ignore[attr-defined]
        error.origin = self.origin  # type: ignore[attr-defined]
        raise error


class MigrationGraph:
    """Migrations as a directed acyclic graph of dicts and sets."""

    def __init__(self) -> None:
        self.node_map: dict[Key, Node] = {}
        self.nodes: dict[Key, Migration | None] = {}
        self._app_keys: dict[str, set[Key]] = {}
        # Kept apart so validate_consistency() costs nothing on a graph without any.
        self._dummies: set[Key] = set()

    # -- building ---------------------------------------------------------------------------

    def add_node(self, key: Key, migration: Migration | None) -> None:
        """Add a migration; adding the same key twice is a programming error."""
        if key in self.node_map:
            raise ValueError(f"Migration {label(key)} is already in the graph.")
        self._insert(Node(key), migration)

    def add_dummy_node(self, key: Key, origin: Any, error_message: str) -> None:
        self._insert(DummyNode(key, origin, error_message), None)
        self._dummies.add(key)

    def _insert(self, node: Node, migration: Migration | None) -> None:
        self.node_map[node.key] = node
        self.nodes[node.key] = migration
        self._app_keys.setdefault(node.key[0], set()).add(node.key)

    def _discard(self, key: Key) -> Node | None:
        self.nodes.pop(key, None)
        self._dummies.discard(key)
        node = self.node_map.pop(key, None)
        if node is not None:
            app_keys = self._app_keys[key[0]]
            app_keys.discard(key)
            if not app_keys:
                del self._app_keys[key[0]]
        return node

    def add_dependency(
        self, migration: Any, child: Key, parent: Key, skip_validation: bool = False
    ) -> None:
        """Record that ``child`` depends on ``parent``, as declared by ``migration``.

        A missing child or parent becomes a dummy node; unless ``skip_validation``, the graph
        is then checked at once and the missing node reported.
        """
        if child not in self.node_map:
            self.add_dummy_node(
                child,
                migration,
                f"Migration {label(migration)} dependencies reference nonexistent child node "
                f"{child!r}",
            )
        if parent not in self.node_map:
            self.add_dummy_node(
                parent,
                migration,
                f"Migration {label(migration)} dependencies reference nonexistent parent node "
                f"{parent!r}",
            )
        child_node = self.node_map[child]
        parent_node = self.node_map[parent]
        child_node.parents.add(parent_node)
        parent_node.children.add(child_node)
        if not skip_validation:
            self.validate_consistency()

    def remove_replaced_nodes(self, replacement: Key, replaced: Iterable[Key]) -> None:
        """Use a squashed migration: drop the migrations it replaces and rewire their edges.

        Whatever depended on a replaced migration now depends on the replacement, and the
        replacement inherits the replaced migrations' outside dependencies.
        """
        replaced = set(replaced)
        try:
            replacement_node = self.node_map[replacement]
        except KeyError:
            raise NodeNotFoundError(
                f"Cannot find the squashed migration {label(replacement)} in the migration "
                "graph: it was never added, or has been removed."
            ) from None
        for replaced_key in sorted(replaced):
            replaced_node = self._discard(replaced_key)
            if replaced_node is None:
                continue
            for child in replaced_node.children:
                child.parents.discard(replaced_node)
                # Edges between replaced migrations vanish with them; keeping them would make
                # the replacement depend on itself.
                if child.key not in replaced:
                    replacement_node.children.add(child)
                    child.parents.add(replacement_node)
            for parent in replaced_node.parents:
                parent.children.discard(replaced_node)
                if parent.key not in replaced:
                    replacement_node.parents.add(parent)
                    parent.children.add(replacement_node)

    def remove_replacement_node(self, replacement: Key, replaced: Iterable[Key]) -> None:
        """Ignore a squashed migration: drop it and point its dependants at the originals.

        Its dependants are attached to the last of the replaced migrations (those that no
        other replaced migration depends on); the originals already have the right parents.
        """
        replacement_node = self._discard(replacement)
        if replacement_node is None:
            raise NodeNotFoundError(
                f"Cannot remove the squashed migration {label(replacement)} from the migration "
                "graph: it was never added, or has been removed already."
            )
        replaced_nodes: set[Node] = set()
        replaced_parents: set[Node] = set()
        for key in replaced:
            node = self.node_map.get(key)
            if node is not None:
                replaced_nodes.add(node)
                replaced_parents |= node.parents
        replaced_nodes -= replaced_parents
        for child in replacement_node.children:
            child.parents.discard(replacement_node)
            for replaced_node in replaced_nodes:
                replaced_node.children.add(child)
                child.parents.add(replaced_node)
        for parent in replacement_node.parents:
            parent.children.discard(replacement_node)

    def validate_consistency(self) -> None:
        """Raise NodeNotFoundError for the first dependency no migration provides."""
        if self._dummies:
            dummy = self.node_map[min(self._dummies)]
            assert isinstance(dummy, DummyNode)
            dummy.raise_error()

    def ensure_not_cyclic(self) -> None:
        """Raise CircularDependencyError naming the migrations of the first cycle found."""
        done: set[Key] = set()
        for start in sorted(self.node_map):
            if start in done:
                continue
            path = [start]
            on_path = {start: 0}
            stack: list[Iterator[Node]] = [self._sorted_iter(self.node_map[start].children)]
            while stack:
                for child in stack[-1]:
                    key = child.key
                    if key in on_path:
                        cycle = ", ".join(label(k) for k in path[on_path[key] :])
                        raise CircularDependencyError(
                            f"Circular dependency between migrations: {cycle}. Each one is "
                            "depended on by the next and the last by the first; remove one of "
                            "these dependencies."
                        )
                    if key not in done:
                        on_path[key] = len(path)
                        path.append(key)
                        stack.append(self._sorted_iter(child.children))
                        break
                else:
                    stack.pop()
                    finished = path.pop()
                    del on_path[finished]
                    done.add(finished)

    @staticmethod
    def _sorted_iter(nodes: set[Node]) -> Iterator[Node]:
        return iter(sorted(nodes, key=_by_key))

    # -- queries ----------------------------------------------------------------------------

    def __contains__(self, key: object) -> bool:
        return key in self.nodes

    def __len__(self) -> int:
        return len(self.nodes)

    def __str__(self) -> str:
        edges = sum(len(node.parents) for node in self.node_map.values())
        return f"Graph: {len(self.nodes)} nodes, {edges} edges"

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self}>"

    def _keys(self, app: str | None) -> Iterable[Key]:
        if app is None:
            return self.node_map.keys()
        return self._app_keys.get(app, ())

    def leaf_nodes(self, app: str | None = None) -> list[Key]:
        """Nodes with no dependant in their own app, sorted; more than one per app is a conflict."""
        leaves = [
            key
            for key in self._keys(app)
            if all(child.key[0] != key[0] for child in self.node_map[key].children)
        ]
        return sorted(leaves)

    def root_nodes(self, app: str | None = None) -> list[Key]:
        """Nodes with no dependency in their own app, sorted."""
        roots = [
            key
            for key in self._keys(app)
            if all(parent.key[0] != key[0] for parent in self.node_map[key].parents)
        ]
        return sorted(roots)

    def _node(self, target: Key) -> Node:
        try:
            return self.node_map[target]
        except KeyError:
            raise NodeNotFoundError(
                f"Cannot find migration {label(target)} in the migration graph."
            ) from None

    def forwards_plan(self, target: Key) -> list[Key]:
        """``target`` and everything it depends on, dependencies first."""
        return self._walk([self._node(target)], forwards=True, seen=set())

    def backwards_plan(self, target: Key) -> list[Key]:
        """``target`` and everything depending on it, dependants first."""
        return self._walk([self._node(target)], forwards=False, seen=set())

    def _walk(self, starts: Iterable[Node], forwards: bool, seen: set[Key]) -> list[Key]:
        """Iterative depth-first post-order from each start, skipping (and adding to) ``seen``.

        Neighbours are pushed in sorted order, so the one sorting last is walked first, which
        is exactly the order Django's plans have; sharing ``seen`` between starts gives the
        concatenated plans without repeats, in one linear pass.
        """
        plan: list[Key] = []
        stack: list[tuple[Node, bool]] = []
        for start in starts:
            stack.append((start, False))
            while stack:
                node, expanded = stack.pop()
                if expanded:
                    plan.append(node.key)
                    continue
                if node.key in seen:
                    continue
                seen.add(node.key)
                stack.append((node, True))
                neighbours = node.parents if forwards else node.children
                stack.extend(
                    (n, False) for n in sorted(neighbours, key=_by_key) if n.key not in seen
                )
        return plan

    def forwards_plan_for(self, targets: Iterable[Key], seen: set[Key] | None = None) -> list[Key]:
        """The forwards plans of several targets joined, each node once, in one pass."""
        return self._walk(
            [self._node(t) for t in targets], forwards=True, seen=set() if seen is None else seen
        )

    def backwards_plan_for(self, targets: Iterable[Key], seen: set[Key] | None = None) -> list[Key]:
        """The backwards plans of several targets joined, each node once, in one pass."""
        return self._walk(
            [self._node(t) for t in targets], forwards=False, seen=set() if seen is None else seen
        )

    # -- state ------------------------------------------------------------------------------

    def make_state(
        self,
        nodes: Key | list[Key] | None = None,
        at_end: bool = True,
        real_apps: Iterable[str] | None = None,
    ) -> ProjectState:
        """The project state once the given migrations (default: every leaf) are applied.

        With ``at_end=False`` the given migrations themselves are left out: the state just
        before them. ``real_apps`` (apps without migrations) is accepted for compatibility;
        their models are not part of the migration state.
        """
        from schemashift.migrations.state import ProjectState

        if nodes is None:
            nodes = self.leaf_nodes()
        elif nodes and not isinstance(nodes[0], tuple):
            nodes = [nodes]  # type: ignore[list-item]
        targets: list[Key] = list(nodes)  # type: ignore[arg-type]
        excluded = set() if at_end else set(targets)
        state = ProjectState()
        for key in self.forwards_plan_for(targets):
            if key in excluded:
                continue
            migration = self.nodes[key]
            if migration is None:
                continue
            migration.mutate_state(state)
        return state


def migration_plan(
    graph: MigrationGraph, targets: Iterable[tuple[str, str | None]], applied: Iterable[Key]
) -> list[tuple[Key, bool]]:
    """The ``(key, backwards)`` steps that bring the database to ``targets``, as Django plans.

    - ``(app, None)``: unapply every applied migration of the app, and what depends on them.
    - ``(app, name)`` already applied: unapply only what follows it in its own app (and what
      depends on that), so unrelated apps keep their migrations.
    - ``(app, name)`` otherwise: apply it and its missing dependencies.

    A plan that would go both forwards and backwards raises InvalidMigrationPlan.
    """
    applied = set(applied)
    plan: list[tuple[Key, bool]] = []
    # Nodes already walked in each direction: later walks skip them, which keeps several
    # targets linear and gives the same steps as filtering repeated full walks. A walk that
    # changes what is applied invalidates the memory of the other direction.
    seen: dict[bool, set[Key]] = {False: set(), True: set()}
    for app_label, name in targets:
        if name is None:
            backwards = True
            steps = graph.backwards_plan_for(graph.root_nodes(app_label), seen[True])
        elif (app_label, name) in applied:
            backwards = True
            target = graph._node((app_label, name))
            starts = sorted(child.key for child in target.children if child.key[0] == app_label)
            steps = graph.backwards_plan_for(starts, seen[True])
        else:
            backwards = False
            steps = graph.forwards_plan_for([(app_label, name)], seen[False])
        changed = False
        for key in steps:
            if (key in applied) == backwards:
                plan.append((key, backwards))
                changed = True
                if backwards:
                    applied.discard(key)
                else:
                    applied.add(key)
        if changed:
            seen[not backwards].clear()
    directions = {backwards for _key, backwards in plan}
    if len(directions) > 1:
        raise InvalidMigrationPlan(
            "Migration plans with both forwards and backwards migrations are not supported. "
            "Please split your migration process into separate plans of only forwards OR "
            "backwards migrations."
        )
    return plan
