"""Table, column, index and constraint names on every backend: exactly the names the state
says, whatever characters they hold and however long they are."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Connection
from support.migrator import Migrator
from support.states import auto_pk, fk

from schemashift import models
from schemashift.db.introspection import introspect
from schemashift.exceptions import ModelDefinitionError
from schemashift.migrations.operations import (
    AddField,
    AlterModelTable,
    CreateModel,
    RenameModel,
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


# -- names longer than the backend accepts ----------------------------------------------------

#: the limit on table and column names per backend (SQLite has none)
LIMITS = {"sqlite": None, "postgresql": 63, "mysql": 64}
LONG_MODEL = "Very" + "Long" * 16


def stored_name(backend: str, name: str) -> str:
    """The table name Django's ``truncate_name`` gives ``name`` on the backend."""
    from django.db.backends.utils import truncate_name

    return truncate_name(name, LIMITS[backend])


def long_models() -> list[CreateModel]:
    return [
        CreateModel(
            LONG_MODEL,
            [auto_pk(), ("code", models.IntegerField(db_index=True))],
            options={"unique_together": [("id", "code")]},
        ),
        CreateModel("Part", [auto_pk(), ("whole", fk(f"shop.{LONG_MODEL.lower()}"))]),
    ]


def test_long_table_names_are_shortened_with_a_hash(
    backend: str, migrator: CheckedMigrator
) -> None:
    statements = "\n".join(migrator.sql(*long_models()))
    migrator.apply(*long_models())
    long_table = f"shop_{LONG_MODEL.lower()}"
    expected = stored_name(backend, long_table)
    assert (expected == long_table) is (backend == "sqlite")
    snapshot = introspect(migrator.connection)
    assert snapshot.table_names() == sorted([expected, "shop_part"])
    assert {key.to_table for key in snapshot["shop_part"].foreign_keys} == {expected}
    assert long_table not in statements or backend == "sqlite"


def test_an_explicit_long_db_table_is_shortened_too(
    backend: str, migrator: CheckedMigrator
) -> None:
    explicit = "inventory_" + "x" * 70
    migrator.apply(
        CreateModel("Item", [auto_pk()], options={"db_table": explicit}),
        CreateModel("Part", [auto_pk(), ("item", fk("shop.item"))]),
    )
    assert introspect(migrator.connection).table_names() == sorted(
        [stored_name(backend, explicit), "shop_part"]
    )


def test_renames_to_and_from_long_names_keep_rows_and_keys(
    backend: str, migrator: CheckedMigrator
) -> None:
    migrator.apply(
        CreateModel("Short", [auto_pk(), ("code", models.IntegerField(db_index=True))]),
        CreateModel("Part", [auto_pk(), ("whole", fk("shop.short"))]),
    )
    placeholder = migrator.placeholder
    migrator.run_sql(f"INSERT INTO shop_short (code) VALUES ({placeholder})", (7,))
    migrator.apply(RenameModel("Short", LONG_MODEL))
    long_table = stored_name(backend, f"shop_{LONG_MODEL.lower()}")
    assert migrator.rows(long_table, "code") == [(7,)]
    migrator.apply(AlterModelTable(LONG_MODEL, "archive_" + "y" * 70))
    archived = stored_name(backend, "archive_" + "y" * 70)
    assert migrator.rows(archived, "code") == [(7,)]
    migrator.apply(AlterModelTable(LONG_MODEL, None))
    migrator.apply(RenameModel(LONG_MODEL, "Short"))
    assert migrator.rows("shop_short", "code") == [(7,)]
    assert {key.to_table for key in introspect(migrator.connection)["shop_part"].foreign_keys} == {
        "shop_short"
    }


def test_a_column_name_longer_than_the_backend_accepts_is_refused(
    backend: str, migrator: CheckedMigrator
) -> None:
    long_column = "c" * 70
    operation = CreateModel(
        "Item", [auto_pk(), ("size", models.IntegerField(db_column=long_column))]
    )
    if backend == "sqlite":
        migrator.apply(operation)
        assert long_column in introspect(migrator.connection)["shop_item"].columns
        return
    with pytest.raises(ModelDefinitionError, match=f"'size'.*{long_column}.*at most"):
        migrator.apply(operation)
    assert introspect(migrator.connection).table_names() == []
