"""Models reach the database only through the installed runtime (``schemashift.query``)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

MODELS = """
    from schemashift import models

    class Question(models.Model):
        question_text = models.CharField(max_length=200)

        class Meta:
            app_label = "polls"
"""


def run(code: str) -> subprocess.CompletedProcess[str]:
    source = textwrap.dedent(MODELS) + textwrap.dedent(code)
    return subprocess.run([sys.executable, "-c", source], capture_output=True, text=True)


def test_querying_before_setup_says_to_call_setup() -> None:
    result = run(
        """
        from schemashift.exceptions import ImproperlyConfigured

        for action in (
            lambda: list(Question.objects.all()),
            lambda: Question(question_text="a").save(),
            lambda: Question.objects.count(),
        ):
            try:
                action()
            except ImproperlyConfigured as error:
                print(error)
        """
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    assert all("call schemashift.setup()" in line for line in lines)


def test_installing_the_runtime_imports_no_sqlalchemy_until_the_first_query() -> None:
    result = run(
        """
        import sys
        from schemashift import query

        query.install()
        print("sqlalchemy" in sys.modules)
        print(Question.objects.filter(question_text="a").query.model is Question)
        print("sqlalchemy" in sys.modules)
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "False"]
