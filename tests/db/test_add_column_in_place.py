"""Adding a NOT NULL column with a constant default to a table holding rows changes the
table's metadata only, where the server can: SQLite's ADD COLUMN with a DEFAULT, PostgreSQL's
(11+) ADD COLUMN with a constant default, MariaDB/MySQL's ALGORITHM=INSTANT. Seen from outside:
the statements emitted, and on PostgreSQL the table's storage file, which a rewrite replaces."""

from __future__ import annotations

import pytest
from support.migrator import Migrator

from schemashift import models
from schemashift.migrations.operations import AddField

ADD_RATING = AddField("author", "rating", models.IntegerField(default=5))


def test_the_rows_are_filled_without_copying_the_table(authors: Migrator, backend: str) -> None:
    sql = authors.sql(ADD_RATING)
    assert not any("new__" in s or "INSERT" in s.upper() or "UPDATE" in s.upper() for s in sql)
    assert all(s.upper().startswith("ALTER TABLE") for s in sql)
    if backend == "mysql":
        assert "ALGORITHM=INSTANT" in sql[0]
    assert "DEFAULT 5" in sql[0]
    authors.apply(ADD_RATING)
    assert authors.rows("shop_author", "rating") == [(5,), (5,), (5,)]
    authors.assert_schema_matches_state()


@pytest.mark.backends("postgresql")
def test_postgresql_keeps_the_table_file(authors: Migrator) -> None:
    query = "SELECT relfilenode FROM pg_class WHERE relname = 'shop_author'"
    before = authors.run_sql(query)
    authors.apply(ADD_RATING)
    assert authors.run_sql(query) == before
