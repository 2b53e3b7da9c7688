"""Enumerated choices (TextChoices, IntegerChoices, Choices) and ``choices=`` in every form
Django 5 takes, with Django's own classes as the oracle for what they give and how
migrations write them."""

from __future__ import annotations

import ast
import datetime
import enum
from typing import Any

import pytest
from support.django_in_process import ready_django

from schemashift import models
from schemashift.migrations.serializer import serialize
from schemashift.utils.translation import gettext_lazy


class Status(models.TextChoices):
    DRAFT = "draft", gettext_lazy("Draft")
    IN_REVIEW = "review"
    PUBLISHED = "pub", "Published!"


class Size(models.IntegerChoices):
    SMALL = 1
    MEDIUM = 2, "Medium"
    __empty__ = "(Unknown)"


class Suit(models.TextChoices):
    HEARTS = enum.auto()
    SPADES = enum.auto(), "Spades!"


class Deadline(datetime.date, models.Choices):
    NEW_YEAR = 2025, 1, 1, "New year"
    MIDSUMMER = 2025, 6, 21


def django_twin(ours: type) -> type:
    """The same Choices class declared with Django's bases."""
    ready_django()
    from django.db import models as dj

    bases = {
        models.TextChoices: dj.TextChoices,
        models.IntegerChoices: dj.IntegerChoices,
        models.Choices: dj.Choices,
    }
    mixins = tuple(base for base in ours.__bases__ if base not in bases)
    choice_base = next(bases[base] for base in ours.__bases__ if base in bases)
    declared: dict[str, Any] = {}
    for member in ours:
        label = str(member.label)
        value = member.value
        if isinstance(value, datetime.date):
            value = (value.year, value.month, value.day)
        elif not isinstance(value, tuple):
            value = (value,)
        declared[member.name] = (*value, label)
    if hasattr(ours, "__empty__"):
        declared["__empty__"] = ours.__empty__
    return choice_base(ours.__name__, declared, type=mixins[0] if mixins else None)


@pytest.mark.parametrize("choices_class", [Status, Size, Suit, Deadline])
def test_choices_classes_give_what_djangos_give(choices_class: type) -> None:
    twin = django_twin(choices_class)
    assert [str(label) for label in choices_class.labels] == [str(x) for x in twin.labels]
    assert choices_class.values == twin.values
    assert choices_class.names == twin.names
    assert [(v, str(label)) for v, label in choices_class.choices] == [
        (v, str(label)) for v, label in twin.choices
    ]


def test_members_have_labels_and_compare_as_their_values() -> None:
    assert Status.IN_REVIEW.label == "In Review"
    assert str(Status.DRAFT.label) == "Draft"
    assert Status.DRAFT == "draft" and str(Status.DRAFT) == "draft"
    assert Size.MEDIUM == 2 and Size.MEDIUM.label == "Medium"
    assert repr(Status.DRAFT) == "Status.DRAFT"
    assert "draft" in Status and 2 in Size and 3 not in Size
    assert Suit.HEARTS == "HEARTS" and Suit.HEARTS.label == "Hearts"
    assert datetime.date(2025, 1, 1) == Deadline.NEW_YEAR
    assert Size.choices[0] == (None, "(Unknown)")


def test_a_value_given_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="duplicate values"):

        class Twice(models.IntegerChoices):
            ONE = 1
            UNO = 1


CHOICES_FORMS = [
    Status,
    Size,
    [("a", "A"), ("b", "B")],
    (("a", "A"),),
    {"a": "A", "b": "B"},
    {"Group": {"a": "A"}, "c": "C"},
    [("Group", [("a", "A"), ("b", "B")]), ("c", "C")],
    [("Group", (("a", "A"),))],
    {1: "one", 2: "two"},
]


def djangos_choices_field(choices: Any, **kwargs: Any) -> Any:
    ready_django()
    from django.db import models as dj

    if isinstance(choices, type):
        choices = django_twin(choices)
    return dj.CharField(max_length=10, choices=choices, **kwargs)


def source_tree(source: str) -> str:
    """The expression's syntax tree: the same whatever quotes each writer prefers."""
    return ast.dump(ast.parse(source, mode="eval"))


@pytest.mark.parametrize("choices", CHOICES_FORMS, ids=repr)
def test_choices_are_normalised_and_written_as_django_writes_them(choices: Any) -> None:
    ready_django()
    from django.db.migrations.writer import MigrationWriter

    ours = models.CharField(max_length=10, choices=choices)
    theirs = djangos_choices_field(choices)
    assert ours.deconstruct()[3]["choices"] == theirs.deconstruct()[3]["choices"]
    our_source, _imports = serialize(ours)
    their_source, _imports = MigrationWriter.serialize(theirs)
    assert source_tree(our_source) == source_tree(their_source)


def test_a_choices_member_as_default_is_written_as_its_value() -> None:
    ready_django()
    from django.db.migrations.writer import MigrationWriter

    field = models.CharField(max_length=10, choices=Status, default=Status.DRAFT)
    source, _imports = serialize(field)
    assert 'default="draft"' in source
    theirs = djangos_choices_field(Status, default=django_twin(Status).DRAFT)
    assert source_tree(source) == source_tree(MigrationWriter.serialize(theirs)[0])
    assert serialize(Size.MEDIUM)[0] == "2"
    assert serialize([Status.PUBLISHED])[0] == '["pub"]'


def test_callable_choices_are_read_when_used_and_written_as_the_function() -> None:
    field = models.CharField(max_length=10, choices=status_choices)
    assert list(field.choices) == [("x", "X")]
    assert field.deconstruct()[3]["choices"] is status_choices
    assert ".status_choices, max_length=10)" in serialize(field)[0]


def status_choices() -> dict[str, str]:
    return {"x": "X"}


def test_equal_choices_in_any_form_deconstruct_the_same() -> None:
    as_class = models.CharField(max_length=10, choices=Status)
    as_list = models.CharField(max_length=10, choices=Status.choices)
    as_dict = models.CharField(max_length=10, choices=dict(Status.choices))
    assert as_class.deconstruct() == as_list.deconstruct() == as_dict.deconstruct()


@pytest.mark.usefixtures("clean_registry")
def test_get_field_display_gives_the_label() -> None:
    attrs: dict[str, Any] = {
        "__module__": __name__,
        "Meta": type("Meta", (), {"app_label": "polls"}),
        "status": models.CharField(max_length=10, choices=Status),
        "size": models.IntegerField(choices=[("Sizes", [(1, "S"), (2, "M")])], null=True),
    }
    article = type("Article", (models.Model,), attrs)
    item = article(status=Status.DRAFT, size=2)
    assert item.get_status_display() == "Draft"
    assert item.get_size_display() == "M"
    item.status = "unknown"
    assert item.get_status_display() == "unknown"
