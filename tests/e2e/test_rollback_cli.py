"""``migrate APP TARGET`` as a user runs it: a target the database is already at answers
without SQLAlchemy and changes nothing; one that is not rolls back."""

from __future__ import annotations

from support.polls_migrations import ADD_AUTHOR, INITIAL
from support.tutorial import WITH_AUTHOR, history, ok, tables


def _imported(project, *command: str) -> tuple[str, set[str]]:
    """The command's output and the top-level packages it imported."""
    result = project.run_python(["-X", "importtime", "manage.py", *command])
    assert result.returncode == 0, result.stdout + result.stderr
    modules = {
        line.rsplit("|", 1)[1].strip().split(".")[0]
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    return result.stdout, modules


def test_a_target_already_reached_imports_no_sqlalchemy(project) -> None:
    project.write_models(WITH_AUTHOR)
    (project.migrations_dir / "0001_initial.py").write_text(INITIAL)
    (project.migrations_dir / "0002_question_author.py").write_text(ADD_AUTHOR)
    ok(project.run("migrate"))

    output, modules = _imported(project, "migrate", "polls", "0001")
    assert "Unapplying polls.0002_question_author... OK" in output
    assert "sqlalchemy" in modules
    assert history(project) == [("polls", "0001_initial")]

    for target in ("0001", "0001_initial"):
        output, modules = _imported(project, "migrate", "polls", target)
        assert "No migrations to apply." in output
        assert "sqlalchemy" not in modules, target

    ok(project.run("migrate", "polls", "zero"))
    output, modules = _imported(project, "migrate", "polls", "zero")
    assert "Unapply all migrations: polls" in output and "No migrations to apply." in output
    assert "sqlalchemy" not in modules
    assert history(project) == []
    assert not {"polls_question", "polls_choice"} & tables(project)


def test_an_unknown_target_is_refused_on_the_settled_path_too(project) -> None:
    (project.migrations_dir / "0001_initial.py").write_text(INITIAL)
    ok(project.run("migrate"))
    result = project.run("migrate", "polls", "0009")
    assert result.returncode != 0
    assert "0009" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert history(project) == [("polls", "0001_initial")]
