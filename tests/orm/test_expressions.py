"""Expressions: Case/When, Value, F arithmetic, ExpressionWrapper, Subquery/OuterRef/Exists
and ordering terms, in annotate, filter, update and order_by on every backend."""

from __future__ import annotations

import datetime
import decimal
from types import ModuleType

import pytest
from support.shop import SHOP_MODELS, recorded_statements

from schemashift import models
from schemashift.exceptions import FieldError
from schemashift.models import (
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from schemashift.models.functions import Coalesce, Lower


@pytest.fixture
def shop(make_app) -> ModuleType:
    app = make_app(SHOP_MODELS, label="shop")
    ana = app.Author.objects.create(name="Ana", age=30, rating=4.5, balance=10)
    bo = app.Author.objects.create(name="Bo", age=17, rating=None, balance=decimal.Decimal("2.5"))
    app.Author.objects.create(name="Cy", age=65, rating=3.0)
    app.Book.objects.create(author=ana, title="First", pages=100)
    app.Book.objects.create(author=ana, title="Second", pages=300)
    app.Book.objects.create(author=bo, title="Only", pages=50)
    return app


AGE_GROUP = Case(
    When(age__lt=18, then=Value("minor")),
    When(Q(age__gte=65) | Q(name="Nobody"), then=Value("senior")),
    default=Value("adult"),
)


def test_case_when_in_annotate_filter_and_order(shop: ModuleType) -> None:
    Author = shop.Author
    groups = Author.objects.annotate(group=AGE_GROUP).order_by("pk")
    assert [(a.name, a.group) for a in groups] == [
        ("Ana", "adult"),
        ("Bo", "minor"),
        ("Cy", "senior"),
    ]
    assert [a.name for a in groups.filter(group="adult")] == ["Ana"]
    by_rank = Author.objects.order_by(
        Case(When(name="Cy", then=0), When(name="Ana", then=1), default=2)
    )
    assert [a.name for a in by_rank] == ["Cy", "Ana", "Bo"]


def test_case_without_default_is_null_and_output_field_converts(shop: ModuleType) -> None:
    rows = shop.Author.objects.order_by("pk").values_list(
        Case(When(age__gt=60, then=Value(1))),
        Case(
            When(rating__isnull=True, then=Value("0.5")),
            default=F("balance"),
            output_field=models.DecimalField(max_digits=8, decimal_places=2),
        ),
    )
    assert list(rows) == [
        (None, decimal.Decimal("10.00")),
        (None, decimal.Decimal("0.50")),
        (1, decimal.Decimal("0.00")),
    ]


def test_when_needs_a_condition() -> None:
    with pytest.raises(TypeError, match="When\\(\\) needs a Q object"):
        When(then=1)
    with pytest.raises(TypeError, match="must all be When objects"):
        Case(Q(age=1))


def test_update_with_case_and_f_arithmetic(shop: ModuleType) -> None:
    Author = shop.Author
    # MySQL/MariaDB assign from left to right: a condition on "age" comes before age changes
    changed = Author.objects.update(
        balance=Case(
            When(age__lt=18, then=F("balance") * 2),
            When(rating__gte=4, then=F("balance") - Value(decimal.Decimal("0.25"))),
            default=F("balance"),
        ),
        age=F("age") + 1,
    )
    assert changed == 3
    assert list(Author.objects.order_by("pk").values_list("age", "balance")) == [
        (31, decimal.Decimal("9.75")),
        (18, decimal.Decimal("5.00")),
        (66, decimal.Decimal("0.00")),
    ]


def test_expression_wrapper_and_value_output_field(shop: ModuleType) -> None:
    per_page = ExpressionWrapper(F("pages") * Value(1.5), output_field=models.FloatField())
    books = shop.Book.objects.annotate(cost=per_page).order_by("pk")
    assert [b.cost for b in books] == [150.0, 450.0, 75.0]
    rows = shop.Author.objects.filter(name="Ana").values(
        limit=Value(decimal.Decimal("3.10"), output_field=models.DecimalField(decimal_places=2))
    )
    assert list(rows) == [{"limit": decimal.Decimal("3.10")}]


def test_subquery_with_outer_ref(shop: ModuleType) -> None:
    Author, Book = shop.Author, shop.Book
    longest = Book.objects.filter(author=OuterRef("pk")).order_by("-pages").values("title")[:1]
    authors = Author.objects.annotate(longest=Subquery(longest)).order_by("pk")
    assert [(a.name, a.longest) for a in authors] == [
        ("Ana", "Second"),
        ("Bo", "Only"),
        ("Cy", None),
    ]
    # the same model inside and outside: the subquery keeps a table name of its own
    older = Author.objects.filter(age__gt=OuterRef("age")).values("pk")
    counted = Author.objects.annotate(first_older=Subquery(older.order_by("age")[:1])).order_by(
        "age"
    )
    assert [(a.name, a.first_older) for a in counted] == [
        ("Bo", counted[1].pk),
        ("Ana", counted[2].pk),
        ("Cy", None),
    ]


def test_update_from_a_subquery(shop: ModuleType) -> None:
    Author, Book = shop.Author, shop.Book
    pages = Book.objects.filter(author=OuterRef("pk")).order_by("-pages").values("pages")[:1]
    Author.objects.update(age=Coalesce(Subquery(pages), Value(0)))
    assert list(Author.objects.order_by("pk").values_list("name", "age")) == [
        ("Ana", 300),
        ("Bo", 50),
        ("Cy", 0),
    ]


def test_exists_in_filter_annotate_and_negated(shop: ModuleType) -> None:
    Author, Book = shop.Author, shop.Book
    long_books = Book.objects.filter(author=OuterRef("pk"), pages__gte=100)
    assert [a.name for a in Author.objects.filter(Exists(long_books))] == ["Ana"]
    assert [a.name for a in Author.objects.filter(~Exists(long_books)).order_by("pk")] == [
        "Bo",
        "Cy",
    ]
    flagged = Author.objects.annotate(writes=Exists(Book.objects.filter(author=OuterRef("pk"))))
    assert list(flagged.order_by("pk").values_list("name", "writes")) == [
        ("Ana", True),
        ("Bo", True),
        ("Cy", False),
    ]
    assert [a.name for a in flagged.filter(writes=False)] == ["Cy"]
    assert Author.objects.filter(Q(Exists(long_books)) | Q(age__gt=60)).count() == 2


def test_outer_ref_outside_a_subquery_is_an_error(shop: ModuleType) -> None:
    with pytest.raises(FieldError, match="OuterRef\\('age'\\) can be used only inside"):
        list(shop.Author.objects.filter(age=OuterRef("age")))


def test_subquery_must_select_one_column(shop: ModuleType) -> None:
    both = shop.Book.objects.values("title", "pages")[:1]
    with pytest.raises(TypeError, match="Subquery must select one column"):
        list(shop.Author.objects.annotate(x=Subquery(both)))


def test_order_by_expressions_with_nulls_first_and_last(shop: ModuleType) -> None:
    Author = shop.Author
    last = Author.objects.order_by(F("rating").desc(nulls_last=True))
    assert [a.name for a in last] == ["Ana", "Cy", "Bo"]
    first = Author.objects.order_by(F("rating").asc(nulls_first=True))
    assert [a.name for a in first] == ["Bo", "Cy", "Ana"]
    assert [a.name for a in last.reverse()] == ["Bo", "Cy", "Ana"]
    assert [a.name for a in Author.objects.order_by(Lower("name").desc())] == ["Cy", "Bo", "Ana"]
    assert [a.name for a in Author.objects.order_by(F("age") * -1)] == ["Cy", "Ana", "Bo"]


def test_order_by_an_aggregate_annotation(shop: ModuleType) -> None:
    counted = shop.Author.objects.annotate(n=Count("books")).order_by(F("n").desc(), "name")
    assert [(a.name, a.n) for a in counted] == [("Ana", 2), ("Bo", 1), ("Cy", 0)]


def test_update_refuses_fields_of_related_models(shop: ModuleType) -> None:
    with pytest.raises(FieldError, match="Book.title from a field of a related model"):
        shop.Book.objects.update(title=F("author__name"))


def test_complex_annotations_need_an_alias(shop: ModuleType) -> None:
    with pytest.raises(TypeError, match="Complex annotations require an alias"):
        shop.Author.objects.annotate(Lower("name"))


def test_when_with_exists_strings_naming_fields_and_in_subquery(shop: ModuleType) -> None:
    Author, Book = shop.Author, shop.Book
    writes = Exists(Book.objects.filter(author=OuterRef("pk")))
    label = Case(When(writes, then="name"), default=Value("-"))
    assert list(Author.objects.order_by("pk").values_list(label, flat=True)) == [
        "Ana",
        "Bo",
        "-",
    ]
    long_authors = Book.objects.filter(pages__gte=100).values("author")
    assert [a.name for a in Author.objects.filter(pk__in=Subquery(long_authors))] == ["Ana"]


def test_nulls_last_sql_on_each_backend(shop: ModuleType) -> None:
    from schemashift.db.connections import connections

    with recorded_statements() as seen:
        list(shop.Author.objects.order_by(F("rating").desc(nulls_last=True)))
    (select,) = [s for s in seen if s.startswith("SELECT")]
    order_by = select[select.index("ORDER BY") :]
    if connections["default"].vendor == "mysql":
        assert order_by == ("ORDER BY shop_author.rating IS NULL ASC, shop_author.rating DESC")
    else:
        assert order_by == "ORDER BY shop_author.rating DESC NULLS LAST"


def test_update_sets_columns_in_the_order_given(shop: ModuleType) -> None:
    with recorded_statements() as seen:
        shop.Author.objects.filter(name="Bo").update(rating=F("age"), age=F("age") + 1)
    (update,) = [s for s in seen if s.startswith("UPDATE")]
    assert update.index("rating") < update.index("age")
    assert list(shop.Author.objects.filter(name="Bo").values_list("rating", "age")) == [(17.0, 18)]


def test_dates_and_datetimes_plus_and_minus_durations(shop: ModuleType) -> None:
    Author, Book = shop.Author, shop.Book
    utc = datetime.UTC
    Author.objects.filter(name="Ana").update(
        joined=datetime.datetime(2024, 2, 28, 23, 59, 59, 999_999, tzinfo=utc)
    )
    Author.objects.filter(name="Bo").update(
        joined=datetime.datetime(1969, 12, 31, 23, 59, 59, 1, tzinfo=utc)
    )
    Author.objects.update(joined=F("joined") + datetime.timedelta(days=1, microseconds=2))
    assert list(Author.objects.order_by("pk").values_list("joined", flat=True)) == [
        datetime.datetime(2024, 3, 1, 0, 0, 0, 1, tzinfo=utc),
        datetime.datetime(1970, 1, 1, 23, 59, 59, 3, tzinfo=utc),
        None,
    ]
    later = Author.objects.filter(
        joined__lt=Value(datetime.datetime(2024, 3, 2, tzinfo=utc)) - datetime.timedelta(days=1)
    )
    assert [a.name for a in later] == ["Bo"]

    Book.objects.update(
        published=datetime.date(2024, 1, 31),
        loan=datetime.timedelta(days=2, hours=12),
    )
    Book.objects.filter(title="First").update(
        published=F("published") + F("loan"), loan=F("loan") - datetime.timedelta(hours=13)
    )
    Book.objects.filter(title="Only").update(published=F("published") - datetime.timedelta(31))
    rows = Book.objects.order_by("pk").values_list("published", "loan")
    assert list(rows) == [
        (datetime.date(2024, 2, 2), datetime.timedelta(days=1, hours=23)),
        (datetime.date(2024, 1, 31), datetime.timedelta(days=2, hours=12)),
        (datetime.date(2023, 12, 31), datetime.timedelta(days=2, hours=12)),
    ]
    due = Book.objects.annotate(due=F("published") + F("loan")).order_by("pk")
    assert [b.due for b in due][:1] == [datetime.date(2024, 2, 3)]
