"""Fixtures for the database-access API: an installed app whose tables exist on ``backend``.

Tables are made by the project's own schema editor from the app's ``ProjectState``, on an
empty database of the test's backend; the ORM reaches it as ``connections["default"]``.
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy import event
from support.tutorial import TUTORIAL_MODELS

import schemashift
from schemashift.apps import apps
from schemashift.db.connection import Database, schema_editor
from schemashift.migrations.state import ProjectState


def create_tables(url: str, state: ProjectState) -> None:
    """CREATE TABLE for every model of ``state``, targets of foreign keys first."""
    ordered: list = []
    pending = [state.models[key] for key in sorted(state.models)]
    while pending:
        for model in pending:
            targets = {f.related_model_key for f in model.fields.values() if f.is_relation} - {
                model.key
            }
            if all(target in {m.key for m in ordered} for target in targets):
                ordered.append(model)
                pending.remove(model)
                break
        else:
            raise AssertionError(f"circular relations among {[m.label for m in pending]}")
    database = Database(url)
    try:
        with database.connect() as connection, schema_editor(connection) as editor:
            for model in ordered:
                editor.create_model(state, model)
    finally:
        database.dispose()


@pytest.fixture
def make_app(
    tmp_path: Path, make_settings: Callable[..., str], backend_url: str
) -> Iterator[Callable[..., ModuleType]]:
    """A factory installing the app ``label`` with ``models`` as its models.py, on a database
    of the test's backend with its tables created; returns the models module."""
    labels: list[str] = []

    def install(models: str, label: str = "polls") -> ModuleType:
        folder = tmp_path / label
        folder.mkdir()
        (folder / "__init__.py").touch()
        (folder / "models.py").write_text(textwrap.dedent(models))
        labels.append(label)
        settings = make_settings(
            f"INSTALLED_APPS = {labels!r}\nDATABASES = {{'default': {backend_url!r}}}\n"
        )
        schemashift.setup(settings)
        create_tables(backend_url, ProjectState.from_apps(apps))
        return sys.modules[f"{label}.models"]

    yield install
    from schemashift.db.connections import connections

    connections.reset()
    for name in list(sys.modules):
        if name.partition(".")[0] in labels:
            del sys.modules[name]


@pytest.fixture
def polls(make_app: Callable[..., ModuleType]) -> ModuleType:
    """The tutorial's polls app (Question, Choice) on the test's backend."""
    return make_app(TUTORIAL_MODELS)


class StatementLog:
    """The SELECT/INSERT/UPDATE/DELETE statements run on the default database."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().split(None, 1)[0].upper() in ("SELECT", "INSERT", "UPDATE", "DELETE"):
            self.statements.append(statement)

    @property
    def selects(self) -> list[str]:
        return [s for s in self.statements if s.lstrip().upper().startswith("SELECT")]

    def clear(self) -> None:
        self.statements.clear()


@pytest.fixture
def statements(polls: ModuleType) -> Iterator[StatementLog]:
    """Records the statements the ORM runs on ``connections["default"]``."""
    from schemashift.db.connections import connections

    engine = connections["default"].database.engine
    log = StatementLog()
    event.listen(engine, "before_cursor_execute", log)
    yield log
    event.remove(engine, "before_cursor_execute", log)
