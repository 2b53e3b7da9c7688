"""Eight ``migrate`` runs started at once on one empty database: each migration once."""

from __future__ import annotations

import subprocess
import sys

from support.tutorial import (
    TUTORIAL_MODELS,
    WITH_AUTHOR,
    assert_schema_matches_state,
    history,
    ok,
    tables,
)

RUNS = 8


def test_concurrent_migrates_apply_each_migration_once(project) -> None:
    project.write_models(TUTORIAL_MODELS)
    ok(project.run("makemigrations", "polls"))
    project.write_models(WITH_AUTHOR)
    ok(project.run("makemigrations", "polls"))
    ok(project.run("makemigrations", "polls", "--empty", "--name", "third"))

    env = dict(project.run_env())
    runs = [
        subprocess.Popen(
            [sys.executable, "manage.py", "migrate", "--noinput"],
            cwd=project.dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(RUNS)
    ]
    outputs = [run.communicate(timeout=300) for run in runs]
    for run, (out, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, f"{out}\n{err}"
        assert "Traceback" not in err

    applied_by = [out for out, _err in outputs if "Applying polls.0001_initial... OK" in out]
    assert len(applied_by) == 1
    assert sum("No migrations to apply." in out for out, _err in outputs) == RUNS - 1
    assert history(project) == [
        ("polls", "0001_initial"),
        ("polls", "0002_question_author"),
        ("polls", "0003_third"),
    ]
    assert_schema_matches_state(project)


def test_a_waiting_migrate_says_so_and_gives_up_after_its_timeout(project) -> None:
    from schemashift.db.connection import Database
    from schemashift.db.locking import migration_lock

    project.write_models(TUTORIAL_MODELS)
    ok(project.run("makemigrations", "polls"))
    holder = Database(project.database_url)
    try:
        with migration_lock(holder):
            result = project.run("migrate", "--lock-timeout", "1")
    finally:
        holder.dispose()
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert (
        "Another migrate is running on database 'default'; waiting for it to finish "
        "(up to 1 s)..." in result.stderr
    )
    assert "gave up waiting after 1 s" in result.stderr
    assert "polls_question" not in tables(project)

    out = ok(project.run("migrate", "--lock-timeout", "1"))
    assert "Applying polls.0001_initial... OK" in out
