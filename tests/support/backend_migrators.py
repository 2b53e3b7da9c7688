"""One ``Migrator`` per backend for the schema editor tests: how a migration runs there, and
readers of the database's own records of a table (``sqlite_master``, PostgreSQL's catalog,
``SHOW CREATE TABLE``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from schemashift.migrations.operations import CreateModel
from support.migrator import AUTHOR_NAMES, Migrator, author_model
from support.states import auto_pk, fk


class SQLiteMigrator(Migrator):
    """Migrations in one transaction; a table's SQL as SQLite keeps it."""

    def table_sql(self, table: str) -> str:
        return self.run_sql("SELECT sql FROM sqlite_master WHERE name = ?", (table,))[0][0]

    def column_order(self, table: str) -> list[str]:
        return [row[1] for row in self.run_sql(f'PRAGMA table_info("{table}")')]

    def column_default(self, table: str, column: str) -> Any:
        """The database default of a column: None when it has none."""
        rows = self.run_sql(f'PRAGMA table_info("{table}")')
        return next(row[4] for row in rows if row[1] == column)


class PostgreSQLMigrator(Migrator):
    """Migrations in one transaction, the live schema checked against the state after each."""

    checks_schema_after_apply = True

    def constraints(self, table: str) -> dict[str, str]:
        """name -> definition of the table's constraints, as pg_get_constraintdef writes it."""
        rows = self.run_sql(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass",
            (f'"{table}"',),
        )
        return dict(rows)

    def column_default(self, table: str, column: str) -> Any:
        """The database default of a column: None when it has none."""
        return self.run_sql(
            "SELECT column_default FROM information_schema.columns "
            "WHERE table_name = %s AND column_name = %s",
            (table, column),
        )[0][0]


class MySQLMigrator(Migrator):
    """Run as MySQL runs DDL: a migration is not atomic unless told, and the state follows each
    operation that ran, since each DDL statement commits at once."""

    atomic_by_default = False
    state_follows_each_operation = True

    def table_sql(self, table: str) -> str:
        return self.run_sql(f"SHOW CREATE TABLE `{table}`")[0][1]

    def column_default(self, table: str, column: str) -> Any:
        """The database default of a column: None when it has none."""
        return self.run_sql(
            "SELECT column_default FROM information_schema.columns "
            "WHERE table_schema = DATABASE() AND table_name = %s AND column_name = %s",
            (table, column),
        )[0][0]


MIGRATORS: dict[str, type[Migrator]] = {
    "sqlite": SQLiteMigrator,
    "postgresql": PostgreSQLMigrator,
    "mysql": MySQLMigrator,
}


def migrator_for(connection: Connection) -> Migrator:
    """The migrator of the connection's backend."""
    return MIGRATORS[connection.dialect.name](connection)


def add_books(migrator: Migrator, **fk_options: Any) -> Migrator:
    """shop_author with three rows and shop_book(id, author_id) with one book each."""
    migrator.apply(
        author_model(),
        CreateModel("Book", [auto_pk(), ("author", fk("shop.author", **fk_options))]),
    )
    mark = migrator.placeholder
    for number, name in enumerate(AUTHOR_NAMES, start=1):
        migrator.run_sql(f"INSERT INTO shop_author (name) VALUES ({mark})", (name,))
        migrator.run_sql(f"INSERT INTO shop_book (author_id) VALUES ({mark})", (number,))
    return migrator
