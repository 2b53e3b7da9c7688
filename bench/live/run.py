"""Migrate a busy table live, with schemashift and with Django, and report what the writers saw.

    python bench/live/run.py --database-url URL [--rows N] [--writers 4] [--rate 100]
                             [--tools schemashift,django] [--scenarios 1,2,...] [--json FILE]
                             [--keep DIR]

For each tool it makes a database of its own on the server (``live_schemashift``,
``live_django``) and a project of its own with one app, migrates the initial models, fills the
table server-side, then runs the scenarios one after the other on that table: each is a change
to ``models.py``, the tool's ``makemigrations``, then ``python manage.py migrate`` while writer
processes, playing the previous app version, update and insert rows. See bench/live/README.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from harness import Options, SetupFailed, run_tool
from projects import TOOLS
from report import log, print_table, write_json
from scenarios import choose
from server import Server

#: the row count to fill, when ``--rows`` is not given: a number, or ``full``
ROWS_ENV = "SCHEMASHIFT_LIVE_ROWS"
DEFAULT_ROWS = {"postgresql": 100_000, "mysql": 30_000}
FULL_ROWS = {"postgresql": 1_000_000, "mysql": 300_000}


def row_count(given: int | None, backend: str) -> int:
    """``--rows``, else SCHEMASHIFT_LIVE_ROWS (a number, or ``full``), else the default."""
    if given is not None:
        return given
    value = os.environ.get(ROWS_ENV, "").strip().replace("_", "").replace(",", "")
    if not value:
        return DEFAULT_ROWS[backend]
    if value.lower() == "full":
        return FULL_ROWS[backend]
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{ROWS_ENV} must be a positive number of rows or 'full', not {value!r}")
    return int(value)


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        metavar="URL",
        required=True,
        help="admin URL of a PostgreSQL or MySQL/MariaDB server, e.g. "
        "postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
    )
    parser.add_argument(
        "--rows",
        type=int,
        help=f"rows to fill the table with (default: ${ROWS_ENV}, else 100,000 on PostgreSQL "
        "and 30,000 on MySQL/MariaDB; 'full' in the variable means 1,000,000 and 300,000)",
    )
    parser.add_argument("--writers", type=int, default=4, help="writer processes (default 4)")
    parser.add_argument(
        "--rate",
        type=float,
        default=100.0,
        help="writes per second per writer, 0 for as many as the server takes (default 100)",
    )
    parser.add_argument(
        "--tools", default=",".join(TOOLS), help="comma-separated (default: schemashift,django)"
    )
    parser.add_argument(
        "--scenarios",
        default="all",
        help="comma-separated numbers or names of the scenarios to measure (default: all)",
    )
    parser.add_argument(
        "--lead",
        type=float,
        default=1.0,
        help="seconds the writers run before migrate starts (default 1)",
    )
    parser.add_argument(
        "--tail",
        type=float,
        default=2.0,
        help="seconds the writers run after migrate ends (default 2)",
    )
    parser.add_argument(
        "--migrate-timeout",
        type=float,
        default=1800.0,
        help="seconds after which a migrate is stopped and counted as failed (default 1800)",
    )
    parser.add_argument(
        "--database-prefix",
        default="live",
        help="the databases are PREFIX_schemashift and PREFIX_django (default: live)",
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the raw figures here")
    parser.add_argument(
        "--keep",
        type=Path,
        metavar="DIR",
        help="write the projects into DIR and leave them and the databases there",
    )
    args = parser.parse_args(argv)
    tools = [tool.strip().lower() for tool in args.tools.split(",") if tool.strip()]
    unknown = sorted(set(tools) - set(TOOLS))
    if unknown or not tools:
        parser.error(f"--tools: unknown {unknown}; choose from {', '.join(TOOLS)}")
    args.tools = [tool for tool in TOOLS if tool in tools]
    try:
        args.scenarios = choose(args.scenarios)
    except ValueError as exc:
        parser.error(f"--scenarios: {exc}")
    if args.writers < 1 or args.rate < 0 or args.lead < 0 or args.tail < 0:
        parser.error("--writers must be at least 1; --rate, --lead and --tail at least 0")
    if args.rows is not None and args.rows < 1:
        parser.error("--rows must be at least 1")
    if args.keep and args.keep.exists() and any(args.keep.iterdir()):
        parser.error(f"--keep: {args.keep} is not empty")
    try:
        args.server = Server(args.database_url)
        args.rows = row_count(args.rows, args.server.backend)
    except Exception as exc:  # a bad URL, a missing driver, a server that does not answer
        parser.error(f"{type(exc).__name__}: {exc}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    server: Server = args.server
    options = Options(
        rows=args.rows,
        writers=args.writers,
        rate=args.rate,
        lead=args.lead,
        tail=args.tail,
        scenarios=tuple(args.scenarios),
        migrate_timeout=args.migrate_timeout,
    )
    databases = {tool: f"{args.database_prefix}_{tool}" for tool in args.tools}
    log(f"Running on {server.title}: databases {', '.join(databases.values())}")
    results = {}
    with tempfile.TemporaryDirectory(prefix="schemashift-live-") as scratch:
        out = args.keep or Path(scratch)
        try:
            for tool in args.tools:
                results[tool] = run_tool(server, tool, out / tool, databases[tool], options, log)
        except SetupFailed as exc:
            log(str(exc))
            return 1
        finally:
            if not args.keep:
                server.drop_created()
    rate = f"{args.rate:g}/s each" if args.rate else "unthrottled"
    writers = f"{args.writers} writer{'s' if args.writers > 1 else ''}"
    title = f"Live migrations on {server.title}: {args.rows:,} rows, {writers} ({rate})"
    print_table(title, results, args.tools)
    if args.json:
        meta = {
            "server": server.title,
            "backend": server.backend,
            "rows": args.rows,
            "writers": args.writers,
            "rate": args.rate,
            "lead": args.lead,
            "tail": args.tail,
            "tools": args.tools,
            "databases": databases,
        }
        write_json(args.json, meta, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
