"""Django's own schema editor, in process, as the oracle for the SQL of defaults and comments.

Works on SQLite and PostgreSQL (Django's MySQL backend needs the mysqlclient driver, which is
not installed): the model is declared with Django's classes, under the app label ``shop``, and
Django's editor collects its statements.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import make_url

from support.django_in_process import ready_django

_model_numbers = itertools.count()


def django_connection(backend: str, url: str) -> Any:
    """A Django connection to the database at ``url`` (sqlite or postgresql)."""
    ready_django()
    from django.db.utils import ConnectionHandler

    if backend == "sqlite":
        settings = {"ENGINE": "django.db.backends.sqlite3", "NAME": make_url(url).database}
    else:
        parsed = make_url(url)
        settings = {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": parsed.database,
            "USER": parsed.username or "",
            "PASSWORD": parsed.password or "",
            "HOST": parsed.host or "",
            "PORT": str(parsed.port or ""),
        }
    return ConnectionHandler({"default": settings})["default"]


def django_model(name: str, fields: Callable[[Any], dict[str, Any]]) -> Any:
    """A Django model class of the app ``shop`` with table ``shop_<name>``, its fields from
    ``fields(django.db.models)`` after an ``id`` BigAutoField."""
    ready_django()
    from django.db import models

    attrs = {
        "__module__": __name__,
        "Meta": type("Meta", (), {"app_label": "shop", "db_table": f"shop_{name.lower()}"}),
        "id": models.BigAutoField(primary_key=True),
        **fields(models),
    }
    # a class name of its own: Django's registry keeps every model it has seen
    return type(f"{name}{next(_model_numbers)}", (models.Model,), attrs)


def django_sql(connection: Any, action: Callable[[Any], None]) -> list[str]:
    """The statements Django's schema editor collects for ``action(editor)``."""
    with connection.schema_editor(collect_sql=True, atomic=False) as editor:
        action(editor)
    connection.close()
    return [statement.rstrip(";") for statement in editor.collected_sql]
