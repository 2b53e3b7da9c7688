"""Drift through the command line: ``check --database`` lists a change made by hand,
``migrate`` refuses to run over it, and ``makemigrations --from-database`` then
``migrate --fake`` leave the database clean."""

from __future__ import annotations

import pytest
from support.tutorial import TUTORIAL_MODELS, WITH_AUTHOR, execute, ok


@pytest.mark.backends("sqlite")
def test_check_migrate_and_a_migration_from_the_database(project) -> None:
    project.write_models(TUTORIAL_MODELS)
    ok(project.run("makemigrations", "polls"))
    ok(project.run("migrate"))
    clean = ok(project.run("check", "--database", "default"))
    assert "Database 'default' matches its applied migrations." in clean

    execute(project, "ALTER TABLE polls_choice ADD COLUMN note varchar(20) NULL")
    execute(project, "CREATE INDEX polls_choice_text_idx ON polls_choice (choice_text)")
    drifted = project.run("check", "--database", "default")
    assert drifted.returncode == 1
    assert (
        "  polls_choice:\n"
        "    column note: in the database (varchar(20) NULL), not in the history\n"
        "    index polls_choice_text_idx: in the database (on (choice_text)), not in the history\n"
    ) in drifted.stdout
    assert "makemigrations --from-database" in drifted.stdout

    project.write_models(WITH_AUTHOR)
    ok(project.run("makemigrations", "polls"))
    refused = project.run("migrate")
    assert refused.returncode == 1
    assert "polls_choice: column note: in the database" in refused.stderr
    assert "--allow-drift" in refused.stderr
    assert "Applying" not in refused.stdout
    assert "OK" in ok(project.run("migrate", "--allow-drift"))

    written = ok(project.run("makemigrations", "--from-database", "polls"))
    assert "0003_" in written and "+ Add field note to choice" in written
    assert "Applying polls.0003_" in ok(project.run("migrate", "--fake"))
    assert "matches its applied migrations" in ok(project.run("check", "--database", "default"))
