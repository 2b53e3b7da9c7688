"""A plain Python project: ``schemashift init`` writes its pyproject.toml and app; there is no
settings module and no manage.py, and every command reads the [tool.schemashift] table."""

from __future__ import annotations

import re
import subprocess
import tomllib
from collections.abc import Mapping
from pathlib import Path

import pytest
from e2e.conftest import Project, run_python
from support.tutorial import (
    PRIMARY_KEY_SQL,
    QUESTIONS,
    TUTORIAL_MODELS,
    WITH_AUTHOR,
    assert_schema_matches_state,
    columns,
    history,
    ok,
    query,
    seed,
    tables,
)

SCRIPT = """\
import schemashift

schemashift.setup()

from polls.models import Question
from schemashift.utils import timezone

Question.objects.create(question_text="From a script", pub_date=timezone.now())
print(Question.objects.count())
"""


def schemashift(
    cwd: Path, *args: str, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m schemashift *args`` in ``cwd``, without SCHEMASHIFT_SETTINGS or DATABASE_URL
    unless ``env`` gives them."""
    return run_python(["-m", "schemashift", *args], cwd=cwd, env=env)


def user_url(url: str) -> str:
    """A server URL as a user writes it: ``postgresql://`` or ``mysql://``, no driver."""
    return re.sub(r"^(\w+)\+\w+://", r"\1://", url)


def error(result: subprocess.CompletedProcess[str]) -> str:
    """The one-line error of a failed command."""
    assert result.returncode == 1, f"exit {result.returncode}\n{result.stdout}{result.stderr}"
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("CommandError: ")
    return result.stderr.removeprefix("CommandError: ").rstrip("\n")


@pytest.fixture
def plain(tmp_path: Path, backend: str, backend_url: str) -> Project:
    """An empty folder where ``schemashift init polls`` has run: on SQLite with the default
    ``db.sqlite3``, on a server with ``--database URL``."""
    folder = tmp_path / "plain"
    folder.mkdir()
    server_url = None if backend == "sqlite" else backend_url
    args = ["--database", user_url(server_url)] if server_url else []
    out = ok(schemashift(folder, "init", "polls", *args))
    assert '[tool.schemashift]\ninstalled_apps = ["polls"]\n' in out
    return Project(folder, backend, server_url)


def test_a_plain_project_from_init_to_rollback(plain: Project) -> None:
    table = tomllib.loads((plain.dir / "pyproject.toml").read_text())["tool"]["schemashift"]
    expected_url = user_url(plain.server_url) if plain.server_url else "sqlite:///db.sqlite3"
    assert table == {"installed_apps": ["polls"], "databases": {"default": expected_url}}
    assert sorted(p.relative_to(plain.dir).as_posix() for p in plain.dir.rglob("*.py")) == [
        "polls/__init__.py",
        "polls/migrations/__init__.py",
        "polls/models.py",
    ]
    assert not (plain.dir / "manage.py").exists()
    plain.write_models(TUTORIAL_MODELS)

    out = ok(schemashift(plain.dir, "makemigrations"))
    assert "polls/migrations/0001_initial.py" in out
    assert "Create model Question" in out

    sql = ok(schemashift(plain.dir, "sqlmigrate", "polls", "0001"))
    assert PRIMARY_KEY_SQL[plain.backend] in sql
    assert "polls_question" not in tables(plain), "sqlmigrate must run nothing"

    assert "Applying polls.0001_initial... OK" in ok(schemashift(plain.dir, "migrate"))
    assert {"polls_question", "polls_choice", "schemashift_migrations"} <= tables(plain)
    assert columns(plain, "polls_question") == ["id", "question_text", "pub_date"]
    assert history(plain) == [("polls", "0001_initial")]
    assert_schema_matches_state(plain)
    if plain.backend == "sqlite":
        assert plain.sqlite_file.exists()
    seed(plain)

    scripts = plain.dir / "scripts"
    scripts.mkdir()
    (scripts / "add_question.py").write_text(SCRIPT)
    assert ok(run_python(["add_question.py"], cwd=scripts)) == "3\n"

    plain.write_models(WITH_AUTHOR)
    assert "0002_question_author.py" in ok(schemashift(plain.dir, "makemigrations", "polls"))
    ok(schemashift(plain.dir, "migrate"))
    assert "author" in columns(plain, "polls_question")
    out = ok(schemashift(plain.dir, "showmigrations"))
    assert "polls\n [X] 0001_initial\n [X] 0002_question_author\n" in out

    out = ok(schemashift(plain.dir, "migrate", "polls", "0001"))
    assert "Unapplying polls.0002_question_author... OK" in out
    assert columns(plain, "polls_question") == ["id", "question_text", "pub_date"]
    assert query(
        plain, "SELECT id, question_text, pub_date FROM polls_question WHERE id < 3 ORDER BY id"
    ) == [tuple(row) for row in QUESTIONS]
    assert history(plain) == [("polls", "0001_initial")]
    assert_schema_matches_state(plain)

    ok(schemashift(plain.dir, "migrate", "polls", "zero"))
    assert tables(plain) == {"schemashift_migrations"}


@pytest.mark.backends("sqlite")  # where the settings are found
def test_commands_find_the_pyproject_from_a_subfolder(plain: Project) -> None:
    plain.write_models(TUTORIAL_MODELS)
    migrations = plain.dir / "polls" / "migrations"
    ok(schemashift(migrations, "makemigrations"))
    assert (migrations / "0001_initial.py").exists()
    ok(schemashift(migrations, "migrate"))
    assert " [X] 0001_initial" in ok(schemashift(migrations, "showmigrations", "polls"))
    assert history(plain) == [("polls", "0001_initial")]
    if plain.backend == "sqlite":
        assert not (migrations / "db.sqlite3").exists()


@pytest.mark.backends("postgresql", "mysql")
def test_database_url_overrides_the_default_of_the_pyproject(
    tmp_path: Path, backend: str, backend_url: str
) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    ok(schemashift(folder, "init", "polls"))
    project = Project(folder, backend, backend_url)
    project.write_models(TUTORIAL_MODELS)
    ok(schemashift(folder, "makemigrations"))
    ok(schemashift(folder, "migrate", env={"DATABASE_URL": user_url(backend_url)}))
    assert history(project) == [("polls", "0001_initial")]
    assert not project.sqlite_file.exists()


SETTINGS_MODULE = """\
INSTALLED_APPS = ["shop"]
DATABASES = {"default": "sqlite:///settings.sqlite3"}
"""


@pytest.fixture
def with_settings_module(tmp_path: Path) -> Path:
    """A project with both a pyproject table (app polls) and a settings module (app shop)."""
    folder = tmp_path / "both"
    folder.mkdir()
    ok(schemashift(folder, "init", "polls"))
    ok(schemashift(folder, "startapp", "shop"))
    (folder / "other_settings.py").write_text(SETTINGS_MODULE)
    (folder / "shop" / "models.py").write_text(
        "from schemashift import models\n\n\nclass Item(models.Model):\n"
        "    name = models.CharField(max_length=10)\n"
    )
    ok(schemashift(folder, "--settings", "other_settings", "makemigrations"))
    return folder


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["--settings", "other_settings"], {}),
        (["migrate", "--settings", "other_settings"], {}),
        ([], {"SCHEMASHIFT_SETTINGS": "other_settings"}),
    ],
)
def test_a_settings_module_wins_over_the_pyproject(
    with_settings_module: Path, args: list[str], env: dict[str, str]
) -> None:
    command = args if "migrate" in args else [*args, "migrate"]
    out = ok(schemashift(with_settings_module, *command, env=env))
    assert "Applying shop.0001_initial... OK" in out
    assert (with_settings_module / "settings.sqlite3").exists()
    assert not (with_settings_module / "db.sqlite3").exists()


def test_without_a_settings_module_the_pyproject_is_read(with_settings_module: Path) -> None:
    assert "polls\n (no migrations)" in ok(schemashift(with_settings_module, "showmigrations"))


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            'installed_apps = "polls"',
            "pyproject.toml [tool.schemashift] installed_apps must be a list of app names such "
            "as [\"polls\"], not 'polls'.",
        ),
        (
            "databases = { default = 3 }",
            "pyproject.toml [tool.schemashift] databases.default must be a database URL such "
            'as "sqlite:///db.sqlite3", not 3.',
        ),
        (
            'migrations_table = ""',
            "pyproject.toml [tool.schemashift] migrations_table must be a table name such as "
            "'schemashift_migrations', not ''.",
        ),
        (
            'time_zone = "Europe/Atlantis"',
            "pyproject.toml [tool.schemashift] time_zone must be a time zone name such as "
            "'UTC' or 'Europe/Paris', not 'Europe/Atlantis'.",
        ),
        (
            "default_auto_field = 1",
            "pyproject.toml [tool.schemashift] default_auto_field must be a dotted path such "
            "as 'schemashift.models.BigAutoField', not 1.",
        ),
        (
            "installed = []",
            "pyproject.toml [tool.schemashift] has an unknown key 'installed'. Did you mean "
            "'installed_apps'? The keys are: auth_user_model, database, databases, "
            "default_auto_field, installed_apps, lint_rows, migration_ddl_lock_retries, "
            "migration_ddl_lock_timeout, migration_lock_timeout, migrations_table, time_zone.",
        ),
        (
            "installed_apps = [polls]",
            "pyproject.toml is not valid TOML: Invalid value (at line 2, column 19).",
        ),
    ],
)
def test_a_malformed_table_is_one_error_naming_the_key(
    tmp_path: Path, line: str, message: str
) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.schemashift]\n{line}\n")
    for command in ("check", "migrate", "showmigrations"):
        assert error(schemashift(tmp_path, command)) == message


def test_without_any_configuration_init_is_suggested(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "unconfigured"\n')
    message = error(schemashift(tmp_path, "migrate"))
    assert message.startswith("No settings module: pass --settings or set SCHEMASHIFT_SETTINGS")
    assert message.endswith("'schemashift init APP' writes one.")


def test_init_appends_to_an_existing_pyproject_byte_for_byte(tmp_path: Path) -> None:
    existing = b'[project]\r\nname = "mine"\r\n\r\n[tool.ruff]\r\nline-length = 88'
    (tmp_path / "pyproject.toml").write_bytes(existing)
    out = ok(schemashift(tmp_path, "init", "shop", "--database", "postgresql://u:secret@h/db"))
    assert out.startswith("Added to pyproject.toml:\n\n[tool.schemashift]\n")
    assert 'databases = { default = "postgresql://u:***@h/db" }' in out
    content = (tmp_path / "pyproject.toml").read_bytes()
    assert content == existing + (
        b'\r\n\r\n[tool.schemashift]\r\ninstalled_apps = ["shop"]\r\n'
        b'databases = { default = "postgresql://u:secret@h/db" }\r\n'
    )
    assert (tmp_path / "shop" / "migrations" / "__init__.py").exists()


def test_init_writes_a_minimal_pyproject(tmp_path: Path) -> None:
    folder = tmp_path / "my project"
    folder.mkdir()
    out = ok(schemashift(folder, "init", "polls", "--database", "mysql://u@localhost/polls"))
    assert out == (
        "Created pyproject.toml:\n\n"
        "[tool.schemashift]\n"
        'installed_apps = ["polls"]\n'
        'databases = { default = "mysql://u@localhost/polls" }\n\n'
        "Created polls/__init__.py, polls/models.py, polls/migrations/__init__.py\n\n"
        "Next: write your models in polls/models.py, then run "
        "'schemashift makemigrations polls' and 'schemashift migrate'.\n"
    )
    assert tomllib.loads((folder / "pyproject.toml").read_text())["project"] == {
        "name": "my-project",
        "version": "0.1.0",
        "dependencies": ["schemashift[mysql]"],
    }


@pytest.mark.parametrize(
    ("existing", "message"),
    [
        (
            '[tool.schemashift]\ninstalled_apps = ["shop"]\n',
            "pyproject.toml already has a [tool.schemashift] table: add the app to its "
            "installed_apps instead.",
        ),
        ("[project]\nname = 'schemashift\n", "pyproject.toml is not valid TOML: "),
    ],
)
def test_init_refuses_a_pyproject_it_cannot_add_to_and_writes_nothing(
    tmp_path: Path, existing: str, message: str
) -> None:
    (tmp_path / "pyproject.toml").write_text(existing)
    assert error(schemashift(tmp_path, "init", "polls")).startswith(message)
    assert (tmp_path / "pyproject.toml").read_text() == existing
    assert not (tmp_path / "polls").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["init", "polls", "--database", "db.sqlite3"], "--database must be a URL such as"),
        (["init", "my-app"], "'my-app' is not a valid app name"),
    ],
)
def test_init_refuses_bad_arguments_and_writes_nothing(
    tmp_path: Path, args: list[str], message: str
) -> None:
    assert error(schemashift(tmp_path, *args)).startswith(message)
    assert list(tmp_path.iterdir()) == []
