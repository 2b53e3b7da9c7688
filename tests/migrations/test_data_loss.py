"""The data-loss gate: migrate refuses an operation that would destroy data the database holds
unless its migration acknowledges it (or --allow-data-loss), and a narrowing change while a
stored value does not fit; nothing is changed when it refuses."""

from __future__ import annotations

import io

import pytest
from support.tutorial import TUTORIAL_MODELS, columns, execute, history, query, tables
from support.tutorial_project import TutorialProject, change, start

from schemashift import api
from schemashift.exceptions import BadMigrationError, DataLossRefused
from schemashift.migrations.questioner import (
    InteractiveMigrationQuestioner,
    MigrationQuestioner,
    NonInteractiveMigrationQuestioner,
)

WITHOUT_VOTES = TUTORIAL_MODELS.replace("    votes = models.IntegerField(default=0)\n", "")
SHORT_TEXT = TUTORIAL_MODELS.replace(
    "choice_text = models.CharField(max_length=200)", "choice_text = models.CharField(max_length=8)"
)
SMALL_VOTES = TUTORIAL_MODELS.replace(
    "votes = models.IntegerField(default=0)", "votes = models.SmallIntegerField(default=0)"
)
DATE_ONLY = TUTORIAL_MODELS.replace(
    'pub_date = models.DateTimeField("date published")', 'pub_date = models.DateField("published")'
)
WITHOUT_CHOICE = TUTORIAL_MODELS[: TUTORIAL_MODELS.index("class Choice")]


def _make(
    project: TutorialProject, models: str, questioner: MigrationQuestioner | None = None
) -> str:
    project.load(models)
    (written,) = api.makemigrations("polls", questioner=questioner)
    return written.name


@pytest.mark.backends("sqlite", "postgresql", "mysql")
def test_dropping_a_column_that_holds_values_is_refused_until_allowed(
    api_project: TutorialProject,
) -> None:
    start(api_project)
    name = _make(api_project, WITHOUT_VOTES)
    before = history(api_project)
    with pytest.raises(DataLossRefused) as refused:
        api.migrate()
    message = str(refused.value)
    assert f"polls.{name}, operation 1 (Remove field votes from choice)" in message
    assert "drops column votes of polls_choice, which holds values" in message
    assert "nothing was run" in message
    assert "votes" in columns(api_project, "polls_choice")
    assert history(api_project) == before
    api.migrate(allow_data_loss=True)
    assert "votes" not in columns(api_project, "polls_choice")
    assert query(api_project, "SELECT count(*) FROM polls_choice") == [(3,)]


def test_an_acknowledged_operation_runs_and_the_file_says_so(api_project: TutorialProject) -> None:
    start(api_project)
    name = _make(api_project, WITHOUT_VOTES, MigrationQuestioner(allow_data_loss=True))
    source = (api_project.migrations_dir / f"{name}.py").read_text()
    assert 'acknowledge=[\n                "data-loss",\n            ]' in source
    (step,) = api.migrate(plan=True).plan.steps
    (operation,) = step.operations
    assert operation.data_loss == ("drops column votes of polls_choice",)
    assert operation.is_loss_allowed
    api.migrate()
    assert "votes" not in columns(api_project, "polls_choice")


def test_nothing_is_refused_where_nothing_would_be_lost(api_project: TutorialProject) -> None:
    api_project.load(TUTORIAL_MODELS)
    api.makemigrations("polls")
    api.migrate()
    execute(
        api_project,
        "INSERT INTO polls_question (id, question_text, pub_date) VALUES (1, 'q', '2026-01-01')",
    )
    execute(
        api_project,
        "INSERT INTO polls_choice (id, question_id, choice_text, votes) VALUES (1, 1, 'c', 0)",
    )
    execute(api_project, "UPDATE polls_choice SET choice_text = 'short'")
    _make(api_project, SHORT_TEXT)  # every value fits
    execute(api_project, "DELETE FROM polls_choice")
    change(api_project, WITHOUT_CHOICE)  # the table is empty
    steps = api.migrate(plan=True).plan.steps
    assert not steps[-1].operations[0].is_loss_allowed
    api.migrate()
    assert "polls_choice" not in tables(api_project)


def test_a_plan_whose_later_migration_loses_data_changes_nothing(
    api_project: TutorialProject,
) -> None:
    start(api_project)
    first = _make(api_project, TUTORIAL_MODELS.replace("max_length=200)", "max_length=300)", 1))
    second = _make(api_project, WITHOUT_CHOICE.replace("max_length=200)", "max_length=300)"))
    with pytest.raises(DataLossRefused) as refused:
        api.migrate()
    assert f"polls.{second}, operation 1 (Delete model Choice)" in str(refused.value)
    assert "drops table polls_choice and every row in it, which holds rows" in str(refused.value)
    assert ("polls", first) not in history(api_project)
    api.migrate(allow_data_loss=True)
    assert "polls_choice" not in tables(api_project)


def test_a_conversion_that_can_change_values_needs_acknowledging(
    api_project: TutorialProject,
) -> None:
    start(api_project)
    _make(api_project, DATE_ONLY)
    with pytest.raises(
        DataLossRefused, match="converts polls_question.pub_date from DateTimeField"
    ):
        api.migrate()
    api.migrate(allow_data_loss=True)


@pytest.mark.backends("sqlite", "postgresql", "mysql")
def test_a_narrowing_change_is_refused_while_a_value_does_not_fit_even_when_allowed(
    api_project: TutorialProject,
) -> None:
    start(api_project)
    name = _make(api_project, SHORT_TEXT, MigrationQuestioner(allow_data_loss=True))
    for allow in (False, True):
        with pytest.raises(DataLossRefused) as refused:
            api.migrate(allow_data_loss=allow)
        message = str(refused.value)
        assert f"polls.{name}, operation 1 (Alter field choice_text on choice)" in message
        assert "narrows polls_choice.choice_text from CharField(200) to CharField(8)" in message
        assert "the row of polls_choice with id = 3 has a value longer than 8 characters" in message
    assert ("polls", name) not in history(api_project)
    execute(api_project, "UPDATE polls_choice SET choice_text = 'Uni' WHERE id = 3")
    api.migrate()
    assert query(api_project, "SELECT choice_text FROM polls_choice ORDER BY id") == [
        ("Not much",),
        ("The sky",),
        ("Uni",),
    ]


@pytest.mark.backends("sqlite", "postgresql")
def test_an_integer_narrowing_names_the_row_out_of_range(api_project: TutorialProject) -> None:
    start(api_project)
    execute(api_project, "UPDATE polls_choice SET votes = 40000 WHERE id = 3")
    _make(api_project, SMALL_VOTES)
    with pytest.raises(DataLossRefused, match=r"with id = 3 has a value outside -32768\.\.32767"):
        api.migrate()
    execute(api_project, "UPDATE polls_choice SET votes = 4 WHERE id = 3")
    api.migrate()


def test_unapplying_is_not_gated_and_the_plan_names_what_it_drops(
    api_project: TutorialProject,
) -> None:
    start(api_project)
    plan = api.migrate("polls", "zero", plan=True).plan
    (step,) = plan.steps
    assert step.backwards
    assert "drops table polls_choice and every row in it" in step.operations[0].data_loss
    api.migrate("polls", "zero")
    assert "polls_choice" not in tables(api_project)


def test_makemigrations_asks_once_and_writes_the_acknowledgement_on_yes(
    api_project: TutorialProject,
) -> None:
    start(api_project)
    api_project.load(WITHOUT_CHOICE)
    out = io.StringIO()
    questioner = InteractiveMigrationQuestioner(stdin=io.StringIO("y\n"), stdout=out)
    (written,) = api.makemigrations("polls", questioner=questioner, dry_run=False)
    asked = out.getvalue()
    assert asked.count("[y/N]") == 1
    assert f"polls.{written.name}: Delete model Choice: drops table polls_choice" in asked
    assert "data-loss" in written.path.read_text()


def test_makemigrations_without_input_acknowledges_only_when_allowed(
    api_project: TutorialProject,
) -> None:
    start(api_project)
    api_project.load(WITHOUT_VOTES)
    (written,) = api.makemigrations("polls", questioner=NonInteractiveMigrationQuestioner())
    assert "data-loss" not in written.path.read_text()
    written.path.unlink()
    allowed = NonInteractiveMigrationQuestioner(allow_data_loss=True)
    (written,) = api.makemigrations("polls", questioner=allowed)
    assert "data-loss" in written.path.read_text()


def test_removing_a_many_to_many_field_with_links_needs_acknowledging(
    api_project: TutorialProject,
) -> None:
    related = TUTORIAL_MODELS.replace(
        '    pub_date = models.DateTimeField("date published")\n',
        '    pub_date = models.DateTimeField("date published")\n'
        '    related = models.ManyToManyField("self", blank=True)\n',
    )
    start(api_project)
    change(api_project, related)
    api.migrate()
    execute(
        api_project,
        "INSERT INTO polls_question_related (from_question_id, to_question_id) VALUES (1, 2)",
    )
    name = _make(api_project, TUTORIAL_MODELS)
    with pytest.raises(DataLossRefused) as refused:
        api.migrate()
    assert f"polls.{name}, operation 1 (Remove field related from question)" in str(refused.value)
    assert "drops the links of Question.related, which holds rows" in str(refused.value)
    assert "polls_question_related" in tables(api_project)
    api.migrate(allow_data_loss=True)
    assert "polls_question_related" not in tables(api_project)


def test_a_malformed_acknowledgement_names_the_migration_file(api_project: TutorialProject) -> None:
    start(api_project)
    name = _make(api_project, WITHOUT_VOTES, MigrationQuestioner(allow_data_loss=True))
    path = api_project.migrations_dir / f"{name}.py"
    path.write_text(path.read_text().replace('"data-loss",', "5,"))
    with pytest.raises(BadMigrationError, match=rf"{name}.*takes a list of finding ids"):
        api.migrate()
    assert "votes" in columns(api_project, "polls_choice")
