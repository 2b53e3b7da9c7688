"""squashmigrations through the real CLI: a squash made over a database with the first half of
the history applied, then migrate on that database and on a fresh one."""

from __future__ import annotations

import re

import pytest
from support.tutorial import (
    TUTORIAL_MODELS,
    WIDENED,
    WITH_AUTHOR,
    assert_schema_matches_state,
    history,
    ok,
)

WITH_INDEX = WIDENED.replace(
    'author = models.CharField(max_length=100, default="anonymous")',
    'author = models.CharField(max_length=100, default="anonymous", db_index=True)',
)
SQUASH = "0001_squashed_0004_alter_question_author"
ORIGINALS = [
    "0001_initial",
    "0002_question_author",
    "0003_alter_question_question_text",
    "0004_alter_question_author",
]


# The command's work on each backend is tested in-process (tests/migrations/test_squash.py).
@pytest.mark.backends("sqlite")
def test_squash_is_used_on_a_fresh_database_and_after_the_first_half(
    project, other_backend_url: str
) -> None:
    for models in (TUTORIAL_MODELS, WITH_AUTHOR, WIDENED, WITH_INDEX):
        project.write_models(models)
        ok(project.run("makemigrations", "polls"))
    assert sorted(p.stem for p in project.migrations_dir.glob("0*.py")) == ORIGINALS
    ok(project.run("migrate", "polls", "0002"))

    out = ok(project.run("squashmigrations", "polls", "0004", "--noinput"))
    assert "Will squash the following migrations:\n - 0001_initial\n" in out
    assert f"Checking the squash on two scratch {project.backend} databases" in out
    assert "Optimized from 5 operations to 2 operations." in out
    assert f"Created new squashed migration polls/migrations/{SQUASH}.py" in out
    source = (project.migrations_dir / f"{SQUASH}.py").read_text()
    assert "initial = True" in source
    assert '("polls", "0004_alter_question_author"),\n    ]' in source

    # Half applied: the originals stay in use until they are all applied.
    out = ok(project.run("showmigrations", "polls"))
    assert " [X] 0002_question_author\n [ ] 0003_alter_question_question_text\n" in out
    assert SQUASH not in out
    out = ok(project.run("migrate"))
    assert re.findall(r"Applying (\S+)\.\.\. OK", out) == [
        "polls.0003_alter_question_question_text",
        "polls.0004_alter_question_author",
    ]
    assert ok(project.run("showmigrations", "polls")) == f"polls\n [X] {SQUASH}\n"
    assert [name for _app, name in history(project)] == [*ORIGINALS, SQUASH]
    assert "No migrations to apply." in ok(project.run("migrate"))
    assert_schema_matches_state(project)

    # A fresh database runs the squash alone and records it with what it replaces.
    fresh = {"DATABASE_URL": re.sub(r"^(\w+)\+\w+://", r"\1://", other_backend_url)}
    out = ok(project.run("migrate", env=fresh))
    assert re.findall(r"Applying (\S+)\.\.\. OK", out) == [f"polls.{SQUASH}"]
    out = ok(project.run("showmigrations", env=fresh))
    assert f"polls\n [X] {SQUASH}\n" in out
    out = ok(project.run("sqlmigrate", "polls", SQUASH, env=fresh))
    assert "CREATE TABLE" in out
