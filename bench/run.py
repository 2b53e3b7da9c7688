"""Time schemashift against Django on the same generated migration history.

    python bench/run.py [--apps 10] [--migrations-per-app 100] [--runs 5] [--keep DIR]
                        [--database-url URL]

generates both projects (see generate.py), then times each workload as a subprocess, exactly as
a user runs it, ``--runs`` times per tool after one untimed warm-up run (which also writes the
bytecode caches):

- ``migrate``: every migration, on a fresh database each run;
- ``makemigrations --check``: nothing to do (after migrate);
- ``showmigrations``: every migration listed as applied.

It prints the median wall time of each and the ratio schemashift / Django (below 1: faster).
Uses rich for the table when it is installed, plain text otherwise.

By default each tool uses a SQLite file in its project. With ``--database-url`` (the admin URL
of a PostgreSQL or MySQL/MariaDB server, as SQLAlchemy takes it) each tool gets a database of
its own on that server instead, ``bench_schemashift`` and ``bench_django``, dropped and created
anew (untimed) before every fresh-database run and dropped at the end unless ``--keep`` is
given; the commands find it through ``DATABASE_URL``. That needs SQLAlchemy and the server's
driver, which the project's virtualenv has.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from generate import DATABASE_URL_ENV, FLAVOURS, add_size_arguments, generate

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


@dataclass(frozen=True)
class Workload:
    name: str
    args: tuple[str, ...]
    fresh_database: bool


WORKLOADS = (
    Workload("migrate (fresh db)", ("migrate",), fresh_database=True),
    Workload("makemigrations --check", ("makemigrations", "--check"), fresh_database=False),
    Workload("showmigrations", ("showmigrations",), fresh_database=False),
)


class CommandFailed(Exception):
    """A timed command exited with an error; the message holds its output."""


def run_command(project: Path, args: tuple[str, ...], database_url: str | None = None) -> float:
    """Run ``python manage.py *args`` in ``project``; return its wall time in seconds.

    ``database_url``, when given, is passed as ``DATABASE_URL``; otherwise the project's own
    settings (SQLite) apply."""
    env = {key: value for key, value in os.environ.items() if key not in FOREIGN_ENV}
    if database_url is not None:
        env[DATABASE_URL_ENV] = database_url
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
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

    def url(self, flavour: str) -> str:
        url = self._admin_url.set(database=self.database_name(flavour))
        return url.render_as_string(hide_password=False)

    def _drop(self, connection: Connection, name: str) -> None:
        quoted = self._engine.dialect.identifier_preparer.quote_identifier(name)
        force = " WITH (FORCE)" if self._engine.dialect.name == "postgresql" else ""
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {quoted}{force}")

    def recreate(self, flavour: str, project: Path) -> None:
        name = self.database_name(flavour)
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


def time_workload(
    project: Path, workload: Workload, runs: int, databases: Databases, flavour: str
) -> list[float]:
    """One warm-up run, then ``runs`` timed ones."""
    times = []
    for attempt in range(runs + 1):
        if workload.fresh_database:
            databases.recreate(flavour, project)
        elapsed = run_command(project, workload.args, databases.url(flavour))
        if attempt:
            times.append(elapsed)
    return times


@dataclass
class Result:
    workload: Workload
    medians: dict[str, float | None]
    errors: dict[str, str]

    @property
    def ratio(self) -> float | None:
        ours, theirs = self.medians.get("schemashift"), self.medians.get("django")
        return ours / theirs if ours is not None and theirs else None


def run_benchmark(
    projects: dict[str, Path],
    runs: int,
    log: Callable[[str], None],
    databases: Databases | None = None,
) -> list[Result]:
    """Time every workload with every tool. A tool that fails a workload skips the rest."""
    databases = databases or SQLiteDatabases()
    results = [Result(workload, {}, {}) for workload in WORKLOADS]
    for flavour in FLAVOURS:
        for result in results:
            if flavour in result.errors:
                continue
            log(f"{flavour}: {result.workload.name} x {runs} ...")
            try:
                times = time_workload(projects[flavour], result.workload, runs, databases, flavour)
            except CommandFailed as exc:
                for later in results[results.index(result) :]:
                    later.medians[flavour] = None
                    later.errors[flavour] = str(exc)
                continue
            result.medians[flavour] = statistics.median(times)
    return results


def _seconds(value: float | None) -> str:
    return "failed" if value is None else f"{value:.3f} s"


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def table_rows(results: list[Result]) -> list[tuple[str, str, str, str]]:
    return [
        (
            result.workload.name,
            _seconds(result.medians.get("schemashift")),
            _seconds(result.medians.get("django")),
            _ratio(result.ratio),
        )
        for result in results
    ]


HEADERS = ("workload", "schemashift median", "Django median", "ratio")
CAPTION = "ratio = schemashift / Django: below 1, schemashift is faster"


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
        table.add_column(header, justify="left" if i == 0 else "right", no_wrap=True)
    for row in rows:
        table.add_row(*row)
    Console().print(table)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_size_arguments(parser)
    parser.add_argument("--runs", type=int, default=5, help="timed runs per workload (default 5)")
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
    if args.apps < 1 or args.migrations_per_app < 1 or args.runs < 1:
        parser.error("--apps, --migrations-per-app and --runs must be at least 1")

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
    with tempfile.TemporaryDirectory(prefix="schemashift-bench-") as scratch:
        out = args.keep or Path(scratch)
        total = args.apps * args.migrations_per_app
        log(f"Generating {total} migrations ({args.apps} apps) in {out}")
        projects = generate(out, args.apps, args.migrations_per_app, args.seed)
        try:
            results = run_benchmark(projects, args.runs, log, databases)
        finally:
            if not args.keep:
                databases.drop_all()
    title = f"{total} migrations in {args.apps} apps, {databases.title}, median of {args.runs} runs"
    print_table(title, results)
    failures = {(flavour, error) for r in results for flavour, error in r.errors.items()}
    for flavour, error in sorted(failures):
        print(f"\n{flavour} failed: {error}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
