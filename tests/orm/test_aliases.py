"""Two entries of DATABASES: ``using()`` and ``atomic(using=...)`` reach the one named, and an
instance goes back to the database it came from."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest
from support.tutorial import TUTORIAL_MODELS

import schemashift
from schemashift.apps import apps
from schemashift.db import transaction
from schemashift.db.connection import Database, schema_editor
from schemashift.db.connections import connections
from schemashift.migrations.state import ProjectState
from schemashift.utils import timezone


@pytest.fixture
def polls(
    tmp_path: Path, make_settings: Callable[..., str], backend_url: str
) -> Iterator[ModuleType]:
    """The tutorial's app with its tables on "default" (SQLite) and "other" (the backend)."""
    folder = tmp_path / "polls"
    folder.mkdir()
    (folder / "__init__.py").touch()
    (folder / "models.py").write_text(textwrap.dedent(TUTORIAL_MODELS))
    default_url = f"sqlite:///{tmp_path / 'default.sqlite3'}"
    schemashift.setup(
        make_settings(
            "INSTALLED_APPS = ['polls']\n"
            f"DATABASES = {{'default': {default_url!r}, 'other': {backend_url!r}}}\n"
        )
    )
    state = ProjectState.from_apps(apps)
    for url in (default_url, backend_url):
        database = Database(url)
        with database.connect() as connection, schema_editor(connection) as editor:
            for name in ("question", "choice"):
                editor.create_model(state, state.models[("polls", name)])
        database.dispose()
    yield sys.modules["polls.models"]
    connections.reset()
    for name in list(sys.modules):
        if name.partition(".")[0] == "polls":
            del sys.modules[name]


def test_using_reads_and_writes_the_named_database(polls: ModuleType) -> None:
    Question, Choice = polls.Question, polls.Choice
    q = Question.objects.using("other").create(question_text="Elsewhere?", pub_date=timezone.now())
    Choice.objects.using("other").create(question=q, choice_text="Yes", votes=1)
    assert Question.objects.count() == 0
    assert Question.objects.using("other").count() == 1

    fetched = Question.objects.using("other").get()
    fetched.question_text = "Still elsewhere?"
    fetched.save()
    assert Question.objects.using("other").get().question_text == "Still elsewhere?"
    assert Question.objects.count() == 0
    assert fetched.choice_set.count() == 1

    assert fetched.delete() == (2, {"polls.Choice": 1, "polls.Question": 1})
    assert Question.objects.using("other").count() == 0


def test_atomic_using_rolls_back_only_that_database(polls: ModuleType) -> None:
    Question = polls.Question
    Question.objects.create(question_text="Kept", pub_date=timezone.now())
    with pytest.raises(RuntimeError), transaction.atomic(using="other"):
        Question.objects.using("other").create(question_text="Gone", pub_date=timezone.now())
        raise RuntimeError("roll back")
    assert Question.objects.using("other").count() == 0
    assert list(Question.objects.values_list("question_text", flat=True)) == ["Kept"]
