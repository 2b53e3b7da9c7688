"""The questions makemigrations asks, their exact wording, and the answers without a terminal."""

from __future__ import annotations

import datetime
import io
import types
from pathlib import Path

import pytest

from schemashift import models
from schemashift.apps import AppConfig, apps
from schemashift.exceptions import MissingDefault
from schemashift.migrations.questioner import (
    InteractiveMigrationQuestioner,
    MigrationQuestioner,
    NonInteractiveMigrationQuestioner,
)
from schemashift.migrations.state import ModelState
from schemashift.utils import timezone

NOT_NULL_PROMPT = (
    "It is impossible to add a non-nullable field 'author' to question without specifying a "
    "default. This is because the database needs something to populate existing rows.\n"
    "Please select a fix:\n"
    " 1) Provide a one-off default now (will be set on all existing rows with a null value "
    "for this column)\n"
    " 2) Quit and manually define a default value in models.py.\n"
    "Select an option: "
)
DEFAULT_PROMPT = (
    "Please enter the default value as valid Python.\n"
    "The datetime and schemashift.utils.timezone modules are available, so it is possible to "
    "provide e.g. timezone.now as a value.\n"
    "Type 'exit' to exit this prompt\n"
    ">>> "
)


def ask(answers: str, dry_run: bool = False) -> tuple[InteractiveMigrationQuestioner, io.StringIO]:
    out = io.StringIO()
    questioner = InteractiveMigrationQuestioner(
        stdin=io.StringIO(answers), stdout=out, dry_run=dry_run
    )
    return questioner, out


# -- yes/no questions -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("y\n", True),
        ("Y\n", True),
        ("yes\n", True),
        ("YES\n", True),
        (" y \n", True),
        ("n\n", False),
        ("\n", False),
        ("maybe\n", False),
        ("", False),
    ],
)
def test_rename_answers(answer: str, expected: bool) -> None:
    questioner, _out = ask(answer)

    assert questioner.ask_rename("choice", "votes", "vote_count", models.IntegerField()) is expected


def test_rename_field_wording() -> None:
    questioner, out = ask("y\n")

    questioner.ask_rename("choice", "votes", "vote_count", models.IntegerField())

    assert (
        out.getvalue() == "Was choice.votes renamed to choice.vote_count (a IntegerField)? [y/N] "
    )


def test_rename_model_wording() -> None:
    questioner, out = ask("n\n")
    old = ModelState("polls", "Question", {"id": models.BigAutoField(primary_key=True)})
    new = ModelState("polls", "Poll", {"id": models.BigAutoField(primary_key=True)})

    assert questioner.ask_rename_model(old, new) is False
    assert out.getvalue() == "Was the model polls.Question renamed to Poll? [y/N] "


def test_each_question_reads_one_line_from_a_pipe() -> None:
    questioner, _out = ask("y\nn\ny\n")
    field = models.IntegerField()

    answers = [questioner.ask_rename("m", "a", "b", field) for _ in range(4)]

    assert answers == [True, False, True, False]


# -- one-off defaults -----------------------------------------------------------------------


def test_not_null_addition_prompt_and_value() -> None:
    questioner, out = ask("1\n'anonymous'\n")

    assert questioner.ask_not_null_addition("author", "question") == "anonymous"
    assert out.getvalue() == NOT_NULL_PROMPT + DEFAULT_PROMPT


def test_default_can_use_datetime_and_timezone() -> None:
    questioner, _out = ask("1\ndatetime.date(2024, 1, 2)\n")
    assert questioner.ask_not_null_addition("day", "event") == datetime.date(2024, 1, 2)

    questioner, _out = ask("1\ntimezone.now\n")
    assert questioner.ask_not_null_addition("at", "event") is timezone.now


def test_invalid_python_is_reported_and_asked_again() -> None:
    questioner, out = ask("1\n1 +\n\n42\n")

    assert questioner.ask_not_null_addition("author", "question") == 42
    text = out.getvalue()
    assert "SyntaxError" in text
    assert "Please enter some code, or 'exit' (without quotes) to exit." in text
    assert text.count(">>> ") == 3


def test_invalid_choice_is_asked_again() -> None:
    questioner, out = ask("x\n7\n1\n5\n")

    assert questioner.ask_not_null_addition("author", "question") == 5
    assert out.getvalue().count("Please select a valid option: ") == 2


@pytest.mark.parametrize(
    "answers", ["2\n", "1\nexit\n", "", "1\n"], ids=["quit", "exit", "eof", "eof2"]
)
def test_quitting_the_default_prompt_exits_with_status_3(answers: str) -> None:
    questioner, _out = ask(answers)

    with pytest.raises(MissingDefault) as caught:
        questioner.ask_not_null_addition("author", "question")

    assert caught.value.exit_code == 3
    assert "'author' on question" in str(caught.value)


def test_auto_now_add_addition_offers_timezone_now() -> None:
    questioner, out = ask("1\n\n")

    assert questioner.ask_auto_now_add_addition("created", "choice") is timezone.now
    text = out.getvalue()
    assert text.startswith(
        "It is impossible to add the field 'created' with 'auto_now_add=True' to choice without "
        "providing a default."
    )
    assert " 1) Provide a one-off default now which will be set on all existing rows\n" in text
    assert "Accept the default 'timezone.now' by pressing 'Enter' or provide another value." in text
    assert text.endswith("[default: timezone.now] >>> ")


def test_not_null_alteration_offers_three_choices() -> None:
    questioner, out = ask("1\n0\n")
    assert questioner.ask_not_null_alteration("votes", "choice") == 0
    text = out.getvalue()
    assert text.startswith(
        "It is impossible to change a nullable field 'votes' on choice to non-nullable without "
        "providing a default."
    )
    assert (
        " 2) Ignore for now. Existing rows that contain NULL values will have to be handled "
        in text
    )
    assert " 3) Quit and manually define a default value in models.py.\n" in text

    ignore, _out = ask("2\n")
    assert ignore.ask_not_null_alteration("votes", "choice") is None

    quit_, _out = ask("3\n")
    with pytest.raises(MissingDefault):
        quit_.ask_not_null_alteration("votes", "choice")


def test_unique_field_with_callable_default_can_continue_or_quit() -> None:
    questioner, out = ask("1\n")
    assert questioner.ask_unique_callable_default_addition("code", "item") is None
    assert "Callable default on unique field item.code" in out.getvalue()

    quit_, _out = ask("2\n")
    with pytest.raises(MissingDefault):
        quit_.ask_unique_callable_default_addition("code", "item")


def test_dry_run_asks_no_default_question() -> None:
    questioner, out = ask("", dry_run=True)

    assert questioner.ask_not_null_addition("author", "question") is None
    assert questioner.ask_auto_now_add_addition("created", "choice") is None
    assert questioner.ask_not_null_alteration("votes", "choice") is None
    assert out.getvalue() == ""


def test_dry_run_still_asks_about_renames() -> None:
    questioner, out = ask("y\n", dry_run=True)

    assert questioner.ask_rename("choice", "votes", "vote_count", models.IntegerField())
    assert out.getvalue()


# -- without input --------------------------------------------------------------------------


def test_non_interactive_never_assumes_a_rename() -> None:
    questioner = NonInteractiveMigrationQuestioner()
    state = ModelState("polls", "Question", {"id": models.BigAutoField(primary_key=True)})

    assert questioner.ask_rename("choice", "votes", "vote_count", models.IntegerField()) is False
    assert questioner.ask_rename_model(state, state) is False


def test_non_interactive_not_null_addition_exits_with_status_3() -> None:
    with pytest.raises(MissingDefault) as caught:
        NonInteractiveMigrationQuestioner().ask_not_null_addition("author", "question")

    assert caught.value.exit_code == 3
    assert str(caught.value).startswith(
        "It is impossible to add a non-nullable field 'author' to question without specifying a "
        "default."
    )


def test_non_interactive_auto_now_add_addition_exits_with_status_3() -> None:
    with pytest.raises(MissingDefault) as caught:
        NonInteractiveMigrationQuestioner().ask_auto_now_add_addition("created", "choice")

    assert caught.value.exit_code == 3
    assert str(caught.value).startswith(
        "It is impossible to add the field 'created' with 'auto_now_add=True' to choice"
    )


def test_non_interactive_dry_run_generates_without_a_default() -> None:
    questioner = NonInteractiveMigrationQuestioner(dry_run=True)

    assert questioner.ask_not_null_addition("author", "question") is None


def test_non_interactive_not_null_alteration_logs_and_proceeds() -> None:
    logged: list[str] = []

    assert (
        NonInteractiveMigrationQuestioner(log=logged.append).ask_not_null_alteration(
            "votes", "choice"
        )
        is None
    )
    assert logged == [
        "Field 'votes' on model 'choice' given a default of NOT PROVIDED and must be corrected."
    ]

    silent: list[str] = []
    NonInteractiveMigrationQuestioner(verbosity=0, log=silent.append).ask_not_null_alteration(
        "votes", "choice"
    )
    assert silent == []


def test_non_interactive_logs_to_stderr_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    NonInteractiveMigrationQuestioner().ask_not_null_alteration("votes", "choice")

    assert "Field 'votes' on model 'choice'" in capsys.readouterr().err


def test_base_questioner_refuses_to_guess_a_default() -> None:
    with pytest.raises(MissingDefault):
        MigrationQuestioner().ask_not_null_addition("author", "question")
    assert MigrationQuestioner().ask_not_null_alteration("votes", "choice") is None


# -- initial migrations ---------------------------------------------------------------------


def install_app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, label: str) -> Path:
    package = tmp_path / label
    package.mkdir()
    (package / "__init__.py").write_text("")
    module = types.ModuleType(label)
    module.__file__ = str(package / "__init__.py")
    monkeypatch.setitem(apps.app_configs, label, AppConfig(label, module))
    return package


def test_named_app_always_gets_an_initial_migration() -> None:
    assert MigrationQuestioner(specified_apps=["shop"]).ask_initial("shop") is True


def test_app_with_empty_migrations_package_gets_an_initial_migration(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    package = install_app(monkeypatch, tmp_path, "shop")
    questioner = MigrationQuestioner()

    assert questioner.ask_initial("shop") is False
    (package / "migrations").mkdir()
    (package / "migrations" / "__init__.py").write_text("")
    assert questioner.ask_initial("shop") is True
    (package / "migrations" / "0001_initial.py").write_text("")
    assert questioner.ask_initial("shop") is False


def test_app_unknown_to_the_registry_gets_an_initial_migration() -> None:
    assert MigrationQuestioner().ask_initial("built_in_code") is True
