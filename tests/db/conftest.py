"""Fixtures for the database layer: a SQLite file per test and a connection to it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Connection

from schemashift.db.connection import Database


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    yield db
    db.dispose()


@pytest.fixture
def connection(database: Database) -> Iterator[Connection]:
    with database.connect() as conn:
        yield conn
