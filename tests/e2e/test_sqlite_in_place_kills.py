"""A SQLite migration that changes tables' definitions in place (``sqlite_master`` edited,
the rows not copied), killed at any of its statements: the database file holds every table's
definition from before the run or every one from after it, never a mix or a broken schema,
every row as it was, and the next ``migrate`` finishes the job."""

from __future__ import annotations

import pytest
from support.crash import STRIDE, at_least, crash, killed
from support.tutorial import (
    CHOICES,
    QUESTIONS,
    TUTORIAL_MODELS,
    assert_schema_matches_state,
    history,
    ok,
    query,
    seed,
)

pytestmark = pytest.mark.backends("sqlite")

IN_PLACE_MIGRATION = """\
from schemashift import migrations, models


class Migration(migrations.Migration):
    dependencies = [("polls", "0001_initial")]
    operations = [
        migrations.AlterField("question", "question_text", models.CharField(max_length=500)),
        migrations.AlterField("choice", "votes", models.IntegerField(default=0, null=True)),
    ]
"""
#: every statement of the migration's transaction, counted from its BEGIN
ANY_STATEMENT = r"."
BEGIN = r"^BEGIN IMMEDIATE"
DEFINITIONS = (
    "SELECT name, sql FROM sqlite_master WHERE name IN ('polls_question', 'polls_choice') "
    "ORDER BY name"
)
DIRECTIONS = ((), ("polls", "0001"))


def definitions(project) -> tuple[tuple[str, str], ...]:
    return tuple(query(project, DEFINITIONS))


def assert_whole(project, seen: set[tuple[tuple[str, str], ...]], point: str) -> None:
    """The file is sound, its definitions are those of a finished run, every row is kept."""
    assert query(project, "PRAGMA integrity_check") == [("ok",)], point
    assert definitions(project) in seen, f"{point}: {definitions(project)}"
    assert query(project, "SELECT id, question_text FROM polls_question ORDER BY id") == [
        (row[0], row[1]) for row in QUESTIONS
    ], point
    assert query(
        project, "SELECT id, question_id, choice_text, votes FROM polls_choice ORDER BY id"
    ) == [tuple(row) for row in CHOICES], point


def test_a_change_in_place_killed_at_any_statement_leaves_old_or_new_definitions(
    project,
) -> None:
    project.write_models(TUTORIAL_MODELS)
    ok(project.run("makemigrations", "polls"))
    ok(project.run("migrate"))
    seed(project)
    (project.migrations_dir / "0002_in_place.py").write_text(IN_PLACE_MIGRATION)
    seen = {definitions(project)}
    for args in (*DIRECTIONS, *DIRECTIONS):  # the second round starts from a rebuilt table
        ok(project.run("migrate", *args))
        seen.add(definitions(project))
    assert len(seen) == 4, seen  # each run changed a definition
    kills = 0
    for args in DIRECTIONS:
        nth = 1
        while True:
            start = definitions(project)
            result = crash(
                project,
                "migrate",
                *args,
                CRASH_ARM=BEGIN,
                CRASH_MATCH=ANY_STATEMENT,
                CRASH_NTH=str(nth),
            )
            point = f"killed before statement {nth} after BEGIN of 'migrate {' '.join(args)}'"
            if not killed(result):
                break
            kills += 1
            assert_whole(project, seen, point)
            if definitions(project) != start:
                pytest.fail(f"{point}: the definitions changed, yet the run died uncommitted")
            ok(project.run("migrate", *args))
            assert (("polls", "0002_in_place") in history(project)) == (args == ()), point
            assert_schema_matches_state(project)
            assert_whole(project, seen, point)
            ok(project.run("migrate", *DIRECTIONS[args == ()]))  # back to where the kill began
            nth += STRIDE
    assert kills >= at_least(24), f"only {kills} kill points"
