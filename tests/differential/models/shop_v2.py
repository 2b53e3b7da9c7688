"""The shop app, second version: a new model, fields added, altered and removed."""

from decimal import Decimal

from catalog.models import Timestamped

from schemashift import models


class Customer(Timestamped):
    email = models.EmailField(max_length=200, unique=True, db_index=True)
    name = models.CharField(max_length=80, verbose_name="customer name")
    favourite_author = models.ForeignKey(
        "catalog.Author", on_delete=models.SET_NULL, null=True, related_name="fans"
    )
    referrer = models.ForeignKey("self", on_delete=models.SET_NULL, null=True)
    wishlist = models.ManyToManyField(
        "catalog.Book", related_name="wished_by", db_table="shop_wishes"
    )


class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders")
    number = models.PositiveIntegerField(unique=True)
    placed = models.DateTimeField()
    total = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0.00"))
    currency = models.CharField(max_length=3, default="EUR")

    class Meta:
        db_table = "shop_orders"
        verbose_name = "purchase"
        unique_together = ("customer", "placed")
        indexes = [models.Index(fields=["-placed", "customer"], name="order_recent_idx")]


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    book = models.ForeignKey("catalog.Book", on_delete=models.RESTRICT)
    quantity = models.PositiveSmallIntegerField(default=1)
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)
    gift = models.OneToOneField(
        "catalog.Cover", on_delete=models.DO_NOTHING, null=True, related_name="gift_line"
    )

    class Meta:
        unique_together = [["order", "book"]]


class Coupon(models.Model):
    code = models.SlugField(max_length=16, unique=True)
    series = models.ForeignKey("catalog.Series", on_delete=models.CASCADE, null=True)
    percent = models.PositiveSmallIntegerField(default=10)
    customers = models.ManyToManyField(Customer, related_name="coupons")
    valid_until = models.DateField(db_index=True)

    class Meta:
        ordering = ["code"]
        indexes = [models.Index(fields=["series", "-valid_until"])]


class Venue(models.Model):
    name = models.CharField(max_length=50)


class Cafe(Venue):
    seats = models.PositiveSmallIntegerField(default=0)
    terrace = models.BooleanField(default=False)


class Bakery(Cafe):
    oven = models.CharField(max_length=20, default="wood")


class VenueByName(Venue):
    class Meta:
        proxy = True
        ordering = ["name"]


class Tab(models.Model):
    cafe = models.ForeignKey(Cafe, on_delete=models.CASCADE)
    amount = models.DecimalField(max_digits=8, decimal_places=2)


class Receipt(models.Model):
    tab = models.ForeignKey(Tab, on_delete=models.CASCADE)

    class Meta:
        order_with_respect_to = "tab"
