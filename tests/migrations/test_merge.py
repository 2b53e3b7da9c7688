"""makemigrations --merge through ``schemashift.api``: branches written on disk, then merged."""

from __future__ import annotations

import io
import re

import pytest
from support.tutorial import TUTORIAL_MODELS, columns
from support.tutorial_project import TutorialProject

from schemashift import api
from schemashift.exceptions import AppNotFound, ConflictingMigrations, MigrationError
from schemashift.migrations.merge import merge_migration
from schemashift.migrations.questioner import InteractiveMigrationQuestioner

pytestmark = pytest.mark.backends("sqlite")

BRANCH = """\
from schemashift import migrations, models


class Migration(migrations.Migration):
    dependencies = {dependencies!r}
    operations = [
        migrations.AddField("question", "{field}", models.IntegerField(null=True)),
    ]
"""


def branch(project: TutorialProject, name: str, parent: str | None, field: str) -> None:
    """Write ``polls/migrations/<name>.py`` adding the field ``field`` to Question."""
    dependencies = [("polls", parent)] if parent else []
    source = BRANCH.format(dependencies=dependencies, field=field)
    (project.migrations_dir / f"{name}.py").write_text(source, encoding="utf-8")


@pytest.fixture
def branches(api_project: TutorialProject) -> TutorialProject:
    """The tutorial's 0001_initial, then two branches: 0002_a -> 0003_a, and 0002_b."""
    api_project.load(TUTORIAL_MODELS)
    api.makemigrations("polls")
    branch(api_project, "0002_a", "0001_initial", "a")
    branch(api_project, "0003_a", "0002_a", "a2")
    branch(api_project, "0002_b", "0001_initial", "b")
    return api_project


def migration_files(project: TutorialProject) -> set[str]:
    return {path.stem for path in project.migrations_dir.glob("0*.py")}


def test_a_merge_migration_joins_the_branches_and_migrate_applies_both(
    branches: TutorialProject,
) -> None:
    with pytest.raises(ConflictingMigrations, match="0002_b, 0003_a in polls") as refusal:
        api.migrate()
    assert "makemigrations --merge" in str(refusal.value)

    result = api.merge_migrations()

    (conflict,) = result.conflicts
    assert conflict.app_label == "polls"
    assert [(b.leaf, b.migrations, b.operations) for b in conflict.branches] == [
        ("0002_b", ("0002_b",), ("+ Add field b to question",)),
        (
            "0003_a",
            ("0002_a", "0003_a"),
            ("+ Add field a to question", "+ Add field a2 to question"),
        ),
    ]
    (merge,) = result.files
    assert merge.name == "0004_merge_0002_b_0003_a"
    assert merge.path == branches.migrations_dir / "0004_merge_0002_b_0003_a.py"
    source = merge.path.read_text(encoding="utf-8")
    assert '("polls", "0002_b"),\n        ("polls", "0003_a"),' in source
    assert "operations = []" in source

    applied = api.migrate().applied
    assert set(applied) == {
        "polls.0001_initial",
        "polls.0002_a",
        "polls.0003_a",
        "polls.0002_b",
        "polls.0004_merge_0002_b_0003_a",
    }
    assert applied[-1] == "polls.0004_merge_0002_b_0003_a"
    assert {"a", "a2", "b"} <= set(columns(branches, "polls_question"))
    assert api.merge_migrations() == api.MergeResult((), ())


def test_a_merge_declined_or_dry_run_writes_nothing(branches: TutorialProject) -> None:
    before = migration_files(branches)
    asked = io.StringIO()
    declined = InteractiveMigrationQuestioner(stdin=io.StringIO("n\n"), stdout=asked)
    shown: list[api.MergeConflict] = []

    result = api.merge_migrations(questioner=declined, on_conflict=shown.append)

    assert result.files == () and [c.app_label for c in result.conflicts] == ["polls"]
    assert shown == list(result.conflicts), "the branches are shown before the question"
    assert "Should these migration branches be merged? [y/N]" in asked.getvalue()
    assert migration_files(branches) == before

    dry = api.merge_migrations(dry_run=True, name="joined")
    assert [file.name for file in dry.files] == ["0004_joined"]
    assert migration_files(branches) == before


def test_the_apps_named_are_merged(branches: TutorialProject) -> None:
    with pytest.raises(AppNotFound, match="'nope' could not be found"):
        api.merge_migrations("nope")
    assert api.merge_migrations("polls").files[0].name == "0004_merge_0002_b_0003_a"


def test_branches_without_a_common_ancestor_are_not_merged(api_project: TutorialProject) -> None:
    api_project.load(TUTORIAL_MODELS)
    api_project.migrations_dir.mkdir(exist_ok=True)
    branch(api_project, "0001_a", None, "a")
    branch(api_project, "0001_b", None, "b")
    with pytest.raises(MigrationError, match="Could not find a common ancestor of the migrations"):
        api.merge_migrations()
    assert migration_files(api_project) == {"0001_a", "0001_b"}


def test_merge_names_follow_django() -> None:
    assert merge_migration("polls", ["0002_a", "0004_b"]).name == "0005_merge_0002_a_0004_b"
    assert merge_migration("polls", ["0002_b", "0002_a"], "joined").name == "0003_joined"
    squashed = merge_migration("polls", ["0001_squashed_0007_x", "0003_y"])
    assert squashed.name == "0008_merge_0001_squashed_0007_x_0003_y"
    assert squashed.dependencies == [("polls", "0001_squashed_0007_x"), ("polls", "0003_y")]
    assert squashed.operations == []
    long = merge_migration("polls", ["0002_" + "a" * 25, "0002_" + "b" * 25])
    assert re.fullmatch(r"0003_merge_\d{8}_\d{4}", long.name)
    assert merge_migration("polls", ["custom", "other"]).name == "0002_merge_custom_other"
