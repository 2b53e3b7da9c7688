"""RenameIndex and AlterIndexTogether (histories from before Django 5.1) on every backend:
the indexes they leave, named as Django names them, and the state matching the live schema."""

from __future__ import annotations

from support.migrator import Migrator, author_model
from support.states import auto_pk

from schemashift import models
from schemashift.db.connection import schema_editor
from schemashift.migrations.operations import (
    AddIndex,
    AlterIndexTogether,
    CreateModel,
    RenameIndex,
)
from schemashift.utils.names import index_name

NAME_LIMIT = {"sqlite": 200, "postgresql": 63, "mysql": 64}
AGE = ("age", models.IntegerField(default=0))


def test_rename_index_renames_it_and_back(migrator: Migrator, backend: str) -> None:
    migrator.apply(author_model(AGE), AddIndex("author", models.Index(fields=["name"], name="a")))
    migrator.apply(RenameIndex("author", new_name="b", old_name="a"))
    assert set(migrator.snapshot()["shop_author"].indexes) == {"b"}
    migrator.assert_schema_matches_state()
    assert migrator.state.get_model("shop", "author").indexes == [
        models.Index(fields=["name"], name="b")
    ]


def test_alter_index_together_creates_djangos_index_and_rename_index_names_it(
    migrator: Migrator, backend: str
) -> None:
    migrator.apply(
        CreateModel(
            "Author",
            [auto_pk(), ("name", models.CharField(max_length=20)), AGE],
            options={"index_together": {("name", "age")}},
        )
    )
    generated = index_name("shop_author", ["name", "age"], "_idx", NAME_LIMIT[backend])
    assert set(migrator.snapshot()["shop_author"].indexes) == {generated}
    migrator.assert_schema_matches_state()
    migrator.apply(AlterIndexTogether("author", set()))
    assert migrator.snapshot()["shop_author"].indexes == {}
    migrator.assert_schema_matches_state()
    migrator.apply(AlterIndexTogether("author", {("name", "age")}))
    migrator.apply(RenameIndex("author", new_name="name_age_idx", old_fields=("name", "age")))
    assert set(migrator.snapshot()["shop_author"].indexes) == {"name_age_idx"}
    model = migrator.state.get_model("shop", "author")
    assert "index_together" not in model.options
    assert model.indexes == [models.Index(fields=["name", "age"], name="name_age_idx")]
    migrator.assert_schema_matches_state()

    # backwards, the index takes back the group's name, so the group can be dropped after
    renamed, grouped = migrator.state, migrator.state.clone()
    grouped_model = grouped.get_model("shop", "author").clone()
    grouped_model.options["indexes"] = []
    grouped_model.options["index_together"] = (("name", "age"),)
    grouped.add_model(grouped_model)
    rename = RenameIndex("author", new_name="name_age_idx", old_fields=("name", "age"))
    with schema_editor(migrator.connection) as editor:
        rename.database_backwards("shop", editor, renamed, grouped)
    migrator.state = grouped
    assert set(migrator.snapshot()["shop_author"].indexes) == {generated}
    migrator.assert_schema_matches_state()
    migrator.apply(AlterIndexTogether("author", set()))
    assert migrator.snapshot()["shop_author"].indexes == {}


def test_rename_index_folds_renames_and_writes_as_django() -> None:
    first = RenameIndex("author", new_name="b", old_fields=("name",))
    folded = first.reduce(RenameIndex("author", new_name="c", old_name="b"), "shop")
    assert [op.deconstruct() for op in folded] == [
        ("RenameIndex", [], {"model_name": "author", "new_name": "c", "old_fields": ("name",)})
    ]
    assert first.describe() == "Rename unnamed index for ('name',) on author to b"
    assert first.migration_name_fragment == "rename_author_name_b"
    assert RenameIndex("author", "b", old_name="a").migration_name_fragment == "rename_a_b"
