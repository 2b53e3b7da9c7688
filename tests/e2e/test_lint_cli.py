"""``lint`` as a user runs it: findings in makemigrations' output, the report, its exit
status, JSON, and an acknowledgement written into the migration file."""

from __future__ import annotations

import json

import pytest
from support.tutorial import TUTORIAL_MODELS, ok

WITHOUT_VOTES = TUTORIAL_MODELS.replace("    votes = models.IntegerField(default=0)\n", "")


@pytest.mark.backends("sqlite")
def test_lint_reports_exits_and_accepts_an_acknowledgement(project) -> None:
    project.write_models(TUTORIAL_MODELS)
    ok(project.run("makemigrations", "polls"))
    ok(project.run("migrate"))
    project.write_models(WITHOUT_VOTES)
    made = ok(project.run("makemigrations", "polls"))
    assert "- Remove field votes from choice\n      error drop-column:" in made
    plan = ok(project.run("migrate", "--plan"))
    assert "error drop-column: column votes of table polls_choice is dropped" in plan

    report = project.run("lint", "polls")
    assert report.returncode == 1, report.stdout + report.stderr
    assert "polls.0002_remove_choice_votes\n  1. Remove field votes from choice\n" in report.stdout
    assert "    error drop-column: column votes of table polls_choice is dropped\n" in report.stdout
    assert "      fix: First deploy an app version without the field" in report.stdout
    assert report.stdout.rstrip().endswith("in 2 migrations, for sqlite.")

    as_json = project.run("lint", "polls", "0002", "--server", "postgresql:16", "--format", "json")
    assert as_json.returncode == 1
    findings = json.loads(as_json.stdout)
    assert [(f["rule"], f["severity"], f["operation_index"]) for f in findings] == [
        ("drop-column", "error", 1),
        ("data-loss", "error", 1),
    ]
    assert set(findings[0]) == {
        "app", "migration", "operation_index", "operation", "rule", "severity", "message",
        "fix", "acknowledged",
    }  # fmt: skip

    path = project.migrations_dir / "0002_remove_choice_votes.py"
    path.write_text(
        path.read_text().replace(
            'name="votes",', 'name="votes",\n            acknowledge=["drop-column", "data-loss"],'
        )
    )
    clean = project.run("lint", "polls", "--server", "postgresql:16")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "0 errors, 0 warnings (2 acknowledged) in 2 migrations" in clean.stdout
    shown = ok(project.run("lint", "polls", "--server", "postgresql:16", "-v", "2"))
    assert "acknowledged drop-column" in shown

    # warnings alone exit 0, unless --fail-on warning
    (project.migrations_dir / "0003_data.py").write_text(DATA_MIGRATION)
    warned = ok(project.run("lint", "polls", "0003", "--server", "postgresql:16"))
    assert "warning runpython-no-reverse: RunPython(fill) has no reverse_code" in warned
    failed = project.run(
        "lint", "polls", "0003", "--server", "postgresql:16", "--fail-on", "warning"
    )
    assert failed.returncode == 1


DATA_MIGRATION = """\
from schemashift import migrations


def fill(apps, schema_editor):
    pass


class Migration(migrations.Migration):
    dependencies = [("polls", "0002_remove_choice_votes")]
    operations = [migrations.RunPython(fill)]
"""
