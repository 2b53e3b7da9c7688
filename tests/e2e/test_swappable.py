"""A project's own user model named by AUTH_USER_MODEL: relations to it are written as
``settings.AUTH_USER_MODEL`` with a swappable dependency, as Django writes them, and migrate."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from e2e.conftest import run_python

ACCOUNTS_MODELS = """\
from schemashift import models


class User(models.Model):
    username = models.CharField(max_length=150, unique=True)
"""

BLOG_MODELS = """\
from schemashift import models
from schemashift.conf import settings


class Post(models.Model):
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    title = models.CharField(max_length=100)
"""

BLOG_MIGRATION = """\
import schemashift.models.deletion
from schemashift.conf import settings
from schemashift import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Post",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("title", models.CharField(max_length=100)),
                (
                    "author",
                    models.ForeignKey(
                        on_delete=schemashift.models.deletion.CASCADE,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
    ]
"""


def _project(root: Path) -> Path:
    project = root / "site"
    files = {
        "mysite/__init__.py": "",
        "mysite/settings.py": (
            'INSTALLED_APPS = ["accounts", "blog"]\n'
            'DATABASES = {"default": "sqlite:///db.sqlite3"}\n'
            'AUTH_USER_MODEL = "accounts.User"\n'
        ),
        "accounts/__init__.py": "",
        "accounts/models.py": ACCOUNTS_MODELS,
        "accounts/migrations/__init__.py": "",
        "blog/__init__.py": "",
        "blog/models.py": BLOG_MODELS,
        "blog/migrations/__init__.py": "",
    }
    for name, text in files.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text)
    return project


def _run(project: Path, backend: str, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {} if backend == "sqlite" else {"DATABASE_URL": re.sub(r"\+\w+://", "://", url)}
    return run_python(
        ["-m", "schemashift", "--settings", "mysite.settings", *args], project, env=env
    )


def test_relation_to_the_user_model_is_written_with_the_setting(
    tmp_path: Path, backend: str, backend_url: str
) -> None:
    project = _project(tmp_path)

    made = _run(project, backend, backend_url, "makemigrations")

    assert made.returncode == 0, made.stderr
    written = (project / "blog" / "migrations" / "0001_initial.py").read_text()
    assert "from schemashift.conf import settings\n" in written
    assert (
        "    dependencies = [\n"
        "        migrations.swappable_dependency(settings.AUTH_USER_MODEL),\n"
        "    ]\n"
    ) in written
    assert "to=settings.AUTH_USER_MODEL" in written
    assert "accounts" not in written

    migrated = _run(project, backend, backend_url, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    order = re.findall(r"Applying (\w+\.\w+)", migrated.stdout)
    assert order == ["accounts.0001_initial", "blog.0001_initial"]
    unchanged = _run(project, backend, backend_url, "makemigrations", "--check")
    assert unchanged.returncode == 0, unchanged.stdout + unchanged.stderr


def test_django_style_swappable_migration_runs_after_the_user_app(
    tmp_path: Path, backend: str, backend_url: str
) -> None:
    project = _project(tmp_path)
    assert _run(project, backend, backend_url, "makemigrations", "accounts").returncode == 0
    (project / "blog" / "migrations" / "0001_initial.py").write_text(BLOG_MIGRATION)

    migrated = _run(project, backend, backend_url, "migrate")

    assert migrated.returncode == 0, migrated.stderr
    order = re.findall(r"Applying (\w+\.\w+)", migrated.stdout)
    assert order == ["accounts.0001_initial", "blog.0001_initial"]
    unchanged = _run(project, backend, backend_url, "makemigrations", "--check")
    assert unchanged.returncode == 0, unchanged.stdout + unchanged.stderr
    assert "No changes detected" in unchanged.stdout


PEOPLE_MODELS = """\
from schemashift import models


class Person(models.Model):
    name = models.CharField(max_length=50)

    class Meta:
        swappable = "AUTH_USER_MODEL"
"""


def _table_names(backend: str, url: str, project: Path) -> set[str]:
    import sqlalchemy

    if backend == "sqlite":
        url = f"sqlite:///{project / 'db.sqlite3'}"
    engine = sqlalchemy.create_engine(url)
    try:
        return set(sqlalchemy.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_swapped_out_model_has_state_but_no_table(
    tmp_path: Path, backend: str, backend_url: str
) -> None:
    project = _project(tmp_path)
    (project / "people" / "migrations").mkdir(parents=True)
    (project / "people" / "__init__.py").write_text("")
    (project / "people" / "migrations" / "__init__.py").write_text("")
    (project / "people" / "models.py").write_text(PEOPLE_MODELS)
    settings = project / "mysite" / "settings.py"
    settings.write_text(settings.read_text().replace('["accounts",', '["people", "accounts",'))

    made = _run(project, backend, backend_url, "makemigrations")
    assert made.returncode == 0, made.stderr
    written = (project / "people" / "migrations" / "0001_initial.py").read_text()
    assert '"swappable": "AUTH_USER_MODEL",' in written
    sql = _run(project, backend, backend_url, "sqlmigrate", "people", "0001")
    assert sql.returncode == 0, sql.stderr
    assert "CREATE TABLE" not in sql.stdout.upper()

    migrated = _run(project, backend, backend_url, "migrate")

    assert migrated.returncode == 0, migrated.stderr
    assert "Applying people.0001_initial... OK" in migrated.stdout
    tables = _table_names(backend, backend_url, project)
    assert {"accounts_user", "blog_post"} <= tables
    assert "people_person" not in tables
    unchanged = _run(project, backend, backend_url, "makemigrations", "--check")
    assert unchanged.returncode == 0, unchanged.stdout + unchanged.stderr
    back = _run(project, backend, backend_url, "migrate", "people", "zero")
    assert back.returncode == 0, back.stderr
