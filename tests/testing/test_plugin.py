"""The pytest plugin, as a project's own test suite uses it: pytest run in a subprocess on a
small project, on each backend, then its databases looked at."""

from __future__ import annotations

import importlib
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from support.plugin_project import (
    ADD_SUMMARY,
    BROKEN,
    MODELS,
    MODELS_0001,
    TEST_COUNT,
    PluginProject,
    columns,
    execute,
    make_project,
    server_databases,
    tables,
)

from schemashift.testing.databases import database_for_tests

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path: Path, backend: str, backend_url: str) -> Iterator[PluginProject]:
    """The project on ``backend``; test databases a run keeps (``--reuse-db``) are dropped
    afterwards."""
    made = make_project(tmp_path / "proj", backend, None if backend == "sqlite" else backend_url)
    yield made
    if made.server_url:
        database_for_tests(made.server_url).drop()


def passed(result, count: int = TEST_COUNT) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{count} passed" in result.stdout, result.stdout
    return result.stdout


def leftover_test_database(project: PluginProject, url: str) -> bool:
    """Whether the test database of a run (its URL) is still there."""
    parsed = make_url(url)
    if project.server_url is None:
        return Path(parsed.database).exists()
    return parsed.database in server_databases(project.server_url)


def configured_url(project: PluginProject) -> str:
    return project.server_url or f"sqlite:///{project.dir / 'db.sqlite3'}"


def test_the_suite_passes_isolated_on_a_test_database_removed_afterwards(
    project: PluginProject,
) -> None:
    passed(project.run_pytest())
    seen = project.seen_database()
    assert make_url(seen).database != make_url(configured_url(project)).database
    assert not leftover_test_database(project, seen)
    # the configured database is never touched
    if project.server_url:
        assert tables(project.server_url) == set()
    else:
        assert not (project.dir / "db.sqlite3").exists()


def test_the_suite_fails_without_the_rollback(project: PluginProject) -> None:
    """The isolation tests can fail: with ``db`` standing for ``transactional_db`` but no
    emptying afterwards, the rows of one test are seen by the next."""
    (project.dir / "tests" / "conftest.py").write_text(
        "import pytest\n\n\n@pytest.fixture\ndef db(schemashift_db_setup):\n    yield\n"
    )
    result = project.run_pytest()
    assert result.returncode == 1
    assert "FAILED tests/test_polls.py::test_sees_no_question_of_the_tests_before" in (
        result.stdout
    )


def test_reuse_db_keeps_the_database_and_applies_new_migrations(
    project: PluginProject,
) -> None:
    (project.dir / "polls" / "migrations" / "0002_question_summary.py").unlink()
    project.write("polls/models.py", MODELS_0001)
    passed(project.run_pytest("--reuse-db", "-k", "creates_a_question or sees_no_question"), 2)
    url = project.seen_database()
    assert leftover_test_database(project, url)
    assert "summary" not in columns(url, "polls_question")
    execute(url, "CREATE TABLE left_by_the_first_run (id integer)")

    project.write("polls/models.py", MODELS)
    project.write("polls/migrations/0002_question_summary.py", ADD_SUMMARY)
    passed(project.run_pytest("--reuse-db"))
    assert project.seen_database() == url
    assert "left_by_the_first_run" in tables(url)
    assert "summary" in columns(url, "polls_question")
    assert execute(url, "SELECT name FROM schemashift_migrations ORDER BY id") == [
        ("0001_initial",),
        ("0002_question_summary",),
    ]

    passed(project.run_pytest("--reuse-db", "--create-db"))
    assert leftover_test_database(project, url)
    assert "left_by_the_first_run" not in tables(url)


def test_no_migrations_makes_the_tables_of_the_models(project: PluginProject) -> None:
    """The models have a field no migration adds: the tables have it, and no history."""
    project.write(
        "polls/models.py",
        MODELS.replace(
            "    votes = models.IntegerField(default=0)\n",
            "    votes = models.IntegerField(default=0)\n"
            "    position = models.IntegerField(default=1)\n",
        ),
    )
    passed(project.run_pytest("--no-migrations", "--reuse-db", "-k", "not migrator"), 6)
    url = project.seen_database()
    assert {"polls_question", "polls_choice"} <= tables(url)
    assert "schemashift_migrations" not in tables(url)
    assert "position" in columns(url, "polls_choice")

    # a run with migrations makes it anew: the migrations do not know its tables
    project.write("polls/models.py", MODELS)
    passed(project.run_pytest("--reuse-db"))
    assert "position" not in columns(url, "polls_choice")
    assert len(execute(url, "SELECT name FROM schemashift_migrations")) == 2


def test_a_broken_migration_is_a_clear_error(project: PluginProject) -> None:
    project.write("polls/migrations/0003_broken.py", BROKEN)
    result = project.run_pytest("-k", "not migrator")
    assert result.returncode == 1
    assert "schemashift could not set up the test database: Migration polls.0003_broken" in (
        result.stdout
    )
    assert "Traceback" not in result.stdout
    assert "6 errors" in result.stdout
    if project.server_url:
        name = database_for_tests(project.server_url).url.database
        assert name not in server_databases(project.server_url)


# -- without a database ---------------------------------------------------------------------


def test_pyproject_declares_the_plugin_entry_point() -> None:
    """``pytest11`` names an importable module with the plugin's hooks and fixtures."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    module_name = pyproject["project"]["entry-points"]["pytest11"]["schemashift"]
    module = importlib.import_module(module_name)
    assert callable(module.pytest_addoption)
    assert {"db", "transactional_db", "migrator"} <= set(vars(module))


INERT_TESTS = """\
import sys


def test_nothing_is_set_up_for_a_test_without_the_fixtures():
    from schemashift import conf

    assert not conf.is_configured()
    assert "sqlalchemy" not in sys.modules
    assert "schemashift.testing.session" not in sys.modules
"""


def test_the_plugin_does_nothing_for_tests_without_its_fixtures(tmp_path: Path) -> None:
    """No settings exist at all, and none are looked for."""
    project = PluginProject(tmp_path, "sqlite", None)
    project.write("tests/test_plain.py", INERT_TESTS)
    passed(project.run_pytest(), 1)


def test_the_settings_option_wins_over_the_ini_value(tmp_path: Path) -> None:
    project = make_project(tmp_path / "proj", "sqlite", None)
    project.write("pytest.ini", "[pytest]\nschemashift_settings = no_such.settings\n")
    failed = project.run_pytest("-k", "creates_a_question")
    assert failed.returncode == 1
    assert "schemashift could not set up the test database: Settings module" in failed.stdout
    assert "'no_such.settings' not found" in failed.stdout
    passed(project.run_pytest("--schemashift-settings", "mysite.settings", "-k", "creates"), 1)
    passed(project.run_pytest("-k", "creates", env={"SCHEMASHIFT_SETTINGS": "mysite.settings"}), 1)


def test_the_migrator_refuses_to_hide_the_database_of_db(tmp_path: Path) -> None:
    project = make_project(tmp_path / "proj", "sqlite", None)
    project.write("tests/test_both.py", "def test_both(db, migrator):\n    migrator.migrate()\n")
    result = project.run_pytest("tests/test_both.py")
    assert result.returncode == 1
    assert "The migrator fixture migrates a database of its own; the test also uses 'db'" in (
        result.stdout
    )
