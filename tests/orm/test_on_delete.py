"""Deleting rows that others point at: one test per on_delete behaviour, on every backend."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

import pytest

from schemashift.models import ProtectedError, RestrictedError

LIBRARY_MODELS = """
    from schemashift import models


    class Author(models.Model):
        name = models.CharField(max_length=50)

        def __str__(self):
            return self.name


    class Book(models.Model):
        author = models.ForeignKey(Author, on_delete=models.CASCADE)
        title = models.CharField(max_length=50)


    class Review(models.Model):
        book = models.ForeignKey(Book, on_delete=models.CASCADE)


    class Award(models.Model):
        author = models.ForeignKey(Author, on_delete=models.PROTECT, null=True)


    class Fan(models.Model):
        author = models.ForeignKey(Author, on_delete=models.SET_NULL, null=True)


    class Edition(models.Model):
        author = models.ForeignKey(Author, on_delete=models.SET_DEFAULT, null=True, default=None)


    class Loan(models.Model):
        book = models.ForeignKey(Book, on_delete=models.RESTRICT, null=True)
        author = models.ForeignKey(Author, on_delete=models.CASCADE, null=True)


    class Note(models.Model):
        author_ref = models.ForeignKey(
            Author, on_delete=models.DO_NOTHING, null=True, db_constraint=False
        )
"""


@pytest.fixture
def library(make_app: Callable[..., ModuleType]) -> ModuleType:
    return make_app(LIBRARY_MODELS, label="library")


def test_cascade_deletes_the_pointing_rows_and_counts_them(library: ModuleType) -> None:
    author = library.Author.objects.create(name="a")
    book = library.Book.objects.create(author=author, title="t")
    library.Review.objects.create(book=book)
    library.Review.objects.create(book=book)
    other = library.Author.objects.create(name="b")
    library.Book.objects.create(author=other, title="kept")

    assert author.delete() == (
        4,
        {"library.Review": 2, "library.Book": 1, "library.Author": 1},
    )
    assert author.pk is None
    assert [b.title for b in library.Book.objects.all()] == ["kept"]
    assert library.Review.objects.count() == 0


def test_queryset_delete_collects_too(library: ModuleType) -> None:
    for name in ("a", "b"):
        author = library.Author.objects.create(name=name)
        library.Book.objects.create(author=author, title=name)
    assert library.Author.objects.filter(name="a").delete() == (
        2,
        {"library.Book": 1, "library.Author": 1},
    )
    assert list(library.Book.objects.values_list("title", flat=True)) == ["b"]


def test_protect_refuses_and_deletes_nothing(library: ModuleType) -> None:
    author = library.Author.objects.create(name="a")
    library.Book.objects.create(author=author, title="t")
    award = library.Award.objects.create(author=author)
    with pytest.raises(ProtectedError) as excinfo:
        author.delete()
    assert "'Award.author'" in str(excinfo.value.args[0])
    assert list(excinfo.value.protected_objects) == [award]
    assert library.Author.objects.count() == 1 and library.Book.objects.count() == 1


def test_set_null(library: ModuleType) -> None:
    author = library.Author.objects.create(name="a")
    fan = library.Fan.objects.create(author=author)
    author.delete()
    fan.refresh_from_db()
    assert fan.author_id is None and fan.author is None


def test_set_default(library: ModuleType) -> None:
    author = library.Author.objects.create(name="a")
    edition = library.Edition.objects.create(author=author)
    author.delete()
    edition.refresh_from_db()
    assert edition.author_id is None


def test_restrict_refuses_a_direct_delete(library: ModuleType) -> None:
    author = library.Author.objects.create(name="a")
    book = library.Book.objects.create(author=author, title="t")
    library.Loan.objects.create(book=book)
    with pytest.raises(RestrictedError):
        book.delete()
    with pytest.raises(RestrictedError):
        author.delete()
    assert library.Book.objects.count() == 1


def test_restrict_allows_a_delete_through_cascade_of_the_pointing_row(
    library: ModuleType,
) -> None:
    author = library.Author.objects.create(name="a")
    book = library.Book.objects.create(author=author, title="t")
    library.Loan.objects.create(book=book, author=author)
    assert author.delete()[0] == 3
    assert library.Loan.objects.count() == 0


def test_do_nothing_leaves_the_pointing_rows(library: ModuleType) -> None:
    author = library.Author.objects.create(name="a")
    note = library.Note.objects.create(author_ref=author)
    assert author.delete() == (1, {"library.Author": 1})
    note.refresh_from_db()
    assert note.author_ref_id is not None
