"""Type checkers see the model API's types: mypy run on a small typed project.

schemashift is imported from the tree under test (MYPYPATH); like an installed package with
``py.typed``, its own modules are read for their types but not reported on.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import schemashift

pytest.importorskip("mypy")

SOURCE_ROOT = Path(schemashift.__file__).resolve().parent.parent

MODELS = """\
from typing import ClassVar

from schemashift import models


class QuestionManager(models.Manager["Question"]):
    def asked(self) -> models.QuerySet["Question"]:
        return self.exclude(question_text="")


class Question(models.Model):
    question_text = models.CharField(max_length=200)
    pub_date = models.DateTimeField("date published")
    asked = QuestionManager()


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE)
    choice_text = models.CharField(max_length=200)
    votes = models.IntegerField(default=0)
    objects: ClassVar[models.Manager["Choice"]] = models.Manager()
"""

QUERIES = """\
import datetime

from schemashift.models import QuerySet
from polls.models import Choice, Question


def recent(since: datetime.datetime) -> QuerySet[Question]:
    return Question.objects.filter(pub_date__gte=since).exclude(question_text="").order_by("-pk")


def texts(since: datetime.datetime) -> list[str]:
    return [question.question_text.upper() for question in recent(since)]


def newest() -> Question | None:
    return Question.objects.order_by("-pub_date").first()


def ask(text: str) -> Question:
    question = Question.objects.create(question_text=text, pub_date=datetime.datetime.now())
    question.question_text = text.strip()
    return question


def total_votes(question: Question) -> int:
    choices: QuerySet[Choice] = Choice.objects.filter(question=question)
    return sum(choice.votes for choice in choices)


def published(pk: int) -> datetime.datetime:
    return Question.objects.get(pk=pk).pub_date


def top(n: int) -> list[Question]:
    first: Question = Question.objects.all()[0]
    return [first, *Question.asked.asked()[1:n]]
"""

#: (line, what mypy must say there): code a regression to ``Any`` would let through
MISTAKES = """\
from polls.models import Question

count: int = Question.objects.get(pk=1)
Question.objects.filter(pk=1).no_such_method()
length: int = Question.objects.get(pk=1).question_text
for question in Question.objects.all():
    question.pub_date.no_such_attribute
"""
EXPECTED = [
    (3, "Incompatible types in assignment"),
    (4, '"QuerySet[Question]" has no attribute "no_such_method"'),
    (5, 'expression has type "str", variable has type "int"'),
    (7, '"datetime" has no attribute "no_such_attribute"'),
]

MYPY_INI = """\
[mypy]
strict = True

[mypy-schemashift.*]
follow_imports = silent
"""


def run_mypy(project: Path, *targets: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(project / ".mypy_cache"), *targets],
        cwd=project,
        env={**os.environ, "MYPYPATH": str(SOURCE_ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def typed_project(tmp_path: Path) -> Path:
    files = {
        "mypy.ini": MYPY_INI,
        "polls/__init__.py": "",
        "polls/models.py": MODELS,
        "polls/queries.py": QUERIES,
        "mistakes.py": MISTAKES,
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_a_typed_project_using_the_query_api_passes_mypy_strict(typed_project: Path) -> None:
    result = run_mypy(typed_project, "polls")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found in 3 source files" in result.stdout


def test_mypy_reports_misuse_of_the_query_api_where_it_is(typed_project: Path) -> None:
    result = run_mypy(typed_project, "mistakes.py")
    assert result.returncode == 1, result.stdout + result.stderr
    errors = [line for line in result.stdout.splitlines() if ": error: " in line]
    for line, message in EXPECTED:
        assert any(e.startswith(f"mistakes.py:{line}: error: ") and message in e for e in errors), (
            f"line {line}: {message!r} not in\n{result.stdout}"
        )
    assert len(errors) == len(EXPECTED), result.stdout


def test_the_package_says_it_is_typed() -> None:
    assert (SOURCE_ROOT / "schemashift" / "py.typed").is_file()
