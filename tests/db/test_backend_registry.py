"""One Backend object per kind of database, found by dialect name, URL scheme or URL."""

from __future__ import annotations

import datetime
import decimal
import subprocess
import sys
import textwrap
import uuid

import pytest
from sqlalchemy.engine import make_url

from schemashift.db.backends.mysql import MySQLBackend, MySQLSchemaEditor
from schemashift.db.backends.postgresql import PostgreSQLBackend
from schemashift.db.backends.registry import backend_for, default_driver
from schemashift.db.backends.sqlite import SQLiteBackend
from schemashift.exceptions import ImproperlyConfigured


def test_mysql_and_mariadb_share_one_backend() -> None:
    assert backend_for("mysql") is backend_for("mariadb")
    assert isinstance(backend_for("mariadb"), MySQLBackend)
    assert backend_for("mariadb").schema_editor is MySQLSchemaEditor
    assert backend_for("mariadb").name == "mysql"


def test_a_backend_is_found_by_url_scheme_driver_or_url() -> None:
    assert isinstance(backend_for("postgres"), PostgreSQLBackend)
    assert isinstance(backend_for("postgresql+psycopg"), PostgreSQLBackend)
    assert isinstance(backend_for("sqlite:///db.sqlite3"), SQLiteBackend)
    assert isinstance(backend_for(make_url("mysql+pymysql://u@h/db")), MySQLBackend)


def test_an_unknown_dialect_names_the_supported_ones() -> None:
    with pytest.raises(ImproperlyConfigured, match="supported: mariadb, mysql, postgresql, sqlite"):
        backend_for("oracle")


def test_urls_without_a_driver_get_the_backend_default() -> None:
    assert default_driver("postgres") == "postgresql+psycopg"
    assert default_driver("mariadb") == "mariadb+pymysql"
    assert default_driver("sqlite") is None
    assert default_driver("postgresql+psycopg") is None


def test_only_mysql_runs_ddl_outside_transactions() -> None:
    assert {
        name: backend_for(name).transactional_ddl for name in ("sqlite", "postgresql", "mysql")
    } == {
        "sqlite": True,
        "postgresql": True,
        "mysql": False,
    }


@pytest.mark.parametrize(
    ("kind", "value", "sqlite", "postgresql"),
    [
        (
            "DateTimeField",
            datetime.datetime(
                2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=1))
            ),
            "2024-01-02 02:04:05",
            "2024-01-02 02:04:05+00:00",
        ),
        ("UUIDField", uuid.UUID(int=1), "00000000000000000000000000000001", str(uuid.UUID(int=1))),
        (
            "DurationField",
            datetime.timedelta(days=1, microseconds=3),
            86_400_000_003,
            "1 days 3 microseconds",
        ),
        ("DecimalField", decimal.Decimal("1.50"), decimal.Decimal("1.50"), decimal.Decimal("1.50")),
    ],
)
def test_literals_follow_each_backends_storage_format(
    kind: str, value: object, sqlite: object, postgresql: object
) -> None:
    assert backend_for("sqlite").value_format(kind).to_literal(value, None) == sqlite
    assert backend_for("postgresql").value_format(kind).to_literal(value, None) == postgresql


def test_a_sqlite_run_imports_no_other_backend_or_dialect() -> None:
    """Each backend's module imports its SQLAlchemy dialect: a SQLite command pays for none of
    the others, history tables included (MySQL's LONGTEXT is only looked up on MySQL)."""
    script = textwrap.dedent(
        """
        import sys
        import sqlalchemy as sa
        from sqlalchemy.schema import CreateTable
        from schemashift.db.backends.registry import backend_for
        from schemashift.migrations.recorder import progress_table

        backend_for("sqlite:///db.sqlite3")
        table = progress_table()
        print(CreateTable(table).compile(dialect=sa.create_engine("sqlite://").dialect))
        print(sorted(name for name in sys.modules if name.startswith(
            ("sqlalchemy.dialects.postgresql", "sqlalchemy.dialects.mysql",
             "schemashift.db.backends.postgresql", "schemashift.db.backends.mysql"))))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.splitlines()[-1] == "[]"


def test_the_statement_log_is_longtext_on_mysql() -> None:
    from sqlalchemy.dialects import mysql, sqlite
    from sqlalchemy.schema import CreateTable

    from schemashift.migrations.recorder import progress_table

    table = CreateTable(progress_table())
    assert "LONGTEXT" in str(table.compile(dialect=mysql.dialect()))
    assert "LONGTEXT" not in str(table.compile(dialect=sqlite.dialect()))
