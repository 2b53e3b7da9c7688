"""The Django tutorial's shell session (part 2) and the later uses of the API, on every
backend, each result asserted."""

from __future__ import annotations

import datetime
from types import ModuleType

import pytest

from schemashift.models import F
from schemashift.utils import timezone


def test_tutorial_part_2_session(polls: ModuleType) -> None:
    Question, Choice = polls.Question, polls.Choice
    assert repr(Question.objects.all()) == "<QuerySet []>"

    q = Question(question_text="What's new?", pub_date=timezone.now())
    q.save()
    assert q.id == 1 and q.pk == 1
    assert q.question_text == "What's new?"
    assert q.pub_date.tzinfo is not None

    q.question_text = "What's up?"
    q.save()
    assert repr(Question.objects.all()) == "<QuerySet [<Question: What's up?>]>"
    assert Question.objects.get(pk=1).question_text == "What's up?"

    assert repr(Question.objects.filter(id=1)) == "<QuerySet [<Question: What's up?>]>"
    assert list(Question.objects.filter(question_text__startswith="What")) == [q]
    current_year = timezone.now().year
    assert Question.objects.get(pub_date__year=current_year) == q
    with pytest.raises(Question.DoesNotExist, match="Question matching query does not exist."):
        Question.objects.get(id=2)
    assert Question.objects.get(pk=1) == q
    assert q.was_published_recently() is True

    q = Question.objects.get(pk=1)
    assert list(q.choice_set.all()) == []
    first = q.choice_set.create(choice_text="Not much", votes=0)
    assert first.id == 1
    q.choice_set.create(choice_text="The sky", votes=0)
    c = q.choice_set.create(choice_text="Just hacking again", votes=0)
    assert repr(c.question) == "<Question: What's up?>"
    assert c.question_id == q.id
    assert repr(q.choice_set.all()) == (
        "<QuerySet [<Choice: Not much>, <Choice: The sky>, <Choice: Just hacking again>]>"
    )
    assert q.choice_set.count() == 3
    assert len(Choice.objects.filter(question__pub_date__year=current_year)) == 3

    doomed = q.choice_set.filter(choice_text__startswith="Just hacking")
    assert doomed.delete() == (1, {"polls.Choice": 1})
    assert q.choice_set.count() == 2


def test_vote_with_f_expression(polls: ModuleType) -> None:
    question = polls.Question.objects.create(question_text="Q", pub_date=timezone.now())
    choice = question.choice_set.create(choice_text="A", votes=0)
    assert polls.Choice.objects.filter(pk=choice.pk).update(votes=F("votes") + 1) == 1

    selected_choice = question.choice_set.get(pk=choice.pk)
    selected_choice.votes = F("votes") + 1
    selected_choice.save()
    assert selected_choice.votes == 2
    selected_choice.refresh_from_db()
    assert selected_choice.votes == 2


def test_latest_five_published_and_not_future(polls: ModuleType) -> None:
    Question = polls.Question
    now = timezone.now()
    for days in range(-7, 3):
        Question.objects.create(
            question_text=f"day {days}", pub_date=now + datetime.timedelta(days=days)
        )
    latest = Question.objects.filter(pub_date__lte=timezone.now()).order_by("-pub_date")[:5]
    assert [q.question_text for q in latest] == [f"day {d}" for d in (0, -1, -2, -3, -4)]
    assert Question.objects.order_by("-pub_date")[0].question_text == "day 2"
