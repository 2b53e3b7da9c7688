"""The migration graph: edges, leaves and roots, errors, plans and the state it replays."""

from __future__ import annotations

import pytest

from schemashift import migrations, models
from schemashift.exceptions import (
    CircularDependencyError,
    InvalidMigrationPlan,
    NodeNotFoundError,
)
from schemashift.migrations.graph import MigrationGraph, migration_plan


def build(edges: dict[str, list[str]]) -> MigrationGraph:
    """A graph from ``{"app.name": ["app.parent", ...]}``; every key becomes a node."""
    graph = MigrationGraph()
    for name in edges:
        graph.add_node(key(name), None)
    for name, parents in edges.items():
        for parent in parents:
            graph.add_dependency(name, key(name), key(parent))
    return graph


def key(name: str) -> tuple[str, str]:
    app, _, migration = name.partition(".")
    return (app, migration)


def keys(*names: str) -> list[tuple[str, str]]:
    return [key(name) for name in names]


@pytest.fixture
def simple() -> MigrationGraph:
    """Django's test_simple_graph: a.0003 also depends on b.0002."""
    return build(
        {
            "a.0001": [],
            "a.0002": ["a.0001"],
            "a.0003": ["a.0002", "b.0002"],
            "a.0004": ["a.0003"],
            "b.0001": [],
            "b.0002": ["b.0001"],
        }
    )


def test_forwards_plan_lists_dependencies_first_in_django_order(simple: MigrationGraph) -> None:
    assert simple.forwards_plan(key("a.0001")) == keys("a.0001")
    assert simple.forwards_plan(key("b.0002")) == keys("b.0001", "b.0002")
    assert simple.forwards_plan(key("a.0004")) == keys(
        "b.0001", "b.0002", "a.0001", "a.0002", "a.0003", "a.0004"
    )


def test_backwards_plan_lists_dependants_first(simple: MigrationGraph) -> None:
    assert simple.backwards_plan(key("a.0004")) == keys("a.0004")
    assert simple.backwards_plan(key("b.0001")) == keys("a.0004", "a.0003", "b.0002", "b.0001")
    assert simple.backwards_plan(key("a.0001")) == keys("a.0004", "a.0003", "a.0002", "a.0001")


def test_leaves_and_roots_ignore_cross_app_edges(simple: MigrationGraph) -> None:
    assert simple.leaf_nodes() == keys("a.0004", "b.0002")
    assert simple.root_nodes() == keys("a.0001", "b.0001")
    assert simple.leaf_nodes("b") == keys("b.0002")
    assert simple.root_nodes("a") == keys("a.0001")
    assert simple.leaf_nodes("missing") == []


def test_two_leaves_in_one_app_are_both_reported() -> None:
    graph = build({"a.0001": [], "a.0002_x": ["a.0001"], "a.0002_y": ["a.0001"]})
    assert graph.leaf_nodes("a") == keys("a.0002_x", "a.0002_y")


def test_node_map_exposes_parents_and_children_by_key(simple: MigrationGraph) -> None:
    node = simple.node_map[key("a.0003")]
    assert node.parent_keys() == set(keys("a.0002", "b.0002"))
    assert node.children_keys() == set(keys("a.0004"))
    assert key("b.0002") in node.parents
    assert node[0] == "a"
    assert key("a.0003") in simple
    assert len(simple) == 6


def test_missing_parent_names_the_declaring_migration() -> None:
    graph = MigrationGraph()
    graph.add_node(key("polls.0002_x"), None)
    with pytest.raises(NodeNotFoundError) as raised:
        graph.add_dependency("polls.0002_x", key("polls.0002_x"), key("polls.0001_missing"))
    assert str(raised.value) == (
        "Migration polls.0002_x dependencies reference nonexistent parent node "
        "('polls', '0001_missing')"
    )


def test_missing_nodes_are_reported_by_validate_consistency_when_deferred() -> None:
    graph = MigrationGraph()
    graph.add_node(key("polls.0002_x"), None)
    graph.add_dependency(
        ("polls", "0002_x"), key("polls.0002_x"), key("polls.0001_gone"), skip_validation=True
    )
    graph.add_dependency(
        "polls.0002_x", key("polls.0003_gone"), key("polls.0002_x"), skip_validation=True
    )
    with pytest.raises(NodeNotFoundError, match="nonexistent parent node") as raised:
        graph.validate_consistency()
    assert raised.value.node == key("polls.0001_gone")
    assert "Migration polls.0002_x " in str(raised.value)


def test_missing_child_is_reported() -> None:
    graph = MigrationGraph()
    graph.add_node(key("polls.0001"), None)
    with pytest.raises(NodeNotFoundError, match=r"nonexistent child node \('polls', '0002'\)"):
        graph.add_dependency("polls.0002", key("polls.0002"), key("polls.0001"))


def test_adding_a_node_twice_is_refused() -> None:
    graph = build({"a.0001": []})
    with pytest.raises(ValueError, match=r"a\.0001"):
        graph.add_node(key("a.0001"), None)


def test_cycle_is_reported_with_its_members() -> None:
    graph = build(
        {
            "a.0001": ["b.0002"],
            "a.0002": ["a.0001"],
            "b.0001": [],
            "b.0002": ["b.0001", "a.0002"],
            "c.0001": [],
        }
    )
    with pytest.raises(CircularDependencyError) as raised:
        graph.ensure_not_cyclic()
    assert "a.0001, a.0002, b.0002" in str(raised.value)


def test_self_dependency_is_a_cycle() -> None:
    graph = build({"a.0001": ["a.0001"]})
    with pytest.raises(CircularDependencyError, match="a.0001"):
        graph.ensure_not_cyclic()


def test_acyclic_graph_passes(simple: MigrationGraph) -> None:
    simple.ensure_not_cyclic()


def test_plans_terminate_on_a_cycle() -> None:
    graph = build({"a.0001": ["a.0002"], "a.0002": ["a.0001"]})
    assert sorted(graph.forwards_plan(key("a.0001"))) == keys("a.0001", "a.0002")


def test_unknown_target_is_node_not_found(simple: MigrationGraph) -> None:
    with pytest.raises(NodeNotFoundError, match=r"a\.0009"):
        simple.forwards_plan(key("a.0009"))
    with pytest.raises(NodeNotFoundError, match=r"a\.0009"):
        simple.backwards_plan(key("a.0009"))


def test_plans_of_a_long_chain_are_complete_and_ordered() -> None:
    count = 1000
    graph = MigrationGraph()
    names = [("app", f"{number:04d}") for number in range(1, count + 1)]
    for name in names:
        graph.add_node(name, None)
    for parent, child in zip(names, names[1:], strict=False):
        graph.add_dependency(child, child, parent, skip_validation=True)
    graph.validate_consistency()
    graph.ensure_not_cyclic()
    assert graph.forwards_plan(names[-1]) == names
    assert graph.backwards_plan(names[0]) == names[::-1]
    assert graph.leaf_nodes() == [names[-1]]
    assert graph.root_nodes() == [names[0]]
    applied = set(names[:500])
    plan = migration_plan(graph, [names[-1]], applied)
    assert plan == [(name, False) for name in names[500:]]
    plan = migration_plan(graph, [names[99]], set(names))
    assert plan == [(name, True) for name in names[:99:-1]]
    assert migration_plan(graph, [("app", None)], set(names)) == [(n, True) for n in names[::-1]]


def test_diamond_plan_visits_each_node_once() -> None:
    graph = build(
        {
            "a.0001": [],
            "a.0002": ["a.0001"],
            "b.0001": ["a.0001"],
            "c.0001": ["a.0002", "b.0001"],
        }
    )
    assert graph.forwards_plan(key("c.0001")) == keys("a.0001", "b.0001", "a.0002", "c.0001")
    assert graph.backwards_plan(key("a.0001")) == keys("c.0001", "b.0001", "a.0002", "a.0001")


# -- migration_plan ------------------------------------------------------------------------


def test_plan_forwards_skips_applied(simple: MigrationGraph) -> None:
    plan = migration_plan(simple, [key("a.0004")], set(keys("b.0001", "a.0001")))
    assert plan == [(k, False) for k in keys("b.0002", "a.0002", "a.0003", "a.0004")]


def test_plan_to_the_applied_leaf_is_empty(simple: MigrationGraph) -> None:
    assert migration_plan(simple, simple.leaf_nodes(), set(simple.nodes)) == []


def test_plan_zero_unapplies_the_app_and_its_dependants(simple: MigrationGraph) -> None:
    plan = migration_plan(simple, [("b", None)], set(simple.nodes))
    assert plan == [(k, True) for k in keys("a.0004", "a.0003", "b.0002", "b.0001")]


def test_plan_zero_of_an_unapplied_app_is_empty(simple: MigrationGraph) -> None:
    assert migration_plan(simple, [("b", None)], set()) == []


def test_rollback_to_an_applied_migration_is_minimal() -> None:
    """migrate a 0001 rolls back what follows it in app a, not b's dependency of a.0001."""
    graph = build(
        {
            "a.0001": [],
            "a.0002": ["a.0001"],
            "a.0003": ["a.0002"],
            "b.0001": ["a.0001"],
            "c.0001": ["a.0002"],
        }
    )
    plan = migration_plan(graph, [key("a.0001")], set(graph.nodes))
    # Dependants of a.0002 come in Django's order: the one sorting last first.
    assert plan == [(k, True) for k in keys("c.0001", "a.0003", "a.0002")]


def test_rollback_skips_unapplied_dependants() -> None:
    graph = build({"a.0001": [], "a.0002": ["a.0001"], "a.0003": ["a.0002"]})
    plan = migration_plan(graph, [key("a.0001")], set(keys("a.0001", "a.0002")))
    assert plan == [(key("a.0002"), True)]


def test_rollback_in_a_branchy_app() -> None:
    """Django's test_minimize_rollbacks_branchy: every in-app child of the target goes."""
    graph = build(
        {
            "a.1": [],
            "a.2": ["a.1"],
            "a.3": ["a.1"],
            "a.4": ["a.2", "a.3"],
            "b.1": ["a.1"],
            "b.2": ["b.1", "a.2"],
        }
    )
    plan = migration_plan(graph, [key("a.1")], set(graph.nodes))
    assert plan == [(k, True) for k in keys("b.2", "a.4", "a.2", "a.3")]


def test_mixed_plan_is_refused(simple: MigrationGraph) -> None:
    applied = set(keys("a.0001", "a.0002"))
    with pytest.raises(InvalidMigrationPlan, match="both forwards and backwards"):
        migration_plan(simple, [key("b.0002"), key("a.0001")], applied)


def test_several_forward_targets_share_dependencies(simple: MigrationGraph) -> None:
    plan = migration_plan(simple, [key("b.0002"), key("a.0004")], set())
    assert [k for k, _ in plan] == keys("b.0001", "b.0002", "a.0001", "a.0002", "a.0003", "a.0004")


def test_plan_to_an_unknown_migration_is_node_not_found(simple: MigrationGraph) -> None:
    with pytest.raises(NodeNotFoundError):
        migration_plan(simple, [key("a.0042")], set())


# -- squashes ------------------------------------------------------------------------------


def test_remove_replaced_nodes_rewires_dependants_to_the_squash() -> None:
    graph = build(
        {
            "a.0001": [],
            "a.0002": ["a.0001"],
            "a.0001_squashed_0002": [],
            "a.0003": ["a.0002"],
            "b.0001": ["a.0001"],
        }
    )
    graph.remove_replaced_nodes(key("a.0001_squashed_0002"), keys("a.0001", "a.0002"))
    assert set(graph.nodes) == set(keys("a.0001_squashed_0002", "a.0003", "b.0001"))
    assert graph.node_map[key("a.0003")].parent_keys() == {key("a.0001_squashed_0002")}
    assert graph.node_map[key("b.0001")].parent_keys() == {key("a.0001_squashed_0002")}
    assert graph.forwards_plan(key("a.0003")) == keys("a.0001_squashed_0002", "a.0003")


def test_remove_replacement_node_points_dependants_at_the_last_original() -> None:
    graph = build(
        {
            "a.0001": [],
            "a.0002": ["a.0001"],
            "a.0001_squashed_0002": [],
            "a.0003": ["a.0001_squashed_0002"],
        }
    )
    graph.remove_replacement_node(key("a.0001_squashed_0002"), keys("a.0001", "a.0002"))
    assert key("a.0001_squashed_0002") not in graph
    assert graph.forwards_plan(key("a.0003")) == keys("a.0001", "a.0002", "a.0003")
    with pytest.raises(NodeNotFoundError, match="a.0001_squashed_0002"):
        graph.remove_replacement_node(key("a.0001_squashed_0002"), keys("a.0001"))


# -- state ---------------------------------------------------------------------------------


class Stub(migrations.Migration):
    pass


def test_make_state_replays_operations_in_plan_order() -> None:
    first = Stub("0001_initial", "polls")
    first.operations = [
        migrations.CreateModel(
            "Question",
            [("id", models.BigAutoField(primary_key=True)), ("text", models.TextField())],
        )
    ]
    second = Stub("0002_question_votes", "polls")
    second.operations = [
        migrations.AddField("question", "votes", models.IntegerField(default=0)),
    ]
    graph = MigrationGraph()
    graph.add_node(first.key, first)
    graph.add_node(second.key, second)
    graph.add_dependency(second, second.key, first.key)

    state = graph.make_state()
    assert list(state.get_model("polls", "question").fields) == ["id", "text", "votes"]
    before = graph.make_state(second.key, at_end=False)
    assert list(before.get_model("polls", "question").fields) == ["id", "text"]
    assert graph.make_state([first.key]).has_model("polls", "question")
    assert not graph.make_state([first.key], at_end=False).has_model("polls", "question")
    assert MigrationGraph().make_state().models == {}
