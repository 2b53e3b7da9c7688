"""A column added to a table in use keeps its default as the database's, so the previous
version of the app, still inserting rows without the new column while the new one deploys,
goes on working; a table that never held a row gets Django's schema, without the default."""

from __future__ import annotations

import pytest
from support.tutorial import TUTORIAL_MODELS, execute, query
from support.tutorial_project import TutorialProject, assert_schema_matches_state, change, start

from schemashift import api

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
