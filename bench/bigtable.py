"""A project with one large table, as a schemashift project and an equivalent Django one.

The app ``big`` has three migrations: ``0001_initial`` creates ``big_item`` (id, a
``varchar(50)`` name, an integer); ``0002_item_flag`` adds a NOT NULL integer column with a
default; ``0003_alter_item_name`` widens the name to ``varchar(200)``, which SQLite does by
remaking the table. ``fill`` writes the rows straight into the table.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from generate import FLAVOURS, AppSpec, FieldSpec, Migration, ModelSpec, Operation, write_project

APP, TABLE = "big", "big_item"
ADD_COLUMN, REMAKE = "0002_item_flag", "0003_alter_item_name"


ID_FIELD = FieldSpec(
    "BigAutoField", {"auto_created": True, "primary_key": True, "verbose_name": "ID"}
)


def big_app() -> AppSpec:
    name = FieldSpec("CharField", {"max_length": 50})
    number = FieldSpec("IntegerField", {})
    fields = [
        ("id", ID_FIELD),
        ("name", name),
        ("n", number),
    ]
    flag = FieldSpec("IntegerField", {"default": 0})
    wide = FieldSpec("CharField", {"max_length": 200})
    app = AppSpec(APP)
    app.migrations = [
        Migration(
            "0001_initial",
            [],
            [Operation("CreateModel", {"name": "Item", "fields": fields})],
            initial=True,
        ),
        Migration(
            ADD_COLUMN,
            [(APP, "0001_initial")],
            [Operation("AddField", {"model_name": "item", "name": "flag", "field": flag})],
        ),
        Migration(
            REMAKE,
            [(APP, ADD_COLUMN)],
            [Operation("AlterField", {"model_name": "item", "name": "name", "field": wide})],
        ),
    ]
    app.models = {
        "Item": ModelSpec("Item", {"id": ID_FIELD, "name": wide, "n": number, "flag": flag})
    }
    return app


def generate_big(out: Path) -> dict[str, Path]:
    """Write both flavours under ``out`` (replacing earlier ones); return flavour -> folder."""
    folders = {}
    for flavour in FLAVOURS:
        root = out / flavour
        if root.exists():
            shutil.rmtree(root)
        write_project(root, [big_app()], flavour)
        folders[flavour] = root
    return folders


def fill(database: Path, rows: int) -> None:
    """Insert ``rows`` rows into ``big_item`` in one transaction."""
    connection = sqlite3.connect(database, isolation_level=None)
    try:
        connection.execute("BEGIN")
        connection.execute(
            f"INSERT INTO {TABLE} (name, n) WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL "
            "SELECT x + 1 FROM c WHERE x < ?) SELECT 'item ' || x, x FROM c",
            (rows,),
        )
        connection.execute("COMMIT")
    finally:
        connection.close()


def copy_rows_seconds(database: Path, scratch: Path) -> float:
    """What one ``INSERT ... SELECT`` of every row of ``big_item`` into a new table of the
    same columns costs, in one transaction, on a copy of ``database``."""
    import time

    shutil.copyfile(database, scratch)
    connection = sqlite3.connect(scratch, isolation_level=None)
    try:
        (create,) = connection.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (TABLE,)
        ).fetchone()
        create = create.replace(f'"{TABLE}"', '"copy__big_item"', 1)
        began = time.perf_counter()
        connection.execute("BEGIN")
        connection.execute(create)
        connection.execute(f'INSERT INTO "copy__big_item" SELECT * FROM "{TABLE}"')
        connection.execute("COMMIT")
        return time.perf_counter() - began
    finally:
        connection.close()
        scratch.unlink(missing_ok=True)
