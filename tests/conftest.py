"""Fixtures shared by every test package."""

from __future__ import annotations

import importlib
import signal
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Connection
from support.servers import ServerPool
from support.tutorial_project import api_project  # noqa: F401 (a fixture for every test)

from schemashift import conf
from schemashift.apps import apps
from schemashift.db.connection import Database


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No SCHEMASHIFT_SETTINGS or DATABASE_URL inherited from the shell running the tests."""
    monkeypatch.delenv(conf.SETTINGS_ENV, raising=False)
    monkeypatch.delenv(conf.DATABASE_URL_ENV, raising=False)
    return monkeypatch


@pytest.fixture
def make_settings(tmp_path: Path, clean_env: pytest.MonkeyPatch) -> Iterator[Callable[..., str]]:
    """A factory writing ``<tmp>/<package>/settings.py`` and returning its module name.

    The folder is importable for the test; afterwards the modules, settings and app registry
    are forgotten so the next test starts clean.
    """
    packages: set[str] = set()
    clean_env.syspath_prepend(str(tmp_path))

    def make(source: str, package: str = "proj") -> str:
        folder = tmp_path / package
        folder.mkdir(exist_ok=True)
        (folder / "__init__.py").touch()
        (folder / "settings.py").write_text(textwrap.dedent(source))
        packages.add(package)
        importlib.invalidate_caches()
        return f"{package}.settings"

    yield make
    for name in list(sys.modules):
        if name.partition(".")[0] in packages:
            del sys.modules[name]
    conf.reset()
    apps.reset()


@pytest.fixture
def clean_registry() -> Iterator[None]:
    """Each test starts without settings or models, and leaves none behind.

    Models declared with an explicit ``app_label`` of an app that is not installed wait in the
    registry's pending models; ``apps.reset()`` forgets them.
    """
    conf.reset()
    apps.reset()
    yield
    conf.reset()
    apps.reset()


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    """A SQLite file of its own for one test."""
    db = Database(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    yield db
    db.dispose()


@pytest.fixture
def connection(database: Database) -> Iterator[Connection]:
    with database.connect() as conn:
        yield conn


# -- slow tests -------------------------------------------------------------------------------

#: folders whose every test is slow: the CLI run as a subprocess, and the comparison with Django
SLOW_FOLDERS = ("e2e", "differential", "corpus")
#: modules whose every test is slow: generated migration histories on every backend, and
#: project test suites run by pytest in a subprocess
SLOW_MODULES = ("migrations/test_history_property.py", "testing/test_plugin.py")
TESTS_ROOT = Path(__file__).parent


def is_slow(item: pytest.Item) -> bool:
    """Whether ``item`` is one of the slow tests: in a slow folder or module, or a property
    test (hypothesis runs it once per generated example)."""
    if item.path.is_relative_to(TESTS_ROOT):
        path = item.path.relative_to(TESTS_ROOT).as_posix()
        if path.split("/", 1)[0] in SLOW_FOLDERS or path in SLOW_MODULES:
            return True
    return getattr(getattr(item, "obj", None), "is_hypothesis_test", False)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the slow tests ``slow``: ``pytest -m "not slow"`` is the fast inner loop.

    The slow tests come first: with several workers stealing work from each other
    (``--dist worksteal``), the many short tests then fill the gaps at the end instead of one
    long test running on alone."""
    slow = set()
    for item in items:
        if is_slow(item):
            item.add_marker(pytest.mark.slow)
            slow.add(item.nodeid)
    items.sort(key=lambda item: item.nodeid not in slow)


# -- backends ---------------------------------------------------------------------------------

BACKENDS = ("sqlite", "postgresql", "mysql")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--backend",
        default=",".join(BACKENDS),
        help="comma-separated backends to run the database tests on (default: %(default)s)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "backends(*names): run the test on these of the chosen backends only"
    )
    config.addinivalue_line(
        "markers",
        "slow: end-to-end, fault injection, differential and property tests; "
        'deselect with -m "not slow"',
    )
    chosen = [name.strip() for name in config.getoption("--backend").split(",") if name.strip()]
    unknown = sorted(set(chosen) - set(BACKENDS))
    if unknown:
        raise pytest.UsageError(f"--backend: unknown {unknown}; choose from {list(BACKENDS)}")
    config.stash[_CHOSEN_BACKENDS] = chosen
    config.stash[_SERVERS] = ServerPool()
    if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        # A terminated run (CI's timeout, say) ends like Ctrl-C, so the servers are stopped.
        signal.signal(signal.SIGTERM, signal.default_int_handler)


def pytest_unconfigure(config: pytest.Config) -> None:
    pool = config.stash.get(_SERVERS, None)
    if pool is not None:
        pool.stop_all()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run a test that uses ``backend`` once per chosen backend; ``@pytest.mark.backends(...)``
    limits it to some of them."""
    if "backend" not in metafunc.fixturenames:
        return
    chosen = metafunc.config.stash[_CHOSEN_BACKENDS]
    marker = metafunc.definition.get_closest_marker("backends")
    if marker is not None:
        chosen = [name for name in chosen if name in marker.args]
    metafunc.parametrize("backend", chosen, scope="session")


_CHOSEN_BACKENDS = pytest.StashKey[list]()
_SERVERS = pytest.StashKey["ServerPool"]()


def server_admin_url(config: pytest.Config, backend: str) -> str:
    return config.stash[_SERVERS].admin_url(backend)


@pytest.fixture
def backend_url(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database of its own on ``backend``, dropped after the test."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'db.sqlite3'}"
        return
    from support.databases import create_database, drop_database

    admin = server_admin_url(request.config, backend)
    url = create_database(admin, request.node.name)
    try:
        yield url
    finally:
        drop_database(admin, url)


@pytest.fixture
def other_backend_url(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path
) -> Iterator[str]:
    """A second empty database on ``backend`` (beside ``backend_url``'s), dropped after."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'other.sqlite3'}"
        return
    from support.databases import create_database, drop_database

    admin = server_admin_url(request.config, backend)
    url = create_database(admin, f"other_{request.node.name}")
    try:
        yield url
    finally:
        drop_database(admin, url)


@pytest.fixture
def backend_database(backend_url: str) -> Iterator[Database]:
    """A Database on an empty database of ``backend``."""
    db = Database(backend_url)
    yield db
    db.dispose()


@pytest.fixture
def backend_connection(backend_database: Database) -> Iterator[Connection]:
    with backend_database.connect() as conn:
        yield conn
