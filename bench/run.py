"""Time schemashift against Django on the same generated migration history.

    python bench/run.py [--apps 10] [--migrations-per-app 100] [--runs 5] [--keep DIR]

generates both projects (see generate.py), then times each workload as a subprocess, exactly as
a user runs it, ``--runs`` times per tool after one untimed warm-up run (which also writes the
bytecode caches):

- ``migrate``: every migration, on a fresh SQLite file each run;
- ``makemigrations --check``: nothing to do (after migrate);
- ``showmigrations``: every migration listed as applied.

It prints the median wall time of each and the ratio schemashift / Django (below 1: faster).
Uses rich for the table when it is installed, plain text otherwise.
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

from generate import FLAVOURS, add_size_arguments, generate

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


def run_command(project: Path, args: tuple[str, ...]) -> float:
    """Run ``python manage.py *args`` in ``project``; return its wall time in seconds."""
    env = {key: value for key, value in os.environ.items() if key not in FOREIGN_ENV}
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


def time_workload(project: Path, workload: Workload, runs: int) -> list[float]:
    """One warm-up run, then ``runs`` timed ones."""
    database = project / "db.sqlite3"
    times = []
    for attempt in range(runs + 1):
        if workload.fresh_database:
            database.unlink(missing_ok=True)
        elapsed = run_command(project, workload.args)
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


def run_benchmark(projects: dict[str, Path], runs: int, log: Callable[[str], None]) -> list[Result]:
    """Time every workload with every tool. A tool that fails a workload skips the rest."""
    results = [Result(workload, {}, {}) for workload in WORKLOADS]
    for flavour in FLAVOURS:
        for result in results:
            if flavour in result.errors:
                continue
            log(f"{flavour}: {result.workload.name} x {runs} ...")
            try:
                times = time_workload(projects[flavour], result.workload, runs)
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
    args = parser.parse_args(argv)
    if args.apps < 1 or args.migrations_per_app < 1 or args.runs < 1:
        parser.error("--apps, --migrations-per-app and --runs must be at least 1")

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="schemashift-bench-") as scratch:
        out = args.keep or Path(scratch)
        total = args.apps * args.migrations_per_app
        log(f"Generating {total} migrations ({args.apps} apps) in {out}")
        projects = generate(out, args.apps, args.migrations_per_app, args.seed)
        results = run_benchmark(projects, args.runs, log)
    title = f"{total} migrations in {args.apps} apps, SQLite, median of {args.runs} runs"
    print_table(title, results)
    failures = {(flavour, error) for r in results for flavour, error in r.errors.items()}
    for flavour, error in sorted(failures):
        print(f"\n{flavour} failed: {error}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
