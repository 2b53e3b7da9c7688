"""Time schemashift and Django on the same generated histories, and each against its floor.

    python bench/run.py                      # quick: 40 and 200 migrations, 100,000 rows, 3 runs
    python bench/run.py --size full          # 200 and 1,000 migrations, 1,000,000 rows, 5 runs
    python bench/run.py --histories 10x100 --rows 0 --runs 3 [--keep DIR] [--database-url URL]

For each history (see generate.py) it times, as a user runs them, in subprocesses: ``migrate``
on a fresh database, ``makemigrations --check``, ``showmigrations``, ``sqlmigrate`` of the last
migration, and rolling everything back (``migrate APP zero`` app by app); for the big table
(bigtable.py), adding a NOT NULL column with a default and remaking the table. Each workload
runs once under ``traced.py`` (untimed: statement counts and the SQL for the floor), then
``--runs`` times; the floor is that SQL replayed without the tool (floor.py).

By default each tool uses a SQLite file in its project. With ``--database-url`` (the admin URL
of a PostgreSQL or MySQL/MariaDB server, as SQLAlchemy takes it) each tool gets a database of
its own on that server instead, ``bench_schemashift`` and ``bench_django``, dropped and created
anew (untimed) before every run that needs a fresh one and dropped at the end unless ``--keep``
is given; the commands find it through ``DATABASE_URL``. The floor is replayed there on a
third database of each tool's, ``bench_<tool>_floor``, brought to the workload's starting
point by replaying the floor that led there. The big table is SQLite's only.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bigtable import ADD_COLUMN, APP, REMAKE, copy_rows_seconds, fill, generate_big
from floor import (
    floor_statements,
    kinds,
    read_trace,
    replay,
    replay_on_server,
    statement_counts,
    transactions,
)
from generate import DATABASE_URL_ENV, FLAVOURS, generate

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

#: variables of the calling shell that would point the commands at another project
# Settings of the calling shell, and PYTHONDONTWRITEBYTECODE: the projects are timed as on a
# user's machine, where migration modules are compiled once and read back from __pycache__.
FOREIGN_ENV = (
    "SCHEMASHIFT_SETTINGS",
    "DJANGO_SETTINGS_MODULE",
    "DATABASE_URL",
    "PYTHONDONTWRITEBYTECODE",
)


TRACED_PY = Path(__file__).with_name("traced.py")
Log = Callable[[str], None]


class CommandFailed(Exception):
    """A timed command exited with an error; the message holds its output."""


def run_command(
    project: Path,
    args: tuple[str, ...],
    database_url: str | None = None,
    trace: Path | None = None,
) -> float:
    """Run ``python manage.py *args`` in ``project``; return its wall time in seconds.

    ``database_url``, when given, is passed as ``DATABASE_URL``; otherwise the project's own
    settings (SQLite) apply. ``trace``: run under ``traced.py``, writing the statements the
    command executed there (SQLite)."""
    env = {key: value for key, value in os.environ.items() if key not in FOREIGN_ENV}
    if database_url is not None:
        env[DATABASE_URL_ENV] = database_url
    prefix = [str(TRACED_PY), str(trace)] if trace is not None else []
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, *prefix, "manage.py", *args],
        cwd=project,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip().splitlines()
        tail = "\n".join(output[-15:])
        raise CommandFailed(f"manage.py {' '.join(args)} exited with {result.returncode}:\n{tail}")
    return elapsed


class SQLiteDatabases:
    """Each tool's ``db.sqlite3`` in its project folder, as the generated settings have it."""

    title = "SQLite"

    def url(self, flavour: str) -> str | None:
        return None

    def recreate(self, flavour: str, project: Path) -> None:
        (project / "db.sqlite3").unlink(missing_ok=True)

    def drop_all(self) -> None:
        pass


class ServerDatabases:
    """A database of each tool's own on one PostgreSQL or MySQL/MariaDB server."""

    def __init__(self, admin_url: str):
        import sqlalchemy as sa
        from sqlalchemy.engine import make_url

        self._admin_url = make_url(admin_url)
        self._engine = sa.create_engine(
            self._admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool
        )
        dialect = self._engine.dialect
        if dialect.name not in ("postgresql", "mysql"):
            raise ValueError(f"expected a PostgreSQL or MySQL/MariaDB server, got {dialect.name}")
        with self._engine.connect():  # reads the server version; fails early when unreachable
            pass
        if dialect.name == "postgresql":
            name = "PostgreSQL"
        else:
            name = "MariaDB" if getattr(dialect, "is_mariadb", False) else "MySQL"
        version = ".".join(str(part) for part in dialect.server_version_info or ())
        self.title = f"{name} {version}".strip()
        self._created: set[str] = set()

    @staticmethod
    def database_name(flavour: str) -> str:
        return f"bench_{flavour}"

    @staticmethod
    def floor_name(flavour: str) -> str:
        return f"bench_{flavour}_floor"

    def url(self, flavour: str, name: str | None = None) -> str:
        url = self._admin_url.set(database=name or self.database_name(flavour))
        return url.render_as_string(hide_password=False)

    def _drop(self, connection: Connection, name: str) -> None:
        quoted = self._engine.dialect.identifier_preparer.quote_identifier(name)
        force = " WITH (FORCE)" if self._engine.dialect.name == "postgresql" else ""
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {quoted}{force}")

    def recreate(self, flavour: str, project: Path | None = None, name: str | None = None) -> None:
        """Drop and create the tool's database (or the one named)."""
        name = name or self.database_name(flavour)
        quoted = self._engine.dialect.identifier_preparer.quote_identifier(name)
        with self._engine.connect() as connection:
            self._drop(connection, name)
            connection.exec_driver_sql(f"CREATE DATABASE {quoted}")
        self._created.add(name)

    def drop_all(self) -> None:
        with self._engine.connect() as connection:
            for name in sorted(self._created):
                self._drop(connection, name)
        self._created.clear()


Databases = SQLiteDatabases | ServerDatabases


# -- workloads ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Workload:
    """Commands timed together, on a database prepared (untimed) before each run.

    ``start``: "fresh" (no database), a template saved by an earlier workload, or None (the
    database as the previous workload left it: commands that only read). ``saves``: the
    template this workload's result is kept as. ``floor``: whether its SQL is replayed."""

    name: str
    commands: Callable[[Path], list[tuple[str, ...]]]
    start: str | None
    saves: str | None = None
    floor: bool = False
    #: untimed commands that bring a server database to ``start`` (SQLite copies a template)
    prepare: tuple[tuple[str, ...], ...] = ()


def _apps(project: Path) -> list[str]:
    return sorted(path.parent.name for path in project.glob("*/migrations"))


def _last_migration(project: Path) -> tuple[str, ...]:
    app = _apps(project)[-1]
    names = sorted(p.stem for p in (project / app / "migrations").glob("0*.py"))
    return ("sqlmigrate", app, names[-1])


def _roll_back_all(project: Path) -> list[tuple[str, ...]]:
    return [("migrate", app, "zero") for app in _apps(project)]


def history_workloads() -> list[Workload]:
    return [
        Workload("migrate (fresh db)", lambda p: [("migrate",)], "fresh", "migrated", True),
        Workload("makemigrations --check", lambda p: [("makemigrations", "--check")], None),
        Workload("showmigrations", lambda p: [("showmigrations",)], None),
        Workload("sqlmigrate (last migration)", lambda p: [_last_migration(p)], None),
        Workload(
            "roll everything back", _roll_back_all, "migrated", floor=True, prepare=(("migrate",),)
        ),
    ]


def big_table_workloads(rows: int) -> list[Workload]:
    return [
        Workload(
            f"{rows:,} rows: add NOT NULL column with default",
            lambda p: [("migrate", APP, ADD_COLUMN)],
            "filled",
            "added",
            True,
        ),
        Workload(
            f"{rows:,} rows: remake (widen varchar)",
            lambda p: [("migrate", APP, REMAKE)],
            "added",
            floor=True,
        ),
    ]


@dataclass
class Measure:
    """One tool's figures for one workload."""

    median: float | None = None
    error: str | None = None
    floor: float | None = None
    floor_commits: float | None = None
    statements: tuple[int, int] | None = None
    kinds: dict[str, int] = field(default_factory=dict)


@dataclass
class Result:
    workload: str
    measures: dict[str, Measure] = field(default_factory=dict)
    #: a reference cost shown in the floor columns (one INSERT ... SELECT of the big table)
    reference: float | None = None


class Bench:
    """Runs workloads for both tools on one pair of projects."""

    def __init__(self, projects: dict[str, Path], runs: int, databases: Databases, log: Log):
        self.projects = projects
        self.runs = runs
        self.databases = databases
        self.log = log
        #: on a server, the floor statements that lead to each saved template, per tool
        self._floor_templates: dict[tuple[str, str], list[str]] = {}

    def _db(self, flavour: str) -> Path:
        return self.projects[flavour] / "db.sqlite3"

    def _template(self, flavour: str, name: str) -> Path:
        folder = self.projects[flavour] / ".bench"
        folder.mkdir(exist_ok=True)
        return folder / f"{name}.sqlite3"

    def save(self, flavour: str, name: str) -> None:
        if isinstance(self.databases, SQLiteDatabases):
            shutil.copyfile(self._db(flavour), self._template(flavour, name))

    def _prepare(self, workload: Workload, flavour: str) -> None:
        project = self.projects[flavour]
        if workload.start is None:
            return
        if not isinstance(self.databases, SQLiteDatabases):
            self.databases.recreate(flavour, project)
            for args in workload.prepare if workload.start != "fresh" else ():
                run_command(project, args, self.databases.url(flavour))
            return
        self._db(flavour).unlink(missing_ok=True)
        if workload.start != "fresh":
            shutil.copyfile(self._template(flavour, workload.start), self._db(flavour))

    def _run(self, workload: Workload, flavour: str, trace: Path | None = None) -> float:
        project = self.projects[flavour]
        url = self.databases.url(flavour)
        return sum(run_command(project, args, url, trace) for args in workload.commands(project))

    def measure(self, workload: Workload, flavour: str) -> Measure:
        """A traced warm-up run (statements, floor), then ``runs`` timed ones."""
        found = Measure()
        project = self.projects[flavour]
        trace: list[str] = []
        self._prepare(workload, flavour)
        for number, args in enumerate(workload.commands(project)):
            path = project / ".bench" / f"trace{number}.json"
            path.parent.mkdir(exist_ok=True)
            run_command(project, args, self.databases.url(flavour), path)
            trace += read_trace(path)
        if workload.saves:
            self.save(flavour, workload.saves)
            self._floor_templates[flavour, workload.saves] = [
                *self._floor_templates.get((flavour, workload.start or ""), []),
                *floor_statements(trace),
            ]
        times = []
        for _ in range(self.runs):
            self._prepare(workload, flavour)
            times.append(self._run(workload, flavour))
        found.median = statistics.median(times)
        found.statements = statement_counts(trace)
        found.kinds = dict(kinds(trace))
        if workload.floor:
            one = [floor_statements(trace)]
            found.floor = statistics.median(
                self._replay(workload, flavour, one) for _ in range(self.runs)
            )
            each = transactions(trace)
            found.floor_commits = statistics.median(
                self._replay(workload, flavour, each) for _ in range(self.runs)
            )
        return found

    def _replay(self, workload: Workload, flavour: str, groups: list[list[str]]) -> float:
        """Seconds to run the groups of floor statements from the workload's starting point:
        on SQLite a copy of its template, on a server the floor database with the floor that
        led to that template replayed first (untimed)."""
        if isinstance(self.databases, SQLiteDatabases):
            start = None if workload.start == "fresh" else self._template(flavour, workload.start)
            scratch = self.projects[flavour] / ".bench" / "floor.sqlite3"
            try:
                return replay(scratch, groups, start)
            finally:
                scratch.unlink(missing_ok=True)
        name = self.databases.floor_name(flavour)
        self.databases.recreate(flavour, name=name)
        url = self.databases.url(flavour, name)
        if workload.start not in (None, "fresh"):
            replay_on_server(url, [self._floor_templates[flavour, workload.start]])
        return replay_on_server(url, groups)

    def run(self, workloads: list[Workload]) -> list[Result]:
        """Every workload with every tool; a tool that fails one skips the rest."""
        results = [Result(workload.name) for workload in workloads]
        for flavour in FLAVOURS:
            failed: str | None = None
            for workload, result in zip(workloads, results, strict=True):
                if failed is not None:
                    result.measures[flavour] = Measure(error=failed)
                    continue
                self.log(f"{flavour}: {workload.name} x {self.runs} ...")
                try:
                    result.measures[flavour] = self.measure(workload, flavour)
                except CommandFailed as exc:
                    failed = str(exc)
                    result.measures[flavour] = Measure(error=failed)
        return results


def run_history(
    out: Path, apps: int, per_app: int, seed: int, runs: int, databases: Databases, log: Log
) -> list[Result]:
    log(f"Generating {apps * per_app} migrations ({apps} apps) in {out}")
    projects = generate(out, apps, per_app, seed)
    return Bench(projects, runs, databases, log).run(history_workloads())


def run_big_table(out: Path, rows: int, runs: int, log: Log) -> list[Result]:
    log(f"Generating the big-table project in {out}, filling {rows:,} rows")
    projects = generate_big(out)
    bench = Bench(projects, runs, SQLiteDatabases(), log)
    for flavour, project in projects.items():
        (project / "db.sqlite3").unlink(missing_ok=True)
        run_command(project, ("migrate", APP, "0001_initial"))
        fill(project / "db.sqlite3", rows)
        bench.save(flavour, "filled")
    results = bench.run(big_table_workloads(rows))
    reference = Result("one INSERT ... SELECT of the table (reference)")
    added = bench._template(FLAVOURS[0], "added")
    scratch = added.with_name("reference.sqlite3")
    reference.reference = statistics.median(copy_rows_seconds(added, scratch) for _ in range(runs))
    return [*results, reference]


# -- the table ------------------------------------------------------------------------------


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f} s"


def _ratio(value: float | None, floor: float | None) -> str:
    return "-" if value is None or not floor else f"{value / floor:.2f}"


def _count(measure: Measure) -> str:
    return (
        "-" if measure.statements is None else f"{measure.statements[0]} / {measure.statements[1]}"
    )


def table_rows(results: list[Result]) -> list[tuple[str, ...]]:
    rows = []
    for result in results:
        if result.reference is not None:
            rows.append((result.workload, "", "", _seconds(result.reference), "", "", "", "", ""))
            continue
        ours, theirs = result.measures["schemashift"], result.measures["django"]
        rows.append(
            (
                result.workload,
                "failed" if ours.error else _seconds(ours.median),
                "failed" if theirs.error else _seconds(theirs.median),
                _seconds(ours.floor),
                _ratio(ours.median, ours.floor),
                _seconds(theirs.floor),
                _ratio(theirs.median, theirs.floor),
                _count(ours),
                _count(theirs),
            )
        )
    return rows


HEADERS = (
    "workload",
    "schemashift",
    "Django",
    "floor (ours)",
    "ours ÷ floor",
    "floor (Django)",
    "Django ÷ floor",
    "statements ours (all / floor)",
    "statements Django",
)
CAPTION = "medians; floor = the DDL the tool ran, replayed as one script in one transaction"


def print_table(title: str, results: list[Result]) -> None:
    rows = table_rows(results)
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:
        widths = [max(len(row[i]) for row in [HEADERS, *rows]) for i in range(len(HEADERS))]
        print(title)
        for row in [HEADERS, *rows]:
            cells = [cell.rjust(width) for cell, width in zip(row, widths, strict=True)]
            cells[0] = row[0].ljust(widths[0])
            print("  ".join(cells))
        print(CAPTION)
        return
    table = Table(title=title, caption=CAPTION)
    for i, header in enumerate(HEADERS):
        table.add_column(header, justify="left" if i == 0 else "right")
    for row in rows:
        table.add_row(*row)
    Console(width=200).print(table)


def print_notes(results: list[Result]) -> None:
    """The floor with the tool's own commits, and the remake against one INSERT ... SELECT."""
    reference = next((r.reference for r in results if r.reference is not None), None)
    for result in results:
        for flavour, measure in result.measures.items():
            if measure.floor_commits is not None:
                print(
                    f"  {result.workload}, {flavour}: floor with its {flavour} commits "
                    f"{_seconds(measure.floor_commits)} "
                    f"(÷ {_ratio(measure.median, measure.floor_commits)})"
                )
            if reference and "remake" in result.workload and measure.median is not None:
                print(
                    f"  {result.workload}, {flavour}: ÷ one INSERT ... SELECT "
                    f"{measure.median / reference:.2f} (floor ÷ it "
                    f"{_ratio(measure.floor, reference)})"
                )


SIZES = {
    # (apps, migrations per app) per history, rows of the big table, timed runs
    "quick": ([(4, 10), (10, 20)], 100_000, 3),
    "full": ([(10, 20), (10, 100)], 1_000_000, 5),
}


def _history(text: str) -> tuple[int, int]:
    apps, _, per_app = text.partition("x")
    return int(apps), int(per_app)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="quick")
    parser.add_argument(
        "--histories",
        help="comma-separated APPSxMIGRATIONS histories, e.g. 10x20,10x100 (default: --size's)",
    )
    parser.add_argument("--rows", type=int, help="rows of the big table (0: leave it out)")
    parser.add_argument("--runs", type=int, help="timed runs per workload")
    parser.add_argument("--seed", type=int, default=1, help="the generated history (default 1)")
    parser.add_argument(
        "--keep",
        type=Path,
        metavar="DIR",
        help="generate the projects into DIR and leave them there (default: a temporary folder)",
    )
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="admin URL of a PostgreSQL or MySQL/MariaDB server to run on, e.g. "
        "postgresql+psycopg://postgres@127.0.0.1:5432/postgres (default: SQLite files)",
    )
    args = parser.parse_args(argv)
    sizes, rows, runs = SIZES[args.size]
    histories = [_history(h) for h in args.histories.split(",")] if args.histories else sizes
    rows = rows if args.rows is None else args.rows
    runs = args.runs or runs
    if runs < 1 or any(a < 1 or m < 1 for a, m in histories):
        parser.error("--histories and --runs must be at least 1")

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    databases: Databases = SQLiteDatabases()
    if args.database_url:
        try:
            databases = ServerDatabases(args.database_url)
        except Exception as exc:  # a bad URL, a missing driver, a server that does not answer
            parser.error(f"--database-url: {type(exc).__name__}: {exc}")
        names = ", ".join(databases.database_name(flavour) for flavour in FLAVOURS)
        log(f"Running on {databases.title}: databases {names}")
    failures: set[tuple[str, str]] = set()
    with tempfile.TemporaryDirectory(prefix="schemashift-bench-") as scratch:
        out = args.keep or Path(scratch)
        tables = []
        try:
            for apps, per_app in histories:
                folder = out / f"history-{apps}x{per_app}"
                results = run_history(folder, apps, per_app, args.seed, runs, databases, log)
                title = (
                    f"{apps * per_app} migrations in {apps} apps, {databases.title}, "
                    f"median of {runs} runs"
                )
                tables.append((title, results))
            if rows and isinstance(databases, SQLiteDatabases):
                results = run_big_table(out / "big-table", rows, runs, log)
                tables.append((f"One table of {rows:,} rows, SQLite, median of {runs}", results))
        finally:
            if not args.keep:
                databases.drop_all()
    for title, results in tables:
        print_table(title, results)
        print_notes(results)
        for result in results:
            for flavour, measure in result.measures.items():
                if measure.error:
                    failures.add((flavour, measure.error))
    for flavour, error in sorted(failures):
        print(f"\n{flavour} failed: {error}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
