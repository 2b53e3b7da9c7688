"""A plain script: ``schemashift.setup()``, then the models and the database are usable."""

from __future__ import annotations

import pytest
from support.tutorial import TUTORIAL_MODELS, ok, query

SETTINGS = {"SCHEMASHIFT_SETTINGS": "mysite.settings"}

CONNECTIONS_SCRIPT = """\
import sqlalchemy as sa

import schemashift

settings = schemashift.setup()

from polls.models import Question
from schemashift.db.connections import connections

db = connections["default"]
db.execute(
    sa.text("INSERT INTO polls_question (question_text, pub_date) VALUES (:text, :date)"),
    {"text": "From a script", "date": "2026-03-03 08:00:00"},
)
count = db.execute(sa.text("SELECT count(*) FROM polls_question")).scalar()
print(settings.SETTINGS_MODULE, Question._meta.db_table, count)
"""

QUERY_SCRIPT = """\
import schemashift

schemashift.setup()

from polls.models import Question
from schemashift.utils import timezone

Question.objects.create(question_text="From a script", pub_date=timezone.now())
print(Question.objects.count(), Question.objects.get().question_text)
"""


@pytest.fixture
def migrated(project):
    project.write_models(TUTORIAL_MODELS)
    ok(project.run("makemigrations", "polls"))
    ok(project.run("migrate"))
    return project


def test_setup_in_a_script_reaches_the_database(migrated) -> None:
    (migrated.dir / "script.py").write_text(CONNECTIONS_SCRIPT)
    out = ok(migrated.run_python(["script.py"], env=SETTINGS))
    assert out == "mysite.settings polls_question 1\n"
    assert query(migrated, "SELECT question_text FROM polls_question") == [("From a script",)]


def test_setup_in_a_script_then_the_query_api(migrated) -> None:
    (migrated.dir / "script.py").write_text(QUERY_SCRIPT)
    assert ok(migrated.run_python(["script.py"], env=SETTINGS)) == "1 From a script\n"


def test_setup_without_settings_says_how_to_name_them(project) -> None:
    (project.dir / "script.py").write_text("import schemashift\nschemashift.setup()\n")
    result = project.run_python(["script.py"])
    assert result.returncode == 1
    assert "ImproperlyConfigured: No settings module" in result.stderr
    assert "SCHEMASHIFT_SETTINGS" in result.stderr
