"""Settings naming test databases, and a small table to write rows into."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from schemashift import conf
from schemashift.db.connections import connections

metadata = sa.MetaData()
items = sa.Table(
    "items",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(50), nullable=False),
)


@contextmanager
def configured_settings(**urls: str) -> Iterator[None]:
    """Settings whose DATABASES are ``urls``, and fresh connections; both forgotten after."""
    conf.configure(DATABASES=dict(urls))
    connections.reset()
    try:
        yield
    finally:
        connections.reset()
        conf.reset()


@contextmanager
def configured_databases(**urls: str) -> Iterator[None]:
    """``configured_settings`` with the ``items`` table created in each database."""
    for url in urls.values():
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        try:
            metadata.create_all(engine)
        finally:
            engine.dispose()
    with configured_settings(**urls):
        yield


def names(url: str) -> list[str]:
    """The item names as a separate connection sees them: what is committed."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            return list(connection.scalars(sa.select(items.c.name).order_by(items.c.id)))
    finally:
        engine.dispose()
