"""A column added to a table in use keeps its default as the database's, so the previous
version of the app, still inserting rows without the new column while the new one deploys,
goes on working; a table that never held a row gets Django's schema, without the default."""

from __future__ import annotations

import pytest
from support.tutorial import TUTORIAL_MODELS, execute, query
from support.tutorial_project import TutorialProject, assert_schema_matches_state, change, start

from schemashift import api
from schemashift.db.backends import alter_table

pytestmark = pytest.mark.backends("postgresql", "mysql")


WITH_STATUS = TUTORIAL_MODELS.replace(
    '    pub_date = models.DateTimeField("date published")\n',
    '    pub_date = models.DateTimeField("date published")\n'
    '    status = models.CharField(max_length=10, default="open")\n',
)
WITH_STATUS_WIDER = WITH_STATUS.replace(
    'status = models.CharField(max_length=10, default="open")',
    'status = models.CharField(max_length=20, default="open", db_index=True)',
)


def test_a_column_added_to_a_table_in_use_keeps_its_default_for_the_previous_app_version(
    api_project: TutorialProject,
) -> None:
    start(api_project)
    name = change(api_project, WITH_STATUS)
    sql = api.sqlmigrate("polls", name)
    assert "DEFAULT 'open' NOT NULL" in sql
    assert "DROP DEFAULT" not in sql
    api.migrate()
    # the previous version of the app knows nothing of the column
    execute(
        api_project,
        "INSERT INTO polls_question (question_text, pub_date) VALUES ('old app', now())",
    )
    assert query(api_project, "SELECT DISTINCT status FROM polls_question") == [("open",)]
    assert_schema_matches_state(api_project)
    # later operations on the table judge its schema as the state's
    change(api_project, WITH_STATUS_WIDER)
    api.migrate()
    assert_schema_matches_state(api_project)
    api.migrate("polls", "0001")
    assert_schema_matches_state(api_project)


def test_a_column_added_to_a_table_never_written_keeps_no_default(
    api_project: TutorialProject,
) -> None:
    api_project.load(TUTORIAL_MODELS)
    api.makemigrations("polls")
    api.migrate()
    name = change(api_project, WITH_STATUS)
    assert "DROP DEFAULT" in api.sqlmigrate("polls", name)


WITH_RANK = TUTORIAL_MODELS.replace(
    "    votes = models.IntegerField(default=0)\n",
    "    votes = models.IntegerField(default=0)\n    rank = models.IntegerField(null=True)\n",
)
RANK_REQUIRED = WITH_RANK.replace(
    "rank = models.IntegerField(null=True)", "rank = models.IntegerField(default=7)"
)


def test_nulls_of_a_table_in_use_are_filled_in_batches_with_the_value_as_default_meanwhile(
    api_project: TutorialProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(alter_table, "FILL_BATCH", 2)
    start(api_project)
    change(api_project, WITH_RANK)
    api.migrate()
    name = change(api_project, RANK_REQUIRED)
    sql = api.sqlmigrate("polls", name)
    set_default = sql.index("SET DEFAULT 7")
    batches = [line for line in sql.splitlines() if line.startswith("UPDATE")]
    # ids 1-2, 3, then any added since
    assert len(batches) == 3, sql
    assert set_default < sql.index(batches[0])
    api.migrate()
    assert query(api_project, "SELECT id, rank FROM polls_choice ORDER BY id") == [
        (1, 7),
        (2, 7),
        (3, 7),
    ]
    assert_schema_matches_state(api_project)
