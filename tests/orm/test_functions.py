"""Database functions (``schemashift.models.functions``) in annotate, values, filter, update
and order_by, with the same results on every backend."""

from __future__ import annotations

import datetime
import decimal
from types import ModuleType

import pytest
from support.shop import SHOP_MODELS

from schemashift import models
from schemashift.exceptions import FieldError
from schemashift.models import F, Value
from schemashift.models.functions import (
    Abs,
    Cast,
    Coalesce,
    Concat,
    ExtractDay,
    ExtractMonth,
    ExtractYear,
    Greatest,
    Least,
    Length,
    Lower,
    LTrim,
    Now,
    Replace,
    Round,
    RTrim,
    Substr,
    Trim,
    Trunc,
    TruncDate,
    TruncDay,
    TruncHour,
    TruncMinute,
    TruncMonth,
    TruncSecond,
    TruncYear,
    Upper,
)
from schemashift.utils import timezone

UTC = datetime.UTC


@pytest.fixture
def shop(make_app) -> ModuleType:
    app = make_app(SHOP_MODELS, label="shop")
    Author = app.Author
    Author.objects.create(
        name="Ana Lima",
        email="ANA@Example.com",
        age=30,
        rating=4.26,
        balance=decimal.Decimal("-12.50"),
        joined=datetime.datetime(2023, 5, 17, 23, 30, tzinfo=UTC),
    )
    Author.objects.create(name="  bo  ", email=None, age=41, rating=None, balance=7)
    return app


def test_functions_is_a_package_reachable_from_models() -> None:
    assert models.functions.Lower is Lower
    assert Lower("name").source_expressions == [F("name")]


def test_text_functions_in_values(shop: ModuleType) -> None:
    rows = shop.Author.objects.order_by("pk").values_list(
        Lower("email"),
        Upper("name"),
        Length("name"),
        Trim("name"),
        LTrim("name"),
        RTrim("name"),
        Substr("name", 1, 3),
        Substr("name", 5),
        Replace("name", Value("a"), Value("4")),
    )
    assert list(rows) == [
        (
            "ana@example.com",
            "ANA LIMA",
            8,
            "Ana Lima",
            "Ana Lima",
            "Ana Lima",
            "Ana",
            "Lima",
            "An4 Lim4",
        ),
        (None, "  BO  ", 6, "bo", "bo  ", "  bo", "  b", "  ", "  bo  "),
    ]


def test_length_counts_characters_not_bytes(shop: ModuleType) -> None:
    shop.Author.objects.create(name="Zoë Ñúñez")
    assert (
        shop.Author.objects.filter(name__startswith="Zo")
        .values_list(Length("name"), flat=True)
        .get()
        == 9
    )


def test_concat_treats_null_as_empty_and_casts_numbers(shop: ModuleType) -> None:
    label = Concat("name", Value(" <"), "email", Value("> "), "age")
    assert list(shop.Author.objects.order_by("pk").values_list(label, flat=True)) == [
        "Ana Lima <ANA@Example.com> 30",
        "  bo   <> 41",
    ]
    with pytest.raises(ValueError, match="at least two"):
        Concat("name")


def test_coalesce_greatest_least_abs_round(shop: ModuleType) -> None:
    rows = shop.Author.objects.order_by("pk").values(
        contact=Coalesce("email", Value("none")),
        most=Greatest("age", Value(35)),
        least=Least("age", Value(35)),
        debt=Abs("balance"),
        stars=Round("rating", 1),
        whole=Round("rating"),
    )
    first, second = list(rows)
    assert first == {
        "contact": "ANA@Example.com",
        "most": 35,
        "least": 30,
        "debt": decimal.Decimal("12.50"),
        "stars": pytest.approx(4.3),
        "whole": pytest.approx(4.0),
    }
    assert second["contact"] == "none" and second["most"] == 41 and second["least"] == 35
    assert second["stars"] is None


def test_cast(shop: ModuleType) -> None:
    rows = shop.Author.objects.order_by("pk").values_list(
        Cast("age", output_field=models.CharField(max_length=10)),
        Cast("age", output_field=models.FloatField()),
        Cast(Value("12"), output_field=models.IntegerField()),
        Cast("balance", output_field=models.DecimalField(max_digits=6, decimal_places=1)),
    )
    assert list(rows) == [
        ("30", 30.0, 12, decimal.Decimal("-12.5")),
        ("41", 41.0, 12, decimal.Decimal("7.0")),
    ]
    text = shop.Author.objects.annotate(age_text=Cast("age", models.TextField()))
    assert text.filter(age_text="41").get().name == "  bo  "


def test_now_and_dates(shop: ModuleType) -> None:
    before = timezone.now() - datetime.timedelta(seconds=5)
    shop.Author.objects.filter(joined__isnull=True).update(joined=Now())
    after = timezone.now() + datetime.timedelta(seconds=5)
    late = shop.Author.objects.get(age=41)
    assert before <= late.joined <= after
    assert shop.Author.objects.filter(joined__lte=Now()).count() == 2
    when = shop.Author.objects.annotate(now=Now()).get(age=30).now
    assert before <= when <= after and when.tzinfo is not None
    rows = shop.Author.objects.filter(age=30).values_list(
        ExtractYear("joined"), ExtractMonth("joined"), ExtractDay("joined"), TruncDate("joined")
    )
    assert list(rows) == [(2023, 5, 17, datetime.date(2023, 5, 17))]


def test_functions_in_filter_order_and_update(shop: ModuleType) -> None:
    Author = shop.Author
    Author.objects.create(name="carla", email="Carla@x.org", age=25)
    lowered = Author.objects.annotate(low=Lower("email")).filter(low__endswith="example.com")
    assert [a.name for a in lowered] == ["Ana Lima"]
    assert [a.name for a in Author.objects.order_by(Lower("name").desc())] == [
        "carla",
        "Ana Lima",
        "  bo  ",
    ]
    updated = Author.objects.exclude(email=None).update(email=Lower("email"), name=Trim("name"))
    assert updated == 2
    assert list(Author.objects.order_by("pk").values_list("name", "email")) == [
        ("Ana Lima", "ana@example.com"),
        ("  bo  ", None),
        ("carla", "carla@x.org"),
    ]


def test_func_with_a_function_name(shop: ModuleType) -> None:
    upper = models.Func(F("name"), function="UPPER")
    assert shop.Author.objects.filter(age=30).values_list(upper, flat=True).get() == "ANA LIMA"
    with pytest.raises(TypeError, match="takes exactly 1 argument"):
        Lower("a", "b")


def test_trunc_datetimes_and_dates(shop: ModuleType) -> None:
    Author = shop.Author
    Author.objects.filter(age=30).update(
        joined=datetime.datetime(2023, 5, 17, 23, 30, 45, 123456, tzinfo=UTC)
    )
    row = Author.objects.filter(age=30).values_list(
        TruncYear("joined"),
        TruncMonth("joined"),
        TruncDay("joined"),
        TruncHour("joined"),
        TruncMinute("joined"),
        TruncSecond("joined"),
    )
    assert row.get() == (
        datetime.datetime(2023, 1, 1, tzinfo=UTC),
        datetime.datetime(2023, 5, 1, tzinfo=UTC),
        datetime.datetime(2023, 5, 17, tzinfo=UTC),
        datetime.datetime(2023, 5, 17, 23, tzinfo=UTC),
        datetime.datetime(2023, 5, 17, 23, 30, tzinfo=UTC),
        datetime.datetime(2023, 5, 17, 23, 30, 45, tzinfo=UTC),
    )
    ana = Author.objects.get(age=30)
    for day in (3, 20):
        shop.Book.objects.create(author=ana, title=f"b{day}", published=datetime.date(2024, 2, day))
    shop.Book.objects.create(author=ana, title="c", published=datetime.date(2024, 3, 9))
    per_month = (
        shop.Book.objects.values(month=TruncMonth("published"))
        .annotate(n=models.Count("pk"))
        .order_by("month")
    )
    assert list(per_month) == [
        {"month": datetime.date(2024, 2, 1), "n": 2},
        {"month": datetime.date(2024, 3, 1), "n": 1},
    ]
    assert shop.Book.objects.filter(published__isnull=False).annotate(
        y=Trunc("published", "year")
    ).values_list("y", flat=True).distinct().get() == (datetime.date(2024, 1, 1))
    with pytest.raises(FieldError, match="Cannot truncate a DateField to 'hour'"):
        list(shop.Book.objects.values_list(TruncHour("published")))
