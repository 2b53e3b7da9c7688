"""A small user project for the pytest plugin's tests: the app ``polls`` with two migrations
(the second adds a field and fills it), and a test suite using ``db``, ``transactional_db``
and ``migrator``, run by pytest in a subprocess as its user would."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

SETTINGS = """\
INSTALLED_APPS = ["polls"]
DATABASES = {"default": "sqlite:///db.sqlite3"}
"""

MODELS = """\
from schemashift import models


class Question(models.Model):
    question_text = models.CharField(max_length=200)
    summary = models.CharField(max_length=200, default="")


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE)
    choice_text = models.CharField(max_length=200)
    votes = models.IntegerField(default=0)
"""

#: the models before 0002: no summary
MODELS_0001 = MODELS.replace('    summary = models.CharField(max_length=200, default="")\n', "")

INITIAL = """\
from schemashift import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Question",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ("question_text", models.CharField(max_length=200)),
            ],
        ),
        migrations.CreateModel(
            name="Choice",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ("choice_text", models.CharField(max_length=200)),
                ("votes", models.IntegerField(default=0)),
                ("question", models.ForeignKey(on_delete=models.CASCADE, to="polls.question")),
            ],
        ),
    ]
"""

#: adds Question.summary and fills it with the question in capitals
ADD_SUMMARY = """\
from schemashift import migrations, models


def fill(apps, schema_editor):
    Question = apps.get_model("polls", "Question")
    for question in Question.objects.all():
        question.summary = question.question_text.upper()
        question.save()


class Migration(migrations.Migration):
    dependencies = [("polls", "0001_initial")]

    operations = [
        migrations.AddField("question", "summary", models.CharField(max_length=200, default="")),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
"""

#: a migration removing a field that does not exist
BROKEN = """\
from schemashift import migrations


class Migration(migrations.Migration):
    dependencies = [("polls", "0002_question_summary")]

    operations = [migrations.RemoveField("question", "no_such_field")]
"""

#: in the order pytest runs them: the third and the fifth fail if a test's rows outlive it
TESTS = """\
import os

import pytest

from schemashift.conf import settings
from schemashift.db import transaction


def test_creates_a_question(db):
    from polls.models import Question

    with open(os.environ["SEEN_DATABASE_FILE"], "w") as seen:
        seen.write(settings.DATABASES["default"])
    Question.objects.create(question_text="Only mine?")
    assert Question.objects.count() == 1


def test_a_failed_atomic_block_rolls_back_its_own_rows(db):
    from polls.models import Question

    Question.objects.create(question_text="kept")
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        Question.objects.create(question_text="undone")
        1 / 0
    assert list(Question.objects.values_list("question_text", flat=True)) == ["kept"]


def test_sees_no_question_of_the_tests_before(db):
    from polls.models import Question

    assert Question.objects.count() == 0


def test_commits(transactional_db):
    from polls.models import Choice, Question

    with transaction.atomic():
        question = Question.objects.create(question_text="Committed?")
        Choice.objects.create(question=question, choice_text="Yes")
    assert Question.objects.count() == 1


def test_sees_nothing_committed_before_and_ids_restart(db):
    from polls.models import Choice, Question

    assert (Question.objects.count(), Choice.objects.count()) == (0, 0)
    assert Question.objects.create(question_text="First").id == 1


def test_migrator_runs_0002_forwards_and_back(migrator):
    old = migrator.migrate("polls", "0001_initial")
    Question = old.apps.get_model("polls", "Question")
    Question.objects.create(question_text="What's new?")

    new = migrator.migrate("polls", "0002")
    Question = new.apps.get_model("polls", "Question")
    assert Question.objects.get().summary == "WHAT'S NEW?"

    back = migrator.migrate([("polls", "0001_initial")])
    Question = back.apps.get_model("polls", "Question")
    assert [field.name for field in Question._meta.fields] == ["id", "question_text"]
    assert Question.objects.get().question_text == "What's new?"

    migrator.migrate("polls", "zero")
    with pytest.raises(Exception, match="polls_question"):
        Question.objects.count()


def test_the_test_database_is_still_whole(db):
    from polls.models import Question

    assert Question.objects.create(question_text="Still here", summary="yes").summary == "yes"
    assert Question.objects.count() == 1
"""

#: how many tests TESTS holds
TEST_COUNT = 7


@dataclass
class PluginProject:
    """The project folder and the configured database the runs name in DATABASE_URL."""

    dir: Path
    backend: str
    #: the configured database on a server; None on SQLite (``db.sqlite3`` of the settings)
    server_url: str | None

    def write(self, relative: str, source: str) -> None:
        path = self.dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)

    @property
    def seen_file(self) -> Path:
        return self.dir / "seen-database.txt"

    def seen_database(self) -> str:
        """The URL the last run's first test saw as the default database."""
        return self.seen_file.read_text()

    def run_pytest(
        self, *args: str, env: Mapping[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """``python -m pytest -p schemashift.testing.plugin *args`` in the project folder.

        Other installed plugins are not loaded (the entry point of a schemashift installed
        before the plugin existed neither), so the runs are the same everywhere.
        """
        full_env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"SCHEMASHIFT_SETTINGS", "DATABASE_URL"} and not key.startswith("PYTEST_")
        }
        full_env.update(
            PYTEST_DISABLE_PLUGIN_AUTOLOAD="1",
            PYTHONDONTWRITEBYTECODE="1",
            SEEN_DATABASE_FILE=str(self.seen_file),
        )
        if self.server_url:
            full_env["DATABASE_URL"] = self.server_url
        full_env.update(env or {})
        command = [sys.executable, "-m", "pytest", "-p", "schemashift.testing.plugin"]
        return subprocess.run(
            [*command, "-p", "no:cacheprovider", "-q", *args],
            cwd=self.dir,
            capture_output=True,
            text=True,
            env=full_env,
            timeout=300,
            check=False,
        )


def make_project(folder: Path, backend: str, server_url: str | None) -> PluginProject:
    """The project with both migrations, its settings named by its pytest.ini."""
    project = PluginProject(folder, backend, server_url)
    project.write("pytest.ini", "[pytest]\nschemashift_settings = mysite.settings\n")
    project.write("mysite/__init__.py", "")
    project.write("mysite/settings.py", SETTINGS)
    project.write("polls/__init__.py", "")
    project.write("polls/models.py", MODELS)
    project.write("polls/migrations/__init__.py", "")
    project.write("polls/migrations/0001_initial.py", INITIAL)
    project.write("polls/migrations/0002_question_summary.py", ADD_SUMMARY)
    project.write("tests/test_polls.py", TESTS)
    return project


# -- looking at the databases -------------------------------------------------------------


def server_databases(url: str) -> set[str]:
    """The names of the databases on the server of ``url``."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        admin, sql = parsed.set(database="postgres"), "SELECT datname FROM pg_database"
    else:
        admin, sql = parsed._replace(database=None), "SHOW DATABASES"
    engine = sa.create_engine(admin, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            return {row[0] for row in connection.exec_driver_sql(sql)}
    finally:
        engine.dispose()


def tables(url: str) -> set[str]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            return set(sa.inspect(connection).get_table_names())
    finally:
        engine.dispose()


def columns(url: str, table: str) -> list[str]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            return [column["name"] for column in sa.inspect(connection).get_columns(table)]
    finally:
        engine.dispose()


def execute(url: str, sql: str) -> list[tuple]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as connection:
            result = connection.exec_driver_sql(sql)
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        engine.dispose()
