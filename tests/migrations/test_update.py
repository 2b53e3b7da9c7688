"""makemigrations --update through ``schemashift.api``: the latest migration rewritten."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.api_project import api_project_at
from support.tutorial import TUTORIAL_MODELS, WITH_AUTHOR, columns
from support.tutorial_project import TutorialProject

from schemashift import api
from schemashift.exceptions import MigrationError

pytestmark = pytest.mark.backends("sqlite")

WITH_EDITOR = WITH_AUTHOR.replace(
    '    author = models.CharField(max_length=100, default="anonymous")\n',
    '    author = models.CharField(max_length=100, default="anonymous")\n'
    "    editor = models.CharField(max_length=100, null=True)\n",
)
#: the author field of WITH_AUTHOR changed, as a later edit of the same work would
LONGER_AUTHOR = WITH_AUTHOR.replace("max_length=100", "max_length=150")


def migration_files(folder: Path) -> set[str]:
    return {path.stem for path in folder.glob("0*.py")}


def test_update_folds_the_changes_into_the_latest_migration(api_project: TutorialProject) -> None:
    api_project.load(TUTORIAL_MODELS)
    api.makemigrations("polls")
    api_project.load(WITH_AUTHOR)
    (added,) = api.makemigrations("polls")
    assert added.name == "0002_question_author"
    api_project.load(WITH_EDITOR)

    (updated,) = api.makemigrations("polls", update=True)

    assert updated.name == "0002_question_author_question_editor"
    assert updated.operations == (
        "+ Add field author to question",
        "+ Add field editor to question",
    )
    assert updated.updated_from == added.path
    folder = api_project.migrations_dir
    assert migration_files(folder) == {"0001_initial", "0002_question_author_question_editor"}
    source = updated.path.read_text(encoding="utf-8")
    assert '("polls", "0001_initial")' in source and "0002_question_author" not in source
    assert api.makemigrations("polls") == [], "the models are what the migrations say"
    assert api.migrate().applied == [
        "polls.0001_initial",
        "polls.0002_question_author_question_editor",
    ]
    assert {"author", "editor"} <= set(columns(api_project, "polls_question"))


def test_the_combined_operations_are_optimized(api_project: TutorialProject) -> None:
    api_project.load(WITH_AUTHOR)
    api.makemigrations("polls")
    api_project.load(LONGER_AUTHOR)

    (updated,) = api.makemigrations("polls", update=True)

    assert updated.name == "0001_initial_updated", "the suggested name is the name it had"
    assert updated.operations == ("+ Create model Question", "+ Create model Choice")
    source = updated.path.read_text(encoding="utf-8")
    assert "max_length=150" in source and "AlterField" not in source
    assert "initial = True" in source
    assert migration_files(api_project.migrations_dir) == {"0001_initial_updated"}

    api_project.load(TUTORIAL_MODELS)
    (named,) = api.makemigrations("polls", update=True, name="questions")
    assert named.name == "0001_questions"
    assert named.updated_from == updated.path
    assert migration_files(api_project.migrations_dir) == {"0001_questions"}


def test_a_dry_run_or_check_update_writes_nothing(api_project: TutorialProject) -> None:
    api_project.load(TUTORIAL_MODELS)
    api.makemigrations("polls")
    api_project.load(WITH_AUTHOR)
    folder = api_project.migrations_dir
    before = (folder / "0001_initial.py").read_text(encoding="utf-8")
    for options in ({"dry_run": True}, {"check": True}):
        (updated,) = api.makemigrations("polls", update=True, **options)
        assert updated.name == "0001_initial_updated"
    assert migration_files(folder) == {"0001_initial"}
    assert (folder / "0001_initial.py").read_text(encoding="utf-8") == before


def test_an_applied_latest_migration_is_not_updated(api_project: TutorialProject) -> None:
    api_project.load(TUTORIAL_MODELS)
    api.makemigrations("polls")
    api.migrate()
    api_project.load(WITH_AUTHOR)
    with pytest.raises(
        MigrationError, match="Cannot update applied migration 'polls.0001_initial'"
    ):
        api.makemigrations("polls", update=True)
    assert migration_files(api_project.migrations_dir) == {"0001_initial"}


def test_a_squash_or_an_app_without_migrations_is_not_updated(
    api_project: TutorialProject,
) -> None:
    api_project.load(WITH_AUTHOR)
    with pytest.raises(MigrationError, match="App 'polls' has no migration, cannot update"):
        api.makemigrations("polls", update=True)
    (initial,) = api.makemigrations("polls")
    squash = initial.path.with_name("0001_squashed_0002_x.py")
    squash.write_text(
        initial.path.read_text(encoding="utf-8").replace(
            "    initial = True\n",
            "    initial = True\n\n"
            '    replaces = [("polls", "0001_initial"), ("polls", "0002_x")]\n',
        ),
        encoding="utf-8",
    )
    initial.path.unlink()
    api_project.load(LONGER_AUTHOR)
    with pytest.raises(
        MigrationError, match="Cannot update squash migration 'polls.0001_squashed_0002_x'"
    ):
        api.makemigrations("polls", update=True)


PEOPLE = """
from schemashift import models


class Person(models.Model):
    name = models.CharField(max_length=100)
"""
POLLS = """
from schemashift import models


class Question(models.Model):
    text = models.CharField(max_length=200)
"""
POLLS_WITH_AUTHOR = POLLS + (
    '    author = models.ForeignKey("people.Person", on_delete=models.CASCADE, null=True)\n'
)


def test_a_migration_another_depends_on_is_not_updated(
    tmp_path: Path, backend_url: str, clean_env: pytest.MonkeyPatch
) -> None:
    with api_project_at(tmp_path / "p", backend_url, ("people", "polls"), clean_env) as project:
        project.load({"people": PEOPLE, "polls": POLLS})
        api.makemigrations()
        project.load({"polls": POLLS_WITH_AUTHOR})
        (updated,) = api.makemigrations("polls", update=True)
        assert updated.name == "0001_initial_updated"
        source = updated.path.read_text(encoding="utf-8")
        assert '("people", "0001_initial")' in source, "the new dependency is kept"

        project.load({"people": PEOPLE + "    age = models.IntegerField(null=True)\n"})
        people = project.migrations_dir("people")
        before = (people / "0001_initial.py").read_text(encoding="utf-8")
        with pytest.raises(
            MigrationError,
            match=r"Cannot update migration 'people.0001_initial' that migrations "
            r"'polls.0001_initial_updated' depend on\.",
        ):
            api.makemigrations("people", update=True)
        assert migration_files(people) == {"0001_initial"}
        assert (people / "0001_initial.py").read_text(encoding="utf-8") == before
