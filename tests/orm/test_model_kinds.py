"""Proxy models, multi-table inheritance and order_with_respect_to through the query API."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

import pytest
import sqlalchemy as sa

from schemashift.db.connections import connections

KINDS_MODELS = """
    from schemashift import models


    class Place(models.Model):
        name = models.CharField(max_length=50)
        address = models.CharField(max_length=80, default="")

        def __str__(self):
            return self.name


    class Restaurant(Place):
        serves_pizza = models.BooleanField(default=False)


    class Pizzeria(Restaurant):
        oven = models.CharField(max_length=20, default="wood")


    class Review(models.Model):
        restaurant = models.ForeignKey(Restaurant, on_delete=models.CASCADE)
        stars = models.IntegerField()


    class CheapRestaurant(Restaurant):
        class Meta:
            proxy = True


    class Voucher(models.Model):
        restaurant = models.ForeignKey(CheapRestaurant, on_delete=models.CASCADE)


    class OpenManager(models.Manager):
        def get_queryset(self):
            return super().get_queryset().filter(address__startswith="open")


    class OpenPlace(Place):
        objects = OpenManager()

        class Meta:
            proxy = True
            ordering = ["-name"]

        def shout(self):
            return self.name.upper()


    class Question(models.Model):
        text = models.CharField(max_length=50)


    class Answer(models.Model):
        question = models.ForeignKey(Question, on_delete=models.CASCADE)
        text = models.CharField(max_length=50)

        class Meta:
            order_with_respect_to = "question"
"""


@pytest.fixture
def kinds(make_app: Callable[..., ModuleType]) -> ModuleType:
    return make_app(KINDS_MODELS, label="kinds")


def table_rows(table: str, *columns: str) -> list[tuple]:
    """The rows of a table as the database holds them, ordered by the first column."""
    connection = connections["default"]
    select = sa.select(*(sa.column(c) for c in columns)).select_from(sa.table(table))
    return [tuple(row) for row in connection.execute(select.order_by(sa.column(columns[0])))]


# -- proxies --------------------------------------------------------------------------------


def test_a_proxy_reads_and_writes_the_concrete_table(kinds: ModuleType) -> None:
    kinds.Place.objects.create(name="alpha", address="open all day")
    kinds.Place.objects.create(name="beta", address="closed")
    kinds.Place.objects.create(name="gamma", address="open late")
    opened = list(kinds.OpenPlace.objects.all())
    assert [p.name for p in opened] == ["gamma", "alpha"]  # its manager, its ordering
    assert all(type(p) is kinds.OpenPlace for p in opened)
    assert opened[0].shout() == "GAMMA"
    assert opened[0] == kinds.Place.objects.get(name="gamma")
    created = kinds.OpenPlace.objects.create(name="delta", address="open now")
    assert table_rows("kinds_place", "id", "name")[-1] == (created.pk, "delta")
    assert kinds.Place.objects.get(pk=created.pk).name == "delta"
    created.name = "epsilon"
    created.save()
    assert kinds.Place.objects.get(pk=created.pk).name == "epsilon"
    assert created.delete() == (1, {"kinds.OpenPlace": 1})
    assert kinds.Place.objects.count() == 3


def test_a_proxy_has_no_table(kinds: ModuleType) -> None:
    tables = sa.inspect(connections["default"].connection).get_table_names()
    assert "kinds_openplace" not in tables
    assert {"kinds_place", "kinds_restaurant", "kinds_pizzeria"} <= set(tables)


# -- multi-table inheritance ----------------------------------------------------------------


def test_saving_a_child_writes_both_tables(kinds: ModuleType) -> None:
    r = kinds.Restaurant.objects.create(name="Luigi", address="1 Main St", serves_pizza=True)
    assert r.pk == r.place_ptr_id == r.id
    assert table_rows("kinds_place", "id", "name", "address") == [(r.pk, "Luigi", "1 Main St")]
    assert table_rows("kinds_restaurant", "place_ptr_id", "serves_pizza") == [(r.pk, True)]
    r.name = "Mario"
    r.serves_pizza = False
    r.save()
    assert table_rows("kinds_place", "id", "name")[0] == (r.pk, "Mario")
    assert table_rows("kinds_restaurant", "place_ptr_id", "serves_pizza") == [(r.pk, False)]
    assert kinds.Place.objects.count() == 1 and kinds.Restaurant.objects.count() == 1


def test_reading_a_child_joins_its_parents(kinds: ModuleType) -> None:
    p = kinds.Pizzeria.objects.create(name="Napoli", serves_pizza=True, oven="stone")
    kinds.Place.objects.create(name="Park")
    loaded = kinds.Pizzeria.objects.get(pk=p.pk)
    assert (loaded.name, loaded.serves_pizza, loaded.oven) == ("Napoli", True, "stone")
    assert table_rows("kinds_pizzeria", "restaurant_ptr_id", "oven") == [(p.pk, "stone")]
    assert [r.name for r in kinds.Restaurant.objects.filter(name__startswith="Nap")] == ["Napoli"]
    assert list(kinds.Place.objects.order_by("name").values_list("name", flat=True)) == [
        "Napoli",
        "Park",
    ]
    assert kinds.Restaurant.objects.filter(name="Park").count() == 0
    assert list(kinds.Pizzeria.objects.values("name", "oven")) == [
        {"name": "Napoli", "oven": "stone"}
    ]


def test_reverse_access_and_filters_across_the_parent_link(kinds: ModuleType) -> None:
    r = kinds.Restaurant.objects.create(name="Luigi", serves_pizza=True)
    plain = kinds.Place.objects.create(name="Park")
    place = kinds.Place.objects.get(pk=r.pk)
    assert place.restaurant.serves_pizza is True
    assert place.restaurant.name == "Luigi"
    with pytest.raises(kinds.Restaurant.DoesNotExist):
        _ = kinds.Place.objects.get(pk=plain.pk).restaurant
    assert list(kinds.Place.objects.filter(restaurant__serves_pizza=True)) == [place]
    kinds.Review.objects.create(restaurant=r, stars=5)
    assert kinds.Review.objects.get(restaurant__name="Luigi").stars == 5
    assert kinds.Review.objects.select_related("restaurant").get().restaurant.name == "Luigi"


def test_update_of_parent_fields_through_the_child(kinds: ModuleType) -> None:
    r = kinds.Restaurant.objects.create(name="Luigi")
    kinds.Place.objects.create(name="Luigi")  # not a restaurant: left alone
    assert kinds.Restaurant.objects.filter(name="Luigi").update(address="2 Side St") == 1
    assert table_rows("kinds_place", "id", "address") == [(r.pk, "2 Side St"), (r.pk + 1, "")]
    r.refresh_from_db()
    assert r.address == "2 Side St"


def test_deleting_a_child_deletes_its_parent_rows(kinds: ModuleType) -> None:
    p = kinds.Pizzeria.objects.create(name="Napoli")
    kinds.Review.objects.create(restaurant=p, stars=3)
    kept = kinds.Restaurant.objects.create(name="Luigi")
    total, counts = p.delete()
    assert counts == {
        "kinds.Pizzeria": 1,
        "kinds.Restaurant": 1,
        "kinds.Place": 1,
        "kinds.Review": 1,
    }
    assert total == 4
    assert table_rows("kinds_place", "id") == [(kept.pk,)]
    assert table_rows("kinds_restaurant", "place_ptr_id") == [(kept.pk,)]


def test_deleting_a_parent_cascades_to_the_child(kinds: ModuleType) -> None:
    r = kinds.Restaurant.objects.create(name="Luigi")
    kinds.Place.objects.get(pk=r.pk).delete()
    assert table_rows("kinds_restaurant", "place_ptr_id") == []
    assert kinds.Restaurant.objects.count() == 0


def test_deleting_through_a_proxy_of_a_child_takes_what_points_at_either(
    kinds: ModuleType,
) -> None:
    r = kinds.Restaurant.objects.create(name="Luigi")
    kinds.Review.objects.create(restaurant=r, stars=3)
    kinds.Voucher.objects.create(restaurant=kinds.CheapRestaurant.objects.get(pk=r.pk))
    assert [v.restaurant.name for v in kinds.Voucher.objects.all()] == ["Luigi"]
    total, counts = kinds.CheapRestaurant.objects.get(pk=r.pk).delete()
    assert counts == {
        "kinds.CheapRestaurant": 1,
        "kinds.Place": 1,
        "kinds.Review": 1,
        "kinds.Voucher": 1,
    }
    assert total == 4
    assert table_rows("kinds_place", "id") == table_rows("kinds_restaurant", "place_ptr_id") == []


def test_bulk_create_of_a_child_is_refused(kinds: ModuleType) -> None:
    with pytest.raises(ValueError, match="multi-table inherited"):
        kinds.Restaurant.objects.bulk_create([kinds.Restaurant(name="x")])


# -- order_with_respect_to ------------------------------------------------------------------


def test_order_with_respect_to_numbers_rows_per_parent(kinds: ModuleType) -> None:
    q1 = kinds.Question.objects.create(text="q1")
    q2 = kinds.Question.objects.create(text="q2")
    a = kinds.Answer.objects.create(question=q1, text="a")
    kinds.Answer.objects.create(question=q2, text="x")
    b = kinds.Answer.objects.create(question=q1, text="b")
    c = kinds.Answer.objects.create(question=q1, text="c")
    assert [(x._order, x.text) for x in kinds.Answer.objects.filter(question=q1)] == [
        (0, "a"),
        (1, "b"),
        (2, "c"),
    ]
    assert q1.get_answer_order() == [a.pk, b.pk, c.pk]
    q1.set_answer_order([c.pk, a.pk, b.pk])
    assert [x.text for x in kinds.Answer.objects.filter(question=q1)] == ["c", "a", "b"]
    a.refresh_from_db()
    assert a.get_next_in_order() == b
    assert a.get_previous_in_order() == c
    with pytest.raises(kinds.Answer.DoesNotExist):
        c.get_previous_in_order()
