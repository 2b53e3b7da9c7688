"""QuerySet behaviour: laziness and caching, slicing, ordering, values, aggregates, writes."""

from __future__ import annotations

import datetime
from types import ModuleType

import pytest

from schemashift.models import Avg, Count, F, Max, Min, Sum

UTC = datetime.UTC


def when(day: int) -> datetime.datetime:
    return datetime.datetime(2024, 1, day, 12, 0, tzinfo=UTC)


@pytest.fixture
def filled(polls: ModuleType) -> ModuleType:
    for day, votes in ((1, (1, 2)), (2, (3,)), (3, ())):
        q = polls.Question.objects.create(question_text=f"q{day}", pub_date=when(day))
        for index, count in enumerate(votes):
            q.choice_set.create(choice_text=f"c{day}.{index}", votes=count)
    return polls


def test_querysets_are_lazy_chainable_and_cached(filled: ModuleType, statements) -> None:
    statements.clear()
    qs = filled.Question.objects.filter(pub_date__year=2024).exclude(pk=3).order_by("pk")
    assert statements.selects == []
    assert [q.question_text for q in qs] == ["q1", "q2"]
    assert len(qs) == 2 and bool(qs) and qs[0].question_text == "q1"
    assert len(statements.selects) == 1
    fresh = qs.all()
    assert len(fresh) == 2 and len(statements.selects) == 2


def test_repr_truncates_after_twenty(polls: ModuleType) -> None:
    polls.Question.objects.bulk_create(
        [polls.Question(question_text=f"n{i:02}", pub_date=when(1)) for i in range(25)]
    )
    text = repr(polls.Question.objects.order_by("question_text"))
    assert text.startswith("<QuerySet [<Question: n00>, <Question: n01>")
    assert text.endswith("<Question: n19>, '...(remaining elements truncated)...']>")


def test_slicing_is_limit_and_offset(filled: ModuleType) -> None:
    qs = filled.Question.objects.order_by("pk")
    assert [q.question_text for q in qs[1:]] == ["q2", "q3"]
    assert [q.question_text for q in qs[:2]] == ["q1", "q2"]
    assert [q.question_text for q in qs[1:3][1:]] == ["q3"]
    assert qs[2].question_text == "q3"
    with pytest.raises(IndexError):
        qs[5]


def test_ordering_default_reverse_and_across_relations(filled: ModuleType) -> None:
    Choice = filled.Choice
    ordered = Choice.objects.order_by("-question__pub_date", "choice_text")
    assert [c.choice_text for c in ordered] == ["c2.0", "c1.0", "c1.1"]
    assert Choice.objects.order_by("votes").first().votes == 1
    assert Choice.objects.order_by("votes").last().votes == 3
    assert filled.Question.objects.first().question_text == "q1"
    assert filled.Question.objects.last().question_text == "q3"
    assert filled.Question.objects.latest("pub_date").question_text == "q3"


def test_get_errors(filled: ModuleType) -> None:
    Question = filled.Question
    with pytest.raises(Question.MultipleObjectsReturned, match="it returned 3!"):
        Question.objects.get(pub_date__year=2024)
    with pytest.raises(Question.DoesNotExist):
        Question.objects.get(question_text="none")


def test_values_and_values_list(filled: ModuleType) -> None:
    Choice = filled.Choice
    rows = list(Choice.objects.order_by("pk").values("choice_text", "question__question_text"))
    assert rows[0] == {"choice_text": "c1.0", "question__question_text": "q1"}
    assert list(Choice.objects.order_by("pk").values_list("votes", flat=True)) == [1, 2, 3]
    assert list(Choice.objects.order_by("pk").values_list("pk", "votes"))[0] == (1, 1)
    first = Choice.objects.order_by("pk").values()[0]
    assert first == {"id": 1, "question_id": 1, "choice_text": "c1.0", "votes": 1}
    distinct = Choice.objects.values_list("question_id", flat=True).distinct().order_by()
    assert sorted(distinct) == [1, 2]


def test_count_exists_in_bulk_iterator(filled: ModuleType) -> None:
    Question = filled.Question
    assert Question.objects.count() == 3
    assert Question.objects.filter(pk=9).exists() is False
    assert Question.objects.exists() is True
    assert Question.objects.order_by("pk")[1:].count() == 2
    assert {k: v.question_text for k, v in Question.objects.in_bulk([1, 3]).items()} == {
        1: "q1",
        3: "q3",
    }
    assert [q.pk for q in Question.objects.order_by("pk").iterator()] == [1, 2, 3]


def test_aggregate(filled: ModuleType) -> None:
    result = filled.Choice.objects.aggregate(
        total=Sum("votes"), most=Max("votes"), least=Min("votes"), n=Count("id")
    )
    assert result == {"total": 6, "most": 3, "least": 1, "n": 3}
    average = filled.Choice.objects.aggregate(Avg("votes"))["votes__avg"]
    assert average == pytest.approx(2.0) and isinstance(average, float)
    assert filled.Choice.objects.filter(votes__gt=9).aggregate(Sum("votes")) == {"votes__sum": None}
    latest = filled.Question.objects.aggregate(Max("pub_date"))["pub_date__max"]
    assert latest == when(3)


def test_annotate_over_a_reverse_relation(filled: ModuleType) -> None:
    annotated = filled.Question.objects.annotate(n=Count("choice")).order_by("pk")
    assert [(q.question_text, q.n) for q in annotated] == [("q1", 2), ("q2", 1), ("q3", 0)]
    popular = filled.Question.objects.annotate(total=Sum("choice__votes")).filter(total__gte=3)
    assert sorted(q.question_text for q in popular) == ["q1", "q2"]
    by_question = (
        filled.Choice.objects.values("question").annotate(n=Count("id")).order_by("question")
    )
    assert list(by_question) == [{"question": 1, "n": 2}, {"question": 2, "n": 1}]
    ordered = filled.Question.objects.annotate(n=Count("choice")).order_by("-n", "pk")
    assert [q.question_text for q in ordered] == ["q1", "q2", "q3"]
    assert filled.Question.objects.annotate(n=Count("choice")).count() == 3


def test_create_get_or_create_update_or_create(polls: ModuleType) -> None:
    Question = polls.Question
    q, created = Question.objects.get_or_create(question_text="a", defaults={"pub_date": when(1)})
    assert created and q.pk
    again, created = Question.objects.get_or_create(question_text="a")
    assert not created and again == q
    updated, created = Question.objects.update_or_create(
        question_text="a", defaults={"pub_date": when(2)}
    )
    assert not created and updated.pub_date == when(2)
    assert Question.objects.get(pk=q.pk).pub_date == when(2)
    made, created = Question.objects.update_or_create(
        question_text="b", defaults={"pub_date": when(3)}
    )
    assert created and Question.objects.count() == 2


def test_update_with_f_and_across_relations(filled: ModuleType) -> None:
    Choice = filled.Choice
    assert Choice.objects.filter(pk=1).update(votes=F("votes") + 1) == 1
    assert Choice.objects.get(pk=1).votes == 2
    assert Choice.objects.filter(question__question_text="q1").update(votes=F("votes") * 10) == 2
    assert sorted(Choice.objects.values_list("votes", flat=True)) == [3, 20, 20]
    assert Choice.objects.update(votes=0) == 3


def test_bulk_create_sets_keys_where_the_backend_returns_them(polls: ModuleType) -> None:
    from schemashift.db.connections import connections

    made = polls.Question.objects.bulk_create(
        [polls.Question(question_text=t, pub_date=when(1)) for t in ("x", "y")]
    )
    assert polls.Question.objects.count() == 2
    if connections["default"].vendor != "mysql":
        assert [q.pk for q in made] == [1, 2]


def test_instances_equality_hash_and_positional_arguments(polls: ModuleType) -> None:
    Question = polls.Question
    q = Question(None, "positional", when(1))
    assert q.question_text == "positional" and q.pk is None
    with pytest.raises(TypeError):
        hash(q)
    q.save()
    same = Question.objects.get(pk=q.pk)
    assert same == q and hash(same) == hash(q) and {q, same} == {q}
    assert same != polls.Choice(id=q.pk)


def test_custom_managers(make_app) -> None:
    app = make_app(
        """
        from schemashift import models


        class PublishedManager(models.Manager):
            def get_queryset(self):
                return super().get_queryset().filter(published=True)


        class Post(models.Model):
            title = models.CharField(max_length=20)
            published = models.BooleanField(default=False)

            objects = models.Manager()
            public = PublishedManager()

            class Meta:
                ordering = ["-title"]
        """,
        label="blog",
    )
    Post = app.Post
    Post.objects.create(title="a", published=True)
    Post.objects.create(title="b")
    assert [p.title for p in Post.objects.all()] == ["b", "a"]
    assert [p.title for p in Post.public.all()] == ["a"]
    assert Post.public.count() == 1
    with pytest.raises(AttributeError, match="Manager isn't accessible via Post instances"):
        Post.objects.first().objects  # noqa: B018


def test_using_names_the_database(filled: ModuleType) -> None:
    assert filled.Question.objects.using("default").count() == 3
    assert filled.Question.objects.all().using("default").count() == 3
    q = filled.Question.objects.using("default").get(pk=1)
    assert q._state.db == "default"


def test_saving_an_unchanged_row_updates_it_and_inserts_nothing(polls: ModuleType) -> None:
    q = polls.Question.objects.create(question_text="same", pub_date=when(1))
    q.save()
    q.save(update_fields=["question_text"])
    assert polls.Question.objects.count() == 1
    kept = polls.Question(id=q.pk, question_text="replaced", pub_date=when(2))
    kept.save()
    assert polls.Question.objects.get().question_text == "replaced"
