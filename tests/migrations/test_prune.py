"""migrate --prune through ``schemashift.api``: history rows of deleted migration files."""

from __future__ import annotations

import pytest
from support.tutorial import TUTORIAL_MODELS, WITH_AUTHOR, execute, history
from support.tutorial_project import TutorialProject

from schemashift import api
from schemashift.exceptions import CommandError, MigrationError, NodeNotFoundError

pytestmark = pytest.mark.backends("sqlite", "postgresql")


def record(project: TutorialProject, app: str, name: str) -> None:
    execute(
        project,
        "INSERT INTO schemashift_migrations (app, name, applied) "
        "VALUES (:app, :name, CURRENT_TIMESTAMP)",
        {"app": app, "name": name},
    )


def test_prune_deletes_the_rows_of_deleted_files_only(api_project: TutorialProject) -> None:
    api_project.load(TUTORIAL_MODELS)
    api.makemigrations("polls")
    api_project.load(WITH_AUTHOR)
    (added,) = api.makemigrations("polls")
    api.migrate()
    record(api_project, "polls", "0000_gone")
    record(api_project, "elsewhere", "0001_initial")
    added.path.unlink()
    api_project.load(TUTORIAL_MODELS)

    assert api.prune_migrations("polls") == ["polls.0000_gone", "polls.0002_question_author"]

    assert history(api_project) == [("polls", "0001_initial"), ("elsewhere", "0001_initial")]
    assert api.prune_migrations("polls") == []
    assert api.migrate().plan.steps == ()


def test_prune_needs_an_app_with_migrations(api_project: TutorialProject) -> None:
    api_project.load(TUTORIAL_MODELS)
    api.makemigrations("polls")
    api.migrate()
    record(api_project, "polls", "0009_gone")
    with pytest.raises(CommandError, match="pruned only when an app is specified"):
        api.prune_migrations(None)
    (api_project.migrations_dir / "__init__.py").unlink()
    api_project.load(TUTORIAL_MODELS)
    with pytest.raises(NodeNotFoundError, match="App 'polls' does not have migrations"):
        api.prune_migrations("polls")
    assert len(history(api_project)) == 2


def test_prune_refuses_while_a_squash_replaces_a_deleted_migration(
    api_project: TutorialProject,
) -> None:
    api_project.load(TUTORIAL_MODELS)
    (initial,) = api.makemigrations("polls")
    api.migrate()
    squash = initial.path.with_name("0001_squashed_0001.py")
    source = initial.path.read_text(encoding="utf-8")
    squash.write_text(
        source.replace(
            "    initial = True\n",
            '    initial = True\n\n    replaces = [("polls", "0001_initial")]\n',
        ),
        encoding="utf-8",
    )
    initial.path.unlink()
    with pytest.raises(MigrationError, match=r"Cannot use --prune .* polls\.0001_squashed_0001\."):
        api.prune_migrations("polls")
    assert history(api_project) == [("polls", "0001_initial")]

    # Once the squash is recorded and its replaces removed, the old row goes.
    record(api_project, "polls", "0001_squashed_0001")
    squash.write_text(source, encoding="utf-8")
    api_project.load(TUTORIAL_MODELS)
    assert api.prune_migrations("polls") == ["polls.0001_initial"]
    assert history(api_project) == [("polls", "0001_squashed_0001")]
