"""A type change of an indexed column of a table that holds rows goes through a shadow column
on PostgreSQL and MySQL/MariaDB; the swapped-in column's index ends with the name the state
gives it, so the next migrate finds no drift, and rolling back restores the old one."""

from __future__ import annotations

import pytest
from support.tutorial import TUTORIAL_MODELS, indexes, query
from support.tutorial_project import TutorialProject, assert_schema_matches_state, change, start

from schemashift import api

pytestmark = pytest.mark.backends("postgresql", "mysql")

INDEXED = TUTORIAL_MODELS.replace(
    "votes = models.IntegerField(default=0)",
    "votes = models.IntegerField(default=0, db_index=True)",
)
WIDENED = INDEXED.replace(
    "models.IntegerField(default=0, db_index=True)",
    "models.BigIntegerField(default=0, db_index=True)",
)
NOTED = WIDENED.replace(
    "    votes = models",
    "    note = models.CharField(max_length=20, null=True)\n    votes = models",
)


def _vote_indexes(project: TutorialProject) -> list[str]:
    return sorted(
        name for name, columns in indexes(project, "polls_choice").items() if columns == ["votes"]
    )


def test_an_indexed_column_retyped_through_a_shadow_keeps_its_index_name(
    api_project: TutorialProject,
) -> None:
    start(api_project)
    change(api_project, INDEXED)
    api.migrate()
    indexed = _vote_indexes(api_project)
    assert len(indexed) == 1

    widened = change(api_project, WIDENED)
    sql = api.sqlmigrate("polls", widened)
    assert "votes__new" in sql
    assert "LOCK=NONE, ALGORITHM" not in sql, "a clause asked for twice"
    api.migrate()
    assert _vote_indexes(api_project) == indexed
    assert_schema_matches_state(api_project)

    change(api_project, NOTED)
    api.migrate()  # refused as drift if the index kept the shadow's name
    assert query(api_project, "SELECT id, votes FROM polls_choice ORDER BY id")

    api.migrate("polls", widened[:4])
    api.migrate("polls", "0002")
    assert _vote_indexes(api_project) == indexed
    assert_schema_matches_state(api_project)
