"""A project folder imported into this process, for tests that call ``schemashift.api``.

``api_project_at(root, database_url, apps)`` writes ``mysite/settings.py`` and one package per
app (its ``apps.py``, ``models.py`` and ``migrations/``); ``load(models)`` rewrites an app's
models and sets the project up again. Afterwards the project's modules, the settings, the
app registry and the connections are forgotten.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import schemashift
from schemashift import conf
from schemashift.apps import apps

APPS_PY = """\
from schemashift.apps import AppConfig


class {name}Config(AppConfig):
    name = "{app}"
"""


@dataclass
class ApiProject:
    dir: Path
    database_url: str
    apps: tuple[str, ...]
    modules_before: set[str] = field(default_factory=set)
    #: the packages of apps installed as they are (their models register again on setup)
    installed_packages: tuple[str, ...] = ()

    def migrations_dir(self, app: str) -> Path:
        return self.dir / app / "migrations"

    def write_migration(self, app: str, name: str, source: str) -> None:
        (self.migrations_dir(app) / f"{name}.py").write_text(source, encoding="utf-8")

    def load(self, models: dict[str, str] | None = None) -> None:
        """Write each ``{app: models source}`` and set the project up afresh."""
        for app, source in (models or {}).items():
            write_module(self.dir / app / "models.py", source)
        self.forget()
        schemashift.setup("mysite.settings")

    def forget(self) -> None:
        packages = {"mysite", *self.apps}
        installed = tuple(f"{package}." for package in self.installed_packages)
        for name in list(sys.modules):
            is_project = name.partition(".")[0] in packages and name not in self.modules_before
            if is_project or name.startswith(installed):
                del sys.modules[name]
        forget_setup()


def write_module(path: Path, source: str) -> None:
    """Write a module the test imports again, and drop its bytecode: a subprocess (a CLI run, the
    schema check) may have cached the old version, and a rewrite of the same size within the
    same second would pass Python's check of the cache (modification time in whole seconds and
    size)."""
    path.write_text(source, encoding="utf-8")
    Path(importlib.util.cache_from_source(str(path))).unlink(missing_ok=True)


def forget_setup() -> None:
    """Forget the settings, the app registry and the connections of the project set up last."""
    connections_module = sys.modules.get("schemashift.db.connections")
    if connections_module is not None:
        connections_module.connections.reset()
    conf.reset()
    apps.reset()


@contextmanager
def api_project_at(
    root: Path,
    database_url: str,
    app_names: tuple[str, ...],
    monkeypatch: pytest.MonkeyPatch,
    installed: tuple[str, ...] = (),
) -> Iterator[ApiProject]:
    """A project with ``app_names`` (written here) and ``installed`` (dotted, as they are)."""
    installed_apps = [*installed, *(f"{app}.apps.{app.title()}Config" for app in app_names)]
    files = {
        "mysite/__init__.py": "",
        "mysite/settings.py": (
            f"INSTALLED_APPS = {installed_apps!r}\nDATABASES = {{'default': {database_url!r}}}\n"
        ),
    }
    for app in app_names:
        files[f"{app}/__init__.py"] = ""
        files[f"{app}/apps.py"] = APPS_PY.format(name=app.title(), app=app)
        files[f"{app}/models.py"] = ""
        files[f"{app}/migrations/__init__.py"] = ""
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    packages = tuple(entry.partition(".apps.")[0] for entry in installed)
    project = ApiProject(root, database_url, app_names, set(sys.modules), packages)
    monkeypatch.syspath_prepend(str(root))
    monkeypatch.chdir(root)
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    project.forget()
    try:
        yield project
    finally:
        project.forget()
