"""Table, column, index and constraint names on every backend: exactly the names the state
says, whatever characters they hold and however long they are."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Connection
from support.migrator import Migrator
from support.states import auto_pk, fk

from schemashift import models
from schemashift.db.introspection import introspect
from schemashift.migrations.operations import (
    AddField,
    CreateModel,
)


class CheckedMigrator(Migrator):
    """Checks that the live schema equals the state after every migration."""

    checks_schema_after_apply = True


@pytest.fixture
def migrator(backend_connection: Connection) -> CheckedMigrator:
    return CheckedMigrator(backend_connection)


def percent_models() -> list[CreateModel]:
    return [
        CreateModel(
            "Thing",
            [auto_pk(), ("name", models.CharField(max_length=20, db_column="na%sme%%"))],
            options={"db_table": "tbl%s%%", "unique_together": [("id", "name")]},
        ),
        CreateModel(
            "Part",
            [auto_pk(), ("thing", fk("shop.thing", db_column="thing%(x)s"))],
            options={"db_table": "part%(x)s%"},
        ),
    ]


def test_names_with_percent_signs_are_created_as_written(migrator: CheckedMigrator) -> None:
    migrator.apply(*percent_models())
    snapshot = introspect(migrator.connection)
    assert snapshot.table_names() == ["part%(x)s%", "tbl%s%%"]
    assert set(snapshot["tbl%s%%"].columns) == {"id", "na%sme%%"}
    assert {fk.to_table for fk in snapshot["part%(x)s%"].foreign_keys} == {"tbl%s%%"}
    migrator.apply(AddField("thing", "size", models.IntegerField(null=True, db_column="si%ze")))
    assert "si%ze" in introspect(migrator.connection)["tbl%s%%"].columns


def test_sql_shows_names_with_percent_signs_as_written(migrator: CheckedMigrator) -> None:
    create_thing = migrator.sql(percent_models()[0])[0]
    mark = "`" if migrator.connection.dialect.name == "mysql" else '"'
    assert f"CREATE TABLE {mark}tbl%s%%{mark} " in create_thing
    assert f"{mark}na%sme%%{mark} varchar(20)" in create_thing
    assert "%%%" not in create_thing
