# ruff: noqa: E501 (the migrations written below keep one operation a line)
"""``lint``'s rules, run in process on hand-written migrations: each rule on a migration that
triggers it beside operations that do not, for the server given as ``--server`` (no database
is reached: the SQL is written for that server's dialect)."""

from __future__ import annotations

import textwrap

import pytest
from support.tutorial_project import TutorialProject

from schemashift import api
from schemashift.migrations.lint import RULES
from schemashift.migrations.lint.sql_text import read_statement, split_statements

pytestmark = pytest.mark.backends("sqlite")

INITIAL = """\
from schemashift import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            "Question",
            [
                ("id", models.BigAutoField(auto_created=True, primary_key=True)),
                ("question_text", models.CharField(max_length=200)),
                ("pub_date", models.DateTimeField(null=True)),
            ],
        ),
        migrations.CreateModel(
            "Choice",
            [
                ("id", models.BigAutoField(auto_created=True, primary_key=True)),
                ("question", models.ForeignKey("polls.Question", on_delete=models.CASCADE)),
                ("choice_text", models.CharField(max_length=200)),
                ("votes", models.IntegerField(default=0)),
                ("code", models.CharField(max_length=10, unique=True)),
            ],
        ),
    ]
"""

CHANGE = """\
import uuid

from schemashift import migrations, models


def forwards(apps, schema_editor):
    pass


class Migration(migrations.Migration):
    atomic = {atomic}
    dependencies = [("polls", "0001_initial")]
    operations = [
{operations}
    ]
"""


def lint(
    project: TutorialProject, operations: str, server: str = "postgresql:16", atomic: bool = True
) -> list[tuple[int, str, str]]:
    """(operation number, rule, severity) of each finding in a migration of ``operations``
    after the initial one, not acknowledged."""
    found = lint_result(project, operations, server, atomic)
    return sorted((f.operation_index, f.rule, f.severity) for f in found.reported())


def lint_result(
    project: TutorialProject, operations: str, server: str = "postgresql:16", atomic: bool = True
) -> api.LintResult:
    project.migrations_dir.joinpath("0001_initial.py").write_text(INITIAL)
    body = textwrap.indent(textwrap.dedent(operations).strip(), " " * 8)
    source = CHANGE.format(operations=body, atomic=atomic)
    project.migrations_dir.joinpath("0002_change.py").write_text(source)
    project.load("")
    return api.lint("polls", "0002", server=server)


# -- locking ----------------------------------------------------------------------------------


def test_index_not_concurrent_fires_for_raw_sql_but_not_for_add_index(
    api_project: TutorialProject,
) -> None:
    found = lint(
        api_project,
        """
        migrations.RunSQL("CREATE INDEX q_text ON polls_question (question_text)", "DROP INDEX q_text"),
        migrations.AddIndex("question", models.Index(fields=["pub_date"], name="q_pub")),
        migrations.RunSQL("CREATE INDEX CONCURRENTLY q_c ON polls_question (pub_date)"),
        """,
        atomic=False,
    )
    # AddIndex is built CONCURRENTLY by schemashift on a table in use
    assert found == [(1, "index-not-concurrent", "error")]


def test_an_index_on_a_table_made_in_the_same_migration_never_fires(
    api_project: TutorialProject,
) -> None:
    found = lint(
        api_project,
        """
        migrations.CreateModel("Tag", [("id", models.BigAutoField(primary_key=True)), ("name", models.CharField(max_length=20)), ("question", models.ForeignKey("polls.Question", on_delete=models.CASCADE))]),
        migrations.RunSQL("CREATE INDEX tag_name ON polls_tag (name)"),
        migrations.AddIndex("tag", models.Index(fields=["name"], name="tag_name2")),
        migrations.RunSQL("ALTER TABLE polls_tag ALTER COLUMN name TYPE integer USING 0"),
        """,
    )
    assert found == []


def test_drop_index_and_constraints_without_their_online_forms(
    api_project: TutorialProject,
) -> None:
    found = lint(
        api_project,
        """
        migrations.RunSQL("DROP INDEX some_index"),
        migrations.RunSQL("ALTER TABLE polls_choice ADD CONSTRAINT votes_positive CHECK (votes >= 0)"),
        migrations.RunSQL("ALTER TABLE polls_choice ADD CONSTRAINT votes_small CHECK (votes < 100) NOT VALID"),
        migrations.AddConstraint("choice", models.CheckConstraint(condition=models.Q(votes__lte=1000), name="votes_max")),
        migrations.RunSQL("DROP INDEX CONCURRENTLY other_index"),
        """,
        atomic=False,
    )
    assert found == [
        (1, "drop-index-not-concurrent", "warning"),
        (2, "constraint-not-valid", "error"),
    ]


def test_table_rewrite_on_postgresql_knows_which_type_changes_keep_the_values(
    api_project: TutorialProject,
) -> None:
    found = lint(
        api_project,
        """
        migrations.RunSQL("ALTER TABLE polls_choice ALTER COLUMN votes TYPE bigint"),
        migrations.RunSQL("ALTER TABLE polls_question ALTER COLUMN question_text TYPE varchar(500)"),
        migrations.AlterField("choice", "choice_text", models.CharField(max_length=500)),
        migrations.AlterField("question", "question_text", models.CharField(max_length=100)),
        migrations.RunSQL("ALTER TABLE polls_choice ADD COLUMN token uuid DEFAULT gen_random_uuid()"),
        migrations.RunSQL("ALTER TABLE polls_choice ADD COLUMN flag integer DEFAULT 0"),
        """,
    )
    rewrites = [number for number, rule, _ in found if rule == "table-rewrite"]
    assert rewrites == [1, 4, 5]


def test_table_rewrite_on_mysql_is_a_copy_and_not_an_online_alter(
    api_project: TutorialProject,
) -> None:
    operations = """
        migrations.RunSQL("ALTER TABLE polls_choice MODIFY votes bigint NOT NULL"),
        migrations.RunSQL("ALTER TABLE polls_choice ADD INDEX votes_idx (votes)"),
        migrations.RunSQL("ALTER TABLE polls_choice ADD COLUMN flag integer DEFAULT 0"),
        migrations.AlterField("choice", "choice_text", models.CharField(max_length=500)),
        migrations.RunSQL("ALTER TABLE polls_choice ADD COLUMN c2 int, ALGORITHM=COPY"),
        migrations.AddIndex("question", models.Index(fields=["pub_date"], name="q_pub")),
        migrations.AlterModelTableComment("choice", "the options of a question"),
    """
    for server in ("mysql:8.0.30", "mariadb:10.11"):
        found = lint(api_project, operations, server)
        assert [n for n, rule, _ in found if rule == "table-rewrite"] == [1, 5], server


def test_on_mysql_a_longer_varchar_is_a_copy_only_when_its_length_takes_another_byte(
    api_project: TutorialProject,
) -> None:
    found = lint(
        api_project,
        """
        migrations.AlterField("choice", "code", models.CharField(max_length=60, unique=True)),
        migrations.AlterField("choice", "code", models.CharField(max_length=100, unique=True)),
        """,
        "mysql:8.0.30",
    )
    assert found == [(2, "table-rewrite", "error")]


def test_exclusive_lock_for_a_scan_under_access_exclusive_and_explicit_locks(
    api_project: TutorialProject,
) -> None:
    found = lint(
        api_project,
        """
        migrations.AddField("choice", "rank", models.PositiveIntegerField(default=1)),
        migrations.RunSQL("LOCK TABLE polls_question IN ACCESS EXCLUSIVE MODE"),
        migrations.AlterField("question", "pub_date", models.DateTimeField(default="2026-01-01 00:00:00")),
        migrations.AddField("choice", "note", models.CharField(max_length=10, default="")),
        """,
    )
    locks = [(number, severity) for number, rule, severity in found if rule == "exclusive-lock"]
    assert locks == [(1, "error"), (2, "error")]


def test_a_concurrent_index_build_on_postgresql_14_before_14_4(
    api_project: TutorialProject,
) -> None:
    operations = 'migrations.AddIndex("question", models.Index(fields=["pub_date"], name="q_pub")),'
    assert lint(api_project, operations, "postgresql:14.2") == [
        (1, "concurrent-index-pg14", "error")
    ]
    assert lint(api_project, operations, "postgresql:14") == [
        (1, "concurrent-index-pg14", "warning")
    ]
    assert lint(api_project, operations, "postgresql:14.4") == []
    assert lint(api_project, operations, "postgresql:13") == []


def test_sqlite_remakes_a_table_in_use_as_a_warning(api_project: TutorialProject) -> None:
    found = lint(
        api_project,
        """
        migrations.AlterField("choice", "choice_text", models.CharField(max_length=500)),
        migrations.AddField("question", "note", models.TextField(null=True)),
        """,
        "sqlite",
    )
    assert found == [(1, "table-rewrite", "warning")]


# -- backward compatibility --------------------------------------------------------------------


def test_drops_of_columns_and_tables_the_previous_version_reads(
    api_project: TutorialProject,
) -> None:
    found = lint(
        api_project,
        """
        migrations.RemoveField("choice", "votes"),
        migrations.SeparateDatabaseAndState(state_operations=[migrations.RemoveField("choice", "choice_text")]),
        migrations.CreateModel("Tag", [("id", models.BigAutoField(primary_key=True))]),
        migrations.DeleteModel("Tag"),
        migrations.DeleteModel("Choice"),
        """,
    )
    assert found == [
        (1, "data-loss", "error"),
        (1, "drop-column", "error"),
        (5, "data-loss", "error"),
        (5, "drop-table", "error"),
    ]


def test_renames_but_not_the_staged_form_nor_a_kept_column_or_table(
    api_project: TutorialProject,
) -> None:
    found = lint(
        api_project,
        """
        migrations.RenameField("choice", "votes", "vote_count"),
        migrations.ExpandRenameField("choice", "choice_text", "text"),
        migrations.AlterField("question", "pub_date", models.DateTimeField(null=True, db_column="pub_date")),
        migrations.RenameField("question", "pub_date", "published"),
        migrations.AlterModelTable("question", "polls_questions"),
        migrations.AlterModelOptions("choice", {"verbose_name": "option"}),
        """,
    )
    renames = [(number, rule) for number, rule, _ in found if rule.startswith("rename")]
    assert renames == [(1, "rename-column"), (5, "rename-table")]


def test_a_table_renamed_then_dropped_still_held_the_rows(api_project: TutorialProject) -> None:
    found = lint(
        api_project,
        """
        migrations.RenameModel("Choice", "Option"),
        migrations.DeleteModel("Option"),
        migrations.CreateModel("Tag", [("id", models.BigAutoField(primary_key=True))]),
        migrations.RenameModel("Tag", "Label"),
        migrations.DeleteModel("Label"),
        """,
    )
    assert found == [
        (1, "rename-table", "error"),
        (2, "data-loss", "error"),
        (2, "drop-table", "error"),
    ]


def test_rename_model_with_its_table_kept_is_not_a_rename_of_the_table(
    api_project: TutorialProject,
) -> None:
    found = lint(
        api_project,
        """
        migrations.AlterModelTable("question", "polls_question"),
        migrations.RenameModel("Question", "Poll"),
        migrations.RenameModel("Choice", "Option"),
        """,
    )
    assert found == [(3, "rename-table", "error")]


def test_not_null_without_default_where_schemashift_keeps_no_database_default(
    api_project: TutorialProject,
) -> None:
    operations = """
        migrations.AddField("question", "status", models.CharField(max_length=10, default="open")),
        migrations.AddField("question", "token", models.UUIDField(default=uuid.uuid4)),
        migrations.AddField("question", "rank", models.IntegerField(db_default=0)),
        migrations.AddField("question", "note", models.TextField(null=True)),
        migrations.AddField("question", "code", models.CharField(max_length=5, default="x"), preserve_default=False),
    """
    for server in ("postgresql:16", "mysql:8.0.30"):
        found = lint(api_project, operations, server)
        assert [n for n, rule, _ in found if rule == "not-null-without-default"] == [2, 5]
    # SQLite keeps no default for an added column: the constant default is not kept either
    found = lint(api_project, operations, "sqlite")
    assert [n for n, rule, _ in found if rule == "not-null-without-default"] == [1, 2, 5]


def test_set_not_null_warns_that_the_previous_version_may_still_write_null(
    api_project: TutorialProject,
) -> None:
    found = lint(
        api_project,
        """
        migrations.AlterField("question", "pub_date", models.DateTimeField(default="2026-01-01 00:00:00")),
        migrations.AlterField("choice", "votes", models.IntegerField(null=True)),
        """,
    )
    assert found == [(1, "set-not-null", "warning")]


# -- data loss, RunSQL, RunPython ---------------------------------------------------------------


def test_raw_sql_is_read_statement_by_statement(api_project: TutorialProject) -> None:
    found = lint(
        api_project,
        """
        migrations.RunSQL("UPDATE polls_choice SET votes = 0; INSERT INTO polls_question (question_text) VALUES ('a;b')"),
        migrations.RunSQL("DROP TABLE polls_choice; TRUNCATE polls_question"),
        migrations.RunSQL("ALTER TABLE polls_choice RENAME COLUMN votes TO vote_count; ALTER TABLE polls_choice DROP COLUMN choice_text"),
        migrations.RunSQL("ALTER TABLE polls_question RENAME TO polls_poll"),
        migrations.RunSQL("DO $$ BEGIN PERFORM 1; END $$"),
        """,
    )
    assert found == [
        (2, "data-loss", "error"),
        (2, "data-loss", "error"),
        (2, "drop-table", "error"),
        (3, "data-loss", "error"),
        (3, "drop-column", "error"),
        (3, "rename-column", "error"),
        (4, "rename-table", "error"),
        (5, "raw-sql", "warning"),
    ]


def test_runpython_without_reverse_code(api_project: TutorialProject) -> None:
    found = lint(
        api_project,
        """
        migrations.RunPython(forwards),
        migrations.RunPython(forwards, migrations.RunPython.noop),
        """,
    )
    assert found == [(1, "runpython-no-reverse", "warning")]


def test_splitting_and_reading_sql() -> None:
    assert split_statements(
        "SELECT ';' -- a; comment\n; CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; "
        "$body$ LANGUAGE sql;\nCREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW BEGIN "
        "SET NEW.a = 1; SET NEW.b = 2; END; /* ; */ SELECT `a;b` FROM x"
    ) == [
        "SELECT ';' -- a; comment",
        "CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql",
        "CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW BEGIN SET NEW.a = 1; SET NEW.b = 2; END",
        "/* ; */ SELECT `a;b` FROM x",
    ]
    kinds = {
        'ALTER TABLE "t" DROP COLUMN "c"': ("drop-column", '"t"', '"c"'),
        "ALTER TABLE t DROP CONSTRAINT c": ("known", "", ""),
        "alter table only t rename column a to b": ("rename-column", "t", "a"),
        "ALTER TABLE `t` CHANGE `a` `b` int": ("rename-column", "`t`", "`a`"),
        "RENAME TABLE a TO b": ("rename-table", "a", ""),
        "TRUNCATE TABLE t": ("truncate", "t", ""),
        "LOCK TABLES t WRITE": ("lock-table", "t", ""),
        "VACUUM FULL t": ("unknown", "", ""),
        "CREATE INDEX CONCURRENTLY i ON t (a)": ("known", "", ""),
    }
    for sql, (kind, table, name) in kinds.items():
        read = read_statement(sql)
        assert (read.kind, read.table, read.name) == (kind, table, name), sql


# -- acknowledgement, output --------------------------------------------------------------------


def test_an_acknowledged_finding_is_not_reported_and_an_unknown_id_is(
    api_project: TutorialProject,
) -> None:
    result = lint_result(
        api_project,
        """
        migrations.RemoveField("choice", "votes", acknowledge=["drop-column", "data-loss"]),
        migrations.RemoveField("choice", "choice_text", acknowledge=["drop-colum"]),
        """,
    )
    reported = sorted((f.operation_index, f.rule, f.severity) for f in result.reported())
    assert reported == [
        (2, "data-loss", "error"),
        (2, "drop-column", "error"),
        (2, "unknown-acknowledge", "warning"),
    ]
    acknowledged = [(f.operation_index, f.rule) for f in result.findings if f.acknowledged]
    assert sorted(acknowledged) == [(1, "data-loss"), (1, "drop-column")]
    assert result.fails() and result.server == "postgresql 16"


def test_json_shape_and_failing_on_warnings(api_project: TutorialProject) -> None:
    result = lint_result(api_project, "migrations.RunPython(forwards),")
    (finding,) = result.reported()
    assert finding.as_dict() == {
        "app": "polls",
        "migration": "0002_change",
        "operation_index": 1,
        "operation": "Raw Python operation",
        "rule": "runpython-no-reverse",
        "severity": "warning",
        "message": "RunPython(forwards) has no reverse_code",
        "fix": RULES["runpython-no-reverse"].fix,
        "acknowledged": False,
    }
    assert not result.fails() and result.fails("warning")


def test_a_server_not_known_is_refused(api_project: TutorialProject) -> None:
    with pytest.raises(Exception, match="Cannot lint for server 'oracle:19'"):
        lint_result(api_project, "migrations.RunPython(forwards),", "oracle:19")


def test_makemigrations_and_migrate_plan_carry_the_findings(
    api_project: TutorialProject,
) -> None:
    from support.tutorial import TUTORIAL_MODELS

    api_project.load(TUTORIAL_MODELS)
    api.makemigrations("polls")
    api.migrate()
    api_project.load(TUTORIAL_MODELS.replace("    votes = models.IntegerField(default=0)\n", ""))
    (made,) = api.makemigrations("polls")
    assert [(f.operation_index, f.rule) for f in made.findings] == [
        (1, "drop-column"),
        (1, "data-loss"),
    ]
    (step,) = api.migrate(plan=True).plan.steps
    (operation,) = step.operations
    assert [f.rule for f in operation.findings] == ["drop-column"]  # data loss: its own field


def test_data_loss_is_what_the_operation_says_it_destroys(api_project: TutorialProject) -> None:
    result = lint_result(
        api_project,
        """
        migrations.AlterField("question", "question_text", models.CharField(max_length=50)),
        migrations.AlterField("choice", "votes", models.BigIntegerField(default=0)),
        migrations.RemoveField("question", "pub_date"),
        """,
    )
    losses = [(f.operation_index, f.message) for f in result.reported() if f.rule == "data-loss"]
    assert losses == [
        (
            1,
            "narrows polls_question.question_text from CharField(200) to CharField(50): the "
            "values longer than 50 characters are lost",
        ),
        (3, "drops column pub_date of polls_question"),
    ]
