"""What goes wrong in a freshly ported project is one ``CommandError:`` line naming the file
and line at fault (or the INSTALLED_APPS entry), never a traceback."""

from __future__ import annotations

import pytest
from support.tutorial import ok

pytestmark = pytest.mark.backends("sqlite")

MODELS = """\
from schemashift import models


class Question(models.Model):
    question_text = models.CharField(max_length=200)
"""


def refused(result, *fragments: str) -> str:
    """The command failed with one ``CommandError:`` message holding every fragment."""
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output, output
    errors = [line for line in result.stderr.splitlines() if line.startswith("CommandError: ")]
    assert len(errors) == 1, output
    for fragment in fragments:
        assert fragment in errors[0], f"{fragment!r} not in:\n{result.stderr}"
    return errors[0]


@pytest.fixture
def polls(project):
    project.write_models(MODELS)
    ok(project.run("makemigrations", "polls"))
    return project


MIGRATION_HEADER = """\
from schemashift import migrations


class Migration(migrations.Migration):
    dependencies = [("polls", "0001_initial")]
    operations = []
"""


@pytest.mark.parametrize(
    ("source", "line", "error"),
    [
        (
            "import django_only_helpers\n" + MIGRATION_HEADER,
            1,
            "ModuleNotFoundError: No module named 'django_only_helpers'",
        ),
        (MIGRATION_HEADER + "\nraise ValueError('boom')\n", 8, "ValueError: boom"),
        (MIGRATION_HEADER + "\nSTEP = 1 / 0\n", 8, "ZeroDivisionError: division by zero"),
    ],
)
def test_an_exception_in_a_migration_file_names_its_file_and_line(
    polls, source: str, line: int, error: str
) -> None:
    (polls.migrations_dir / "0002_broken.py").write_text(source)

    refused(
        polls.run("migrate"),
        f"Cannot import polls/migrations/0002_broken.py: {error} (line {line})",
    )


def test_a_name_missing_from_a_compatibility_module_names_the_models_line(polls) -> None:
    polls.write_models("from schemashift.utils.translation import no_such_function\n" + MODELS)

    refused(
        polls.run("migrate"),
        "polls/models.py, line 1: ImportError: cannot import name 'no_such_function'",
    )


@pytest.mark.parametrize(
    ("entry", "what"),
    [
        ("schemashift.contrib.admin", "Django's the admin site (django.contrib.admin)"),
        ("schemashift.contrib.admin.apps.SimpleAdminConfig", "(django.contrib.admin)"),
        ("schemashift.contrib.messages", "(django.contrib.messages)"),
        ("schemashift.contrib.staticfiles", "(django.contrib.staticfiles)"),
    ],
)
def test_web_only_apps_are_refused_with_what_to_do(polls, entry: str, what: str) -> None:
    settings = polls.dir / "mysite" / "settings.py"
    settings.write_text(
        settings.read_text().replace("INSTALLED_APPS = [", f"INSTALLED_APPS = [\n    {entry!r},")
    )

    for command in ("migrate", "makemigrations", "check"):
        refused(
            polls.run(command),
            f"INSTALLED_APPS entry '{entry}'",
            what,
            "a web-only app schemashift does not provide: remove it from INSTALLED_APPS.",
            "mysite/settings.py",
        )
