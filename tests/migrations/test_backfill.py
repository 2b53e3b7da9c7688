"""Backfill on every backend: the rows it sets, its batches as separate transactions, resuming
from its journal, rows added while it runs, keys that are not integers, and sqlmigrate."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from support.tutorial import execute, history, query
from support.tutorial_project import TutorialProject

from schemashift import api, migrations
from schemashift.apps import apps
from schemashift.exceptions import FieldError, MigrationError
from schemashift.migrations.backfill import BackfillProgress
from schemashift.migrations.executor import MigrationInterrupted
from schemashift.migrations.writer import MigrationWriter
from schemashift.models import Case, F, Q, Value, When

ACCOUNT_MODELS = """\
from schemashift import models


class Account(models.Model):
    name = models.CharField(max_length=50)
    score = models.IntegerField(default=0)
    rank = models.IntegerField(null=True)
"""

TAG_MODELS = """\
from schemashift import models


class Tag(models.Model):
    code = models.CharField(max_length=20, primary_key=True)
    label = models.CharField(max_length=50, null=True)
"""

MIGRATION = """\
from schemashift import migrations, models
from schemashift.models import F, Q, Value
from schemashift.models.functions import Upper


class Migration(migrations.Migration):
    dependencies = [("polls", "0001_initial")]
    operations = [
        {operations}
    ]
"""

ROWS = 23
#: every row's score one up: a batch run twice shows
INCREMENT = 'migrations.Backfill("account", "score", F("score") + 1, condition=Q(), batch_size=5)'


def _accounts(api_project: TutorialProject, rows: int = ROWS) -> None:
    """polls.Account migrated, with ``rows`` rows: every third one ranked already."""
    api_project.load(ACCOUNT_MODELS)
    api.makemigrations("polls")
    api.migrate()
    if not rows:
        return
    execute(
        api_project,
        "INSERT INTO polls_account (id, name, score, rank) VALUES (:id, :name, :score, :rank)",
        [
            {"id": i, "name": f"a{i}", "score": i, "rank": 100 if i % 3 == 0 else None}
            for i in range(1, rows + 1)
        ],
    )


def _write(api_project: TutorialProject, *operations: str, name: str = "0002_backfill") -> None:
    source = MIGRATION.format(operations=",\n        ".join(operations))
    (api_project.migrations_dir / f"{name}.py").write_text(source, encoding="utf-8")


def _ranks(api_project: TutorialProject) -> list[tuple]:
    return query(api_project, "SELECT id, rank FROM polls_account ORDER BY id")


def _batches(events: list[api.MigrationEvent]) -> list[BackfillProgress]:
    return [e.backfill for e in events if e.kind == "backfill_progress" and e.backfill]


def test_a_backfill_sets_the_null_rows_in_batches_and_leaves_the_others(
    api_project: TutorialProject,
) -> None:
    _accounts(api_project)
    _write(api_project, 'migrations.Backfill("account", "rank", F("score") * 2, batch_size=5)')
    events: list[api.MigrationEvent] = []

    result = api.migrate(progress=events.append)

    assert result.applied == ["polls.0002_backfill"]
    assert _ranks(api_project) == [(i, 100 if i % 3 == 0 else i * 2) for i in range(1, ROWS + 1)]
    progress = _batches(events)
    # after the count, one event per range of 5 keys, then the end
    assert [p.done for p in progress] == [0, 4, 7, 10, 14, 16, 16]
    assert {p.total for p in progress} == {16}
    assert [p.finished for p in progress] == [False] * 6 + [True]
    assert query(api_project, "SELECT * FROM schemashift_migrations_progress") == []


def test_a_condition_chooses_the_rows_and_a_literal_value_is_written_as_the_field_stores_it(
    api_project: TutorialProject,
) -> None:
    _accounts(api_project)
    _write(
        api_project,
        'migrations.Backfill("account", "name", "vip", condition=Q(score__gte=20) | Q(id=1))',
        'migrations.Backfill("account", "rank", Value(7), condition=Q(rank=100), batch_size=4)',
    )
    api.migrate()
    rows = query(api_project, "SELECT id, name, rank FROM polls_account ORDER BY id")
    assert rows == [
        (
            i,
            "vip" if i >= 20 or i == 1 else f"a{i}",
            7 if i % 3 == 0 else None,
        )
        for i in range(1, ROWS + 1)
    ]


def test_each_batch_commits_before_the_next_one_starts(api_project: TutorialProject) -> None:
    """Another session sees the first batch's rows set while the later batches are still to
    come: no transaction spans the batches, so no row lock is held across them."""
    _accounts(api_project)
    _write(api_project, 'migrations.Backfill("account", "rank", Value(1), batch_size=10)')
    seen: list[list[tuple]] = []
    engine = sa.create_engine(api_project.database_url, poolclass=sa.pool.NullPool)

    def look(event: api.MigrationEvent) -> None:
        if event.kind != "backfill_progress" or event.backfill is None:
            return
        with engine.connect() as other:
            rows = other.execute(sa.text("SELECT id, rank FROM polls_account ORDER BY id"))
            seen.append([tuple(row) for row in rows])
            # a row of a later batch can be written meanwhile, without waiting for a lock
            other.execute(sa.text("UPDATE polls_account SET name = 'busy' WHERE id = 21"))
            other.commit()

    try:
        api.migrate(progress=look)
    finally:
        engine.dispose()
    after_first = dict(seen[1])
    assert {i: after_first[i] for i in range(1, 11)} == {
        i: 100 if i % 3 == 0 else 1 for i in range(1, 11)
    }
    assert [after_first[i] for i in (11, 13, 20, 22)] == [None] * 4
    assert _ranks(api_project) == [(i, 100 if i % 3 == 0 else 1) for i in range(1, ROWS + 1)]


def test_rows_added_while_it_runs_are_backfilled_too(api_project: TutorialProject) -> None:
    _accounts(api_project)
    _write(api_project, 'migrations.Backfill("account", "rank", Value(5), batch_size=10)')
    added = []

    def add_rows(event: api.MigrationEvent) -> None:
        if (
            event.kind == "backfill_progress"
            and event.backfill
            and event.backfill.done
            and not added
        ):
            execute(
                api_project,
                "INSERT INTO polls_account (id, name, score) VALUES (:id, 'late', 0)",
                [{"id": 40}, {"id": 57}],
            )
            added.append(True)

    api.migrate(progress=add_rows)
    assert added
    assert query(api_project, "SELECT id, rank FROM polls_account WHERE id > 30 ORDER BY id") == [
        (40, 5),
        (57, 5),
    ]


def test_a_failed_run_resumes_after_the_last_batch_it_committed(
    api_project: TutorialProject,
) -> None:
    """An increment shows a batch run twice; the run stops after its third batch."""
    _accounts(api_project)
    _write(api_project, INCREMENT)

    class Stop(Exception):
        pass

    def stop_after_three(event: api.MigrationEvent) -> None:
        if event.kind == "backfill_progress" and event.backfill and event.backfill.done >= 15:
            raise Stop

    with pytest.raises(Stop):
        api.migrate(progress=stop_after_three)
    assert query(api_project, "SELECT count(*) FROM polls_account WHERE score = id + 1") == [(15,)]
    assert history(api_project)[-1] == ("polls", "0001_initial")

    events: list[api.MigrationEvent] = []
    api.migrate(progress=events.append)
    assert "apply_resume" in [e.kind for e in events]
    assert _batches(events)[0].total == ROWS - 15
    assert query(api_project, "SELECT id, score FROM polls_account ORDER BY id") == [
        (i, i + 1) for i in range(1, ROWS + 1)
    ]
    assert query(api_project, "SELECT * FROM schemashift_migrations_progress") == []


def test_a_backfill_edited_after_it_stopped_part_way_is_refused(
    api_project: TutorialProject,
) -> None:
    _accounts(api_project)
    _write(api_project, INCREMENT)

    def stop(event: api.MigrationEvent) -> None:
        if event.kind == "backfill_progress" and event.backfill and event.backfill.done:
            raise KeyboardInterrupt

    with pytest.raises(MigrationInterrupted, match="left part-way"):
        api.migrate(progress=stop)
    _write(api_project, INCREMENT.replace("+ 1", "+ 2"))
    with pytest.raises(MigrationError, match="what it sets was changed in the migration file"):
        api.migrate()
    # a new batch size or pause is no change to what it sets
    _write(api_project, INCREMENT.replace("batch_size=5", "batch_size=7, pause=0.01"))
    api.migrate()
    assert query(api_project, "SELECT id, score FROM polls_account ORDER BY id") == [
        (i, i + 1) for i in range(1, ROWS + 1)
    ]


def test_a_text_primary_key_is_walked_by_keyset(api_project: TutorialProject) -> None:
    api_project.load(TAG_MODELS)
    api.makemigrations("polls")
    api.migrate()
    codes = [f"t{n:02d}" for n in range(17)]
    execute(
        api_project,
        "INSERT INTO polls_tag (code, label) VALUES (:code, :label)",
        [{"code": code, "label": "kept" if code == "t05" else None} for code in codes],
    )
    _write(api_project, 'migrations.Backfill("tag", "label", Upper("code"), batch_size=4)')

    class Stop(Exception):
        pass

    def stop(event: api.MigrationEvent) -> None:
        if event.kind == "backfill_progress" and event.backfill and event.backfill.done >= 8:
            raise Stop

    with pytest.raises(Stop):
        api.migrate(progress=stop)
    events: list[api.MigrationEvent] = []
    api.migrate(progress=events.append)
    assert query(api_project, "SELECT code, label FROM polls_tag ORDER BY code") == [
        (code, "kept" if code == "t05" else code.upper()) for code in codes
    ]
    assert len(_batches(events)) == 1 + 2 + 1  # 8 keys left: two batches of 4


def test_unapplying_a_backfill_leaves_the_values(api_project: TutorialProject) -> None:
    _accounts(api_project, rows=4)
    _write(api_project, 'migrations.Backfill("account", "rank", Value(3))')
    api.migrate()
    result = api.migrate("polls", "0001")
    assert result.unapplied == ["polls.0002_backfill"]
    assert _ranks(api_project) == [(1, 3), (2, 3), (3, 100), (4, 3)]


#: the lock comment above the batch statement, on each backend (the table named as the
#: statement names it)
BATCH_LOCKS = {
    "sqlite": "-- lock: the database's write lock: other writers wait until the transaction "
    "commits",
    "postgresql": "-- lock: ROW EXCLUSIVE on polls_account: reads and other writes go on; writes "
    "to the rows it changes wait",
    "mysql": "-- lock: row locks on polls_account: reads and other writes go on; writes to the "
    "rows it scans wait",
}


def test_sqlmigrate_shows_the_batch_statement_and_how_it_runs(
    api_project: TutorialProject,
) -> None:
    _accounts(api_project, rows=0)
    _write(
        api_project,
        'migrations.Backfill("account", "rank", F("score") + 1, condition=Q(name="x"), '
        "batch_size=500)",
    )
    sql = api.sqlmigrate("polls", "0002")
    assert "BEGIN;" not in sql and "COMMIT;" not in sql
    assert "-- Backfill account.rank in batches of 500 rows (unapplying leaves the values)" in sql
    assert (
        "-- Runs in batches by primary key range, lo to hi = lo + 500, from the smallest key "
        "to the largest (read again at the end for rows added meanwhile); each batch is its "
        "own transaction."
    ) in sql
    lock, statement = sql.split("own transaction.\n", 1)[1].split("\n", 1)
    assert lock == BATCH_LOCKS[api_project.backend]
    # names are quoted where the dialect needs it
    unquoted = statement.replace('"', "").replace("`", "")
    assert unquoted == (
        "UPDATE polls_account SET rank=(polls_account.score + 1) WHERE polls_account.id >= :lo "
        "AND polls_account.id < :hi AND polls_account.name = 'x';"
    )
    assert api.sqlmigrate("polls", "0002", backwards=True).count("UPDATE") == 0


def test_a_field_the_model_lacks_is_named(api_project: TutorialProject) -> None:
    _accounts(api_project, rows=1)
    _write(api_project, 'migrations.Backfill("account", "ranking", Value(1))')
    with pytest.raises(FieldError, match="polls.account has no field 'ranking'"):
        api.migrate()
    assert history(api_project)[-1] == ("polls", "0001_initial")


def test_the_writer_writes_a_backfill_that_reads_back_the_same() -> None:
    operation = migrations.Backfill(
        "account",
        "rank",
        Case(When(score__gt=10, then=F("score") + 1), default=Value(0)),
        condition=Q(rank__isnull=True) | Q(rank=0),
        batch_size=250,
        pause=0.5,
    )
    migration = migrations.Migration("0002_backfill", "polls")
    migration.operations = [operation, migrations.Backfill("account", "name", "x")]
    migration.dependencies = [("polls", "0001_initial")]
    source = MigrationWriter(migration, include_header=False).as_string()
    assert "migrations.Backfill(" in source
    namespace: dict = {}
    exec(compile(source, "0002_backfill.py", "exec"), namespace)
    read = namespace["Migration"]("0002_backfill", "polls").operations
    assert read == migration.operations
    assert read[0].batch_size == 250 and read[0].pause == 0.5
    assert read[1].condition is None and read[1].batch_size == 1000


def test_bad_arguments_are_refused_with_the_field_named() -> None:
    with pytest.raises(ValueError, match="account.rank: batch_size must be"):
        migrations.Backfill("account", "rank", 1, batch_size=0)
    with pytest.raises(ValueError, match="account.rank: pause must be"):
        migrations.Backfill("account", "rank", 1, pause=-1)
    with pytest.raises(TypeError, match="condition must be a models.Q"):
        migrations.Backfill("account", "rank", 1, condition={"rank": None})


@pytest.mark.backends("postgresql", "mysql")
def test_a_batch_waiting_for_a_row_the_application_holds_gives_way_and_is_tried_again(
    api_project: TutorialProject,
) -> None:
    """PostgreSQL's lock_timeout (MIGRATION_DDL_LOCK_TIMEOUT) also bounds row lock waits: the
    batch is rolled back and tried again after a pause, instead of failing the migration.
    (MariaDB's row lock waits are innodb_lock_wait_timeout's: there the batch just waits.)"""
    settings = api_project.dir / "mysite" / "settings.py"
    settings.write_text(
        settings.read_text() + "MIGRATION_DDL_LOCK_TIMEOUT = 0.1\nMIGRATION_DDL_LOCK_RETRIES = 30\n"
    )
    _accounts(api_project)
    _write(api_project, INCREMENT)
    engine = sa.create_engine(api_project.database_url, poolclass=sa.pool.NullPool)
    holder = engine.connect()
    holder.execute(sa.text("UPDATE polls_account SET name = 'held' WHERE id = 12"))
    release = threading.Timer(1.5, holder.commit)
    release.start()
    events: list[str] = []
    try:
        api.migrate(progress=lambda event: events.append(event.kind))
    finally:
        release.join()
        holder.close()
        engine.dispose()
    if api_project.backend == "postgresql":
        assert "lock_retry" in events, "the batch never waited: the test proves nothing"
    assert query(api_project, "SELECT id, score FROM polls_account ORDER BY id") == [
        (i, i + 1) for i in range(1, ROWS + 1)
    ]
    assert query(api_project, "SELECT name FROM polls_account WHERE id = 12") == [("held",)]


UUID_MODELS = """\
import uuid

from schemashift import models


class Token(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    label = models.CharField(max_length=50, null=True)
"""


def test_a_uuid_primary_key_is_walked_by_keyset_and_resumed_from_its_journal(
    api_project: TutorialProject,
) -> None:
    api_project.load(UUID_MODELS)
    api.makemigrations("polls")
    api.migrate()
    Token = apps.get_model("polls", "Token")
    Token.objects.bulk_create([Token() for _ in range(9)])
    _write(api_project, 'migrations.Backfill("token", "label", "set", batch_size=2)')

    class Stop(Exception):
        pass

    def stop(event: api.MigrationEvent) -> None:
        if event.backfill is not None and event.backfill.done >= 4:
            raise Stop

    with pytest.raises(Stop):
        api.migrate(progress=stop)
    assert Token.objects.filter(label="set").count() == 4
    events: list[api.MigrationEvent] = []
    api.migrate(progress=events.append)
    assert Token.objects.filter(label="set").count() == 9
    assert [p.done for p in _batches(events)] == [0, 2, 4, 5, 5]


def test_sparse_keys_cost_no_run_of_empty_batches(api_project: TutorialProject) -> None:
    """A billion keys apart, rows are still a batch each, not a billion batches."""
    api_project.load(ACCOUNT_MODELS)
    api.makemigrations("polls")
    api.migrate()
    keys = [1, 2, 3, 1_000_000_000, 5_000_000_000_000]
    execute(
        api_project,
        "INSERT INTO polls_account (id, name, score) VALUES (:id, 'a', 0)",
        [{"id": key} for key in keys],
    )
    _write(api_project, 'migrations.Backfill("account", "rank", Value(9), batch_size=2)')
    events: list[api.MigrationEvent] = []
    api.migrate(progress=events.append)
    assert _ranks(api_project) == [(key, 9) for key in keys]
    assert [p.done for p in _batches(events)] == [0, 2, 3, 3, 4, 4, 5, 5]
