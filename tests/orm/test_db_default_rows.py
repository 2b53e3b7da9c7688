"""Saving rows of models with ``db_default``: the INSERT leaves those columns to the
database and the instance reads back what it stored, on every backend."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest

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
    assert sorted(tickets.objects.values_list("title", "state")) == [
        ("x", "open"),
        ("y", "held"),
        ("z", "open"),
    ]
