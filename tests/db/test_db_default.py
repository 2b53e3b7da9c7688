"""``db_default``: a column's DEFAULT kept in the database, as Django 5 keeps it, on every
backend: the SQL (Django's own editor as the oracle where it runs in process), the live
default, the rows it fills, and AlterField setting, changing and dropping it."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from support.django_schema import django_connection, django_model, django_sql
from support.migrator import Migrator

from schemashift import models
from schemashift.migrations.operations import AddField, AlterField, CreateModel
from schemashift.models.functions import Lower, Now


def our_fields(m: Any, functions: Any) -> dict[str, Any]:
    return {
        "count": m.IntegerField(db_default=5),
        "label": m.CharField(max_length=20, db_default="it's"),
        "kind": m.CharField(max_length=10, db_default=m.Value("plain")),
        "created": m.DateTimeField(db_default=functions.Now()),
        "note": m.TextField(null=True, db_default="-"),
    }


@pytest.mark.backends("sqlite", "postgresql")
def test_create_table_writes_djangos_defaults(
    migrator: Migrator, backend: str, backend_url: str
) -> None:
    from django.db.models import functions as django_functions

    fields = our_fields(models, models.functions)
    ours = migrator.sql(
        CreateModel("Thing", [("id", models.BigAutoField(primary_key=True)), *fields.items()])
    )
    model = django_model("Thing", lambda m: our_fields(m, django_functions))
    theirs = django_sql(
        django_connection(backend, backend_url), lambda editor: editor.create_model(model)
    )
    assert ours == theirs


def defaults_model() -> CreateModel:
    return CreateModel(
        "Thing",
        [
            ("id", models.BigAutoField(primary_key=True)),
            ("name", models.CharField(max_length=10)),
            *our_fields(models, models.functions).items(),
            ("lowered", models.CharField(max_length=10, db_default=Lower(models.Value("AB")))),
        ],
    )


def live_defaults(migrator: Migrator, table: str) -> dict[str, bool]:
    return {
        name: column.default is not None
        for name, column in migrator.snapshot()[table].columns.items()
    }


def test_defaults_stay_in_the_schema_and_fill_inserts(migrator: Migrator) -> None:
    before = datetime.datetime.now(datetime.UTC).replace(tzinfo=None, microsecond=0)
    migrator.apply(defaults_model())
    assert live_defaults(migrator, "shop_thing") == {
        "id": False,
        "name": False,
        "count": True,
        "label": True,
        "kind": True,
        "created": True,
        "note": True,
        "lowered": True,
    }
    migrator.assert_schema_matches_state()
    migrator.run_sql("INSERT INTO shop_thing (name) VALUES ('a')")
    (row,) = migrator.rows("shop_thing", "name, count, label, kind, note, lowered, created")
    assert row[:6] == ("a", 5, "it's", "plain", "-", "ab")
    created = row[6]
    if isinstance(created, str):
        created = datetime.datetime.fromisoformat(created)
    assert created.replace(tzinfo=None) >= before - datetime.timedelta(days=1)


def test_add_field_with_a_db_default_fills_existing_rows_and_keeps_it(
    authors: Migrator,
) -> None:
    authors.apply(
        AddField("Author", "rank", models.IntegerField(db_default=3)),
        AddField("Author", "joined", models.DateTimeField(db_default=Now())),
    )
    assert authors.rows("shop_author", "rank") == [(3,), (3,), (3,)]
    assert all(value is not None for (value,) in authors.rows("shop_author", "joined"))
    assert live_defaults(authors, "shop_author")["rank"]
    authors.assert_schema_matches_state()
    authors.run_sql("INSERT INTO shop_author (name) VALUES ('new')")
    assert authors.rows("shop_author", "rank")[-1] == (3,)


def test_alter_field_sets_changes_and_drops_the_default(authors: Migrator) -> None:
    authors.apply(AddField("Author", "rank", models.IntegerField(null=True)))
    assert not live_defaults(authors, "shop_author")["rank"]
    authors.apply(AlterField("Author", "rank", models.IntegerField(db_default=7)))
    # NULLs took the new default on becoming NOT NULL, and later INSERTs do too
    assert authors.rows("shop_author", "rank") == [(7,), (7,), (7,)]
    assert live_defaults(authors, "shop_author")["rank"]
    authors.assert_schema_matches_state()
    authors.apply(AlterField("Author", "rank", models.IntegerField(db_default=8)))
    authors.run_sql("INSERT INTO shop_author (name) VALUES ('eight')")
    assert authors.rows("shop_author", "rank")[-1] == (8,)
    authors.apply(AlterField("Author", "rank", models.IntegerField()))
    assert not live_defaults(authors, "shop_author")["rank"]
    authors.assert_schema_matches_state()


def test_alter_field_back_and_forth_runs_nothing_for_the_same_default(
    authors: Migrator,
) -> None:
    authors.apply(AddField("Author", "stamp", models.DateTimeField(db_default=Now())))
    assert authors.sql(AlterField("Author", "stamp", models.DateTimeField(db_default=Now()))) == []
