"""The data-loss gate through the command line: the plan names the loss, migrate refuses with
exit status 1 and no traceback, and --allow-data-loss runs it."""

from __future__ import annotations

import pytest
from support.tutorial import TUTORIAL_MODELS, columns, ok, seed

WITHOUT_VOTES = TUTORIAL_MODELS.replace("    votes = models.IntegerField(default=0)\n", "")

pytestmark = pytest.mark.backends("sqlite")


def test_migrate_refuses_to_drop_values_until_told(project) -> None:
    project.write_models(TUTORIAL_MODELS)
    ok(project.run("makemigrations", "polls"))
    ok(project.run("migrate"))
    seed(project)
    project.write_models(WITHOUT_VOTES)
    ok(project.run("makemigrations", "polls", "--noinput"))
    plan = ok(project.run("migrate", "--plan"))
    assert "data loss: drops column votes of polls_choice (not acknowledged)" in plan
    refused = project.run("migrate")
    assert refused.returncode == 1
    assert "Traceback" not in refused.stderr
    assert "polls.0002_remove_choice_votes, operation 1 (Remove field votes from choice)" in (
        refused.stderr
    )
    assert "votes" in columns(project, "polls_choice")
    ok(project.run("migrate", "--allow-data-loss"))
    assert "votes" not in columns(project, "polls_choice")
