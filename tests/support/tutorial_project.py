"""A tutorial project written into a temporary folder and driven through ``schemashift.api``
in the test's own process (the ``api_project`` fixture).

Afterwards its modules, the settings, the app registry and the connections are forgotten, so
the tests that follow start clean.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import schemashift
from schemashift import api
from support.api_project import forget_setup, write_module
from support.tutorial import TUTORIAL_MODELS, seed

PACKAGES = ("mysite", "polls")

APPS_PY = """\
from schemashift.apps import AppConfig


class PollsConfig(AppConfig):
    name = "polls"
"""


@dataclass
class TutorialProject:
    """A project folder on sys.path; ``load(models)`` writes polls/models.py and sets it up."""

    dir: Path
    backend: str
    database_url: str
    load: Callable[[str], None]

    @property
    def sqlite_file(self) -> Path:
        return Path(self.database_url.removeprefix("sqlite:///"))

    @property
    def migrations_dir(self) -> Path:
        return self.dir / "polls" / "migrations"


def _write_project(root: Path, database_url: str) -> None:
    files = {
        "mysite/__init__.py": "",
        "mysite/settings.py": (
            'INSTALLED_APPS = ["polls.apps.PollsConfig"]\n'
            f"DATABASES = {{'default': {database_url!r}}}\n"
        ),
        "polls/__init__.py": "",
        "polls/apps.py": APPS_PY,
        "polls/models.py": "",
        "polls/migrations/__init__.py": "",
    }
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")


def _forget_project(keep: set[str]) -> None:
    """Drop the project's modules, settings, apps and connections from this process."""
    for name in list(sys.modules):
        if name.partition(".")[0] in PACKAGES and name not in keep:
            del sys.modules[name]
    forget_setup()


@pytest.fixture
def api_project(
    tmp_path: Path, backend: str, backend_url: str, clean_env: pytest.MonkeyPatch
) -> Iterator[TutorialProject]:
    root = tmp_path / "project"
    _write_project(root, backend_url)
    modules_before = set(sys.modules)
    clean_env.syspath_prepend(str(root))
    clean_env.chdir(root)
    # Rewritten models.py files are read again, never from bytecode of an older version
    # (``write_module`` drops what a subprocess cached).
    clean_env.setattr(sys, "dont_write_bytecode", True)
    _forget_project(modules_before)

    def load(models: str) -> None:
        write_module(root / "polls" / "models.py", models)
        _forget_project(modules_before)
        schemashift.setup("mysite.settings")

    try:
        yield TutorialProject(root, backend, backend_url, load)
    finally:
        _forget_project(modules_before)


def start(project: TutorialProject, settings: str = "") -> None:
    """The tutorial's tables, migrated, with its rows (``settings`` added to the settings)."""
    if settings:
        path = project.dir / "mysite" / "settings.py"
        path.write_text(path.read_text() + settings)
    project.load(TUTORIAL_MODELS)
    api.makemigrations("polls")
    api.migrate()
    seed(project)


def change(project: TutorialProject, models: str) -> str:
    """Write the models, make their migration and return its name."""
    project.load(models)
    (written,) = api.makemigrations("polls")
    return written.name


def assert_schema_matches_state(project: TutorialProject) -> None:
    """The live schema is what the applied migrations say (``support/schema_check.py``)."""
    tests = Path(__file__).resolve().parent.parent
    path = os.pathsep.join(p for p in (str(tests), os.environ.get("PYTHONPATH", "")) if p)
    result = subprocess.run(
        [sys.executable, "-m", "support.schema_check"],
        cwd=project.dir,
        env={**os.environ, "PYTHONPATH": path, "SCHEMASHIFT_SETTINGS": "mysite.settings"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"live schema differs:\n{result.stdout}{result.stderr}"
