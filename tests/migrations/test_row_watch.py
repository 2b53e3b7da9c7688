"""A run that begins on a database without rows reads no table to find rows until an operation
that can write them has run (``migrations/row_watch.py``); after one has, tables holding rows
are found and changed in the forms that keep their writers going."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.api_project import ApiProject, api_project_at
from support.stock_migrations import CREATE_ITEM, FILL_WITH_PYTHON, write

from schemashift import api
from schemashift.db.connection import Database, editor_class

pytestmark = pytest.mark.backends("postgresql", "mysql")

ITEM_MODEL = """
from schemashift import models


class Item(models.Model):
    note = models.CharField(max_length=20, null=True)

    class Meta:
        indexes = [
            models.Index(fields=["note"], name="item_note_idx"),
        ]
"""


def index_note(name: str, after: str) -> str:
    return f"""
    class Migration(migrations.Migration):
        dependencies = [("stock", "{after}")]
        operations = [
            migrations.AddIndex("item", models.Index(fields=["note"], name="{name}")),
        ]
    """


@pytest.fixture
def project(tmp_path: Path, backend_url: str, monkeypatch: pytest.MonkeyPatch) -> ApiProject:
    with api_project_at(tmp_path / "site", backend_url, ("stock",), monkeypatch) as site:
        yield site


@pytest.fixture
def row_reads(backend: str, monkeypatch: pytest.MonkeyPatch) -> list[set[str]]:
    """The tables each read for rows asked about."""
    editor = editor_class(backend)
    reads: list[set[str]] = []
    real = editor.tables_holding_rows.__func__

    def counted(cls, connection, tables):
        reads.append(set(tables))
        return real(cls, connection, tables)

    monkeypatch.setattr(editor, "tables_holding_rows", classmethod(counted))
    return reads


def statements(**options) -> list[str]:
    events = []
    api.migrate(progress=events.append, **options)
    return [event.sql for event in events if event.kind == "statement"]


def test_a_fresh_run_of_schema_operations_reads_no_table_for_rows(
    project: ApiProject, row_reads: list[set[str]]
) -> None:
    write(project, "0001_initial", CREATE_ITEM)
    write(project, "0002_index", index_note("item_note_idx", "0001_initial"))
    project.load()
    api.migrate()
    assert row_reads == []
    write(project, "0003_index", index_note("item_note_2_idx", "0002_index"))
    project.load()
    api.migrate()
    assert row_reads == [{"stock_item"}]


def test_rows_a_data_migration_wrote_in_a_fresh_run_are_found(
    project: ApiProject, row_reads: list[set[str]], backend: str
) -> None:
    write(project, "0001_initial", CREATE_ITEM)
    write(project, "0002_fill", FILL_WITH_PYTHON)
    write(project, "0003_index", index_note("item_note_idx", "0002_fill"))
    project.load()
    ran = statements()
    assert row_reads and row_reads[-1] == {"stock_item"}
    if backend == "postgresql":
        (index,) = [sql for sql in ran if "item_note_idx" in sql]
        assert index.startswith('CREATE INDEX CONCURRENTLY "item_note_idx"')


@pytest.mark.parametrize("makes_a_table", [False, True], ids=["quiet", "making-a-table"])
def test_a_run_looks_at_the_tables_once_the_pre_migrate_receivers_have_run(
    project: ApiProject, row_reads: list[set[str]], makes_a_table: bool
) -> None:
    """A pre_migrate receiver that makes (and may fill) a table leaves a database that is no
    longer without rows; one that touches nothing leaves it as it was."""
    from schemashift.models.signals import pre_migrate

    def receiver(**kwargs) -> None:
        if makes_a_table:
            database = Database(project.database_url)
            try:
                with database.connect() as connection, connection.begin():
                    connection.exec_driver_sql("CREATE TABLE side_note (id INTEGER)")
                    connection.exec_driver_sql("INSERT INTO side_note VALUES (1)")
            finally:
                database.dispose()

    write(project, "0001_initial", CREATE_ITEM)
    write(project, "0002_index", index_note("item_note_idx", "0001_initial"))
    project.load({"stock": ITEM_MODEL})
    pre_migrate.connect(receiver)
    try:
        api.migrate()
    finally:
        pre_migrate.disconnect(receiver)
    assert row_reads == ([{"stock_item"}] if makes_a_table else [])
