"""Fixtures of the schema editor tests: a migrator on an empty database of each backend."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Connection
from support.backend_migrators import add_books, migrator_for
from support.migrator import Migrator


@pytest.fixture
def migrator(backend_connection: Connection) -> Migrator:
    """A migrator on an empty database of ``backend``, run as migrations run there."""
    return migrator_for(backend_connection)


@pytest.fixture
def authors(migrator: Migrator) -> Migrator:
    """shop_author(id, name) holding three rows."""
    return migrator.add_authors()


@pytest.fixture
def books(migrator: Migrator) -> Migrator:
    """shop_author with three rows and shop_book(id, author_id) with one book each."""
    return add_books(migrator)
