"""Checksums of applied migrations as a user meets them: an edited migration file is warned
about by showmigrations and migrate and fails ``check --database``; a reformatted one, or a
squash whose replaced files were deleted, is not."""

from __future__ import annotations

import pytest
from support.polls_migrations import ADD_AUTHOR, INITIAL
from support.tutorial import WITH_AUTHOR, ok

CHANGED = (
    "Warning: migration polls.0002_question_author was changed after it was applied to "
    "database 'default' (checksum "
)

SQUASH = (
    INITIAL.replace(
        "    initial = True\n",
        "    initial = True\n\n"
        '    replaces = [("polls", "0001_initial"), ("polls", "0002_question_author")]\n',
    ).removesuffix("    ]\n")
    + """\
        migrations.AddField(
            model_name="question",
            name="author",
            field=models.CharField(default="anonymous", max_length=100),
        ),
    ]
"""
)


@pytest.mark.backends("sqlite")
def test_an_edited_applied_migration_is_reported_and_a_reformatted_one_is_not(project) -> None:
    project.write_models(WITH_AUTHOR)
    (project.migrations_dir / "0001_initial.py").write_text(INITIAL)
    path = project.migrations_dir / "0002_question_author.py"
    path.write_text(ADD_AUTHOR)
    ok(project.run("migrate"))

    path.write_text(ADD_AUTHOR.replace("max_length=100", "max_length=120"))
    shown = project.run("showmigrations")
    assert " [X] 0002_question_author" in ok(shown)
    assert shown.stderr.count(CHANGED) == 1, shown.stderr
    migrated = project.run("migrate")
    assert "No migrations to apply." in ok(migrated)
    assert migrated.stderr.count(CHANGED) == 1, migrated.stderr
    checked = project.run("check", "--database", "default")
    assert checked.returncode != 0 and "Traceback" not in checked.stderr
    output = checked.stdout + checked.stderr
    assert "(migrations.E001) Migration polls.0002_question_author was changed" in output

    reformatted = ADD_AUTHOR.replace('"', "'").replace(
        "    operations = [", "    # who asked the question\n    operations = ["
    )
    path.write_text(reformatted)
    for command in (["showmigrations"], ["check", "--database", "default"]):
        result = project.run(*command)
        ok(result)
        assert "Warning" not in result.stderr and "migrations.E001" not in result.stdout

    (project.migrations_dir / "0001_squashed_0002_question_author.py").write_text(SQUASH)
    (project.migrations_dir / "0001_initial.py").unlink()
    path.unlink()
    shown = project.run("showmigrations")
    assert "0001_squashed_0002_question_author" in ok(shown)
    assert "Warning" not in shown.stderr
