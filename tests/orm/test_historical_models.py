"""Historical models rendered from a migration state have managers and the whole query API,
with the fields as they were at that point of the history."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest

import schemashift
from schemashift import models
from schemashift.db.connection import Database, schema_editor
from schemashift.migrations.operations.fields import AddField
from schemashift.migrations.operations.models import CreateModel
from schemashift.migrations.operations.special import RunPython
from schemashift.migrations.state import ProjectState

NOW = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)


def tutorial_operations(code: Callable[..., Any]) -> list[Any]:
    return [
        CreateModel(
            "Question",
            [
                ("id", models.BigAutoField(primary_key=True, auto_created=True)),
                ("question_text", models.CharField(max_length=200)),
                ("pub_date", models.DateTimeField()),
            ],
        ),
        CreateModel(
            "Choice",
            [
                ("id", models.BigAutoField(primary_key=True, auto_created=True)),
                ("question", models.ForeignKey("polls.Question", on_delete=models.CASCADE)),
                ("choice_text", models.CharField(max_length=200)),
                ("votes", models.IntegerField(default=0)),
            ],
        ),
        RunPython(code),
    ]


def migrate(url: str, operations: list[Any], state: ProjectState | None = None) -> ProjectState:
    """Apply the operations as one migration of the app ``polls``."""
    state = state or ProjectState()
    database = Database(url)
    try:
        with database.connect() as connection, schema_editor(connection) as editor:
            for operation in operations:
                new_state = state.clone()
                operation.state_forwards("polls", new_state)
                operation.database_forwards("polls", editor, state, new_state)
                state = new_state
    finally:
        database.dispose()
    return state


@pytest.fixture
def configured(make_settings: Callable[..., str], backend_url: str):
    schemashift.setup(make_settings(f"DATABASES = {{'default': {backend_url!r}}}\n"))
    yield backend_url
    from schemashift.db.connections import connections

    connections.reset()


def test_run_python_queries_through_historical_managers(configured: str) -> None:
    seen: dict[str, Any] = {}

    def forwards(apps: Any, schema_editor: Any) -> None:
        Question = apps.get_model("polls", "Question")
        Choice = apps.get_model("polls.Choice")
        q = Question.objects.create(question_text="What's new?", pub_date=NOW)
        q.choice_set.create(choice_text="Not much")
        Choice.objects.create(question=q, choice_text="The sky", votes=2)
        seen["count"] = q.choice_set.count()
        seen["question"] = Choice.objects.get(votes=2).question.question_text
        seen["filtered"] = Choice.objects.filter(question__pub_date__year=2024).count()
        seen["fields"] = [f.name for f in Choice._meta.local_fields]
        Choice.objects.filter(votes=0).update(votes=models.F("votes") + 5)

    state = migrate(configured, tutorial_operations(forwards))
    # a later migration: PostgreSQL refuses ALTER TABLE after rows were written in the same
    # transaction (deferred foreign key checks pending), as with Django
    state = migrate(configured, [AddField("Choice", "note", models.TextField(default=""))], state)
    assert seen == {
        "count": 2,
        "question": "What's new?",
        "filtered": 2,
        "fields": ["id", "question", "choice_text", "votes"],
    }
    Choice = state.apps.get_model("polls", "Choice")
    assert sorted(Choice.objects.values_list("votes", flat=True)) == [2, 5]
    assert {c.note for c in Choice.objects.all()} == {""}
    assert Choice.objects.first().question.question_text == "What's new?"


class ShoutingManager(models.Manager):
    """A manager written into migrations: historical models get it."""

    use_in_migrations = True

    def loud(self) -> list[str]:
        return [name.upper() for name in self.values_list("name", flat=True)]


def test_historical_models_keep_parents_proxies_and_migration_managers(configured: str) -> None:
    seen: dict[str, Any] = {}

    def forwards(apps: Any, schema_editor: Any) -> None:
        Restaurant = apps.get_model("polls", "Restaurant")
        Place = apps.get_model("polls", "Place")
        Loud = apps.get_model("polls", "LoudPlace")
        Restaurant.objects.create(name="luigi", serves_pizza=True)
        Place.objects.create(name="park")
        seen["restaurants"] = [(r.name, r.serves_pizza) for r in Restaurant.objects.all()]
        seen["loud"] = Loud.objects.loud()
        seen["proxy_rows"] = sorted(p.name for p in Loud.objects.all())

    place_ptr = models.OneToOneField(
        "polls.place",
        on_delete=models.CASCADE,
        parent_link=True,
        primary_key=True,
        auto_created=True,
        serialize=False,
    )
    operations = [
        CreateModel(
            "Place",
            [
                ("id", models.BigAutoField(primary_key=True, auto_created=True)),
                ("name", models.CharField(max_length=20)),
            ],
            managers=[("objects", ShoutingManager())],
        ),
        CreateModel(
            "Restaurant",
            [("place_ptr", place_ptr), ("serves_pizza", models.BooleanField(default=False))],
            bases=("polls.place",),
        ),
        CreateModel(
            "LoudPlace",
            [],
            options={"proxy": True, "indexes": [], "constraints": []},
            bases=("polls.place",),
            managers=[("objects", ShoutingManager())],
        ),
        RunPython(forwards),
    ]
    migrate(configured, operations)
    assert seen == {
        "restaurants": [("luigi", True)],
        "loud": ["LUIGI", "PARK"],
        "proxy_rows": ["luigi", "park"],
    }


def test_run_python_pairs_rows_of_a_many_to_many_field(configured: str) -> None:
    seen: dict[str, Any] = {}

    def forwards(apps: Any, schema_editor: Any) -> None:
        Question = apps.get_model("polls", "Question")
        Tag = apps.get_model("polls", "Tag")
        q = Question.objects.create(question_text="Q", pub_date=NOW)
        q.tags.add(Tag.objects.create(name="red"), Tag.objects.create(name="blue"))
        seen["tags"] = sorted(q.tags.values_list("name", flat=True))
        seen["questions"] = Question.objects.filter(tags__name="red").count()
        seen["reverse"] = Tag.objects.get(name="blue").question_set.count()

    operations = tutorial_operations(forwards)
    code = operations.pop()
    operations += [
        CreateModel(
            "Tag",
            [
                ("id", models.BigAutoField(primary_key=True, auto_created=True)),
                ("name", models.CharField(max_length=20)),
            ],
        ),
        AddField("Question", "tags", models.ManyToManyField("polls.tag")),
        code,
    ]
    migrate(configured, operations)
    assert seen == {"tags": ["blue", "red"], "questions": 1, "reverse": 1}
