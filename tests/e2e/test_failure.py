"""A migration whose second operation fails: nothing is lost on any backend.

Where the migration runs in one transaction (SQLite) the database is left exactly as before
the migration, with no history row. On MySQL/MariaDB, where each schema change commits by
itself, and on PostgreSQL, where this migration's unique constraint on a table in use is built
concurrently (so the migration runs step by step), ``migrate`` says which operations were
applied, and the next run resumes at the failed one.
"""

from __future__ import annotations

from support.tutorial import (
    CHOICES,
    QUESTIONS,
    TUTORIAL_MODELS,
    assert_schema_matches_state,
    execute,
    history,
    ok,
    query,
    seed,
)

TWO_STEPS = """\
from schemashift import migrations, models


class Migration(migrations.Migration):
    dependencies = [("polls", "0001_initial")]
    operations = [
        migrations.AddField(
            model_name="question",
            name="author",
            field=models.CharField(default="anonymous", max_length=50),
        ),
        migrations.AlterField(
            model_name="choice",
            name="choice_text",
            field=models.CharField(max_length=200, unique=True),
        ),
    ]
"""
DUPLICATE = (4, 2, "Not much", 1)
#: the backends that run TWO_STEPS step by step, each operation committed on its own
STEP_BY_STEP = ("mysql", "postgresql")


NON_ATOMIC = TWO_STEPS.replace(
    "class Migration(migrations.Migration):\n",
    "class Migration(migrations.Migration):\n    atomic = False\n",
)


def snapshot(project) -> dict[str, list[tuple]]:
    return {
        "questions": query(project, "SELECT * FROM polls_question ORDER BY id"),
        "choices": query(project, "SELECT * FROM polls_choice ORDER BY id"),
    }


def start(project, migration: str) -> None:
    """The tutorial's tables and rows, one duplicate choice text, and a migration to fail."""
    project.write_models(TUTORIAL_MODELS)
    ok(project.run("makemigrations", "polls"))
    ok(project.run("migrate"))
    seed(project)
    execute(
        project,
        "INSERT INTO polls_choice (id, question_id, choice_text, votes) VALUES (:i, :q, :t, :v)",
        dict(zip("iqtv", DUPLICATE, strict=True)),
    )
    (project.migrations_dir / "0002_two_steps.py").write_text(migration)


def test_a_failed_operation_loses_nothing_and_can_be_finished(project) -> None:
    start(project, TWO_STEPS)
    before = snapshot(project)

    result = project.run("migrate")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "Applying polls.0002_two_steps... FAILED" in result.stdout
    assert (
        "Applying polls.0002_two_steps failed at operation 2 of 2 "
        "(Alter field choice_text on choice)" in result.stderr
    )
    assert history(project) == [("polls", "0001_initial")]
    if project.backend in STEP_BY_STEP:
        assert_first_operation_stands(project, result)
    else:
        assert "No operation of this migration" not in result.stderr
        assert snapshot(project) == before, "the failed migration left changes behind"
        assert_schema_matches_state(project)
    finish(project, result)


def test_a_non_atomic_migration_is_resumed_on_every_backend(project) -> None:
    start(project, NON_ATOMIC)
    result = project.run("migrate")
    assert result.returncode != 0
    assert "Applying polls.0002_two_steps... FAILED" in result.stdout
    assert history(project) == [("polls", "0001_initial")]
    assert_first_operation_stands(project, result)
    finish(project, result)


def assert_first_operation_stands(project, result) -> None:
    assert (
        "Applying polls.0002_two_steps failed at operation 2 of 2 "
        "(Alter field choice_text on choice)" in result.stderr
    )
    assert (
        "Operations 1 (Add field author to question) of this migration were applied and "
        "stay applied" in result.stderr
    )
    assert "it resumes at operation 2" in result.stderr
    assert query(project, "SELECT id, author FROM polls_question ORDER BY id") == [
        (1, "anonymous"),
        (2, "anonymous"),
    ]


def finish(project, failed) -> None:
    """The user removes the duplicate and runs migrate again: it completes, rows intact."""
    execute(project, "DELETE FROM polls_choice WHERE id = 4")
    resumes = "stay applied" in failed.stderr
    out = ok(project.run("migrate"))
    if resumes:
        assert "Resuming polls.0002_two_steps at operation 2 of 2" in out
    assert "Applying polls.0002_two_steps... OK" in out
    assert history(project) == [("polls", "0001_initial"), ("polls", "0002_two_steps")]
    assert_schema_matches_state(project)
    assert query(project, "SELECT id, question_text, pub_date, author FROM polls_question") == [
        (*q, "anonymous") for q in QUESTIONS
    ]
    assert (
        query(project, "SELECT id, question_id, choice_text, votes FROM polls_choice ORDER BY id")
        == CHOICES
    )


def test_a_half_done_migration_must_be_finished_before_another_plan(project) -> None:
    start(project, TWO_STEPS)
    assert project.run("migrate").returncode != 0

    result = project.run("migrate", "polls", "zero")
    if project.backend in STEP_BY_STEP:
        assert result.returncode != 0
        assert "polls.0002_two_steps was left partly applied" in result.stderr
        assert "run 'migrate polls' to finish applying it" in result.stderr
        assert history(project) == [("polls", "0001_initial")]
    else:
        ok(result)
        assert history(project) == []


UNDO_FAILS_ONCE = '''\
import os

from schemashift import migrations, models


def check_reverse(apps, schema_editor):
    """Check the rows before the undo"""
    if os.environ.get("FAIL_REVERSE"):
        schema_editor.execute("SELECT * FROM no_such_table")


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("polls", "0001_initial")]
    operations = [
        migrations.RunPython(migrations.RunPython.noop, check_reverse),
        migrations.AddField(
            model_name="question",
            name="author",
            field=models.CharField(default="anonymous", max_length=50),
        ),
    ]
'''


def test_a_failed_unapply_is_resumed_where_it_stopped(project) -> None:
    project.write_models(TUTORIAL_MODELS)
    ok(project.run("makemigrations", "polls"))
    ok(project.run("migrate"))
    seed(project)
    (project.migrations_dir / "0002_undo_fails_once.py").write_text(UNDO_FAILS_ONCE)
    ok(project.run("migrate"))

    result = project.run("migrate", "polls", "0001", env={"FAIL_REVERSE": "1"})
    assert result.returncode != 0
    assert "Unapplying polls.0002_undo_fails_once... FAILED" in result.stdout
    assert (
        "Unapplying polls.0002_undo_fails_once failed at operation 1 of 2 "
        "(Check the rows before the undo)" in result.stderr
    )
    assert (
        "Operations 2 (Add field author to question) of this migration were unapplied and stay "
        "unapplied" in result.stderr
    )
    assert history(project)[-1] == ("polls", "0002_undo_fails_once")

    out = ok(project.run("migrate", "polls", "0001"))
    assert (
        "Resuming polls.0002_undo_fails_once at operation 1 of 2: an earlier run unapplied 1 "
        "and stopped." in out
    )
    assert history(project) == [("polls", "0001_initial")]
    assert_schema_matches_state(project)
    assert query(project, "SELECT id, question_text, pub_date FROM polls_question") == QUESTIONS


def test_faking_a_half_done_migration_forgets_its_progress(project) -> None:
    start(project, NON_ATOMIC)
    assert project.run("migrate").returncode != 0
    assert project.run("migrate", "polls", "zero").returncode != 0

    out = ok(project.run("migrate", "--fake"))
    assert "Applying polls.0002_two_steps... FAKED" in out
    assert history(project) == [("polls", "0001_initial"), ("polls", "0002_two_steps")]
    assert query(project, "SELECT app, name FROM schemashift_migrations_progress") == []

    # nothing half-done is left to refuse a rollback (unapplying 0002 finds no unique to drop)
    execute(project, "DELETE FROM polls_choice WHERE id = 4")
    ok(project.run("migrate", "polls", "0002", "--fake"))
    result = project.run("migrate", "polls", "0001", "--fake")
    assert "was left partly" not in result.stderr
    ok(result)
    assert history(project) == [("polls", "0001_initial")]
