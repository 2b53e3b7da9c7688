"""Relations: forward access and caching, related managers, one-to-one both ways,
select_related and prefetch_related query counts."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from types import ModuleType

import pytest

from schemashift.models import FieldError

UTC = datetime.UTC
NOW = datetime.datetime(2024, 1, 1, tzinfo=UTC)

PLACES_MODELS = """
    from schemashift import models


    class Place(models.Model):
        name = models.CharField(max_length=50)

        def __str__(self):
            return self.name


    class Restaurant(models.Model):
        place = models.OneToOneField(Place, on_delete=models.CASCADE)
        serves_pizza = models.BooleanField(default=False)


    class Dish(models.Model):
        restaurant = models.ForeignKey(
            Restaurant, on_delete=models.CASCADE, null=True, related_name="dishes"
        )
        name = models.CharField(max_length=50)
"""


@pytest.fixture
def places(make_app: Callable[..., ModuleType]) -> ModuleType:
    return make_app(PLACES_MODELS, label="places")


def test_forward_access_is_fetched_once(polls: ModuleType, statements) -> None:
    q = polls.Question.objects.create(question_text="Q", pub_date=NOW)
    c = polls.Choice.objects.create(question=q, choice_text="c")
    loaded = polls.Choice.objects.get(pk=c.pk)
    statements.clear()
    assert loaded.question == q and loaded.question.question_text == "Q"
    assert len(statements.selects) == 1
    other = polls.Question.objects.create(question_text="R", pub_date=NOW)
    loaded.question = other
    assert loaded.question_id == other.pk
    loaded.save()
    assert polls.Choice.objects.get(pk=c.pk).question == other
    loaded.question_id = q.pk
    assert loaded.question == q
    with pytest.raises(ValueError, match='must be a "Question" instance'):
        loaded.question = 1


def test_unsaved_related_object_is_refused(polls: ModuleType) -> None:
    q = polls.Question(question_text="Q", pub_date=NOW)
    c = polls.Choice(question=q, choice_text="c")
    with pytest.raises(ValueError, match="unsaved related object 'question'"):
        c.save()
    q.save()
    c.save()
    assert c.question_id == q.pk


def test_select_related_fetches_in_one_query(polls: ModuleType, statements) -> None:
    for text in ("a", "b"):
        q = polls.Question.objects.create(question_text=text, pub_date=NOW)
        q.choice_set.create(choice_text=text)
    statements.clear()
    choices = list(polls.Choice.objects.select_related("question").order_by("pk"))
    assert [c.question.question_text for c in choices] == ["a", "b"]
    assert len(statements.selects) == 1
    assert " JOIN " in statements.selects[0]
    statements.clear()
    assert [c.question.question_text for c in polls.Choice.objects.select_related()] != []
    assert len(statements.selects) == 1
    with pytest.raises(FieldError, match="Invalid field name"):
        list(polls.Choice.objects.select_related("choice_text"))


def test_prefetch_related_uses_two_queries(polls: ModuleType, statements) -> None:
    for text, count in (("a", 2), ("b", 0), ("c", 1)):
        q = polls.Question.objects.create(question_text=text, pub_date=NOW)
        for i in range(count):
            q.choice_set.create(choice_text=f"{text}{i}")
    statements.clear()
    questions = list(polls.Question.objects.prefetch_related("choice_set").order_by("pk"))
    counts = [len(q.choice_set.all()) for q in questions]
    names = [c.choice_text for c in questions[0].choice_set.all()]
    assert counts == [2, 0, 1] and names == ["a0", "a1"]
    assert questions[0].choice_set.count() == 2
    assert questions[0].choice_set.all()[0].question is questions[0]
    assert len(statements.selects) == 2
    statements.clear()
    choices = list(polls.Choice.objects.prefetch_related("question"))
    assert {c.question.question_text for c in choices} == {"a", "c"}
    assert len(statements.selects) == 2


def test_related_manager_methods(places: ModuleType) -> None:
    place = places.Place.objects.create(name="p")
    restaurant = places.Restaurant.objects.create(place=place)
    soup = restaurant.dishes.create(name="soup")
    stew = places.Dish.objects.create(name="stew")
    restaurant.dishes.add(stew)
    assert sorted(d.name for d in restaurant.dishes.all()) == ["soup", "stew"]
    assert restaurant.dishes.filter(name__startswith="s").count() == 2
    restaurant.dishes.remove(soup)
    assert [d.name for d in restaurant.dishes.all()] == ["stew"]
    assert places.Dish.objects.get(pk=soup.pk).restaurant is None
    restaurant.dishes.clear()
    assert restaurant.dishes.count() == 0 and places.Dish.objects.count() == 2
    assert list(places.Restaurant.objects.filter(dishes__name="soup")) == []


def test_remove_needs_a_nullable_foreign_key(polls: ModuleType) -> None:
    q = polls.Question.objects.create(question_text="Q", pub_date=NOW)
    c = q.choice_set.create(choice_text="c")
    with pytest.raises(AttributeError, match="not null=True"):
        q.choice_set.remove(c)


def test_one_to_one_both_ways(places: ModuleType) -> None:
    place = places.Place.objects.create(name="p")
    lonely = places.Place.objects.create(name="alone")
    restaurant = places.Restaurant.objects.create(place=place, serves_pizza=True)
    assert places.Place.objects.get(pk=place.pk).restaurant == restaurant
    assert places.Restaurant.objects.get(pk=restaurant.pk).place == place
    with pytest.raises(places.Restaurant.DoesNotExist, match="Place has no restaurant"):
        lonely.restaurant  # noqa: B018
    assert hasattr(lonely, "restaurant") is False
    assert [p.name for p in places.Place.objects.filter(restaurant__serves_pizza=True)] == ["p"]
    assert [p.name for p in places.Place.objects.filter(restaurant__isnull=True)] == ["alone"]
