"""makemigrations --merge and --update, migrate --check and --prune, typed as a user would."""

from __future__ import annotations

import pytest
from support.tutorial import TUTORIAL_MODELS, WITH_AUTHOR, history, ok, tables

pytestmark = pytest.mark.backends("sqlite")

BRANCH = """\
from schemashift import migrations, models


class Migration(migrations.Migration):
    dependencies = [("polls", "0001_initial")]
    operations = [
        migrations.AddField("question", "{field}", models.IntegerField(null=True)),
    ]
"""


def migration_files(project) -> set[str]:
    return {path.name for path in project.migrations_dir.glob("0*.py")}


def test_merge_asks_then_writes_a_migration_that_migrate_applies(project) -> None:
    project.write_models(TUTORIAL_MODELS)
    ok(project.run("makemigrations"))
    for field in ("a", "b"):
        (project.migrations_dir / f"0002_{field}.py").write_text(BRANCH.format(field=field))
    refused = project.run("makemigrations")
    assert refused.returncode == 1 and "makemigrations --merge" in refused.stderr

    declined = ok(project.run("makemigrations", "--merge", input="n\n"))
    assert "Merging polls\n  Branch 0002_a\n    + Add field a to question\n" in declined
    assert "Should these migration branches be merged? [y/N] n" in declined
    assert migration_files(project) == {"0001_initial.py", "0002_a.py", "0002_b.py"}

    merged = ok(project.run("makemigrations", "--merge", input="y\n"))
    assert "Created new merge migration polls/migrations/0003_merge_0002_a_0002_b.py" in merged
    assert "Applying polls.0003_merge_0002_a_0002_b... OK" in ok(project.run("migrate"))
    assert "No conflicts detected to merge." in ok(project.run("makemigrations", "--merge"))


def test_update_rewrites_the_latest_migration(project) -> None:
    project.write_models(TUTORIAL_MODELS)
    ok(project.run("makemigrations"))
    project.write_models(WITH_AUTHOR)
    out = ok(project.run("makemigrations", "--update"))
    assert "polls/migrations/0001_initial_updated.py" in out
    assert "Deleted polls/migrations/0001_initial.py" in out
    assert migration_files(project) == {"0001_initial_updated.py"}
    assert "author" in (project.migrations_dir / "0001_initial_updated.py").read_text()


def test_migrate_check_exits_1_while_migrations_are_unapplied(project) -> None:
    project.write_models(TUTORIAL_MODELS)
    ok(project.run("makemigrations"))
    pending = project.run("migrate", "--check")
    assert pending.returncode == 1, pending.stderr
    assert "Planned operations:\npolls.0001_initial\n    Create model Question" in pending.stdout
    assert tables(project) == set(), "no table, not even the history table"
    ok(project.run("migrate"))
    rows = history(project)
    assert ok(project.run("migrate", "--check")) == ""
    assert history(project) == rows


def test_prune_forgets_migrations_whose_files_are_gone(project) -> None:
    project.write_models(TUTORIAL_MODELS)
    ok(project.run("makemigrations"))
    ok(project.run("makemigrations", "polls", "--empty", "--name", "gone"))
    ok(project.run("migrate"))
    (project.migrations_dir / "0002_gone.py").unlink()

    refused = project.run("migrate", "--prune")
    assert refused.returncode == 1
    assert "Migrations can be pruned only when an app is specified." in refused.stderr
    out = ok(project.run("migrate", "polls", "--prune"))
    assert out == "Pruning migrations:\n  Pruning polls.0002_gone OK\n"
    assert history(project) == [("polls", "0001_initial")]
