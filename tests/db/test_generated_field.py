"""GeneratedField: ``GENERATED ALWAYS AS (...) STORED`` or ``VIRTUAL`` on every backend, as
Django declares it; created, added and removed by migrations."""

from __future__ import annotations

import pytest
from support.migrator import Migrator

from schemashift import models
from schemashift.exceptions import ModelDefinitionError
from schemashift.migrations.operations import AddField, AlterField, CreateModel, RemoveField

F = models.F


def line_model(*extra: tuple[str, models.Field]) -> CreateModel:
    return CreateModel(
        "Line",
        [
            ("id", models.BigAutoField(primary_key=True)),
            ("price", models.IntegerField()),
            ("quantity", models.IntegerField(db_column="qty")),
            ("name", models.CharField(max_length=10)),
            *extra,
        ],
    )


def total(persist: bool = True) -> models.GeneratedField:
    return models.GeneratedField(
        expression=F("price") * F("quantity"),
        output_field=models.IntegerField(),
        db_persist=persist,
    )


def lowered() -> models.GeneratedField:
    return models.GeneratedField(
        expression=models.functions.Lower("name"),
        output_field=models.CharField(max_length=10),
        db_persist=True,
    )


def test_generated_columns_are_computed_by_the_database(migrator: Migrator) -> None:
    migrator.apply(line_model(("total", total()), ("low", lowered())))
    migrator.run_sql("INSERT INTO shop_line (price, qty, name) VALUES (3, 4, 'AbC')")
    assert migrator.rows("shop_line", "total, low") == [(12, "abc")]
    migrator.run_sql("UPDATE shop_line SET price = 5")
    assert migrator.rows("shop_line", "total") == [(20,)]
    migrator.assert_schema_matches_state()


#: how each backend declares ``total`` (the column qty is named by its db_column)
TOTAL_SQL = {
    "sqlite": '"total" integer GENERATED ALWAYS AS ("price" * "qty") STORED',
    "postgresql": '"total" integer GENERATED ALWAYS AS ("price" * "qty") STORED',
    "mysql": "`total` integer GENERATED ALWAYS AS (`price` * `qty`) STORED",
}


def test_the_column_is_declared_as_django_declares_it(migrator: Migrator, backend: str) -> None:
    (create,) = migrator.sql(line_model(("total", total())))
    assert TOTAL_SQL[backend] in create


@pytest.mark.backends("sqlite", "mysql")
def test_virtual_columns(migrator: Migrator) -> None:
    migrator.apply(line_model(("total", total(persist=False))))
    migrator.run_sql("INSERT INTO shop_line (price, qty, name) VALUES (2, 5, 'x')")
    assert migrator.rows("shop_line", "total") == [(10,)]


@pytest.mark.backends("postgresql")
def test_postgresql_refuses_virtual_columns(migrator: Migrator) -> None:
    with pytest.raises(ModelDefinitionError, match="does not support non-persisted"):
        migrator.sql(line_model(("total", total(persist=False))))


def test_add_and_remove_a_generated_field_on_a_table_with_rows(migrator: Migrator) -> None:
    migrator.apply(line_model())
    migrator.run_sql("INSERT INTO shop_line (price, qty, name) VALUES (3, 4, 'Q')")
    migrator.apply(AddField("Line", "total", total()), AddField("Line", "low", lowered()))
    assert migrator.rows("shop_line", "total, low") == [(12, "q")]
    migrator.assert_schema_matches_state()
    migrator.apply(AddField("Line", "note", models.CharField(max_length=5, default="n")))
    assert migrator.rows("shop_line", "total, low, note") == [(12, "q", "n")]
    migrator.apply(RemoveField("Line", "total"))
    assert "total" not in migrator.snapshot()["shop_line"].columns
    migrator.assert_schema_matches_state()


def test_altering_a_generated_field_is_refused_as_in_django(migrator: Migrator) -> None:
    migrator.apply(line_model(("total", total())))
    changed = models.GeneratedField(
        expression=F("price") + F("quantity"),
        output_field=models.IntegerField(),
        db_persist=True,
    )
    with pytest.raises(ModelDefinitionError, match="must be removed and re-added"):
        migrator.apply(AlterField("Line", "total", changed))
    assert migrator.sql(AlterField("Line", "total", total())) == []
