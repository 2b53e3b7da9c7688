"""Any range of a generated history squashes into a migration that builds the same schema.

The histories are those of test_history_property.py (two apps, relations across them,
renames, deletions, indexes). For each, a range of one app's migrations is squashed with
``api.squashmigrations`` over a database that has a drawn part of the history applied; the
check on scratch databases must pass, and ``migrate`` must then bring the database to the
schema the original migrations describe, with the squash shown as applied.

``SCHEMASHIFT_SQUASH_EXAMPLES=<n>`` runs ``n`` examples on every backend instead of the
defaults below.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import given, note, settings
from hypothesis import strategies as st

from schemashift import api
from schemashift.apps import apps
from schemashift.db.connection import get_database
from schemashift.db.introspection import expected_schema, introspect
from schemashift.exceptions import InvalidMigrationPlan
from schemashift.migrations.loader import MigrationLoader
from schemashift.migrations.state import ProjectState


def _history_module() -> Any:
    """test_history_property.py, whose history generator this test reuses (test modules are
    imported by path, not by name)."""
    name = "squash_property_histories"
    if name not in sys.modules:
        path = Path(__file__).with_name("test_history_property.py")
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


_histories = _history_module()
History, HistoryBuilder = _histories.History, _histories.HistoryBuilder
migration_files, project = _histories.migration_files, _histories.project

#: examples per backend: each squash is checked on two scratch databases
EXAMPLES = {"sqlite": 8, "postgresql": 4, "mysql": 3}
EXAMPLES_ENV = "SCHEMASHIFT_SQUASH_EXAMPLES"


@dataclass
class Case:
    history: History
    app: str
    #: indexes into the app's migrations
    start: int
    end: int
    #: how many steps of the history are applied before the squash
    applied: int


@st.composite
def cases(draw: Any, backend: str) -> Case:
    builder = HistoryBuilder(draw, backend, relation_weight=2)
    for _ in range(draw(st.integers(3, 10))):
        builder.add_step()
    history = builder.history()
    apps_with_steps = sorted({step.app for step in history.steps})
    app = draw(st.sampled_from(apps_with_steps))
    count = sum(1 for step in history.steps if step.app == app)
    end = draw(st.integers(0, count - 1))
    start = draw(st.integers(0, end))
    applied = draw(st.integers(0, len(history.steps)))
    return Case(history, app, start, end, applied)


def test_a_checked_squash_builds_the_schema_of_the_range(backend: str, backend_url: str) -> None:
    examples = int(os.environ.get(EXAMPLES_ENV) or EXAMPLES[backend])

    @settings(max_examples=examples, deadline=None, derandomize=True)
    @given(case=cases(backend))
    def squashes(case: Case) -> None:
        for path, source in migration_files(case.history).items():
            note(f"# {path}\n{source}")
        names = [step.name for step in case.history.steps if step.app == case.app]
        start, end = names[case.start], names[case.end]
        note(f"# squash {case.app} {start}..{end} over the first {case.applied} steps applied")
        with project(case.history, backend_url):
            for step in case.history.steps[: case.applied]:
                api.migrate(step.app, step.name)
            try:
                result = api.squashmigrations(case.app, end, start=start)
            except InvalidMigrationPlan as refusal:
                # another app's migration between two of the range: refused, nothing written
                assert "the squash would depend on itself" in str(refusal)
                return
            assert result.written and result.replaces == tuple(names[case.start : case.end + 1])
            api.migrate()
            loader = MigrationLoader(apps.get_app_configs())
            assert (case.app, result.name) in loader.graph.nodes
            shown = [name for name, _ in api.showmigrations(case.app)[case.app]]
            assert result.name in shown and not set(result.replaces) & set(shown)
            assert all(is_applied for _, is_applied in api.showmigrations(case.app)[case.app])
            state = _state_without(loader, result.name)
            database = get_database()
            try:
                with database.connect() as connection:
                    assert introspect(connection) == expected_schema(state, connection.dialect)
            finally:
                database.dispose()

    squashes()


def _state_without(loader: MigrationLoader, squash: str) -> ProjectState:
    """The models every original migration leaves, the squash left out."""
    state = ProjectState()
    for key in _original_order(loader, squash):
        loader.disk_migrations[key].mutate_state(state)
    return state


def _original_order(loader: MigrationLoader, squash: str) -> list[tuple[str, str]]:
    """Every original migration, in an order where each follows its dependencies."""
    pending = {key: m for key, m in loader.disk_migrations.items() if key[1] != squash}
    order: list[tuple[str, str]] = []
    done: set[tuple[str, str]] = set()
    while pending:
        for key in sorted(pending):
            needs = {tuple(d) for d in pending[key].dependencies}
            if needs <= done:
                order.append(key)
                done.add(key)
                del pending[key]
                break
        else:
            raise AssertionError(f"no order for {sorted(pending)}")
    return order
