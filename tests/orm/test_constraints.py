"""Meta.constraints enforced by the database: a violating save raises IntegrityError through
the ORM on every backend, and rows that satisfy them are saved."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

import pytest
import sqlalchemy as sa

SHOP_MODELS = """
from schemashift import models


class Product(models.Model):
    sku = models.CharField(max_length=10)
    shop = models.CharField(max_length=10)
    price = models.IntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(price__gte=0), name="price_gte_0"),
            models.UniqueConstraint(fields=["shop", "sku"], name="shop_sku_uniq"),
        ]
"""


@pytest.fixture
def shop(make_app: Callable[..., ModuleType]) -> ModuleType:
    return make_app(SHOP_MODELS, label="shop")


def _violates(save: Callable[[], object]) -> bool:
    try:
        save()
    except sa.exc.IntegrityError:
        return True
    return False


def test_a_violating_save_raises_integrity_error(shop: ModuleType) -> None:
    product = shop.Product
    product.objects.create(sku="a1", shop="x", price=5)
    product.objects.create(sku="a1", shop="y", price=0)
    assert _violates(lambda: product.objects.create(sku="a1", shop="x", price=1))
    assert _violates(lambda: product.objects.create(sku="b2", shop="x", price=-1))
    assert sorted(product.objects.values_list("shop", "sku")) == [("x", "a1"), ("y", "a1")]
