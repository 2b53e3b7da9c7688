"""Status commands print their kept output again when nothing they read changed, without
importing the models, the migrations or SQLAlchemy; any change to what they read is seen."""

from __future__ import annotations

import os
import subprocess

import pytest
from support.polls_migrations import ADD_AUTHOR, INITIAL
from support.tutorial import WIDENED, WITH_AUTHOR, ok

OUTPUT_CACHE = ("__pycache__", "schemashift-output")
OFF = {"SCHEMASHIFT_MIGRATION_CACHE": "0"}

WIDEN_TEXT = """\
from schemashift import migrations, models


class Migration(migrations.Migration):
    dependencies = [("polls", "0002_question_author")]

    operations = [
        migrations.AlterField(
            model_name="question",
            name="question_text",
            field=models.CharField(max_length=500),
        ),
    ]
"""

NOOP = """\
from schemashift import migrations


class Migration(migrations.Migration):
    dependencies = [("polls", "0003_alter_question_question_text")]

    operations = []
"""


def _with_migrations(project, models: str = WIDENED) -> None:
    project.write_models(models)
    (project.migrations_dir / "0001_initial.py").write_text(INITIAL)
    (project.migrations_dir / "0002_question_author.py").write_text(ADD_AUTHOR)
    if models == WIDENED:
        (project.migrations_dir / "0003_alter_question_question_text.py").write_text(WIDEN_TEXT)


def _imported(project, *command: str, env: dict[str, str] | None = None) -> tuple[str, set[str]]:
    """The command's output and every module it imported."""
    result = project.run_python(["-X", "importtime", "manage.py", *command], env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    modules = {
        line.rsplit("|", 1)[1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    return result.stdout, modules


def _replayed(modules: set[str]) -> bool:
    """Whether the run answered from kept output: no models, migrations or SQLAlchemy."""
    return not any(
        name == "sqlalchemy" or name == "polls.models" or name.startswith("polls.migrations.")
        for name in modules
    )


def _rewritten_in_place(path, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` (same length): the file keeps its size, its mtime moves on
    by a millisecond."""
    assert len(old) == len(new)
    before = path.stat()
    path.write_text(path.read_text().replace(old, new, 1))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000))
    assert path.stat().st_size == before.st_size


def _check(project) -> subprocess.CompletedProcess[str]:
    return project.run("makemigrations", "--check")


@pytest.mark.parametrize("command", [["showmigrations"], ["sqlmigrate", "polls", "0003"]])
def test_a_second_run_prints_the_same_without_loading_the_project(project, command) -> None:
    assert_printed_again(project, command)


@pytest.mark.backends("sqlite")  # the forms read the database as the commands above do
@pytest.mark.parametrize(
    "command",
    [
        ["showmigrations", "--plan"],
        ["showmigrations", "--format", "json"],
        ["sqlmigrate", "polls", "0002", "--backwards"],
        ["makemigrations", "--check"],
        ["makemigrations", "--check", "--format", "json"],
    ],
)
def test_other_forms_print_the_same_without_loading_the_project(project, command) -> None:
    assert_printed_again(project, command)


def assert_printed_again(project, command: list[str]) -> None:
    _with_migrations(project)
    ok(project.run("migrate", "polls", "0002"))
    expected = ok(project.run(*command, env=OFF))
    assert not project.dir.joinpath(*OUTPUT_CACHE).exists()
    assert ok(project.run(*command)) == expected
    output, modules = _imported(project, *command)
    assert output == expected
    is_kept = command[0] != "sqlmigrate" or project.backend == "sqlite"
    assert _replayed(modules) == is_kept, sorted(modules)


def test_showmigrations_follows_the_history_table(project) -> None:
    _with_migrations(project, WITH_AUTHOR)
    ok(project.run("migrate", "polls", "0001"))
    ok(project.run("showmigrations"))
    output, modules = _imported(project, "showmigrations")
    assert output == "polls\n [X] 0001_initial\n [ ] 0002_question_author\n"
    assert _replayed(modules)
    ok(project.run("migrate"))
    assert ok(project.run("showmigrations")) == (
        "polls\n [X] 0001_initial\n [X] 0002_question_author\n"
    )
    ok(project.run("migrate", "polls", "zero"))
    output, _ = _imported(project, "showmigrations")
    assert output == "polls\n [ ] 0001_initial\n [ ] 0002_question_author\n"


@pytest.mark.backends("sqlite")
def test_makemigrations_check_sees_the_models_change(project) -> None:
    _with_migrations(project, WITH_AUTHOR)
    ok(_check(project))
    assert _replayed(_imported(project, "makemigrations", "--check")[1])

    models = project.dir / "polls" / "models.py"
    _rewritten_in_place(models, "max_length=100", "max_length=120")
    checked = _check(project)
    assert checked.returncode == 1 and "Alter field author on question" in checked.stdout
    _rewritten_in_place(models, "max_length=120", "max_length=100")
    assert "No changes detected" in ok(_check(project))

    project.write_models(
        WITH_AUTHOR + "\n\nclass Tag(models.Model):\n    name = models.TextField()\n"
    )
    checked = _check(project)
    assert checked.returncode == 1 and "Create model Tag" in checked.stdout


@pytest.mark.backends("sqlite")
def test_makemigrations_check_sees_a_module_the_models_import_change(project) -> None:
    base = project.dir / "polls" / "stamped.py"
    base.write_text(
        "from schemashift import models\n\n\nclass Stamped(models.Model):\n"
        "    class Meta:\n        abstract = True\n"
    )
    models = WITH_AUTHOR.replace("class Choice(models.Model):", "class Choice(Stamped):")
    _with_migrations(project, "from polls.stamped import Stamped\n" + models)
    ok(_check(project))
    output, modules = _imported(project, "makemigrations", "--check")
    assert "No changes detected" in output and _replayed(modules)

    base.write_text(base.read_text() + "\n    created = models.DateTimeField(null=True)\n")
    checked = _check(project)
    assert checked.returncode == 1 and "Add field created to choice" in checked.stdout


@pytest.mark.backends("sqlite")
def test_settings_changes_are_seen(project) -> None:
    _with_migrations(project, WITH_AUTHOR)
    ok(_check(project))
    ok(project.run("showmigrations"))
    settings = project.dir / "mysite" / "settings.py"
    source = settings.read_text()

    apps = project.dir / "polls" / "apps.py"
    apps.write_text(
        apps.read_text().replace("    default_auto_field =", "    # default_auto_field =")
    )
    ok(_check(project))
    settings.write_text(source + '\nDEFAULT_AUTO_FIELD = "schemashift.models.AutoField"\n')
    checked = _check(project)
    assert checked.returncode == 1 and "Alter field id on question" in checked.stdout

    ok(project.run("startapp", "extra"))
    (project.dir / "extra" / "models.py").write_text(
        "from schemashift import models\n\n\nclass Note(models.Model):\n"
        "    text = models.TextField()\n"
    )
    settings.write_text(source.replace('"polls.apps.PollsConfig",', '"polls", "extra",', 1))
    checked = _check(project)
    assert checked.returncode == 1 and "Create model Note" in checked.stdout
    assert "extra\n (no migrations)\n" in ok(project.run("showmigrations"))


def test_sqlmigrate_follows_the_earlier_migrations(project) -> None:
    _with_migrations(project)
    ok(project.run("migrate", "polls", "0001"))
    ok(project.run("sqlmigrate", "polls", "0003"))

    second = project.migrations_dir / "0002_question_author.py"
    _rewritten_in_place(second, "max_length=100", "max_length=120")
    expected = ok(project.run("sqlmigrate", "polls", "0003", env=OFF))
    output, modules = _imported(project, "sqlmigrate", "polls", "0003")
    assert output == expected and not _replayed(modules)
    if project.backend == "sqlite":  # the table is remade with every column
        assert "varchar(120)" in output

    fourth = project.migrations_dir / "0004_noop.py"
    fourth.write_text(NOOP)
    output, modules = _imported(project, "sqlmigrate", "polls", "0003")
    assert output == expected and not _replayed(modules)

    fourth.unlink()
    output, modules = _imported(project, "sqlmigrate", "polls", "0003")
    assert output == expected and not _replayed(modules)
    assert _replayed(_imported(project, "sqlmigrate", "polls", "0003")[1]) == (
        project.backend == "sqlite"
    )


@pytest.mark.backends("postgresql", "mysql")
def test_sqlmigrate_prints_the_sql_of_the_database_url(project) -> None:
    _with_migrations(project)
    sqlite = {"DATABASE_URL": f"sqlite:///{project.sqlite_file}"}
    ok(project.run("migrate", "polls", "0001", env=sqlite))
    ok(project.run("migrate", "polls", "0001"))
    on_sqlite = ok(project.run("sqlmigrate", "polls", "0001", env=sqlite))
    output, modules = _imported(project, "sqlmigrate", "polls", "0001", env=sqlite)
    assert output == on_sqlite and _replayed(modules)

    on_server = ok(project.run("sqlmigrate", "polls", "0001"))
    assert on_server != on_sqlite
    assert ok(project.run("sqlmigrate", "polls", "0001", env=OFF)) == on_server
    output, modules = _imported(project, "sqlmigrate", "polls", "0001", env=sqlite)
    assert output == on_sqlite and _replayed(modules)


@pytest.mark.backends("sqlite")
def test_a_run_that_warns_is_not_kept(project) -> None:
    _with_migrations(project, WITH_AUTHOR)
    ok(project.run("migrate"))
    second = project.migrations_dir / "0002_question_author.py"
    second.write_text(ADD_AUTHOR.replace("max_length=100", "max_length=120"))
    for _ in range(2):
        shown = project.run("showmigrations")
        assert shown.returncode == 0
        assert "0002_question_author" in shown.stderr


@pytest.mark.backends("sqlite")
def test_sqlmigrate_follows_the_live_definitions_it_edits_in_place(project) -> None:
    _with_migrations(project)
    ok(project.run("migrate", "polls", "0002"))
    before = ok(project.run("sqlmigrate", "polls", "0003"))
    assert "UPDATE sqlite_master" in before
    assert _replayed(_imported(project, "sqlmigrate", "polls", "0003")[1])

    ok(project.run("migrate", "polls", "0003"))
    expected = ok(project.run("sqlmigrate", "polls", "0003", env=OFF))
    assert expected != before
    output, modules = _imported(project, "sqlmigrate", "polls", "0003")
    assert output == expected and not _replayed(modules)


def test_a_migrate_with_nothing_to_do_is_printed_again_until_the_history_changes(
    project,
) -> None:
    _with_migrations(project)
    assert "Applying polls.0003_alter_question_question_text" in ok(project.run("migrate"))
    settled = ok(project.run("migrate"))
    assert "No migrations to apply." in settled
    output, modules = _imported(project, "migrate")
    assert output == settled and _replayed(modules)

    ok(project.run("migrate", "polls", "0002"))
    output, modules = _imported(project, "migrate")
    assert "Applying polls.0003_alter_question_question_text" in output
    assert not _replayed(modules)
    # the history is as it was when the output was kept
    output, modules = _imported(project, "migrate")
    assert output == settled and _replayed(modules)

    (project.migrations_dir / "0004_noop.py").write_text(NOOP)
    output, modules = _imported(project, "migrate")
    assert "Applying polls.0004_noop" in output and not _replayed(modules)


@pytest.mark.backends("sqlite")
def test_a_migrate_that_does_more_than_read_is_never_kept(project) -> None:
    """A receiver to call, or an option besides the app and the target: every run does its
    work again."""
    calls = project.dir / "post_migrate_calls"
    apps = project.dir / "polls" / "apps.py"
    plain_apps = apps.read_text()
    apps.write_text(
        "from schemashift.models.signals import post_migrate\n\n\n"
        "def count(sender, **kwargs):\n"
        f"    with open({str(calls)!r}, 'a') as file:\n"
        "        file.write('called\\n')\n\n\n"
        + plain_apps.rstrip()
        + "\n\n    def ready(self):\n        post_migrate.connect(count, sender=self)\n"
    )
    _with_migrations(project)
    ok(project.run("migrate"))
    for run in range(2, 5):
        output, modules = _imported(project, "migrate")
        assert "No migrations to apply." in output and not _replayed(modules)
        assert calls.read_text().count("called") == run

    apps.write_text(plain_apps)
    ok(project.run("migrate"))
    assert _replayed(_imported(project, "migrate")[1])
    for options in (["--plan"], ["--check"], ["polls", "0002", "--fake"]):
        ok(project.run("migrate", *options))
        assert not _replayed(_imported(project, "migrate", *options)[1]), options
