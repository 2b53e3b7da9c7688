"""Django apps ported by ``schemashift port`` migrate to Django's schema on every backend.

For each corpus app and backend: Django 5.2 migrates the unported app on one database;
schemashift migrates the ported copy on another, with rows seeded part-way that the data
migrations must carry; the two schemas, read back by introspection, must be equal. Then the
ported app rolls back to zero and applies again to the same schema, ``makemigrations --check``
finds nothing to do, and migrations made from scratch from the ported models build the same
tables (columns, keys and checks; constraint and index names may differ from a history's).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from e2e.conftest import run_python
from support.django_runner import django_migrate

from corpus.projects import PROJECTS, CorpusApp
from corpus.schema_facts import differences, schema_facts

SETTINGS = """\
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "not-secret"
INSTALLED_APPS = {installed_apps!r}
DATABASES = {{
    "default": {{"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}}
}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
"""


class PortedProject:
    """A copy of a corpus app in a project folder, ported, run against one database."""

    def __init__(self, app: CorpusApp, root: Path, database_url: str) -> None:
        self.app = app
        self.root = root
        self.database_url = database_url
        shutil.copytree(app.folder, root / app.label, ignore=shutil.ignore_patterns("__pycache__"))
        (root / "mysite").mkdir()
        (root / "mysite" / "__init__.py").write_text("")
        settings = SETTINGS.format(installed_apps=app.installed_apps)
        (root / "mysite" / "settings.py").write_text(settings)

    def port(self) -> str:
        result = run_python(["-m", "schemashift", "port", "--write", "."], cwd=self.root)
        assert result.returncode == 0, result.stderr
        return result.stderr

    def run(self, *args: str) -> str:
        env = {"DATABASE_URL": self.database_url} if "sqlite" not in self.database_url else {}
        if not env:
            path = sa.make_url(self.database_url).database
            env = {"DATABASE_URL": f"sqlite:///{path}"}
        result = run_python(
            ["-m", "schemashift", "--settings", "mysite.settings", *args], cwd=self.root, env=env
        )
        assert result.returncode == 0, f"{args} failed:\n{result.stdout}{result.stderr}"
        return result.stdout

    @property
    def migrations_dir(self) -> Path:
        return self.root / self.app.label / "migrations"


def execute(url: str, statements: list[str]) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            for statement in statements:
                connection.execute(sa.text(statement))
    finally:
        engine.dispose()


def query(url: str, sql: str) -> list[tuple[Any, ...]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(sa.text(sql))]
    finally:
        engine.dispose()


CONTENT_TYPES = "SELECT app_label, model FROM django_content_type ORDER BY app_label, model"
PERMISSIONS = (
    "SELECT t.app_label, t.model, p.codename, p.name FROM auth_permission p "
    "JOIN django_content_type t ON t.id = p.content_type_id "
    "ORDER BY t.app_label, t.model, p.codename"
)


def own_tables(app: CorpusApp, facts: dict[str, Any]) -> dict[str, Any]:
    """The facts of the app's own tables (not those of the contrib apps it needs)."""
    return {table: f for table, f in facts.items() if table.startswith(f"{app.label}_")}


def assert_same_schema(djangos: dict[str, Any], ours: dict[str, Any]) -> None:
    found = differences(columns_in_any_order(djangos), columns_in_any_order(ours))
    assert not found, "the schema differs from Django's:\n" + "\n".join(found)


def columns_in_any_order(facts: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The facts with each table's columns sorted: a type change of a table holding rows on
    MySQL/MariaDB swaps a new column in for the old one, which comes last (see the README)."""
    return {
        table: {**table_facts, "columns": sorted(table_facts["columns"])}
        for table, table_facts in facts.items()
    }


def structure(facts: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The tables without what a history decides and migrations made at once may not: the
    order of columns (a history adds them at the end) and the names of constraints and
    indexes (``unique=True`` added later is a named index, from the start an inline one)."""
    return {
        table: {
            "columns": sorted(table_facts["columns"]),
            "primary key": table_facts["primary key"],
            "foreign keys": sorted(fk[1:] for fk in table_facts["foreign keys"]),
            "checks": sorted(check[1] for check in table_facts["checks"]),
        }
        for table, table_facts in facts.items()
    }


@pytest.mark.parametrize("app", PROJECTS, ids=[app.label for app in PROJECTS])
def test_ported_app_builds_djangos_schema(
    app: CorpusApp, backend_url: str, other_backend_url: str, tmp_path: Path
) -> None:
    shutil.copytree(app.folder, tmp_path / "django" / app.label)
    django_migrate(tmp_path / "django", other_backend_url, app.installed_apps)
    djangos = schema_facts(other_backend_url)

    project = PortedProject(app, tmp_path / "ported", backend_url)
    warnings = project.port()
    assert "Warning" not in warnings
    assert "django" not in re.sub(r"#.*", "", (project.root / app.label / "models.py").read_text())

    if app.seed is not None:
        project.run("migrate", app.label, app.seed.at)
        execute(backend_url, app.seed.inserts)
    applied = project.run("migrate")
    assert f"Applying {app.label}.{app.migrations[-1]}... OK" in applied
    assert_same_schema(djangos, schema_facts(backend_url))
    if app.seed is not None:
        assert query(backend_url, app.seed.query) == app.seed.expected
    if app.contrib:
        for made_after_migrate in (CONTENT_TYPES, PERMISSIONS):
            assert query(backend_url, made_after_migrate) == query(
                other_backend_url, made_after_migrate
            )

    project.run("migrate", app.label, "zero")
    assert own_tables(app, schema_facts(backend_url)) == {}
    project.run("migrate")
    assert_same_schema(djangos, schema_facts(backend_url))

    unchanged = project.run("makemigrations", "--check", app.label)
    assert "No changes detected" in unchanged

    project.run("migrate", app.label, "zero")
    for migration in project.migrations_dir.glob("0*.py"):
        migration.unlink()
    shutil.rmtree(project.migrations_dir / "__pycache__", ignore_errors=True)
    made = project.run("makemigrations", app.label)
    assert "0001_initial.py" in made
    project.run("migrate")
    assert_same_schema(structure(djangos), structure(schema_facts(backend_url)))
