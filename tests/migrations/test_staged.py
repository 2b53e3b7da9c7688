"""Staged changes (``makemigrations --staged``, ``migrate --stage``): a column type change and a
rename split into expand and contract, with the previous app version writing throughout."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from support.tutorial import TUTORIAL_MODELS, connect, history, query, seed
from support.tutorial_project import TutorialProject, assert_schema_matches_state, start

from schemashift import api, models
from schemashift.db.backends import staged_columns
from schemashift.exceptions import InvalidMigrationPlan
from schemashift.migrations.questioner import MigrationQuestioner
from schemashift.models.field_copies import widens

BIG_VOTES = TUTORIAL_MODELS.replace(
    "votes = models.IntegerField(default=0)", "votes = models.BigIntegerField(default=0)"
)
RENAMED_TEXT = TUTORIAL_MODELS.replace("choice_text = models.CharField", "text = models.CharField")
BIG = 2**40


class SaysRenamed(MigrationQuestioner):
    def ask_rename(self, model_name, old_name, new_name, field) -> bool:  # noqa: ANN001
        return True


def _staged(project: TutorialProject, models: str) -> tuple[str, str]:
    project.load(models)
    expand, contract = api.makemigrations("polls", staged=True, questioner=SaysRenamed())
    return expand.name, contract.name


def _column_type(project: TutorialProject, table: str, column: str) -> str:
    here = {"mysql": "table_schema = DATABASE()", "postgresql": "table_schema = 'public'"}
    ((found,),) = query(
        project,
        "SELECT data_type FROM information_schema.columns WHERE table_name = :t "
        f"AND column_name = :c AND {here[project.backend]}"
        if project.backend != "sqlite"
        else f"SELECT type FROM pragma_table_info('{table}') WHERE name = :c",
        {"t": table, "c": column},
    )
    return str(found).lower()


class Writer:
    """The previous app version (or the next one), inserting and updating ``polls_choice``
    through its own columns while the migration runs: every write is counted, every failure
    kept."""

    def __init__(self, project: TutorialProject, text_column: str, inserts: bool = True) -> None:
        self.project = project
        self.text_column = text_column
        self.inserts = inserts
        self.inserted: list[int] = []
        self.increments = 0
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        engine = sa.create_engine(self.project.database_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                while not self._stop.is_set():
                    self._write(connection)
        finally:
            engine.dispose()

    def _write(self, connection: sa.Connection) -> None:
        number = len(self.inserted) + self.increments
        try:
            if self.inserts and number % 3 == 0:
                connection.execute(
                    sa.text(
                        f"INSERT INTO polls_choice (question_id, {self.text_column}, votes) "
                        "VALUES (1, :text, 1)"
                    ),
                    {"text": f"written {number}"},
                )
                self.inserted.append(query_last_id(connection))
            else:
                connection.execute(
                    sa.text("UPDATE polls_choice SET votes = votes + 1 WHERE id = 1")
                )
                self.increments += 1
        except sa.exc.DBAPIError as exc:
            self.failures.append(str(exc.orig).splitlines()[0])
        time.sleep(0.002)

    @contextmanager
    def writing(self) -> Iterator[Writer]:
        self._thread.start()
        try:
            time.sleep(0.05)
            yield self
        finally:
            self._stop.set()
            self._thread.join(timeout=30)


def query_last_id(connection: sa.Connection) -> int:
    return connection.execute(sa.text("SELECT max(id) FROM polls_choice")).scalar_one()


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(staged_columns, "COPY_BATCH", 2)


def _fill(project: TutorialProject, rows: int) -> None:
    with connect(project) as connection:
        connection.execute(
            sa.text(
                "INSERT INTO polls_choice (question_id, choice_text, votes) VALUES (2, :t, :v)"
            ),
            [{"t": f"filler {n}", "v": n} for n in range(rows)],
        )


def test_a_staged_type_change_keeps_every_write_of_the_previous_version(
    api_project: TutorialProject, small_batches: None
) -> None:
    start(api_project)
    _fill(api_project, 40)
    expand, contract = _staged(api_project, BIG_VOTES)
    assert expand.startswith("0002_") and contract.startswith("0003_")
    source = (api_project.migrations_dir / f"{contract}.py").read_text()
    assert "migrations.ContractAlterField(" in source and f'("polls", "{expand}")' in source

    writer = Writer(api_project, "choice_text")
    with writer.writing():
        result = api.migrate(stage="expand")
        assert result.held_back == (f"polls.{contract}",)
        assert ("polls", contract) not in history(api_project)
        assert_schema_matches_state(api_project)
        swap = api.sqlmigrate("polls", contract)
        if api_project.backend == "postgresql":  # one short transaction of catalog changes
            assert swap.startswith("BEGIN;") and "CONCURRENTLY" not in swap, swap
            assert 'RENAME COLUMN "votes__new" TO "votes"' in swap
            assert 'DROP CONSTRAINT IF EXISTS "polls_choice_votes__new_' in swap
        if api_project.backend == "mysql":  # the swap under the table lock, then NOT NULL
            assert "LOCK TABLES `polls_choice` WRITE;\n" in swap
            assert "DROP COLUMN `votes`, RENAME COLUMN `votes__new` TO `votes`, ALGORITHM=" in swap
            assert "UNLOCK TABLES;" in swap
            assert "MODIFY `votes` bigint NOT NULL, ALGORITHM=INPLACE, LOCK=NONE" in swap
        result = api.migrate(stage="contract")
        assert [str(step) for step in result.plan.steps] == [f"polls.{contract}"]
    assert writer.failures == []
    assert len(writer.inserted) + writer.increments > 20
    assert_schema_matches_state(api_project)
    assert _column_type(api_project, "polls_choice", "votes") in ("bigint", "integer")
    ((votes,),) = query(api_project, "SELECT votes FROM polls_choice WHERE id = 1")
    assert votes == 3 + writer.increments
    for row_id in writer.inserted:
        assert query(api_project, "SELECT votes FROM polls_choice WHERE id = :i", {"i": row_id})[
            0
        ] == (1,)
    fillers = query(
        api_project, "SELECT choice_text, votes FROM polls_choice WHERE question_id = 2"
    )
    assert sorted(v for t, v in fillers if t.startswith("filler")) == list(range(40))
    # bigint values fit now
    with connect(api_project) as connection:
        connection.execute(sa.text("UPDATE polls_choice SET votes = :v WHERE id = 2"), {"v": BIG})
    assert query(api_project, "SELECT votes FROM polls_choice WHERE id = 2") == [(BIG,)]

    # back to the start: both stages unapplied, every value as it was written
    with connect(api_project) as connection:
        connection.execute(sa.text("UPDATE polls_choice SET votes = 5 WHERE id = 2"))
    api.migrate("polls", "0001")
    assert_schema_matches_state(api_project)
    assert query(api_project, "SELECT votes FROM polls_choice WHERE id = 2") == [(5,)]
    assert query(api_project, "SELECT votes FROM polls_choice WHERE id = 1") == [
        (3 + writer.increments,)
    ]


def test_a_staged_rename_serves_both_versions_until_contract(
    api_project: TutorialProject, small_batches: None
) -> None:
    start(api_project)
    _fill(api_project, 25)
    expand, contract = _staged(api_project, RENAMED_TEXT)
    # SQLite's triggers run after the row is written: the previous version's INSERTs, which
    # leave the new NOT NULL column out, are refused there (see the README)
    old_version = Writer(api_project, "choice_text", inserts=api_project.backend != "sqlite")
    with old_version.writing():
        api.migrate(stage="expand")
    assert old_version.failures == []
    assert old_version.increments > 0
    assert_schema_matches_state(api_project)
    # both columns hold every row's text, whichever version wrote it
    assert query(api_project, "SELECT count(*) FROM polls_choice WHERE text <> choice_text") == [
        (0,)
    ]
    new_version = Writer(api_project, "text")
    with new_version.writing():
        time.sleep(0.2)
    assert new_version.failures == []
    assert new_version.inserted
    for row_id in new_version.inserted:
        ((old_text, new_text),) = query(
            api_project, "SELECT choice_text, text FROM polls_choice WHERE id = :i", {"i": row_id}
        )
        assert old_text == new_text and new_text.startswith("written ")
    with connect(api_project) as connection:
        connection.execute(sa.text("UPDATE polls_choice SET text = 'renamed' WHERE id = 2"))
    assert query(api_project, "SELECT choice_text FROM polls_choice WHERE id = 2") == [("renamed",)]

    api.migrate(stage="contract")
    assert_schema_matches_state(api_project)
    assert "choice_text" not in _columns(api_project)
    assert query(api_project, "SELECT text FROM polls_choice WHERE id = 2") == [("renamed",)]

    api.migrate("polls", "0001")
    assert_schema_matches_state(api_project)
    assert query(api_project, "SELECT choice_text FROM polls_choice WHERE id = 2") == [("renamed",)]


def _columns(project: TutorialProject) -> set[str]:
    with connect(project) as connection:
        return {column["name"] for column in sa.inspect(connection).get_columns("polls_choice")}


def test_contract_waits_for_its_expand_and_expand_holds_contract_back(
    api_project: TutorialProject,
) -> None:
    start(api_project)
    expand, contract = _staged(api_project, BIG_VOTES)
    with pytest.raises(InvalidMigrationPlan, match="--stage expand"):
        api.migrate(stage="contract")
    assert ("polls", expand) not in history(api_project)
    assert api.migrate(stage="expand").held_back == (f"polls.{contract}",)
    again = api.migrate(stage="expand")
    assert again.plan.steps == () and again.held_back == (f"polls.{contract}",)
    with pytest.raises(InvalidMigrationPlan, match="not both"):
        api.migrate("polls", "0001", stage="expand")
    api.migrate()
    assert ("polls", contract) in history(api_project)


@pytest.mark.backends("sqlite")
def test_only_renames_and_type_changes_are_staged(api_project: TutorialProject) -> None:
    start(api_project)
    widened_and_more = (
        TUTORIAL_MODELS.replace(
            "question_text = models.CharField(max_length=200)",
            "question_text = models.CharField(max_length=300)",
        )
        .replace("votes = models.IntegerField(default=0)", "votes = models.IntegerField(default=1)")
        .replace(
            '    pub_date = models.DateTimeField("date published")\n',
            '    pub_date = models.DateTimeField("date published")\n'
            "    note = models.TextField(null=True)\n",
        )
    )
    expand, contract = _staged(api_project, widened_and_more)
    expand_source = (api_project.migrations_dir / f"{expand}.py").read_text()
    contract_source = (api_project.migrations_dir / f"{contract}.py").read_text()
    assert "migrations.AddField(" in expand_source
    assert 'migrations.ExpandAlterField(\n            model_name="question"' in expand_source
    # a new default alone changes no column: it stays an AlterField, in the expand migration
    assert 'migrations.AlterField(\n            model_name="choice"' in expand_source
    assert contract_source.count("migrations.") == 2  # the Migration class and one contract
    assert "migrations.ContractAlterField(" in contract_source
    api.migrate()
    assert_schema_matches_state(api_project)

    # nothing to stage: one migration, as without --staged
    api_project.load(widened_and_more.replace("default=1", "default=2"))
    (plain,) = api.makemigrations("polls", staged=True)
    assert "contract" not in plain.name


@pytest.mark.backends("postgresql", "mysql")
def test_the_copy_of_a_nullable_column_commits_batch_by_batch(
    api_project: TutorialProject, small_batches: None
) -> None:
    """With no NOT NULL guard nor index to build, the copy alone makes the expand run
    statement by statement: each batch commits on its own, and sqlmigrate says so."""
    start(api_project)
    with_rank = TUTORIAL_MODELS.replace(
        "    votes = models.IntegerField(default=0)\n",
        "    votes = models.IntegerField(default=0)\n    rank = models.IntegerField(null=True)\n",
    )
    api_project.load(with_rank)
    api.makemigrations("polls")
    api.migrate()
    _fill(api_project, 9)
    with connect(api_project) as connection:
        connection.execute(sa.text("UPDATE polls_choice SET rank = id * 10 WHERE id % 2 = 0"))
    ranks = query(api_project, "SELECT id, rank FROM polls_choice ORDER BY id")
    expand, _contract = _staged(
        api_project,
        with_rank.replace("models.IntegerField(null=True)", "models.BigIntegerField(null=True)"),
    )
    sql = api.sqlmigrate("polls", expand)
    batches = sum(line.startswith("UPDATE ") for line in sql.splitlines())
    assert not sql.startswith("BEGIN;") and batches >= 3, sql
    events: list[api.MigrationEvent] = []
    api.migrate(progress=events.append)
    assert_schema_matches_state(api_project)
    told = [event.backfill for event in events if event.kind == "backfill_progress"]
    assert told and all(progress.unit == "batches" for progress in told)
    assert told[-1].finished and told[-1].done == told[-1].total == batches
    assert told[0].label == "polls_choice (by key range)"
    assert query(api_project, "SELECT id, rank FROM polls_choice ORDER BY id") == ranks


@pytest.mark.backends("postgresql", "mysql")
def test_a_plain_type_change_of_a_table_in_use_goes_through_a_shadow_column(
    api_project: TutorialProject, small_batches: None
) -> None:
    """No flag: makemigrations writes its one AlterField, and migrate changes the type of a
    table holding rows as a staged change run in one go, while the writers go on."""
    start(api_project)
    _fill(api_project, 30)
    api_project.load(BIG_VOTES)
    (written,) = api.makemigrations("polls")
    assert (
        "migrations.AlterField(" in (api_project.migrations_dir / f"{written.name}.py").read_text()
    )
    sql = api.sqlmigrate("polls", written.name)
    assert "votes__new" in sql and "TYPE bigint" not in sql, sql
    if api_project.backend == "mysql":  # no copy of the table: NOT NULL in place at the end
        assert "MODIFY `votes` bigint NOT NULL, ALGORITHM=INPLACE, LOCK=NONE" in sql, sql
    writer = Writer(api_project, "choice_text")
    with writer.writing():
        api.migrate()
    assert writer.failures == []
    assert_schema_matches_state(api_project)
    assert _column_type(api_project, "polls_choice", "votes") == "bigint"
    assert query(api_project, "SELECT votes FROM polls_choice WHERE id = 1") == [
        (3 + writer.increments,)
    ]
    assert "votes__new" not in _columns(api_project)

    # and back: a narrowing change is Django's statement (a copy trigger would refuse the
    # previous version's writes that do not fit)
    back = api.sqlmigrate("polls", written.name, backwards=True)
    assert "__new" not in back, back
    api.migrate("polls", "0001")
    assert_schema_matches_state(api_project)
    assert _column_type(api_project, "polls_choice", "votes") in ("integer", "int")


@pytest.mark.backends("postgresql")
def test_a_longer_varchar_is_changed_in_place_on_postgresql(api_project: TutorialProject) -> None:
    start(api_project)
    api_project.load(
        TUTORIAL_MODELS.replace(
            "choice_text = models.CharField(max_length=200)",
            "choice_text = models.CharField(max_length=300)",
        )
    )
    (written,) = api.makemigrations("polls")
    sql = api.sqlmigrate("polls", written.name)
    assert 'ALTER COLUMN "choice_text" TYPE varchar(300)' in sql and "__new" not in sql, sql


@pytest.mark.parametrize(
    "old, new, fits",
    [
        (models.IntegerField(), models.BigIntegerField(), True),
        (models.SmallIntegerField(), models.IntegerField(), True),
        (models.BigIntegerField(), models.IntegerField(), False),
        (models.CharField(max_length=10), models.CharField(max_length=20), True),
        (models.CharField(max_length=20), models.CharField(max_length=10), False),
        (models.CharField(max_length=20), models.TextField(), True),
        (models.TextField(), models.CharField(max_length=20), False),
        (
            models.DecimalField(max_digits=5, decimal_places=2),
            models.DecimalField(max_digits=9, decimal_places=2),
            True,
        ),
        (
            models.DecimalField(max_digits=5, decimal_places=2),
            models.DecimalField(max_digits=9, decimal_places=3),
            False,
        ),
        (models.IntegerField(), models.CharField(max_length=20), False),
        (models.PositiveIntegerField(), models.BigIntegerField(), False),
    ],
)
def test_only_changes_every_value_fits_are_staged(old: Any, new: Any, fits: bool) -> None:
    assert widens(old, new) is fits


@pytest.mark.backends("mysql")
def test_a_unique_column_is_staged_with_its_key_when_asked(
    api_project: TutorialProject, small_batches: None
) -> None:
    """Staged, the old column's unique key goes before the swap (ALGORITHM=INSTANT would
    refuse to drop it with the column) and the new column's, built after the copy, stays. (A
    plain AlterField of a unique column keeps Django's statement, and its key Django's name.)"""
    unique_text = TUTORIAL_MODELS.replace(
        "question_text = models.CharField(max_length=200)",
        "question_text = models.CharField(max_length=200, unique=True)",
    )
    api_project.load(unique_text)
    api.makemigrations("polls")
    api.migrate()
    seed(api_project)
    widened = unique_text.replace("max_length=200, unique", "max_length=300, unique")
    api_project.load(widened)
    expand, _contract = _staged(api_project, widened)
    assert "`question_text__new`" in api.sqlmigrate("polls", expand)
    api.migrate()
    assert_schema_matches_state(api_project)
    assert _column_type(api_project, "polls_question", "question_text") == "varchar"
    with pytest.raises(sa.exc.IntegrityError), connect(api_project) as connection:
        connection.execute(
            sa.text(
                "INSERT INTO polls_question (question_text, pub_date) "
                "VALUES ('What''s new?', '2026-01-01')"
            )
        )


@pytest.mark.backends("sqlite")
def test_a_field_a_meta_index_names_is_not_staged(api_project: TutorialProject) -> None:
    """Its index would stay on the old column, which contract drops: makemigrations --staged
    writes the plain AlterField, and the migration loads and runs."""
    indexed = TUTORIAL_MODELS.replace(
        "    votes = models.IntegerField(default=0)\n",
        "    votes = models.IntegerField(default=0)\n\n"
        "    class Meta:\n"
        '        indexes = [models.Index(fields=["votes"], name="votes_idx")]\n',
    )
    api_project.load(indexed)
    api.makemigrations("polls")
    api.migrate()
    api_project.load(
        indexed.replace("models.IntegerField(default=0)", "models.BigIntegerField(default=0)")
    )
    (written,) = api.makemigrations("polls", staged=True)
    assert (
        "migrations.AlterField(" in (api_project.migrations_dir / f"{written.name}.py").read_text()
    )
    api.migrate()
    assert_schema_matches_state(api_project)
