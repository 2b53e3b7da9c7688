"""On PostgreSQL, changes to tables that already hold rows take the forms that keep writers
going: concurrent index builds, constraints added NOT VALID then validated, unique constraints
attached to a concurrently built index, SET NOT NULL after a validated check. Each statement
commits on its own; an interrupted or failed one is resumed by the next run."""

from __future__ import annotations

import contextlib
import threading
import time

import pytest
import sqlalchemy as sa
from support.tutorial import TUTORIAL_MODELS, execute, history, query, seed
from support.tutorial_project import TutorialProject, assert_schema_matches_state, change, start

from schemashift import api
from schemashift.db.backends import alter_table
from schemashift.exceptions import DatabaseError

pytestmark = pytest.mark.backends("postgresql")

WITH_AUTHOR_MODEL = TUTORIAL_MODELS.replace(
    "class Question(models.Model):",
    "class Author(models.Model):\n    name = models.CharField(max_length=50)\n\n\n"
    "class Question(models.Model):",
)
ONLINE_CHANGES = WITH_AUTHOR_MODEL.replace(
    '    pub_date = models.DateTimeField("date published")\n',
    '    pub_date = models.DateTimeField("date published")\n'
    "    slug = models.SlugField(null=True)\n"
    "    author = models.ForeignKey(Author, null=True, on_delete=models.SET_NULL)\n"
    "    code = models.CharField(max_length=10, null=True, unique=True)\n"
    "\n"
    "    class Meta:\n"
    '        indexes = [models.Index(fields=["pub_date"], name="question_pub_idx")]\n'
    "        constraints = [\n"
    "            models.CheckConstraint(\n"
    '                condition=models.Q(id__gt=0), name="question_id_positive"\n'
    "            ),\n"
    '            models.UniqueConstraint(fields=["question_text"], name="question_text_uniq"),\n'
    "        ]\n",
).replace(
    "    votes = models.IntegerField(default=0)\n",
    "    votes = models.IntegerField(default=0, db_index=True)\n"
    "    rank = models.IntegerField(null=True)\n",
)
RANK_REQUIRED = ONLINE_CHANGES.replace(
    "rank = models.IntegerField(null=True)", "rank = models.IntegerField(default=7)"
)


def _with_meta(meta: str) -> str:
    return TUTORIAL_MODELS.replace(
        '    pub_date = models.DateTimeField("date published")\n',
        f'    pub_date = models.DateTimeField("date published")\n\n    class Meta:\n{meta}',
    )


UNIQUE_TEXT = _with_meta(
    '        constraints = [models.UniqueConstraint(fields=["question_text"], name="text_uniq")]\n'
)
CHECK_ID = _with_meta(
    "        constraints = [models.CheckConstraint(condition=models.Q(id__gt=1), name="
    '"id_above_one")]\n'
)
PUB_DATE_INDEX = _with_meta(
    '        indexes = [models.Index(fields=["pub_date"], name="pub_idx")]\n'
)


def _invalid_indexes(project: TutorialProject) -> list[str]:
    return [
        name
        for (name,) in query(
            project,
            "SELECT c.relname FROM pg_index ix JOIN pg_class c ON c.oid = ix.indexrelid "
            "WHERE NOT ix.indisvalid",
        )
    ]


def _constraints(project: TutorialProject, table: str) -> dict[str, bool]:
    """name -> validated, for the table's constraints."""
    return dict(
        query(
            project,
            "SELECT conname, convalidated FROM pg_constraint WHERE conrelid = to_regclass(:t)",
            {"t": table},
        )
    )


def test_changes_to_tables_with_rows_take_their_online_forms_and_leave_the_schema_of_the_state(
    api_project: TutorialProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(alter_table, "FILL_BATCH", 1)
    start(api_project)
    initial = api.sqlmigrate("polls", "0001")
    assert initial.startswith("BEGIN;") and "CONCURRENTLY" not in initial

    name = change(api_project, ONLINE_CHANGES)
    sql = api.sqlmigrate("polls", name)
    assert not sql.startswith("BEGIN;"), "an online migration is not one transaction"
    for form in (
        'CREATE INDEX CONCURRENTLY "question_pub_idx"',
        'CREATE INDEX CONCURRENTLY "polls_question_slug_',
        "DEFERRABLE INITIALLY DEFERRED NOT VALID;",
        'VALIDATE CONSTRAINT "question_id_positive";',
        'CREATE UNIQUE INDEX CONCURRENTLY "question_text_uniq"',
        'ADD CONSTRAINT "question_text_uniq" UNIQUE USING INDEX "question_text_uniq";',
        'CREATE UNIQUE INDEX CONCURRENTLY "polls_question_code_key"',
        'CREATE INDEX CONCURRENTLY "polls_choice_votes_',
    ):
        assert form in sql, f"{form!r} not in:\n{sql}"
    assert ' ADD COLUMN "code" varchar(10) NULL;' in sql
    # the new table is built plainly
    assert 'CREATE TABLE "polls_author"' in sql

    api.migrate()
    assert ("polls", name) in history(api_project)
    assert _invalid_indexes(api_project) == []
    assert all(_constraints(api_project, "polls_question").values())
    assert query(api_project, "SELECT id, question_text FROM polls_question ORDER BY id") == [
        (1, "What's new?"),
        (2, "Semi; colon 'quoted' ü"),
    ]
    assert_schema_matches_state(api_project)

    execute(api_project, "UPDATE polls_choice SET rank = 1 WHERE id = 1")
    required = change(api_project, RANK_REQUIRED)
    sql = api.sqlmigrate("polls", required)
    set_default = sql.index('ALTER COLUMN "rank" SET DEFAULT 7;')
    fill = sql.index('UPDATE "polls_choice" SET "rank" = 7 WHERE "rank" IS NULL AND "id" >= 2 AND')
    # one key per batch here: ids 2 and 3, then any added since
    assert sql.count('UPDATE "polls_choice"') == 3
    assert 'WHERE "rank" IS NULL AND "id" > 3;' in sql
    check = sql.index('CHECK ("rank" IS NOT NULL) NOT VALID;')
    not_null = sql.index('ALTER COLUMN "rank" SET NOT NULL;')
    drop_default = sql.index('ALTER COLUMN "rank" DROP DEFAULT;')
    assert set_default < fill < check < not_null < drop_default
    ran: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        ran.append(statement)

    sa.event.listen(sa.Engine, "before_cursor_execute", note)
    try:
        api.migrate()
    finally:
        sa.event.remove(sa.Engine, "before_cursor_execute", note)
    # found to need online forms before any row was touched: each batch ran once
    fills = [sql for sql in ran if sql.startswith('UPDATE "polls_choice"')]
    assert len(fills) == 3, fills
    assert query(api_project, "SELECT id, rank FROM polls_choice ORDER BY id") == [
        (1, 1),
        (2, 7),
        (3, 7),
    ]
    assert not any("notnull" in name for name in _constraints(api_project, "polls_choice"))
    assert_schema_matches_state(api_project)

    api.migrate("polls", "0001")
    assert history(api_project) == [("polls", "0001_initial")]
    assert _invalid_indexes(api_project) == []
    assert_schema_matches_state(api_project)


def test_a_table_that_never_held_rows_is_changed_plainly_in_one_transaction(
    api_project: TutorialProject,
) -> None:
    api_project.load(TUTORIAL_MODELS)
    api.makemigrations("polls")
    api.migrate()
    name = change(api_project, PUB_DATE_INDEX)
    sql = api.sqlmigrate("polls", name)
    assert sql.startswith("BEGIN;") and 'CREATE INDEX "pub_idx"' in sql
    seed(api_project)
    assert 'CREATE INDEX CONCURRENTLY "pub_idx"' in api.sqlmigrate("polls", name)


def test_an_index_build_that_failed_is_rebuilt_by_the_next_run(
    api_project: TutorialProject,
) -> None:
    start(api_project)
    execute(api_project, "UPDATE polls_question SET question_text = 'same' ")
    name = change(api_project, UNIQUE_TEXT)
    with pytest.raises(DatabaseError, match="could not create unique index"):
        api.migrate()
    assert _invalid_indexes(api_project) == ["text_uniq"], "the test proves nothing"
    assert ("polls", name) not in history(api_project)

    execute(api_project, "UPDATE polls_question SET question_text = 'other' WHERE id = 2")
    api.migrate()
    assert ("polls", name) in history(api_project)
    assert _invalid_indexes(api_project) == []
    assert _constraints(api_project, "polls_question")["text_uniq"] is True
    assert_schema_matches_state(api_project)


def test_a_constraint_whose_validation_failed_is_validated_by_the_next_run(
    api_project: TutorialProject,
) -> None:
    start(api_project)
    name = change(api_project, CHECK_ID)
    with pytest.raises(DatabaseError, match="id_above_one"):
        api.migrate()
    # added NOT VALID: rows written from now on are checked, the old ones not yet
    assert _constraints(api_project, "polls_question")["id_above_one"] is False

    execute(api_project, "DELETE FROM polls_choice WHERE question_id = 1")
    execute(api_project, "DELETE FROM polls_question WHERE id = 1")
    api.migrate()
    assert ("polls", name) in history(api_project)
    assert _constraints(api_project, "polls_question")["id_above_one"] is True
    assert_schema_matches_state(api_project)


def test_writers_go_on_while_an_index_is_built_concurrently(api_project: TutorialProject) -> None:
    # no lock limit: a plain CREATE INDEX would queue the writers behind the open transaction
    start(api_project, "MIGRATION_DDL_LOCK_TIMEOUT = None\n")
    change(api_project, PUB_DATE_INDEX)
    engine = sa.create_engine(api_project.database_url, poolclass=sa.pool.NullPool)
    holder = engine.connect()
    holder.exec_driver_sql(
        "INSERT INTO polls_question (question_text, pub_date) VALUES ('held', now())"
    )
    outcome: dict[str, object] = {}

    def migrate() -> None:
        try:
            outcome["result"] = api.migrate()
        except Exception as exc:  # reported by the assertion below
            outcome["error"] = exc

    migrating = threading.Thread(target=migrate)
    migrating.start()
    writes: list[float] = []
    writer = engine.execution_options(isolation_level="AUTOCOMMIT").connect()
    writer.exec_driver_sql("SET statement_timeout = '2s'")
    started = time.monotonic()
    while time.monotonic() - started < 3:
        began = time.monotonic()
        # a statement timeout: the write queued behind the build
        with contextlib.suppress(sa.exc.OperationalError):
            writer.exec_driver_sql(
                "INSERT INTO polls_question (question_text, pub_date) VALUES ('writer', now())"
            )
        writes.append(time.monotonic() - began)
        time.sleep(0.05)
    building = query(
        api_project,
        "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'CREATE INDEX CONCURRENTLY%'",
    )[0][0]
    holder.commit()
    holder.close()
    migrating.join(timeout=60)
    writer.close()
    engine.dispose()

    assert "error" not in outcome, outcome.get("error")
    assert building == 1, "the build was not waiting for the open transaction: proves nothing"
    assert len(writes) > 20
    assert max(writes) < 0.5, f"a write waited {max(writes):.2f} s for the index build"
    assert _invalid_indexes(api_project) == []
    assert_schema_matches_state(api_project)
