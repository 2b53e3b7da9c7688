"""atomic(): commit, rollback, savepoints, the decorator, and blocks inside a bound migration."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from support.connections import configured_databases, items, names

from schemashift.db import transaction
from schemashift.db.connection import Database
from schemashift.db.connections import DatabaseWrapper, connections


class Boom(Exception):
    pass


@pytest.fixture
def db(backend_url: str, clean_registry: None) -> Iterator[DatabaseWrapper]:
    with configured_databases(default=backend_url):
        yield connections["default"]


def add(name: str, using: str = "default") -> None:
    connections[using].execute(items.insert().values(name=name))


def test_a_block_commits_when_it_ends(db: DatabaseWrapper, backend_url: str) -> None:
    with transaction.atomic() as wrapper:
        assert wrapper is db and db.in_atomic_block
        add("a")
        add("b")
        assert names(backend_url) == [], "nothing is visible before the commit"
        assert db.execute(sa.select(sa.func.count()).select_from(items)).scalar() == 2
    assert not db.in_atomic_block
    assert names(backend_url) == ["a", "b"]


def test_an_exception_rolls_back_and_propagates(db: DatabaseWrapper, backend_url: str) -> None:
    with pytest.raises(Boom), transaction.atomic():
        add("a")
        raise Boom
    assert names(backend_url) == []
    assert not db.connection.in_transaction()
    add("after")
    assert names(backend_url) == ["after"]


def test_a_failed_inner_block_rolls_back_to_its_savepoint(
    db: DatabaseWrapper, backend_url: str
) -> None:
    with transaction.atomic():
        add("outer")
        with pytest.raises(Boom), transaction.atomic():
            add("inner")
            raise Boom
        with transaction.atomic():
            add("kept")
        with pytest.raises(sa.exc.IntegrityError), transaction.atomic():
            add("inner again")
            db.execute(items.insert().values(name=None))
        add("last")
    assert names(backend_url) == ["outer", "kept", "last"]


def test_a_failed_outer_block_rolls_back_its_committed_savepoints(
    db: DatabaseWrapper, backend_url: str
) -> None:
    with pytest.raises(Boom), transaction.atomic():
        with transaction.atomic():
            add("inner")
        raise Boom
    assert names(backend_url) == []


def test_decorator_with_and_without_arguments(db: DatabaseWrapper, backend_url: str) -> None:
    @transaction.atomic
    def plain(fail: bool) -> str:
        add("plain")
        if fail:
            raise Boom
        return "done"

    @transaction.atomic(using="default")
    def named() -> None:
        assert db.in_atomic_block
        add("named")

    assert plain(False) == "done"
    with pytest.raises(Boom):
        plain(True)
    named()
    assert names(backend_url) == ["plain", "named"]


def test_one_atomic_object_reused_and_recursive(db: DatabaseWrapper, backend_url: str) -> None:
    block = transaction.atomic()

    @block
    def countdown(number: int) -> None:
        add(f"n{number}")
        if number == 1:
            raise Boom
        with contextlib.suppress(Boom):
            countdown(number - 1)

    countdown(3)
    with block:
        add("again")
    assert names(backend_url) == ["n3", "n2", "again"]


def test_blocks_on_two_aliases_are_separate(
    backend_url: str, clean_registry: None, tmp_path
) -> None:
    other_url = f"sqlite:///{tmp_path / 'other.sqlite3'}"
    with configured_databases(default=backend_url, other=other_url):
        with pytest.raises(Boom), transaction.atomic(using="other"):
            with transaction.atomic():
                add("default")
            add("other", using="other")
            raise Boom
        assert names(backend_url) == ["default"]
        assert names(other_url) == []
        assert transaction.get_connection("other") is connections["other"]
        assert transaction.get_connection() is connections["default"]


def test_blocks_inside_a_bound_migration_are_savepoints(
    db: DatabaseWrapper, backend_database: Database, backend_url: str
) -> None:
    with backend_database.connect() as migration_connection:
        migration = migration_connection.begin()
        with connections.bind("default", migration_connection):
            with transaction.atomic():
                add("kept")
            with pytest.raises(Boom), transaction.atomic():
                add("undone")
                raise Boom
            assert names(backend_url) == [], "the migration has not committed yet"
        assert migration.is_active
        migration.commit()
    assert names(backend_url) == ["kept"]


def test_on_commit_runs_after_the_outermost_commit_and_never_after_a_rollback(
    db: DatabaseWrapper, backend_url: str
) -> None:
    ran: list[tuple[str, list[str]]] = []

    def note(tag: str) -> None:
        transaction.on_commit(lambda: ran.append((tag, names(backend_url))))

    note("outside")  # no block: at once
    with transaction.atomic():
        add("a")
        note("outer")
        with pytest.raises(Boom), transaction.atomic():
            note("rolled back savepoint")
            raise Boom
        with transaction.atomic():
            note("kept savepoint")
        assert [tag for tag, _ in ran] == ["outside"]
    with pytest.raises(Boom), transaction.atomic():
        note("rolled back")
        raise Boom
    # each ran once, after the commit made the row visible, in the order given
    assert ran == [("outside", []), ("outer", ["a"]), ("kept savepoint", ["a"])]


def test_a_robust_on_commit_failure_does_not_stop_the_others(db: DatabaseWrapper) -> None:
    ran: list[str] = []

    def broken() -> None:
        raise Boom

    with transaction.atomic():
        transaction.on_commit(broken, robust=True)
        transaction.on_commit(lambda: ran.append("after"))
    assert ran == ["after"]
    with pytest.raises(Boom), transaction.atomic():
        transaction.on_commit(broken)
    assert ran == ["after"]


def test_ported_code_imports_what_django_db_offers(db: DatabaseWrapper) -> None:
    from schemashift import DEFAULT_DB_ALIAS, IntegrityError, connection, connections
    from schemashift import transaction as ported_transaction

    assert ported_transaction is transaction and connections["default"] is db
    assert connection.vendor == db.vendor and DEFAULT_DB_ALIAS == "default"
    add("unique")
    with pytest.raises(IntegrityError):
        db.execute(items.insert().values(id=1, name="again"))
    with pytest.raises(AttributeError):
        __import__("schemashift").no_such_name  # noqa: B018
