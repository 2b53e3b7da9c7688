"""The query API is importable, and usable to declare models, without SQLAlchemy."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_models_and_query_api_import_no_sqlalchemy() -> None:
    code = textwrap.dedent(
        """
        import sys
        from schemashift import models
        from schemashift.models import (
            Avg, Count, F, Max, Min, MultipleObjectsReturned, ObjectDoesNotExist,
            ProtectedError, Q, RestrictedError, Sum,
        )

        class Question(models.Model):
            question_text = models.CharField(max_length=200)

            class Meta:
                app_label = "polls"

        class Choice(models.Model):
            question = models.ForeignKey(Question, on_delete=models.CASCADE)

            class Meta:
                app_label = "polls"

        queryset = Question.objects.filter(Q(question_text="a") | ~Q(pk=F("pk") + 1))
        queryset = queryset.annotate(n=Count("choice")).order_by("-n")[:5]
        Choice(question=Question(id=1))
        print("sqlalchemy" in sys.modules)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
