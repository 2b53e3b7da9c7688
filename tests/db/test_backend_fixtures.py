"""The per-backend database fixtures give each test an empty database of its own."""

from __future__ import annotations

from schemashift.db.connection import Database


def test_each_test_gets_an_empty_database(backend: str, backend_database: Database) -> None:
    with backend_database.connect() as connection:
        assert connection.dialect.name in {"sqlite", "postgresql", "mysql"}
        assert backend_database.dialect_name == {"mysql": "mysql"}.get(backend, backend)
        connection.exec_driver_sql("CREATE TABLE probe (id integer)")
        connection.exec_driver_sql("INSERT INTO probe VALUES (1)")
        connection.commit()
        assert connection.exec_driver_sql("SELECT id FROM probe").scalar() == 1
