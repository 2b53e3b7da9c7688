"""on_delete=SET(...): the pointing rows take a value, a callable's result, or a row's key."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

import pytest

from schemashift import models
from schemashift.migrations.serializer import serialize

SHOP_MODELS = """
    from schemashift import models


    def fallback_owner():
        return Owner.objects.get(name="fallback")


    class Owner(models.Model):
        name = models.CharField(max_length=50)


    class Shop(models.Model):
        owner = models.ForeignKey(Owner, on_delete=models.SET(fallback_owner), null=True)


    class Stall(models.Model):
        owner = models.ForeignKey(Owner, on_delete=models.SET(None), null=True)
"""


@pytest.fixture
def shop(make_app: Callable[..., ModuleType]) -> ModuleType:
    return make_app(SHOP_MODELS, label="shop")


def test_set_with_a_callable_points_rows_at_its_result(shop: ModuleType) -> None:
    fallback = shop.Owner.objects.create(name="fallback")
    owner = shop.Owner.objects.create(name="gone")
    kept = shop.Shop.objects.create(owner=owner)

    assert owner.delete() == (1, {"shop.Owner": 1})
    kept.refresh_from_db()
    assert kept.owner_id == fallback.pk
    assert kept.owner.name == "fallback"


def test_set_with_a_value_writes_it(shop: ModuleType) -> None:
    owner = shop.Owner.objects.create(name="gone")
    stall = shop.Stall.objects.create(owner=owner)

    owner.delete()
    stall.refresh_from_db()
    assert stall.owner_id is None


def test_set_is_written_into_migrations_and_compares_by_value() -> None:
    assert serialize(models.SET(0)) == ("models.SET(0)", {"from schemashift import models"})
    assert models.SET(0) == models.SET(0) and models.SET(0) != models.SET(1)
    field = models.ForeignKey("shop.owner", on_delete=models.SET(None), null=True)
    assert field.check() == []
