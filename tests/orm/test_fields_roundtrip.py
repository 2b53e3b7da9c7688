"""Every field type written and read back unchanged, on every backend."""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Callable
from types import ModuleType

import pytest

from schemashift.db.connections import connections

KINDS_MODELS = """
    from schemashift import models


    class Kinds(models.Model):
        small = models.SmallIntegerField(null=True)
        big = models.BigIntegerField(null=True)
        positive = models.PositiveIntegerField(null=True)
        flag = models.BooleanField(default=False)
        real = models.FloatField(null=True)
        money = models.DecimalField(max_digits=12, decimal_places=3, null=True)
        day = models.DateField(null=True)
        moment = models.DateTimeField(null=True)
        clock = models.TimeField(null=True)
        span = models.DurationField(null=True)
        ident = models.UUIDField(null=True)
        doc = models.JSONField(null=True)
        blob = models.BinaryField(null=True)
        text = models.TextField(default="")
        slug = models.SlugField(default="")
        email = models.EmailField(default="")
        created = models.DateTimeField(auto_now_add=True)
        touched = models.DateField(auto_now=True)
"""

UTC = datetime.UTC

VALUES = {
    "small": -32000,
    "big": 2**62,
    "positive": 7,
    "flag": True,
    "real": 2.5,
    "money": decimal.Decimal("123456789.125"),
    "day": datetime.date(2024, 2, 29),
    "moment": datetime.datetime(2024, 2, 29, 23, 59, 58, 123456, tzinfo=UTC),
    "clock": datetime.time(13, 14, 15, 160000),
    "span": datetime.timedelta(days=3, hours=4, microseconds=5),
    "ident": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "doc": {"a": [1, 2, {"b": None}], "quote": 'it\'s "json"', "ü": 1.5},
    "blob": b"\x00\x01binary\xff",
    "text": "multi\nline ü 😀",
    "slug": "a-slug",
    "email": "x@example.com",
}


@pytest.fixture
def kinds(make_app: Callable[..., ModuleType]) -> type:
    return make_app(KINDS_MODELS, label="kinds").Kinds


@pytest.mark.parametrize("name", sorted(VALUES))
def test_value_round_trips(kinds: type, name: str) -> None:
    created = kinds.objects.create(**{name: VALUES[name]})
    loaded = kinds.objects.get(pk=created.pk)
    assert getattr(loaded, name) == VALUES[name]
    assert type(getattr(loaded, name)) is type(VALUES[name])
    if name != "doc":  # JSON documents are not compared with =
        assert kinds.objects.filter(**{name: VALUES[name]}).count() == 1


def test_nulls_and_defaults_round_trip(kinds: type) -> None:
    created = kinds.objects.create()
    loaded = kinds.objects.get(pk=created.pk)
    for name in ("small", "money", "day", "moment", "clock", "span", "ident", "doc", "blob"):
        assert getattr(loaded, name) is None
    assert loaded.flag is False and loaded.text == ""


def test_naive_datetime_is_taken_as_utc(kinds: type) -> None:
    naive = datetime.datetime(2024, 5, 6, 7, 8, 9)
    created = kinds.objects.create(moment=naive)
    assert kinds.objects.get(pk=created.pk).moment == naive.replace(tzinfo=UTC)


def test_aware_datetime_in_another_zone_is_stored_as_the_same_instant(kinds: type) -> None:
    tokyo = datetime.timezone(datetime.timedelta(hours=9))
    moment = datetime.datetime(2024, 1, 1, 8, 0, tzinfo=tokyo)
    created = kinds.objects.create(moment=moment)
    loaded = kinds.objects.get(pk=created.pk).moment
    assert loaded == moment and loaded.tzinfo == UTC and loaded.hour == 23
    assert kinds.objects.filter(moment__date=datetime.date(2023, 12, 31)).count() == 1
    assert kinds.objects.filter(moment__year=2023, moment__day=31, moment__hour=23).count() == 1


def test_auto_now_and_auto_now_add(kinds: type) -> None:
    created = kinds.objects.create()
    first = created.created
    assert first is not None and first.tzinfo == UTC
    assert created.touched == first.date()
    created.small = 1
    created.save()
    created.refresh_from_db()
    assert created.created == first


def test_decimal_is_rounded_to_its_places(kinds: type) -> None:
    created = kinds.objects.create(money=decimal.Decimal("1.5"))
    assert kinds.objects.get(pk=created.pk).money == decimal.Decimal("1.500")
    assert str(kinds.objects.get(pk=created.pk).money) == "1.500"


def test_values_are_stored_as_the_backend_declares(kinds: type) -> None:
    import sqlalchemy as sa

    created = kinds.objects.create(
        ident=VALUES["ident"], span=VALUES["span"], moment=VALUES["moment"], flag=True
    )
    db = connections["default"]
    row = db.execute(
        sa.text("SELECT ident, span, moment, flag FROM kinds_kinds WHERE id = :id"),
        {"id": created.pk},
    ).one()
    if db.vendor == "postgresql":
        assert row.ident == VALUES["ident"]
        assert row.span == VALUES["span"]
        assert row.moment == VALUES["moment"]
        assert row.flag is True
    else:
        assert row.ident == VALUES["ident"].hex
        assert row.span == VALUES["span"] // datetime.timedelta(microseconds=1)
        assert str(row.moment).startswith("2024-02-29 23:59:58.123456")
        assert row.flag == 1
