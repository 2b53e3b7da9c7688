"""Test databases: their names, and creating, finding and dropping them on each backend."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from support.plugin_project import server_databases

from schemashift.testing.databases import database_for_tests


def test_a_server_database_is_named_test_and_the_configured_name() -> None:
    database = database_for_tests("postgresql://shop:secret@db.example/shop")
    assert database.url.database == "test_shop"
    assert database.url.password == "secret"
    assert database.url.drivername == "postgresql+psycopg"
    assert database_for_tests("mysql://root@localhost/shop", "_gw1").url.database == (
        "test_shop_gw1"
    )


def test_a_long_name_is_cut_before_its_suffix() -> None:
    name = database_for_tests(f"postgresql://u@h/{'x' * 70}", "_gw12").url.database
    assert name == f"test_{'x' * 53}_gw12"
    assert len(name) == 63


def test_a_sqlite_test_database_is_beside_the_configured_file_or_in_the_folder_given(
    tmp_path: Path,
) -> None:
    configured = f"sqlite:///{tmp_path / 'data' / 'shop.sqlite3'}"
    assert database_for_tests(configured).file == tmp_path / "data" / "test_shop.sqlite3"
    elsewhere = tmp_path / "tmp"
    assert database_for_tests(configured, "_gw0", elsewhere).file == (
        elsewhere / "test_shop_gw0.sqlite3"
    )


def test_create_find_and_drop(backend: str, backend_url: str, tmp_path: Path) -> None:
    database = database_for_tests(backend_url, "_made", tmp_path / "tests")
    assert not database.exists()
    database.create()
    try:
        assert database.exists()
        if backend == "sqlite":
            assert database.file is not None and database.file.parent.is_dir()
        else:
            assert database.url.database in server_databases(backend_url)
        database.create()  # again: dropped and made anew
        assert database.exists()
    finally:
        database.drop()
    assert not database.exists()
    if backend != "sqlite":
        assert make_url(database.url_text).database not in server_databases(backend_url)
    database.drop()  # nothing to drop is no error


@pytest.mark.backends("postgresql", "mysql")
def test_an_unreachable_server_is_a_clear_error(backend_url: str) -> None:
    from schemashift.exceptions import DatabaseError

    url = make_url(backend_url).set(port=1)
    database = database_for_tests(url.render_as_string(hide_password=False))
    with pytest.raises(DatabaseError, match="Cannot connect to the server of the test database"):
        database.create()
