"""One test per lookup, on every backend; case-sensitive where Django is."""

from __future__ import annotations

import datetime
from types import ModuleType

import pytest

from schemashift.models import F, FieldError, Q

UTC = datetime.UTC


@pytest.fixture
def questions(polls: ModuleType) -> type:
    Question = polls.Question
    for text, when in (
        ("What's up?", datetime.datetime(2023, 12, 31, 23, 30, tzinfo=UTC)),
        ("what is this", datetime.datetime(2024, 1, 15, 8, 0, tzinfo=UTC)),
        ("Who knows", datetime.datetime(2024, 3, 1, 12, 0, tzinfo=UTC)),
        ("Say WHAT", datetime.datetime(2024, 3, 2, 0, 0, tzinfo=UTC)),
    ):
        Question.objects.create(question_text=text, pub_date=when)
    return Question


def texts(queryset) -> list[str]:
    return sorted(q.question_text for q in queryset)


def test_exact(questions: type) -> None:
    assert texts(questions.objects.filter(question_text__exact="Who knows")) == ["Who knows"]
    assert texts(questions.objects.filter(question_text="Who knows")) == ["Who knows"]


def test_exact_none_is_null(polls: ModuleType) -> None:
    assert list(polls.Question.objects.filter(question_text=None)) == []


def test_iexact(questions: type) -> None:
    assert texts(questions.objects.filter(question_text__iexact="WHO KNOWS")) == ["Who knows"]


def test_contains_is_case_sensitive(questions: type) -> None:
    assert texts(questions.objects.filter(question_text__contains="hat")) == [
        "What's up?",
        "what is this",
    ]
    assert texts(questions.objects.filter(question_text__contains="WHAT")) == ["Say WHAT"]


def test_icontains(questions: type) -> None:
    assert len(questions.objects.filter(question_text__icontains="what")) == 3


def test_startswith_is_case_sensitive(questions: type) -> None:
    assert texts(questions.objects.filter(question_text__startswith="What")) == ["What's up?"]


def test_istartswith(questions: type) -> None:
    assert texts(questions.objects.filter(question_text__istartswith="what")) == [
        "What's up?",
        "what is this",
    ]


def test_endswith_is_case_sensitive(questions: type) -> None:
    assert texts(questions.objects.filter(question_text__endswith="this")) == ["what is this"]
    assert texts(questions.objects.filter(question_text__endswith="THIS")) == []


def test_iendswith(questions: type) -> None:
    assert texts(questions.objects.filter(question_text__iendswith="what")) == ["Say WHAT"]


def test_comparisons(questions: type) -> None:
    middle = datetime.datetime(2024, 1, 15, 8, 0, tzinfo=UTC)
    assert len(questions.objects.filter(pub_date__gt=middle)) == 2
    assert len(questions.objects.filter(pub_date__gte=middle)) == 3
    assert len(questions.objects.filter(pub_date__lt=middle)) == 1
    assert len(questions.objects.filter(pub_date__lte=middle)) == 2
    assert len(questions.objects.filter(id__gt=2)) == 2


def test_in(questions: type) -> None:
    assert texts(questions.objects.filter(pk__in=[1, 3])) == ["What's up?", "Who knows"]
    assert list(questions.objects.filter(pk__in=[])) == []
    inner = questions.objects.filter(question_text__startswith="Wh")
    assert texts(questions.objects.filter(pk__in=inner)) == ["What's up?", "Who knows"]
    ids = questions.objects.filter(question_text__startswith="S").values_list("id", flat=True)
    assert texts(questions.objects.filter(id__in=ids)) == ["Say WHAT"]


def test_isnull(polls: ModuleType, questions: type) -> None:
    assert len(questions.objects.filter(pub_date__isnull=False)) == 4
    assert len(questions.objects.filter(pub_date__isnull=True)) == 0
    q = questions.objects.get(pk=1)
    q.choice_set.create(choice_text="a")
    assert texts(questions.objects.filter(choice__isnull=True)) == [
        "Say WHAT",
        "Who knows",
        "what is this",
    ]


def test_range(questions: type) -> None:
    found = questions.objects.filter(
        pub_date__range=(
            datetime.datetime(2024, 1, 1, tzinfo=UTC),
            datetime.datetime(2024, 3, 1, 12, 0, tzinfo=UTC),
        )
    )
    assert texts(found) == ["Who knows", "what is this"]


def test_year_month_day_in_utc(questions: type) -> None:
    assert len(questions.objects.filter(pub_date__year=2024)) == 3
    assert len(questions.objects.filter(pub_date__year__gte=2023)) == 4
    assert texts(questions.objects.filter(pub_date__month=3)) == ["Say WHAT", "Who knows"]
    assert texts(questions.objects.filter(pub_date__day=31)) == ["What's up?"]


def test_date(questions: type) -> None:
    found = questions.objects.filter(pub_date__date=datetime.date(2024, 3, 2))
    assert texts(found) == ["Say WHAT"]
    assert len(questions.objects.filter(pub_date__date__lt=datetime.date(2024, 1, 1))) == 1


def test_lookups_across_relations(polls: ModuleType, questions: type) -> None:
    q = questions.objects.get(pk=2)
    q.choice_set.create(choice_text="yes", votes=3)
    q.choice_set.create(choice_text="no", votes=1)
    Choice = polls.Choice
    assert len(Choice.objects.filter(question__pub_date__year=2024)) == 2
    assert len(Choice.objects.filter(question__question_text__startswith="what")) == 2
    assert len(Choice.objects.filter(question=q)) == 2
    assert len(Choice.objects.filter(question__pk=q.pk)) == 2
    assert len(Choice.objects.filter(question_id=q.pk)) == 2
    assert texts(questions.objects.filter(choice__votes__gt=2)) == ["what is this"]
    assert texts(questions.objects.filter(choice__choice_text="no")) == ["what is this"]


def test_q_objects(questions: type) -> None:
    either = questions.objects.filter(Q(question_text__startswith="Who") | Q(pk=1))
    assert texts(either) == ["What's up?", "Who knows"]
    both = questions.objects.filter(Q(pub_date__year=2024) & ~Q(question_text__icontains="what"))
    assert texts(both) == ["Who knows"]
    assert len(questions.objects.exclude(pub_date__year=2024)) == 1
    assert len(questions.objects.exclude(Q(pk=1) | Q(pk=2))) == 2


def test_f_in_filters(polls: ModuleType) -> None:
    q = polls.Question.objects.create(question_text="Q", pub_date=datetime.datetime.now(UTC))
    q.choice_set.create(choice_text="a", votes=1)
    q.choice_set.create(choice_text="b", votes=5)
    assert [c.choice_text for c in polls.Choice.objects.filter(votes__gt=F("question_id") + 2)] == [
        "b"
    ]


def test_unknown_field_names_the_choices(polls: ModuleType) -> None:
    with pytest.raises(FieldError) as excinfo:
        list(polls.Question.objects.filter(nope=1))
    assert str(excinfo.value) == (
        "Cannot resolve keyword 'nope' into field. Choices are: choice, id, pub_date, question_text"
    )


def test_unknown_lookup_is_a_field_error(polls: ModuleType) -> None:
    with pytest.raises(FieldError, match="Unsupported lookup 'bogus'"):
        list(polls.Question.objects.filter(question_text__bogus=1))
