"""The questions makemigrations asks (renames, defaults), and the answers without a terminal.

Answers the autodetector understands:

- ``ask_rename`` / ``ask_rename_model``: True to emit a rename, False for remove + add.
- ``ask_not_null_addition`` / ``ask_auto_now_add_addition``: a one-off default value for the
  existing rows; None in dry-run mode (the operation is still generated, nothing is asked);
  raising MissingDefault (exit status 3) stops makemigrations.
- ``ask_not_null_alteration``: a one-off default, or None to leave the existing NULL values
  for a RunPython/RunSQL to fix.
- ``ask_merge`` (makemigrations --merge): True to write the merge migration of an app.
"""

from __future__ import annotations

import datetime
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TextIO

from schemashift.apps import apps
from schemashift.exceptions import AppNotFound, MissingDefault
from schemashift.models.fields import Field
from schemashift.utils import timezone

if TYPE_CHECKING:
    from schemashift.migrations.state import ModelState

__all__ = [
    "InteractiveMigrationQuestioner",
    "MigrationQuestioner",
    "NonInteractiveMigrationQuestioner",
]


class MigrationQuestioner:
    """Answers without asking: no renames, and no default for a new NOT NULL field.

    ``specified_apps`` are the app labels named on the command line; each gets an initial
    migration even without a migrations package. In ``dry_run`` mode (``--dry-run``,
    ``--check``) default questions are not asked and return None. ``allow_data_loss``
    (``--allow-data-loss``) writes operations that destroy stored data as acknowledged.
    """

    def __init__(
        self,
        specified_apps: Iterable[str] | None = None,
        dry_run: bool = False,
        allow_data_loss: bool = False,
    ):
        self.specified_apps = set(specified_apps or ())
        self.dry_run = dry_run
        self.allow_data_loss = allow_data_loss

    def ask_data_loss(self, losses: list[str]) -> bool:
        """Whether to write the operations that destroy stored data (``losses``, one line
        each) acknowledged, so that migrate runs them on a database holding that data."""
        return self.allow_data_loss

    def ask_initial(self, app_label: str) -> bool:
        """Whether an app without migrations should get ``0001_initial``.

        Yes if it was named, or if it has a migrations package (``migrations/__init__.py``)
        holding no migration yet. An app the registry does not know (states built in code)
        gets one too.
        """
        if app_label in self.specified_apps:
            return True
        try:
            config = apps.get_app_config(app_label)
        except AppNotFound:
            return True
        package = config.migrations_path
        if not (package / "__init__.py").is_file():
            return False
        return not any(p.suffix == ".py" and p.name != "__init__.py" for p in package.iterdir())

    def ask_rename(self, model_name: str, old_name: str, new_name: str, field: Field) -> bool:
        """Was ``model_name.old_name`` renamed to ``new_name``?"""
        return False

    def ask_rename_model(self, old_model_state: ModelState, new_model_state: ModelState) -> bool:
        """Was the model ``old_model_state`` renamed to ``new_model_state``?"""
        return False

    def ask_not_null_addition(self, field_name: str, model_name: str) -> Any:
        """A one-off default for a new NOT NULL field on a model that may have rows."""
        if self.dry_run:
            return None
        raise MissingDefault(_not_null_addition_message(field_name, model_name))

    def ask_auto_now_add_addition(self, field_name: str, model_name: str) -> Any:
        """A one-off default for a new ``auto_now_add`` field on a model that may have rows."""
        if self.dry_run:
            return None
        raise MissingDefault(_auto_now_add_message(field_name, model_name))

    def ask_not_null_alteration(self, field_name: str, model_name: str) -> Any:
        """A one-off default for NULL rows of a field becoming NOT NULL; None leaves them."""
        return None

    def ask_unique_callable_default_addition(self, field_name: str, model_name: str) -> None:
        """A new unique field with a callable default: every existing row gets one value."""
        return None

    def ask_merge(self, app_label: str) -> bool:
        """Should the app's conflicting branches be merged? Without a terminal, as asked: yes."""
        return True


class InteractiveMigrationQuestioner(MigrationQuestioner):
    """Asks on ``stdout`` and reads answers line by line from ``stdin`` (a TTY or a pipe)."""

    def __init__(
        self,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        dry_run: bool = False,
        specified_apps: Iterable[str] | None = None,
        echo_answers: bool = False,
        allow_data_loss: bool = False,
    ):
        super().__init__(specified_apps, dry_run, allow_data_loss)
        self.stdin = stdin if stdin is not None else sys.stdin
        self.stdout = stdout if stdout is not None else sys.stdout
        #: write each answer after its prompt: a piped answer is not echoed by a terminal
        self.echo_answers = echo_answers

    # -- plumbing ---------------------------------------------------------------------------

    def _write(self, text: str, ending: str = "\n") -> None:
        self.stdout.write(text + ending)
        self.stdout.flush()

    def _read(self) -> str | None:
        """One answer line without its newline; None at the end of input."""
        line = self.stdin.readline()
        if not line:
            if self.echo_answers:
                self._write("")
            return None
        answer = line.rstrip("\r\n")
        if self.echo_answers:
            self._write(answer)
        return answer

    def _boolean_input(self, question: str) -> bool:
        """Yes only for y/yes (any case); anything else, or no input at all, is no."""
        self._write(f"{question} ", ending="")
        answer = self._read()
        if answer is None:
            self._write("")
            return False
        return answer.strip().lower() in ("y", "yes")

    def _choice_input(self, question: str, choices: list[str]) -> int | None:
        """The 1-based number of the chosen option; None when input ends."""
        self._write(question)
        for number, choice in enumerate(choices, start=1):
            self._write(f" {number}) {choice}")
        self._write("Select an option: ", ending="")
        while True:
            answer = self._read()
            if answer is None:
                self._write("")
                return None
            if answer.strip().isdigit() and 0 < int(answer) <= len(choices):
                return int(answer)
            self._write("Please select a valid option: ", ending="")

    def _ask_default(self, quit_message: str, default: str = "") -> Any:
        """Read Python until it evaluates; ``exit`` (or the end of input) quits."""
        self._write("Please enter the default value as valid Python.")
        if default:
            self._write(
                f"Accept the default '{default}' by pressing 'Enter' or provide another value."
            )
        self._write(
            "The datetime and schemashift.utils.timezone modules are available, so it is "
            "possible to provide e.g. timezone.now as a value."
        )
        self._write("Type 'exit' to exit this prompt")
        while True:
            self._write(f"[default: {default}] >>> " if default else ">>> ", ending="")
            code = self._read()
            if code is None or code.strip() == "exit":
                raise MissingDefault(quit_message)
            code = code.strip() or default
            if not code:
                self._write("Please enter some code, or 'exit' (without quotes) to exit.")
                continue
            try:
                return eval(code, {}, {"datetime": datetime, "timezone": timezone})
            except Exception as exc:  # any error in the user's expression: ask again
                self._write(f"{type(exc).__name__}: {exc}")

    # -- questions --------------------------------------------------------------------------

    def ask_data_loss(self, losses: list[str]) -> bool:
        if self.allow_data_loss or self.dry_run:
            return self.allow_data_loss
        self._write("These operations destroy stored data:")
        for line in losses:
            self._write(f"  - {line}")
        return self._boolean_input(
            "Acknowledge it in the migration, so that migrate runs them on a database that "
            "holds such data? [y/N]"
        )

    def ask_rename(self, model_name: str, old_name: str, new_name: str, field: Field) -> bool:
        kind = type(field).__name__
        return self._boolean_input(
            f"Was {model_name}.{old_name} renamed to {model_name}.{new_name} (a {kind})? [y/N]"
        )

    def ask_rename_model(self, old_model_state: ModelState, new_model_state: ModelState) -> bool:
        old = f"{old_model_state.app_label}.{old_model_state.name}"
        return self._boolean_input(f"Was the model {old} renamed to {new_model_state.name}? [y/N]")

    def ask_not_null_addition(self, field_name: str, model_name: str) -> Any:
        if self.dry_run:
            return None
        message = _quit_message(field_name, model_name)
        choice = self._choice_input(
            f"It is impossible to add a non-nullable field '{field_name}' to {model_name} "
            "without specifying a default. This is because the database needs something to "
            "populate existing rows.\nPlease select a fix:",
            [_ONE_OFF_CHOICE, _QUIT_CHOICE],
        )
        if choice != 1:
            raise MissingDefault(message)
        return self._ask_default(message)

    def ask_auto_now_add_addition(self, field_name: str, model_name: str) -> Any:
        if self.dry_run:
            return None
        message = _quit_message(field_name, model_name)
        choice = self._choice_input(
            f"It is impossible to add the field '{field_name}' with 'auto_now_add=True' to "
            f"{model_name} without providing a default. This is because the database needs "
            "something to populate existing rows.\n",
            ["Provide a one-off default now which will be set on all existing rows", _QUIT_CHOICE],
        )
        if choice != 1:
            raise MissingDefault(message)
        return self._ask_default(message, default="timezone.now")

    def ask_not_null_alteration(self, field_name: str, model_name: str) -> Any:
        if self.dry_run:
            return None
        choice = self._choice_input(
            f"It is impossible to change a nullable field '{field_name}' on {model_name} to "
            "non-nullable without providing a default. This is because the database needs "
            "something to populate existing rows.\nPlease select a fix:",
            [
                _ONE_OFF_CHOICE,
                "Ignore for now. Existing rows that contain NULL values will have to be handled "
                "manually, for example with a RunPython or RunSQL operation.",
                _QUIT_CHOICE,
            ],
        )
        message = _quit_message(field_name, model_name)
        if choice == 2:
            return None
        if choice != 1:
            raise MissingDefault(message)
        return self._ask_default(message)

    def ask_unique_callable_default_addition(self, field_name: str, model_name: str) -> None:
        if self.dry_run:
            return None
        choice = self._choice_input(
            f"Callable default on unique field {model_name}.{field_name} will not generate "
            "unique values upon migrating.\nPlease choose how to proceed:\n",
            [
                "Continue making this migration as the first step in writing a manual "
                "migration to generate unique values.",
                "Quit and edit field options in models.py.",
            ],
        )
        if choice != 1:
            raise MissingDefault(
                f"Quit: the unique field '{field_name}' on {model_name} has a callable default. "
                "Edit the field options in models.py."
            )
        return None

    def ask_merge(self, app_label: str) -> bool:
        return self._boolean_input(
            "\nMerging will only work if the operations printed above do not conflict\n"
            "with each other (working on different fields or models)\n"
            "Should these migration branches be merged? [y/N]"
        )


class NonInteractiveMigrationQuestioner(MigrationQuestioner):
    """``--noinput``: never assumes a rename; a missing default stops with exit status 3.

    ``log`` receives warnings (default: standard error); ``verbosity`` 0 silences them.
    """

    def __init__(
        self,
        verbosity: int = 1,
        log: Callable[[str], None] | None = None,
        dry_run: bool = False,
        specified_apps: Iterable[str] | None = None,
        allow_data_loss: bool = False,
    ):
        super().__init__(specified_apps, dry_run, allow_data_loss)
        self.verbosity = verbosity
        self.log = log if log is not None else _log_to_stderr

    def ask_not_null_alteration(self, field_name: str, model_name: str) -> Any:
        if self.verbosity > 0:
            self.log(
                f"Field '{field_name}' on model '{model_name}' given a default of NOT PROVIDED "
                "and must be corrected."
            )
        return None


_ONE_OFF_CHOICE = (
    "Provide a one-off default now (will be set on all existing rows with a null value for "
    "this column)"
)
_QUIT_CHOICE = "Quit and manually define a default value in models.py."


def _not_null_addition_message(field_name: str, model_name: str) -> str:
    return (
        f"It is impossible to add a non-nullable field '{field_name}' to {model_name} without "
        "specifying a default. This is because the database needs something to populate "
        "existing rows. Give the field a default or null=True in models.py, or run "
        "makemigrations without --noinput to provide a one-off default."
    )


def _quit_message(field_name: str, model_name: str) -> str:
    return (
        f"Quit without a default for the field '{field_name}' on {model_name}. Define a "
        "default in models.py (or make the field nullable) and run makemigrations again."
    )


def _auto_now_add_message(field_name: str, model_name: str) -> str:
    return (
        f"It is impossible to add the field '{field_name}' with 'auto_now_add=True' to "
        f"{model_name} without providing a default. This is because the database needs "
        "something to populate existing rows. Run makemigrations without --noinput to provide "
        "a one-off default (such as timezone.now)."
    )


def _log_to_stderr(message: str) -> None:
    print(message, file=sys.stderr)
