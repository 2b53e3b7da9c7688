"""A data migration written with expressions: ``Case``/``When``, ``F`` and ``Lower`` on the
historical models of ``apps.get_model``, forwards and backwards through the real CLI."""

from __future__ import annotations

from support.tutorial import CHOICES, QUESTIONS, TUTORIAL_MODELS, history, ok, query, seed

WITH_SUMMARY = TUTORIAL_MODELS.replace(
    '    pub_date = models.DateTimeField("date published")\n',
    '    pub_date = models.DateTimeField("date published")\n'
    '    summary = models.CharField(max_length=200, default="")\n',
)

EXPRESSIONS_MIGRATION = """\
from schemashift import migrations, models
from schemashift.models import Case, F, Value, When
from schemashift.models.functions import Lower


def fill(apps, schema_editor):
    Question = apps.get_model("polls", "Question")
    Choice = apps.get_model("polls", "Choice")
    Question.objects.update(
        summary=Case(
            When(question_text__endswith="?", then=Lower("question_text")),
            default=Value("statement"),
        )
    )
    Choice.objects.update(
        votes=Case(When(votes__gt=3, then=F("votes") * 10), default=F("votes") + 1)
    )


def unfill(apps, schema_editor):
    Choice = apps.get_model("polls", "Choice")
    Choice.objects.update(
        votes=Case(When(votes__gte=40, then=F("votes") / 10), default=F("votes") - 1)
    )


class Migration(migrations.Migration):
    dependencies = [("polls", "0001_initial")]
    operations = [
        migrations.AddField("question", "summary", models.CharField(max_length=200, default="")),
        migrations.RunPython(fill, unfill),
    ]
"""


def test_data_migration_with_case_when_f_and_lower(project) -> None:
    project.write_models(TUTORIAL_MODELS)
    ok(project.run("makemigrations", "polls"))
    ok(project.run("migrate"))
    seed(project)
    (project.migrations_dir / "0002_summaries.py").write_text(EXPRESSIONS_MIGRATION)
    project.write_models(WITH_SUMMARY)

    assert "Applying polls.0002_summaries... OK" in ok(project.run("migrate"))
    summaries = query(project, "SELECT question_text, summary FROM polls_question ORDER BY id")
    assert summaries == [("What's new?", "what's new?"), (QUESTIONS[1][1], "statement")]
    votes = query(project, "SELECT votes FROM polls_choice ORDER BY id")
    assert [v for (v,) in votes] == [4, 50, 1]

    assert "Unapplying polls.0002_summaries... OK" in ok(project.run("migrate", "polls", "0001"))
    votes = query(project, "SELECT votes FROM polls_choice ORDER BY id")
    assert [v for (v,) in votes] == [count for *_, count in CHOICES]
    assert history(project) == [("polls", "0001_initial")]
