"""The shop app, first version: relations into the catalog app."""

from decimal import Decimal

from catalog.models import Timestamped

from schemashift import models


class Customer(Timestamped):
    email = models.EmailField(max_length=200, unique=True, db_index=True)
    name = models.CharField(max_length=80, verbose_name="customer name")
    favourite_author = models.ForeignKey(
        "catalog.Author", on_delete=models.SET_NULL, null=True, related_name="fans"
    )
    wishlist = models.ManyToManyField("catalog.Book", related_name="wished_by")


class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders")
    number = models.PositiveIntegerField(unique=True)
    placed = models.DateTimeField()
    total = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0.00"))
    note = models.CharField(max_length=200, blank=True)
    related = models.ManyToManyField("self")

    class Meta:
        db_table = "shop_orders"
        verbose_name = "purchase"
        unique_together = ("customer", "placed")
        indexes = [models.Index(fields=["-placed", "customer"], name="order_recent_idx")]


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    book = models.ForeignKey("catalog.Book", on_delete=models.RESTRICT)
    quantity = models.PositiveSmallIntegerField(default=1)
    unit_price = models.DecimalField(max_digits=8, decimal_places=2)
    gift = models.OneToOneField(
        "catalog.Cover", on_delete=models.DO_NOTHING, null=True, related_name="gift_line"
    )

    class Meta:
        unique_together = [["order", "book"]]


class Venue(models.Model):
    name = models.CharField(max_length=50)

    class Meta:
        db_table_comment = "Where orders are picked up"


class Cafe(Venue):
    seats = models.PositiveSmallIntegerField(default=0)


class VenueByName(Venue):
    class Meta:
        proxy = True
        ordering = ["name"]


class Tab(models.Model):
    cafe = models.ForeignKey(Cafe, on_delete=models.CASCADE)
    amount = models.DecimalField(max_digits=8, decimal_places=2)

    class Meta:
        order_with_respect_to = "cafe"
