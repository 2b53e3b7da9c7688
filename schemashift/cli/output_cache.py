"""The output of a status command, printed again when nothing it depends on has changed.

``showmigrations``, ``sqlmigrate``, ``makemigrations --check`` and a ``migrate`` that finds
nothing to do only read: the settings, the project's modules, the migration files and, for
some, the database. When a run succeeds (exit status 0, nothing on stderr), what it printed is
kept with everything it read:

- the command line and what shapes the printing: the working directory, ``sys.path``, the
  group's options, whether stdout is a terminal and its encoding;
- the settings' values (``settings_digest.py``): DATABASE_URL and anything the settings
  module computes from the environment included;
- the stamps of every module file the run imported and of the apps' folders and migrations
  folders (``source_stamps.py``): the models, what they import, schemashift itself;
- what the command reads from the database: for ``showmigrations`` and ``migrate``, the rows
  of the history table; for ``sqlmigrate``, the SQLite library's version and the database's
  schema (a column changed in place is printed as an edit of the live definition). On
  PostgreSQL and MySQL/MariaDB ``sqlmigrate`` is not kept: its SQL depends on the server's
  version and on which tables hold rows (online forms), which only a connection through
  SQLAlchemy tells.

A ``migrate`` is kept only when it found nothing to do without the migration lock: no
migration to run or unapply, no squash to record, no ``pre_migrate`` or ``post_migrate``
receiver to call (``api._settled``); a run that changed the history table is never kept, as
its rows differ from those it started from.

The next run with the same command line loads the settings, compares all of it, and, when
nothing differs, prints the kept output without importing the models, the migrations or
SQLAlchemy. Anything else runs the command as usual. The files live in
``<project>/__pycache__/schemashift-output/``, one per command line; a folder that cannot be
written to keeps none. ``SCHEMASHIFT_MIGRATION_CACHE=0`` turns this off too.
"""

from __future__ import annotations

import contextlib
import io
import marshal
import os
import sys
import time
import zlib
from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any, TextIO

from schemashift import __version__
from schemashift.cache_switch import is_enabled
from schemashift.cli.source_stamps import SourceStamps, collect
from schemashift.settings_digest import settings_text
from schemashift.utils.atomic_file import write_atomically

CACHE_FOLDER = ("__pycache__", "schemashift-output")
_FORMAT = ("schemashift-output", 1, __version__, sys.version_info[:2])
#: flags with which makemigrations writes or asks for something, never to be replayed
_MAKEMIGRATIONS_WRITES = frozenset({"--merge", "--update", "--empty", "--from-database"})
#: flags of migrate that change nothing about what a run with nothing to do prints
_MIGRATE_QUIET_FLAGS = frozenset({"--noinput", "--no-input"})

Settings = Any
#: what a command read from the database, as text; None: the command is not cached
ReadDatabase = Callable[[Settings], "str | None"]


def is_cached_command(name: str, args: Sequence[str]) -> bool:
    """Whether the command line is one whose output is kept (see the module docstring)."""
    if name in ("showmigrations", "sqlmigrate"):
        return True
    if name == "migrate":
        # app label and target only: every other option plans, fakes, prunes or checks
        return all(not arg.startswith("-") or arg in _MIGRATE_QUIET_FLAGS for arg in args)
    if name == "makemigrations":
        # with --check, a run that succeeds found no changes: that verdict is what is kept
        flags = set(args)
        return "--check" in flags and not flags & _MAKEMIGRATIONS_WRITES
    return False


class KeptOutput:
    """One command line's output and what it was printed from (a plain class, as
    ``SourceStamps``)."""

    __slots__ = ("line", "settings", "database", "stamps", "output")

    def __init__(
        self, line: str, settings: str, database: str, stamps: SourceStamps, output: str
    ) -> None:
        self.line = line
        self.settings = settings
        self.database = database
        self.stamps = stamps
        self.output = output

    def as_data(self) -> tuple[Any, ...]:
        """Plain data for ``marshal``: fast to load, and any damage is an error."""
        return (
            _FORMAT,
            self.line,
            self.settings,
            self.database,
            self.stamps.as_data(),
            self.output,
        )

    @classmethod
    def from_data(cls, data: Any) -> KeptOutput | None:
        """The kept output ``as_data`` gave, or None for anything else (another version)."""
        if not (isinstance(data, tuple) and len(data) == 6 and data[0] == _FORMAT):
            return None
        _format, line, settings, database, stamps, output = data
        return cls(line, settings, database, SourceStamps.from_data(stamps), output)


class CommandRun:
    """One run of a cached command: replayed from its kept output, or recorded."""

    def __init__(
        self, path: Path, line: str, settings: Settings, read_database: ReadDatabase
    ) -> None:
        self.path = path
        self.line = line
        self.settings = settings
        self.settings_text = settings_text(settings)
        self.read_database = read_database

    @classmethod
    def of(
        cls, name: str, args: Sequence[str], options: tuple[Any, ...], settings_module: str | None
    ) -> CommandRun | None:
        """The run of ``name args``; None when nothing is cached (switched off, or settings
        that do not load: the command then says what is wrong)."""
        if not is_enabled():
            return None
        from schemashift import conf

        try:
            settings = conf.load_settings(settings_module)
        except Exception:
            return None
        line = repr(
            (
                name,
                tuple(args),
                options,
                settings_module or os.environ.get(conf.SETTINGS_ENV),
                _is_terminal(sys.stdout),
                getattr(sys.stdout, "encoding", None),
                os.getcwd(),
                tuple(sys.path),
            )
        )
        # the whole line is kept in the file and compared: a name that two lines share only
        # makes them replace each other's output
        path = Path(settings.BASE_DIR, *CACHE_FOLDER, f"{name}-{zlib.crc32(line.encode()):08x}")
        return cls(path, line, settings, _DATABASE_READERS[name])

    def replay(self) -> bool:
        """Print the kept output if nothing it depends on changed; whether it did."""
        kept = self._read()
        if kept is None or kept.line != self.line or kept.settings != self.settings_text:
            return False
        if kept.database != self.database_at_start:
            return False
        if not kept.stamps.unchanged():
            return False
        sys.stdout.write(kept.output)
        sys.stdout.flush()
        return True

    def record(self) -> Recording | None:
        """Start keeping what the command prints (None when its database cannot be read)."""
        database = self.database_at_start
        if database is None:
            return None
        return Recording(self, database)

    @cached_property
    def database_at_start(self) -> str | None:
        """What the command reads from the database, read once before it runs: a replay that
        does not match and the recording that follows compare with the same read."""
        return self.read_database(self.settings)

    def _read(self) -> KeptOutput | None:
        try:
            with open(self.path, "rb") as file:
                data = file.read()  # marshal.load would read the file in many small pieces
            return KeptOutput.from_data(marshal.loads(data))
        except Exception:  # missing, unreadable, corrupt or from another version: rewritten
            return None

    def write(self, kept: KeptOutput) -> None:
        """Store the output atomically; a folder that cannot be written to keeps none."""
        try:
            write_atomically(self.path, marshal.dumps(kept.as_data()))
        except Exception:
            return


class Recording:
    """Copies what the command writes to stdout, watches stderr, and keeps the output when
    the command succeeded with nothing to say on stderr."""

    def __init__(self, run: CommandRun, database: str) -> None:
        self.run = run
        self.database = database
        self.started_ns = time.time_ns()
        self.stdout = _Copy(sys.stdout)
        self.stderr = _Copy(sys.stderr)
        self.is_replayable = True
        sys.stdout, sys.stderr = self.stdout, self.stderr

    def discard(self) -> None:
        """Keep nothing of this run: the command did more than what its key can tell."""
        self.is_replayable = False

    def finish(self, succeeded: bool) -> None:
        """Put the streams back; keep the output if the run can be replayed."""
        sys.stdout, sys.stderr = self.stdout.stream, self.stderr.stream
        if not (succeeded and self.is_replayable and self.stdout.is_exact and self.stderr.is_exact):
            return
        if self.stderr.parts or self.run.read_database(self.run.settings) != self.database:
            return
        stamps = collect(_app_folders(), self.started_ns)
        if stamps is None:
            return
        output = "".join(self.stdout.parts)
        run = self.run
        run.write(KeptOutput(run.line, run.settings_text, self.database, stamps, output))


class _Copy(io.TextIOBase):
    """A text stream that passes writes on to ``stream`` and keeps a copy of them.

    Anything that reaches past it to the binary buffer makes the copy inexact.
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.parts: list[str] = []
        self.is_exact = True

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self.parts.append(text)
        return self.stream.write(text)

    def flush(self) -> None:
        self.stream.flush()

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return _is_terminal(self.stream)

    def fileno(self) -> int:
        return self.stream.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self.stream.encoding

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return self.stream.errors

    @property
    def buffer(self) -> Any:
        self.is_exact = False
        return self.stream.buffer


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except Exception:
        return False


def _app_folders() -> list[str]:
    """The installed apps' folders and their migrations folders."""
    registry = sys.modules.get("schemashift.apps.registry")
    if registry is None:
        return []
    folders = []
    for config in registry.apps.get_app_configs():
        folders += [str(config.path), str(config.migrations_path)]
    return folders


def _history_rows(settings: Settings) -> str | None:
    """The history table's rows, as the driver reads them (``db/history_read.py``)."""
    from schemashift.db.history_read import read_history

    try:
        history = read_history(settings.database_url("default"), settings.MIGRATIONS_TABLE)
    except Exception:
        return None
    if history is None:
        return None
    return repr((history.applied, sorted(history.checksums.items())))


def _sqlite_schema(settings: Settings) -> str | None:
    """The SQLite library's version and the database's schema (its version number and every
    definition ``sqlite_master`` holds), where the default database is an existing SQLite
    file: a column changed in place is printed as an edit of the live definition."""
    try:
        url = settings.database_url("default")
    except Exception:
        return None
    scheme, _, rest = url.partition("://")
    if scheme.lower() not in ("sqlite", "sqlite+pysqlite") or not rest.startswith("/"):
        return None
    path, _, query = rest[1:].partition("?")
    if not path or query or path == ":memory:" or not os.path.isfile(path):
        return None
    import sqlite3

    try:
        with contextlib.closing(sqlite3.connect(path)) as connection:
            ((version,),) = connection.execute("PRAGMA schema_version").fetchall()
            definitions = connection.execute(
                "SELECT type, name, sql FROM sqlite_master ORDER BY type, name"
            ).fetchall()
    except sqlite3.Error:
        return None
    return repr((sqlite3.sqlite_version, version, definitions))


def _reads_nothing(settings: Settings) -> str:
    return ""


_DATABASE_READERS: dict[str, ReadDatabase] = {
    "showmigrations": _history_rows,
    "migrate": _history_rows,
    "sqlmigrate": _sqlite_schema,
    "makemigrations": _reads_nothing,
}
