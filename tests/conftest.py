"""Fixtures shared by every test package."""

from __future__ import annotations

import importlib
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Connection

from schemashift import conf
from schemashift.apps import apps
from schemashift.db.connection import Database


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No SCHEMASHIFT_SETTINGS or DATABASE_URL inherited from the shell running the tests."""
    monkeypatch.delenv(conf.SETTINGS_ENV, raising=False)
    monkeypatch.delenv(conf.DATABASE_URL_ENV, raising=False)
    return monkeypatch


@pytest.fixture
def make_settings(tmp_path: Path, clean_env: pytest.MonkeyPatch) -> Iterator[Callable[..., str]]:
    """A factory writing ``<tmp>/<package>/settings.py`` and returning its module name.

    The folder is importable for the test; afterwards the modules, settings and app registry
    are forgotten so the next test starts clean.
    """
    packages: set[str] = set()
    clean_env.syspath_prepend(str(tmp_path))

    def make(source: str, package: str = "proj") -> str:
        folder = tmp_path / package
        folder.mkdir(exist_ok=True)
        (folder / "__init__.py").touch()
        (folder / "settings.py").write_text(textwrap.dedent(source))
        packages.add(package)
        importlib.invalidate_caches()
        return f"{package}.settings"

    yield make
    for name in list(sys.modules):
        if name.partition(".")[0] in packages:
            del sys.modules[name]
    conf.reset()
    apps.reset()


@pytest.fixture
def clean_registry() -> Iterator[None]:
    """Each test starts without settings or models, and leaves none behind.

    Models declared with an explicit ``app_label`` of an app that is not installed wait in the
    registry's pending models; ``apps.reset()`` forgets them.
    """
    conf.reset()
    apps.reset()
    yield
    conf.reset()
    apps.reset()


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    """A SQLite file of its own for one test."""
    db = Database(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    yield db
    db.dispose()


@pytest.fixture
def connection(database: Database) -> Iterator[Connection]:
    with database.connect() as conn:
        yield conn
