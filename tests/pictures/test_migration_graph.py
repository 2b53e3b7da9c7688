"""The migration graph drawn by ``api.migration_graph``: every migration a node, every
dependency an arrow, squashes and applied migrations marked, as Mermaid and as DOT that
Graphviz draws."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.api_project import api_project_at
from support.graphviz import draw_svg, svg_shapes
from support.mermaid import Flowchart, parse_flowchart
from support.tutorial import TUTORIAL_MODELS, WIDENED, WITH_AUTHOR, history
from support.tutorial_project import TutorialProject, change

from schemashift import api
from schemashift.pictures.graph_dot import render_dot
from schemashift.pictures.graph_mermaid import render_flowchart
from schemashift.pictures.migration_graph import MigrationNode, MigrationPicture

WITH_INDEX = WIDENED.replace(
    'author = models.CharField(max_length=100, default="anonymous")',
    'author = models.CharField(max_length=100, default="anonymous", db_index=True)',
)
ORIGINALS = [
    "0001_initial",
    "0002_question_author",
    "0003_alter_question_question_text",
    "0004_alter_question_author",
]
SQUASH = "0001_squashed_0004_alter_question_author"
CHAIN = list(zip(ORIGINALS, ORIGINALS[1:], strict=False))


def make_history(project: TutorialProject) -> None:
    """The tutorial's four migrations."""
    project.load(TUTORIAL_MODELS)
    api.makemigrations("polls")
    for models in (WITH_AUTHOR, WIDENED, WITH_INDEX):
        change(project, models)
    assert sorted(path.stem for path in project.migrations_dir.glob("0*.py")) == ORIGINALS


def edges(chart: Flowchart) -> set[tuple[tuple[str, str], tuple[str, str]]]:
    """The plain arrows as ``((app, name), (app, name))`` read from the labels."""
    return {(chart.labelled(a), chart.labelled(b)) for a, b in chart.arrows}


def applied_nodes(chart: Flowchart) -> set[tuple[str, str]]:
    return {chart.labelled(node) for node in chart.classes.get("applied", set())}


def polls(*names: str) -> set[tuple[str, str]]:
    return {("polls", name) for name in names}


@pytest.mark.backends("sqlite")
def test_a_squash_and_the_migrations_it_replaces_are_drawn_apart(
    api_project: TutorialProject,
) -> None:
    make_history(api_project)
    api.migrate("polls", "0002")
    api.squashmigrations("polls", "0004", verify=False)

    chart = parse_flowchart(render_flowchart(api.migration_graph()))

    (subgraph,) = chart.subgraphs.values()
    assert subgraph[0] == "polls"
    assert {chart.nodes[node][0] for node in subgraph[1]} == {*ORIGINALS, SQUASH}
    squash = chart.node_by_label("polls", SQUASH)
    assert chart.nodes[squash][1] == "subroutine"
    assert {chart.nodes[node][1] for node in subgraph[1] if node != squash} == {"box"}
    assert chart.classes["squash"] == {squash}
    assert {chart.labelled(node) for node in chart.classes["replaced"]} == polls(*ORIGINALS)
    assert edges(chart) == {(("polls", a), ("polls", b)) for a, b in CHAIN}
    assert sorted((chart.labelled(a), text, chart.labelled(b)) for a, text, b in chart.dotted) == [
        (("polls", SQUASH), "replaces", ("polls", name)) for name in ORIGINALS
    ]
    # half applied: the two applied originals, not the squash
    assert applied_nodes(chart) == set(history(api_project)) == polls(*ORIGINALS[:2])

    api.migrate()
    chart = parse_flowchart(render_flowchart(api.migration_graph("polls")))
    assert applied_nodes(chart) == polls(*ORIGINALS, SQUASH)


@pytest.mark.backends("sqlite")
def test_the_dot_graph_is_drawn_by_graphviz(api_project: TutorialProject) -> None:
    make_history(api_project)
    api.migrate("polls", "0003")
    api.squashmigrations("polls", "0004", verify=False)

    source = render_dot(api.migration_graph())

    nodes, arrows, clusters = svg_shapes(draw_svg(source))
    assert clusters == {"cluster_polls"}
    assert nodes == {f"polls.{name}" for name in (*ORIGINALS, SQUASH)}
    assert arrows == {(f"polls.{a}", f"polls.{b}") for a, b in CHAIN} | {
        (f"polls.{SQUASH}", f"polls.{name}") for name in ORIGINALS
    }
    for name in ORIGINALS[:3]:
        assert f'"polls.{name}" [label="{name}", style="rounded,filled,dashed"' in source
    assert f'"polls.{ORIGINALS[3]}" [label="{ORIGINALS[3]}", style="rounded,dashed"' in source
    assert f'"polls.{SQUASH}" [label="{SQUASH}", style="rounded", peripheries=2];' in source


def test_applied_marks_follow_the_history_table(api_project: TutorialProject) -> None:
    make_history(api_project)
    api.migrate("polls", "0003")
    api.migrate("polls", "0001")  # forwards to 0003, then back: only 0001 stays applied

    chart = parse_flowchart(render_flowchart(api.migration_graph("polls")))

    assert set(history(api_project)) == polls("0001_initial")
    assert applied_nodes(chart) == polls("0001_initial")
    assert {chart.labelled(node) for node in chart.nodes} == polls(*ORIGINALS)
    assert edges(chart) == {(("polls", a), ("polls", b)) for a, b in CHAIN}


BLOG_MODELS = """
from schemashift import models


class Post(models.Model):
    question = models.ForeignKey("polls.Question", on_delete=models.CASCADE)
    body = models.TextField()
"""

BLOG_0002 = """
from schemashift import migrations


class Migration(migrations.Migration):
    dependencies = [("blog", "0001_initial"), ("polls", "__first__")]
    run_before = [("polls", "0003_alter_question_question_text")]
    operations = []
"""
BLOG_0003 = """
from schemashift import migrations


class Migration(migrations.Migration):
    dependencies = [("blog", "0002_after_polls"), ("polls", "__latest__")]
    operations = []
"""


@pytest.mark.backends("sqlite")
def test_dependencies_between_apps_are_arrows_between_subgraphs(
    tmp_path: Path, backend_url: str, clean_env: pytest.MonkeyPatch
) -> None:
    with api_project_at(tmp_path / "p", backend_url, ("polls", "blog"), clean_env) as project:
        project.load({"polls": TUTORIAL_MODELS, "blog": BLOG_MODELS})
        api.makemigrations()
        for models in (WITH_AUTHOR, WIDENED):
            project.load({"polls": models})
            api.makemigrations("polls")
        project.write_migration("blog", "0002_after_polls", BLOG_0002)
        project.write_migration("blog", "0003_latest", BLOG_0003)
        project.load()
        api.migrate("blog", "0001")

        chart = parse_flowchart(render_flowchart(api.migration_graph()))
        only_blog = parse_flowchart(render_flowchart(api.migration_graph("blog")))

    assert sorted(label for label, _ in chart.subgraphs.values()) == ["blog", "polls"]
    blog1, blog2, blog3 = (
        ("blog", name) for name in ("0001_initial", "0002_after_polls", "0003_latest")
    )
    polls1, polls2, polls3 = (("polls", name) for name in ORIGINALS[:3])
    across = {
        (polls1, blog1),
        (polls1, blog2),  # __first__
        (blog2, polls3),  # run_before
        (polls3, blog3),  # __latest__
    }
    inside = {(polls1, polls2), (polls2, polls3), (blog1, blog2), (blog2, blog3)}
    assert edges(chart) == across | inside
    assert applied_nodes(chart) == {polls1, blog1}
    # blog alone: its migrations and the polls migrations linked to them
    assert {only_blog.labelled(node) for node in only_blog.nodes} == {
        blog1,
        blog2,
        blog3,
        polls1,
        polls3,
    }
    assert edges(only_blog) == across | {(blog1, blog2), (blog2, blog3)}


@pytest.mark.backends("sqlite")
def test_no_database_marks_nothing_and_an_absent_file_is_not_created(
    api_project: TutorialProject,
) -> None:
    make_history(api_project)
    warnings: list[str] = []

    picture = api.migration_graph(warn=warnings.append)

    assert warnings == [
        f"Database 'default' ({api_project.database_url}) does not exist yet: no migration is "
        "marked applied."
    ]
    assert not api_project.sqlite_file.exists()
    assert not picture.has_applied_marks
    assert {node.is_applied for node in picture.nodes} == {None}
    chart = parse_flowchart(render_flowchart(picture))
    assert "applied" not in chart.classes
    assert {chart.labelled(node) for node in chart.nodes} == polls(*ORIGINALS)

    api.migrate()
    warnings.clear()
    picture = api.migration_graph(database=None, warn=warnings.append)
    assert warnings == []
    assert {node.is_applied for node in picture.nodes} == {None}


@pytest.mark.backends("sqlite")
def test_an_unreachable_database_is_reported_and_nothing_marked(
    api_project: TutorialProject,
) -> None:
    settings = api_project.dir / "mysite" / "settings.py"
    settings.write_text(
        settings.read_text()
        + "DATABASES['offline'] = 'postgresql://nobody:secret@127.0.0.1:9/nowhere'\n"
    )
    make_history(api_project)
    warnings: list[str] = []

    picture = api.migration_graph(database="offline", warn=warnings.append)

    (warning,) = warnings
    assert warning.startswith(
        "Cannot connect to database 'offline' (postgresql+psycopg://nobody:***@127.0.0.1:9/nowhere):"
    )
    assert warning.endswith("No migration is marked applied.")
    assert len(picture.nodes) == 4 and not picture.has_applied_marks


def test_node_ids_are_safe_and_distinct_whatever_the_names() -> None:
    keys = [
        ("polls", "0001_initial"),
        ("polls", "0002_ünïcode"),
        ("polls", "0002_-nicode"),
        ("end", "0001_end"),
        ("o", "0001_x"),
        ("polls", 'quote"d'),
    ]
    picture = MigrationPicture(
        nodes=tuple(MigrationNode(key, is_applied=True) for key in sorted(keys)),
        dependencies=((("polls", "0001_initial"), ("polls", "0002_ünïcode")),),
        replacements=(),
        has_applied_marks=True,
    )

    chart = parse_flowchart(render_flowchart(picture))

    assert len(chart.nodes) == len(keys)
    assert {chart.labelled(node) for node in chart.nodes} == {
        (app, name.replace('"', "#quot;")) for app, name in keys
    }
    assert edges(chart) == {(("polls", "0001_initial"), ("polls", "0002_ünïcode"))}
    assert len(chart.classes["applied"]) == len(keys)
    nodes, _, _ = svg_shapes(draw_svg(render_dot(picture)))
    assert nodes == {f"{app}.{name}" for app, name in keys}


AFTER_0004 = """
from schemashift import migrations


class Migration(migrations.Migration):
    dependencies = [("polls", "0004_alter_question_author")]
    operations = []
"""


@pytest.mark.backends("sqlite")
def test_a_dependency_on_a_deleted_replaced_migration_points_at_its_squash(
    api_project: TutorialProject,
) -> None:
    make_history(api_project)
    api.squashmigrations("polls", "0004", verify=False)
    for name in ORIGINALS:
        (api_project.migrations_dir / f"{name}.py").unlink()
    (api_project.migrations_dir / "0005_after.py").write_text(AFTER_0004)
    api.migrate()

    chart = parse_flowchart(render_flowchart(api.migration_graph()))

    assert {chart.labelled(node) for node in chart.nodes} == polls(SQUASH, "0005_after")
    assert edges(chart) == {(("polls", SQUASH), ("polls", "0005_after"))}
    assert chart.dotted == []
    assert "replaced" not in chart.classes
    assert applied_nodes(chart) == polls(SQUASH, "0005_after")
