"""Databases, snapshots and kill points for the fault-injection test (tests/e2e).

Each kill point starts from a database of its own in the same start state (PointDatabases).
"""

from __future__ import annotations

import datetime
import json
import math
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from support.databases import create_database, drop_database
from support.tutorial import HISTORY_TABLES

DRIVER = Path(__file__).resolve().parent / "fault_driver.py"
HISTORY_TABLE, PROGRESS_TABLE = "schemashift_migrations", "schemashift_migrations_progress"


def _plain(value: object) -> object:
    return value.isoformat(sep=" ") if isinstance(value, datetime.datetime) else value


def user_url(url: str) -> str:
    """A URL as a user writes it in DATABASE_URL: ``postgresql://``, ``mysql://``, no driver."""
    return re.sub(r"^(\w+)\+\w+://", r"\1://", url)


def _engine(url: str) -> sa.Engine:
    return sa.create_engine(url, poolclass=sa.pool.NullPool)


class PointDatabases:
    """Databases in the start state, one per kill point, next to ``base_url`` (the test's own).

    ``prepare(url)`` brings an empty database to the start state. It runs once on SQLite and
    MySQL/MariaDB, whose start database is then copied for each point; on PostgreSQL, where
    creating a database takes most of a second, the test's own database is emptied
    (``DROP SCHEMA public CASCADE``) and prepared again for each point.
    """

    def __init__(self, base_url: str, folder: Path, prepare: Callable[[str], None]) -> None:
        self.base_url = base_url
        self.folder = folder
        self.prepare = prepare
        self.dialect = make_url(base_url).get_backend_name()
        self.template: str | None = None

    def start(self, label: str) -> str:
        """The URL of a database in the start state, for one run."""
        if self.dialect == "postgresql":
            _empty_postgresql(self.base_url)
            self.prepare(self.base_url)
            return self.base_url
        if self.template is None:
            self.template = self._new("start")
            self.prepare(self.template)
        url = self._new(label)
        if self.dialect == "sqlite":
            if Path(make_url(self.template).database).exists():  # else still empty
                shutil.copyfile(make_url(self.template).database, make_url(url).database)
        else:
            _copy_mysql_tables(self.template, url)
        return url

    def _new(self, label: str) -> str:
        if self.dialect == "sqlite":
            self.folder.mkdir(parents=True, exist_ok=True)
            path = self.folder / f"{label}.sqlite3"
            path.unlink(missing_ok=True)
            return f"sqlite:///{path}"
        return create_database(self.base_url, label)

    def drop(self, url: str) -> None:
        """Forget a database ``start`` made."""
        if self.dialect == "sqlite":
            Path(make_url(url).database).unlink(missing_ok=True)
        elif url != self.base_url:
            drop_database(self.base_url, url)

    def close(self) -> None:
        if self.template is not None:
            self.drop(self.template)


def _empty_postgresql(url: str) -> None:
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("DROP SCHEMA public CASCADE")
            connection.exec_driver_sql("CREATE SCHEMA public")
    finally:
        engine.dispose()


def _copy_mysql_tables(source_url: str, target_url: str) -> None:
    source = make_url(source_url).database
    engine = _engine(target_url)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 0")
            names = connection.execute(
                sa.text(
                    "SELECT table_name FROM information_schema.tables "
                    "WHERE table_schema = :schema AND table_type = 'BASE TABLE'"
                ),
                {"schema": source},
            ).scalars()
            for name in sorted(names):
                create = connection.exec_driver_sql(f"SHOW CREATE TABLE `{source}`.`{name}`")
                connection.exec_driver_sql(create.one()[1])  # unqualified: made in the target
                connection.exec_driver_sql(
                    f"INSERT INTO `{name}` SELECT * FROM `{source}`.`{name}`"
                )
            connection.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 1")
    finally:
        engine.dispose()


class Driver:
    """support/fault_driver.py serving runs in ``folder`` (``--serve``): one start-up for all."""

    def __init__(self, folder: Path, env: dict[str, str], outputs: Path) -> None:
        self.folder = folder
        self.outputs = outputs
        self.outputs.mkdir(parents=True, exist_ok=True)
        self.runs = 0
        self.process = subprocess.Popen(
            [sys.executable, str(DRIVER), "--serve"],
            cwd=folder,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def run(self, argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
        """Run ``argv`` (a schemashift command, or ``["schema_check"]``) in a child process."""
        self.runs += 1
        output = self.outputs / f"run{self.runs}"
        request = {"argv": argv, "env": env, "output": str(output)}
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        if not answer:
            raise RuntimeError(f"the fault driver ended (exit {self.process.wait()})")
        out, err = (Path(f"{output}.{suffix}") for suffix in ("out", "err"))
        result = subprocess.CompletedProcess(
            argv, json.loads(answer)["exit"], out.read_text(), err.read_text()
        )
        out.unlink()
        err.unlink()
        return result

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)


def execute(url: str, statement: str, rows: list[dict]) -> None:
    """Run ``statement`` (``:name`` parameters) once per row and commit."""
    engine = _engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text(statement), rows)
    finally:
        engine.dispose()


@dataclass(frozen=True)
class Snapshot:
    """The rows of every user table (each row as sorted ``(column, value)`` pairs, rows
    sorted), the history and what is noted of interrupted runs."""

    rows: dict[str, list[tuple]]
    history: list[tuple[str, str]]
    progress: list[tuple]

    def differences(self, expected: Snapshot) -> list[str]:
        """What differs from ``expected``, one line per table (a few rows each)."""
        lines = []
        for table in sorted(set(self.rows) | set(expected.rows)):
            have, want = self.rows.get(table), expected.rows.get(table)
            if have is None or want is None:
                lines.append(f"table {table}: {'missing' if have is None else 'not expected'}")
            elif have != want:
                extra = [row for row in have if row not in want]
                missing = [row for row in want if row not in have]
                lines.append(
                    f"table {table} rows differ: unexpected {_few(extra)}, missing {_few(missing)}"
                    f" ({len(have)} rows, {len(want)} expected)"
                )
        if self.history != expected.history:
            lines.append(f"history {self.history}, expected {expected.history}")
        if self.progress:
            lines.append(f"progress of interrupted runs left in {PROGRESS_TABLE}: {self.progress}")
        return lines


def _few(rows: list[tuple], limit: int = 4) -> str:
    shown = ", ".join(" ".join(f"{c}={v!r}" for c, v in row) for row in rows[:limit])
    return f"[{shown}{', ...' if len(rows) > limit else ''}]"


def snapshot(url: str) -> Snapshot:
    engine = _engine(url)
    try:
        with engine.connect() as connection:
            names = set(sa.inspect(connection).get_table_names())
            rows = {}
            for name in sorted(names - HISTORY_TABLES):
                table = sa.table(name)
                result = connection.execute(sa.select(sa.text("*")).select_from(table))
                rows[name] = sorted(
                    tuple(sorted((key, _plain(value)) for key, value in row.items()))
                    for row in result.mappings()
                )
            history = []
            if HISTORY_TABLE in names:
                history = sorted(
                    tuple(row)
                    for row in connection.execute(sa.text(f"SELECT app, name FROM {HISTORY_TABLE}"))
                )
            progress = []
            if PROGRESS_TABLE in names:
                progress = [
                    tuple(row)
                    for row in connection.execute(sa.text(f"SELECT * FROM {PROGRESS_TABLE}"))
                ]
    finally:
        engine.dispose()
    return Snapshot(rows, history, progress)


def describe_event(event: dict) -> str:
    """``#37 execute DROP TABLE ... [polls.0003_widen op 2 AlterField: ...]``."""
    what = event["kind"] if event["kind"] == "commit" else event["sql"][:160]
    where = event.get("migration", "before any migration")
    if "operation" in event:
        where += f" op {event['operation']}"
    elif "after" in event:
        where += f" after op {event['after']}"
    return f"#{event['n']} {what} [{where}]"


def choose_points(
    events: list[dict], every: bool = False, spread: int = 4, inside_operations: bool = True
) -> list[int]:
    """The kill points to try: all of them, or about ``spread`` evenly spaced ones, the first
    event after each RunPython and (``inside_operations``) one inside each operation of several
    statements, with some of them done and some not."""
    total = len(events)
    if every:
        return list(range(1, total + 1))
    step = max(1, math.ceil(total / spread))
    chosen = set(range(step, total + 1, step))
    for before, event in zip(events, events[1:], strict=False):
        if "RunPython" in before.get("operation", "") and "RunPython" not in event.get(
            "operation", ""
        ):
            chosen.add(event["n"])
    if inside_operations:
        statements = defaultdict(list)
        for event in events:
            if "operation" in event:
                statements[event["migration"], event["operation"]].append(event["n"])
        chosen.update(
            numbers[len(numbers) // 2] for numbers in statements.values() if len(numbers) >= 2
        )
    return sorted(chosen)
