"""Data migrations through the real CLI: RunPython queries in the migration's transaction.

Some reach the database through ``schemashift.db.connections`` alone, the others through the
historical models' managers (``Question.objects``).
"""

from __future__ import annotations

import pytest
from support.tutorial import (
    QUESTIONS,
    TUTORIAL_MODELS,
    columns,
    history,
    ok,
    query,
    seed,
    tables,
)

WITH_SUMMARY = TUTORIAL_MODELS.replace(
    '    pub_date = models.DateTimeField("date published")\n',
    '    pub_date = models.DateTimeField("date published")\n'
    '    summary = models.CharField(max_length=200, default="")\n',
)
SUMMARY_RENAMED = WITH_SUMMARY.replace(
    "    question_text = models.CharField(max_length=200)\n",
    "    text = models.CharField(max_length=200)\n",
).replace("return self.question_text", "return self.text")

#: the end of each 0002 below: add Question.summary, fill it with the module's fill() and
#: empty it with its empty() when unapplied
ADD_SUMMARY_MIGRATION = """

class Migration(migrations.Migration):
    dependencies = [("polls", "0001_initial")]
    operations = [
        migrations.AddField("question", "summary", models.CharField(max_length=200, default="")),
        migrations.RunPython(fill, empty),
    ]
"""

#: 0002 filled through a table of SQLAlchemy Core on connections[alias]
FILL_WITH_CONNECTIONS = (
    """\
import sqlalchemy as sa

from schemashift import migrations, models
from schemashift.db.connections import connections

question = sa.table("polls_question", sa.column("question_text", sa.String), sa.column("summary"))


def fill(apps, schema_editor):
    db = connections[schema_editor.alias]
    db.execute(sa.update(question).values(summary=question.c.question_text + "!"))


def empty(apps, schema_editor):
    connections["default"].execute(sa.update(question).values(summary=""))
"""
    + ADD_SUMMARY_MIGRATION
)

#: 0002 filled through the historical model's manager
FILL_WITH_MANAGER = (
    """\
from schemashift import migrations, models


def fill(apps, schema_editor):
    Question = apps.get_model("polls", "Question")
    for question in Question.objects.order_by("id"):
        question.summary = question.question_text[:10].upper()
        question.save()
    assert not Question.objects.filter(summary="").exists()


def empty(apps, schema_editor):
    Question = apps.get_model("polls", "Question")
    Question.objects.update(summary="")
"""
    + ADD_SUMMARY_MIGRATION
)

FAILING = """\
import sqlalchemy as sa

from schemashift import migrations
from schemashift.db.connections import connections


def change_then_fail(apps, schema_editor):
    connections["default"].execute(sa.text("UPDATE polls_question SET question_text = 'lost'"))
    raise ValueError("the data migration found something wrong")


class Migration(migrations.Migration):
    dependencies = [("polls", "0001_initial")]
    operations = [migrations.RunPython(change_then_fail, migrations.RunPython.noop)]
"""


def start(project) -> None:
    """The tutorial's models migrated and seeded."""
    project.write_models(TUTORIAL_MODELS)
    ok(project.run("makemigrations", "polls"))
    ok(project.run("migrate"))
    seed(project)


def texts(project, column: str = "question_text") -> list[tuple]:
    return query(project, f"SELECT {column}, summary FROM polls_question ORDER BY id")


def test_run_python_queries_run_in_the_migration_transaction(project) -> None:
    start(project)
    (project.migrations_dir / "0002_fill.py").write_text(FILL_WITH_CONNECTIONS)
    project.write_models(WITH_SUMMARY)

    # were the queries on a connection of their own, the migration's locks would stop them
    assert "Applying polls.0002_fill... OK" in ok(project.run("migrate", timeout=60))
    assert texts(project) == [(text, f"{text}!") for _, text, _ in QUESTIONS]

    assert "Unapplying polls.0002_fill... OK" in ok(project.run("migrate", "polls", "0001"))
    assert "summary" not in columns(project, "polls_question")
    assert history(project) == [("polls", "0001_initial")]


def test_a_failing_data_migration_leaves_no_rows_changed(project) -> None:
    start(project)
    (project.migrations_dir / "0002_fail.py").write_text(FAILING)
    result = project.run("migrate", timeout=60)
    assert result.returncode != 0
    assert "ValueError: the data migration found something wrong" in result.stderr
    assert query(project, "SELECT question_text FROM polls_question ORDER BY id") == [
        (text,) for _, text, _ in QUESTIONS
    ]
    assert history(project) == [("polls", "0001_initial")]


@pytest.mark.parametrize(("atomic", "kept"), [(True, False), (False, True)])
def test_run_python_atomic_option_in_a_migration_that_is_not_atomic(
    project, atomic: bool, kept: bool
) -> None:
    start(project)
    source = FAILING.replace(
        "class Migration(migrations.Migration):\n",
        "class Migration(migrations.Migration):\n    atomic = False\n",
    ).replace("migrations.RunPython.noop)", f"migrations.RunPython.noop, atomic={atomic})")
    (project.migrations_dir / "0002_fail.py").write_text(source)
    result = project.run("migrate", timeout=60)
    assert result.returncode != 0
    assert "ValueError: the data migration found something wrong" in result.stderr
    rows = query(project, "SELECT question_text FROM polls_question ORDER BY id")
    if kept:
        assert rows == [("lost",), ("lost",)], "each statement commits at once"
    else:
        assert rows == [(text,) for _, text, _ in QUESTIONS]
    assert history(project) == [("polls", "0001_initial")]


def test_historical_manager_fills_a_column_across_a_later_rename(project) -> None:
    start(project)
    (project.migrations_dir / "0002_fill.py").write_text(FILL_WITH_MANAGER)
    project.write_models(WITH_SUMMARY)
    expected = [(text, text[:10].upper()) for _, text, _ in QUESTIONS]
    assert "Applying polls.0002_fill... OK" in ok(project.run("migrate"))
    assert texts(project) == expected

    project.write_models(SUMMARY_RENAMED)
    out = ok(project.run("makemigrations", "polls", input="y\n"))
    assert "renamed to question.text" in out
    ok(project.run("migrate"))
    assert texts(project, "text") == expected

    # backwards through the rename and the data migration
    ok(project.run("migrate", "polls", "0002"))
    assert texts(project) == expected
    out = ok(project.run("migrate", "polls", "zero"))
    assert "Unapplying polls.0002_fill... OK" in out
    assert tables(project) == {"schemashift_migrations"}

    # forwards again with rows: the data migration still reads question_text
    ok(project.run("migrate", "polls", "0001"))
    seed(project)
    out = ok(project.run("migrate"))
    assert "Applying polls.0002_fill... OK" in out
    assert "Applying polls.0003_" in out
    assert texts(project, "text") == expected
    assert "question_text" not in columns(project, "polls_question")


TUTORIAL_SHELL_SESSION = """\
from polls.models import Choice, Question
from schemashift.utils import timezone

print(list(Question.objects.all()))
q = Question(question_text="What's new?", pub_date=timezone.now())
q.save()
print(q.id, q.question_text)
q.question_text = "What's up?"
q.save()
print([str(question) for question in Question.objects.all()])
print(Question.objects.filter(id=1).count())
print(Question.objects.filter(question_text__startswith="What").count())
current_year = timezone.now().year
print(Question.objects.get(pub_date__year=current_year))
try:
    Question.objects.get(id=2)
except Question.DoesNotExist:
    print("DoesNotExist")
print(Question.objects.get(pk=1).was_published_recently())
q = Question.objects.get(pk=1)
print(q.choice_set.count())
q.choice_set.create(choice_text="Not much", votes=0)
q.choice_set.create(choice_text="The sky", votes=0)
c = q.choice_set.create(choice_text="Just hacking again", votes=0)
print(c.question)
print(sorted(str(choice) for choice in q.choice_set.all()))
print(q.choice_set.count())
print(Choice.objects.filter(question__pub_date__year=current_year).count())
c = q.choice_set.filter(choice_text__startswith="Just hacking")
c.delete()
print(q.choice_set.count())
"""

TUTORIAL_SHELL_OUTPUT = """\
[]
1 What's new?
["What's up?"]
1
1
What's up?
DoesNotExist
True
0
What's up?
['Just hacking again', 'Not much', 'The sky']
3
3
2
"""


def test_tutorial_shell_session(project) -> None:
    project.write_models(TUTORIAL_MODELS)
    ok(project.run("makemigrations", "polls"))
    ok(project.run("migrate"))
    assert ok(project.run("shell", "-c", TUTORIAL_SHELL_SESSION)) == TUTORIAL_SHELL_OUTPUT
    assert query(project, "SELECT choice_text FROM polls_choice ORDER BY id") == [
        ("Not much",),
        ("The sky",),
    ]
