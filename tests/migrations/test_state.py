"""ModelState and ProjectState: built from model classes, copied, and asked about relations."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from support.states import fk, pk

import schemashift
from schemashift import models
from schemashift.apps import apps
from schemashift.migrations.comparable import field_signature
from schemashift.migrations.state import ModelState, ProjectState
from schemashift.models import Index

pytestmark = pytest.mark.usefixtures("clean_registry")


@pytest.fixture
def polls_app(tmp_path: Path, make_settings: Callable[..., str]) -> Iterator[Any]:
    """The installed app ``polls`` with the tutorial's models; yields its models module."""
    folder = tmp_path / "polls"
    folder.mkdir()
    (folder / "__init__.py").touch()
    (folder / "models.py").write_text(
        textwrap.dedent(
            """\
            from schemashift import models

            class Question(models.Model):
                question_text = models.CharField(max_length=200)
                pub_date = models.DateTimeField("date published")

                class Meta:
                    ordering = ["-pub_date"]
                    indexes = [models.Index(fields=["-pub_date"])]

            class Choice(models.Model):
                question = models.ForeignKey(Question, on_delete=models.CASCADE)
                choice_text = models.CharField(max_length=200)
                votes = models.IntegerField(default=0)

                class Meta:
                    unique_together = ["question", "choice_text"]

            class Legacy(models.Model):
                class Meta:
                    managed = False
            """
        )
    )
    schemashift.setup(make_settings("INSTALLED_APPS = ['polls']\n"))
    yield sys.modules["polls.models"]
    for name in list(sys.modules):
        if name.partition(".")[0] == "polls":
            del sys.modules[name]


def question() -> ModelState:
    return ModelState(
        "polls",
        "Question",
        {"id": pk(), "question_text": models.CharField(max_length=200)},
        {"indexes": [Index(fields=["question_text"], name="q_text_idx")], "ordering": ["id"]},
    )


def choice(to: str = "polls.question") -> ModelState:
    return ModelState("polls", "Choice", {"id": pk(), "question": fk(to)})


def project(*model_states: ModelState) -> ProjectState:
    state = ProjectState()
    for model_state in model_states:
        state.add_model(model_state)
    return state


# -- ModelState -----------------------------------------------------------------------------


def test_model_state_names_its_fields_and_accepts_a_list_of_pairs() -> None:
    state = ModelState("polls", "Choice", [("id", pk()), ("question", fk("polls.question"))])

    assert list(state.fields) == ["id", "question"]
    relation = state.get_field("question")
    assert (relation.name, relation.attname, relation.column) == (
        "question",
        "question_id",
        "question_id",
    )
    assert (state.key, state.label, state.name_lower) == (
        ("polls", "choice"),
        "polls.Choice",
        "choice",
    )


def test_model_state_normalises_unique_together() -> None:
    state = ModelState("polls", "Choice", {"id": pk()}, {"unique_together": ("a", "b")})

    assert state.unique_together == (("a", "b"),)


def test_model_state_refuses_unnamed_indexes() -> None:
    with pytest.raises(ValueError, match="polls.Question in migrations must have a name"):
        ModelState("polls", "Question", {"id": pk()}, {"indexes": [Index(fields=["id"])]})


def test_db_table_is_the_option_else_app_and_lower_case_name() -> None:
    assert question().db_table == "polls_question"
    custom = ModelState("polls", "Question", {"id": pk()}, {"db_table": "questions"})
    assert custom.db_table == "questions"


def test_pk_is_the_primary_key_field_wherever_it_is() -> None:
    code = models.CharField(max_length=2, primary_key=True)
    country = ModelState("geo", "Country", {"name": models.TextField(), "code": code})

    assert country.pk is code
    with pytest.raises(LookupError, match="geo.Tag has no primary key"):
        _ = ModelState("geo", "Tag", {"name": models.TextField()}).pk


def test_get_field_of_a_missing_field_names_model_and_field() -> None:
    with pytest.raises(LookupError, match="polls.Question has no field named 'votes'"):
        question().get_field("votes")


def test_clone_can_change_without_touching_the_original() -> None:
    original = question()
    original.options["unique_together"] = (("id", "question_text"),)
    fields_before = dict(original.fields)
    options_before = {**original.options, "indexes": list(original.indexes)}

    copied = original.clone()
    copied.fields["votes"] = models.IntegerField()
    del copied.fields["question_text"]
    copied.options["db_table"] = "other"
    copied.options["indexes"].append(Index(fields=["id"], name="id_idx"))
    del copied.options["ordering"]

    assert original.fields == fields_before
    assert original.options == options_before
    assert copied == copied.clone()
    assert copied != original


def test_equal_model_states_compare_fields_by_definition() -> None:
    assert question() == question()
    assert choice() != choice("polls.other")
    reordered = question()
    reordered.fields = dict(reversed(list(reordered.fields.items())))
    assert reordered != question()


def test_field_signature_sorts_the_keywords() -> None:
    field = models.CharField(null=True, max_length=5)

    assert field_signature(field) == (
        "schemashift.models.CharField",
        (),
        (("max_length", 5), ("null", True)),
    )


def test_from_model_copies_fields_and_the_options_the_user_set(polls_app: Any) -> None:
    state = ModelState.from_model(polls_app.Question)

    assert (state.app_label, state.name) == ("polls", "Question")
    assert list(state.fields) == ["id", "question_text", "pub_date"]
    for name, field in state.fields.items():
        model_field = polls_app.Question._meta.get_field(name)
        assert field is not model_field
        assert field.model is None
        assert field.deconstruct() == model_field.deconstruct()
    assert state.fields["id"].deconstruct()[3] == {
        "primary_key": True,
        "auto_created": True,
        "serialize": False,
        "verbose_name": "ID",
    }
    assert set(state.options) == {"ordering", "indexes"}
    assert state.options["ordering"] == ["-pub_date"]
    [index] = state.indexes
    assert index is not polls_app.Question._meta.indexes[0]
    assert index == polls_app.Question._meta.indexes[0]
    assert index.name.startswith("polls_quest_pub_dat_")


def test_from_model_resolves_relations_and_keeps_unique_together(polls_app: Any) -> None:
    state = ModelState.from_model(polls_app.Choice)

    assert state.fields["question"].to == "polls.question"
    assert state.options == {"unique_together": (("question", "choice_text"),)}


def test_from_apps_holds_every_model_of_the_installed_apps(polls_app: Any) -> None:
    state = ProjectState.from_apps(apps)

    assert sorted(state.models) == [("polls", "choice"), ("polls", "legacy"), ("polls", "question")]
    assert state.get_model("polls", "Choice") == ModelState.from_model(polls_app.Choice)
    # an unmanaged model stays, so that turning managed off is an option change
    assert state.get_model("polls", "Legacy").options == {"managed": False}


def test_from_apps_ignores_models_of_apps_that_are_not_installed() -> None:
    class Stray(models.Model):
        class Meta:
            app_label = "elsewhere"

    assert ProjectState.from_apps(apps).models == {}


# -- ProjectState ---------------------------------------------------------------------------


def test_get_has_and_remove_model_ignore_case() -> None:
    state = project(question())

    assert state.has_model("polls", "QUESTION")
    assert state.get_model("polls", "Question") is state.models[("polls", "question")]
    removed = state.remove_model("polls", "Question")
    assert removed.name == "Question"
    assert not state.has_model("polls", "question")
    with pytest.raises(LookupError, match="No model 'polls.Question' in the migration state"):
        state.get_model("polls", "Question")


def test_related_model_is_the_target_state() -> None:
    state = project(question(), choice())

    assert state.related_model(choice().get_field("question")) is state.get_model(
        "polls", "question"
    )


def test_incoming_relations_lists_every_relation_to_a_model_sorted() -> None:
    state = project(
        question(),
        choice(),
        ModelState("blog", "Post", {"id": pk(), "poll": fk("polls.question", null=True)}),
        ModelState("polls", "Vote", {"id": pk(), "choice": fk("polls.choice")}),
    )

    found = state.incoming_relations("polls", "Question")

    assert [(model.label, field.name) for model, field in found] == [
        ("blog.Post", "poll"),
        ("polls.Choice", "question"),
    ]
    assert state.incoming_relations("polls", "vote") == []


def test_incoming_relations_find_a_target_written_with_its_class_name() -> None:
    # migration files written by older Django versions say to="polls.Question"
    state = project(question(), choice("polls.Question"))

    assert [field.name for _, field in state.incoming_relations("polls", "question")] == [
        "question"
    ]


def test_app_models_are_sorted_by_name() -> None:
    state = project(question(), choice(), ModelState("blog", "Post", {"id": pk()}))

    assert [model.name for model in state.app_models("polls")] == ["Choice", "Question"]


def test_project_state_clone_is_independent() -> None:
    state = project(question(), choice())

    copied = state.clone()
    copied.remove_model("polls", "choice")
    copied.get_model("polls", "question").fields["votes"] = models.IntegerField()
    copied.get_model("polls", "question").options["db_table"] = "q"

    assert sorted(state.models) == [("polls", "choice"), ("polls", "question")]
    assert list(state.get_model("polls", "question").fields) == ["id", "question_text"]
    assert "db_table" not in state.get_model("polls", "question").options
    assert state == project(question(), choice())
    assert copied != state
