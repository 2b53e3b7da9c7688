"""A small app for the expression and QuerySet API tests: authors and their books, and a
recorder of the statements the ORM runs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event


@contextmanager
def recorded_statements() -> Iterator[list[str]]:
    """The statements run on ``connections["default"]`` inside the block."""
    from schemashift.db.connections import connections

    engine = connections["default"].database.engine
    seen: list[str] = []

    def log(conn, cursor, statement, parameters, context, executemany) -> None:
        seen.append(statement.lstrip())

    event.listen(engine, "before_cursor_execute", log)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", log)


SHOP_MODELS = """
from schemashift import models


class Author(models.Model):
    name = models.CharField(max_length=50)
    email = models.CharField(max_length=80, null=True)
    age = models.IntegerField(default=0)
    rating = models.FloatField(null=True)
    balance = models.DecimalField(max_digits=8, decimal_places=2, default=0)
    joined = models.DateTimeField(null=True)

    def __str__(self):
        return self.name


class Book(models.Model):
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="books")
    title = models.CharField(max_length=100)
    pages = models.IntegerField(default=0)
    published = models.DateField(null=True)
    loan = models.DurationField(null=True)

    def __str__(self):
        return self.title
"""
