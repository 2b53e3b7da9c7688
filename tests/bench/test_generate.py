"""The benchmark's generated projects are valid: they migrate, and their models match."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

GENERATE_PY = Path(__file__).parents[2] / "bench" / "generate.py"
APPS, MIGRATIONS_PER_APP = 2, 16
HISTORY_TABLES = {"django": "django_migrations", "schemashift": "schemashift_migrations"}
FOREIGN_ENV = ("SCHEMASHIFT_SETTINGS", "DJANGO_SETTINGS_MODULE", "DATABASE_URL")


def run_python(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in FOREIGN_ENV}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("history")
    result = run_python(
        [
            str(GENERATE_PY),
            str(out),
            "--apps",
            str(APPS),
            "--migrations-per-app",
            str(MIGRATIONS_PER_APP),
        ],
        cwd=out,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def migration_files(project: Path) -> dict[str, str]:
    return {
        str(path.relative_to(project)): path.read_text()
        for path in sorted(project.glob("app*/migrations/0*.py"))
    }


def test_both_flavours_hold_the_same_history(generated: Path) -> None:
    ours, django = migration_files(generated / "schemashift"), migration_files(generated / "django")
    assert len(ours) == APPS * MIGRATIONS_PER_APP
    assert ours.keys() == django.keys()
    for path, source in ours.items():
        translated = source.replace(
            "from schemashift import migrations, models", "from django.db import migrations, models"
        ).replace(
            "primary_key=True, verbose_name=", "primary_key=True, serialize=False, verbose_name="
        )
        assert translated == django[path], path
    operations = set(re.findall(r"migrations\.(\w+)\(", "".join(ours.values())))
    expected = {"CreateModel", "AddField", "AlterField", "RenameField", "RemoveField", "AddIndex"}
    assert expected <= operations
    cross_app = [s for p, s in ours.items() if p.startswith("app01") and '"app00", "' in s]
    assert cross_app, "some migration of app01 depends on app00"


@pytest.mark.parametrize("flavour", ["django", "schemashift"])
def test_generated_project_migrates_with_nothing_left(generated: Path, flavour: str) -> None:
    project = generated / flavour
    migrate = run_python(["manage.py", "migrate"], cwd=project)
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    with sqlite3.connect(project / "db.sqlite3") as db:
        (applied,) = db.execute(f"SELECT count(*) FROM {HISTORY_TABLES[flavour]}").fetchone()
    assert applied == APPS * MIGRATIONS_PER_APP

    check = run_python(["manage.py", "makemigrations", "--check"], cwd=project)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "No changes detected" in check.stdout + check.stderr
