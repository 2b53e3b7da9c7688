"""Saving rows of models whose columns the database fills: ``db_default`` (the INSERT leaves
the column out) and ``GeneratedField`` (never written); the instance reads back what the
database stored, on every backend."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from support.shop import recorded_statements

DEFAULTS_MODELS = """
    from schemashift import models
    from schemashift.models.functions import Now


    class Ticket(models.Model):
        title = models.CharField(max_length=20)
        state = models.CharField(max_length=10, db_default="open")
        opened = models.DateTimeField(db_default=Now())
        priority = models.IntegerField(db_default=2, default=9)
"""


@pytest.fixture
def tickets(make_app: Callable[..., Any]) -> type:
    return make_app(DEFAULTS_MODELS, label="desk").Ticket


def test_saving_leaves_db_defaults_to_the_database_and_reads_them_back(tickets: type) -> None:
    ticket = tickets(title="a")
    assert repr(ticket.state) == "DatabaseDefault()"
    ticket.save()
    assert ticket.state == "open"
    assert isinstance(ticket.opened, datetime.datetime)
    assert ticket.priority == 9  # a Python default is the model's, written by it
    stored = tickets.objects.get(pk=ticket.pk)
    assert (stored.state, stored.opened, stored.priority) == ("open", ticket.opened, 9)
    given = tickets.objects.create(title="b", state="closed")
    assert tickets.objects.get(pk=given.pk).state == "closed"


def test_bulk_create_leaves_db_defaults_to_the_database(tickets: type) -> None:
    made = tickets.objects.bulk_create(
        [tickets(title="x"), tickets(title="y", state="held"), tickets(title="z")]
    )
    assert [t.state for t in made] == ["open", "held", "open"]
    assert all(isinstance(t.opened, datetime.datetime) for t in made)
    assert sorted(tickets.objects.values_list("title", "state")) == [
        ("x", "open"),
        ("y", "held"),
        ("z", "open"),
    ]
    assert sorted(t.pk for t in made) == [t.pk for t in made]  # keys in the order given
    assert {t.pk: t.title for t in made} == dict(tickets.objects.values_list("pk", "title"))


def test_bulk_create_writes_a_run_of_alike_rows_in_one_statement(tickets: type) -> None:
    batch = [tickets(title=f"t{i}") for i in range(5)] + [tickets(title="s", state="shut")]
    with recorded_statements() as seen:
        tickets.objects.bulk_create(batch)
    inserts = [s for s in seen if s.upper().startswith("INSERT")]
    assert len(inserts) == 2
    assert [t.state for t in batch] == ["open"] * 5 + ["shut"]


def test_saving_a_row_back_to_its_db_default_writes_the_default(tickets: type) -> None:
    from schemashift.models.fields import DatabaseDefault

    ticket = tickets.objects.create(title="a", state="closed")
    ticket.state = DatabaseDefault()
    ticket.save()
    assert ticket.state == "open"
    assert tickets.objects.get(pk=ticket.pk).state == "open"


GENERATED_MODELS = """
    from schemashift import models


    class Line(models.Model):
        price = models.IntegerField()
        quantity = models.IntegerField()
        name = models.CharField(max_length=10)
        total = models.GeneratedField(
            expression=models.F("price") * models.F("quantity"),
            output_field=models.IntegerField(),
            db_persist=True,
        )
        shout = models.GeneratedField(
            expression=models.functions.Upper("name"),
            output_field=models.CharField(max_length=10),
            db_persist=True,
        )
"""


def test_generated_fields_are_never_written_and_read_back(
    make_app: Callable[..., Any],
) -> None:
    line_model = make_app(GENERATED_MODELS, label="orders").Line
    line = line_model.objects.create(price=3, quantity=4, name="tea")
    assert (line.total, line.shout) == (12, "TEA")
    line.price = 5
    line.save()
    assert line.total == 20
    assert line_model.objects.get(pk=line.pk).total == 20
    assert line_model.objects.filter(total__gt=15).count() == 1
    (made,) = line_model.objects.bulk_create([line_model(price=1, quantity=1, name="x")])
    assert (made.total, made.shout) == (1, "X")
    assert sorted(line_model.objects.values_list("total", "shout")) == [(1, "X"), (20, "TEA")]
