"""The tables of ManyToManyFields on every backend: built as Django builds them (compared
with Django's schema editor on a database of the same server), and created, renamed,
repointed and dropped by migrations forwards and backwards."""

from __future__ import annotations

from dataclasses import replace

import pytest
import sqlalchemy as sa
from support.django_schema import migrate_with_django
from support.migrator import Migrator
from support.states import auto_pk, fk

from schemashift import models
from schemashift.db.backends.through_tables import IncompatibleFieldChange
from schemashift.db.connection import schema_editor
from schemashift.db.introspection import SchemaSnapshot, TableInfo, introspect
from schemashift.migrations.operations import (
    AddField,
    AlterField,
    AlterModelTable,
    CreateModel,
    DeleteModel,
    RemoveField,
    RenameField,
    RenameModel,
)
from schemashift.migrations.operations.base import Operation


def tag() -> CreateModel:
    return CreateModel("Tag", [auto_pk(), ("name", models.CharField(max_length=20))])


def article(*extra: tuple[str, models.Field]) -> CreateModel:
    return CreateModel("Article", [auto_pk(), ("title", models.CharField(max_length=20)), *extra])


def blog_operations() -> list[Operation]:
    """Relations to another model, to itself, long enough to be shortened, and through a
    model of its own."""
    long_name = "relation_with_a_name_long_enough_to_push_the_table_past_sixty_four"
    return [
        tag(),
        article(
            ("tags", models.ManyToManyField("shop.tag", related_name="articles")),
            ("related", models.ManyToManyField("self")),
            ("loose", models.ManyToManyField("shop.tag", db_constraint=False, related_name="+")),
            ("named", models.ManyToManyField("shop.tag", db_table="shop_named", related_name="+")),
            (long_name, models.ManyToManyField("shop.tag", related_name="+")),
        ),
        CreateModel(
            "Membership",
            [auto_pk(), ("article", fk("shop.article")), ("tag", fk("shop.tag"))],
        ),
        AddField(
            "Article",
            "members",
            models.ManyToManyField("shop.tag", through="shop.Membership", related_name="+"),
        ),
    ]


def snapshot_of(url: str) -> SchemaSnapshot:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return introspect(connection)
    finally:
        engine.dispose()


def test_the_tables_are_djangos(migrator: Migrator, other_backend_url: str) -> None:
    operations = blog_operations()
    migrator.apply(*operations)
    migrate_with_django(other_backend_url, "shop", *operations)
    ours, djangos = migrator.snapshot(), snapshot_of(other_backend_url)
    assert ours.table_names() == djangos.table_names()
    assert "shop_article_tags" in ours and "shop_named" in ours
    assert len(ours.table_names()) == 8
    for table in ours.table_names():
        expected = djangos[table]
        if migrator.connection.dialect.name == "mysql":
            expected = with_foreign_key_indexes(expected, ours[table])
        assert ours[table] == expected, table
    migrator.assert_schema_matches_state()


def with_foreign_key_indexes(django_table: TableInfo, ours: TableInfo) -> TableInfo:
    """Django's table on MySQL with the one-column indexes schemashift makes for every foreign
    key (as on the other backends; Django leaves them to InnoDB, which names them after the
    constraint), so that the comparison is about the many-to-many tables themselves."""
    key_columns = {(key.column,) for key in ours.foreign_keys}
    extra = {
        name: index
        for name, index in ours.indexes.items()
        if not index.unique and index.columns in key_columns
    }
    return replace(django_table, indexes={**django_table.indexes, **extra})


def test_the_through_table_has_djangos_names(migrator: Migrator) -> None:
    migrator.apply(*blog_operations()[:2])
    table = migrator.snapshot()["shop_article_tags"]
    assert list(table.columns) == ["id", "article_id", "tag_id"]
    assert table.unique == frozenset({("article_id", "tag_id")})
    assert "shop_article_tags_article_id_tag_id_83427b6e_uniq" in table.indexes or (
        migrator.connection.dialect.name == "postgresql"
    )
    assert list(migrator.snapshot()["shop_article_related"].columns) == [
        "id",
        "from_article_id",
        "to_article_id",
    ]


def test_pairs_survive_a_rebuild_of_either_table(migrator: Migrator) -> None:
    migrator.apply(tag(), article(("tags", models.ManyToManyField("shop.tag"))))
    migrator.run_sql("INSERT INTO shop_tag (name) VALUES ('red')")
    migrator.run_sql("INSERT INTO shop_article (title) VALUES ('A')")
    migrator.run_sql("INSERT INTO shop_article_tags (article_id, tag_id) VALUES (1, 1)")
    migrator.apply(
        AlterField("Article", "title", models.CharField(max_length=50, unique=True)),
        AlterField("Tag", "name", models.TextField()),
    )
    migrator.assert_schema_matches_state()
    assert migrator.rows("shop_article_tags") == [(1, 1, 1)]


# -- migrations forwards and backwards ------------------------------------------------------


class HistoryMigrator:
    """A migrator that remembers the state before every operation, to unapply them."""

    def __init__(self, migrator: Migrator) -> None:
        self.migrator = migrator
        self.history = [migrator.state.clone()]

    def apply(self, *operations: Operation) -> None:
        for operation in operations:
            self.migrator.apply(operation)
            self.history.append(self.migrator.state.clone())
        self.migrator.assert_schema_matches_state()

    def unapply(self, count: int) -> None:
        """Unapply the last ``count`` operations, checking the schema after each."""
        for _ in range(count):
            operation = self.operations.pop()
            after = self.history.pop()
            before = self.history[-1]
            with schema_editor(self.migrator.connection) as editor:
                operation.database_backwards(self.migrator.app, editor, after, before)
            self.migrator.state = before.clone()
            self.migrator.assert_schema_matches_state()

    @property
    def operations(self) -> list[Operation]:
        return self.__dict__.setdefault("_operations", [])

    def run(self, *operations: Operation) -> None:
        self.operations.extend(operations)
        self.apply(*operations)

    def tables(self) -> list[str]:
        return self.migrator.snapshot().table_names()


@pytest.fixture
def history(migrator: Migrator) -> HistoryMigrator:
    return HistoryMigrator(migrator)


def test_each_operation_migrates_forwards_and_backwards(history: HistoryMigrator) -> None:
    history.run(tag(), article(("tags", models.ManyToManyField("shop.tag"))))
    history.migrator.run_sql("INSERT INTO shop_tag (name) VALUES ('red')")
    history.migrator.run_sql("INSERT INTO shop_article (title) VALUES ('A')")
    history.migrator.run_sql("INSERT INTO shop_article_tags (article_id, tag_id) VALUES (1, 1)")
    history.run(RenameModel("Tag", "Label"))
    assert list(history.migrator.snapshot()["shop_article_tags"].columns) == [
        "id",
        "article_id",
        "label_id",
    ]
    history.run(RenameField("Article", "tags", "labels"))
    history.run(RenameModel("Article", "Post"))
    assert "shop_post_labels" in history.tables()
    assert history.migrator.rows("shop_post_labels") == [(1, 1, 1)]
    history.run(AlterModelTable("Post", "blog_posts"))
    assert "blog_posts_labels" in history.tables()
    history.run(AddField("Post", "friends", models.ManyToManyField("shop.post")))
    assert "blog_posts_friends" in history.tables()
    history.run(AlterField("Post", "labels", models.ManyToManyField("shop.post", related_name="+")))
    assert list(history.migrator.snapshot()["blog_posts_labels"].columns) == [
        "id",
        "from_post_id",
        "to_post_id",
    ]
    history.run(RemoveField("Post", "friends"))
    history.run(DeleteModel("Post"))
    assert history.tables() == ["shop_label"]
    history.unapply(len(history.operations) - 2)
    assert history.tables() == ["shop_article", "shop_article_tags", "shop_tag"]


def test_a_through_model_has_no_table_of_the_field(history: HistoryMigrator) -> None:
    history.run(*blog_operations()[:1], article())
    history.run(
        CreateModel(
            "Membership", [auto_pk(), ("article", fk("shop.article")), ("tag", fk("shop.tag"))]
        ),
        AddField(
            "Article", "members", models.ManyToManyField("shop.tag", through="shop.Membership")
        ),
    )
    assert history.tables() == ["shop_article", "shop_membership", "shop_tag"]
    history.unapply(2)
    assert history.tables() == ["shop_article", "shop_tag"]


def test_altering_to_or_from_a_through_model_is_refused(history: HistoryMigrator) -> None:
    history.run(tag(), article(("tags", models.ManyToManyField("shop.tag"))))
    with pytest.raises(IncompatibleFieldChange, match="not compatible types"):
        history.migrator.apply(AlterField("Article", "tags", models.IntegerField(default=0)))
    assert "shop_article_tags" in history.tables()


def test_sqlmigrate_shows_the_through_table(migrator: Migrator) -> None:
    sql = migrator.sql(*blog_operations()[:2])
    creates = [s for s in sql if s.startswith("CREATE TABLE")]
    assert len(creates) == 7
    assert any("shop_article_tags" in s and "article_id" in s for s in creates)
