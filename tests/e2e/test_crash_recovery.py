"""A run killed or interrupted anywhere: nothing lost, nothing run twice, nothing stuck.

A small driver (``crash.py``, written into the project) runs ``manage.py`` with a SQLAlchemy
event hook that sends the process SIGKILL at a chosen database event, as a power cut or the
OOM killer would. The next ``migrate`` must finish the job: exit 0, the live schema as the
migrations say, and the rows as an uninterrupted run leaves them.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable

import pytest
from support.crash import STRIDE, at_least, crash, killed
from support.tutorial import (
    QUESTIONS,
    TUTORIAL_MODELS,
    assert_schema_matches_state,
    execute,
    history,
    ok,
    query,
    seed,
    tables,
)

#: statements that change a user table's definition (not the bookkeeping tables)
SCHEMA_CHANGE = r"^\s*(CREATE|ALTER|DROP|RENAME)\b(?!.*schemashift_migrations)"
#: the first statement writing the progress table
PROGRESS_WRITE = r"^\s*(INSERT|DELETE|UPDATE|CREATE)\b.*schemashift_migrations_progress"


def tutorial(project) -> None:
    project.write_models(TUTORIAL_MODELS)
    ok(project.run("makemigrations", "polls"))
    ok(project.run("migrate"))
    seed(project)


# -- 1. data migrations run exactly once --------------------------------------------------------

DATA_MIGRATION = '''\
from schemashift import migrations, models


def shout(apps, schema_editor):
    """Shout the questions"""
    Question = apps.get_model("polls", "Question")
    for question in Question.objects.order_by("id"):
        question.question_text += "!!"
        question.save()


def seed_choice(apps, schema_editor):
    """Seed a choice"""
    Choice = apps.get_model("polls", "Choice")
    Choice.objects.create(id=10, question_id=1, choice_text="Seeded", votes=7)


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("polls", "0001_initial")]
    operations = [
        migrations.RunPython(shout, migrations.RunPython.noop),
        migrations.RunPython(seed_choice, migrations.RunPython.noop),
        migrations.AddField(
            model_name="question",
            name="author",
            field=models.CharField(default="anonymous", max_length=50),
        ),
    ]
'''


@pytest.mark.parametrize(
    "after_statement", [r"UPDATE\s+\W?polls_question", r"INSERT\s+INTO\s+\W?polls_choice"]
)
def test_a_data_operation_runs_exactly_once_whenever_the_run_dies(
    project, after_statement: str
) -> None:
    """Killed after the data operation's statements, just before its progress is noted: its
    work and its progress note are one transaction, so the rerun does it once."""
    tutorial(project)
    (project.migrations_dir / "0002_data.py").write_text(DATA_MIGRATION)

    result = crash(
        project, "migrate", CRASH_ARM=after_statement, CRASH_MATCH="schemashift_migrations_progress"
    )
    assert killed(result), result.stdout + result.stderr

    ok(project.run("migrate"))
    assert history(project)[-1] == ("polls", "0002_data")
    assert query(project, "SELECT id, question_text FROM polls_question ORDER BY id") == [
        (qid, text + "!!") for qid, text, _date in QUESTIONS
    ]
    assert query(project, "SELECT id, choice_text FROM polls_choice WHERE id = 10") == [
        (10, "Seeded")
    ]
    assert_schema_matches_state(project)


# -- 2. an operation undoes only what it did ----------------------------------------------------

ADD_SCORE = """\
from schemashift import migrations, models


class Migration(migrations.Migration):
    dependencies = [("polls", "0001_initial")]
    operations = [
        migrations.AddField(
            model_name="question",
            name="score",
            field=models.IntegerField(default=0),
        ),
    ]
"""


def test_an_add_field_leaves_a_column_made_by_hand_and_its_values(project) -> None:
    tutorial(project)
    execute(project, "ALTER TABLE polls_question ADD COLUMN score integer NULL")
    execute(project, "UPDATE polls_question SET score = 42")
    (project.migrations_dir / "0002_score.py").write_text(ADD_SCORE)

    result = project.run("migrate", "--allow-drift")  # the column is drift made on purpose
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "score" in result.stderr
    if project.backend == "mysql":
        assert "table polls_question, column score: live integer NULL" in result.stderr
        assert "nothing was changed" in result.stderr
    assert query(project, "SELECT id, score FROM polls_question ORDER BY id") == [(1, 42), (2, 42)]
    assert history(project) == [("polls", "0001_initial")]


# -- 3. a run killed between any two statements resumes -----------------------------------------

SCHEMA_MIGRATION = """\
from schemashift import migrations, models


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("polls", "0001_initial")]
    operations = [
        migrations.CreateModel(
            name="Tag",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, verbose_name="ID")),
                ("name", models.CharField(max_length=50, unique=True)),
                (
                    "question",
                    models.ForeignKey(on_delete=models.CASCADE, to="polls.question"),
                ),
            ],
            options={"indexes": [models.Index(fields=["name", "question"], name="tag_nq_idx")]},
        ),
        migrations.AddField(
            model_name="question",
            name="author",
            field=models.CharField(default="anonymous", max_length=50),
        ),
        migrations.AlterField(
            model_name="choice",
            name="choice_text",
            field=models.CharField(max_length=300, db_index=True),
        ),
        migrations.RemoveField(model_name="choice", name="votes", acknowledge=["data-loss"]),
    ]
"""
#: the rows either way: (id, question_text) and (id, choice_text)
CHOICE_TEXTS = [(1, "Not much"), (2, "The sky"), (3, "Ünïcode \\ back")]


def assert_rows(project, applied: bool) -> None:
    assert query(project, "SELECT id, question_text FROM polls_question ORDER BY id") == [
        (qid, text) for qid, text, _date in QUESTIONS
    ]
    assert query(project, "SELECT id, choice_text FROM polls_choice ORDER BY id") == CHOICE_TEXTS
    if applied:
        assert query(project, "SELECT author FROM polls_question") == [("anonymous",)] * 2


def assert_finished(project, args: tuple[str, ...], applied: bool, point: str) -> None:
    result = project.run("migrate", *args)
    assert result.returncode == 0, f"stuck after a kill {point}:\n{result.stdout}{result.stderr}"
    assert (("polls", "0002_schema") in history(project)) == applied
    assert_schema_matches_state(project)
    assert_rows(project, applied)


def kill_at_every_statement(
    project,
    migration: str,
    match: str = SCHEMA_CHANGE,
    whens: tuple[str, ...] = ("after",),
    check: Callable[[bool], None] = lambda applied: None,
    stride: int = STRIDE,
) -> int:
    """Run ``migrate`` forwards, and back to 0001, killed at each statement matching ``match``
    in turn (``stride`` apart), before or after it as ``whens`` says; each time the next run
    must finish, with the schema the state implies and the rows as they were (``check``
    asserts more, given whether ``migration`` is applied). The number of kills made."""
    directions = {(): True, ("polls", "0001"): False}  # migrate args -> whether it is applied
    kills = 0
    for when in whens:
        nth, reached = 1, set(directions)
        while reached:
            for args, applied in directions.items():
                result = crash(
                    project,
                    "migrate",
                    *args,
                    CRASH_MATCH=match,
                    CRASH_WHEN=when,
                    CRASH_NTH=str(nth),
                )
                if killed(result):
                    kills += 1
                else:
                    reached.discard(args)
                point = f"{when} statement {nth} of 'migrate {' '.join(args)}'"
                finished = project.run("migrate", *args)
                assert finished.returncode == 0, (
                    f"stuck after a kill {point}:\n{finished.stdout}{finished.stderr}"
                )
                assert (("polls", migration) in history(project)) == applied, point
                assert_schema_matches_state(project)
                assert query(project, "SELECT id, choice_text FROM polls_choice ORDER BY id") == (
                    CHOICE_TEXTS
                ), point
                check(applied)
            nth += stride
    return kills


@pytest.mark.backends("mysql")
def test_a_run_killed_after_any_statement_resumes_forwards_and_backwards(project) -> None:
    """After every statement that changes a table, forwards and backwards, the process dies
    (a DDL statement commits by itself on MySQL/MariaDB) before anything else is written."""
    tutorial(project)
    (project.migrations_dir / "0002_schema.py").write_text(SCHEMA_MIGRATION)
    kills = kill_at_every_statement(
        project, "0002_schema", check=lambda applied: assert_rows(project, applied)
    )
    assert kills >= at_least(7), f"only {kills} kill points"


NEW_KINDS_MIGRATION = """\
from schemashift import migrations, models


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("polls", "0001_initial")]
    operations = [
        migrations.CreateModel(
            name="Tag",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, verbose_name="ID")),
                ("name", models.CharField(max_length=50, db_comment="Shown in lists")),
                ("hits", models.IntegerField(db_default=0)),
                ("questions", models.ManyToManyField(to="polls.question", related_name="tags")),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=["name"], name="tag_name_unique"),
                    models.CheckConstraint(condition=models.Q(hits__gte=0), name="tag_hits_gte_0"),
                ],
            },
        ),
        migrations.AddField(
            model_name="choice",
            name="related",
            field=models.ManyToManyField(to="polls.choice"),
        ),
        migrations.AddConstraint(
            model_name="choice",
            constraint=models.CheckConstraint(
                condition=models.Q(votes__gte=0), name="choice_votes_gte_0"
            ),
        ),
    ]
"""


@pytest.mark.backends("mysql")
def test_a_run_of_many_to_many_constraints_and_db_defaults_killed_anywhere_resumes(
    project,
) -> None:
    """The same, for a migration whose operations make through tables, constraints and
    database defaults: every kill point resumes to the schema the state implies."""
    tutorial(project)
    (project.migrations_dir / "0002_schema.py").write_text(NEW_KINDS_MIGRATION)
    kills = kill_at_every_statement(project, "0002_schema")
    assert kills >= at_least(11), f"only {kills} kill points"


ONLINE_MIGRATION = """\
from schemashift import migrations, models


class Migration(migrations.Migration):
    dependencies = [("polls", "0001_initial")]
    operations = [
        migrations.AddField(
            model_name="question", name="slug", field=models.SlugField(null=True)
        ),
        migrations.AddIndex(
            model_name="choice", index=models.Index(fields=["votes"], name="choice_votes_idx")
        ),
        migrations.AddConstraint(
            model_name="choice",
            constraint=models.CheckConstraint(
                condition=models.Q(votes__gte=0), name="choice_votes_gte_0"
            ),
        ),
        migrations.AddConstraint(
            model_name="question",
            constraint=models.UniqueConstraint(fields=["question_text"], name="text_uniq"),
        ),
        migrations.AddField(model_name="choice", name="rank", field=models.IntegerField(null=True)),
        migrations.AlterField(
            model_name="choice", name="rank", field=models.IntegerField(default=7)
        ),
    ]
"""


#: the schema changes, and the UPDATEs filling NULLs
CHANGE_OR_FILL = r"^\s*(CREATE|ALTER|DROP|RENAME|UPDATE)\b(?!.*schemashift_migrations)"


@pytest.mark.backends("postgresql", "mysql")
def test_an_online_migration_killed_after_any_statement_resumes_forwards_and_backwards(
    project,
) -> None:
    """Changes to tables holding rows run as statements committed one by one (on PostgreSQL
    concurrent index builds, NOT VALID then VALIDATE; on both, a kept default and NULLs filled
    in batches): a kill after any of them, before its transaction commits or after, is
    resumed to the schema and rows of an uninterrupted run."""
    tutorial(project)
    (project.migrations_dir / "0002_online.py").write_text(ONLINE_MIGRATION)

    def check(applied: bool) -> None:
        if project.backend == "postgresql":
            invalid = query(project, "SELECT count(*) FROM pg_index WHERE NOT indisvalid")
            assert invalid == [(0,)], "an INVALID index stayed after a kill"
        if applied:
            assert query(project, "SELECT rank FROM polls_choice") == [(7,)] * 3

    kills = kill_at_every_statement(project, "0002_online", match=CHANGE_OR_FILL, check=check)
    assert kills >= at_least(11), f"only {kills} kill points"


STAGED_EXPAND = """\
from schemashift import migrations, models


class Migration(migrations.Migration):
    dependencies = [("polls", "0001_initial")]
    operations = [
        migrations.ExpandAlterField(
            model_name="choice", name="votes", field=models.BigIntegerField(default=0)
        ),
        migrations.ExpandRenameField(
            model_name="question", old_name="question_text", new_name="text"
        ),
    ]
"""
STAGED_CONTRACT = """\
from schemashift import migrations, models


class Migration(migrations.Migration):
    dependencies = [("polls", "0002_expand")]
    operations = [
        migrations.ContractAlterField(
            model_name="choice", name="votes", field=models.BigIntegerField(default=0)
        ),
        migrations.ContractRenameField(
            model_name="question", old_name="question_text", new_name="text"
        ),
    ]
"""
#: the schema changes, the copies, and (MySQL/MariaDB) the lock around the contract's swap
STAGED_STEP = r"^\s*(CREATE|ALTER|DROP|RENAME|UPDATE|LOCK|UNLOCK)\b(?!.*schemashift_migrations)"


@pytest.mark.backends("postgresql", "mysql")
def test_a_staged_change_killed_at_any_statement_resumes_forwards_and_backwards(project) -> None:
    """Expand (new column, copy trigger, batched copy, NOT NULL guard) and contract (the swap)
    of a type change and a rename: killed after any statement, forwards or back, the next run
    finishes with the schema of the state and every value where it belongs."""
    tutorial(project)
    (project.migrations_dir / "0002_expand.py").write_text(STAGED_EXPAND)
    (project.migrations_dir / "0003_contract.py").write_text(STAGED_CONTRACT)
    votes = [(1, 3), (2, 5), (3, 0)]

    def check(applied: bool) -> None:
        assert query(project, "SELECT id, votes FROM polls_choice ORDER BY id") == votes
        column = "text" if applied else "question_text"
        texts = query(project, f"SELECT id, {column} FROM polls_question ORDER BY id")
        assert texts == [(number, text) for number, text, _date in QUESTIONS]
        if project.backend == "postgresql":
            invalid = query(project, "SELECT count(*) FROM pg_index WHERE NOT indisvalid")
            assert invalid == [(0,)], "an INVALID index stayed after a kill"

    # the longest of these runs: every tenth statement by default, all with the full size
    stride = 1 if STRIDE == 1 else 10
    kills = kill_at_every_statement(
        project, "0003_contract", match=STAGED_STEP, check=check, stride=stride
    )
    assert kills >= (30 if stride == 1 else 4), f"only {kills} kill points"


WIDENING_MIGRATION = """\
from schemashift import migrations, models


class Migration(migrations.Migration):
    dependencies = [("polls", "0001_initial")]
    operations = [
        migrations.AlterField(
            model_name="choice",
            name="votes",
            field=models.BigIntegerField(default=0, db_index=True),
        ),
    ]
"""


@pytest.mark.backends("postgresql", "mysql")
def test_a_type_change_through_a_shadow_column_resumes_after_a_kill_anywhere(project) -> None:
    """A plain AlterField widening an indexed column of a table holding rows runs expand and
    the swap in one operation: killed after any of its statements, the next run finishes it,
    the index under the name the state gives it (else the run after refuses it as drift)."""
    project.write_models(
        TUTORIAL_MODELS.replace(
            "votes = models.IntegerField(default=0)",
            "votes = models.IntegerField(default=0, db_index=True)",
        )
    )
    ok(project.run("makemigrations", "polls"))
    ok(project.run("migrate"))
    seed(project)
    (project.migrations_dir / "0002_widen.py").write_text(WIDENING_MIGRATION)
    assert "votes__new" in ok(project.run("sqlmigrate", "polls", "0002"))

    def check(applied: bool) -> None:
        assert query(project, "SELECT id, votes FROM polls_choice ORDER BY id") == [
            (1, 3),
            (2, 5),
            (3, 0),
        ]

    # every ninth statement by default, every one with the full size
    stride = 1 if STRIDE == 1 else 9
    kills = kill_at_every_statement(
        project, "0002_widen", match=STAGED_STEP, check=check, stride=stride
    )
    assert kills >= (8 if stride == 1 else 2), f"only {kills} kill points"


FOREIGN_KEY_MIGRATION = """\
from schemashift import migrations, models


class Migration(migrations.Migration):
    dependencies = [("polls", "0001_initial")]
    operations = [
        migrations.AddField(
            model_name="choice",
            name="follows",
            field=models.ForeignKey(
                null=True, on_delete=models.SET_NULL, related_name="+", to="polls.question"
            ),
        ),
    ]
"""

#: every statement of the online foreign key path: the ALTERs, and the row checks around the
#: one that adds the key with foreign_key_checks off
FOREIGN_KEY_STEP = r"^\s*(ALTER|SET STATEMENT|/\* with foreign_key_checks|SELECT /\* rows breaking)"


@pytest.mark.backends("mysql")
def test_a_foreign_key_added_online_resumes_after_a_kill_at_any_statement(project) -> None:
    """The key is added with foreign_key_checks off for its statement alone, between two row
    checks: killed before or after any of them, the next run (on a fresh connection) carries
    on, with the checks and the setting the statement needs."""
    tutorial(project)
    (project.migrations_dir / "0002_follows.py").write_text(FOREIGN_KEY_MIGRATION)
    kills = kill_at_every_statement(
        project, "0002_follows", match=FOREIGN_KEY_STEP, whens=("before", "after")
    )
    assert kills >= at_least(8), f"only {kills} kill points"
    sql = ok(project.run("sqlmigrate", "polls", "0002"))
    assert "FOREIGN KEY (`follows_id`) REFERENCES `polls_question` (`id`), ALGORITHM=INPLACE" in sql


@pytest.mark.backends("mysql")
def test_an_operation_edited_after_a_kill_is_judged_afresh_and_refused(project) -> None:
    """The stored statements belong to the operation as it was: once it is edited, the live
    schema (half of the old operation) is neither before nor after it, and nothing runs."""
    tutorial(project)
    migration = project.migrations_dir / "0002_schema.py"
    migration.write_text(SCHEMA_MIGRATION)
    result = crash(project, "migrate", CRASH_MATCH=r"^CREATE TABLE `polls_tag`", CRASH_WHEN="after")
    assert killed(result)

    migration.write_text(SCHEMA_MIGRATION.replace("max_length=50, unique", "max_length=60, unique"))
    result = project.run("migrate")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert (
        "the live schema is neither as before the operation nor as after it, so it was not run "
        "and nothing was changed: table polls_tag exists but is not the table the operation "
        "makes: column name is varchar(50) NOT NULL, expected varchar(60) NOT NULL;"
    ) in result.stderr
    assert "An earlier run started this operation (it got to statement 1 of 3)" in result.stderr

    migration.write_text(SCHEMA_MIGRATION)
    assert "Resuming polls.0002_schema at operation 1 of 4" in ok(project.run("migrate"))
    assert_schema_matches_state(project)
    assert_rows(project, applied=True)


@pytest.mark.backends("sqlite", "postgresql")
def test_a_run_killed_before_noting_an_operation_resumes(project) -> None:
    """Killed just before each write of the progress table of an ``atomic = False``
    migration: where DDL is transactional, the operation and its note commit together."""
    tutorial(project)
    (project.migrations_dir / "0002_schema.py").write_text(SCHEMA_MIGRATION)
    nth, kills = 1, 0
    while True:
        result = crash(project, "migrate", CRASH_MATCH=PROGRESS_WRITE, CRASH_NTH=str(nth))
        if not killed(result):
            break
        kills += 1
        assert_finished(project, (), True, f"before progress write {nth}")
        ok(project.run("migrate", "polls", "0001"))
        nth += STRIDE
    assert kills >= at_least(5), f"only {kills} kill points"


# -- 4. names too long for the backend are refused before anything runs ------------------------

LONG_INDEX = """\
from schemashift import migrations, models


class Migration(migrations.Migration):
    dependencies = [("polls", "0001_initial")]
    operations = [
        migrations.CreateModel(
            name="Tag",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, verbose_name="ID")),
                ("name", models.CharField(max_length=50)),
            ],
            options={"indexes": [models.Index(fields=["name"], name="NAME")]},
        ),
    ]
"""
NAME_LIMITS = {"sqlite": 200, "postgresql": 63, "mysql": 64}


def test_an_index_name_too_long_is_refused_before_anything_is_created(project) -> None:
    tutorial(project)
    limit = NAME_LIMITS[project.backend]
    long_name = "tag_" + "n" * (limit + 12)
    migration = project.migrations_dir / "0002_tag.py"
    migration.write_text(LONG_INDEX.replace("NAME", long_name))

    result = project.run("migrate")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert (
        f"the index name '{long_name}' of model polls.Tag is {len(long_name)} characters long; "
        in result.stderr
    )
    assert f"allows {limit}" in result.stderr
    assert "polls_tag" not in tables(project)
    assert history(project) == [("polls", "0001_initial")]

    migration.write_text(LONG_INDEX.replace("NAME", "tag_name_idx"))
    ok(project.run("migrate"))
    assert_schema_matches_state(project)


# -- 5. Ctrl-C says what stands -----------------------------------------------------------------

SLOW_MIGRATION = '''\
import pathlib
import time

from schemashift import migrations, models

SLEEP = {
    "sqlite": None,
    "postgresql": "SELECT pg_sleep(30)",
    "mysql": "SELECT SLEEP(30)",
    "mariadb": "SELECT SLEEP(30)",
}


def wait(apps, schema_editor):
    """Wait for Ctrl-C"""
    pathlib.Path("waiting").write_text("")
    sql = SLEEP[schema_editor.connection.dialect.name]
    if sql is None:
        time.sleep(30)
    else:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("polls", "0001_initial")]
    operations = [
        migrations.AddField(
            model_name="question",
            name="author",
            field=models.CharField(default="anonymous", max_length=50),
        ),
        migrations.RunPython(wait, migrations.RunPython.noop),
    ]
'''


def test_ctrl_c_exits_130_with_one_line_saying_what_stands(project) -> None:
    tutorial(project)
    (project.migrations_dir / "0002_slow.py").write_text(SLOW_MIGRATION)

    process = subprocess.Popen(
        [sys.executable, "manage.py", "migrate"],
        cwd=project.dir,
        env=project.run_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # a shell running the tests in the background ignores SIGINT, and so would the child
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 60
    while not (project.dir / "waiting").exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the migration never started waiting"
        time.sleep(0.1)
    time.sleep(0.5)  # inside the sleep statement
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)

    assert process.returncode == 130, stdout + stderr
    assert "Traceback" not in stderr
    assert "Can't reconnect" not in stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    if project.backend == "mysql":
        expected = (
            "polls.0002_slow is left part-way (1 of 2 operations applied); run the same "
            "migrate again to resume it."
        )
    else:
        expected = "polls.0002_slow was rolled back, nothing of it stands."
    assert lines[0] == f"CommandError: Interrupted: {expected}"

    (project.dir / "polls" / "migrations" / "0002_slow.py").write_text(
        SLOW_MIGRATION.replace("time.sleep(30)", "pass").replace("(30)", "(0)")
    )
    ok(project.run("migrate"))
    assert history(project)[-1] == ("polls", "0002_slow")
    assert_schema_matches_state(project)
    assert query(project, "SELECT author FROM polls_question") == [("anonymous",)] * 2


# -- 5. what migrate writes for the contrib apps ----------------------------------------------

RENAME_CHOICE = """\
from schemashift import migrations


class Migration(migrations.Migration):
    dependencies = [("polls", "0001_initial")]
    operations = [migrations.RenameModel("Choice", "Answer")]
"""

#: every statement that writes: schema, rows, history and progress
ANY_WRITE = r"^\s*(INSERT|UPDATE|DELETE|CREATE|ALTER|DROP|RENAME)\b"
POLLS_PERMISSIONS = {
    f"{action}_{model}"
    for action in ("add", "change", "delete", "view")
    for model in ("question", "choice", "answer")
}


def test_a_run_renaming_a_model_killed_at_any_write_leaves_content_types_as_one_whole_run(
    project,
) -> None:
    """With contenttypes and auth installed, RenameModel renames the model's content type in
    the same migration and migrate then adds the missing permissions: killed after any write
    and run again, the content type keeps its id and name follows the direction, and no
    permission is missing or doubled."""
    settings = project.dir / "mysite" / "settings.py"
    settings.write_text(
        settings.read_text().replace(
            "INSTALLED_APPS = [\n",
            'INSTALLED_APPS = [\n    "schemashift.contrib.contenttypes",\n'
            '    "schemashift.contrib.auth",\n',
            1,
        )
    )
    tutorial(project)
    types = "SELECT id, model FROM django_content_type WHERE app_label = 'polls' ORDER BY model"
    (choice_type, question_type) = query(project, types)
    (project.migrations_dir / "0002_rename.py").write_text(RENAME_CHOICE)
    directions = {(): "answer", ("polls", "0001"): "choice"}
    every = STRIDE
    nth, kills, reached = 1, 0, set(directions)
    while reached:
        for args, name in directions.items():
            result = crash(
                project,
                "migrate",
                *args,
                CRASH_MATCH=ANY_WRITE,
                CRASH_WHEN="after",
                CRASH_NTH=str(nth),
            )
            if killed(result):
                kills += 1
            else:
                reached.discard(args)
            point = f"after write {nth} of 'migrate {' '.join(args)}'"
            finished = project.run("migrate", *args)
            assert finished.returncode == 0, f"stuck {point}:\n{finished.stdout}{finished.stderr}"
            assert query(project, types) == [(choice_type[0], name), question_type], point
            codenames = query(
                project,
                "SELECT p.codename FROM auth_permission p JOIN django_content_type t "
                "ON t.id = p.content_type_id WHERE t.app_label = 'polls'",
            )
            assert sorted(c for (c,) in codenames) == sorted(POLLS_PERMISSIONS), point
            assert_schema_matches_state(project)
        nth += every
    assert kills >= (2 if every > 1 else 6), f"only {kills} kill points"
