"""Taking over a database Django 5.2 migrated: ``migrate --adopt-django-history``.

On each backend Django applies the tutorial's 0001_initial (the same file, with Django's
import line), rows go in, then schemashift, which has that migration and a 0002, is pointed
at the database.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from support.api_project import ApiProject, api_project_at
from support.django_runner import django_migrate, write_django_app
from support.polls_migrations import ADD_AUTHOR, INITIAL, history, query
from support.tutorial import WITH_AUTHOR

from schemashift import api
from schemashift.cli.main import main
from schemashift.db.introspection import introspect_table
from schemashift.exceptions import DjangoHistoryFound, DjangoHistoryMismatch


@pytest.fixture
def django_polls(tmp_path: Path, backend_url: str) -> str:
    """The database after Django's migrate of polls.0001_initial, with two questions and a
    choice in it; its URL."""
    folder = tmp_path / "django"
    write_django_app(folder, "polls", {"0001_initial": INITIAL})
    django_migrate(folder, backend_url, ["polls"])
    engine = sa.create_engine(backend_url, poolclass=sa.pool.NullPool)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO polls_question (id, question_text, pub_date) VALUES "
                "(1, 'What''s new?', '2026-01-01 10:00:00'), (2, 'Ünïcode?', '2026-02-02 12:30:00')"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO polls_choice (id, choice_text, votes, question_id) "
                "VALUES (1, 'Not much', 3, 1)"
            )
        )
    engine.dispose()
    return backend_url


@pytest.fixture
def project(
    tmp_path: Path, django_polls: str, clean_env: pytest.MonkeyPatch
) -> Iterator[ApiProject]:
    with api_project_at(tmp_path / "project", django_polls, ("polls",), clean_env) as project:
        project.write_migration("polls", "0001_initial", INITIAL)
        project.write_migration("polls", "0002_question_author", ADD_AUTHOR)
        project.load({"polls": WITH_AUTHOR})
        yield project


def test_a_django_database_is_recognised_and_nothing_runs(project: ApiProject) -> None:
    with pytest.raises(DjangoHistoryFound) as caught:
        api.migrate()
    message = str(caught.value)
    assert "migrated by Django" in message and "polls.0001_initial" in message
    assert "--adopt-django-history" in message
    assert history(project.database_url) == []
    columns = query(project.database_url, "SELECT * FROM polls_question")
    assert len(columns[0]) == 3, "0002 did not run"


def test_adopting_records_djangos_rows_then_applies_the_rest(project: ApiProject) -> None:
    url = project.database_url
    django_applied = query(url, "SELECT applied FROM django_migrations WHERE app = 'polls'")

    result = api.migrate(adopt_django_history=True)

    assert result.adopted == ("polls.0001_initial",)
    assert result.plan.adopted == ("polls.0001_initial",)
    assert result.applied == ["polls.0002_question_author"]
    assert history(url) == [("polls", "0001_initial"), ("polls", "0002_question_author")]
    (adopted_at,) = query(
        url, "SELECT applied FROM schemashift_migrations WHERE name = '0001_initial'"
    )
    assert str(adopted_at[0])[:19] == str(django_applied[0][0])[:19]
    assert query(url, "SELECT id, question_text, author FROM polls_question ORDER BY id") == [
        (1, "What's new?", "anonymous"),
        (2, "Ünïcode?", "anonymous"),
    ]
    assert query(url, "SELECT id, choice_text, votes, question_id FROM polls_choice") == [
        (1, "Not much", 3, 1)
    ]
    assert query(url, "SELECT app, name FROM django_migrations") == [("polls", "0001_initial")]
    # The migration file as Django writes it (serialize=False on the keys) matches the models.
    assert api.makemigrations("polls", check=True) == []
    # Adopted once: the next run has nothing to do, with or without the option.
    assert api.migrate().plan.steps == ()
    assert api.migrate(adopt_django_history=True).adopted == ()


def test_a_schema_that_differs_is_refused_and_nothing_changes(project: ApiProject) -> None:
    url = project.database_url
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as connection:
        connection.execute(sa.text("ALTER TABLE polls_choice DROP COLUMN votes"))
    engine.dispose()

    with pytest.raises(DjangoHistoryMismatch) as caught:
        api.migrate(adopt_django_history=True)
    message = str(caught.value)
    assert "polls.0001_initial" in message
    assert "table polls_choice, column votes is absent" in message
    assert "Nothing was recorded" in message
    assert history(url) == []
    assert len(query(url, "SELECT * FROM polls_question")[0]) == 3


def test_the_plan_counts_djangos_rows_without_writing(project: ApiProject) -> None:
    result = api.migrate(adopt_django_history=True, plan=True)
    assert [str(step) for step in result.plan.steps] == ["polls.0002_question_author"]
    assert history(project.database_url) == []


def test_after_adopting_the_tables_are_schemashifts(project: ApiProject) -> None:
    """Django's foreign key index is schemashift's: named by Django, or on MySQL/MariaDB
    InnoDB's own (named after the constraint), which schemashift leaves it to as well."""
    api.migrate(adopt_django_history=True)
    engine = sa.create_engine(project.database_url, poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        choice = introspect_table(connection, "polls_choice")
    engine.dispose()
    assert choice is not None
    if engine.dialect.name == "mysql":
        assert "polls_choice_question_id_c5b4b260" not in choice.indexes
    else:
        assert choice.indexes["polls_choice_question_id_c5b4b260"].columns == ("question_id",)


@pytest.mark.backends("sqlite")
def test_the_command_line(project: ApiProject) -> None:
    runner = CliRunner()
    refused = runner.invoke(main, ["--settings", "mysite.settings", "migrate"])
    assert refused.exit_code == 1
    assert "migrated by Django" in refused.output and "--adopt-django-history" in refused.output

    adopted = runner.invoke(
        main, ["--settings", "mysite.settings", "migrate", "--adopt-django-history"]
    )
    assert adopted.exit_code == 0, adopted.output
    assert "Adopted from django_migrations:\n  polls.0001_initial... ADOPTED" in adopted.output
    assert "Applying polls.0002_question_author... OK" in adopted.output


def test_the_plan_without_the_option_warns(project: ApiProject) -> None:
    warnings: list[str] = []
    result = api.migrate(plan=True, warn=warnings.append)
    assert [str(step) for step in result.plan.steps] == [
        "polls.0001_initial",
        "polls.0002_question_author",
    ]
    assert len(warnings) == 1 and "--adopt-django-history" in warnings[0]


SQUASHED = INITIAL.replace(
    "    initial = True\n",
    "    initial = True\n\n"
    '    replaces = [("polls", "0001_initial"), ("polls", "0002_question_author")]\n',
).replace(
    '                ("pub_date", models.DateTimeField(verbose_name="date published")),\n',
    '                ("pub_date", models.DateTimeField(verbose_name="date published")),\n'
    '                ("author", models.CharField(default="anonymous", max_length=100)),\n',
)


@pytest.mark.backends("sqlite")
def test_migrations_django_recorded_one_by_one_are_checked_through_a_squash(
    tmp_path: Path, backend_url: str, clean_env: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "django"
    write_django_app(folder, "polls", {"0001_initial": INITIAL, "0002_question_author": ADD_AUTHOR})
    django_migrate(folder, backend_url, ["polls"])
    engine = sa.create_engine(backend_url, poolclass=sa.pool.NullPool)
    with engine.begin() as connection:
        connection.execute(sa.text("ALTER TABLE polls_question DROP COLUMN author"))
    engine.dispose()
    with api_project_at(tmp_path / "project", backend_url, ("polls",), clean_env) as project:
        project.write_migration("polls", "0001_initial", INITIAL)
        project.write_migration("polls", "0002_question_author", ADD_AUTHOR)
        project.write_migration("polls", "0001_squashed_0002_question_author", SQUASHED)
        project.load({"polls": WITH_AUTHOR})
        with pytest.raises(DjangoHistoryMismatch, match="column author is absent"):
            api.migrate(adopt_django_history=True)
        assert history(backend_url) == []
