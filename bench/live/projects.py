"""Each tool's project: ``manage.py``, the settings of bench/generate.py and the app ``live``,
whose ``models.py`` the scenarios rewrite; and its commands, run as a user runs them."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from figures import MigrateRun
from scenarios import APP_LABEL, models_source

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from generate import (  # noqa: E402  (bench/generate.py: the projects' shared files)
    APPS_PY,
    DATABASE_URL_ENV,
    MANAGE_PY,
    SETTINGS_PACKAGE,
    SETTINGS_PY,
    app_config_name,
)

TOOLS = ("schemashift", "django")
TOOL_TITLES = {"schemashift": "schemashift", "django": "Django"}
#: variables of the calling shell that would point the commands at another project or database,
#: and PYTHONDONTWRITEBYTECODE: the commands run as on a user's machine, where modules are
#: compiled once (by the untimed initial migration) and read back from __pycache__
FOREIGN_ENV = (
    "SCHEMASHIFT_SETTINGS",
    "DJANGO_SETTINGS_MODULE",
    DATABASE_URL_ENV,
    "PYTHONDONTWRITEBYTECODE",
)


@dataclass(frozen=True)
class Project:
    """One tool's project folder and the database its commands use."""

    tool: str
    folder: Path
    database_url: str

    def write_models(self, applied: int) -> None:
        """``live/models.py`` as it is after scenarios 1..``applied``."""
        (self.folder / APP_LABEL / "models.py").write_text(models_source(applied, self.tool))

    def migrations(self) -> list[str]:
        return sorted(path.stem for path in (self.folder / APP_LABEL / "migrations").glob("0*.py"))

    def run(self, *args: str, timeout: float | None = None) -> MigrateRun:
        """``python manage.py *args`` in the project; its outcome and monotonic start and end."""
        env = {key: value for key, value in os.environ.items() if key not in FOREIGN_ENV}
        env[DATABASE_URL_ENV] = self.database_url
        start = time.monotonic()
        try:
            result = subprocess.run(
                [sys.executable, "manage.py", *args],
                cwd=self.folder,
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            output = _text(exc.stdout) + _text(exc.stderr)
            error = f"timed out after {timeout} s"
            return MigrateRun(False, start, time.monotonic(), output, error)
        end = time.monotonic()
        output = result.stdout + result.stderr
        if result.returncode == 0:
            return MigrateRun(True, start, end, output)
        return MigrateRun(False, start, end, output, first_error_line(output, result.returncode))

    def makemigrations(self, name: str) -> MigrateRun:
        return self.run("makemigrations", APP_LABEL, "--noinput", "--name", name)

    def migrate(self, timeout: float | None = None) -> MigrateRun:
        return self.run("migrate", "--noinput", timeout=timeout)


def _text(value: str | bytes | None) -> str:
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    return value or ""


def first_error_line(output: str, returncode: int) -> str:
    """The line that says what went wrong: ``CommandError: ...``, else the exception line of
    the last traceback (the first line after it that is not indented), else the last line."""
    lines = output.splitlines()
    for line in lines:
        if line.startswith("CommandError:"):
            return line
    starts = [i for i, line in enumerate(lines) if line.startswith("Traceback (most recent")]
    if starts:
        for line in lines[starts[-1] + 1 :]:
            if line.strip() and not line[0].isspace():
                return line.strip()
    printed = [line.strip() for line in lines if line.strip()]
    return printed[-1] if printed else f"exited with {returncode}"


def write_project(folder: Path, tool: str, database_url: str) -> Project:
    """Write ``tool``'s project into ``folder`` (which must not exist) with the initial models."""
    settings_folder = folder / SETTINGS_PACKAGE
    app = folder / APP_LABEL
    (app / "migrations").mkdir(parents=True)
    settings_folder.mkdir()
    (folder / "manage.py").write_text(MANAGE_PY[tool])
    (settings_folder / "__init__.py").write_text("")
    installed = f'["{APP_LABEL}.apps.{app_config_name(APP_LABEL)}"]'
    settings = SETTINGS_PY[tool].format(installed_apps=installed, database_url_env=DATABASE_URL_ENV)
    (settings_folder / "settings.py").write_text(settings)
    package = "django.apps" if tool == "django" else "schemashift.apps"
    apps_source = APPS_PY.format(
        package=package, class_name=app_config_name(APP_LABEL), label=APP_LABEL
    )
    (app / "__init__.py").write_text("")
    (app / "apps.py").write_text(apps_source)
    (app / "migrations" / "__init__.py").write_text("")
    project = Project(tool, folder, database_url)
    project.write_models(0)
    return project
