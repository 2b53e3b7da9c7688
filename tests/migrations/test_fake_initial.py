"""``migrate --fake-initial`` on every backend: an initial migration whose tables exist is
recorded without running, as in Django; partly existing tables are refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from support.api_project import ApiProject, api_project_at
from support.polls_migrations import ADD_AUTHOR, INITIAL, history, query
from support.tutorial import WITH_AUTHOR

from schemashift import api
from schemashift.exceptions import FakeInitialMismatch

#: an initial migration that adds a column to a model of its own CreateModel
INITIAL_WITH_ADD_FIELD = INITIAL.replace(
    "        ),\n    ]\n",
    "        ),\n"
    "        migrations.AddField(\n"
    '            model_name="question",\n'
    '            name="author",\n'
    '            field=models.CharField(default="anonymous", max_length=100),\n'
    "        ),\n"
    "    ]\n",
)


@pytest.fixture
def project(
    tmp_path: Path, backend_url: str, clean_env: pytest.MonkeyPatch
) -> Iterator[ApiProject]:
    with api_project_at(tmp_path / "project", backend_url, ("polls",), clean_env) as project:
        project.write_migration("polls", "0001_initial", INITIAL)
        project.write_migration("polls", "0002_question_author", ADD_AUTHOR)
        project.load({"polls": WITH_AUTHOR})
        yield project


def run_sql(url: str, *statements: str) -> None:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(sa.text(statement))
    engine.dispose()


def tables_without_history(project: ApiProject) -> None:
    """The tables of 0001_initial with a row, and no history: made some other way."""
    api.migrate("polls", "0001")
    run_sql(
        project.database_url,
        "INSERT INTO polls_question (id, question_text, pub_date) "
        "VALUES (1, 'Kept?', '2026-01-01 10:00:00')",
        "DELETE FROM schemashift_migrations",
    )


def test_existing_tables_fake_the_initial_migration(project: ApiProject) -> None:
    tables_without_history(project)
    events: list[tuple[str, str]] = []

    within_a_migration = {"operation_start", "operation_success", "statement"}

    api.migrate(
        fake_initial=True,
        progress=lambda e: (
            None if e.kind in within_a_migration else events.append((e.kind, e.migration.name))
        ),
    )

    assert events == [
        ("fake_apply", "0001_initial"),
        ("apply_start", "0002_question_author"),
        ("apply_success", "0002_question_author"),
    ]
    assert history(project.database_url) == [
        ("polls", "0001_initial"),
        ("polls", "0002_question_author"),
    ]
    assert query(project.database_url, "SELECT id, question_text, author FROM polls_question") == [
        (1, "Kept?", "anonymous")
    ]


def test_without_the_tables_the_initial_migration_runs(project: ApiProject) -> None:
    result = api.migrate(fake_initial=True)
    assert result.applied == ["polls.0001_initial", "polls.0002_question_author"]
    assert query(project.database_url, "SELECT id, author FROM polls_question") == []


def test_without_the_option_existing_tables_fail_as_before(project: ApiProject) -> None:
    tables_without_history(project)
    with pytest.raises(Exception, match="polls_question"):
        api.migrate()


def test_a_missing_table_is_named_and_nothing_changes(project: ApiProject) -> None:
    tables_without_history(project)
    run_sql(project.database_url, "DROP TABLE polls_choice")

    with pytest.raises(FakeInitialMismatch) as caught:
        api.migrate(fake_initial=True)

    assert str(caught.value).startswith(
        "Cannot fake the initial migration polls.0001_initial: table polls_question exists but "
        "table polls_choice is missing."
    )
    assert history(project.database_url) == []
    assert query(project.database_url, "SELECT id FROM polls_question") == [(1,)]


def test_added_columns_count_too(project: ApiProject) -> None:
    project.write_migration("polls", "0001_initial", INITIAL_WITH_ADD_FIELD)
    (project.migrations_dir("polls") / "0002_question_author.py").unlink()
    project.load()
    api.migrate()
    run_sql(project.database_url, "DELETE FROM schemashift_migrations")
    api.migrate(fake_initial=True)
    assert history(project.database_url) == [("polls", "0001_initial")]

    run_sql(project.database_url, "DELETE FROM schemashift_migrations")
    run_sql(project.database_url, "ALTER TABLE polls_question DROP COLUMN author")
    with pytest.raises(FakeInitialMismatch, match="column polls_question.author is missing"):
        api.migrate(fake_initial=True)
    assert history(project.database_url) == []


@pytest.mark.backends("sqlite")
def test_a_later_migration_is_never_faked(project: ApiProject) -> None:
    """Only initial migrations are looked at: 0002's column existing makes it fail, not fake."""
    api.migrate()
    run_sql(
        project.database_url,
        "DELETE FROM schemashift_migrations WHERE name = '0002_question_author'",
    )
    with pytest.raises(Exception, match="author"):
        api.migrate(fake_initial=True)


#: an initial migration that adds a ManyToManyField (its table) to a model of its own
INITIAL_WITH_MANY_TO_MANY = INITIAL.replace(
    "        ),\n    ]\n",
    "        ),\n"
    "        migrations.AddField(\n"
    '            model_name="question",\n'
    '            name="related",\n'
    '            field=models.ManyToManyField(to="polls.question"),\n'
    "        ),\n"
    "    ]\n",
)


def test_added_many_to_many_tables_count_too(project: ApiProject) -> None:
    project.write_migration("polls", "0001_initial", INITIAL_WITH_MANY_TO_MANY)
    (project.migrations_dir("polls") / "0002_question_author.py").unlink()
    project.load()
    api.migrate()
    run_sql(project.database_url, "DELETE FROM schemashift_migrations")
    api.migrate(fake_initial=True)
    assert history(project.database_url) == [("polls", "0001_initial")]

    run_sql(project.database_url, "DELETE FROM schemashift_migrations")
    run_sql(project.database_url, "DROP TABLE polls_question_related")
    with pytest.raises(FakeInitialMismatch, match="table polls_question_related is missing"):
        api.migrate(fake_initial=True)
    assert history(project.database_url) == []
