"""The same models, migrated by Django and by schemashift, give the same SQLite schema.

Two projects are built from the model files in ``models/`` (two apps, ``catalog`` and
``shop``), whose sources differ only in the import line. Each runs ``python manage.py
makemigrations`` and ``migrate`` as a user would, in its own temporary folder; then the models
change (``*_v2.py``) and both run the commands again. After each round the two databases are
read back with SQLite's introspection and compared fact by fact.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .sqlite_schema import read_schema, schema_diff

MODELS_DIR = Path(__file__).parent / "models"
APPS = ("catalog", "shop")
VERSIONS = ("v1", "v2")
PROJECT = "bookstore"
OUR_MODELS_IMPORT = "from schemashift import models"

DJANGO_MANAGE_PY = f"""\
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "{PROJECT}.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
"""

DJANGO_SETTINGS_PY = """\
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "not-secret"
USE_TZ = True
INSTALLED_APPS = {installed_apps!r}
DATABASES = {{
    "default": {{"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}},
}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
"""

APPS_PY = """\
{import_line}


class {class_name}(AppConfig):
    name = "{app}"
"""

# Variables of the calling shell that would point the commands at another project.
FOREIGN_ENV = ("SCHEMASHIFT_SETTINGS", "DJANGO_SETTINGS_MODULE", "DATABASE_URL")


def app_config(app: str) -> str:
    return f"{app.title()}Config"


def installed_apps() -> list[str]:
    return [f"{app}.apps.{app_config(app)}" for app in APPS]


@dataclass
class Project:
    """One flavour's project folder, driven through ``python manage.py``."""

    flavour: str
    dir: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def database(self) -> Path:
        return self.dir / "db.sqlite3"

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run ``python manage.py *args`` in the project folder; never raises on failure."""
        return run_python(["manage.py", *args], cwd=self.dir, env=self.env)

    def write_models(self, version: str) -> None:
        """Put the ``version`` model sources in place, with this flavour's import line."""
        for app in APPS:
            source = (MODELS_DIR / f"{app}_{version}.py").read_text()
            assert source.count(OUR_MODELS_IMPORT) == 1, f"{app}_{version}.py: one import line"
            if self.flavour == "django":
                source = source.replace(OUR_MODELS_IMPORT, "from django.db import models")
            (self.dir / app / "models.py").write_text(source)

    def migration_files(self) -> dict[str, list[str]]:
        return {
            app: sorted(p.name for p in (self.dir / app / "migrations").glob("0*.py"))
            for app in APPS
        }


def run_python(
    args: list[str], cwd: Path, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the test interpreter as a user would, writing no bytecode.

    Model files are rewritten within the same second, so a cached ``.pyc`` could be stale.
    """
    full_env = {key: value for key, value in os.environ.items() if key not in FOREIGN_ENV}
    full_env["PYTHONDONTWRITEBYTECODE"] = "1"
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=300,
        check=False,
    )


def write_apps(project_dir: Path, app_config_import: str) -> None:
    for app in APPS:
        folder = project_dir / app
        (folder / "migrations").mkdir(parents=True)
        (folder / "__init__.py").write_text("")
        (folder / "migrations" / "__init__.py").write_text("")
        (folder / "apps.py").write_text(
            APPS_PY.format(import_line=app_config_import, class_name=app_config(app), app=app)
        )


def make_django_project(root: Path) -> Project:
    project_dir = root / PROJECT
    (project_dir / PROJECT).mkdir(parents=True)
    (project_dir / "manage.py").write_text(DJANGO_MANAGE_PY)
    (project_dir / PROJECT / "__init__.py").write_text("")
    (project_dir / PROJECT / "settings.py").write_text(
        DJANGO_SETTINGS_PY.format(installed_apps=installed_apps())
    )
    write_apps(project_dir, "from django.apps import AppConfig")
    return Project("django", project_dir)


def make_schemashift_project(root: Path) -> Project:
    result = run_python(["-m", "schemashift", "startproject", PROJECT], cwd=root)
    assert result.returncode == 0, f"startproject failed:\n{result.stdout}{result.stderr}"
    project_dir = root / PROJECT
    settings = project_dir / PROJECT / "settings.py"
    source = settings.read_text()
    assert "INSTALLED_APPS = []" in source
    settings.write_text(
        source.replace("INSTALLED_APPS = []", f"INSTALLED_APPS = {installed_apps()!r}")
    )
    write_apps(project_dir, "from schemashift.apps import AppConfig")
    database_url = f"sqlite:///{project_dir / 'db.sqlite3'}"
    return Project("schemashift", project_dir, {"DATABASE_URL": database_url})


@dataclass
class History:
    """What one flavour's project looked like after each round of makemigrations + migrate.

    A round whose command fails ends the history; ``failure`` says which command and why.
    """

    project: Project
    schemas: dict[str, list[str]] = field(default_factory=dict)
    migration_files: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    failure: str = ""

    def schema(self, version: str) -> list[str]:
        self._require(version)
        return self.schemas[version]

    def files(self, version: str) -> dict[str, list[str]]:
        self._require(version)
        return self.migration_files[version]

    def _require(self, version: str) -> None:
        if version not in self.schemas:
            pytest.fail(f"[{self.project.flavour}] {self.failure}", pytrace=False)


def migrate_each_version(project: Project) -> History:
    history = History(project)
    for version in VERSIONS:
        project.write_models(version)
        for command in (["makemigrations", "--noinput"], ["migrate"]):
            result = project.run(*command)
            if result.returncode != 0:
                history.failure = (
                    f"with the {version} models, manage.py {' '.join(command)} exited with "
                    f"{result.returncode}:\n{result.stdout}{result.stderr}"
                )
                return history
        history.schemas[version] = read_schema(project.database)
        history.migration_files[version] = project.migration_files()
    return history


@pytest.fixture(scope="module")
def django_history(tmp_path_factory: pytest.TempPathFactory) -> History:
    return migrate_each_version(make_django_project(tmp_path_factory.mktemp("django")))


@pytest.fixture(scope="module")
def our_history(tmp_path_factory: pytest.TempPathFactory) -> History:
    return migrate_each_version(make_schemashift_project(tmp_path_factory.mktemp("schemashift")))


def test_introspection_sees_the_django_schema(django_history: History) -> None:
    """The comparison reads what matters: a sample of facts from Django's schema."""
    schema = set(django_history.schema("v1"))
    expected = {
        "catalog_author: AUTOINCREMENT",
        "catalog_author.id: integer NOT NULL PRIMARY KEY #1",
        "catalog_book.title: varchar(200) NOT NULL",
        "catalog_book.in_stock: integer unsigned NOT NULL",
        "catalog_book: unique (edition, title)",
        "catalog_book: unique (sku)",
        "catalog_book: index book_status_recent (status, published DESC)",
        "catalog_book: check in_stock>=0",
        "catalog_book: foreign key (series_ref) -> catalog_series(id) on delete NO ACTION, "
        "on update NO ACTION, deferrable initially deferred",
        "shop_orderline: foreign key (book_id) -> catalog_book(id) on delete NO ACTION, "
        "on update NO ACTION, deferrable initially deferred",
        "publishers.code: varchar(10) NOT NULL PRIMARY KEY #1",
    }
    assert expected <= schema, sorted(expected - schema)
    assert not any(line.startswith(("django_", "schemashift_")) for line in schema)
    assert any(line.startswith("shop_customer_wishlist.customer_id:") for line in schema)
    assert any(line.startswith("shop_orders_related.from_order_id:") for line in schema)
    changed = django_history.schema("v2")
    assert "catalog_book.title: varchar(300) NOT NULL" in changed
    assert any(line.startswith("shop_wishes.book_id:") for line in changed)
    assert any(line.startswith("shop_coupon_customers.coupon_id:") for line in changed)
    assert not any(line.startswith("shop_customer_wishlist") for line in changed)
    assert not any(line.startswith("catalog_book.weight:") for line in changed)


@pytest.mark.parametrize("version", VERSIONS)
def test_same_schema_as_django(django_history: History, our_history: History, version: str) -> None:
    expected = django_history.schema(version)
    actual = _with_columns_kept_in_place(
        expected, _without_kept_defaults(expected, our_history.schema(version))
    )
    diff = schema_diff(expected, actual, "Django", "schemashift")
    if diff:
        pytest.fail(
            f"After migrating the {version} models, the schemas differ "
            f"(- only in Django's, + only in schemashift's):\n{diff}",
            pytrace=False,
        )


def _without_kept_defaults(expected: list[str], actual: list[str]) -> list[str]:
    """``actual`` without the DEFAULT of a column Django has the same but with no default.

    A NOT NULL column with a constant default is added in place on SQLite and keeps its
    default in the database, where Django rebuilds the table without one (README, "Where
    schemashift differs from Django"). Any other difference still shows.
    """
    known = set(expected)
    kept = []
    for line in actual:
        column, marker, _default = line.partition(" DEFAULT ")
        kept.append(column if marker and line not in known and column in known else line)
    return kept


ORDER = ": column order "


def _with_columns_kept_in_place(expected: list[str], actual: list[str]) -> list[str]:
    """``actual`` with Django's column order for a table where the only difference is that
    Django moved some columns last: a column whose change leaves its stored values as they
    are (a wider varchar) keeps its place in schemashift's table, where Django's rebuild moves
    it last (README, "Where schemashift differs from Django"). Any other order still shows."""
    django_orders = dict(line.split(ORDER) for line in expected if ORDER in line)
    kept = []
    for line in actual:
        table, marker, order = line.partition(ORDER)
        theirs = django_orders.get(table)
        if marker and theirs is not None and _moved_last(theirs.split(", "), order.split(", ")):
            line = f"{table}{ORDER}{theirs}"
        kept.append(line)
    return kept


def _moved_last(django_order: list[str], our_order: list[str]) -> bool:
    """Whether ``django_order`` is ``our_order`` with some columns moved to the end."""
    for moved in range(1, len(django_order)):
        last = set(django_order[-moved:])
        if [c for c in our_order if c not in last] == django_order[:-moved]:
            return sorted(our_order) == sorted(django_order)
    return False


@pytest.mark.parametrize("version", VERSIONS)
def test_same_migration_files_as_django(
    django_history: History, our_history: History, version: str
) -> None:
    assert our_history.files(version) == django_history.files(version)


@pytest.mark.parametrize("history_name", ["django_history", "our_history"])
def test_nothing_left_to_migrate(history_name: str, request: pytest.FixtureRequest) -> None:
    history: History = request.getfixturevalue(history_name)
    history.schema(VERSIONS[-1])
    result = history.project.run("makemigrations", "--check")
    assert result.returncode == 0, f"makemigrations --check:\n{result.stdout}{result.stderr}"
