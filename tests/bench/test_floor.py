"""The benchmark's floor: the SQL a command ran, captured by ``bench/traced.py`` and replayed by
``bench/floor.py``, rebuilds the same schema without the tool, on SQLite and on the servers
(no timing here)."""

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
    replay_on_server,
    schema_of,
    server_schema_of,
    statement_counts,
    transactions,
)
from generate import generate  # noqa: E402
from run import run_command  # noqa: E402


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return generate(tmp_path_factory.mktemp("history"), 2, 4)


@pytest.mark.backends("sqlite")
@pytest.mark.parametrize("flavour", ["schemashift", "django"])
def test_the_floor_of_migrate_and_rollback_builds_the_same_schema(
    backend: str, projects: dict[str, Path], flavour: str, tmp_path: Path
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


def _assert_is_the_floor(trace: list[str], migrations: int | None = None) -> list[str]:
    statements = floor_statements(trace)
    every, floor = statement_counts(trace)
    assert every > floor == len(statements) > 0
    words = {s.split()[0].upper() for s in statements}
    assert not words & {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RESET", "SELECT"}
    settings = [s for s in statements if s.upper().startswith("SET ")]
    assert all(s.upper().startswith("SET STATEMENT ") for s in settings)  # MariaDB's SET ... FOR
    assert not any("_migrations" in s or s.startswith("--") for s in statements)
    assert sum(map(len, transactions(trace))) == floor
    if migrations is not None:
        assert len(transactions(trace)) == migrations
    return statements


@pytest.mark.backends("postgresql", "mysql")
@pytest.mark.parametrize("flavour", ["schemashift", "django"])
def test_the_server_floor_of_migrate_and_rollback_builds_the_same_schema(
    projects: dict[str, Path],
    flavour: str,
    backend: str,
    backend_url: str,
    other_backend_url: str,
    tmp_path: Path,
) -> None:
    project = projects[flavour]
    run_command(project, ("migrate",), backend_url, trace=tmp_path / "migrate.json")
    trace = read_trace(tmp_path / "migrate.json")
    # a transaction per migration; MySQL/MariaDB commit DDL statement by statement
    migrations = 2 * 4 if backend == "postgresql" else None
    statements = _assert_is_the_floor(trace, migrations)
    migrated = server_schema_of(backend_url)
    assert any(table["foreign keys"] for table in migrated.values())

    replay_on_server(other_backend_url, transactions(trace))
    assert server_schema_of(other_backend_url) == migrated

    trace = []
    for number, app in enumerate(("app00", "app01")):
        path = tmp_path / f"zero{number}.json"
        run_command(project, ("migrate", app, "zero"), backend_url, trace=path)
        trace += read_trace(path)
    assert server_schema_of(backend_url) == {}
    replay_on_server(other_backend_url, [_assert_is_the_floor(trace)])
    assert server_schema_of(other_backend_url) == {}

    replay_on_server(other_backend_url, [statements])
    assert server_schema_of(other_backend_url) == migrated
