"""Bad input a user can type gets one clear message: exit status 1, a line naming the file,
app, migration, model or field at fault, no traceback, and the database as it was.

Run through ``python manage.py`` in a fresh tutorial project, as a user would. The inputs
concern the project's files and settings, not a backend, so most run on SQLite only.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import pytest
from support.tutorial import ok

pytestmark = pytest.mark.backends("sqlite")

MODELS = """\
from schemashift import models


class Question(models.Model):
    question_text = models.CharField(max_length=200)
"""

MIGRATION_HEADER = """\
from schemashift import migrations, models


class Migration(migrations.Migration):
    dependencies = [("polls", "0001_initial")]
"""


def refused(result, *fragments: str) -> str:
    """The command failed with one ``CommandError:`` message holding every fragment."""
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output, output
    errors = [line for line in result.stderr.splitlines() if line.startswith("CommandError: ")]
    assert len(errors) == 1, output
    for fragment in fragments:
        assert fragment in result.stderr, f"{fragment!r} not in:\n{result.stderr}"
    return result.stderr


def database_bytes(project) -> bytes | None:
    """The SQLite file as it is on disk (None when there is none), to show nothing changed."""
    if not project.sqlite_file.exists():
        return None
    return project.sqlite_file.read_bytes()


def table_names(project) -> set[str]:
    if not project.sqlite_file.exists():
        return set()
    with sqlite3.connect(project.sqlite_file) as connection:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {name for (name,) in rows} - {"sqlite_sequence"}


@pytest.fixture
def polls(project):
    """The project with one model and its 0001_initial written, not yet applied."""
    project.write_models(MODELS)
    ok(project.run("makemigrations", "polls"))
    return project


def settings_file(project):
    return project.dir / "mysite" / "settings.py"


def set_setting(project, line: str) -> None:
    path = settings_file(project)
    path.write_text(path.read_text() + f"\n{line}\n")


# -- the project's own modules ----------------------------------------------------------------

BROKEN_SOURCE = [
    ("x = (\n", "SyntaxError: '(' was never closed"),
    ("import polls_helpers_that_do_not_exist\n", "ModuleNotFoundError: No module named"),
    ("raise ValueError('the models are not ready')\n", "ValueError: the models are not ready"),
]


@pytest.mark.parametrize(
    ("command", "source", "error"),
    [("check", *broken) for broken in BROKEN_SOURCE]
    + [(command, *BROKEN_SOURCE[0]) for command in ("makemigrations", "migrate", "showmigrations")],
)
def test_a_broken_models_module_names_its_file_and_line(polls, command, source, error) -> None:
    models_py = polls.dir / "polls" / "models.py"
    models_py.write_text(MODELS + "\n" + source)
    line = len((MODELS + "\n").splitlines()) + 1
    refused(polls.run(command), f"polls/models.py, line {line}: {error}")
    assert table_names(polls) == set()


@pytest.mark.parametrize(("source", "error"), BROKEN_SOURCE)
def test_a_broken_apps_module_names_its_file_and_line(polls, source, error) -> None:
    apps_py = polls.dir / "polls" / "apps.py"
    original = apps_py.read_text()
    apps_py.write_text(original + source)
    line = len(original.splitlines()) + 1
    refused(polls.run("migrate"), f"polls/apps.py, line {line}: {error}")
    assert table_names(polls) == set()


def test_an_exception_inside_a_function_of_models_names_the_line_that_raised(polls) -> None:
    (polls.dir / "polls" / "models.py").write_text(
        MODELS + "\n\ndef broken():\n    return {}['missing']\n\n\nbroken()\n"
    )
    refused(polls.run("check"), "polls/models.py, line 9: KeyError: 'missing'")


@pytest.mark.parametrize(
    ("apps", "fragments"),
    [
        ('[""]', ["INSTALLED_APPS entry '' is not a module path"]),
        ('["polls."]', ["INSTALLED_APPS entry 'polls.' is not a module path"]),
        ("[3]", ["INSTALLED_APPS entry 3 is not a string", "mysite/settings.py"]),
        (
            '["polls", "polls.apps.PollsConfig"]',
            ["Application labels aren't unique, duplicates: polls", "'polls.apps.PollsConfig'"],
        ),
        ('["pols"]', ["INSTALLED_APPS entry 'pols' cannot be imported: no module named 'pols'"]),
        (
            '["polls.apps.PollConfig"]',
            ["module 'polls.apps' does not contain a 'PollConfig' class", "'PollsConfig'"],
        ),
    ],
)
def test_malformed_installed_apps_are_named(polls, apps, fragments) -> None:
    set_setting(polls, f"INSTALLED_APPS = {apps}")
    refused(polls.run("migrate"), *fragments)
    assert table_names(polls) == set()


@pytest.mark.parametrize("value", ['""', "5", '"  "', '" schemashift_migrations"'])
def test_a_bad_migrations_table_setting_is_refused(polls, value) -> None:
    set_setting(polls, f"MIGRATIONS_TABLE = {value}")
    refused(polls.run("migrate"), "MIGRATIONS_TABLE must be a table name", "mysite/settings.py")
    assert table_names(polls) == set()


def test_a_migrations_table_name_too_long_for_postgresql_is_refused(polls) -> None:
    set_setting(polls, f"MIGRATIONS_TABLE = {'h' * 60!r}")
    refused(polls.run("migrate"), "MIGRATIONS_TABLE", "is too long")


def test_a_settings_module_that_raises_names_its_line(polls) -> None:
    set_setting(polls, "raise RuntimeError('no secrets file')")
    refused(polls.run("check"), "mysite/settings.py, line", "RuntimeError: no secrets file")


# -- the database -----------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["migrate", "showmigrations", "sqlmigrate polls 0001"])
def test_a_file_that_is_not_a_sqlite_database_is_named_and_left_alone(polls, command) -> None:
    garbage = bytes(range(256)) * 8
    polls.sqlite_file.write_bytes(garbage)
    refused(
        polls.run(*command.split()),
        "Cannot read database 'default' (sqlite:///",
        "db.sqlite3",
        "file is not a database",
    )
    assert polls.sqlite_file.read_bytes() == garbage


@pytest.mark.parametrize(
    ("url", "fragments"),
    [
        (
            "mysql://app:s3cret@127.0.0.1:1/mysite?charset=nope",
            ["database 'default'", "mysql+pymysql://app:***@127.0.0.1:1/mysite", "charset=nope"],
        ),
        (
            "postgresql://app:s3cret@127.0.0.1:1/mysite",
            ["Cannot connect to database 'default'", "app:***@127.0.0.1:1/mysite"],
        ),
        (
            "oracle://app:s3cret@db/mysite",
            ["DATABASE_URL", "'oracle://app:***@db/mysite'", "unknown scheme 'oracle'"],
        ),
        (
            "postgresql://app:s3cret@[db/mysite",
            ["DATABASE_URL", "'postgresql://app:***@[db/mysite'", "cannot be read"],
        ),
        (
            "mysql://app:s3cret@db:99999/mysite",
            ["DATABASE_URL", "database 'default'", "Port out of range"],
        ),
        ("mysite.db", ["DATABASE_URL environment variable must be a URL", "not 'mysite.db'"]),
    ],
)
def test_a_bad_database_url_names_the_alias_and_hides_the_password(polls, url, fragments) -> None:
    message = refused(polls.run("migrate", env={"DATABASE_URL": url}), *fragments)
    assert "s3cret" not in message
    assert not polls.sqlite_file.exists()


def test_a_history_table_of_another_shape_is_refused(polls) -> None:
    with sqlite3.connect(polls.sqlite_file) as connection:
        connection.execute("CREATE TABLE schemashift_migrations (id integer PRIMARY KEY, foo text)")
        connection.execute("INSERT INTO schemashift_migrations (foo) VALUES ('mine')")
    before = database_bytes(polls)
    for command in ("migrate", "showmigrations"):
        refused(
            polls.run(command),
            "The table 'schemashift_migrations' in database 'default' is not a schemashift "
            "history table",
            "(id, foo)",
        )
    assert database_bytes(polls) == before


# -- migration files --------------------------------------------------------------------------

BROKEN_MIGRATIONS = [
    (
        MIGRATION_HEADER + "    operations = None\n",
        ["polls/migrations/0002_broken.py", "operations must be a list, not NoneType"],
    ),
    (
        MIGRATION_HEADER + "    operations = ['AddField']\n",
        ["polls/migrations/0002_broken.py", "operation 1 is 'AddField', not an operation"],
    ),
    (
        MIGRATION_HEADER.replace('[("polls", "0001_initial")]', '"polls"')
        + "    operations = []\n",
        ["polls/migrations/0002_broken.py", "dependencies must be a list, not str 'polls'"],
    ),
    (
        MIGRATION_HEADER.replace('[("polls", "0001_initial")]', "None") + "    operations = []\n",
        ["polls/migrations/0002_broken.py", "dependencies must be a list, not NoneType"],
    ),
    (
        MIGRATION_HEADER.replace('("polls", "0001_initial")', '("polls",)')
        + "    operations = []\n",
        ["polls/migrations/0002_broken.py", "invalid entry in dependencies: ('polls',)"],
    ),
    (
        "from schemashift import migrations\n\noperations = []\n",
        ["polls/migrations/0002_broken.py", "has no class named Migration"],
    ),
    (
        MIGRATION_HEADER + "    operations = [\n",
        ["polls/migrations/0002_broken.py", "syntax error at line 6"],
    ),
]


@pytest.mark.parametrize(
    ("command", "source", "fragments"),
    [("migrate", *broken) for broken in BROKEN_MIGRATIONS]
    + [(command, *BROKEN_MIGRATIONS[0]) for command in ("makemigrations", "showmigrations")],
)
def test_a_malformed_migration_file_is_named(polls, command, source, fragments) -> None:
    (polls.migrations_dir / "0002_broken.py").write_text(source)
    refused(polls.run(command), *fragments)
    assert table_names(polls) == set()


IMPOSSIBLE_OPERATIONS = [
    (
        'migrations.AlterField("question", "votes", models.IntegerField(default=0))',
        "'Alter field votes on question'",
        "Model polls.Question has no field named 'votes'",
    ),
    (
        'migrations.RemoveField("question", "votes")',
        "'Remove field votes from question'",
        "Model polls.Question has no field named 'votes'",
    ),
    (
        'migrations.RenameField("question", "votes", "vote_count")',
        "'Rename field votes on question to vote_count'",
        "Model polls.Question has no field named 'votes'",
    ),
    (
        'migrations.RenameField("question", "id", "question_text")',
        "'Rename field id on question to question_text'",
        "Model polls.Question already has a field named 'question_text'",
    ),
    (
        'migrations.AddField("question", "question_text", models.TextField(default=""))',
        "'Add field question_text to question'",
        "Model polls.Question already has a field named 'question_text'",
    ),
    (
        'migrations.AddField("question", "author", '
        'models.ForeignKey("polls.author", on_delete=models.CASCADE, null=True))',
        "'Add field author to question'",
        "Field polls.Question.author points at model 'polls.author', which no migration it "
        "depends on creates",
    ),
    (
        'migrations.CreateModel("Choice", [("id", models.BigAutoField(primary_key=True)), '
        '("poll", models.ForeignKey("polls.poll", on_delete=models.CASCADE))])',
        "'Create model Choice'",
        "Field polls.Choice.poll points at model 'polls.poll'",
    ),
    (
        'migrations.CreateModel("Question", [("id", models.BigAutoField(primary_key=True))])',
        "'Create model Question'",
        "Model polls.Question already exists",
    ),
]


@pytest.mark.parametrize(
    ("command", "operation", "described", "reason"),
    [("migrate", *impossible) for impossible in IMPOSSIBLE_OPERATIONS]
    + [("makemigrations", *IMPOSSIBLE_OPERATIONS[0])],
)
def test_an_operation_on_what_the_migrations_never_made_is_refused_before_anything_runs(
    polls, command, operation, described, reason
) -> None:
    source = MIGRATION_HEADER + f"    operations = [{operation}]\n"
    (polls.migrations_dir / "0002_impossible.py").write_text(source)
    refused(polls.run(command), "Migration polls.0002_impossible", described, reason)
    assert table_names(polls) == set(), "0001_initial was applied before the broken 0002"
    assert sorted(p.name for p in polls.migrations_dir.glob("0*.py")) == [
        "0001_initial.py",
        "0002_impossible.py",
    ]


def test_user_code_failing_in_run_python_is_named_above_its_traceback(polls) -> None:
    source = (
        "def fill(apps, schema_editor):\n"
        "    raise ValueError('no question to fill')\n\n\n"
        + MIGRATION_HEADER
        + "    operations = [\n"
        + "        migrations.RunSQL('SELECT 1', migrations.RunSQL.noop),\n"
        + "        migrations.RunPython(fill),\n"
        + "    ]\n"
    )
    (polls.migrations_dir / "0002_fill.py").write_text(source)
    result = polls.run("migrate")
    assert result.returncode == 1
    assert "Applying polls.0002_fill... FAILED" in result.stdout
    first_line = result.stderr.splitlines()[0]
    assert first_line == (
        "Error: Applying polls.0002_fill failed at operation 2 of 2 (Raw Python operation): "
        "ValueError: no question to fill"
    )
    # the user's own code keeps its traceback, as in Django
    assert "Traceback" in result.stderr
    assert 'polls/migrations/0002_fill.py", line 2, in fill' in result.stderr


def test_makemigrations_where_a_file_stands_in_for_the_migrations_folder(project) -> None:
    project.write_models(MODELS)
    for path in project.migrations_dir.iterdir():
        path.unlink()
    project.migrations_dir.rmdir()
    project.migrations_dir.write_text("not a folder\n")
    refused(
        project.run("makemigrations", "polls"),
        "Cannot write polls/migrations",
        "a file is in the way of the migrations folder",
        "no migration file was written",
    )
    assert project.migrations_dir.read_text() == "not a folder\n"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_makemigrations_into_a_read_only_migrations_folder(project) -> None:
    project.write_models(MODELS)
    project.migrations_dir.chmod(0o555)
    try:
        refused(
            project.run("makemigrations", "polls"),
            "Cannot write polls/migrations/0001_initial.py",
            "Permission denied",
        )
    finally:
        project.migrations_dir.chmod(0o755)
    assert not (project.migrations_dir / "0001_initial.py").exists()


# -- model checks, with Django's ids and wording ----------------------------------------------

CLASHING_MODELS = """\
from schemashift import models


class Person(models.Model):
    name = models.CharField(max_length=10)
    friend = models.IntegerField(default=0)


class Letter(models.Model):
    sender = models.ForeignKey(Person, on_delete=models.CASCADE)
    receiver = models.ForeignKey(Person, on_delete=models.CASCADE)


class Note(models.Model):
    author = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="name")
    other = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="notes", related_query_name="friend"
    )


class Card(models.Model):
    front = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="cards")
    back = models.ForeignKey(Person, on_delete=models.CASCADE, related_query_name="cards")


class Book(models.Model):
    title = models.CharField(max_length=10)

    class Meta:
        indexes = [
            models.Index(fields=["title"], name="book_title_index_named_at_some_length"),
            models.Index(fields=["title"], name="_book_title"),
            models.Index(fields=["title"], name="a" * 64),
        ]
"""

#: what Django 5.2 prints for the same models (ids, wording and hints)
DJANGO_CHECK_LINES = [
    "polls.Letter.sender: (fields.E304) Reverse accessor 'Person.letter_set' for "
    "'polls.Letter.sender' clashes with reverse accessor for 'polls.Letter.receiver'.",
    "\tHINT: Add or change a related_name argument to the definition for "
    "'polls.Letter.sender' or 'polls.Letter.receiver'.",
    "polls.Note.author: (fields.E302) Reverse accessor 'Person.name' for 'polls.Note.author' "
    "clashes with field name 'polls.Person.name'.",
    "\tHINT: Rename field 'polls.Person.name', or add/change a related_name argument to the "
    "definition for field 'polls.Note.author'.",
    "polls.Note.author: (fields.E303) Reverse query name for 'polls.Note.author' clashes with "
    "field name 'polls.Person.name'.",
    "polls.Note.other: (fields.E303) Reverse query name for 'polls.Note.other' clashes with "
    "field name 'polls.Person.friend'.",
    "polls.Card.back: (fields.E305) Reverse query name for 'polls.Card.back' clashes with "
    "reverse query name for 'polls.Card.front'.",
    "polls.Book: (models.E034) The index name 'book_title_index_named_at_some_length' cannot "
    "be longer than 30 characters.",
    "polls.Book: (models.E033) The index name '_book_title' cannot start with an underscore "
    "or a number.",
    f"polls.Book: (models.E034) The index name '{'a' * 64}' cannot be longer than 30 characters.",
]


@pytest.mark.parametrize("command", ["check", "migrate"])
def test_check_finds_clashing_reverse_names_and_bad_index_names(project, command) -> None:
    project.write_models(CLASHING_MODELS)
    message = refused(project.run(command), "System check identified some issues")
    lines = message.splitlines()
    for expected in DJANGO_CHECK_LINES:
        assert expected in lines, f"{expected!r} not in:\n{message}"
    assert not list(project.migrations_dir.glob("0*.py"))
    assert table_names(project) == set()


def test_distinct_related_names_pass_the_checks(project) -> None:
    project.write_models(
        CLASHING_MODELS.split("class Note")[0].replace(
            "receiver = models.ForeignKey(Person, on_delete=models.CASCADE)",
            "receiver = models.ForeignKey(Person, on_delete=models.CASCADE, related_name='inbox')",
        )
    )
    assert "System check identified no issues" in ok(project.run("check"))


# -- global options after the command ---------------------------------------------------------


def test_global_options_are_accepted_after_the_command(polls) -> None:
    other = polls.dir / "mysite" / "other_settings.py"
    other.write_text(
        settings_file(polls).read_text().replace('"sqlite:///db.sqlite3"', '"sqlite:///other.db"')
    )
    out = ok(polls.run("migrate", "--settings", "mysite.other_settings", "-v", "2"))
    assert "Applying polls.0001_initial... OK" in out
    assert table_names(polls) == set()
    assert (polls.dir / "other.db").exists()

    ok(polls.run("showmigrations", "--settings=mysite.other_settings", "--no-color"))
    result = polls.run("check", "--traceback", env={"DATABASE_URL": "oracle://x@y/z"})
    assert result.returncode == 1
    assert "Traceback" in result.stderr and "unknown scheme 'oracle'" in result.stderr

    elsewhere = polls.dir.parent / "elsewhere"
    elsewhere.mkdir()
    command = [sys.executable, "-m", "schemashift", "check", "--settings", "mysite.settings"]
    run = {"cwd": elsewhere, "env": polls.run_env(), "capture_output": True, "text": True}
    result = subprocess.run(command, **run, check=False)
    refused(result, "Settings module 'mysite.settings' not found")
    result = subprocess.run([*command, "--pythonpath", str(polls.dir)], **run, check=False)
    assert "System check identified no issues" in ok(result)


# -- more of the same families, which work as in Django ---------------------------------------


def test_an_empty_models_module_is_fine(project) -> None:
    (project.dir / "polls" / "models.py").write_text("")
    assert "System check identified no issues" in ok(project.run("check"))
    assert "No changes detected" in ok(project.run("makemigrations"))
    ok(project.run("migrate"))


def test_two_migrations_numbered_alike_are_a_conflict_to_merge(polls) -> None:
    source = MIGRATION_HEADER + "    operations = []\n"
    (polls.migrations_dir / "0002_first.py").write_text(source)
    (polls.migrations_dir / "0002_second.py").write_text(source)
    refused(
        polls.run("migrate"),
        "Conflicting migrations detected",
        "0002_first, 0002_second in polls",
    )
    assert table_names(polls) == set()


def test_migrations_ignored_for_want_of_an_init_file_are_pointed_out(polls) -> None:
    (polls.migrations_dir / "__init__.py").unlink()
    for command in ("migrate", "showmigrations", "makemigrations"):
        result = polls.run(command)
        assert result.returncode == 0, result.stderr
        assert (
            "Warning: the migrations of app 'polls' are ignored: polls/migrations has no "
            "__init__.py. Add an empty polls/migrations/__init__.py." in result.stderr
        )
    assert table_names(polls) == set()


def test_makemigrations_never_overwrites_a_file_it_did_not_load(polls) -> None:
    (polls.migrations_dir / "__init__.py").unlink()
    before = (polls.migrations_dir / "0001_initial.py").read_text()
    (polls.dir / "polls" / "models.py").write_text(MODELS + "    votes = models.IntegerField()\n")
    refused(
        polls.run("makemigrations", "polls"),
        "polls/migrations/0001_initial.py already exists",
        "no migration file was written",
    )
    assert (polls.migrations_dir / "0001_initial.py").read_text() == before
    assert not (polls.migrations_dir / "__init__.py").exists()
