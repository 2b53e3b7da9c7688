"""The ``schemashift`` command group.

Each command lives in its own module, imported only when that command runs, so that start-up
stays fast: importing this module imports click and nothing heavy.
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import click

from schemashift import __version__
from schemashift.exceptions import SchemashiftError

# name -> ("module:attribute", short help shown by --help without importing the module).
COMMANDS: dict[str, tuple[str, str]] = {
    "startproject": (
        "schemashift.cli.startproject:command",
        "Create a project folder with manage.py and settings.",
    ),
    "startapp": ("schemashift.cli.startapp:command", "Create an app folder with models.py."),
    "init": (
        "schemashift.cli.init:command",
        "Configure schemashift in pyproject.toml and create an app.",
    ),
    "makemigrations": (
        "schemashift.cli.makemigrations:command",
        "Write new migrations for changes to the models.",
    ),
    "sqlmigrate": ("schemashift.cli.sqlmigrate:command", "Print the SQL of one migration."),
    "lint": (
        "schemashift.cli.lint:command",
        "Check migrations for long locks, breaking changes and data loss.",
    ),
    "check": ("schemashift.cli.check:command", "Check the models and migrations for problems."),
    "migrate": (
        "schemashift.cli.migrate:command",
        "Apply or unapply migrations on the database.",
    ),
    "squashmigrations": (
        "schemashift.cli.squashmigrations:command",
        "Squash a range of an app's migrations into one, checked on scratch databases.",
    ),
    "showmigrations": (
        "schemashift.cli.showmigrations:command",
        "List migrations and whether each is applied.",
    ),
    "graph": (
        "schemashift.cli.graph:command",
        "Draw the migration graph as Mermaid, Graphviz DOT or SVG.",
    ),
    "erd": (
        "schemashift.cli.erd:command",
        "Draw the models' tables and foreign keys as Mermaid, Graphviz DOT or SVG.",
    ),
    "shell": (
        "schemashift.cli.shell:command",
        "Start a Python prompt with the project's models loaded.",
    ),
    "dbshell": (
        "schemashift.cli.dbshell:command",
        "Run the database's command-line client.",
    ),
    "port": (
        "schemashift.cli.port:command",
        "Rewrite a Django project's imports and dotted names to schemashift's.",
    ),
}

#: commands whose output may be printed again from ``output_cache.py`` when nothing changed
CACHED_COMMANDS = frozenset({"showmigrations", "sqlmigrate", "makemigrations", "migrate"})

SETTINGS_OPTION = "--settings"
#: the group's options, also accepted after the command name as Django accepts them
VALUE_OPTIONS = frozenset({SETTINGS_OPTION, "--pythonpath", "--verbosity", "-v"})
FLAG_OPTIONS = frozenset({"--traceback", "--no-color"})


@dataclass
class CliState:
    """What the group's options set, for commands to read via ``ctx.obj``."""

    settings_module: str | None = None
    show_traceback: bool = False
    verbosity: int = 1
    #: "json" once a command's ``--format json`` is read: errors are reported as JSON too
    output_format: str = "text"
    #: the ``output_cache.Recording`` keeping what a cached command prints
    recording: Any = None


class LazyGroup(click.Group):
    """A click group whose commands are imported from ``module:attribute`` on first use.

    It also turns errors a user can cause (``SchemashiftError``) into one line on stderr and
    the error's exit code, and Ctrl-C into exit status 130.
    """

    def __init__(
        self, *args: Any, lazy_commands: dict[str, tuple[str, str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        if cmd_name not in self.lazy_commands:
            return None
        command = self._import_command(cmd_name)
        self.commands[cmd_name] = command
        return command

    def _import_command(self, cmd_name: str) -> click.Command:
        target = self.lazy_commands[cmd_name][0]
        module_name, _, attribute = target.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name and not module_name.startswith(f"{exc.name}."):
                raise  # the command module exists; something it imports is missing: a bug
            raise SchemashiftError(
                f"The '{cmd_name}' command is not available in this installation "
                f"(module {module_name} is missing)."
            ) from None
        command = getattr(module, attribute or "command", None)
        if not isinstance(command, click.Command):
            raise SchemashiftError(
                f"The '{cmd_name}' command is broken: {target} is not a click command."
            )
        return command

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0]
        is_known = name in self.commands or name in self.lazy_commands
        if not is_known and not name.startswith("-") and not ctx.resilient_parsing:
            # Suggest lazy command names too, which click's own message cannot see.
            import difflib

            matches = difflib.get_close_matches(name, self.list_commands(ctx))
            hint = f" Did you mean {' or '.join(map(repr, matches))}?" if matches else ""
            ctx.fail(f"No such command {name!r}.{hint}")
        if name in CACHED_COMMANDS and not ctx.resilient_parsing:
            self._replay_or_record(ctx, name, args[1:])
        return super().resolve_command(ctx, args)

    def _replay_or_record(self, ctx: click.Context, name: str, args: list[str]) -> None:
        """Print the command's kept output and exit, if nothing it read has changed; else
        start keeping what it prints (``output_cache.py``). Before the command is imported."""
        from schemashift.cli import output_cache

        if not output_cache.is_cached_command(name, args):
            return
        state = group_state(ctx)
        options = (state.verbosity, ctx.color)
        run = output_cache.CommandRun.of(name, args, options, state.settings_module)
        if run is None:
            return
        if run.replay():
            ctx.exit(0)
        state.recording = run.record()

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, self._short_help(ctx, name)) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def _short_help(self, ctx: click.Context, name: str) -> str:
        if name in self.lazy_commands and name not in self.commands:
            return self.lazy_commands[name][1]
        return self.commands[name].get_short_help_str()

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, hoist_global_options(args))

    def invoke(self, ctx: click.Context) -> Any:
        succeeded = False
        try:
            result = super().invoke(ctx)
            succeeded = True
            return result
        except click.exceptions.Exit as exc:
            succeeded = exc.exit_code == 0
            raise
        except SchemashiftError as exc:
            state = ctx.obj if isinstance(ctx.obj, CliState) else CliState()
            if state.show_traceback:
                traceback.print_exc()
            report_error(exc)
            if state.output_format == "json":
                from schemashift.cli import json_output

                json_output.emit(json_output.error(exc, exc.exit_code))
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            ctx.exit(130)
        finally:
            recording = ctx.obj.recording if isinstance(ctx.obj, CliState) else None
            if recording is not None:
                ctx.obj.recording = None
                recording.finish(succeeded)

    def main(self, args: Sequence[str] | None = None, *extra: Any, **kwargs: Any) -> Any:
        """Run the command line; the current folder is importable, as with ``python -m``."""
        cwd = os.getcwd()
        if cwd not in sys.path and "" not in sys.path:
            sys.path.insert(1 if sys.path else 0, cwd)
        return super().main(args, *extra, **kwargs)


def hoist_global_options(args: list[str]) -> list[str]:
    """Move the group's options given after the command name (Django's habit) before it.

    ``manage.py migrate --settings X -v 2`` reads as ``manage.py --settings X -v 2 migrate``.
    Nothing after ``--`` moves.
    """
    hoisted: list[str] = []
    rest: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            rest.extend(args[index:])
            break
        if arg in VALUE_OPTIONS and index + 1 < len(args):
            hoisted += args[index : index + 2]
            index += 2
            continue
        if arg in FLAG_OPTIONS or _is_joined_value_option(arg):
            hoisted.append(arg)
        else:
            rest.append(arg)
        index += 1
    return hoisted + rest


def _is_joined_value_option(arg: str) -> bool:
    """``--settings=X`` or ``-v2``."""
    if arg.startswith("--"):
        return arg.partition("=")[0] in VALUE_OPTIONS and "=" in arg
    return any(arg.startswith(short) and len(arg) > 2 for short in VALUE_OPTIONS if len(short) == 2)


def report_error(exc: SchemashiftError) -> None:
    """Print a user error the way every command does: one red line on stderr."""
    click.secho(f"CommandError: {exc}", err=True, fg="red")


@click.group(cls=LazyGroup, lazy_commands=COMMANDS, context_settings={"max_content_width": 100})
@click.option(
    SETTINGS_OPTION,
    "settings_module",
    metavar="MODULE",
    help="Settings module, e.g. mysite.settings (default: $SCHEMASHIFT_SETTINGS).",
)
@click.option(
    "--pythonpath",
    metavar="DIRECTORY",
    help="A directory to add to the Python path, e.g. /home/projects/myproject.",
)
@click.option("--traceback", "show_traceback", is_flag=True, help="Show tracebacks of errors.")
@click.option(
    "-v",
    "--verbosity",
    type=click.IntRange(0, 3),
    default=1,
    show_default=True,
    help="Verbosity level: 0 minimal output, 1 normal, 2 and 3 more.",
)
@click.option("--no-color", is_flag=True, help="Don't colour the output.")
@click.version_option(__version__, prog_name="schemashift")
@click.pass_context
def main(
    ctx: click.Context,
    settings_module: str | None,
    pythonpath: str | None,
    show_traceback: bool,
    verbosity: int,
    no_color: bool,
) -> None:
    """Django-style models and migrations for any Python project."""
    group_state(ctx)


def group_state(ctx: click.Context) -> CliState:
    """The group's options, applied once (``--pythonpath``, ``--no-color``) and kept in
    ``ctx.obj``; a cached command reads them before the group's own callback runs."""
    if isinstance(ctx.obj, CliState):
        return ctx.obj
    params = ctx.params
    if params.get("pythonpath"):
        sys.path.insert(0, os.path.abspath(params["pythonpath"]))
    if params.get("no_color"):
        ctx.color = False
    ctx.obj = CliState(
        settings_module=params.get("settings_module"),
        show_traceback=bool(params.get("show_traceback")),
        verbosity=params.get("verbosity", 1),
    )
    return ctx.obj
