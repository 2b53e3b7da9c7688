"""Introspection reads database defaults on every backend, so a schema comparison catches a
default a migration left behind."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from schemashift.db.introspection import introspect_table


def test_a_default_is_read_and_its_absence_too(backend_connection: Connection) -> None:
    quote = backend_connection.dialect.identifier_preparer.quote
    backend_connection.exec_driver_sql(
        f"CREATE TABLE {quote('t')} ({quote('plain')} varchar(10) NULL, "
        f"{quote('kept')} varchar(10) NOT NULL DEFAULT 'anonymous', "
        f"{quote('counted')} integer DEFAULT 7)"
    )
    backend_connection.commit()
    columns = introspect_table(backend_connection, "t").columns
    assert columns["plain"].default is None
    assert "anonymous" in columns["kept"].default
    assert "7" in columns["counted"].default
