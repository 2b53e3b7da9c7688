"""ManyToManyField in migrations: what a model class's state holds, how the field is
written (as Django writes it), and how operations change it in the state."""

from __future__ import annotations

from typing import Any

import pytest
from support.states import auto_pk

from schemashift import conf, models
from schemashift.exceptions import ModelDefinitionError
from schemashift.migrations.operations import CreateModel, RenameModel
from schemashift.migrations.serializer import serialize
from schemashift.migrations.state import ModelState, ProjectState

pytestmark = pytest.mark.usefixtures("clean_registry")


def model(model_name: str, **fields: Any) -> type:
    attrs = {"__module__": __name__, "Meta": type("Meta", (), {"app_label": "shop"}), **fields}
    return type(model_name, (models.Model,), attrs)


def test_the_state_of_a_model_lists_its_relations_after_its_columns_as_django() -> None:
    tag = model("Tag")
    person = model(
        "Person",
        friends=models.ManyToManyField("self"),
        follows=models.ManyToManyField("self", symmetrical=False, related_name="followers"),
        likes=models.ManyToManyField("Person"),
        tags=models.ManyToManyField(tag, through="Membership", through_fields=("person", "tag")),
        name=models.CharField(max_length=5),
    )
    state = ModelState.from_model(person)
    written = {name: field.deconstruct()[3] for name, field in state.fields.items()}
    # Django 5.2's ModelState.from_model of the same class
    assert list(written) == ["id", "name", "friends", "follows", "likes", "tags"]
    assert written["friends"] == {"to": "shop.person"}
    assert written["follows"] == {"related_name": "followers", "to": "shop.person"}
    assert written["likes"] == {"to": "shop.person"}
    assert written["tags"] == {
        "to": "shop.tag",
        "through": "shop.Membership",
        "through_fields": ("person", "tag"),
    }
    assert person._meta.get_field("friends").symmetrical
    assert not person._meta.get_field("likes").symmetrical
    assert state.fields["friends"].clone().symmetrical
    assert person._meta.fields == [person._meta.pk, person._meta.get_field("name")]


def test_the_field_is_written_as_django_writes_it() -> None:
    field = models.ManyToManyField(
        "shop.tag", related_name="articles", db_table="shop_links", blank=True
    )
    assert serialize(field) == (
        'models.ManyToManyField(blank=True, db_table="shop_links", related_name="articles", '
        'to="shop.tag")',
        {"from schemashift import models"},
    )


def test_a_relation_to_the_user_model_is_written_as_the_setting() -> None:
    conf.configure(AUTH_USER_MODEL="accounts.User")
    assert serialize(models.ManyToManyField("accounts.User"))[0] == (
        "models.ManyToManyField(to=settings.AUTH_USER_MODEL)"
    )


def test_a_through_model_and_a_table_name_exclude_each_other() -> None:
    with pytest.raises(ModelDefinitionError, match="Cannot specify a db_table"):
        models.ManyToManyField("shop.tag", through="shop.Membership", db_table="links")


def test_self_and_same_app_targets_resolve_in_the_state() -> None:
    state = ProjectState()
    CreateModel("Tag", [auto_pk()]).state_forwards("shop", state)
    CreateModel(
        "Article",
        [
            auto_pk(),
            ("related", models.ManyToManyField("self")),
            ("members", models.ManyToManyField("Tag", through="Membership")),
        ],
    ).state_forwards("shop", state)
    fields = state.get_model("shop", "article").fields
    assert fields["related"].to == "shop.article"
    assert fields["members"].to == "shop.tag"
    assert fields["members"].deconstruct()[3]["through"] == "shop.Membership"


def test_renaming_a_through_model_renames_it_in_the_relations() -> None:
    state = ProjectState()
    for operation in (
        CreateModel("Tag", [auto_pk()]),
        CreateModel("Membership", [auto_pk()]),
        CreateModel(
            "Article",
            [auto_pk(), ("tags", models.ManyToManyField("shop.tag", through="shop.Membership"))],
        ),
        RenameModel("Membership", "Tagging"),
    ):
        operation.state_forwards("shop", state)
    field = state.get_model("shop", "article").fields["tags"]
    assert field.through == "shop.Tagging"
    assert field.deconstruct()[3]["through"] == "shop.Tagging"
    assert RenameModel("Tagging", "Link").references_model("Tagging", "shop")
    assert CreateModel("Article", [("tags", field)]).references_model("Tagging", "shop")
