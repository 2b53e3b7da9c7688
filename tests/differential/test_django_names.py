"""Long table names are shortened as Django shortens them, on every backend.

Django cuts a table name longer than the backend accepts (63 characters on PostgreSQL, 64 on
MySQL) to ``<first characters><4-character hash>``, and names indexes and foreign keys after
the cut name. Django's schema editor, run in a subprocess on an empty database of the backend,
writes the SQL for the same models; the names in both are compared.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection
from support.migrator import collect_sql
from support.states import auto_pk, fk

from schemashift import models
from schemashift.db.connection import schema_editor
from schemashift.migrations.operations import CreateModel

from .test_django_schema import run_python

#: ``shop_`` and 61 characters: longer than PostgreSQL and MySQL accept
LONG = "T" + "x" * 60
#: ``shop_`` and 59 characters, 64 in all: too long for PostgreSQL only
EDGE = "E" + "y" * 58

#: model name -> (fields as (name, kind, options), Meta options), for Django's script
DJANGO_MODELS: dict[str, Any] = {
    LONG: ([["n", "IntegerField", {"db_index": True}]], {"unique_together": [["id", "n"]]}),
    EDGE: ([["n", "IntegerField", {"db_index": True}]], {}),
    "Child": (
        [["parent", "ForeignKey", {"to": LONG}], ["edge", "ForeignKey", {"to": EDGE}]],
        {},
    ),
}


def long_name_models() -> list[CreateModel]:
    """DJANGO_MODELS as schemashift's operations."""
    return [
        CreateModel(
            LONG,
            [auto_pk(), ("n", models.IntegerField(db_index=True))],
            options={"unique_together": {("id", "n")}},
        ),
        CreateModel(EDGE, [auto_pk(), ("n", models.IntegerField(db_index=True))]),
        CreateModel(
            "Child",
            [
                auto_pk(),
                ("parent", fk(f"shop.{LONG.lower()}")),
                ("edge", fk(f"shop.{EDGE.lower()}")),
            ],
        ),
    ]


def djangos_sql(url: str) -> dict[str, Any]:
    script = Path(__file__).with_name("django_names.py")
    result = run_python([str(script), url, json.dumps(DJANGO_MODELS)], cwd=script.parent)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def names_by_statement(statements: list[str]) -> list[tuple[str, ...]]:
    """The quoted names of each statement, statements sorted."""
    return sorted(tuple(re.findall(r'[`"]([^`"]+)[`"]', statement)) for statement in statements)


def test_long_table_names_are_shortened_as_django_does(
    backend: str, backend_url: str, backend_connection: Connection
) -> None:
    django = djangos_sql(backend_url)
    with schema_editor(backend_connection, collect_sql=True) as editor:
        ours = collect_sql(editor, *long_name_models(), app="shop")
    limit = {"sqlite": None, "postgresql": 63, "mysql": 64}[backend]
    tables = {name: django["tables"][name] for name in (LONG, EDGE)}
    if limit is None:
        assert tables == {LONG: f"shop_{LONG.lower()}", EDGE: f"shop_{EDGE.lower()}"}
    else:
        assert all(len(table) <= limit for table in tables.values())
        assert tables[LONG] != f"shop_{LONG.lower()}"
    theirs, ours_named = names_by_statement(django["sql"]), names_by_statement(ours)
    assert ours_named == theirs
