"""Porting a Django project: Django writes its migrations, ``schemashift port --write``
rewrites the project, and schemashift migrates it and finds nothing left to migrate."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from e2e.conftest import run_python

SETTINGS = """\
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "not-secret"
INSTALLED_APPS = ["shop.apps.ShopConfig"]
DATABASES = {
    "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
"""

APPS = """\
from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "shop"
"""

MODELS = """\
import django.utils.timezone
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True, help_text=_("In menus"))
    slug = models.SlugField(validators=[RegexValidator(r"^[a-z-]+$", flags=0)])

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("categories")


class Product(models.Model):
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="products"
    )
    title = models.CharField(max_length=100, error_messages={"blank": "Give it a title"})
    rating = models.IntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)], editable=False, default=3
    )
    created = models.DateTimeField(default=django.utils.timezone.now)
    code = models.CharField(max_length=20, unique_for_date="created", blank=True)
    price = models.DecimalField(max_digits=8, decimal_places=2, db_tablespace="")
"""


def _django(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_python(
        ["-m", "django", *args], cwd=project, env={"DJANGO_SETTINGS_MODULE": "mysite.settings"}
    )


def _schemashift(
    project: Path, database_url: str | None, *args: str
) -> subprocess.CompletedProcess[str]:
    env = {"DATABASE_URL": database_url} if database_url else {}
    return run_python(
        ["-m", "schemashift", "--settings", "mysite.settings", *args], cwd=project, env=env
    )


@pytest.fixture
def django_project(tmp_path: Path) -> Path:
    """A Django project whose app ``shop`` has the migration Django writes for it."""
    project = tmp_path / "mysite"
    for relative, text in {
        "mysite/__init__.py": "",
        "mysite/settings.py": SETTINGS,
        "shop/__init__.py": "",
        "shop/apps.py": APPS,
        "shop/models.py": MODELS,
        "shop/migrations/__init__.py": "",
    }.items():
        (project / relative).parent.mkdir(parents=True, exist_ok=True)
        (project / relative).write_text(text)
    made = _django(project, "makemigrations", "shop")
    assert made.returncode == 0, made.stderr
    return project


def test_port_dry_run_shows_the_diff_and_changes_nothing(django_project: Path) -> None:
    before = (django_project / "shop" / "models.py").read_text()

    result = run_python(["-m", "schemashift", "port", "."], cwd=django_project)

    assert result.returncode == 0, result.stderr
    assert "--- a/shop/models.py\n+++ b/shop/models.py\n" in result.stdout
    assert "\n-from django.db import models\n" in result.stdout
    assert "\n+from schemashift import models\n" in result.stdout
    assert '+DEFAULT_AUTO_FIELD = "schemashift.models.BigAutoField"\n' in result.stdout
    assert re.search(r"4 files would change \(\d+ names; 7 Python files scanned\)", result.stderr)
    assert (django_project / "shop" / "models.py").read_text() == before
    assert "Warning" not in result.stderr  # every name the project imports exists


def test_port_warns_of_imports_schemashift_does_not_provide(django_project: Path) -> None:
    (django_project / "shop" / "admin.py").write_text(
        "from django.contrib import admin\n\nadmin.site.register([])\n"
    )

    result = run_python(["-m", "schemashift", "port", "--write", "shop"], cwd=django_project)

    assert result.returncode == 0, result.stderr
    assert (
        "Warning: shop/admin.py, line 1: schemashift has no schemashift.contrib.admin; this file "
        "needs changes by hand if schemashift is to import it.\n"
    ) in result.stderr
    assert (
        (django_project / "shop" / "admin.py")
        .read_text()
        .startswith("from schemashift.contrib import admin\n")
    )


DATA_MIGRATION = """\
from django.db import migrations
from django.utils.text import slugify


def add_categories(apps, schema_editor):
    Category = apps.get_model("shop", "Category")
    for name in ["Garden Tools", "Books"]:
        Category.objects.create(name=name, slug=slugify(name))


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [migrations.RunPython(add_categories, migrations.RunPython.noop)]
"""


def _rows(backend: str, url: str, project: Path, sql: str) -> list[tuple[Any, ...]]:
    import sqlalchemy

    if backend == "sqlite":
        url = f"sqlite:///{project / 'db.sqlite3'}"
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(sqlalchemy.text(sql))]
    finally:
        engine.dispose()


def test_ported_django_project_migrates_with_schemashift(
    django_project: Path, backend: str, backend_url: str
) -> None:
    (django_project / "shop" / "migrations" / "0002_categories.py").write_text(DATA_MIGRATION)
    ported = run_python(["-m", "schemashift", "port", "--write", "."], cwd=django_project)
    assert ported.returncode == 0, ported.stderr
    assert ported.stdout.startswith("Ported 5 files")
    migration = (django_project / "shop" / "migrations" / "0001_initial.py").read_text()
    code = "\n".join(line for line in migration.splitlines() if not line.startswith("#"))
    assert "django" not in code
    assert "schemashift.core.validators.MinValueValidator(1)" in migration
    assert "default=schemashift.utils.timezone.now" in migration
    assert "serialize=False" in migration

    database_url = None if backend == "sqlite" else re.sub(r"\+\w+://", "://", backend_url)
    migrated = _schemashift(django_project, database_url, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    assert "Applying shop.0001_initial... OK" in migrated.stdout
    assert "Applying shop.0002_categories... OK" in migrated.stdout
    assert _rows(
        backend, backend_url, django_project, "SELECT name, slug FROM shop_category ORDER BY name"
    ) == [("Books", "books"), ("Garden Tools", "garden-tools")]

    unchanged = _schemashift(django_project, database_url, "makemigrations", "--check")
    assert unchanged.returncode == 0, unchanged.stdout + unchanged.stderr
    assert "No changes detected" in unchanged.stdout

    again = run_python(["-m", "schemashift", "port", "."], cwd=django_project)
    assert again.stdout == "Nothing to port (8 Python files scanned).\n"


def _operations(source: str) -> list[Any]:
    """A migration file's operations as plain data: each one's deconstruction, with fields
    deconstructed too (so spelling and layout aside, equal files give equal data)."""
    namespace: dict[str, Any] = {}
    exec(compile(source, "<migration>", "exec"), namespace)
    described = []
    for operation in namespace["Migration"].operations:
        name, args, kwargs = operation.deconstruct()
        if "fields" in kwargs:
            kwargs = dict(kwargs)
            kwargs["fields"] = [(n, f.deconstruct()[1:]) for n, f in kwargs["fields"]]
        described.append((name, args, kwargs))
    return described


def test_schemashift_writes_the_operations_django_wrote(django_project: Path) -> None:
    migration = django_project / "shop" / "migrations" / "0001_initial.py"
    assert run_python(["-m", "schemashift", "port", "--write", "."], cwd=django_project)
    django_written = migration.read_text()
    migration.unlink()

    made = _schemashift(django_project, None, "makemigrations")

    assert made.returncode == 0, made.stderr
    assert _operations(migration.read_text()) == _operations(django_written)


MANAGE_PY = """\
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
"""


def test_a_ported_manage_py_runs_schemashifts_commands(django_project: Path) -> None:
    (django_project / "manage.py").write_text(MANAGE_PY)
    ported = run_python(["-m", "schemashift", "port", "--write", "manage.py"], cwd=django_project)
    assert ported.returncode == 0, ported.stderr
    assert "from schemashift.core.management import execute_from_command_line" in (
        (django_project / "manage.py").read_text()
    )
    run_python(["-m", "schemashift", "port", "--write", "."], cwd=django_project)

    migrated = run_python(["manage.py", "migrate"], cwd=django_project)
    shown = run_python(["manage.py", "showmigrations", "shop"], cwd=django_project)
    wrong = run_python(["manage.py", "sqlmigrate", "shop", "0099"], cwd=django_project)

    assert migrated.returncode == 0, migrated.stderr
    assert "Applying shop.0001_initial... OK" in migrated.stdout
    assert shown.stdout == "shop\n [X] 0001_initial\n"
    assert wrong.returncode == 1
    assert "CommandError: " in wrong.stderr and "Traceback" not in wrong.stderr
