"""The benchmark's generated projects are valid: they migrate, and their models match."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

GENERATE_PY = Path(__file__).parents[2] / "bench" / "generate.py"
APPS, MIGRATIONS_PER_APP = 2, 16
HISTORY_TABLES = {"django": "django_migrations", "schemashift": "schemashift_migrations"}
FOREIGN_ENV = ("SCHEMASHIFT_SETTINGS", "DJANGO_SETTINGS_MODULE", "DATABASE_URL")


def run_python(
    args: list[str], cwd: Path, database_url: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run Python in ``cwd`` without the caller's settings; ``database_url`` as DATABASE_URL."""
    env = {key: value for key, value in os.environ.items() if key not in FOREIGN_ENV}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("history")
    result = run_python(
        [
            str(GENERATE_PY),
            str(out),
            "--apps",
            str(APPS),
            "--migrations-per-app",
            str(MIGRATIONS_PER_APP),
        ],
        cwd=out,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def migration_files(project: Path) -> dict[str, str]:
    return {
        str(path.relative_to(project)): path.read_text()
        for path in sorted(project.glob("app*/migrations/0*.py"))
    }


def test_both_flavours_hold_the_same_history(generated: Path) -> None:
    ours, django = migration_files(generated / "schemashift"), migration_files(generated / "django")
    assert len(ours) == APPS * MIGRATIONS_PER_APP
    assert ours.keys() == django.keys()
    for path, source in ours.items():
        translated = source.replace(
            "from schemashift import migrations, models", "from django.db import migrations, models"
        ).replace(
            "primary_key=True, verbose_name=", "primary_key=True, serialize=False, verbose_name="
        )
        assert translated == django[path], path
    operations = set(re.findall(r"migrations\.(\w+)\(", "".join(ours.values())))
    expected = {"CreateModel", "AddField", "AlterField", "RenameField", "RemoveField", "AddIndex"}
    assert expected <= operations
    cross_app = [s for p, s in ours.items() if p.startswith("app01") and '"app00", "' in s]
    assert cross_app, "some migration of app01 depends on app00"


@pytest.mark.parametrize("flavour", ["django", "schemashift"])
def test_generated_project_migrates_with_nothing_left(
    generated: Path, flavour: str, backend: str, backend_url: str
) -> None:
    """On SQLite the projects' own db.sqlite3; on a server, the database DATABASE_URL names."""
    project = generated / flavour
    if backend == "sqlite":
        database_url, url = None, f"sqlite:///{project / 'db.sqlite3'}"
    else:
        database_url = url = backend_url
    migrate = run_python(["manage.py", "migrate"], cwd=project, database_url=database_url)
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            table = HISTORY_TABLES[flavour]
            applied = connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar()
    finally:
        engine.dispose()
    assert applied == APPS * MIGRATIONS_PER_APP

    check = run_python(
        ["manage.py", "makemigrations", "--check"], cwd=project, database_url=database_url
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "No changes detected" in check.stdout + check.stderr


#: what the generated Django project's default database is, as Django sees it (no connection)
SHOW_DJANGO_DATABASE = """\
import json
import os

import django

os.environ["DJANGO_SETTINGS_MODULE"] = "benchsite.settings"
django.setup()
from django.db import connections

connection = connections["default"]
keys = ("ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT", "OPTIONS")
print(json.dumps({key: connection.settings_dict[key] for key in keys}, default=str))
"""


def django_database(project: Path, database_url: str | None) -> dict:
    result = run_python(["-c", SHOW_DJANGO_DATABASE], cwd=project, database_url=database_url)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def test_django_settings_default_to_the_project_sqlite_file(generated: Path) -> None:
    project = generated / "django"
    database = django_database(project, None)
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["NAME"] == str(project / "db.sqlite3")
    assert django_database(project, "")["NAME"] == str(project / "db.sqlite3")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgresql+psycopg://bench:p%40ss%2Fword@127.0.0.1:5433/bench_django",
            {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": "bench_django",
                "USER": "bench",
                "PASSWORD": "p@ss/word",
                "HOST": "127.0.0.1",
                "PORT": "5433",
                "OPTIONS": {},
            },
        ),
        (
            "mysql+pymysql://root@db.example:3307/bench_django?charset=utf8mb4",
            {
                "ENGINE": "django.db.backends.mysql",
                "NAME": "bench_django",
                "USER": "root",
                "PASSWORD": "",
                "HOST": "db.example",
                "PORT": "3307",
                "OPTIONS": {"charset": "utf8mb4"},
            },
        ),
        (
            "sqlite:////tmp/elsewhere/db.sqlite3",
            {"ENGINE": "django.db.backends.sqlite3", "NAME": "/tmp/elsewhere/db.sqlite3"},
        ),
    ],
    ids=["postgresql", "mysql", "sqlite"],
)
def test_django_settings_take_the_database_from_database_url(
    generated: Path, url: str, expected: dict
) -> None:
    """Django loads the backend for it (the MySQL one through PyMySQL without mysqlclient)."""
    database = django_database(generated / "django", url)
    assert {key: database[key] for key in expected} == expected


def test_django_settings_refuse_an_unknown_database_url(generated: Path) -> None:
    result = run_python(
        ["-c", "import benchsite.settings"],
        cwd=generated / "django",
        database_url="oracle://scott@db.example/orcl",
    )
    assert result.returncode != 0
    assert "DATABASE_URL: unsupported database in 'oracle://scott@db.example/orcl'" in (
        result.stderr
    )


ROLLBACK_APPS, ROLLBACK_MIGRATIONS_PER_APP = 3, 30


@pytest.fixture(scope="module")
def rollback_history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A history large enough that other apps' migrations fall between an app's own."""
    out = tmp_path_factory.mktemp("rollback")
    size = ["--apps", str(ROLLBACK_APPS), "--migrations-per-app", str(ROLLBACK_MIGRATIONS_PER_APP)]
    result = run_python([str(GENERATE_PY), str(out), *size], cwd=out)
    assert result.returncode == 0, result.stdout + result.stderr
    return out / "schemashift"


def manage(project: Path, *args: str) -> str:
    result = run_python(["manage.py", *args], cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def assert_schema_matches_state(project: Path) -> None:
    """The live schema is what the applied migrations say (tests/support/schema_check.py)."""
    env = {key: value for key, value in os.environ.items() if key not in FOREIGN_ENV}
    env.update(SCHEMASHIFT_SETTINGS="benchsite.settings", PYTHONPATH=str(Path(__file__).parents[1]))
    result = subprocess.run(
        [sys.executable, "-m", "support.schema_check"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def applied_apps(project: Path) -> set[str]:
    engine = sa.create_engine(f"sqlite:///{project / 'db.sqlite3'}", poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            rows = connection.exec_driver_sql("SELECT DISTINCT app FROM schemashift_migrations")
            return {app for (app,) in rows}
    finally:
        engine.dispose()


@pytest.mark.parametrize("order", [("app00", "app01", "app02"), ("app02", "app01", "app00")])
def test_generated_history_rolls_back_app_by_app_on_sqlite(
    rollback_history: Path, order: tuple[str, ...], tmp_path: Path
) -> None:
    """``migrate <app> zero`` for every app in turn, after a named target for the first: the
    whole project back to an empty database, the schema as the migrations say at each stop."""
    project = tmp_path / "schemashift"
    shutil.copytree(rollback_history, project)
    manage(project, "migrate")
    first_half = f"{ROLLBACK_MIGRATIONS_PER_APP // 2:04d}"
    manage(project, "migrate", order[0], first_half)
    assert_schema_matches_state(project)
    for app in order:
        manage(project, "migrate", app, "zero")
        assert app not in applied_apps(project)
        assert_schema_matches_state(project)
    assert applied_apps(project) == set()
    engine = sa.create_engine(f"sqlite:///{project / 'db.sqlite3'}", poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            assert set(sa.inspect(connection).get_table_names()) == {"schemashift_migrations"}
    finally:
        engine.dispose()
