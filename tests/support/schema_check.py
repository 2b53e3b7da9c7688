"""Compare a project's live schema with the state its applied migrations imply.

Run in a project folder as ``python -m support.schema_check`` (with ``tests/`` on the path
and the project's settings in SCHEMASHIFT_SETTINGS, its pyproject.toml, or the default
``mysite.settings``): prints ``schema matches`` and exits 0, or prints the differences and
exits 1.
"""

from __future__ import annotations

import os
import sys


def _settings_module() -> str | None:
    """SCHEMASHIFT_SETTINGS, else None in a project configured by its pyproject.toml, else the
    tutorial's ``mysite.settings``."""
    if os.environ.get("SCHEMASHIFT_SETTINGS"):
        return os.environ["SCHEMASHIFT_SETTINGS"]
    return None if os.path.exists("pyproject.toml") else "mysite.settings"


def main() -> int:
    import schemashift
    from schemashift.apps import apps
    from schemashift.db.connection import get_database
    from schemashift.db.introspection import expected_schema, introspect
    from schemashift.migrations.executor import MigrationExecutor
    from schemashift.migrations.loader import MigrationLoader
    from schemashift.migrations.recorder import MigrationRecorder

    sys.path.insert(0, os.getcwd())
    settings = schemashift.setup(_settings_module())
    database = get_database()
    recorder = MigrationRecorder(database, settings.MIGRATIONS_TABLE)
    applied = set(recorder.applied_migrations())
    loader = MigrationLoader(apps.get_app_configs(), applied)
    state = MigrationExecutor(database, loader, recorder).state_of(applied)
    with database.connect() as connection:
        live = introspect(connection, history_table=settings.MIGRATIONS_TABLE)
        expected = expected_schema(state, connection.dialect)
    database.dispose()
    if live == expected:
        print("schema matches")
        return 0
    for name in sorted(set(live.tables) | set(expected.tables)):
        have, want = live.tables.get(name), expected.tables.get(name)
        if have != want:
            print(f"table {name}:\n  live:     {have}\n  expected: {want}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
