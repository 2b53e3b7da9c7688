"""The benchmark's floor: the SQL a command ran, captured by ``bench/traced.py`` and replayed by
``bench/floor.py``, rebuilds the same schema without the tool (no timing here)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).parents[2] / "bench"
sys.path.insert(0, str(BENCH))

from floor import (  # noqa: E402
    floor_statements,
    read_trace,
    replay,
    schema_of,
    statement_counts,
    transactions,
)
from generate import generate  # noqa: E402
from run import run_command  # noqa: E402

pytestmark = pytest.mark.backends("sqlite")


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return generate(tmp_path_factory.mktemp("history"), 2, 4)


@pytest.mark.parametrize("flavour", ["schemashift", "django"])
def test_the_floor_of_migrate_and_rollback_builds_the_same_schema(
    projects: dict[str, Path], flavour: str, tmp_path: Path
) -> None:
    project = projects[flavour]
    database = project / "db.sqlite3"
    database.unlink(missing_ok=True)
    run_command(project, ("migrate",), trace=tmp_path / "migrate.json")
    trace = read_trace(tmp_path / "migrate.json")
    statements = floor_statements(trace)
    every, floor = statement_counts(trace)
    assert every > floor == len(statements) > 0
    assert not any(s.split()[0].upper() in ("BEGIN", "COMMIT") for s in statements)
    pragmas = {s.split()[1] for s in statements if s.upper().startswith("PRAGMA")}
    assert pragmas <= {"writable_schema", "schema_version"}  # a definition edited in place
    assert not any("_migrations" in s for s in statements)
    assert sum(map(len, transactions(trace))) == floor
    assert len(transactions(trace)) == 2 * 4  # a transaction per migration

    replayed = tmp_path / "replayed.sqlite3"
    replay(replayed, [statements])
    migrated = schema_of(database)
    assert any(kind == "table" for kind, _name, _sql in migrated)
    assert schema_of(replayed) == migrated
    replay(replayed, transactions(trace))
    assert schema_of(replayed) == migrated

    start = tmp_path / "migrated.sqlite3"
    shutil.copyfile(database, start)
    commands = [("migrate", app, "zero") for app in ("app00", "app01")]
    trace = []
    for number, args in enumerate(commands):
        run_command(project, args, trace=tmp_path / f"zero{number}.json")
        trace += read_trace(tmp_path / f"zero{number}.json")
    assert schema_of(database) == []
    replay(replayed, [floor_statements(trace)], start)
    assert schema_of(replayed) == []
