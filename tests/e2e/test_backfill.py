"""Backfill through ``python manage.py``: the progress lines of migrate, sqlmigrate, and a run
killed (SIGKILL) at any statement of the backfills, which the next migrate finishes with every
row as an uninterrupted run leaves it: no batch run twice, none skipped."""

from __future__ import annotations

import pytest
from support.crash import STRIDE, crash, killed
from support.tutorial import execute, history, ok, query

ACCOUNT_MODELS = """\
from schemashift import models


class Account(models.Model):
    name = models.CharField(max_length=50)
    score = models.IntegerField(default=0)
    rank = models.IntegerField(null=True)
"""

#: every score one up (a batch run twice shows), then the ranks still NULL from the new scores
BACKFILLS = """\
from schemashift import migrations, models
from schemashift.models import F, Q


class Migration(migrations.Migration):
    dependencies = [("polls", "0001_initial")]
    operations = [
        migrations.Backfill("account", "score", F("score") + 1, condition=Q(), batch_size=4),
        migrations.Backfill("account", "rank", F("score") * 10, batch_size=4),
    ]
"""

ROWS = 10


def accounts(project) -> None:
    project.write_models(ACCOUNT_MODELS)
    ok(project.run("makemigrations", "polls"))
    ok(project.run("migrate"))
    execute(
        project,
        "INSERT INTO polls_account (id, name, score, rank) VALUES (:id, :name, :score, :rank)",
        [
            {"id": i, "name": f"a{i}", "score": i, "rank": 7 if i % 4 == 0 else None}
            for i in range(1, ROWS + 1)
        ],
    )
    (project.migrations_dir / "0002_backfill.py").write_text(BACKFILLS)


def assert_backfilled(project, point: str) -> None:
    """Every row as one uninterrupted run leaves it, and nothing left of the run's notes."""
    rows = query(project, "SELECT id, score, rank FROM polls_account ORDER BY id")
    expected = [(i, i + 1, 7 if i % 4 == 0 else (i + 1) * 10) for i in range(1, ROWS + 1)]
    assert rows == expected, f"after a kill {point}"
    assert history(project)[-1] == ("polls", "0002_backfill"), point
    assert query(project, "SELECT * FROM schemashift_migrations_progress") == [], point


def test_migrate_prints_the_progress_of_each_backfill_under_its_migration(project) -> None:
    accounts(project)
    output = ok(project.run("migrate"))
    lines = output.splitlines()
    start = lines.index("  Applying polls.0002_backfill...")
    assert lines[start + 1 :] == [
        "    backfill account.score: 0 of 10 rows",
        "    backfill account.score: 10 of 10 rows, done in 0 s",
        "    backfill account.rank: 0 of 8 rows",
        "    backfill account.rank: 8 of 8 rows, done in 0 s",
        "  Applying polls.0002_backfill... OK",
    ]
    assert_backfilled(project, "(none)")


def test_sqlmigrate_prints_each_batch_statement_outside_a_transaction(project) -> None:
    accounts(project)
    output = ok(project.run("sqlmigrate", "polls", "0002"))
    assert "BEGIN;" not in output
    assert output.count("each batch is its own transaction.") == 2
    assert "-- Backfill account.score in batches of 4 rows (unapplying leaves the values)" in output
    assert query(project, "SELECT count(*) FROM polls_account WHERE rank IS NULL") == [(8,)]


@pytest.mark.parametrize(
    ("when", "match"),
    [
        ("after", r"."),  # after any statement: between a batch and its note, a note and the commit
        ("before", r"^\s*UPDATE\s+\W?polls_account"),  # before a batch: after the last commit
    ],
)
def test_a_backfill_killed_at_any_statement_is_finished_by_the_next_migrate(
    project, when: str, match: str
) -> None:
    accounts(project)
    # every statement is a kill point: by default every sixth before a batch and every
    # twelfth after a statement (each costs three interpreters); all with FAULT_POINTS=all
    stride = 1 if STRIDE == 1 else (12 if when == "after" else 6)
    nth, kills = 1, 0
    while True:
        result = crash(
            project,
            "migrate",
            CRASH_ARM=r"\bmin\(",  # the first read of the first backfill
            CRASH_MATCH=match,
            CRASH_WHEN=when,
            CRASH_NTH=str(nth),
        )
        if not killed(result):
            break
        kills += 1
        point = f"{when} statement {nth} of the backfills"
        resumed = project.run("migrate")
        assert resumed.returncode == 0, f"stuck after a kill {point}:\n{resumed.stderr}"
        assert_backfilled(project, point)
        ok(project.run("migrate", "polls", "0001"))
        execute(project, "UPDATE polls_account SET score = id")
        execute(project, "UPDATE polls_account SET rank = NULL WHERE rank <> 7")
        nth += stride
    assert kills >= (6 if when == "before" else 20) // stride, f"only {kills} kill points"
