"""What ``python manage.py migrate`` shows: on a terminal, a live display of the run; in a
log or a pipe, a line per step; and, at each ``--verbosity``, what Django's would.

What is shown does not hang on the backend but for the statements and a backfill's batches:
only the tests of those run on every backend."""

from __future__ import annotations

import re

import pytest
from support.terminal import run_in_terminal
from support.tutorial import TUTORIAL_MODELS, WITH_AUTHOR, execute, history, ok, query

INTENT = ["Operations to perform:", "  Apply all migrations: polls", "Running migrations:"]
TIME = re.compile(r"\(\d+\.\d{3}s\)")

ACCOUNT_MODELS = """\
from schemashift import models


class Account(models.Model):
    name = models.CharField(max_length=50)
    score = models.IntegerField(default=0)
"""

BACKFILL = """\
from schemashift import migrations
from schemashift.models import F, Q


class Migration(migrations.Migration):
    dependencies = [("polls", "0001_initial")]
    operations = [
        migrations.Backfill("account", "score", F("score") + 1, condition=Q(), batch_size=4)
    ]
"""

FAILING = """\
from schemashift import migrations


def fail(apps, schema_editor):
    raise ValueError("no votes to count")


class Migration(migrations.Migration):
    dependencies = [("polls", "0001_initial")]
    operations = [migrations.RunPython(fail)]
"""


def two_migrations(project) -> None:
    """0001_initial (two models) and 0002_question_author (one field), not applied."""
    project.write_models(TUTORIAL_MODELS)
    ok(project.run("makemigrations", "polls"))
    project.write_models(WITH_AUTHOR)
    ok(project.run("makemigrations", "polls"))


def in_terminal(project, *args: str):
    return run_in_terminal(["manage.py", *args], project.dir, project.run_env())


def matching(pattern: str, lines: list[str]) -> list[str]:
    return [line for line in lines if re.search(pattern, line)]


# -- on a terminal ------------------------------------------------------------------------------


@pytest.mark.backends("sqlite")  # the display of the run
def test_on_a_terminal_migrate_shows_each_migration_and_operation_done_of_the_total(
    project,
) -> None:
    two_migrations(project)
    run = in_terminal(project, "migrate")
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""
    lines = run.lines
    # the live display, as drawn while the run went on
    assert matching(r"^Migrations .*0/2 migrations \d+ s elapsed", lines)
    assert matching(r"^Migrations .*1/2 migrations", lines)
    assert matching(r"^Applying polls\.0001_initial: Create model Question .*0/2 operations", lines)
    assert matching(r"^Applying polls\.0001_initial: Create model Choice .*1/2 operations", lines)
    assert matching(
        r"^Applying polls\.0002_question_author: Add field author to question .*0/1 operations",
        lines,
    )
    # what stays once it ended: a line per migration, and the final count
    assert [line for line in lines if line.startswith("  ")] == [
        "  Apply all migrations: polls",
        "  Applying polls.0001_initial... OK",
        "  Applying polls.0002_question_author... OK",
    ]
    assert re.match(r"^Migrations applied .*2/2 migrations \d+ s elapsed$", lines[-1])
    assert history(project) == [("polls", "0001_initial"), ("polls", "0002_question_author")]


def test_on_a_terminal_a_backfill_shows_rows_done_of_the_total_and_the_time_left(
    project,
) -> None:
    project.write_models(ACCOUNT_MODELS)
    ok(project.run("makemigrations", "polls"))
    ok(project.run("migrate"))
    execute(
        project,
        "INSERT INTO polls_account (id, name, score) VALUES (:id, :name, :score)",
        [{"id": i, "name": f"a{i}", "score": i} for i in range(1, 11)],
    )
    (project.migrations_dir / "0002_backfill.py").write_text(BACKFILL)
    run = in_terminal(project, "migrate")
    assert run.returncode == 0, run.stderr
    lines = run.lines
    assert matching(r"^  backfill account\.score .* 0/10 rows\s*$", lines)
    assert matching(r"^  backfill account\.score .* 4/10 rows\s+about \d+ s left\s*$", lines)
    assert matching(r"^  backfill account\.score .* 8/10 rows\s+about \d+ s left\s*$", lines)
    assert matching(r"^    backfill account\.score: 10 of 10 rows, done in \d+ s$", lines)
    assert "  Applying polls.0002_backfill... OK" in lines
    assert re.match(r"^Migrations applied .*1/1 migrations", lines[-1])
    assert query(project, "SELECT min(score), max(score) FROM polls_account") == [(2, 11)]


@pytest.mark.backends("sqlite")
def test_on_a_terminal_a_failed_migration_ends_the_display_with_failed(project) -> None:
    project.write_models(TUTORIAL_MODELS)
    ok(project.run("makemigrations", "polls"))
    (project.migrations_dir / "0002_fail.py").write_text(FAILING)
    run = in_terminal(project, "migrate")
    assert run.returncode != 0
    assert "  Applying polls.0001_initial... OK" in run.lines
    assert "  Applying polls.0002_fail... FAILED" in run.lines
    assert re.match(r"^Migrations stopped .*1/2 migrations", run.lines[-1])
    assert "ValueError: no votes to count" in run.stderr
    assert history(project) == [("polls", "0001_initial")]


# -- in a log or a pipe, at each verbosity ------------------------------------------------------


@pytest.mark.backends("sqlite")
def test_verbosity_0_prints_nothing(project) -> None:
    two_migrations(project)
    result = project.run("migrate", "-v", "0")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert len(history(project)) == 2
    assert project.run("migrate", "--verbosity", "0").stdout == ""


@pytest.mark.backends("sqlite")
def test_verbosity_0_still_reports_errors(project) -> None:
    project.write_models(TUTORIAL_MODELS)
    ok(project.run("makemigrations", "polls"))
    (project.migrations_dir / "0002_fail.py").write_text(FAILING)
    result = project.run("migrate", "-v", "0")
    assert result.returncode != 0
    assert result.stdout == ""
    assert "Error: Applying polls.0002_fail failed at operation 1 of 1" in result.stderr
    assert "ValueError: no votes to count" in result.stderr


@pytest.mark.backends("sqlite")
def test_verbosity_1_prints_a_line_per_migration(project) -> None:
    two_migrations(project)
    assert ok(project.run("migrate", "-v", "1")).splitlines() == [
        *INTENT,
        "  Applying polls.0001_initial... OK",
        "  Applying polls.0002_question_author... OK",
    ]
    assert ok(project.run("migrate")).splitlines() == [*INTENT, "  No migrations to apply."]


@pytest.mark.backends("sqlite")
def test_verbosity_2_adds_a_line_per_operation_and_timings(project) -> None:
    two_migrations(project)
    output = ok(project.run("migrate", "-v", "2"))
    assert TIME.sub("(T)", output).splitlines() == [
        *INTENT,
        "  Applying polls.0001_initial...",
        "    Create model Question... OK (T)",
        "    Create model Choice... OK (T)",
        "  Applying polls.0001_initial... OK (T)",
        "  Applying polls.0002_question_author...",
        "    Add field author to question... OK (T)",
        "  Applying polls.0002_question_author... OK (T)",
    ]
    output = ok(project.run("migrate", "polls", "zero", "-v", "2"))
    assert TIME.sub("(T)", output).splitlines()[-7:] == [
        "  Unapplying polls.0002_question_author...",
        "    Add field author to question... OK (T)",
        "  Unapplying polls.0002_question_author... OK (T)",
        "  Unapplying polls.0001_initial...",
        "    Create model Choice... OK (T)",
        "    Create model Question... OK (T)",
        "  Unapplying polls.0001_initial... OK (T)",
    ]


def test_verbosity_3_adds_each_statement_under_its_operation(project) -> None:
    two_migrations(project)
    lines = ok(project.run("migrate", "-v", "3")).splitlines()
    question = lines.index("    Create model Question...")
    ends = [n for n, line in enumerate(lines) if line.startswith("    Create model Question... OK")]
    assert len(ends) == 1 and ends[0] > question + 1
    statements = lines[question + 1 : ends[0]]
    assert all(line.startswith("      ") for line in statements)
    assert re.match(r'^      CREATE TABLE [`"]polls_question[`"] \(.*\);$', statements[0])
    added = lines.index("    Add field author to question...")
    assert re.match(r"^      (ALTER|CREATE) TABLE [`\"]\w*polls_question[`\"] ", lines[added + 1])
    assert not matching("schemashift_migrations", lines)  # the history rows are not shown


# -- other commands ---------------------------------------------------------------------------


@pytest.mark.backends("sqlite")
def test_migrate_check_at_verbosity_0_says_it_by_its_exit_status_alone(project) -> None:
    two_migrations(project)
    result = project.run("migrate", "--check", "-v", "0")
    assert (result.returncode, result.stdout, result.stderr) == (1, "", "")
    assert "Planned operations:" in project.run("migrate", "--check").stdout
    ok(project.run("migrate", "-v", "0"))
    result = project.run("migrate", "--check", "-v", "0")
    assert (result.returncode, result.stdout) == (0, "")


@pytest.mark.backends("sqlite")
def test_makemigrations_at_verbosity_0_writes_the_files_and_prints_nothing(project) -> None:
    project.write_models(TUTORIAL_MODELS)
    result = project.run("makemigrations", "polls", "-v", "0")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert (project.migrations_dir / "0001_initial.py").exists()
    result = project.run("makemigrations", "-v", "0")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    project.write_models(WITH_AUTHOR)
    result = project.run("makemigrations", "--check", "-v", "0")
    assert (result.returncode, result.stdout) == (1, "")


@pytest.mark.backends("sqlite")
@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (("showmigrations",), "polls\n [ ] 0001_initial\n"),
        (("sqlmigrate", "polls", "0001"), "polls_question"),
    ],
)
def test_status_commands_print_their_answer_alone_at_verbosity_0(project, args, shown) -> None:
    project.write_models(TUTORIAL_MODELS)
    ok(project.run("makemigrations", "polls"))
    result = project.run(*args, "-v", "0")
    assert result.returncode == 0
    assert shown in result.stdout
    assert result.stdout == project.run(*args).stdout
