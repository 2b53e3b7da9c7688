"""``shell`` and ``dbshell`` run as a user types them, in a project folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from schemashift.cli.dbshell import client_command

MODELS = """\
from schemashift import models


class Question(models.Model):
    question_text = models.CharField(max_length=200)
"""


def manage(
    project: Path, *args: str, input: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k not in {"SCHEMASHIFT_SETTINGS"}}
    full_env.pop("DATABASE_URL", None)
    full_env["PYTHONDONTWRITEBYTECODE"] = "1"
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=project,
        env=full_env,
        input=input,
        stdin=subprocess.DEVNULL if input is None else None,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """startproject mysite with the app polls, its models and their first migration."""
    subprocess.run(
        [sys.executable, "-m", "schemashift", "startproject", "mysite"], cwd=tmp_path, check=True
    )
    folder = tmp_path / "mysite"
    ok(manage(folder, "startapp", "polls"))
    settings = folder / "mysite" / "settings.py"
    settings.write_text(
        settings.read_text().replace("INSTALLED_APPS = []", 'INSTALLED_APPS = ["polls"]')
    )
    (folder / "polls" / "models.py").write_text(MODELS)
    ok(manage(folder, "makemigrations", "polls"))
    return folder


# -- shell ------------------------------------------------------------------------------------


def test_shell_command_runs_with_the_models_imported(project: Path) -> None:
    out = ok(manage(project, "shell", "-c", "print(Question._meta.db_table)"))
    assert out == "polls_question\n"


def test_shell_runs_code_piped_on_stdin(project: Path) -> None:
    code = "from polls.models import Question\nprint(Question.__name__, 6 * 7)\n"
    assert ok(manage(project, "shell", input=code)) == "Question 42\n"


def test_shell_python_prompt_reads_lines(project: Path) -> None:
    result = manage(
        project, "shell", "-i", "python", input="n = 6\nprint(Question.__name__, n * 7)\n"
    )
    assert result.returncode == 0, result.stderr
    assert "Question 42" in result.stdout
    assert "Models: Question" in result.stderr


def test_shell_with_empty_stdin_does_nothing(project: Path) -> None:
    assert ok(manage(project, "shell")) == ""


def test_shell_code_errors_show_their_traceback(project: Path) -> None:
    result = manage(project, "shell", "-c", "x = 1\n1 / x\nundefined_name")
    assert result.returncode == 1
    assert "Traceback" in result.stderr
    assert 'File "<command>", line 3' in result.stderr
    assert "NameError: name 'undefined_name' is not defined" in result.stderr
    assert "schemashift/cli" not in result.stderr


def test_shell_exit_status_of_sys_exit(project: Path) -> None:
    assert manage(project, "shell", "-c", "import sys; sys.exit(4)").returncode == 4


def test_shell_reaches_the_database_through_connections(
    project: Path, backend_url: str, backend: str
) -> None:
    code = (
        "import sqlalchemy as sa\n"
        "from schemashift.db import transaction\n"
        "from schemashift.db.connections import connections\n"
        "db = connections['default']\n"
        "db.execute(sa.text('CREATE TABLE probe (n integer)'))\n"
        "with transaction.atomic():\n"
        "    db.execute(sa.text('INSERT INTO probe VALUES (:n)'), [{'n': 1}, {'n': 2}])\n"
        "print(db.vendor, db.execute(sa.text('SELECT sum(n) FROM probe')).scalar())\n"
    )
    out = ok(manage(project, "shell", "-c", code, env={"DATABASE_URL": backend_url}))
    assert out == f"{backend} 3\n"


def test_shell_without_settings_is_one_clear_error(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "schemashift", "shell", "-c", "print(1)"],
        cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if k != "SCHEMASHIFT_SETTINGS"},
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("CommandError: No settings module")
    assert "Traceback" not in result.stderr


# -- dbshell ----------------------------------------------------------------------------------

#: client arguments that run one query and print its bare result
QUERY_ARGS = {
    "sqlite": [],
    "postgresql": ["-A", "-t", "-c"],
    "mysql": ["-N", "-B", "-e"],
}
CLIENTS = {"sqlite": "sqlite3", "postgresql": "psql", "mysql": "mariadb"}


def require_client(backend: str) -> None:
    program = CLIENTS[backend]
    if shutil.which(program) is None:
        message = f"the {program} client is not installed (apt-get install {program})"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


def test_dbshell_connects_to_the_configured_database(
    project: Path, backend: str, backend_url: str
) -> None:
    require_client(backend)
    engine = sa.create_engine(backend_url, poolclass=sa.pool.NullPool)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE probe (word varchar(20))")
        connection.exec_driver_sql("INSERT INTO probe VALUES ('found')")
    engine.dispose()
    env = {"DATABASE_URL": backend_url}
    query = "SELECT word FROM probe"
    out = ok(manage(project, "dbshell", "--", *QUERY_ARGS[backend], query, env=env))
    assert out.strip() == "found"


def test_dbshell_passes_on_the_client_exit_status(project: Path) -> None:
    require_client("sqlite")
    result = manage(project, "dbshell", "--", "-bail", "SELECT * FROM nosuch")
    assert result.returncode == 1
    assert "no such table: nosuch" in result.stderr
    assert "CommandError: 'sqlite3' exited with status 1." in result.stderr


def test_dbshell_database_option_names_the_alias(project: Path) -> None:
    result = manage(project, "dbshell", "--database", "replica")
    assert result.returncode == 1
    assert result.stderr == (
        "CommandError: No database 'replica': add it to DATABASES in settings module "
        "'mysite.settings'.\n"
    )


def test_dbshell_without_the_client_program(project: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    result = manage(project, "dbshell", env={"PATH": str(empty)})
    assert result.returncode == 1
    assert "You appear not to have the 'sqlite3' program installed" in result.stderr
    assert "Traceback" not in result.stderr


def test_client_commands_keep_passwords_off_the_command_line() -> None:
    require_client("postgresql")
    require_client("mysql")
    psql = client_command(
        make_url("postgresql+psycopg://ann:s3cret@db.example:5433/shop?sslmode=require"),
        ["-c", "select 1"],
    )
    assert psql.args[1:] == [
        "-U",
        "ann",
        "-h",
        "db.example",
        "-p",
        "5433",
        "shop",
        "-c",
        "select 1",
    ]
    assert psql.env == {"PGPASSWORD": "s3cret", "PGSSLMODE": "require"}

    mariadb = client_command(
        make_url("mysql+pymysql://bob:pa%40ss@127.0.0.1:3307/shop?charset=utf8mb4"), ["-e", "x"]
    )
    assert mariadb.args[1:] == [
        "--user=bob",
        "--host=127.0.0.1",
        "--port=3307",
        "--default-character-set=utf8mb4",
        "shop",
        "-e",
        "x",
    ]
    assert mariadb.env == {"MYSQL_PWD": "pa@ss"}
    assert not any("s3cret" in arg or "pa@ss" in arg for arg in psql.args + mariadb.args)
