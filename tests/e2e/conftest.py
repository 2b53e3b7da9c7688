"""The ``project`` fixture: a fresh tutorial project, driven through ``python manage.py``.

It runs once per backend (``--backend``): on SQLite against the project's own
``db.sqlite3``, on PostgreSQL and MySQL/MariaDB against an empty database of its own, named
to every command by the ``DATABASE_URL`` environment variable, as a user would.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

APP_CONFIG = "polls.apps.PollsConfig"


@dataclass
class Project:
    """A project folder made by ``startproject mysite`` with the app ``polls`` installed."""

    dir: Path
    backend: str = "sqlite"
    #: the server database's URL; None on SQLite, where the settings name db.sqlite3
    server_url: str | None = None

    @property
    def sqlite_file(self) -> Path:
        return self.dir / "db.sqlite3"

    @property
    def database_url(self) -> str:
        return self.server_url or f"sqlite:///{self.sqlite_file}"

    def run(
        self,
        *args: str,
        input: str | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float = 120,
    ) -> subprocess.CompletedProcess[str]:
        """Run ``python manage.py *args`` in the project folder; never raises on failure."""
        return self.run_python(["manage.py", *args], input=input, env=env, timeout=timeout)

    def run_python(
        self,
        args: list[str],
        input: str | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float = 120,
    ) -> subprocess.CompletedProcess[str]:
        """Run ``python *args`` in the project folder, on the project's database."""
        full_env = self._database_env()
        full_env.update(env or {})
        return run_python(args, cwd=self.dir, input=input, env=full_env, timeout=timeout)

    def run_env(self) -> dict[str, str]:
        """The environment ``run`` gives a command, for starting processes by hand."""
        return clean_env(self._database_env())

    def _database_env(self) -> dict[str, str]:
        """DATABASE_URL as a user writes it: ``postgresql://`` or ``mysql://``, no driver."""
        if not self.server_url:
            return {}
        return {"DATABASE_URL": re.sub(r"^(\w+)\+\w+://", r"\1://", self.server_url)}

    def write_models(self, source: str) -> None:
        """Replace polls/models.py."""
        (self.dir / "polls" / "models.py").write_text(source)

    @property
    def migrations_dir(self) -> Path:
        return self.dir / "polls" / "migrations"


def clean_env(extra: Mapping[str, str]) -> dict[str, str]:
    """This process's environment without SCHEMASHIFT_SETTINGS and DATABASE_URL, writing no
    bytecode, plus ``extra``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SCHEMASHIFT_SETTINGS", "DATABASE_URL"}
    }
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra)
    return env


def run_python(
    args: list[str],
    cwd: Path,
    input: str | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run the test interpreter with ``args``, as a user would, with a clean environment.

    SCHEMASHIFT_SETTINGS and DATABASE_URL come only from ``env``; no bytecode is written, so a
    file rewritten within the same second is never read back from a stale cache.
    """
    full_env = clean_env(env or {})
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        input=input,
        stdin=subprocess.DEVNULL if input is None else None,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        check=False,
    )


def _checked(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, f"{result.args} failed:\n{result.stdout}{result.stderr}"


@pytest.fixture(scope="session")
def project_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tutorial project before any models: startproject, startapp, INSTALLED_APPS."""
    root = tmp_path_factory.mktemp("template")
    _checked(run_python(["-m", "schemashift", "startproject", "mysite"], cwd=root))
    project_dir = root / "mysite"
    _checked(run_python(["manage.py", "startapp", "polls"], cwd=project_dir))
    settings = project_dir / "mysite" / "settings.py"
    source = settings.read_text()
    assert "INSTALLED_APPS = []" in source
    settings.write_text(
        source.replace("INSTALLED_APPS = []", f'INSTALLED_APPS = [\n    "{APP_CONFIG}",\n]', 1)
    )
    return project_dir


@pytest.fixture
def project(project_template: Path, tmp_path: Path, backend: str, backend_url: str) -> Project:
    """A fresh copy of the tutorial project for one test, on ``backend``."""
    project_dir = tmp_path / "mysite"
    shutil.copytree(project_template, project_dir)
    return Project(project_dir, backend, None if backend == "sqlite" else backend_url)
