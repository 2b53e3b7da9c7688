"""The tutorial flow through the real CLI, with the data checked after every step."""

from __future__ import annotations

import pytest
from support.tutorial import (
    CHOICES,
    PRIMARY_KEY_SQL,
    QUESTIONS,
    RENAMED,
    TUTORIAL_MODELS,
    WIDENED,
    WITH_AUTHOR,
    assert_schema_matches_state,
    columns,
    history,
    ok,
    query,
    seed,
    tables,
    without_header,
)


def test_tutorial_flow_keeps_every_row(project) -> None:
    project.write_models(TUTORIAL_MODELS)

    out = ok(project.run("makemigrations", "polls"))
    assert "Migrations for 'polls':" in out
    assert "polls/migrations/0001_initial.py" in out
    assert out.index("Create model Question") < out.index("Create model Choice")
    assert (project.migrations_dir / "0001_initial.py").exists()

    sql = ok(project.run("sqlmigrate", "polls", "0001"))
    quote = "`" if project.backend == "mysql" else '"'
    assert f"CREATE TABLE {quote}polls_question{quote}" in sql
    assert PRIMARY_KEY_SQL[project.backend] in sql
    if project.backend == "mysql":
        assert "REFERENCES `polls_question` (`id`)" in sql
        assert "BEGIN;" not in sql and "COMMIT;" not in sql
    else:
        assert 'REFERENCES "polls_question" ("id") DEFERRABLE INITIALLY DEFERRED' in sql
        assert sql.startswith("BEGIN;") and sql.rstrip().endswith("COMMIT;")
    assert tables(project) <= {"schemashift_migrations"}, "sqlmigrate must run nothing"
    assert "polls_question" not in tables(project)

    assert "System check identified no issues" in ok(project.run("check"))

    out = ok(project.run("migrate"))
    assert_schema_matches_state(project)
    assert "Applying polls.0001_initial... OK" in out
    assert {"polls_question", "polls_choice", "schemashift_migrations"} <= tables(project)
    assert history(project) == [("polls", "0001_initial")]
    seed(project)

    # a field with a default: every existing row gets it, nothing else changes
    project.write_models(WITH_AUTHOR)
    out = ok(project.run("makemigrations", "polls"))
    assert "0002_question_author.py" in out
    assert "+ Add field author to question" in out
    assert "Applying polls.0002_question_author... OK" in ok(project.run("migrate"))
    assert_schema_matches_state(project)
    assert query(
        project, "SELECT id, question_text, pub_date, author FROM polls_question ORDER BY id"
    ) == [(*q, "anonymous") for q in QUESTIONS]

    # widening a CharField keeps the values
    project.write_models(WIDENED)
    out = ok(project.run("makemigrations", "polls"))
    assert "0003_alter_question_question_text.py" in out
    ok(project.run("migrate"))
    assert_schema_matches_state(project)
    assert query(project, "SELECT id, question_text, pub_date FROM polls_question ORDER BY id") == (
        QUESTIONS
    )

    # a rename confirmed on stdin is a RenameField, and the values move with the column
    project.write_models(RENAMED)
    out = ok(project.run("makemigrations", "polls", input="y\n"))
    assert "Was choice.votes renamed to choice.vote_count (a IntegerField)? [y/N] y\n" in out
    assert "0004_rename_votes_choice_vote_count.py" in out
    ok(project.run("migrate"))
    assert_schema_matches_state(project)
    assert (
        query(
            project, "SELECT id, question_id, choice_text, vote_count FROM polls_choice ORDER BY id"
        )
        == CHOICES
    )

    out = ok(project.run("showmigrations"))
    assert "polls\n [X] 0001_initial\n [X] 0002_question_author\n" in out
    assert " [X] 0004_rename_votes_choice_vote_count" in out

    # nothing left to do
    assert "No changes detected" in ok(project.run("makemigrations", "--check"))
    assert "No migrations to apply." in ok(project.run("migrate"))

    # rolling back to 0001: surviving columns keep their values
    out = ok(project.run("migrate", "polls", "0001"))
    assert_schema_matches_state(project)
    assert "Unapplying polls.0004_rename_votes_choice_vote_count... OK" in out
    assert "Unapplying polls.0002_question_author... OK" in out
    # on MySQL/MariaDB the widened question_text was swapped in through a new column: last
    expected_order = ["id", "question_text", "pub_date"]
    if project.backend == "mysql":
        expected_order = ["id", "pub_date", "question_text"]
    assert columns(project, "polls_question") == expected_order
    assert sorted(columns(project, "polls_choice")) == ["choice_text", "id", "question_id", "votes"]
    assert query(project, "SELECT id, question_text, pub_date FROM polls_question ORDER BY id") == (
        QUESTIONS
    )
    assert (
        query(project, "SELECT id, question_id, choice_text, votes FROM polls_choice ORDER BY id")
        == CHOICES
    )
    assert history(project) == [("polls", "0001_initial")]
    out = ok(project.run("showmigrations", "polls"))
    assert " [X] 0001_initial\n [ ] 0002_question_author" in out

    # zero removes the app's tables and history
    out = ok(project.run("migrate", "polls", "zero"))
    assert_schema_matches_state(project)
    assert "Unapplying polls.0001_initial... OK" in out
    assert tables(project) == {"schemashift_migrations"}
    assert history(project) == []

    out = ok(project.run("migrate"))
    assert_schema_matches_state(project)
    assert "Applying polls.0004_rename_votes_choice_vote_count... OK" in out
    assert "vote_count" in columns(project, "polls_choice")


@pytest.mark.backends("sqlite")  # makemigrations and the loader only
def test_not_null_field_without_default_noinput_exits_3_and_writes_nothing(project) -> None:
    project.write_models(TUTORIAL_MODELS)
    ok(project.run("makemigrations", "polls"))
    project.write_models(
        TUTORIAL_MODELS.replace(
            "    votes = models.IntegerField(default=0)\n",
            "    votes = models.IntegerField(default=0)\n    weight = models.IntegerField()\n",
        )
    )
    result = project.run("makemigrations", "polls", "--noinput")
    assert result.returncode == 3
    assert "non-nullable field 'weight'" in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in project.migrations_dir.glob("0*.py")) == ["0001_initial.py"]


def test_not_null_field_one_off_default_fills_rows(project) -> None:
    project.write_models(TUTORIAL_MODELS)
    ok(project.run("makemigrations", "polls"))
    ok(project.run("migrate"))
    seed(project)
    project.write_models(
        TUTORIAL_MODELS.replace(
            "    votes = models.IntegerField(default=0)\n",
            "    votes = models.IntegerField(default=0)\n    weight = models.IntegerField()\n",
        )
    )
    out = ok(project.run("makemigrations", "polls", input="1\n7\n"))
    assert "0002_choice_weight.py" in out
    source = (project.migrations_dir / "0002_choice_weight.py").read_text()
    assert "preserve_default=False" in source
    ok(project.run("migrate"))
    assert query(project, "SELECT id, weight, votes FROM polls_choice ORDER BY id") == [
        (1, 7, 3),
        (2, 7, 5),
        (3, 7, 0),
    ]


@pytest.mark.backends("sqlite")  # makemigrations and the loader only
def test_noinput_never_assumes_a_rename(project) -> None:
    project.write_models(TUTORIAL_MODELS)
    ok(project.run("makemigrations", "polls"))
    project.write_models(
        TUTORIAL_MODELS.replace(
            "votes = models.IntegerField(default=0)", "vote_count = models.IntegerField(default=0)"
        )
    )
    out = ok(project.run("makemigrations", "polls", "--noinput"))
    assert "renamed" not in out
    assert "- Remove field votes from choice" in out
    assert "+ Add field vote_count to choice" in out


@pytest.mark.backends("sqlite")  # makemigrations and the loader only
def test_makemigrations_check_and_dry_run_write_nothing(project) -> None:
    project.write_models(TUTORIAL_MODELS)
    result = project.run("makemigrations", "--check")
    assert result.returncode == 1
    assert "Create model Question" in result.stdout
    assert ok(project.run("makemigrations", "--dry-run"))
    assert not list(project.migrations_dir.glob("0*.py"))
    ok(project.run("makemigrations"))
    assert project.run("makemigrations", "--check").returncode == 0


@pytest.mark.backends("sqlite")  # makemigrations and the loader only
def test_makemigrations_is_deterministic(project) -> None:
    project.write_models(TUTORIAL_MODELS)
    ok(project.run("makemigrations", "polls"))
    first = (project.migrations_dir / "0001_initial.py").read_text()
    (project.migrations_dir / "0001_initial.py").unlink()
    ok(project.run("makemigrations", "polls"))
    second = (project.migrations_dir / "0001_initial.py").read_text()
    assert without_header(first) == without_header(second)


def test_named_and_empty_migrations(project) -> None:
    project.write_models(TUTORIAL_MODELS)
    ok(project.run("makemigrations", "polls"))
    out = ok(project.run("makemigrations", "polls", "--empty", "--name", "fill_data"))
    assert "0002_fill_data.py" in out
    ok(project.run("migrate"))
    assert history(project)[-1] == ("polls", "0002_fill_data")
    result = project.run("makemigrations", "polls", "--empty", "--name", "not-valid")
    assert result.returncode != 0 and "valid Python identifier" in result.stderr


def test_migrate_plan_and_fake(project) -> None:
    project.write_models(TUTORIAL_MODELS)
    ok(project.run("makemigrations", "polls"))
    out = ok(project.run("migrate", "--plan"))
    assert "polls.0001_initial" in out and "Create model Choice" in out
    assert "polls_question" not in tables(project)
    out = ok(project.run("migrate", "--fake"))
    assert "Applying polls.0001_initial... FAKED" in out
    assert history(project) == [("polls", "0001_initial")]
    assert "polls_question" not in tables(project)
    ok(project.run("migrate", "polls", "zero", "--fake"))
    assert history(project) == []


@pytest.mark.backends("sqlite")  # refused before the database is opened
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("migrate", "nosuchapp"), "nosuchapp"),
        (("makemigrations", "nosuchapp"), "nosuchapp"),
        (("sqlmigrate", "polls", "0009"), "0009"),
        (("migrate", "polls", "0009"), "0009"),
        (("showmigrations", "nosuchapp"), "nosuchapp"),
    ],
)
def test_user_errors_are_one_clear_line(project, args, message) -> None:
    project.write_models(TUTORIAL_MODELS)
    ok(project.run("makemigrations", "polls"))
    ok(project.run("migrate"))
    before = history(project)
    result = project.run(*args)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert history(project) == before


@pytest.mark.backends("sqlite")  # makemigrations and the loader only
def test_broken_migration_file_is_named(project) -> None:
    project.write_models(TUTORIAL_MODELS)
    ok(project.run("makemigrations", "polls"))
    (project.migrations_dir / "0002_broken.py").write_text("this is not python(\n")
    result = project.run("migrate")
    assert result.returncode != 0
    assert "0002_broken" in result.stderr
    assert "Traceback" not in result.stderr
    assert "polls_question" not in tables(project)


@pytest.mark.backends("sqlite")  # makemigrations and the loader only
def test_ambiguous_prefix(project) -> None:
    project.write_models(TUTORIAL_MODELS)
    ok(project.run("makemigrations", "polls"))
    ok(project.run("makemigrations", "polls", "--empty", "--name", "a"))
    ok(project.run("makemigrations", "polls", "--empty", "--name", "b"))
    result = project.run("sqlmigrate", "polls", "000")
    assert result.returncode != 0
    assert "More than one migration matches '000'" in result.stderr


def test_check_reports_invalid_models_and_blocks_migrate(project) -> None:
    project.write_models(
        "from schemashift import models\n\n"
        "class Question(models.Model):\n"
        "    question_text = models.CharField()\n\n"
        "class Choice(models.Model):\n"
        "    question = models.ForeignKey('Question')\n"
        "    other = models.ForeignKey('Nowhere', on_delete=models.CASCADE)\n"
        "    a = models.IntegerField(db_column='x')\n"
        "    b = models.IntegerField(db_column='x')\n"
    )
    result = project.run("check")
    assert result.returncode != 0
    assert "polls.Question.question_text: (fields.E120)" in result.stderr
    assert "polls.Choice.question: (fields.E320)" in result.stderr
    assert "polls.Choice.other: (fields.E300)" in result.stderr
    assert "polls.Choice: (models.E007)" in result.stderr
    assert "Traceback" not in result.stderr
    for command in ("makemigrations", "migrate"):
        blocked = project.run(command)
        assert blocked.returncode != 0 and "fields.E120" in blocked.stderr
    assert not list(project.migrations_dir.glob("0*.py"))


def test_irreversible_migration_is_refused_before_anything_changes(project) -> None:
    project.write_models(TUTORIAL_MODELS)
    ok(project.run("makemigrations", "polls"))
    (project.migrations_dir / "0002_data.py").write_text(
        "from schemashift import migrations, models\n\n"
        "def forwards(apps, schema_editor):\n    pass\n\n"
        "class Migration(migrations.Migration):\n"
        "    dependencies = [('polls', '0001_initial')]\n"
        "    operations = [\n"
        "        migrations.AddField('question', 'rank', models.IntegerField(default=1)),\n"
        "        migrations.RunSQL('UPDATE polls_question SET rank = 2'),\n"
        "    ]\n"
    )
    ok(project.run("migrate", "polls", "0001"))
    seed(project)
    ok(project.run("migrate"))
    result = project.run("migrate", "polls", "zero")
    assert result.returncode != 0
    assert "not reversible" in result.stderr
    assert "Traceback" not in result.stderr
    assert history(project) == [("polls", "0001_initial"), ("polls", "0002_data")]
    assert "rank" in columns(project, "polls_question")
    assert len(query(project, "SELECT * FROM polls_choice")) == len(CHOICES)
