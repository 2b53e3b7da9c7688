"""Applied migrations whose files changed since: recorded checksums, warnings and check errors,
through ``schemashift.api`` in this process."""

from __future__ import annotations

import pytest
from support.polls_migrations import ADD_AUTHOR, INITIAL
from support.tutorial import WITH_AUTHOR, execute, query
from support.tutorial_project import TutorialProject

from schemashift import api
from schemashift.apps import apps
from schemashift.migrations.checksum import migration_checksum
from schemashift.migrations.loader import MigrationLoader

ADD_FIELD = """\
        migrations.AddField(
            model_name="question",
            name="author",
            field=models.CharField(default="anonymous", max_length=100),
        ),
"""
SQUASH = (
    INITIAL.replace(
        "    initial = True\n",
        "    initial = True\n\n"
        '    replaces = [("polls", "0001_initial"), ("polls", "0002_question_author")]\n',
    ).removesuffix("    ]\n")
    + ADD_FIELD
    + "    ]\n"
)
#: 0002 with its max_length changed after it was applied
EDITED = ADD_AUTHOR.replace("max_length=100", "max_length=1000")
#: 0002 written otherwise, doing the same
REFORMATTED = (
    ADD_AUTHOR.replace('"', "'")
    .replace("    operations = [", "    # the author, for the polls page\n    operations = [")
    .replace(
        "field=models.CharField(default='anonymous', max_length=100),",
        "field=models.CharField(max_length=100, default='anonymous')",
    )
)


def write(project: TutorialProject, name: str, source: str) -> None:
    (project.migrations_dir / f"{name}.py").write_text(source, encoding="utf-8")


def applied_with_author(project: TutorialProject) -> None:
    """0001 and 0002 applied from the files of support/polls_migrations.py."""
    write(project, "0001_initial", INITIAL)
    write(project, "0002_question_author", ADD_AUTHOR)
    project.load(WITH_AUTHOR)
    api.migrate()


def recorded(project: TutorialProject) -> dict[str, str | None]:
    rows = query(project, "SELECT name, checksum FROM schemashift_migrations ORDER BY id")
    return dict(rows)


def checksums_on_disk() -> dict[str, str]:
    loader = MigrationLoader(apps.get_app_configs())
    return {name: migration_checksum(m) for (_app, name), m in loader.disk_migrations.items()}


def warnings_of(call, *args, **kwargs) -> list[str]:
    said: list[str] = []
    call(*args, warn=said.append, **kwargs)
    return said


def test_applied_and_faked_rows_carry_the_checksums_of_their_files(
    api_project: TutorialProject,
) -> None:
    applied_with_author(api_project)
    expected = checksums_on_disk()
    assert recorded(api_project) == expected
    assert all(value.startswith("v1:") for value in expected.values())

    api.migrate("polls", "0001", fake=True)
    api.migrate(fake=True)
    assert recorded(api_project) == expected


@pytest.mark.backends("sqlite")
def test_an_edited_applied_migration_is_warned_about_and_fails_check(
    api_project: TutorialProject,
) -> None:
    applied_with_author(api_project)
    before = recorded(api_project)["0002_question_author"]
    write(api_project, "0002_question_author", EDITED)
    now = checksums_on_disk()["0002_question_author"]
    warning = (
        "Warning: migration polls.0002_question_author was changed after it was applied to "
        f"database 'default' (checksum {before[3:15]} when applied, {now[3:15]} now)."
    )
    assert warnings_of(api.showmigrations) == [warning]
    assert warnings_of(api.showmigrations_plan) == [warning]
    assert warnings_of(api.migrate, plan=True) == [warning]
    assert warnings_of(api.migrate) == [warning]
    assert recorded(api_project)["0002_question_author"] == before, "never blessed silently"

    assert api.check() == [], "plain check does not read the database"
    (error,) = api.check(["default"])
    assert error.is_error and error.id == "migrations.E001"
    assert error.msg == warning.removeprefix("Warning: m").join(["M", ""])
    assert "SET checksum = NULL WHERE app = 'polls' AND name = '0002_question_author'" in (
        error.hint
    )

    write(api_project, "0002_question_author", REFORMATTED)
    assert warnings_of(api.showmigrations) == []
    assert api.check(["default"]) == []


@pytest.mark.backends("sqlite")
def test_a_squash_of_applied_migrations_compares_the_replaced_files_while_they_exist(
    api_project: TutorialProject,
) -> None:
    applied_with_author(api_project)
    write(api_project, "0001_squashed_0002_question_author", SQUASH)
    assert warnings_of(api.showmigrations) == []

    write(api_project, "0002_question_author", EDITED)
    (warning,) = warnings_of(api.showmigrations)
    assert "migration polls.0002_question_author was changed" in warning
    assert [e.id for e in api.check(["default"])] == ["migrations.E001"]

    (api_project.migrations_dir / "0001_initial.py").unlink()
    (api_project.migrations_dir / "0002_question_author.py").unlink()
    assert warnings_of(api.showmigrations) == []
    assert warnings_of(api.migrate) == []
    assert api.showmigrations() == {"polls": [("0001_squashed_0002_question_author", True)]}
    # the squash did not run: migrate records it without a checksum
    assert recorded(api_project)["0001_squashed_0002_question_author"] is None
    assert api.check(["default"]) == []


@pytest.mark.backends("sqlite")
def test_an_applied_squash_is_recorded_with_its_own_checksum(
    api_project: TutorialProject,
) -> None:
    write(api_project, "0001_squashed_0002_question_author", SQUASH)
    api_project.load(WITH_AUTHOR)
    api.migrate()
    squash = "0001_squashed_0002_question_author"
    assert recorded(api_project) == {
        squash: checksums_on_disk()[squash],
        "0001_initial": None,  # did not run
        "0002_question_author": None,
    }
    write(api_project, squash, SQUASH.replace("max_length=100", "max_length=1000"))
    (warning,) = warnings_of(api.migrate)
    assert f"migration polls.{squash} was changed" in warning


@pytest.mark.backends("sqlite")
def test_rows_of_an_older_history_are_never_reported(api_project: TutorialProject) -> None:
    applied_with_author(api_project)
    execute(api_project, "UPDATE schemashift_migrations SET checksum = NULL")
    write(api_project, "0002_question_author", EDITED)
    assert warnings_of(api.migrate) == []
    assert api.check(["default"]) == []
    assert set(recorded(api_project).values()) == {None}, "NULL stays NULL"
