"""Rolling back through ``api.migrate``: across apps whose tables reference each other, across
a RunPython whose reverse uses the historical models, and across a squash. Each rollback
leaves exactly the schema of the migrations still applied (introspected) and the rows the
reverse operations make of the data."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from support.api_project import ApiProject, api_project_at

from schemashift import api
from schemashift.apps import apps
from schemashift.db.connection import Database
from schemashift.db.introspection import expected_schema, introspect
from schemashift.migrations.loader import MigrationLoader

HEADER = "from schemashift import migrations, models\n\n"

LIBRARY = {
    "0001_initial": """
        class Migration(migrations.Migration):
            initial = True
            dependencies = []
            operations = [
                migrations.CreateModel(
                    "Author",
                    [
                        ("id", models.BigAutoField(auto_created=True, primary_key=True)),
                        ("name", models.CharField(max_length=50)),
                    ],
                ),
            ]
        """,
    "0002_author_born": """
        class Migration(migrations.Migration):
            dependencies = [("library", "0001_initial")]
            operations = [
                migrations.AddField("author", "born", models.IntegerField(null=True)),
            ]
        """,
    # the reverse reads ``born`` through the historical model: it must run on the state
    # that still has the column
    "0003_fill_born": """
        def forwards(apps, schema_editor):
            Author = apps.get_model("library", "Author")
            for author in Author.objects.all():
                author.born = len(author.name)
                author.save()


        def backwards(apps, schema_editor):
            Author = apps.get_model("library", "Author")
            for author in Author.objects.all():
                author.name = f"{author.name}/{author.born}"
                author.save()


        class Migration(migrations.Migration):
            dependencies = [("library", "0002_author_born")]
            operations = [migrations.RunPython(forwards, backwards)]
        """,
    "0004_author_alias": """
        class Migration(migrations.Migration):
            dependencies = [("library", "0003_fill_born")]
            operations = [
                migrations.AddField(
                    "author", "alias", models.CharField(max_length=20, default="", db_index=True)
                ),
                migrations.AlterField("author", "name", models.CharField(max_length=80)),
            ]
        """,
}

SHOP = {
    "0001_initial": """
        class Migration(migrations.Migration):
            initial = True
            dependencies = [("library", "0001_initial")]
            operations = [
                migrations.CreateModel(
                    "Book",
                    [
                        ("id", models.BigAutoField(auto_created=True, primary_key=True)),
                        ("title", models.CharField(max_length=50)),
                        (
                            "author",
                            models.ForeignKey("library.author", on_delete=models.CASCADE),
                        ),
                    ],
                ),
            ]
        """,
    "0002_book_price": """
        class Migration(migrations.Migration):
            dependencies = [("shop", "0001_initial"), ("library", "0003_fill_born")]
            operations = [
                migrations.RenameField("book", "title", "name"),
                migrations.AddField("book", "price", models.IntegerField(null=True)),
                migrations.AddIndex(
                    "book", models.Index(fields=["-price", "name"], name="book_price_ix")
                ),
            ]
        """,
}


@pytest.fixture
def project(tmp_path: Path, backend_url: str, monkeypatch: pytest.MonkeyPatch) -> ApiProject:
    with api_project_at(tmp_path / "site", backend_url, ("library", "shop"), monkeypatch) as site:
        for app, history in (("library", LIBRARY), ("shop", SHOP)):
            for name, body in history.items():
                site.write_migration(app, name, HEADER + textwrap.dedent(body))
        site.load()
        yield site


@pytest.fixture
def database(project: ApiProject) -> Iterator[Database]:
    found = Database(project.database_url)
    yield found
    found.dispose()


def applied(database: Database) -> list[tuple[str, str]]:
    with database.connect() as connection:
        rows = connection.execute(sa.text("SELECT app, name FROM schemashift_migrations"))
        return sorted((app, name) for app, name in rows)


def assert_schema_of_applied(database: Database) -> None:
    """The live tables are exactly those the applied migrations build, column for column."""
    keys = set(applied(database))
    loader = MigrationLoader(apps.get_app_configs(), applied=keys)
    kept = [key for key in loader.graph.nodes if key in loader.applied]
    leaves = [key for key in kept if not (loader.graph.node_map[key].children_keys() & set(kept))]
    state = loader.project_state(sorted(leaves)) if leaves else None
    with database.connect() as connection:
        live = introspect(connection)
    if state is None:
        assert live.tables == {}
    else:
        assert live == expected_schema(state, database.dialect)


def rows(database: Database, sql: str) -> list[tuple]:
    with database.connect() as connection:
        return [tuple(row) for row in connection.execute(sa.text(sql))]


def fill(database: Database) -> None:
    with database.connect() as connection, connection.begin():
        connection.execute(
            sa.text("INSERT INTO library_author (id, name, born, alias) VALUES (1, 'ann', 3, 'a')")
        )
        connection.execute(
            sa.text("INSERT INTO shop_book (id, name, price, author_id) VALUES (1, 'first', 5, 1)")
        )


def test_rollback_across_apps_and_a_reverse_that_uses_historical_models(
    project: ApiProject, database: Database
) -> None:
    api.migrate()
    fill(database)

    # library.0003 is depended on by shop.0002: both go, dependants first
    result = api.migrate("library", "0002")
    steps = [(step.app_label, step.name) for step in result.plan.steps]
    assert all(step.backwards for step in result.plan.steps)
    assert sorted(steps) == [
        ("library", "0003_fill_born"),
        ("library", "0004_author_alias"),
        ("shop", "0002_book_price"),
    ]
    assert steps[-1] == ("library", "0003_fill_born")
    assert applied(database) == [
        ("library", "0001_initial"),
        ("library", "0002_author_born"),
        ("shop", "0001_initial"),
    ]
    assert_schema_of_applied(database)
    assert rows(database, "SELECT id, name, born FROM library_author") == [(1, "ann/3", 3)]
    assert rows(database, "SELECT id, title, author_id FROM shop_book") == [(1, "first", 1)]

    # forwards again from the rolled-back state, then everything back to nothing
    api.migrate()
    assert_schema_of_applied(database)
    assert rows(database, "SELECT id, name, born, alias FROM library_author") == [
        (1, "ann/3", 5, "")
    ]
    api.migrate("library", "zero")
    assert applied(database) == []
    assert_schema_of_applied(database)


def test_rolling_back_an_app_already_at_zero_changes_nothing(
    project: ApiProject, database: Database
) -> None:
    api.migrate("library", "0002")
    api.migrate("shop", "zero")
    result = api.migrate("shop", "zero")
    assert result.plan.steps == () and result.was_run
    assert applied(database) == [("library", "0001_initial"), ("library", "0002_author_born")]
    result = api.migrate("library", "0002")
    assert result.plan.steps == ()
    assert_schema_of_applied(database)


def test_rollback_across_a_squash_unapplies_it_with_the_migrations_it_replaces(
    project: ApiProject, database: Database
) -> None:
    api.squashmigrations("shop", "0002")
    project.load()
    api.migrate()
    squash = ("shop", "0001_squashed_0002_book_price")
    assert squash in applied(database)
    fill(database)

    api.migrate("library", "0002")
    assert applied(database) == [
        ("library", "0001_initial"),
        ("library", "0002_author_born"),
    ]
    assert_schema_of_applied(database)
    assert rows(database, "SELECT id, name, born FROM library_author") == [(1, "ann/3", 3)]

    api.migrate()
    assert squash in applied(database)
    assert_schema_of_applied(database)
    api.migrate("library", "zero")
    assert applied(database) == []
    assert_schema_of_applied(database)
