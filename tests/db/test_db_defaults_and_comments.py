"""``db_default`` and ``db_comment``: a column's DEFAULT and comment kept in the database, as
Django 5 keeps them, on every backend: the SQL (Django's own editor as the oracle where it
runs in process), what the database keeps, the rows a default fills, and AddField and
AlterField setting, changing and dropping them."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from support.django_editor_sql import django_connection, django_model, django_sql
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


# -- db_comment ---------------------------------------------------------------------------


def comment_fields(m: Any) -> dict[str, Any]:
    return {
        "name": m.CharField(max_length=20, db_comment="The author's pen name"),
        "rank": m.IntegerField(db_default=1, db_comment="Made up"),
        "plain": m.IntegerField(null=True),
    }


@pytest.mark.backends("sqlite", "postgresql")
def test_create_table_writes_djangos_column_comments(
    migrator: Migrator, backend: str, backend_url: str
) -> None:
    fields = comment_fields(models)
    ours = migrator.sql(
        CreateModel("Noted", [("id", models.BigAutoField(primary_key=True)), *fields.items()])
    )
    model = django_model("Noted", comment_fields)
    theirs = django_sql(
        django_connection(backend, backend_url), lambda editor: editor.create_model(model)
    )
    assert ours == theirs


#: the statement reading a column's comment on each backend that keeps them
COLUMN_COMMENT_SQL = {
    "postgresql": "SELECT col_description('{table}'::regclass, attnum) FROM pg_attribute "
    "WHERE attrelid = '{table}'::regclass AND attname = '{column}'",
    "mysql": "SELECT column_comment FROM information_schema.columns "
    "WHERE table_schema = DATABASE() AND table_name = '{table}' AND column_name = '{column}'",
}


def column_comment(migrator: Migrator, backend: str, table: str, column: str) -> str | None:
    (row,) = migrator.run_sql(COLUMN_COMMENT_SQL[backend].format(table=table, column=column))
    return row[0] or None


@pytest.mark.backends("postgresql", "mysql")
def test_column_comments_are_kept_added_changed_and_cleared(
    migrator: Migrator, backend: str
) -> None:
    migrator.apply(
        CreateModel(
            "Noted",
            [("id", models.BigAutoField(primary_key=True)), *comment_fields(models).items()],
        )
    )
    assert column_comment(migrator, backend, "shop_noted", "name") == "The author's pen name"
    assert column_comment(migrator, backend, "shop_noted", "rank") == "Made up"
    assert column_comment(migrator, backend, "shop_noted", "plain") is None
    migrator.apply(
        AddField("Noted", "extra", models.TextField(null=True, db_comment="100% added")),
        AlterField("Noted", "plain", models.IntegerField(null=True, db_comment="now noted")),
        AlterField("Noted", "name", models.CharField(max_length=20)),
    )
    assert column_comment(migrator, backend, "shop_noted", "extra") == "100% added"
    assert column_comment(migrator, backend, "shop_noted", "plain") == "now noted"
    assert column_comment(migrator, backend, "shop_noted", "name") is None
    migrator.assert_schema_matches_state()


@pytest.mark.backends("sqlite")
def test_sqlite_ignores_column_comments_as_django_does(migrator: Migrator) -> None:
    migrator.apply(CreateModel("Noted", [("id", models.BigAutoField(primary_key=True))]))
    migrator.apply(AddField("Noted", "plain", models.IntegerField(null=True)))
    assert (
        migrator.sql(AlterField("Noted", "plain", models.IntegerField(null=True, db_comment="x")))
        == []
    )


def test_a_cast_default_is_computed_by_the_database(authors: Migrator) -> None:
    cast = models.functions.Cast(models.Value("12"), models.IntegerField())
    authors.apply(AddField("Author", "code", models.IntegerField(db_default=cast)))
    assert authors.rows("shop_author", "code") == [(12,), (12,), (12,)]
    authors.assert_schema_matches_state()
