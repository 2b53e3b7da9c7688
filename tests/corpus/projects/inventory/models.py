import uuid

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower


class Warehouse(models.Model):
    code = models.CharField(max_length=10, primary_key=True)
    city = models.CharField(max_length=80)


class Item(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    sku = models.CharField(max_length=30)
    name = models.CharField(max_length=120)
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="items")
    quantity = models.IntegerField(default=0)
    price = models.DecimalField(max_digits=10, decimal_places=2)
    discontinued = models.BooleanField(default=False)
    barcode = models.CharField(max_length=40, unique=True, null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["warehouse", "sku"],
                condition=Q(discontinued=False),
                name="item_live_sku_unique",
            ),
            models.CheckConstraint(condition=Q(price__gt=0), name="item_price_positive"),
            models.UniqueConstraint(Lower("name"), "warehouse", name="item_name_ci_unique"),
        ]
        indexes = [
            models.Index(fields=["name"], name="item_live_name_idx", condition=Q(discontinued=False)),
            models.Index(Lower("name"), name="item_lower_name_idx"),
        ]


class Movement(models.Model):
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="movements")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE)
    delta = models.IntegerField()
    note = models.TextField(blank=True, db_index=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(delta=0), name="movement_delta_nonzero"),
        ]
