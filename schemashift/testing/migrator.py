"""The ``migrator`` fixture's object: migrations run to chosen points on a database of its
own, with the historical models of each point to fill and check the tables."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from schemashift.apps import apps
from schemashift.conf import get_settings
from schemashift.db.connection import get_database
from schemashift.db.connections import DEFAULT_DB_ALIAS, connections
from schemashift.migrations.executor import MigrationExecutor
from schemashift.migrations.loader import MigrationLoader
from schemashift.migrations.recorder import MigrationRecorder
from schemashift.migrations.state import ProjectState
from schemashift.testing.databases import (
    TestDatabase,
    database_for_tests,
    remove_folder,
    temporary_folder,
)
from schemashift.testing.session import point_default_at, worker_suffix

#: what ``migrate()`` accepts: ``(app_label, name)`` pairs, a name being a migration's name,
#: a unique prefix of it, or None (or ``"zero"``) for none of the app's migrations
Target = tuple[str, str | None]


class Migrator:
    """Runs migrations on an empty database of its own, which is the ``default`` database
    while the test runs: the historical models ``migrate()`` returns query it.

    ::

        def test_0002_fills_the_summary(migrator):
            old = migrator.migrate("polls", "0001_initial")
            Question = old.apps.get_model("polls", "Question")
            Question.objects.create(question_text="What's new?", pub_date=now())

            new = migrator.migrate("polls", "0002_question_summary")
            Question = new.apps.get_model("polls", "Question")
            assert Question.objects.get().summary == "What's new?"
    """

    def __init__(self, database: TestDatabase) -> None:
        self.database = database

    def migrate(
        self, app_label: str | Sequence[Target] | None = None, name: str | None = None
    ) -> ProjectState:
        """Migrate forwards or backwards to ``name`` of ``app_label`` (a prefix will do;
        ``"zero"``: unapply them all), to a list of ``(app_label, name)`` targets, or, with no
        argument, to the latest migrations of every app. Returns the state the database is
        in: ``state.apps.get_model("polls", "Question")`` is a model class as of then."""
        connections[DEFAULT_DB_ALIAS].close()
        database = get_database(DEFAULT_DB_ALIAS)
        try:
            recorder = MigrationRecorder(database, get_settings().MIGRATIONS_TABLE)
            applied = set(recorder.applied_migrations())
            loader = MigrationLoader(apps.get_app_configs(), applied=applied)
            loader.check_consistent_history(applied)
            applied = set(loader.applied)
            executor = MigrationExecutor(database, loader, recorder)
            steps = executor.plan(_targets(loader, app_label, name), applied)
            executor.migrate(steps, applied)
            for step in steps:
                (applied.discard if step.backwards else applied.add)(step.migration.key)
            return executor.state_of(applied)
        finally:
            database.dispose()


def _targets(
    loader: MigrationLoader, app_label: str | Sequence[Target] | None, name: str | None
) -> list[tuple[str, str | None]]:
    if app_label is None:
        return list(loader.graph.leaf_nodes())
    if isinstance(app_label, str):
        if name is None:
            return list(loader.graph.leaf_nodes(app_label))
        pairs: Sequence[Target] = [(app_label, name)]
    else:
        pairs = app_label
    return [
        (app, None) if target in (None, "zero") else loader.get_migration_by_prefix(app, target).key
        for app, target in pairs
    ]


class MigratorSession:
    """The migrator's database for one test: made empty, the ``default`` database meanwhile,
    dropped afterwards with the configured database back in its place."""

    def __init__(self) -> None:
        self._previous_url: str | None = None
        self._folder: Path | None = None
        self.database: TestDatabase | None = None

    def start(self, configured_url: str) -> Migrator:
        """Make the database, named after the configured database ``configured_url``."""
        self._previous_url = get_settings().database_url(DEFAULT_DB_ALIAS)
        self._folder = temporary_folder("migrator")
        self.database = database_for_tests(
            configured_url, f"{worker_suffix()}_migrator", self._folder
        )
        self.database.create()
        point_default_at(self.database.url_text)
        return Migrator(self.database)

    def finish(self) -> None:
        if self._previous_url is not None:
            point_default_at(self._previous_url)
        if self.database is not None:
            self.database.drop()
        if self._folder is not None:
            remove_folder(self._folder)


__all__ = ["Migrator", "MigratorSession", "Target"]
