"""Django's declared column types, per backend, as the oracle for ours.

Django's ``DatabaseWrapper.data_types`` (``"varchar(%(max_length)s)"`` and the like) is read
from its backend modules: imported for SQLite and PostgreSQL, and for MySQL, whose module
needs the mysqlclient driver to import, read from its source text.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
from pathlib import Path
from typing import Any

from support.django_in_process import ready_django

_MYSQL_TYPES_NAME = "_data_types"


@functools.cache
def data_types(backend: str) -> dict[str, str]:
    """Django's ``data_types`` of ``backend`` (sqlite, postgresql or mysql)."""
    ready_django()
    if backend == "sqlite":
        from django.db.backends.sqlite3.base import DatabaseWrapper

        return dict(DatabaseWrapper.data_types)
    if backend == "postgresql":
        from django.db.backends.postgresql.base import DatabaseWrapper

        return dict(DatabaseWrapper.data_types)
    spec = importlib.util.find_spec("django.db.backends")
    source = Path(spec.submodule_search_locations[0], "mysql", "base.py").read_text()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == _MYSQL_TYPES_NAME
            for target in node.targets
        ):
            return ast.literal_eval(node.value)
    raise AssertionError("Django's MySQL data_types not found")


def django_column_type(backend: str, field: Any) -> str:
    """The column type Django declares for one of its fields on ``backend``."""
    declared = data_types(backend)[field.get_internal_type()]
    if callable(declared):  # PostgreSQL's varchar: without a length where max_length is None
        return declared(field.__dict__)
    return declared % field.__dict__
