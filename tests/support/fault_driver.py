"""Run ``manage.py migrate ...`` in-process and kill it with SIGKILL at database event N.

Run in a project folder as ``python <tests>/support/fault_driver.py migrate [APP [NAME]]``; it
sets schemashift up as manage.py does. Every statement sent to the database
(``before_cursor_execute``) and every commit (``commit``) is one event, counted from 1 over
the whole run on every engine.

- ``FAULT_KILL_AT=N``: at event N, print ``FAULT-INJECTION kill at event N: ...`` (what event
  and where) on stderr and kill this process with SIGKILL, before the statement or the commit
  reaches the database.
- ``FAULT_EVENT_LOG=path``: write each event as one JSON line (number, kind, statement,
  migration and operation running) to ``path``; the test counts and chooses kill points from
  it.

Logging where an event happens wraps the executor's and the operations' methods, adding no
statement; event numbers are the same with and without it.

``python fault_driver.py --serve`` saves the interpreter's start-up for each of many runs: it
imports schemashift, SQLAlchemy and the drivers once, then reads requests as JSON lines on
stdin, ``{"argv": [...], "env": {...}, "output": "prefix"}``, and runs each in a forked child
(``argv`` ``["schema_check"]`` runs support/schema_check.py), its stdout and stderr written to
``prefix.out`` and ``prefix.err``; it answers each with a JSON line ``{"exit": code}``, the
code negative for the signal that ended the child, as ``subprocess`` reports it.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

import sqlalchemy as sa

#: what runs now: {"migration": "polls.0003_widen", "direction": ..., "operation": ...}
_where: dict[str, Any] = {}
#: the operations of the migration running now
_operations: list[Any] = []
_count = 0
_kill_at = 0
_log: Any = None
#: the name of the run's database, written ``<database>`` in the statements logged, so that
#: runs on different databases log the same events
_database = ""


def _event(kind: str, statement: str = "") -> None:
    global _count
    _count += 1
    sql = " ".join(statement.split())
    if _database:
        sql = sql.replace(_database, "<database>")
    record = {"n": _count, "kind": kind, "sql": sql[:300], **_where}
    if _log is not None:
        _log.write(json.dumps(record) + "\n")
        _log.flush()
    if _count == _kill_at:
        sys.stdout.flush()
        sys.stderr.write(f"FAULT-INJECTION kill at event {_count}: {json.dumps(record)}\n")
        sys.stderr.flush()
        os.kill(os.getpid(), signal.SIGKILL)


def _before_cursor_execute(conn, cursor, statement, parameters, context, executemany) -> None:
    _event("execute", statement)


def _commit(conn) -> None:
    _event("commit")


def _wrap_migration(method: Any, direction: str) -> Any:
    @functools.wraps(method)
    def run(self: Any, migration: Any, *args: Any, **kwargs: Any) -> Any:
        _where.update(migration=f"{migration.app_label}.{migration.name}", direction=direction)
        _operations[:] = migration.operations
        try:
            return method(self, migration, *args, **kwargs)
        finally:
            _where.clear()
            _operations.clear()

    return run


def _wrap_operation(method: Any) -> Any:
    @functools.wraps(method)
    def run(self: Any, *args: Any, **kwargs: Any) -> Any:
        number = next((i for i, op in enumerate(_operations, start=1) if op is self), 0)
        outer = _where.get("operation")
        _where.pop("after", None)
        _where["operation"] = f"{number} {type(self).__name__}: {self.describe()}"
        try:
            return method(self, *args, **kwargs)
        finally:
            if outer is None:
                _where.pop("operation", None)
                _where["after"] = f"{number} {type(self).__name__}"
            else:
                _where["operation"] = outer

    return run


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


def _instrument() -> None:
    """Note which migration and operation each event belongs to."""
    from schemashift.migrations.executor import MigrationExecutor
    from schemashift.migrations.operations import Operation

    MigrationExecutor.apply_migration = _wrap_migration(
        MigrationExecutor.apply_migration, "forwards"
    )
    MigrationExecutor.unapply_migration = _wrap_migration(
        MigrationExecutor.unapply_migration, "backwards"
    )
    for cls in [Operation, *_subclasses(Operation)]:
        for name in ("database_forwards", "database_backwards"):
            if name in vars(cls):
                setattr(cls, name, _wrap_operation(vars(cls)[name]))


def _setup() -> None:
    """Listen to every engine's events and note where they happen; import what runs."""
    sa.event.listen(sa.engine.Engine, "before_cursor_execute", _before_cursor_execute)
    sa.event.listen(sa.engine.Engine, "commit", _commit)
    _instrument()


def run(argv: list[str]) -> None:
    """Run a schemashift command as manage.py does, events counted as the environment says."""
    global _kill_at, _log, _database
    _kill_at = int(os.environ.get("FAULT_KILL_AT") or 0)
    url = os.environ.get("DATABASE_URL")
    _database = (url and not url.startswith("sqlite") and sa.make_url(url).database) or ""
    log_path = os.environ.get("FAULT_EVENT_LOG")
    _log = open(log_path, "w") if log_path else None  # noqa: SIM115 (open for the whole run)
    os.environ.setdefault("SCHEMASHIFT_SETTINGS", "mysite.settings")
    sys.path.insert(0, str(Path.cwd()))
    from schemashift.cli.main import main as schemashift_main

    schemashift_main(argv, prog_name="manage.py")


def _run_child(request: dict[str, Any]) -> None:
    """In a forked child: run the request with its output in files, then exit."""
    code = 1
    try:
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        for fd, suffix in ((1, "out"), (2, "err")):
            target = os.open(f"{request['output']}.{suffix}", os.O_WRONLY | os.O_CREAT, 0o644)
            os.dup2(target, fd)
            os.close(target)
        os.environ.update(request["env"])
        if request["argv"] == ["schema_check"]:
            from support import schema_check

            code = schema_check.main()
        else:
            run(request["argv"])
            code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def serve() -> None:
    """Run requests read from stdin, each in a forked child; see the module's docstring."""
    import schemashift.cli.migrate  # noqa: F401 (imported once, for every child)
    import schemashift.db.introspection  # noqa: F401
    from support import schema_check  # noqa: F401

    for dialect in ("postgresql+psycopg", "mysql+pymysql"):
        with contextlib.suppress(ImportError):  # a driver not installed: not needed
            sa.create_engine(f"{dialect}://", poolclass=sa.pool.NullPool).dispose()
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _run_child(request)
        _, status = os.waitpid(pid, 0)
        sys.stdout.write(
            json.dumps(
                {"exit": -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)}
            )
            + "\n"
        )
        sys.stdout.flush()


def main() -> None:
    _setup()
    if sys.argv[1:] == ["--serve"]:
        serve()
    else:
        run(sys.argv[1:])


if __name__ == "__main__":
    main()
