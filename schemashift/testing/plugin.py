"""The pytest plugin: ``db``, ``transactional_db`` and ``migrator`` for a project's tests.

Loaded through the ``pytest11`` entry point (or ``-p schemashift.testing.plugin``). It does
nothing until a test asks for one of its fixtures: the settings are then set up (with
``--schemashift-settings``, SCHEMASHIFT_SETTINGS or the ``schemashift_settings`` ini value,
else as ``schemashift.setup()`` finds them) and the test database is made once for the run.
SQLAlchemy and the project are imported only then.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, NoReturn

import pytest

from schemashift.exceptions import SchemashiftError

if TYPE_CHECKING:
    from schemashift.testing.databases import TestDatabase
    from schemashift.testing.migrator import Migrator
    from schemashift.testing.session import TestOptions, TestSession

SETTINGS_INI = "schemashift_settings"
SETTINGS_ENV = "SCHEMASHIFT_SETTINGS"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("schemashift", "schemashift test database")
    group.addoption(
        "--schemashift-settings",
        metavar="MODULE",
        help="the settings module of the project (default: SCHEMASHIFT_SETTINGS, then the "
        f"'{SETTINGS_INI}' ini value)",
    )
    group.addoption(
        "--reuse-db",
        action="store_true",
        help="keep the test database after the run and use it again in the next one, "
        "applying only migrations it lacks",
    )
    group.addoption(
        "--create-db",
        action="store_true",
        help="make the test database anew, even with --reuse-db",
    )
    group.addoption(
        "--no-migrations",
        action="store_true",
        help="create the test database's tables from the models as they are, without running "
        "the migrations",
    )
    parser.addini(SETTINGS_INI, "the settings module of the project (schemashift)")


def _options(config: pytest.Config) -> TestOptions:
    from schemashift.testing.session import TestOptions

    settings_module = (
        config.getoption("schemashift_settings")
        or os.environ.get(SETTINGS_ENV)
        or config.getini(SETTINGS_INI)
        or None
    )
    return TestOptions(
        settings_module=settings_module,
        reuse_db=config.getoption("reuse_db"),
        create_db=config.getoption("create_db"),
        migrations=not config.getoption("no_migrations"),
    )


def _fail(what: str, exc: SchemashiftError) -> NoReturn:
    pytest.fail(f"schemashift could not {what}: {exc}", pytrace=False)


@pytest.fixture(scope="session")
def schemashift_test_session(request: pytest.FixtureRequest) -> Iterator[TestSession]:
    """The run's test database, made by the first test that needs it (not yet made here)."""
    from schemashift.testing.session import TestSession

    session = TestSession(_options(request.config))
    try:
        yield session
    finally:
        session.finish()


@pytest.fixture(scope="session")
def schemashift_db_setup(schemashift_test_session: TestSession) -> TestDatabase:
    """The test database, made (or reused) and migrated once per run; the ``default``
    database alias points at it until the run ends."""
    try:
        return schemashift_test_session.start()
    except SchemashiftError as exc:
        problem = exc
    _fail("set up the test database", problem)


@pytest.fixture
def db(request: pytest.FixtureRequest, schemashift_db_setup: TestDatabase) -> Iterator[None]:
    """The test database, the test's changes rolled back at its end.

    The test runs inside a transaction: ``atomic()`` blocks within it are savepoints, and
    nothing it writes is seen by other connections.
    """
    if "transactional_db" in request.fixturenames:
        request.getfixturevalue("transactional_db")
        yield
        return
    from schemashift.testing.isolation import rolled_back

    with rolled_back():
        yield


@pytest.fixture
def transactional_db(schemashift_db_setup: TestDatabase) -> Iterator[None]:
    """The test database for code that commits; every table is emptied after the test."""
    yield
    from schemashift.testing.isolation import empty_tables

    empty_tables()


@pytest.fixture
def migrator(
    request: pytest.FixtureRequest, schemashift_test_session: TestSession
) -> Iterator[Migrator]:
    """Migrations run to chosen points on an empty database of the test's own, the
    ``default`` database while the test runs (see ``Migrator.migrate``)."""
    for other in ("db", "transactional_db"):
        if other in request.fixturenames:
            pytest.fail(
                f"The migrator fixture migrates a database of its own; the test also uses "
                f"'{other}', whose database it would hide. Use them in separate tests.",
                pytrace=False,
            )
    from schemashift.testing.migrator import MigratorSession

    session = MigratorSession()
    problem = None
    try:
        found = session.start(schemashift_test_session.configured_url())
    except SchemashiftError as exc:
        session.finish()
        problem = exc
    if problem is not None:
        _fail("set up the migrator's database", problem)
    try:
        yield found
    finally:
        session.finish()
