"""The projects under ``examples/`` run as their README says, configured by pyproject.toml only.

Each is copied to a temporary folder; on PostgreSQL and MySQL/MariaDB, DATABASE_URL points it
at an empty database of the test's own.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from e2e.conftest import run_python

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _copy(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(
        EXAMPLES / name, target, ignore=shutil.ignore_patterns("__pycache__", "*.sqlite3")
    )
    return target


def _database_env(backend_url: str) -> dict[str, str]:
    if backend_url.startswith("sqlite"):
        return {}
    return {"DATABASE_URL": re.sub(r"^(\w+)\+\w+://", r"\1://", backend_url)}


def _ok(result) -> str:
    assert result.returncode == 0, f"{result.args} failed:\n{result.stdout}{result.stderr}"
    return result.stdout


def test_the_script_migrates_seeds_and_reports(backend_url: str, tmp_path: Path) -> None:
    folder = _copy("script", tmp_path)
    env = _database_env(backend_url)

    assert "Applying inventory.0001_initial... OK" in _ok(
        run_python(["-m", "schemashift", "migrate"], cwd=folder, env=env)
    )
    assert _ok(run_python(["report.py"], cwd=folder, env=env)).startswith("No warehouses yet")
    _ok(run_python(["report.py", "--seed"], cwd=folder, env=env))
    assert _ok(run_python(["report.py", "--seed"], cwd=folder, env=env)).splitlines() == [
        "North: 100.00",
        "South: 14.40",
    ]
    assert "[X] 0001_initial" in _ok(
        run_python(["-m", "schemashift", "showmigrations"], cwd=folder, env=env)
    )
    if not env:
        assert (folder / "inventory.sqlite3").is_file()


def test_the_service_passes_its_own_tests(backend_url: str, tmp_path: Path) -> None:
    folder = _copy("flask_polls", tmp_path)
    env = _database_env(backend_url)

    result = run_python(["-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=folder, env=env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"\b5 passed\b", result.stdout), result.stdout
    assert not (folder / "polls.sqlite3").exists(), "the tests must not touch the real database"


def test_the_service_serves_a_migrated_database(backend_url: str, tmp_path: Path) -> None:
    folder = _copy("flask_polls", tmp_path)
    env = _database_env(backend_url)
    _ok(run_python(["-m", "schemashift", "migrate"], cwd=folder, env=env))

    script = (
        "from wsgi import app\n"
        "client = app.test_client()\n"
        "made = client.post('/questions', json={'question_text': 'Q?', 'choices': ['a']})\n"
        "choice = made.get_json()['choices'][0]['id']\n"
        "print(made.status_code, client.post(f'/choices/{choice}/vote').get_json()['votes'])\n"
    )
    assert _ok(run_python(["-c", script], cwd=folder, env=env)).split() == ["201", "1"]
    listed = "from wsgi import app\nprint(len(app.test_client().get('/questions').get_json()))\n"
    assert _ok(run_python(["-c", listed], cwd=folder, env=env)).strip() == "1"


@pytest.mark.parametrize("name", ["script", "flask_polls"])
def test_the_examples_have_no_unmigrated_changes(name: str, tmp_path: Path) -> None:
    folder = _copy(name, tmp_path)
    result = run_python(["-m", "schemashift", "makemigrations", "--check"], cwd=folder)
    assert result.returncode == 0, result.stdout + result.stderr
