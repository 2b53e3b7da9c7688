"""The data-loss gate on tables a run makes or renames before a later migration of the same run
drops what they hold: each such loss is looked at just before its migration runs, whether the
rows came from before the run or from a data migration earlier in it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from support.api_project import ApiProject, api_project_at
from support.stock_migrations import CREATE_ITEM, FILL_WITH_PYTHON, write

from schemashift import api
from schemashift.db.connection import Database
from schemashift.exceptions import DataLossRefused

FILL_WITH_SQL = """
    class Migration(migrations.Migration):
        dependencies = [("stock", "0001_initial")]
        operations = [
            migrations.RunSQL(
                "INSERT INTO stock_item (note) VALUES ('kept')", migrations.RunSQL.noop
            )
        ]
    """

RENAME_ITEM = """
    class Migration(migrations.Migration):
        dependencies = [("stock", "0001_initial")]
        operations = [migrations.RenameModel("Item", "Thing")]
    """


def remove_note(model: str, after: str) -> str:
    return f"""
    class Migration(migrations.Migration):
        dependencies = [("stock", "{after}")]
        operations = [migrations.RemoveField("{model}", "note")]
    """


@pytest.fixture
def project(tmp_path: Path, backend_url: str, monkeypatch: pytest.MonkeyPatch) -> ApiProject:
    with api_project_at(tmp_path / "site", backend_url, ("stock",), monkeypatch) as site:
        yield site


@pytest.fixture
def database(project: ApiProject) -> Iterator[Database]:
    found = Database(project.database_url)
    yield found
    found.dispose()


def applied(database: Database) -> list[str]:
    with database.connect() as connection:
        rows = connection.execute(sa.text("SELECT name FROM schemashift_migrations ORDER BY id"))
        return [name for (name,) in rows]


@pytest.mark.parametrize("fill", [FILL_WITH_PYTHON, FILL_WITH_SQL], ids=["RunPython", "RunSQL"])
def test_rows_a_data_migration_wrote_earlier_in_a_fresh_run_are_not_dropped(
    project: ApiProject, database: Database, fill: str
) -> None:
    write(project, "0001_initial", CREATE_ITEM)
    write(project, "0002_fill", fill)
    write(project, "0003_remove_note", remove_note("item", "0002_fill"))
    project.load()
    with pytest.raises(DataLossRefused) as refused:
        api.migrate()
    message = str(refused.value)
    assert "stock.0003_remove_note, operation 1 (Remove field note from item)" in message
    assert "stock.0003_remove_note was not run" in message
    assert applied(database) == ["0001_initial", "0002_fill"]
    api.migrate(allow_data_loss=True)
    assert applied(database) == ["0001_initial", "0002_fill", "0003_remove_note"]


def test_a_fresh_run_of_schema_operations_drops_columns_of_the_empty_tables_it_made(
    project: ApiProject, database: Database
) -> None:
    write(project, "0001_initial", CREATE_ITEM)
    write(project, "0002_rename", RENAME_ITEM)
    write(project, "0003_remove_note", remove_note("thing", "0002_rename"))
    project.load()
    api.migrate()
    assert applied(database) == ["0001_initial", "0002_rename", "0003_remove_note"]


def test_rows_from_before_the_run_in_a_table_the_run_renames_are_not_dropped(
    project: ApiProject, database: Database
) -> None:
    write(project, "0001_initial", CREATE_ITEM)
    project.load()
    api.migrate()
    with database.connect() as connection, connection.begin():
        connection.execute(sa.text("INSERT INTO stock_item (note) VALUES ('kept')"))
    write(project, "0002_rename", RENAME_ITEM)
    write(project, "0003_remove_note", remove_note("thing", "0002_rename"))
    project.load()
    with pytest.raises(DataLossRefused, match="stock.0003_remove_note was not run"):
        api.migrate()
    assert applied(database) == ["0001_initial", "0002_rename"]
    with database.connect() as connection:
        notes = connection.execute(sa.text("SELECT note FROM stock_thing")).all()
    assert notes == [("kept",)]
