"""``graph`` and ``erd`` through the real CLI on the tutorial project."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.graphviz import dot_program, svg_shapes
from support.mermaid import parse_er_diagram, parse_flowchart
from support.tutorial import TUTORIAL_MODELS, WITH_AUTHOR, ok

pytestmark = pytest.mark.backends("sqlite")

NAMES = ["0001_initial", "0002_question_author"]


def two_migrations(project) -> None:
    for models in (TUTORIAL_MODELS, WITH_AUTHOR):
        project.write_models(models)
        ok(project.run("makemigrations", "polls"))


def test_graph_marks_what_the_database_has_applied(project) -> None:
    two_migrations(project)

    result = project.run("graph")
    assert result.returncode == 0, result.stderr
    assert result.stderr == (
        f"Database 'default' ({project.database_url}) does not exist yet: no migration is "
        "marked applied.\n"
    )
    assert not project.sqlite_file.exists()
    chart = parse_flowchart(result.stdout)
    assert sorted(chart.labelled(node) for node in chart.nodes) == [("polls", n) for n in NAMES]
    assert [(chart.labelled(a), chart.labelled(b)) for a, b in chart.arrows] == [
        (("polls", NAMES[0]), ("polls", NAMES[1]))
    ]
    assert "applied" not in chart.classes

    ok(project.run("migrate", "polls", "0001"))
    chart = parse_flowchart(ok(project.run("graph", "polls")))
    assert {chart.labelled(node) for node in chart.classes["applied"]} == {("polls", NAMES[0])}

    result = project.run("graph", "--no-database")
    assert (result.returncode, result.stderr) == (0, "")
    assert "applied" not in parse_flowchart(result.stdout).classes


def test_graph_without_a_database_never_loads_sqlalchemy(project) -> None:
    two_migrations(project)
    code = (
        "import sys\n"
        "from schemashift.cli.main import main\n"
        "try:\n"
        "    main(['--settings', 'mysite.settings', 'graph', '--no-database'])\n"
        "except SystemExit as exit:\n"
        "    assert exit.code == 0, exit.code\n"
        "print('sqlalchemy' in sys.modules, file=sys.stderr)\n"
    )
    result = project.run_python(["-c", code])
    assert result.returncode == 0, result.stderr
    assert result.stderr == "False\n"
    assert parse_flowchart(result.stdout).nodes


def test_graph_and_erd_write_dot_and_svg_files(project) -> None:
    dot_program()
    two_migrations(project)
    ok(project.run("migrate"))

    result = project.run("graph", "--format", "dot", "--output", "graph.dot")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert (project.dir / "graph.dot").read_text().startswith("digraph migrations {\n")
    ok(project.run("graph", "--format", "svg", "-o", "graph.svg"))

    nodes, arrows, clusters = svg_shapes((project.dir / "graph.svg").read_text())
    assert nodes == {f"polls.{name}" for name in NAMES}
    assert arrows == {(f"polls.{NAMES[0]}", f"polls.{NAMES[1]}")}
    assert clusters == {"cluster_polls"}

    ok(project.run("erd", "--format", "svg", "-o", "erd.svg"))
    nodes, arrows, _ = svg_shapes((project.dir / "erd.svg").read_text())
    assert nodes == {"polls_choice", "polls_question"}
    assert arrows == {("polls_choice:question_id", "polls_question")}


def test_svg_without_graphviz_says_what_to_install(project, tmp_path: Path) -> None:
    two_migrations(project)
    no_tools = tmp_path / "empty-path"
    no_tools.mkdir()

    result = project.run("graph", "--format", "svg", env={"PATH": str(no_tools)})

    assert result.returncode == 1
    assert result.stdout == ""
    assert "CommandError: --format svg needs Graphviz's 'dot' program, which is not on PATH." in (
        result.stderr
    )
    assert "Traceback" not in result.stderr
    # Mermaid needs no program
    result = project.run("graph", "--no-database", env={"PATH": str(no_tools)})
    assert result.returncode == 0, result.stderr


def test_erd_draws_the_tutorial_tables(project) -> None:
    two_migrations(project)

    diagram = parse_er_diagram(ok(project.run("erd", "polls")))

    assert {
        name: [a.name for a in attributes] for name, attributes in diagram.entities.items()
    } == {
        "polls_choice": ["id", "question_id", "choice_text", "votes"],
        "polls_question": ["id", "question_text", "pub_date", "author"],
    }
    assert diagram.columns("polls_question")["question_text"].type == "varchar_200"
    assert diagram.relations == [("polls_choice", "}o--||", "polls_question", "question")]
    assert not project.sqlite_file.exists()


def test_an_unknown_app_is_a_clear_error(project) -> None:
    two_migrations(project)
    for command in ("graph", "erd"):
        result = project.run(command, "pols")
        assert result.returncode == 1
        assert result.stderr.startswith("CommandError: ")
        assert "pols" in result.stderr and "Traceback" not in result.stderr
