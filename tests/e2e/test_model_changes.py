"""Model changes beyond the tutorial, through the real CLI, with the rows checked each time."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from support.tutorial import (
    CHOICES,
    QUESTIONS,
    TUTORIAL_MODELS,
    execute,
    foreign_key_targets,
    indexes,
    ok,
    query,
    seed,
    tables,
)

RENAMED_MODEL = TUTORIAL_MODELS.replace("class Question(", "class Poll(").replace(
    "models.ForeignKey(Question,", "models.ForeignKey(Poll,"
)


def start(project) -> None:
    project.write_models(TUTORIAL_MODELS)
    ok(project.run("makemigrations", "polls"))
    ok(project.run("migrate"))
    seed(project)


def test_model_rename_confirmed_at_the_prompt_keeps_rows_and_relations(project) -> None:
    start(project)
    project.write_models(RENAMED_MODEL)
    out = ok(project.run("makemigrations", "polls", input="y\n"))
    assert "Was the model polls.Question renamed to Poll? [y/N]" in out
    assert "~ Rename model Question to Poll" in out
    assert "0002_rename_question_poll.py" in out
    ok(project.run("migrate"))
    assert "polls_question" not in tables(project)
    assert query(project, "SELECT id, question_text, pub_date FROM polls_poll ORDER BY id") == (
        QUESTIONS
    )
    assert foreign_key_targets(project, "polls_choice") == {"polls_poll"}
    assert "No changes detected" in ok(project.run("makemigrations", "--check"))

    ok(project.run("migrate", "polls", "0001"))
    assert query(project, "SELECT id, question_text, pub_date FROM polls_question ORDER BY id") == (
        QUESTIONS
    )
    assert query(
        project, "SELECT id, question_id, choice_text, votes FROM polls_choice ORDER BY id"
    ) == (CHOICES)


def test_declined_model_rename_is_delete_and_create(project) -> None:
    start(project)
    project.write_models(RENAMED_MODEL)
    out = ok(project.run("makemigrations", "polls", input="n\n"))
    assert "+ Create model Poll" in out
    assert "- Delete model Question" in out


def test_db_table_unique_together_and_index_changes(project) -> None:
    start(project)
    project.write_models(
        TUTORIAL_MODELS.replace(
            "    def __str__(self):\n        return self.choice_text\n",
            "    def __str__(self):\n        return self.choice_text\n\n"
            "    class Meta:\n"
            '        db_table = "poll_choices"\n'
            '        unique_together = [("question", "choice_text")]\n'
            '        indexes = [models.Index(fields=["-votes"], name="choice_votes_idx")]\n',
        )
    )
    out = ok(project.run("makemigrations", "polls"))
    assert "Rename table for choice to poll_choices" in out
    assert "Create index choice_votes_idx on field(s) -votes of model choice" in out
    assert "Alter unique_together for choice (1 constraint(s))" in out
    ok(project.run("migrate"))
    assert "polls_choice" not in tables(project)
    assert query(
        project, "SELECT id, question_id, choice_text, votes FROM poll_choices ORDER BY id"
    ) == (CHOICES)
    found = indexes(project, "poll_choices")
    assert found["choice_votes_idx"] == ["votes"]
    assert ["question_id", "choice_text"] in found.values()
    try:
        execute(
            project,
            "INSERT INTO poll_choices (id, question_id, choice_text, votes) "
            "VALUES (99, 1, 'Not much', 0)",
        )
    except sa.exc.IntegrityError as exc:
        assert "unique" in str(exc).lower() or "duplicate" in str(exc).lower()
    else:
        raise AssertionError("unique_together was not enforced")

    ok(project.run("migrate", "polls", "0001"))
    assert "poll_choices" not in tables(project)
    assert "choice_votes_idx" not in indexes(project, "polls_choice")
    assert query(
        project, "SELECT id, question_id, choice_text, votes FROM polls_choice ORDER BY id"
    ) == (CHOICES)


def test_cross_app_foreign_key_depends_on_the_other_app(project) -> None:
    ok(project.run("startapp", "people"))
    settings = project.dir / "mysite" / "settings.py"
    settings.write_text(
        settings.read_text().replace(
            '"polls.apps.PollsConfig",', '"polls.apps.PollsConfig",\n    "people",'
        )
    )
    (project.dir / "people" / "models.py").write_text(
        "from schemashift import models\n\n\n"
        "class Person(models.Model):\n    name = models.CharField(max_length=50)\n"
    )
    project.write_models(
        TUTORIAL_MODELS.replace(
            '    pub_date = models.DateTimeField("date published")\n',
            '    pub_date = models.DateTimeField("date published")\n'
            '    author = models.ForeignKey("people.Person", on_delete=models.SET_NULL, '
            "null=True)\n",
        )
    )
    out = ok(project.run("makemigrations"))
    assert "people/migrations/0001_initial.py" in out
    source = (project.migrations_dir / "0001_initial.py").read_text()
    assert '("people", "0001_initial")' in source
    out = ok(project.run("migrate"))
    assert out.index("Applying people.0001_initial") < out.index("Applying polls.0001_initial")
    out = ok(project.run("migrate", "people", "zero"))
    assert "Unapplying polls.0001_initial... OK" in out
    assert "Unapplying people.0001_initial... OK" in out
    assert tables(project) == {"schemashift_migrations"}


@pytest.mark.backends("sqlite")  # the loader and the autodetector only
def test_conflicting_leaves_are_refused(project) -> None:
    project.write_models(TUTORIAL_MODELS)
    ok(project.run("makemigrations", "polls"))
    for name in ("0002_a", "0002_b"):
        (project.migrations_dir / f"{name}.py").write_text(
            "from schemashift import migrations\n\n\n"
            "class Migration(migrations.Migration):\n"
            "    dependencies = [('polls', '0001_initial')]\n"
            "    operations = []\n"
        )
    for command in ("migrate", "makemigrations"):
        result = project.run(command)
        assert result.returncode != 0
        assert "Conflicting migrations detected" in result.stderr
        assert "0002_a, 0002_b in polls" in result.stderr
        assert "Traceback" not in result.stderr
    assert "polls_question" not in tables(project)


def test_inconsistent_history_is_refused(project) -> None:
    project.write_models(TUTORIAL_MODELS)
    ok(project.run("makemigrations", "polls"))
    ok(project.run("makemigrations", "polls", "--empty", "--name", "second"))
    ok(project.run("migrate"))
    execute(project, "DELETE FROM schemashift_migrations WHERE name = '0001_initial'")
    result = project.run("migrate")
    assert result.returncode != 0
    assert "polls.0002_second is applied before its dependency polls.0001_initial" in (
        result.stderr
    )
    assert "Traceback" not in result.stderr


def test_turning_managed_off_keeps_the_table(project) -> None:
    start(project)
    project.write_models(
        TUTORIAL_MODELS.replace(
            "    def __str__(self):\n        return self.choice_text\n",
            "    def __str__(self):\n        return self.choice_text\n\n"
            "    class Meta:\n        managed = False\n",
        )
    )
    out = ok(project.run("makemigrations", "polls"))
    assert "Change Meta options on choice" in out
    assert "Delete model" not in out
    ok(project.run("migrate"))
    assert query(
        project, "SELECT id, question_id, choice_text, votes FROM polls_choice ORDER BY id"
    ) == (CHOICES)


def test_attnames_in_unique_together_and_indexes(project) -> None:
    start(project)
    project.write_models(
        TUTORIAL_MODELS.replace(
            "    def __str__(self):\n        return self.choice_text\n",
            "    def __str__(self):\n        return self.choice_text\n\n"
            "    class Meta:\n"
            '        unique_together = [("question_id", "choice_text")]\n'
            '        indexes = [models.Index(fields=["question_id", "-votes"], name="by_votes")]\n',
        )
    )
    ok(project.run("makemigrations", "polls"))
    ok(project.run("migrate"))
    found = indexes(project, "polls_choice")
    assert found["by_votes"] == ["question_id", "votes"]
    assert ["question_id", "choice_text"] in found.values()
    ok(project.run("migrate", "polls", "0001"))
    assert "by_votes" not in indexes(project, "polls_choice")
    assert query(
        project, "SELECT id, question_id, choice_text, votes FROM polls_choice ORDER BY id"
    ) == (CHOICES)


DATA_MIGRATION = """\
from schemashift import migrations


def shout(apps, schema_editor):
    Question = apps.get_model("polls", "Question")
    table = schema_editor.quote_name(Question._meta.db_table)
    column = schema_editor.quote_name(Question._meta.get_field("question_text").column)
    for pk, text in schema_editor.query(f"SELECT id, {column} FROM {table}"):
        schema_editor.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [text + "!", pk])


def whisper(apps, schema_editor):
    Question = apps.get_model("polls.Question")
    for question in Question.objects.all():
        question.question_text = question.question_text.rstrip("!")
        question.save()


class Migration(migrations.Migration):
    dependencies = [("polls", "0001_initial")]
    operations = [migrations.RunPython(shout, whisper)]
"""


def test_data_migration_gets_historical_models(project) -> None:
    start(project)
    (project.migrations_dir / "0002_shout.py").write_text(DATA_MIGRATION)
    out = ok(project.run("migrate", "--plan"))
    assert "polls.0002_shout" in out
    assert "Applying polls.0002_shout... OK" in ok(project.run("migrate"))
    assert query(project, "SELECT question_text FROM polls_question ORDER BY id") == [
        (f"{text}!",) for _id, text, _date in QUESTIONS
    ]
    sql = ok(project.run("sqlmigrate", "polls", "0002"))
    assert "-- THIS OPERATION CANNOT BE WRITTEN AS SQL" in sql
    ok(project.run("migrate", "polls", "0001"))
    assert query(project, "SELECT question_text FROM polls_question ORDER BY id") == [
        (text,) for _id, text, _date in QUESTIONS
    ]


@pytest.mark.backends("sqlite")  # the loader and the autodetector only
def test_migration_naming_a_missing_model_is_a_clear_error(project) -> None:
    project.write_models(TUTORIAL_MODELS)
    ok(project.run("makemigrations", "polls"))
    (project.migrations_dir / "0002_stray.py").write_text(
        "from schemashift import migrations, models\n\n\n"
        "class Migration(migrations.Migration):\n"
        "    dependencies = [('polls', '0001_initial')]\n"
        "    operations = [\n"
        "        migrations.AddField('poll', 'x', models.IntegerField(null=True)),\n"
        "    ]\n"
    )
    results = {args: project.run(*args) for args in (("migrate",), ("makemigrations",))}
    results[("sqlmigrate", "polls", "0002")] = project.run("sqlmigrate", "polls", "0002")
    for args, result in results.items():
        assert result.returncode != 0, args
        assert "Migration polls.0002_stray cannot apply 'Add field x to poll'" in result.stderr
        assert "No model 'polls.poll'" in result.stderr
        assert "Traceback" not in result.stderr
    # the broken migration is found before anything runs: 0001_initial is not applied either
    assert "Applying" not in results[("migrate",)].stdout
    assert "polls_question" not in tables(project)


@pytest.mark.backends("sqlite")  # the loader and the autodetector only
def test_migrate_says_when_models_changed_without_a_migration(project) -> None:
    start(project)
    project.write_models(TUTORIAL_MODELS.replace("max_length=200)", "max_length=250)"))
    out = ok(project.run("migrate"))
    assert "No migrations to apply." in out
    assert "Your models in app(s): 'polls' have changes that are not yet reflected" in out
    ok(project.run("makemigrations"))
    assert "not yet reflected" not in ok(project.run("migrate"))


CLUB_MODELS = """\
from schemashift import models


class Member(models.Model):
    name = models.CharField(max_length=50)


class Venue(models.Model):
    city = models.CharField(max_length=50)
"""
POST_MODELS = """\
from schemashift import models


class Post(models.Model):
    title = models.CharField(max_length=50)
    author = models.ForeignKey("club.Member", on_delete=models.CASCADE, null=True)
"""


def add_app(project, label: str, models_source: str) -> None:
    """``startapp`` another app, install it and write its models."""
    ok(project.run("startapp", label))
    settings = project.dir / "mysite" / "settings.py"
    settings.write_text(
        settings.read_text().replace(
            '"polls.apps.PollsConfig",', f'"polls.apps.PollsConfig",\n    "{label}",'
        )
    )
    (project.dir / label / "models.py").write_text(models_source)


def fresh_migrate(project) -> str:
    """``migrate`` on an empty database, after what the migrations left is thrown away."""
    ok(project.run("migrate", "polls", "zero"))
    ok(project.run("migrate", "club", "zero"))
    assert tables(project) == {"schemashift_migrations"}
    return ok(project.run("migrate"))


def test_renaming_a_model_another_app_points_at_waits_for_that_app(project) -> None:
    add_app(project, "club", CLUB_MODELS)
    project.write_models(POST_MODELS)
    ok(project.run("makemigrations"))
    ok(project.run("migrate"))
    execute(project, "INSERT INTO club_member (id, name) VALUES (1, 'Ann')")
    execute(project, "INSERT INTO polls_post (id, title, author_id) VALUES (1, 'Hi', 1)")
    (project.dir / "club" / "models.py").write_text(CLUB_MODELS.replace("Member", "Person"))
    project.write_models(POST_MODELS.replace("club.Member", "club.Person"))

    out = ok(project.run("makemigrations", input="y\n"))

    assert "club/migrations/0002_rename_member_person.py" in out
    source = (project.dir / "club" / "migrations" / "0002_rename_member_person.py").read_text()
    assert '("polls", "0001_initial")' in source
    assert "No changes detected" in ok(project.run("makemigrations", "--check"))
    ok(project.run("migrate"))
    assert query(project, "SELECT id, title, author_id FROM polls_post") == [(1, "Hi", 1)]
    assert foreign_key_targets(project, "polls_post") == {"club_person"}
    out = fresh_migrate(project)
    assert out.index("Applying polls.0001_initial") < out.index("Applying club.0002_rename")
    assert "No changes detected" in ok(project.run("makemigrations", "--check"))


@pytest.mark.backends("sqlite")  # the loader and the autodetector only
def test_a_migration_missing_a_dependency_on_a_rename_is_a_clear_error(project) -> None:
    """A history written without the dependency a rename needs fails with a message, not a
    traceback, and leaves nothing of the failed migration behind."""
    add_app(project, "club", CLUB_MODELS)
    project.write_models(POST_MODELS)
    ok(project.run("makemigrations"))
    (project.dir / "club" / "models.py").write_text(CLUB_MODELS.replace("Member", "Person"))
    project.write_models(POST_MODELS.replace("club.Member", "club.Person"))
    ok(project.run("makemigrations", input="y\n"))
    rename = project.dir / "club" / "migrations" / "0002_rename_member_person.py"
    rename.write_text(re.sub(r'\s*\("polls", "0001_initial"\),', "", rename.read_text()))
    assert '("polls", "0001_initial")' not in rename.read_text()

    result = project.run("migrate")

    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "Applying polls.0001_initial failed" in result.stderr
    assert "add a dependency on the migration that creates (or renames) it" in result.stderr
    assert "polls_post" not in tables(project)


def test_deleting_a_model_waits_for_the_app_that_removed_the_last_relation_to_it(
    project,
) -> None:
    add_app(project, "club", CLUB_MODELS)
    project.write_models(POST_MODELS)
    ok(project.run("makemigrations"))
    project.write_models(POST_MODELS.replace("    author = ", "    # author = "))
    assert "0002_remove_post_author.py" in ok(project.run("makemigrations"))
    ok(project.run("migrate"))
    club_models = CLUB_MODELS.replace(
        "class Member(models.Model):\n    name = models.CharField(max_length=50)\n\n\n", ""
    )
    (project.dir / "club" / "models.py").write_text(club_models)

    out = ok(project.run("makemigrations"))

    assert "club/migrations/0002_delete_member.py" in out
    source = (project.dir / "club" / "migrations" / "0002_delete_member.py").read_text()
    assert '("polls", "0002_remove_post_author")' in source
    ok(project.run("migrate"))
    assert tables(project) == {"schemashift_migrations", "club_venue", "polls_post"}
    out = fresh_migrate(project)
    assert out.index("Applying polls.0002_remove_post_author") < out.index(
        "Applying club.0002_delete_member"
    )
    assert "No changes detected" in ok(project.run("makemigrations", "--check"))
