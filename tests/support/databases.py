"""Creating and dropping a uniquely named database for one test on a server."""

from __future__ import annotations

import re
import uuid

import sqlalchemy as sa
from sqlalchemy.engine import make_url


def _admin_engine(admin_url: str) -> sa.Engine:
    return sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


def _quote(engine: sa.Engine, name: str) -> str:
    return engine.dialect.identifier_preparer.quote_identifier(name)


def create_database(admin_url: str, label: str = "") -> str:
    """Create an empty database named after ``label`` and return its URL."""
    slug = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")[:30]
    name = f"t_{slug}_{uuid.uuid4().hex[:10]}"
    engine = _admin_engine(admin_url)
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql(f"CREATE DATABASE {_quote(engine, name)}")
    finally:
        engine.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_database(admin_url: str, url: str) -> None:
    """Drop the database of ``url``, closing any session still connected to it."""
    name = make_url(url).database
    engine = _admin_engine(admin_url)
    try:
        with engine.connect() as connection:
            suffix = " WITH (FORCE)" if engine.dialect.name == "postgresql" else ""
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {_quote(engine, name)}{suffix}")
    finally:
        engine.dispose()
