"""The executor on a real SQLite file: plans, atomic migrations, minimal rollbacks."""

from __future__ import annotations

import sqlite3
import textwrap
from pathlib import Path

import pytest

import schemashift
from schemashift.apps import apps
from schemashift.db.connection import get_database
from schemashift.exceptions import DatabaseError, IrreversibleError
from schemashift.migrations.executor import MigrationExecutor
from schemashift.migrations.loader import MigrationLoader
from schemashift.migrations.recorder import MigrationRecorder

HEADER = "from schemashift import migrations, models\n\n"


def write_app(root: Path, label: str, migrations: dict[str, str]) -> None:
    package = root / label
    (package / "migrations").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "models.py").write_text("")
    (package / "migrations" / "__init__.py").write_text("")
    for name, body in migrations.items():
        (package / "migrations" / f"{name}.py").write_text(HEADER + textwrap.dedent(body))


def migration(dependencies: list[tuple[str, str]], operations: str) -> str:
    return (
        "class Migration(migrations.Migration):\n"
        f"    dependencies = {dependencies!r}\n"
        f"    operations = [\n{textwrap.indent(textwrap.dedent(operations), ' ' * 8)}    ]\n"
    )


CREATE_AUTHOR = migration(
    [],
    """\
    migrations.CreateModel(
        name="Author",
        fields=[
            ("id", models.BigAutoField(auto_created=True, primary_key=True, verbose_name="ID")),
            ("name", models.CharField(max_length=50)),
        ],
    ),
    """,
)


@pytest.fixture
def setup_project(tmp_path: Path, make_settings):
    def setup(app_migrations: dict[str, dict[str, str]]) -> tuple[MigrationExecutor, Path]:
        for label, files in app_migrations.items():
            write_app(tmp_path, label, files)
        db_file = tmp_path / "db.sqlite3"
        module = make_settings(
            f"INSTALLED_APPS = {sorted(app_migrations)!r}\n"
            f"DATABASES = {{'default': 'sqlite:///{db_file}'}}\n"
        )
        packages = set(app_migrations)
        schemashift.setup(module)
        database = get_database()
        recorder = MigrationRecorder(database)
        loader = MigrationLoader(apps.get_app_configs())
        yield_value = (MigrationExecutor(database, loader, recorder), db_file)
        setup.packages = packages
        return yield_value

    yield setup
    import sys

    for name in list(sys.modules):
        if name.partition(".")[0] in getattr(setup, "packages", ()):
            del sys.modules[name]


def applied(executor: MigrationExecutor) -> set[tuple[str, str]]:
    return set(executor.recorder.applied_migrations())


def run(executor: MigrationExecutor, targets) -> None:
    done = applied(executor)
    executor.migrate(executor.plan(targets, done), done)


def table_names(db_file: Path) -> set[str]:
    with sqlite3.connect(db_file) as connection:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall()
    return {name for (name,) in rows if not name.startswith("sqlite_")}


def test_failing_operation_leaves_neither_schema_nor_history(setup_project) -> None:
    executor, db_file = setup_project(
        {
            "books": {
                "0001_initial": CREATE_AUTHOR,
                "0002_unique": migration(
                    [("books", "0001_initial")],
                    """\
                    migrations.AddField("author", "age", models.IntegerField(null=True)),
                    migrations.AlterField(
                        "author", "name", models.CharField(max_length=50, unique=True)
                    ),
                    """,
                ),
            }
        }
    )
    run(executor, [("books", "0001_initial")])
    with sqlite3.connect(db_file) as connection:
        connection.executemany("INSERT INTO books_author (name) VALUES (?)", [("a",), ("a",)])
    with pytest.raises(DatabaseError, match=r"books\.0002_unique failed at operation 2 of 2"):
        run(executor, [("books", "0002_unique")])
    with sqlite3.connect(db_file) as connection:
        columns = [row[1] for row in connection.execute("PRAGMA table_info(books_author)")]
        rows = connection.execute("SELECT id, name FROM books_author ORDER BY id").fetchall()
    assert columns == ["id", "name"]
    assert rows == [(1, "a"), (2, "a")]
    assert applied(executor) == {("books", "0001_initial")}


def test_rollback_touches_only_what_follows_the_target(setup_project) -> None:
    add_age = migration(
        [("books", "0001_initial")],
        'migrations.AddField("author", "age", models.IntegerField(null=True)),\n',
    )
    other = migration(
        [],
        """\
        migrations.CreateModel(
            name="Shelf",
            fields=[("id", models.BigAutoField(auto_created=True, primary_key=True))],
        ),
        """,
    )
    executor, db_file = setup_project(
        {
            "books": {"0001_initial": CREATE_AUTHOR, "0002_age": add_age},
            "shelves": {"0001_initial": other},
        }
    )
    run(executor, executor.loader.graph.leaf_nodes())
    assert applied(executor) == {
        ("books", "0001_initial"),
        ("books", "0002_age"),
        ("shelves", "0001_initial"),
    }
    plan = executor.plan([("books", "0001_initial")], applied(executor))
    assert [(step.migration.key, step.backwards) for step in plan] == [
        (("books", "0002_age"), True)
    ]
    run(executor, [("books", "0001_initial")])
    assert applied(executor) == {("books", "0001_initial"), ("shelves", "0001_initial")}
    assert {"books_author", "shelves_shelf"} <= table_names(db_file)


def test_irreversible_plan_is_refused_before_any_step(setup_project) -> None:
    executor, db_file = setup_project(
        {
            "books": {
                "0001_initial": CREATE_AUTHOR,
                "0002_sql": migration(
                    [("books", "0001_initial")],
                    'migrations.RunSQL("UPDATE books_author SET name = name"),\n',
                ),
                "0003_age": migration(
                    [("books", "0002_sql")],
                    'migrations.AddField("author", "age", models.IntegerField(null=True)),\n',
                ),
            }
        }
    )
    run(executor, [("books", "0003_age")])
    with pytest.raises(IrreversibleError, match="0002_sql"):
        run(executor, [("books", None)])
    assert len(applied(executor)) == 3
    with sqlite3.connect(db_file) as connection:
        columns = [row[1] for row in connection.execute("PRAGMA table_info(books_author)")]
    assert "age" in columns


def test_collect_sql_runs_nothing(setup_project) -> None:
    executor, db_file = setup_project({"books": {"0001_initial": CREATE_AUTHOR}})
    lines = executor.collect_sql(executor.loader.graph.nodes[("books", "0001_initial")])
    assert lines[:5] == [
        "BEGIN;",
        "--",
        "-- Create model Author",
        "--",
        "-- lock: the database's write lock: other writers wait until the transaction commits",
    ]
    assert lines[5].startswith('CREATE TABLE "books_author"')
    assert lines[-1] == "COMMIT;"
    assert "books_author" not in table_names(db_file) if db_file.exists() else True
    backwards = executor.collect_sql(
        executor.loader.graph.nodes[("books", "0001_initial")], backwards=True
    )
    assert 'DROP TABLE "books_author";' in backwards
