"""The server the harness runs on: its databases, and the SQL it runs there itself.

Everything goes through the drivers directly (psycopg 3, PyMySQL), in autocommit, as the
writers do; SQLAlchemy only parses the URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import URL, make_url

#: SQLSTATE / error number of a deadlock, in writers and in migrate's output
DEADLOCK_CODES = {"postgresql": "40P01", "mysql": "1213"}


@dataclass(frozen=True)
class ConnectionSpec:
    """How to reach one database; picklable, so that writer processes can connect with it."""

    backend: str
    host: str | None
    port: int | None
    user: str | None
    password: str | None
    database: str
    charset: str = "utf8mb4"

    def connect(self) -> Any:
        """A new autocommit DB-API connection."""
        if self.backend == "postgresql":
            import psycopg

            return psycopg.connect(
                host=self.host,
                port=self.port,
                user=self.user,
                password=self.password,
                dbname=self.database,
                autocommit=True,
            )
        import pymysql

        return pymysql.connect(
            host=self.host or "127.0.0.1",
            port=self.port or 3306,
            user=self.user,
            password=self.password or "",
            database=self.database,
            charset=self.charset,
            autocommit=True,
        )

    def quote(self, name: str) -> str:
        quote = '"' if self.backend == "postgresql" else "`"
        return quote + name.replace(quote, quote * 2) + quote


def backend_of(url: URL) -> str:
    scheme = url.get_backend_name()
    if scheme in ("postgresql", "postgres"):
        return "postgresql"
    if scheme in ("mysql", "mariadb"):
        return "mysql"
    raise ValueError(f"expected a PostgreSQL or MySQL/MariaDB URL, got {scheme!r}")


@dataclass(frozen=True)
class Snapshot:
    """The table's figures between two scenarios, with no writer running."""

    rows: int
    score_sum: int
    max_id: int


class Server:
    """One PostgreSQL or MySQL/MariaDB server, reached through its admin URL."""

    def __init__(self, admin_url: str):
        self.url = make_url(admin_url)
        self.backend = backend_of(self.url)
        self.admin = self.spec(self.url.database or "")
        with self.admin.connect() as connection:  # fails early when the server does not answer
            self.title = _server_title(connection, self.backend)
        self._created: set[str] = set()

    def spec(self, database: str) -> ConnectionSpec:
        return ConnectionSpec(
            backend=self.backend,
            host=self.url.host,
            port=self.url.port,
            user=self.url.username,
            password=self.url.password,
            database=database,
            charset=str(self.url.query.get("charset", "utf8mb4")),
        )

    def database_url(self, database: str) -> str:
        """The URL a tool's commands get as DATABASE_URL (the admin URL's scheme and query)."""
        return self.url.set(database=database).render_as_string(hide_password=False)

    def recreate_database(self, database: str) -> ConnectionSpec:
        with self.admin.connect() as connection:
            self._drop(connection, database)
            connection.cursor().execute(f"CREATE DATABASE {self.admin.quote(database)}")
        self._created.add(database)
        return self.spec(database)

    def drop_created(self) -> None:
        with self.admin.connect() as connection:
            for database in sorted(self._created):
                self._drop(connection, database)
        self._created.clear()

    def _drop(self, connection: Any, database: str) -> None:
        force = " WITH (FORCE)" if self.backend == "postgresql" else ""
        statement = f"DROP DATABASE IF EXISTS {self.admin.quote(database)}{force}"
        connection.cursor().execute(statement)


def _server_title(connection: Any, backend: str) -> str:
    """``PostgreSQL 15.18``, ``MariaDB 10.11.19`` or ``MySQL 8.0.36``."""
    cursor = connection.cursor()
    if backend == "postgresql":
        cursor.execute("SHOW server_version")
        return f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
    cursor.execute("SELECT VERSION()")
    version = cursor.fetchone()[0]
    name = "MariaDB" if "mariadb" in version.lower() else "MySQL"
    return f"{name} {version.split('-')[0]}"


def fill(spec: ConnectionSpec, table: str, team_table: str, rows: int, teams: int) -> None:
    """Fill the tables server-side: ``teams`` teams, ``rows`` accounts named ``account-N`` with
    score ``N mod 1000``, in one INSERT ... SELECT each; then refresh the planner's statistics."""
    account, team = spec.quote(table), spec.quote(team_table)
    with spec.connect() as connection:
        cursor = connection.cursor()
        if spec.backend == "postgresql":
            cursor.execute(
                f"INSERT INTO {team} (name) SELECT 'team-' || i FROM generate_series(1, %s) i",
                (teams,),
            )
            cursor.execute(
                f"INSERT INTO {account} (name, score) "
                "SELECT 'account-' || i, mod(i, 1000) FROM generate_series(1, %s) i",
                (rows,),
            )
            cursor.execute(f"VACUUM ANALYZE {account}")
            cursor.execute(f"VACUUM ANALYZE {team}")
            return
        series = (
            "WITH RECURSIVE seq (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < %s) "
        )
        cursor.execute("SET SESSION max_recursive_iterations = %s", (max(rows, teams) + 1,))
        cursor.execute(
            f"INSERT INTO {team} (name) {series}SELECT CONCAT('team-', i) FROM seq", (teams,)
        )
        cursor.execute(
            f"INSERT INTO {account} (name, score) "
            f"{series}SELECT CONCAT('account-', i), MOD(i, 1000) FROM seq",
            (rows,),
        )
        cursor.execute(f"ANALYZE TABLE {account}, {team}")
        cursor.fetchall()


def snapshot(spec: ConnectionSpec, table: str) -> Snapshot:
    with spec.connect() as connection:
        cursor = connection.cursor()
        cursor.execute(
            f"SELECT count(*), coalesce(sum(score), 0), coalesce(max(id), 0) "
            f"FROM {spec.quote(table)}"
        )
        rows, score_sum, max_id = cursor.fetchone()
    return Snapshot(int(rows), int(score_sum), int(max_id))


def id_range(spec: ConnectionSpec, table: str) -> tuple[int, int]:
    with spec.connect() as connection:
        cursor = connection.cursor()
        cursor.execute(f"SELECT min(id), max(id) FROM {spec.quote(table)}")
        low, high = cursor.fetchone()
    return int(low), int(high)


def ids_of(spec: ConnectionSpec, table: str) -> list[int]:
    with spec.connect() as connection:
        cursor = connection.cursor()
        cursor.execute(f"SELECT id FROM {spec.quote(table)} ORDER BY id")
        return [int(row[0]) for row in cursor.fetchall()]


def ids_above(spec: ConnectionSpec, table: str, above: int) -> set[int]:
    """The ids greater than ``above``: the rows inserted since a snapshot."""
    with spec.connect() as connection:
        cursor = connection.cursor()
        cursor.execute(f"SELECT id FROM {spec.quote(table)} WHERE id > %s", (above,))
        return {int(row[0]) for row in cursor.fetchall()}
