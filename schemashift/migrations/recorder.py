"""The history table: which migrations are applied, and since when.

``schemashift_migrations(id, app, name, applied, checksum)``, the table name a setting
(``MIGRATIONS_TABLE``); ``checksum`` (``checksum.py``) came later, and is added to a table
without it when schemashift next writes to it. It is built as a SQLAlchemy ``Table`` so each
backend gets its own column types. SQLAlchemy is imported when a table is built or a call
runs, not on import.
"""

from __future__ import annotations

import datetime
import functools
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from schemashift.conf import DEFAULT_MIGRATIONS_TABLE
from schemashift.exceptions import HistoryTableError
from schemashift.utils import timezone

if TYPE_CHECKING:
    import sqlalchemy as sa
    from sqlalchemy.engine import Connection

    from schemashift.db.connection import Database

Key = tuple[str, str]
#: (direction, operations done): ("forwards", 2) means the first two operations were applied
Progress = tuple[str, int]


@dataclass(frozen=True)
class StatementLog:
    """The statements of the operation a run is carrying out, and how far it got.

    ``operation`` is the position of the operation in the run's order (1 = first run),
    ``digest`` a hash of the operation as written (a migration file edited since is noticed),
    ``statements`` what the operation runs, ``step`` the index of the statement about to run and
    ``fingerprint`` the touched tables' definitions just before it (``{table: text or None}``).
    """

    operation: int
    digest: str
    statements: tuple[str, ...]
    step: int = 0
    fingerprint: dict[str, str | None] = field(default_factory=dict)


def history_table(name: str = DEFAULT_MIGRATIONS_TABLE) -> sa.Table:
    """The history table's definition (on SQLite: ``id integer ... AUTOINCREMENT``)."""
    import sqlalchemy as sa

    return sa.Table(
        name,
        sa.MetaData(),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
            quote=True,
        ),
        sa.Column("app", sa.String(255), nullable=False, quote=True),
        sa.Column("name", sa.String(255), nullable=False, quote=True),
        sa.Column("applied", sa.DateTime(timezone=True), nullable=False, quote=True),
        *_added_history_columns(),
        sqlite_autoincrement=True,
        quote=True,
    )


def _added_history_columns() -> list[sa.Column]:
    """The nullable columns added to the history table after its first version (Django's
    shape): the checksum of the migration as applied (None in rows written before)."""
    import sqlalchemy as sa

    return [sa.Column("checksum", sa.String(80), nullable=True, quote=True)]


def progress_table(history_name: str = DEFAULT_MIGRATIONS_TABLE) -> sa.Table:
    """Where a migration run without a transaction notes how far it got.

    A row ``(app, name, direction, operations)`` says that many operations of the migration
    were applied (direction "forwards") or unapplied ("backwards") by a run that did not finish
    it; it goes away when the migration completes. Only migrations that cannot run in one
    transaction (MySQL/MariaDB, ``atomic = False``) write here. The row is written before the
    first operation runs, so a migration interrupted anywhere is known as started.

    Where DDL commits by itself (MySQL/MariaDB), a schema operation under way also keeps its
    statement log here (``plan``: JSON of the operation's position, digest and statements)
    and, before each statement, ``step`` and ``fingerprint`` (see ``StatementLog``). A
    backfill under way notes in ``backfill`` (JSON of the operation's position, digest and
    the point its next batch starts from) how far it got, with each batch it commits.

    Columns added since the first version are nullable and added to an older table on first
    use (``_ensure_progress_table``).
    """
    import sqlalchemy as sa

    return sa.Table(
        f"{history_name}_progress",
        sa.MetaData(),
        sa.Column("app", sa.String(255), primary_key=True, quote=True),
        sa.Column("name", sa.String(255), primary_key=True, quote=True),
        sa.Column("direction", sa.String(9), nullable=False, quote=True),
        sa.Column("operations", sa.Integer(), nullable=False, quote=True),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False, quote=True),
        *_added_columns(),
        quote=True,
    )


def _added_columns() -> list[sa.Column]:
    """The nullable columns added to the progress table after its first version: the
    statement log, then the backfill note."""
    import sqlalchemy as sa

    return [
        sa.Column("plan", _long_text(), nullable=True, quote=True),
        sa.Column("step", sa.Integer(), nullable=True, quote=True),
        sa.Column("fingerprint", _long_text(), nullable=True, quote=True),
        sa.Column("backfill", sa.Text(), nullable=True, quote=True),
    ]


@dataclass(frozen=True)
class _RowStatements:
    insert: sa.Insert
    delete: sa.Delete


class MigrationRecorder:
    """Reads and writes the history table.

    Given a ``Connection``, every call goes through it and joins its transaction when one is
    open; that is how a migration's history row commits (or rolls back) with the migration.
    With no transaction open, a call runs in a short transaction of its own. Given a
    ``Database``, each call opens its own connection, unless one is passed to the call.
    """

    def __init__(
        self, connection: Connection | Database, table_name: str = DEFAULT_MIGRATIONS_TABLE
    ) -> None:
        from sqlalchemy.engine import Connection

        if isinstance(connection, Connection):
            self.connection: Connection | None = connection
            self.database: Database | None = None
        else:
            self.connection = None
            self.database = connection
        self.table_name = table_name
        self.table = history_table(table_name)
        self.progress = progress_table(table_name)
        #: whether the progress table is known to exist (it is created on first use)
        self._has_progress_table = False
        #: whether the history table is known to have the columns added since its first version
        self._has_history_columns = False

    @contextmanager
    def _connected(self, connection: Connection | None) -> Iterator[Connection]:
        connection = connection or self.connection
        if connection is None:
            assert self.database is not None
            with self.database.connect() as own, own.begin():
                yield own
        elif connection.in_transaction():
            yield connection
        else:
            with connection.begin():
                yield connection

    def has_table(self, connection: Connection | None = None) -> bool:
        """Whether the history table exists."""
        import sqlalchemy as sa

        with self._connected(connection) as active:
            return sa.inspect(active).has_table(self.table_name)

    def ensure_schema(self, connection: Connection | None = None) -> None:
        """Create the history table if it does not exist yet, or add the columns an older one
        lacks."""
        from sqlalchemy.schema import CreateTable

        with self._connected(connection) as active:
            active.execute(CreateTable(self.table, if_not_exists=True))
            self._ensure_history_columns(active)

    def _ensure_history_columns(self, connection: Connection) -> None:
        import sqlalchemy as sa

        if self._has_history_columns:
            return
        present = _column_names(sa.inspect(connection), self.table_name)
        for column in _added_history_columns():
            if column.name not in present:
                _add_column(connection, self.table_name, column)
        self._has_history_columns = True

    def applied_migrations(
        self, connection: Connection | None = None
    ) -> dict[Key, datetime.datetime]:
        """``{(app, name): applied}`` in the order applied; empty when there is no table.

        Reading never creates the table.
        """
        import sqlalchemy as sa

        table = self.table
        with self._connected(connection) as active:
            inspector = sa.inspect(active)
            if not inspector.has_table(self.table_name):
                return {}
            self._check_shape(inspector)
            rows = active.execute(
                sa.select(table.c.app, table.c.name, table.c.applied).order_by(table.c.id)
            )
            return {(app, name): _as_utc(applied) for app, name, applied in rows}

    def recorded_checksums(self, connection: Connection | None = None) -> dict[Key, str]:
        """``{(app, name): checksum}`` of the applied migrations recorded with a checksum, in
        the order applied; rows without one (an older history) are left out."""
        import sqlalchemy as sa

        table = self.table
        with self._connected(connection) as active:
            inspector = sa.inspect(active)
            if not inspector.has_table(self.table_name):
                return {}
            if "checksum" not in self._check_shape(inspector):
                return {}
            rows = active.execute(
                sa.select(table.c.app, table.c.name, table.c.checksum)
                .where(table.c.checksum.is_not(None))
                .order_by(table.c.id)
            )
            return {(app, name): checksum for app, name, checksum in rows}

    def _check_shape(self, inspector: sa.Inspector) -> set[str]:
        """Refuse a table of that name without the history columns, before reading it; the
        names of its columns, lower case."""
        found = [column["name"] for column in inspector.get_columns(self.table_name)]
        added = {column.name for column in _added_history_columns()}
        expected = [column.name for column in self.table.columns if column.name not in added]
        present = {name.lower() for name in found}
        if present >= set(expected):
            return present
        where = f" in database '{self.database.alias}'" if self.database is not None else ""
        raise HistoryTableError(
            f"The table '{self.table_name}'{where} is not a schemashift history table: it has "
            f"the columns ({', '.join(found)}), where a history table has "
            f"({', '.join(expected)}). Rename or drop that table, or set MIGRATIONS_TABLE in "
            "the settings to another name."
        )

    def record_applied(
        self,
        app: str,
        name: str,
        connection: Connection | None = None,
        applied: datetime.datetime | None = None,
        checksum: str | None = None,
    ) -> None:
        """Record the migration applied, now unless ``applied`` says when (an adopted row),
        with the checksum of its file (``checksum.migration_checksum``)."""
        when = applied or timezone.now()
        values: dict[str, Any] = {"app": app, "name": name, "applied": when}
        with self._connected(connection) as active:
            if checksum is not None:
                self._ensure_history_columns(active)
                values["checksum"] = checksum
            active.execute(self._statements.insert, values)

    def record_unapplied(self, app: str, name: str, connection: Connection | None = None) -> None:
        with self._connected(connection) as active:
            active.execute(self._statements.delete, {"row_app": app, "row_name": name})

    @functools.cached_property
    def _statements(self) -> _RowStatements:
        """The history row's INSERT and DELETE, built once: each call only binds its values, so
        SQLAlchemy compiles each statement once per run, not once per migration."""
        import sqlalchemy as sa

        table = self.table
        return _RowStatements(
            table.insert(),
            table.delete().where(
                table.c.app == sa.bindparam("row_app"), table.c.name == sa.bindparam("row_name")
            ),
        )

    def partial_migrations(self, connection: Connection | None = None) -> dict[Key, Progress]:
        """The migrations a run left half-done: ``{(app, name): (direction, operations)}``."""
        import sqlalchemy as sa

        table = self.progress
        with self._connected(connection) as active:
            if not sa.inspect(active).has_table(table.name):
                return {}
            self._ensure_progress_table(active)
            rows = active.execute(
                sa.select(table.c.app, table.c.name, table.c.direction, table.c.operations)
            )
            return {(app, name): (direction, done) for app, name, direction, done in rows}

    def record_progress(
        self,
        app: str,
        name: str,
        direction: str,
        operations: int,
        connection: Connection | None = None,
        log: StatementLog | None = None,
    ) -> None:
        """Note that ``operations`` operations of the migration are done in ``direction``, and
        the statement log of the next one when it is under way."""
        table = self.progress
        with self._connected(connection) as active:
            self._ensure_progress_table(active)
            active.execute(table.delete().where(table.c.app == app, table.c.name == name))
            active.execute(
                table.insert().values(
                    app=app,
                    name=name,
                    direction=direction,
                    operations=operations,
                    updated=timezone.now(),
                    **_log_values(log),
                )
            )

    def record_step(
        self,
        app: str,
        name: str,
        step: int,
        fingerprint: dict[str, str | None],
        connection: Connection | None = None,
    ) -> None:
        """Note that statement ``step`` of the logged operation is about to run, with the
        touched tables as they are before it."""
        table = self.progress
        with self._connected(connection) as active:
            active.execute(
                table.update()
                .where(table.c.app == app, table.c.name == name)
                .values(
                    step=step,
                    fingerprint=json.dumps(fingerprint, sort_keys=True),
                    updated=timezone.now(),
                )
            )

    def statement_log(
        self, app: str, name: str, connection: Connection | None = None
    ) -> StatementLog | None:
        """The statement log an interrupted run left for the migration, if any."""
        import sqlalchemy as sa

        table = self.progress
        with self._connected(connection) as active:
            if not sa.inspect(active).has_table(table.name):
                return None
            self._ensure_progress_table(active)
            row = active.execute(
                sa.select(table.c.plan, table.c.step, table.c.fingerprint).where(
                    table.c.app == app, table.c.name == name
                )
            ).first()
        if row is None or row.plan is None:
            return None
        plan = json.loads(row.plan)
        return StatementLog(
            plan["operation"],
            plan["digest"],
            tuple(plan["statements"]),
            row.step or 0,
            json.loads(row.fingerprint) if row.fingerprint else {},
        )

    def record_backfill(
        self, app: str, name: str, note: dict[str, Any], connection: Connection | None = None
    ) -> None:
        """Note how far the backfill under way got (``note``: plain data), in the transaction
        of the batch it follows."""
        table = self.progress
        with self._connected(connection) as active:
            active.execute(
                table.update()
                .where(table.c.app == app, table.c.name == name)
                .values(backfill=json.dumps(note, sort_keys=True), updated=timezone.now())
            )

    def backfill_note(
        self, app: str, name: str, connection: Connection | None = None
    ) -> dict[str, Any] | None:
        """What the backfill of the migration under way last noted, if anything."""
        import sqlalchemy as sa

        table = self.progress
        with self._connected(connection) as active:
            if not sa.inspect(active).has_table(table.name):
                return None
            self._ensure_progress_table(active)
            note = active.execute(
                sa.select(table.c.backfill).where(table.c.app == app, table.c.name == name)
            ).scalar()
        return json.loads(note) if note else None

    def _ensure_progress_table(self, connection: Connection) -> None:
        """Create the progress table, or add the columns an older one lacks."""
        import sqlalchemy as sa
        from sqlalchemy.schema import CreateTable

        if self._has_progress_table:
            return
        table = self.progress
        inspector = sa.inspect(connection)
        if not inspector.has_table(table.name):
            connection.execute(CreateTable(table, if_not_exists=True))
        else:
            present = {column["name"] for column in inspector.get_columns(table.name)}
            for column in _added_columns():
                if column.name not in present:
                    compiled = column.type.compile(dialect=connection.dialect)
                    quote = connection.dialect.identifier_preparer.quote
                    connection.exec_driver_sql(
                        f"ALTER TABLE {quote(table.name)} ADD COLUMN {quote(column.name)} "
                        f"{compiled} NULL"
                    )
        self._has_progress_table = True

    def clear_progress(self, app: str, name: str, connection: Connection | None = None) -> None:
        """Forget a migration's partial progress (it completed, or was faked)."""
        import sqlalchemy as sa

        table = self.progress
        with self._connected(connection) as active:
            if sa.inspect(active).has_table(table.name):
                active.execute(table.delete().where(table.c.app == app, table.c.name == name))

    def flush(self, connection: Connection | None = None) -> None:
        """Forget every applied migration (the table stays)."""
        import sqlalchemy as sa

        with self._connected(connection) as active:
            if sa.inspect(active).has_table(self.table_name):
                active.execute(self.table.delete())


def _column_names(inspector: sa.Inspector, table_name: str) -> set[str]:
    return {column["name"].lower() for column in inspector.get_columns(table_name)}


def _add_column(connection: Connection, table_name: str, column: sa.Column) -> None:
    """Add a nullable column the history table of an earlier version lacks."""
    compiled = column.type.compile(dialect=connection.dialect)
    quote = connection.dialect.identifier_preparer.quote
    connection.exec_driver_sql(
        f"ALTER TABLE {quote(table_name)} ADD COLUMN {quote(column.name)} {compiled} NULL"
    )


def _log_values(log: StatementLog | None) -> dict[str, object]:
    if log is None:
        return {"plan": None, "step": None, "fingerprint": None}
    plan = {"operation": log.operation, "digest": log.digest, "statements": list(log.statements)}
    return {
        "plan": json.dumps(plan),
        "step": log.step,
        "fingerprint": json.dumps(log.fingerprint, sort_keys=True),
    }


def _as_utc(value: datetime.datetime) -> datetime.datetime:
    # SQLite keeps no time zone: the stored text is UTC.
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


__all__ = ["MigrationRecorder", "StatementLog", "history_table", "progress_table"]


def _long_text() -> sa.types.TypeEngine:
    """Long text (a statement log, the table definitions it is checked against): LONGTEXT on
    MySQL/MariaDB, whose TEXT holds 64 KB."""
    return _long_text_type()()


@functools.cache
def _long_text_type() -> type:
    """The type, made once; MySQL's dialect is imported only where it is used."""
    import sqlalchemy as sa

    class LongText(sa.types.TypeDecorator):
        impl = sa.Text
        cache_ok = True

        def load_dialect_impl(self, dialect: sa.Dialect) -> sa.types.TypeEngine:
            if dialect.name in ("mysql", "mariadb"):
                from sqlalchemy.dialects.mysql import LONGTEXT

                return dialect.type_descriptor(LONGTEXT())
            return dialect.type_descriptor(sa.Text())

    return LongText
