"""The database-access runtime: compiling QuerySets to SQLAlchemy Core, running them, saving,
deleting and prefetching model instances.

Importing this package installs it as the runtime models query through
(``schemashift.models.runtime``); ``schemashift.setup()`` does so.
"""

from __future__ import annotations

from typing import Any

from schemashift.models.runtime import install as install_runtime


class DeferredRuntime:
    """Stands in for ``DatabaseRuntime`` until the first query, then installs it: installing
    the runtime does not import SQLAlchemy, so commands that never query stay fast."""

    def __getattr__(self, name: str) -> Any:
        from schemashift.query.runtime import DatabaseRuntime

        database_runtime = DatabaseRuntime()
        install_runtime(database_runtime)
        return getattr(database_runtime, name)


def install() -> None:
    """Make model classes and QuerySets run their queries with this package."""
    install_runtime(DeferredRuntime())


install()
