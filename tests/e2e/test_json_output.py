"""``--format json`` as a user (or a CI script) runs it: one JSON document on stdout, valid
against its published schema, with the values the text shows and the same exit status."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from support.tutorial import TUTORIAL_MODELS, WITH_AUTHOR, execute, ok

import schemashift

SCHEMAS = Path(schemashift.__file__).parent / "cli" / "schemas"
BROKEN_CHOICE = TUTORIAL_MODELS.replace(
    "choice_text = models.CharField(max_length=200)", "choice_text = models.CharField()"
)


def document(result: subprocess.CompletedProcess[str], schema: str) -> dict:
    """The whole of stdout as one JSON document, checked against ``<schema>.schema.json``."""
    assert "Traceback" not in result.stderr, result.stderr
    parsed = json.loads(result.stdout)
    validator = Draft202012Validator(json.loads((SCHEMAS / f"{schema}.schema.json").read_text()))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(parsed)]
    assert not errors, errors
    assert parsed["schemashift_format"] == 1
    return parsed


def ok_json(result: subprocess.CompletedProcess[str], schema: str) -> dict:
    """``document`` of a command that succeeded."""
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return document(result, schema)


def text_statements(sql: str) -> list[str]:
    """The statements of sqlmigrate's text: comments, BEGIN and COMMIT left out."""
    statements: list[str] = []
    current: list[str] = []
    for line in sql.splitlines():
        if line.startswith("--") or line in ("BEGIN;", "COMMIT;"):
            continue
        current.append(line)
        if line.endswith(";"):
            statements.append("\n".join(current))
            current = []
    assert not current, current
    return statements


@pytest.mark.backends("sqlite")
def test_makemigrations_check_and_dry_run(project) -> None:
    project.write_models(TUTORIAL_MODELS)
    checked = project.run("makemigrations", "--check", "--format", "json")
    assert checked.returncode == 1, checked.stderr
    found = document(checked, "makemigrations")
    assert found["changes"] is True
    [migration] = found["migrations"]
    assert (migration["app"], migration["name"]) == ("polls", "0001_initial")
    assert migration["path"] == str(Path("polls", "migrations", "0001_initial.py"))
    assert migration["operations"] == [
        {"category": "+", "description": "Create model Question"},
        {"category": "+", "description": "Create model Choice"},
    ]
    assert not (project.migrations_dir / "0001_initial.py").exists()

    dry = project.run("makemigrations", "--dry-run", "--format", "json")
    assert dry.returncode == 0
    assert document(dry, "makemigrations")["migrations"] == found["migrations"]
    assert not (project.migrations_dir / "0001_initial.py").exists()

    ok(project.run("makemigrations"))
    project.write_models(WITH_AUTHOR)
    dry = ok_json(project.run("makemigrations", "--dry-run", "--format", "json"), "makemigrations")
    [migration] = dry["migrations"]
    assert migration["name"] == "0002_question_author"
    assert [f["rule"] for f in migration["findings"]] == ["not-null-without-default"]
    assert migration["findings"][0]["operation"] == "Add field author to question"

    ok(project.run("makemigrations"))
    unchanged = project.run("makemigrations", "--check", "--format", "json")
    assert unchanged.returncode == 0
    assert document(unchanged, "makemigrations") == {
        "schemashift_format": 1,
        "changes": False,
        "migrations": [],
    }


@pytest.mark.backends("sqlite")
def test_check_messages_drift_and_exit_status(project) -> None:
    project.write_models(BROKEN_CHOICE)
    broken = project.run("check", "--format", "json")
    assert broken.returncode == 1
    assert document(broken, "check") == {
        "schemashift_format": 1,
        "ok": False,
        "messages": [
            {
                "id": "fields.E120",
                "level": "error",
                "message": "CharFields must define a 'max_length' attribute.",
                "hint": None,
                "obj": "polls.Choice.choice_text",
            }
        ],
        "drift": [],
    }
    assert broken.stderr == ""

    project.write_models(TUTORIAL_MODELS)
    ok(project.run("makemigrations"))
    ok(project.run("migrate"))
    clean = ok_json(project.run("check", "--database", "default", "--format", "json"), "check")
    assert clean["ok"] is True and clean["messages"] == []
    assert clean["drift"] == [{"database": "default", "matches": True, "differences": []}]

    execute(project, "ALTER TABLE polls_choice ADD COLUMN note varchar(20) NULL")
    drifted = project.run("check", "--database", "default", "--format", "json")
    assert drifted.returncode == 1
    found = document(drifted, "check")
    assert found["ok"] is False
    assert found["drift"][0]["matches"] is False
    assert found["drift"][0]["differences"] == [
        {
            "table": "polls_choice",
            "element": "column",
            "name": "note",
            "kind": "extra column",
            "history": None,
            "database": "varchar(20) NULL",
            "aspect": "",
            "detail": "column note: in the database (varchar(20) NULL), not in the history",
        }
    ]


@pytest.mark.backends("sqlite")  # the JSON of what the loader plans
def test_showmigrations_and_migrate_plan(project) -> None:
    project.write_models(TUTORIAL_MODELS)
    ok(project.run("makemigrations"))
    project.write_models(WITH_AUTHOR)
    ok(project.run("makemigrations"))
    ok(project.run("migrate", "polls", "0001"))

    shown = ok_json(project.run("showmigrations", "--format", "json"), "showmigrations")
    assert shown["apps"] == [
        {
            "app": "polls",
            "migrations": [
                {"name": "0001_initial", "applied": True},
                {"name": "0002_question_author", "applied": False},
            ],
        }
    ]
    plan = ok_json(
        project.run("showmigrations", "--plan", "--format", "json"), "showmigrations-plan"
    )
    assert plan["plan"] == [
        {"app": "polls", "name": "0001_initial", "applied": True},
        {"app": "polls", "name": "0002_question_author", "applied": False},
    ]

    forwards = ok_json(project.run("migrate", "--plan", "--format", "json"), "migrate-plan")
    assert forwards["targets"] == [{"app": "polls", "name": "0002_question_author"}]
    assert forwards["migrated_apps"] == ["polls"]
    [step] = forwards["steps"]
    assert (step["app"], step["name"], step["direction"]) == (
        "polls",
        "0002_question_author",
        "apply",
    )
    [operation] = step["operations"]
    assert operation["description"] == "Add field author to question"
    assert (operation["is_reversible"], operation["is_destructive"]) == (True, False)
    assert operation["data_loss"] == []
    check = project.run("migrate", "--check", "--format", "json")
    assert check.returncode == 1
    assert document(check, "migrate-plan")["steps"] == forwards["steps"]

    ok(project.run("migrate"))
    assert (
        ok_json(project.run("migrate", "--check", "--format", "json"), "migrate-plan")["steps"]
        == []
    )
    back = ok_json(
        project.run("migrate", "polls", "0001", "--plan", "--format", "json"), "migrate-plan"
    )
    [step] = back["steps"]
    assert (step["name"], step["direction"]) == ("0002_question_author", "unapply")
    assert step["operations"][0]["data_loss"] == [
        {"reason": "drops column author of polls_question", "acknowledged": False}
    ]
    # the plan changed nothing
    shown = ok_json(project.run("showmigrations", "--format", "json"), "showmigrations")
    assert shown["apps"][0]["migrations"][1] == {"name": "0002_question_author", "applied": True}


def test_sqlmigrate_statements_are_the_texts(project) -> None:
    project.write_models(TUTORIAL_MODELS)
    ok(project.run("makemigrations"))
    project.write_models(WITH_AUTHOR)
    ok(project.run("makemigrations"))
    for args in (("0001",), ("0002",), ("0002", "--backwards")):
        text = ok(project.run("sqlmigrate", "polls", *args))
        found = ok_json(project.run("sqlmigrate", "polls", *args, "--format", "json"), "sqlmigrate")
        assert found["statements"] == text_statements(text)
        assert found["atomic"] is text.startswith("BEGIN;\n")
        assert found["backwards"] is ("--backwards" in args)
        assert [
            statement["sql"]
            for operation in found["operations"]
            for statement in operation["statements"]
        ] == found["statements"]
        locks = [
            f"-- lock: {statement['lock']}"
            for operation in found["operations"]
            for statement in operation["statements"]
            if statement["lock"] is not None
        ]
        assert locks == [line for line in text.splitlines() if line.startswith("-- lock: ")]
    initial = ok_json(project.run("sqlmigrate", "polls", "0001", "--format", "json"), "sqlmigrate")
    assert (initial["app"], initial["migration"]) == ("polls", "0001_initial")
    assert [operation["description"] for operation in initial["operations"]] == [
        "Create model Question",
        "Create model Choice",
    ]
    assert initial["statements"][0].startswith("CREATE TABLE ")
    assert initial["atomic"] is (project.backend != "mysql")


@pytest.mark.backends("sqlite")
def test_errors_are_json_on_stdout_with_the_errors_exit_status(project) -> None:
    project.write_models(TUTORIAL_MODELS)
    ok(project.run("makemigrations"))
    missing = project.run("sqlmigrate", "polls", "0009", "--format", "json")
    assert missing.returncode == 1
    assert document(missing, "error")["error"] == {
        "type": "NodeNotFoundError",
        "message": "Cannot find a migration matching '0009' from app 'polls'.",
        "exit_code": 1,
    }
    assert "CommandError: Cannot find a migration matching '0009'" in missing.stderr

    project.write_models(BROKEN_CHOICE)
    stopped = project.run("showmigrations", "--format", "json")
    assert stopped.returncode == 1
    error = document(stopped, "error")["error"]
    assert error["type"] == "SystemCheckError"
    assert "(fields.E120) CharFields must define a 'max_length' attribute." in error["message"]

    # without --check or --dry-run there is no document to print: a usage error, stdout empty
    writing = project.run("makemigrations", "--format", "json")
    assert writing.returncode == 2
    assert writing.stdout == ""
    assert "--format json goes with --check or --dry-run" in writing.stderr
    applying = project.run("migrate", "--format", "json")
    assert applying.returncode == 2 and applying.stdout == ""


@pytest.mark.backends("sqlite")
def test_makemigrations_check_as_json_imports_no_sqlalchemy(project) -> None:
    project.write_models(TUTORIAL_MODELS)
    code = (
        "import sys\n"
        "from schemashift.cli.main import main\n"
        "try:\n"
        "    main(['--settings', 'mysite.settings', 'makemigrations', '--check', '--format', "
        "'json'])\n"
        "except SystemExit as exit:\n"
        "    print(exit.code, 'sqlalchemy' in sys.modules, file=sys.stderr)\n"
    )
    result = project.run_python(["-c", code])
    assert document(result, "makemigrations")["changes"] is True
    assert result.stderr.splitlines()[-1] == "1 False"
