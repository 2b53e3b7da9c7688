"""Django's own schema editor on a database of any backend, run in the test process: the
oracle the schema a migration builds is compared with.

Operations are written with schemashift's classes and translated into Django's by their
deconstruction, so both sides run exactly the same migration.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.engine import make_url

from schemashift.migrations.operations.base import Operation
from support.django_in_process import ready_django

#: the mysqlclient version Django 5.2 asks for, which PyMySQL stands in for
_MYSQLCLIENT_VERSION = (2, 2, 1, "final", 0)


def django_settings_for(url: str) -> dict[str, Any]:
    """The DATABASES entry Django needs to reach the database of a SQLAlchemy URL."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": parsed.database}
    entry = {
        "NAME": parsed.database,
        "USER": parsed.username or "",
        "PASSWORD": parsed.password or "",
        "HOST": parsed.host or "",
        "PORT": str(parsed.port or ""),
    }
    if backend == "postgresql":
        return {**entry, "ENGINE": "django.db.backends.postgresql"}
    import pymysql

    pymysql.version_info = _MYSQLCLIENT_VERSION
    pymysql.install_as_MySQLdb()
    return {**entry, "ENGINE": "django.db.backends.mysql", "OPTIONS": {"charset": "utf8mb4"}}


@contextmanager
def django_connection(url: str) -> Iterator[Any]:
    """Django's default connection, to the database of ``url`` for the duration (Django
    names tables by the default connection's limits, so it must be that backend's)."""
    ready_django()
    from django.db import connections

    saved = connections.__dict__.pop("settings", None)
    connections.__dict__["settings"] = connections.configure_settings(
        {"default": django_settings_for(url)}
    )
    try:
        yield connections["default"]
    finally:
        connections["default"].close()
        del connections["default"]
        connections.__dict__.pop("settings")
        if saved is not None:
            connections.__dict__["settings"] = saved


def django_operation(operation: Operation) -> Any:
    """The Django migration operation written as ``operation`` is."""
    from django.db import migrations as dj_migrations
    from django.db import models as dj_models

    name, args, kwargs = operation.deconstruct()
    if "fields" in kwargs:
        kwargs["fields"] = [(n, django_field(f, dj_models)) for n, f in kwargs["fields"]]
    if "field" in kwargs:
        kwargs["field"] = django_field(kwargs["field"], dj_models)
    return getattr(dj_migrations, name)(*args, **kwargs)


def django_field(field: Any, dj_models: Any) -> Any:
    _name, path, args, kwargs = field.deconstruct()
    if "on_delete" in kwargs:
        kwargs["on_delete"] = getattr(dj_models, kwargs["on_delete"].__name__)
    return getattr(dj_models, path.rpartition(".")[2])(*args, **kwargs)


def migrate_with_django(url: str, app_label: str, *operations: Operation) -> None:
    """Run the operations forwards with Django's schema editor on the database of ``url``,
    the automatic through tables' keys of the kind schemashift gives them."""
    ready_django()
    from django.db.migrations.state import ProjectState
    from django.test.utils import override_settings

    from schemashift.models.many_to_many import through_pk_class

    auto_field = f"django.db.models.{through_pk_class().__name__}"
    state = ProjectState()
    with (
        override_settings(DEFAULT_AUTO_FIELD=auto_field),
        django_connection(url) as connection,
        connection.schema_editor() as editor,
    ):
        for operation in map(django_operation, operations):
            before = state.clone()
            operation.state_forwards(app_label, state)
            operation.database_forwards(app_label, editor, before, state)
