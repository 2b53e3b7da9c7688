"""Values with SQL's special characters are bound parameters: they round-trip unchanged and
match only themselves."""

from __future__ import annotations

import datetime
from types import ModuleType

import pytest

NOW = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)

AWKWARD = [
    "it's",
    'say "hi"',
    "a; DROP TABLE polls_question; --",
    "100%",
    "under_score",
    "back\\slash",
    "\\%_",
    "*?[glob]",
    "ünïcødé ✓ 😀",
    "' OR '1'='1",
    "%(name)s {0} ?",
]


@pytest.mark.parametrize("text", AWKWARD)
def test_awkward_values_round_trip_and_match_only_themselves(polls: ModuleType, text: str) -> None:
    Question = polls.Question
    decoy = Question.objects.create(question_text="plain text xx", pub_date=NOW)
    q = Question.objects.create(question_text=text, pub_date=NOW)
    assert Question.objects.get(pk=q.pk).question_text == text
    assert Question.objects.get(question_text=text) == q
    for lookup in ("contains", "startswith", "endswith", "icontains", "istartswith", "iexact"):
        found = list(Question.objects.filter(**{f"question_text__{lookup}": text}))
        assert found == [q], lookup
    q.question_text = text + text
    q.save()
    assert Question.objects.get(pk=q.pk).question_text == text + text
    assert Question.objects.filter(pk=q.pk).update(question_text=text) == 1
    assert list(Question.objects.filter(question_text__contains=text)) == [q]
    assert Question.objects.filter(question_text__in=[text]).count() == 1
    assert Question.objects.count() == 2
    decoy.refresh_from_db()
    assert decoy.question_text == "plain text xx"
