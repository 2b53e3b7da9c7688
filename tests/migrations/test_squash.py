"""squashmigrations in-process: the squash it writes, what it refuses, and its check on
scratch databases."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa
from support.api_project import ApiProject, api_project_at

from schemashift import api, migrations
from schemashift.apps import apps
from schemashift.db.connection import Database
from schemashift.db.introspection import expected_schema, introspect
from schemashift.exceptions import (
    CommandError,
    InvalidMigrationPlan,
    MigrationError,
    NodeNotFoundError,
)
from schemashift.migrations import squasher
from schemashift.migrations.loader import MigrationLoader
from schemashift.migrations.squash_check import SquashMismatch
from schemashift.migrations.state import ProjectState

HEADER = "from schemashift import migrations, models\n\n"

#: a small history: create, add field, RunPython, rename, alter, elidable RunSQL, index, remove
HISTORY = {
    "0001_initial": """
        class Migration(migrations.Migration):
            initial = True
            dependencies = []
            operations = [
                migrations.CreateModel(
                    "Question",
                    [
                        ("id", models.BigAutoField(auto_created=True, primary_key=True)),
                        ("text", models.CharField(max_length=50)),
                    ],
                ),
            ]
        """,
    "0002_question_votes": """
        class Migration(migrations.Migration):
            dependencies = [("polls", "0001_initial")]
            operations = [
                migrations.AddField("question", "votes", models.IntegerField(default=0)),
                migrations.AddField("question", "note", models.TextField(null=True)),
            ]
        """,
    "0003_fill": """
        import datetime

        FIRST = datetime.date(2024, 2, 29)


        def label(n):
            return f"q{n} {FIRST.isoformat()}"


        def forwards(apps, schema_editor):
            Question = apps.get_model("polls", "Question")
            Question.objects.create(text=label(1), votes=3)


        class Migration(migrations.Migration):
            dependencies = [("polls", "0002_question_votes")]
            operations = [
                migrations.RunPython(forwards, migrations.RunPython.noop),
                migrations.RunSQL("UPDATE polls_question SET votes = 7", elidable=True),
            ]
        """,
    "0004_rename": """
        class Migration(migrations.Migration):
            dependencies = [("polls", "0003_fill")]
            operations = [
                migrations.RenameField("question", "text", "title"),
                migrations.AlterField("question", "title", models.CharField(max_length=120)),
                migrations.AddIndex(
                    "question", models.Index(fields=["-votes"], name="question_votes_ix")
                ),
                migrations.RemoveField("question", "note"),
            ]
        """,
}
SQUASH = "0001_squashed_0004_rename"


@pytest.fixture
def project(tmp_path: Path, backend_url: str, monkeypatch: pytest.MonkeyPatch) -> ApiProject:
    with api_project_at(tmp_path / "site", backend_url, ("polls",), monkeypatch) as project:
        for name, body in HISTORY.items():
            write(project, name, body)
        project.load()
        yield project


def write(project: ApiProject, name: str, body: str) -> None:
    project.write_migration("polls", name, HEADER + textwrap.dedent(body))


def loader(applied: set[tuple[str, str]] | None = None) -> MigrationLoader:
    return MigrationLoader(apps.get_app_configs(), applied=applied)


def files(project: ApiProject) -> list[str]:
    return sorted(p.stem for p in project.migrations_dir("polls").glob("0*.py"))


def test_squash_replaces_the_history_and_builds_its_schema(project: ApiProject) -> None:
    result = api.squashmigrations("polls", "0004")
    assert (result.name, result.written, result.checked_on) == (
        SQUASH,
        True,
        project.database_url.partition(":")[0].partition("+")[0],
    )
    assert (result.operations_before, result.elided) == (9, 1)
    assert result.copied_functions == ("polls.migrations.0003_fill.forwards",)

    squash = loader().get_migration("polls", SQUASH)
    assert squash.replaces == [("polls", name) for name in HISTORY]
    assert squash.initial is True and squash.dependencies == []
    kinds = [type(op).__name__ for op in squash.operations]
    # the AddFields fold into the CreateModel; nothing folds across the RunPython, which stays
    # where it was; the elidable RunSQL is gone
    assert kinds == [
        "CreateModel",
        "RunPython",
        "RenameField",
        "AlterField",
        "AddIndex",
        "RemoveField",
    ]

    api.migrate()
    assert api.showmigrations("polls") == {"polls": [(SQUASH, True)]}
    database = Database(project.database_url)
    try:
        with database.connect() as connection:
            live = introspect(connection)
            rows = connection.execute(sa.text("SELECT title, votes FROM polls_question")).all()
            recorded = connection.execute(sa.text("SELECT name FROM schemashift_migrations")).all()
        # what the original migrations build (their live schema equals this: the property
        # tests of test_history_property.py)
        assert live == expected_schema(_state_of_originals(), database.dialect)
    finally:
        database.dispose()
    assert rows == [("q1 2024-02-29", 3)]
    assert sorted(name for (name,) in recorded) == sorted([*HISTORY, SQUASH])


def _state_of_originals() -> ProjectState:
    """The models the four original migrations leave, without the squash."""
    state = ProjectState()
    originals = loader().disk_migrations
    for name in HISTORY:
        originals[("polls", name)].mutate_state(state)
    return state


@pytest.mark.backends("sqlite")
def test_a_squash_from_a_start_keeps_what_comes_before(project: ApiProject) -> None:
    listed: list[list[str]] = []

    def decline(names: list[str]) -> bool:
        listed.append(names)
        return False

    named = api.squashmigrations(
        "polls", "0003", start="0001", squashed_name="base", confirm=decline
    )
    assert (named.name, named.written) == ("0001_base", False)
    assert listed == [["0001_initial", "0002_question_votes", "0003_fill"]]
    result = api.squashmigrations("polls", "0004", start="0002", verify=False)
    assert (result.name, result.checked_on) == ("0002_question_votes_squashed_0004_rename", None)
    squash = loader().get_migration("polls", result.name)
    assert squash.dependencies == [("polls", "0001_initial")]
    assert squash.initial is None
    assert files(project) == sorted([*HISTORY, result.name])


@pytest.mark.backends("sqlite")
def test_half_applied_history_keeps_the_originals_until_they_are_all_applied(
    project: ApiProject,
) -> None:
    api.migrate("polls", "0002")
    api.squashmigrations("polls", "0004")
    status = api.showmigrations("polls")["polls"]
    assert status == [
        ("0001_initial", True),
        ("0002_question_votes", True),
        ("0003_fill", False),
        ("0004_rename", False),
    ]
    assert api.migrate().applied == ["polls.0003_fill", "polls.0004_rename"]
    assert api.showmigrations("polls") == {"polls": [(SQUASH, True)]}
    assert api.migrate().applied == []
    assert api.migrate("polls", "zero").unapplied == [f"polls.{SQUASH}"]
    assert api.showmigrations("polls") == {"polls": [(SQUASH, False)]}


@pytest.mark.backends("sqlite")
@pytest.mark.parametrize(
    ("start", "end", "error", "message"),
    [
        ("0004", "0002", InvalidMigrationPlan, "polls.0004_rename does not come before"),
        ("0001", "0009", NodeNotFoundError, "Cannot find a migration matching '0009'"),
        ("0007", "0004", NodeNotFoundError, "Cannot find a migration matching '0007'"),
        (None, "0003_fill_x", NodeNotFoundError, "matching '0003_fill_x'"),
    ],
    ids=["end_before_start", "missing_end", "missing_start", "missing"],
)
def test_a_range_that_does_not_exist_is_refused(
    project: ApiProject, start: str | None, end: str, error: type, message: str
) -> None:
    with pytest.raises(error, match=message):
        api.squashmigrations("polls", end, start=start, verify=False)
    assert files(project) == list(HISTORY)


@pytest.mark.backends("sqlite")
def test_squashed_migrations_and_the_migrations_they_replace_are_refused(
    project: ApiProject,
) -> None:
    api.squashmigrations("polls", "0002", verify=False)
    squash = "0001_squashed_0002_question_votes"
    with pytest.raises(MigrationError, match=f"cannot squash squashed .*polls.{squash} is one"):
        api.squashmigrations("polls", "0004", verify=False)
    with pytest.raises(MigrationError, match=f"replaced by the squashed migration polls.{squash}"):
        api.squashmigrations("polls", "0004", start="0002", verify=False)
    with pytest.raises(CommandError, match="Migration 0004_rename already exists"):
        api.squashmigrations("polls", "0004", start="0004", squashed_name="rename")
    # the migrations after the squash can be squashed
    later = api.squashmigrations("polls", "0004", start="0003", verify=False)
    # it names the migration before it as written; the graph puts the first squash there
    assert loader().get_migration("polls", later.name).dependencies == [
        ("polls", "0002_question_votes")
    ]
    assert loader().graph.node_map[("polls", later.name)].parent_keys() == {("polls", squash)}
    assert files(project) == sorted([*HISTORY, squash, later.name])


def test_a_squash_that_builds_another_schema_is_refused_with_the_differences(
    project: ApiProject, backend: str, backend_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An optimizer that loses the AddIndex: the check sees the index missing, writes nothing,
    and leaves no scratch database behind."""
    real = squasher.MigrationOptimizer.optimize

    def losing_the_index(self, operations, app_label):  # type: ignore[no-untyped-def]
        kept = [op for op in operations if not isinstance(op, migrations.AddIndex)]
        return real(self, kept, app_label)

    monkeypatch.setattr(squasher.MigrationOptimizer, "optimize", losing_the_index)
    before = _databases(backend_url)
    with pytest.raises(SquashMismatch) as caught:
        api.squashmigrations("polls", "0004")
    message = str(caught.value)
    assert "does not build the schema of the migrations it replaces, so it was not written" in (
        message
    )
    assert "table polls_question: indexes: question_votes_ix (votes DESC) only after the " in (
        message
    )
    assert files(project) == list(HISTORY)
    assert _databases(backend_url) == before


def _databases(url: str) -> set[str]:
    """The databases on the server of ``url`` (nothing on SQLite)."""
    if url.startswith("sqlite"):
        return set()
    database = Database(url)
    try:
        with database.connect() as connection:
            if database.dialect_name == "postgresql":
                rows = connection.exec_driver_sql("SELECT datname FROM pg_database")
            else:
                rows = connection.exec_driver_sql("SHOW DATABASES")
            return {name for (name,) in rows if "_squash_" in name}
    finally:
        database.dispose()


@pytest.mark.backends("sqlite")
def test_functions_of_the_same_name_are_copied_under_their_migration_number(
    project: ApiProject,
) -> None:
    write(
        project,
        "0005_more",
        """
        def forwards(apps, schema_editor):
            apps.get_model("polls", "Question").objects.create(title="second", votes=5)


        class Migration(migrations.Migration):
            dependencies = [("polls", "0004_rename")]
            operations = [migrations.RunPython(forwards)]
        """,
    )
    result = api.squashmigrations("polls", "0005")
    source = result.path.read_text()
    assert "def forwards(apps, schema_editor):" in source
    assert "def forwards_0005(apps, schema_editor):" in source
    assert "migrations.RunPython(\n            code=forwards_0005,\n        )," in source
    api.migrate()
    database = Database(project.database_url)
    try:
        with database.connect() as connection:
            rows = connection.execute(sa.text("SELECT title, votes FROM polls_question")).all()
    finally:
        database.dispose()
    assert sorted(rows) == [("q1 2024-02-29", 3), ("second", 5)]
