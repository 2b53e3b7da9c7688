"""Status commands with nothing to do answer from the migration cache and the history table
read through the driver: no SQLAlchemy, no migration module imported. Any change to a
migration file (edited, added, deleted, renamed, rewritten with the same size) is seen."""

from __future__ import annotations

import os

import pytest
from support.polls_migrations import ADD_AUTHOR, INITIAL
from support.tutorial import WITH_AUTHOR, ok

CACHE = ("__pycache__", "schemashift-migrations.cache")


def _migrated(project) -> None:
    project.write_models(WITH_AUTHOR)
    (project.migrations_dir / "0001_initial.py").write_text(INITIAL)
    (project.migrations_dir / "0002_question_author.py").write_text(ADD_AUTHOR)
    ok(project.run("migrate"))


def _imported(project, *command: str) -> tuple[str, set[str]]:
    """The command's output and the top-level packages and migration modules it imported."""
    result = project.run_python(["-X", "importtime", "manage.py", *command])
    assert result.returncode == 0, result.stdout + result.stderr
    modules = set()
    for line in result.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            name = line.rsplit("|", 1)[1].strip()
            modules.add(name if name.startswith("polls.migrations.") else name.split(".")[0])
    return result.stdout, modules


def test_status_commands_with_nothing_to_do_import_no_sqlalchemy(project) -> None:
    _migrated(project)
    ok(project.run("makemigrations", "--check"))  # the models' state is cached from here on
    for command in (
        ["showmigrations"],
        ["makemigrations", "--check"],
        ["migrate"],
        ["check"],
    ):
        output, modules = _imported(project, *command)
        assert "sqlalchemy" not in modules, command
        assert not any(name.startswith("polls.migrations.0") for name in modules), command
    output, _ = _imported(project, "showmigrations")
    assert output == "polls\n [X] 0001_initial\n [X] 0002_question_author\n"
    output, _ = _imported(project, "migrate")
    assert "No migrations to apply." in output


@pytest.mark.backends("sqlite")
def test_the_cache_is_written_beside_the_migrations_and_a_broken_one_is_rebuilt(project) -> None:
    _migrated(project)
    cache = project.migrations_dir.joinpath(*CACHE)
    ok(project.run("showmigrations"))
    assert cache.is_file()
    cache.write_bytes(b"not a cache")
    # another command line: no output kept for it (test_output_cache.py), the graph is read
    assert "[X] 0002_question_author" in ok(project.run("showmigrations", "polls"))
    assert cache.read_bytes() != b"not a cache"
    cache.unlink()
    off = project.run("showmigrations", env={"SCHEMASHIFT_MIGRATION_CACHE": "0"})
    assert "[X] 0002_question_author" in ok(off)
    assert not cache.exists()


@pytest.mark.backends("sqlite")
def test_any_change_to_a_migration_file_is_seen(project) -> None:
    _migrated(project)
    ok(project.run("makemigrations", "--check"))
    second = project.migrations_dir / "0002_question_author.py"

    # edited: the migration's field no longer matches the model
    second.write_text(ADD_AUTHOR.replace("max_length=100", "max_length=120"))
    checked = project.run("makemigrations", "--check")
    assert checked.returncode == 1 and "Alter field author on question" in checked.stdout
    second.write_text(ADD_AUTHOR)
    assert "No changes detected" in ok(project.run("makemigrations", "--check"))

    # rewritten with the same size: 100 becomes 120, and the mtime moves on
    edited = ADD_AUTHOR.replace("max_length=100", "max_length=120")
    assert len(edited) == len(ADD_AUTHOR)
    before = second.stat()
    second.write_text(edited)
    os.utime(second, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000))
    assert second.stat().st_size == before.st_size
    checked = project.run("makemigrations", "--check")
    assert checked.returncode == 1 and "Alter field author on question" in checked.stdout
    second.write_text(ADD_AUTHOR)

    # added
    third = project.migrations_dir / "0003_noop.py"
    third.write_text(
        "from schemashift import migrations\n\n\nclass Migration(migrations.Migration):\n"
        '    dependencies = [("polls", "0002_question_author")]\n    operations = []\n'
    )
    assert " [ ] 0003_noop" in ok(project.run("showmigrations"))
    assert "Applying polls.0003_noop" in ok(project.run("migrate"))

    # renamed: the history row names the old file, which is gone
    third.rename(project.migrations_dir / "0003_renamed.py")
    shown = ok(project.run("showmigrations"))
    assert " [ ] 0003_renamed" in shown and "0003_noop" not in shown

    # deleted
    (project.migrations_dir / "0003_renamed.py").unlink()
    shown = ok(project.run("showmigrations"))
    assert shown == "polls\n [X] 0001_initial\n [X] 0002_question_author\n"
