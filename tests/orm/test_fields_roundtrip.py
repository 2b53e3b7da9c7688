"""Every field type written and read back unchanged, on every backend."""

from __future__ import annotations

import datetime
import decimal
import math
import uuid
from collections.abc import Callable
from types import ModuleType

import pytest

from schemashift import models
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
        # MariaDB 10.7+ has a uuid type (Django 5 uses it), read back hyphenated
        native_uuid = getattr(db.database.dialect, "is_mariadb", False) and (
            db.database.dialect.server_version_info >= (10, 7)
        )
        assert row.ident == (str(VALUES["ident"]) if native_uuid else VALUES["ident"].hex)
        assert row.span == VALUES["span"] // datetime.timedelta(microseconds=1)
        assert str(row.moment).startswith("2024-02-29 23:59:58.123456")
        assert row.flag == 1


# -- edge values ------------------------------------------------------------------------------

EDGE_MODELS = """
    from schemashift import models


    class Edge(models.Model):
        real = models.FloatField(null=True)
        money = models.DecimalField(max_digits=20, decimal_places=10, null=True)
        doc = models.JSONField(null=True)
        small = models.SmallIntegerField(null=True)
        normal = models.IntegerField(null=True)
        big = models.BigIntegerField(null=True)
        positive_big = models.PositiveBigIntegerField(null=True)
"""

D = decimal.Decimal
EDGE_VALUES = [
    ("money", D("9999999999.9999999999")),
    ("money", D("-9999999999.9999999999")),
    ("money", D("0.0000000000")),
    ("money", D("0.0000000001")),
    ("money", D("1234567890.1234567891")),
    ("money", D("-0.5000000000")),
    ("real", float("inf")),
    ("real", float("-inf")),
    ("real", 1e308),
    ("real", 5e-324),
    ("real", -1.5),
    ("doc", 1e308),
    ("doc", 5e-324),
    ("doc", 1.5),
    ("doc", 1.0),
    ("doc", 2**63),
    ("doc", -(2**63)),
    ("doc", {"a": [1e308, {"b": -2.5e-300, "c": [1.0, 2**63]}], "d": None}),
    ("small", -(2**15)),
    ("small", 2**15 - 1),
    ("normal", -(2**31)),
    ("normal", 2**31 - 1),
    ("big", -(2**63)),
    ("big", 2**63 - 1),
    ("positive_big", 2**63 - 1),
]


@pytest.fixture
def edge(make_app: Callable[..., ModuleType]) -> type:
    return make_app(EDGE_MODELS, label="edge").Edge


@pytest.mark.parametrize(("name", "value"), EDGE_VALUES, ids=[repr(v) for _n, v in EDGE_VALUES])
def test_edge_value_round_trips(edge: type, name: str, value: object) -> None:
    if isinstance(value, float) and math.isinf(value) and connections["default"].vendor == "mysql":
        with pytest.raises(Exception, match="cannot be stored on MySQL/MariaDB"):
            edge.objects.create(**{name: value})
        return
    created = edge.objects.create(**{name: value})
    loaded = getattr(edge.objects.get(pk=created.pk), name)
    assert loaded == value
    assert repr(loaded) == repr(value)  # same type, digits and floats inside documents
    if name != "doc":
        assert edge.objects.filter(**{name: value}).count() == 1


def test_nan_round_trips_or_is_refused(edge: type) -> None:
    if connections["default"].vendor == "mysql":
        with pytest.raises(Exception, match="cannot be stored on MySQL/MariaDB"):
            edge.objects.create(real=float("nan"))
        assert edge.objects.count() == 0
        return
    created = edge.objects.create(real=float("nan"))
    assert math.isnan(edge.objects.get(pk=created.pk).real)
    assert edge.objects.filter(real__isnull=True).count() == 0


def test_negative_zero_reads_back_as_zero(edge: type) -> None:
    created = edge.objects.create(real=-0.0, doc=-0.0)
    loaded = edge.objects.get(pk=created.pk)
    assert loaded.real == 0.0 and loaded.doc == 0.0


def test_decimals_with_every_digit_compare_sort_and_add_up(edge: type) -> None:
    values = [D("9999999999.9999999999"), D("2.5"), D("-1234567890.1234567891"), D("7")]
    for value in values:
        edge.objects.create(money=value)
    ordered = list(edge.objects.order_by("money").values_list("money", flat=True))
    assert ordered == sorted(values)
    assert edge.objects.filter(money__gt=5).count() == 2
    assert edge.objects.filter(money__lte=D("2.5")).count() == 2
    assert edge.objects.filter(money__range=(0, 10)).count() == 2
    totals = edge.objects.aggregate(models.Sum("money"), models.Max("money"), models.Min("money"))
    assert round(totals["money__sum"], 4) == round(sum(values), 4)
    assert totals["money__max"] == pytest.approx(values[0], rel=D("1e-14"))
    assert totals["money__min"] == pytest.approx(values[2], rel=D("1e-14"))


CHOICES_MODELS = """
    from schemashift import models


    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "pub", "Published"


    class Size(models.IntegerChoices):
        SMALL = 1
        LARGE = 2


    class Article(models.Model):
        status = models.CharField(max_length=5, choices=Status, default=Status.DRAFT)
        size = models.IntegerField(choices=Size.choices, default=Size.LARGE)
"""


def test_choices_members_are_stored_as_their_values(make_app: Callable[..., ModuleType]) -> None:
    app = make_app(CHOICES_MODELS, label="press")
    created = app.Article.objects.create()
    app.Article.objects.create(status=app.Status.PUBLISHED, size=app.Size.SMALL)
    loaded = app.Article.objects.get(pk=created.pk)
    assert (loaded.status, loaded.size) == ("draft", 2)
    assert loaded.get_status_display() == "Draft"
    assert app.Article.objects.filter(status=app.Status.PUBLISHED).count() == 1
    assert list(app.Article.objects.filter(size=app.Size.SMALL).values_list("status", "size")) == [
        ("pub", 1)
    ]


FILES_AND_ADDRESSES_MODELS = """
    from schemashift import models


    class Upload(models.Model):
        document = models.FileField(upload_to="docs/")
        picture = models.ImageField(null=True, width_field="width", height_field="height")
        width = models.IntegerField(null=True)
        height = models.IntegerField(null=True)
        source = models.FilePathField(path="/srv", blank=True)
        address = models.GenericIPAddressField(null=True)
        unpacked = models.GenericIPAddressField(unpack_ipv4=True, null=True)
"""


class NamedFile:
    """Anything with a ``name``, as a Django ``File``."""

    def __init__(self, name: str) -> None:
        self.name = name


def test_file_names_and_ip_addresses_round_trip(make_app: Callable[..., ModuleType]) -> None:
    upload = make_app(FILES_AND_ADDRESSES_MODELS, label="uploads").Upload
    created = upload.objects.create(
        document="docs/report.pdf",
        picture=NamedFile("images/cat.png"),
        source="/srv/a.txt",
        address="2001:0DB8:0000:0000:0000:0000:0000:0001",
        unpacked="::ffff:10.0.0.1",
    )
    loaded = upload.objects.get(pk=created.pk)
    assert (loaded.document, loaded.picture, loaded.source) == (
        "docs/report.pdf",
        "images/cat.png",
        "/srv/a.txt",
    )
    assert (loaded.address, loaded.unpacked) == ("2001:db8::1", "10.0.0.1")
    assert upload.objects.filter(address="2001:db8::1").count() == 1
    assert upload.objects.filter(document="docs/report.pdf").count() == 1
    upload.objects.create(document="b", address="192.168.0.1", unpacked="")
    assert list(upload.objects.order_by("pk").values_list("address", "unpacked")) == [
        ("2001:db8::1", "10.0.0.1"),
        ("192.168.0.1", None),
    ]


ENCODED_MODELS = """
    import json

    from schemashift import models
    from schemashift.core.serializers.json import DjangoJSONEncoder


    class Dated(json.JSONDecoder):
        def __init__(self, **kwargs):
            super().__init__(object_hook=self.hook, **kwargs)

        @staticmethod
        def hook(document):
            return {key: ("seen", value) for key, value in document.items()}


    class Event(models.Model):
        payload = models.JSONField(encoder=DjangoJSONEncoder, null=True)
        decoded = models.JSONField(decoder=Dated, null=True)
"""


def test_a_json_field_writes_with_its_encoder_and_reads_with_its_decoder(
    make_app: Callable[..., ModuleType],
) -> None:
    event_model = make_app(ENCODED_MODELS, label="events").Event
    when = datetime.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
    event = event_model.objects.create(
        payload={
            "at": when,
            "day": datetime.date(2024, 5, 6),
            "price": decimal.Decimal("1.50"),
            "id": uuid.UUID(int=7),
            "wait": datetime.timedelta(days=1, seconds=5),
        },
        decoded={"a": 1},
    )
    stored = event_model.objects.get(pk=event.pk)
    assert stored.payload == {
        "at": "2024-05-06T07:08:09.123Z",
        "day": "2024-05-06",
        "price": "1.50",
        "id": "00000000-0000-0000-0000-000000000007",
        "wait": "P1DT00H00M05S",
    }
    assert stored.decoded == {"a": ("seen", 1)}
    with pytest.raises(ValueError, match="The encoder parameter must be a callable object."):
        models.JSONField(encoder="not callable")


def test_the_encoder_is_written_into_migrations_by_its_path() -> None:
    from schemashift.core.serializers.json import DjangoJSONEncoder
    from schemashift.migrations.serializer import serialize

    text, imports = serialize(models.JSONField(encoder=DjangoJSONEncoder))
    assert text == ("models.JSONField(encoder=schemashift.core.serializers.json.DjangoJSONEncoder)")
    assert "import schemashift.core.serializers.json" in imports
