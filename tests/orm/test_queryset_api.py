"""QuerySet API beyond filtering: only()/defer(), values()/values_list() with expressions,
QuerySet.as_manager() and Manager.from_queryset(), on every backend."""

from __future__ import annotations

import decimal
from collections.abc import Iterator
from types import ModuleType

import pytest
from support.shop import SHOP_MODELS, recorded_statements

from schemashift import models
from schemashift.exceptions import FieldError
from schemashift.models import Count, F, Value
from schemashift.models.functions import Concat, Upper


@pytest.fixture
def shop(make_app) -> ModuleType:
    app = make_app(SHOP_MODELS, label="shop")
    ana = app.Author.objects.create(name="Ana", email="ana@x.org", age=30, balance=10)
    bo = app.Author.objects.create(name="Bo", age=17)
    app.Book.objects.create(author=ana, title="First", pages=100)
    app.Book.objects.create(author=bo, title="Only", pages=50)
    return app


@pytest.fixture
def statements(shop: ModuleType) -> Iterator[list[str]]:
    """The statements the ORM runs on the shop's database from now on."""
    with recorded_statements() as seen:
        yield seen


def selects(statements: list[str]) -> list[str]:
    return [s for s in statements if s.upper().startswith("SELECT")]


def test_only_selects_those_fields_and_loads_the_others_on_access(
    shop: ModuleType, statements
) -> None:
    ana = shop.Author.objects.only("name").get(name="Ana")
    (select,) = selects(statements)
    assert "email" not in select and "name" in select and "id" in select
    assert ana.get_deferred_fields() == {"email", "age", "rating", "balance", "joined"}
    assert ana.email == "ana@x.org"
    assert len(selects(statements)) == 2 and ana.get_deferred_fields() == {
        "age",
        "rating",
        "balance",
        "joined",
    }
    assert ana.email == "ana@x.org" and len(selects(statements)) == 2


def test_defer_and_saving_a_partly_loaded_row(shop: ModuleType, statements) -> None:
    Author = shop.Author
    ana = Author.objects.defer("email", "balance").get(name="Ana")
    assert "email" not in selects(statements)[0]
    assert ana.get_deferred_fields() == {"email", "balance"}
    ana.age = 31
    ana.save()
    update = next(s for s in statements if s.upper().startswith("UPDATE"))
    assert "email" not in update and "balance" not in update
    assert Author.objects.filter(name="Ana").values_list("age", "email", "balance").get() == (
        31,
        "ana@x.org",
        decimal.Decimal("10.00"),
    )


def test_only_and_defer_chain_as_in_django(shop: ModuleType) -> None:
    Author = shop.Author
    assert Author.objects.only("name", "age").defer("age").get(name="Bo").get_deferred_fields() == {
        "email",
        "age",
        "rating",
        "balance",
        "joined",
    }
    assert Author.objects.defer("email").defer("age").get(name="Bo").get_deferred_fields() == {
        "email",
        "age",
    }
    assert not Author.objects.defer("email").defer(None).get(name="Bo").get_deferred_fields()
    book = shop.Book.objects.only("title").select_related("author").get(title="Only")
    assert book.get_deferred_fields() == {"author_id", "pages", "published", "loan"}
    assert book.author.name == "Bo" and book.pages == 50
    book = shop.Book.objects.select_related("author").only("title", "author__name").get(pk=1)
    assert (
        book.get_deferred_fields() == {"pages", "published", "loan"} and book.author.name == "Ana"
    )
    with pytest.raises(FieldError, match="defer\\(\\) of a related model's field"):
        shop.Book.objects.defer("author__name")
    with pytest.raises(FieldError, match="Author has no field named 'nope' for only\\(\\)"):
        Author.objects.only("nope")


def test_values_with_expressions_f_and_across_relations(shop: ModuleType) -> None:
    rows = shop.Book.objects.order_by("pk").values(
        "title",
        "author__name",
        writer=F("author__name"),
        shout=Upper("title"),
        label=Concat("title", Value(" by "), "author__name"),
    )
    assert list(rows) == [
        {
            "title": "First",
            "author__name": "Ana",
            "writer": "Ana",
            "shout": "FIRST",
            "label": "First by Ana",
        },
        {
            "title": "Only",
            "author__name": "Bo",
            "writer": "Bo",
            "shout": "ONLY",
            "label": "Only by Bo",
        },
    ]


def test_values_list_flat_named_and_expressions(shop: ModuleType) -> None:
    Book = shop.Book
    assert list(Book.objects.order_by("pk").values_list("author__name", flat=True)) == [
        "Ana",
        "Bo",
    ]
    assert list(Book.objects.order_by("pk").values_list(Upper("title"), flat=True)) == [
        "FIRST",
        "ONLY",
    ]
    rows = list(Book.objects.order_by("pk").values_list("title", F("pages") * 2, named=True))
    assert rows[0].title == "First" and rows[0] == ("First", 200)
    assert type(rows[0]).__name__ == "Row" and rows[1]._fields[0] == "title"
    counted = shop.Author.objects.annotate(n=Count("books")).order_by("pk")
    assert list(counted.values_list("name", "n", named=True)) == [("Ana", 1), ("Bo", 1)]
    with pytest.raises(TypeError, match="'flat' and 'named' can't be used together"):
        Book.objects.values_list("title", flat=True, named=True)


def test_values_names_that_clash_with_fields(shop: ModuleType) -> None:
    with pytest.raises(ValueError, match="The annotation 'name' conflicts with a field"):
        shop.Author.objects.values(name=Upper("name"))


def test_exclude_none_keeps_the_rows_that_have_a_value(shop: ModuleType) -> None:
    assert [a.name for a in shop.Author.objects.exclude(email=None)] == ["Ana"]


MANAGERS = """
from schemashift import models


class AuthorQuerySet(models.QuerySet):
    def adults(self):
        return self.filter(age__gte=18)

    def named(self, name):
        return self.filter(name=name)

    def _private(self):
        return self


class AuthorManager(models.Manager.from_queryset(AuthorQuerySet)):
    def create_kid(self, name):
        return self.create(name=name, age=5)


class Author(models.Model):
    name = models.CharField(max_length=50)
    age = models.IntegerField(default=0)

    objects = AuthorQuerySet.as_manager()
    people: models.Manager["Author"] = AuthorManager()
"""


def test_querysets_as_managers(make_app) -> None:
    Author = make_app(MANAGERS, label="club").Author
    Author.objects.create(name="Ana", age=30)
    Author.people.create_kid("Bo")
    assert [a.name for a in Author.objects.adults()] == ["Ana"]
    assert [a.name for a in Author.people.adults()] == ["Ana"]
    assert Author.objects.filter(name__startswith="B").adults().count() == 0
    assert Author.objects.named("Bo").get().age == 5
    assert isinstance(Author.objects.all(), type(Author.objects.adults()))
    assert not hasattr(Author.objects, "_private")
    assert not hasattr(Author.objects, "delete") and not hasattr(Author.objects, "as_manager")
    assert type(Author.objects).__name__ == "ManagerFromAuthorQuerySet"
    assert Author.objects.model is Author


def test_manager_subscript_returns_the_class() -> None:
    assert models.Manager["Author"] is models.Manager
    assert models.BaseManager["Author"] is models.BaseManager
