"""``--format json``: one JSON document per command on stdout, built from the same ``api``
results as the text.

Every document has ``"schemashift_format": FORMAT_VERSION`` first; its shape per command is
written down as a JSON Schema in ``schemashift/cli/schemas/`` (docs/json-output.md). A new key
may be added within a version; a key is renamed, removed or changes meaning only with a new
version. Lists are in the order the text lists them, which is deterministic.

This module imports no SQLAlchemy: the status commands that use it stay light.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from schemashift.check_messages import ERROR, WARNING

if TYPE_CHECKING:
    from schemashift.api import MigrationFile, MigrationPlan, PlannedOperation
    from schemashift.check_messages import CheckMessage
    from schemashift.migrations.drift import Difference
    from schemashift.migrations.sql_script import MigrationSQL

FORMAT_VERSION = 1
TEXT, JSON = "text", "json"

Document = dict[str, Any]
F = TypeVar("F", bound=Callable[..., Any])


def format_option(help: str) -> Callable[[F], F]:
    """The ``--format [text|json]`` option; JSON mode is noted on the group's state as soon as
    the option is read, so that an error raised later is reported as JSON too."""

    def remember(ctx: click.Context, _param: click.Parameter, value: str) -> str:
        from schemashift.cli.main import CliState

        state = ctx.find_object(CliState)
        if state is not None:
            state.output_format = value
        return value

    return click.option(
        "--format",
        "output_format",
        type=click.Choice([TEXT, JSON]),
        default=TEXT,
        show_default=True,
        callback=remember,
        help=help,
    )


def emit(document: Document) -> None:
    """Print the document on stdout, indented, keys in the order built."""
    click.echo(json.dumps(document, indent=2, ensure_ascii=False))


def _document(**content: Any) -> Document:
    return {"schemashift_format": FORMAT_VERSION, **content}


# -- showmigrations ---------------------------------------------------------------------------


def showmigrations(shown: dict[str, list[tuple[str, bool]]]) -> Document:
    """``showmigrations``: each app, in the order shown, with its migrations in apply order."""
    return _document(
        apps=[
            {
                "app": app_label,
                "migrations": [
                    {"name": name, "applied": is_applied} for name, is_applied in migrations
                ],
            }
            for app_label, migrations in shown.items()
        ]
    )


def showmigrations_plan(plan: Iterable[tuple[str, str, bool]]) -> Document:
    """``showmigrations --plan``: every migration in the order migrate applies them."""
    return _document(
        plan=[
            {"app": app_label, "name": name, "applied": is_applied}
            for app_label, name, is_applied in plan
        ]
    )


# -- migrate --plan ---------------------------------------------------------------------------


def migrate_plan(plan: MigrationPlan, held_back: Sequence[str] = ()) -> Document:
    """``migrate --plan`` (and ``--check``): the migrations to (un)apply, in order, with what
    each operation does, can destroy and the lint rules found in it."""
    return _document(
        targets=[{"app": app_label, "name": name} for app_label, name in plan.targets],
        migrated_apps=list(plan.migrated_apps),
        adopted=list(plan.adopted),
        held_back=list(held_back),
        steps=[
            {
                "app": step.app_label,
                "name": step.name,
                "direction": "unapply" if step.backwards else "apply",
                "operations": [_planned_operation(operation) for operation in step.operations],
            }
            for step in plan.steps
        ],
    )


def _planned_operation(operation: PlannedOperation) -> Document:
    return {
        "description": operation.description,
        "is_reversible": operation.is_reversible,
        "is_destructive": operation.is_destructive,
        "data_loss": [
            {"reason": reason, "acknowledged": operation.is_loss_allowed}
            for reason in operation.data_loss
        ],
        "findings": [finding.as_dict() for finding in operation.findings],
    }


# -- check ------------------------------------------------------------------------------------


def check(
    messages: Sequence[CheckMessage], drift: Sequence[tuple[str, Sequence[Difference]]] = ()
) -> Document:
    """``check``: the system check messages and, per ``--database`` compared, its drift.

    ``ok`` is false when a message is an error or a database drifted (exit status not 0)."""
    has_error = any(message.is_error for message in messages)
    return _document(
        ok=not has_error and not any(differences for _alias, differences in drift),
        messages=[_check_message(message) for message in messages],
        drift=[
            {
                "database": alias,
                "matches": not differences,
                "differences": [_difference(difference) for difference in differences],
            }
            for alias, differences in drift
        ],
    )


def _check_message(message: CheckMessage) -> Document:
    return {
        "id": message.id,
        "level": _level(message.level),
        "message": message.msg,
        "hint": message.hint,
        "obj": message.where or None,
    }


def _level(level: int) -> str:
    if level >= ERROR:
        return "error"
    if level >= WARNING:
        return "warning"
    return "info"


def _difference(difference: Difference) -> Document:
    return {
        "table": difference.table,
        "element": difference.element,
        "name": difference.name,
        "kind": difference.kind,
        "history": difference.history,
        "database": difference.database,
        "aspect": difference.aspect,
        "detail": difference.detail(),
    }


# -- makemigrations ---------------------------------------------------------------------------


def makemigrations(files: Sequence[MigrationFile], shown_path: Callable[[Path], str]) -> Document:
    """``makemigrations --check`` or ``--dry-run``: the migrations that would be written."""
    return _document(
        changes=bool(files),
        migrations=[
            {
                "app": file.app_label,
                "name": file.name,
                "path": shown_path(file.path),
                "operations": [_formatted_operation(text) for text in file.operations],
                "findings": [finding.as_dict() for finding in file.findings],
            }
            for file in files
        ],
    )


def _formatted_operation(text: str) -> Document:
    """``+ Create model Question`` -> its category sign and description."""
    category, _, description = text.partition(" ")
    return {"category": category, "description": description}


# -- sqlmigrate -------------------------------------------------------------------------------


def sqlmigrate(script: MigrationSQL) -> Document:
    """``sqlmigrate``: the statements in the order they run, and per operation, the lock of
    each."""
    return _document(
        app=script.app_label,
        migration=script.name,
        backwards=script.backwards,
        atomic=script.is_atomic,
        online=script.is_online,
        statements=[statement.sql for statement in script.statements],
        operations=[
            {
                "description": operation.description,
                "is_sql": operation.is_sql,
                "statements": [
                    {"sql": statement.sql, "lock": statement.lock, "notes": list(statement.notes)}
                    for statement in operation.statements
                ],
            }
            for operation in script.operations
        ],
    )


# -- errors -----------------------------------------------------------------------------------


def error(exc: Exception, exit_code: int) -> Document:
    """A user error (``SchemashiftError``) the command stopped on."""
    return _document(
        error={"type": type(exc).__name__, "message": str(exc), "exit_code": exit_code}
    )


__all__ = [
    "FORMAT_VERSION",
    "JSON",
    "TEXT",
    "check",
    "emit",
    "error",
    "format_option",
    "makemigrations",
    "migrate_plan",
    "showmigrations",
    "showmigrations_plan",
    "sqlmigrate",
]
