"""Drift: ``api.drift`` names each change made by hand to the tutorial's tables, ``migrate``
refuses to run on a drifted database unless told to, and ``makemigrations_from_database``
writes the change as a migration that, faked, leaves no drift. On every backend."""

from __future__ import annotations

import pytest
from support.by_hand import change_by_hand, rebuild_sqlite_table, run
from support.tutorial import WITH_AUTHOR, columns, history
from support.tutorial_project import TutorialProject, start

from schemashift import api
from schemashift.exceptions import SchemaDrift

#: kind of change made by hand -> the (table, kind, name) drift reports for it
FOUND = {
    "missing table": [("polls_choice", "missing table", "")],
    "extra table": [("polls_archive", "extra table", "")],
    "missing column": [("polls_choice", "missing column", "votes")],
    "extra column": [("polls_choice", "extra column", "note")],
    "column type": [("polls_choice", "column type", "votes")],
    "column null": [("polls_choice", "column null", "choice_text")],
    "column default": [("polls_choice", "column default", "choice_text")],
    "extra index": [("polls_choice", "extra index", "polls_choice_text_idx")],
    "extra unique": [("polls_choice", "extra unique", "(choice_text)")],
    "extra check": [("polls_choice", "extra check", "polls_votes_positive")],
    "missing foreign key": [
        ("polls_choice", "missing foreign key", "question_id -> polls_question.id")
    ],
}


def found(differences: list) -> list[tuple[str, str, str]]:
    return [(d.table, d.kind, d.name) for d in differences]


def test_every_kind_of_change_by_hand_is_drift(api_project: TutorialProject) -> None:
    start(api_project)
    assert api.drift() == [], "a database as the migrations left it has no drift"
    for kind, expected in FOUND.items():
        _fresh(api_project)
        change_by_hand(api_project, kind)
        differences = api.drift()
        reported = found(differences)
        if kind == "missing foreign key" and api_project.backend == "mysql":
            # the index InnoDB kept for the dropped key is named after it: an index too
            reported = [r for r in reported if r[1] != "extra index"]
        assert reported == expected, kind
        described = [d.describe() for d in differences]
        assert all(
            line.startswith(f"{d.table}: ") for line, d in zip(described, differences, strict=True)
        )
    type_change = _type_change(api_project)
    assert type_change.endswith("type integer in the history, bigint in the database")


def _fresh(project: TutorialProject) -> None:
    """The tutorial's tables as 0001_initial makes them, and nothing else."""
    run(
        project,
        "DROP TABLE IF EXISTS polls_archive",
        "DROP TABLE IF EXISTS legacy_log",
        "DROP TABLE IF EXISTS polls_choice",
        "DROP TABLE IF EXISTS polls_question",
        "DELETE FROM schemashift_migrations",
    )
    api.migrate()
    assert api.drift() == []


def _type_change(project: TutorialProject) -> str:
    _fresh(project)
    change_by_hand(project, "column type")
    (difference,) = api.drift()
    return difference.describe()


def test_tables_outside_the_history_are_not_drift(api_project: TutorialProject) -> None:
    start(api_project)
    run(
        api_project,
        "CREATE TABLE legacy_log (id integer)",
        "CREATE TABLE pollsters (id integer)",
        "CREATE TABLE polls_archive (id integer)",
    )
    assert found(api.drift()) == [("polls_archive", "extra table", "")]


def test_without_a_history_table_only_prefixed_tables_count(
    api_project: TutorialProject,
) -> None:
    start(api_project)
    run(api_project, "DROP TABLE schemashift_migrations", "CREATE TABLE legacy_log (id integer)")
    warnings: list[str] = []
    assert sorted(found(api.drift(warn=warnings.append))) == [
        ("polls_choice", "extra table", ""),
        ("polls_question", "extra table", ""),
    ]
    assert "no history table" in warnings[0]


def test_migrate_refuses_a_drifted_database_unless_allowed(api_project: TutorialProject) -> None:
    start(api_project)
    change_by_hand(api_project, "extra column")
    run(api_project, "CREATE TABLE polls_archive (id integer)")
    api_project.load(WITH_AUTHOR)
    api.makemigrations("polls")

    assert api.migrate(plan=True).plan.steps, "the plan is shown without a check"
    with pytest.raises(SchemaDrift) as refused:
        api.migrate()
    message = str(refused.value)
    assert "polls_choice: column note: in the database (varchar(20) NULL)" in message
    assert "--allow-drift" in message and "check --database default" in message
    assert "polls_archive" not in message, "a table the history does not own is no reason"
    assert "author" not in columns(api_project, "polls_question"), "nothing was changed"
    assert ("polls", "0002_question_author") not in history(api_project)

    assert api.migrate(allow_drift=True).applied == ["polls.0002_question_author"]
    assert "author" in columns(api_project, "polls_question")
    assert api.migrate().plan.steps == (), "a migrate with nothing to do does not compare"


def test_fake_does_not_check(api_project: TutorialProject) -> None:
    start(api_project)
    change_by_hand(api_project, "extra column")
    api_project.load(WITH_AUTHOR)
    api.makemigrations("polls")
    assert api.migrate(fake=True).was_faked
    assert ("polls", "0002_question_author") in history(api_project)


#: several changes by hand at once, per backend, that a migration can say
EXPRESSIBLE = {
    "sqlite": [
        "ALTER TABLE polls_choice ADD COLUMN note varchar(20) NULL",
        "ALTER TABLE polls_choice ADD COLUMN rank integer DEFAULT 0 NOT NULL",
        "ALTER TABLE polls_choice DROP COLUMN votes",
        "CREATE INDEX polls_choice_text_idx ON polls_choice (choice_text)",
        'CREATE TABLE polls_archive ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, '
        '"title" varchar(50) NOT NULL, "closed" datetime NULL, "open" bool NOT NULL)',
    ],
    "postgresql": [
        "ALTER TABLE polls_choice ADD COLUMN note varchar(20) NULL",
        "ALTER TABLE polls_choice ADD COLUMN rank integer DEFAULT 0 NOT NULL",
        "ALTER TABLE polls_choice DROP COLUMN votes",
        "ALTER TABLE polls_choice ALTER COLUMN choice_text TYPE varchar(300)",
        "ALTER TABLE polls_choice ALTER COLUMN choice_text DROP NOT NULL",
        "CREATE INDEX polls_choice_text_idx ON polls_choice (choice_text)",
        "ALTER TABLE polls_question ADD CONSTRAINT polls_text_uniq UNIQUE (question_text)",
        "CREATE TABLE polls_archive (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "
        "title varchar(50) NOT NULL, closed timestamp with time zone NULL, "
        "score numeric(8, 2) NOT NULL, open boolean NOT NULL)",
    ],
    "mysql": [
        "ALTER TABLE polls_choice ADD COLUMN note varchar(20) NULL",
        "ALTER TABLE polls_choice ADD COLUMN `rank` integer DEFAULT 0 NOT NULL",
        "ALTER TABLE polls_choice DROP COLUMN votes",
        "ALTER TABLE polls_choice MODIFY choice_text varchar(300) NULL",
        "CREATE INDEX polls_choice_text_idx ON polls_choice (choice_text)",
        "ALTER TABLE polls_question ADD CONSTRAINT polls_text_uniq UNIQUE (question_text)",
        "CREATE TABLE polls_archive (id bigint AUTO_INCREMENT NOT NULL PRIMARY KEY, "
        "title varchar(50) NOT NULL, closed datetime(6) NULL, score numeric(8, 2) NOT NULL, "
        "open bool NOT NULL)",
    ],
}


def test_a_migration_from_the_database_leaves_no_drift(api_project: TutorialProject) -> None:
    start(api_project)
    run(api_project, *EXPRESSIBLE[api_project.backend])
    if api_project.backend == "sqlite":
        rebuild_sqlite_table(
            api_project,
            "polls_choice",
            lambda create: create.replace(
                '"choice_text" varchar(200) NOT NULL', '"choice_text" varchar(300) NULL UNIQUE'
            ),
        )
    assert api.drift() != []

    (written,) = api.makemigrations_from_database("polls")
    assert written.name.startswith("0002_")
    assert written.path.exists()
    assert any("Create model Archive" in line for line in written.operations)
    assert any("Remove field votes from choice" in line for line in written.operations)
    assert api.migrate(fake=True).applied == [f"polls.{written.name}"]
    assert api.drift() == []
    assert api.makemigrations_from_database("polls") == [], "nothing left to write"


def test_what_a_migration_cannot_say_is_refused(api_project: TutorialProject) -> None:
    start(api_project)
    change_by_hand(api_project, "extra check")
    with pytest.raises(SchemaDrift) as refused:
        api.makemigrations_from_database("polls")
    assert "polls_choice: check polls_votes_positive" in str(refused.value)
    assert sorted(p.name for p in api_project.migrations_dir.glob("0*.py")) == ["0001_initial.py"]
