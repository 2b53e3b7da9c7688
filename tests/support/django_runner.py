"""Run Django 5.2 (installed for the tests) on one of the test databases, in a subprocess.

``django_migrate(folder, url, apps)`` writes the given Django apps into ``folder`` and runs
Django's ``migrate`` on the database of ``url`` (a SQLAlchemy URL), as a Django project that
was there before schemashift would have done. On MySQL/MariaDB Django is given PyMySQL in
place of mysqlclient, as many Django projects do.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy.engine import make_url

#: the import line of a migration file that schemashift reads, and Django's
OUR_IMPORT = "from schemashift import migrations, models"
DJANGO_IMPORT = "from django.db import migrations, models"

SCRIPT = """\
import sys

import pymysql

pymysql.version_info = (2, 2, 1, "final", 0)
pymysql.install_as_MySQLdb()

import django
from django.conf import settings
from django.core.management import call_command

settings.configure(
    INSTALLED_APPS={apps!r},
    DATABASES={{"default": {database!r}}},
    USE_TZ=True,
    DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
)
django.setup()
call_command("migrate", *sys.argv[1:], verbosity=0, interactive=False)
"""


def django_database(url: str) -> dict[str, object]:
    """Django's DATABASES entry for a SQLAlchemy URL of the test servers."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": parsed.database}
    engine = {"postgresql": "postgresql", "mysql": "mysql", "mariadb": "mysql"}[backend]
    entry: dict[str, object] = {
        "ENGINE": f"django.db.backends.{engine}",
        "NAME": parsed.database,
        "USER": parsed.username or "",
        "PASSWORD": parsed.password or "",
        "HOST": parsed.host or "",
        "PORT": str(parsed.port or ""),
        "TIME_ZONE": None,
    }
    if engine == "mysql":
        entry["OPTIONS"] = {"charset": "utf8mb4"}
    return entry


def as_django_migration(source: str) -> str:
    """A migration file written for schemashift, as Django reads it."""
    assert source.count(OUR_IMPORT) == 1, "one import line"
    return source.replace(OUR_IMPORT, DJANGO_IMPORT)


def write_django_app(folder: Path, app: str, migrations: dict[str, str]) -> None:
    """The package ``app`` with only migration files (``{name: schemashift source}``)."""
    package = folder / app
    (package / "migrations").mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text("")
    (package / "migrations" / "__init__.py").write_text("")
    for name, source in migrations.items():
        (package / "migrations" / f"{name}.py").write_text(as_django_migration(source))


def django_migrate(folder: Path, url: str, apps: list[str], *args: str) -> None:
    """Run Django's ``migrate *args`` with ``apps`` installed (packages in ``folder``)."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "django_migrate.py"
    script.write_text(SCRIPT.format(apps=apps, database=django_database(url)))
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DJANGO_SETTINGS_MODULE", "SCHEMASHIFT_SETTINGS", "DATABASE_URL")
    }
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    result = subprocess.run(
        [sys.executable, str(script), *args],
        cwd=folder,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"Django's migrate failed:\n{result.stdout}{result.stderr}"
