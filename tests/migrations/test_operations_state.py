"""What each operation does to the migration state, how it describes itself, and its reverse.

Every operation is applied through ``run``, which also checks copy-on-write: the ModelState and
Field objects the state held before are left exactly as they were.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from support.states import fk, pk

from schemashift import models
from schemashift.migrations.comparable import comparable, field_signature
from schemashift.migrations.operations import (
    AddField,
    AddIndex,
    AlterField,
    AlterModelOptions,
    AlterModelTable,
    AlterUniqueTogether,
    CreateModel,
    DeleteModel,
    Operation,
    RemoveField,
    RemoveIndex,
    RenameField,
    RenameModel,
    RunPython,
    RunSQL,
    SeparateDatabaseAndState,
)
from schemashift.migrations.state import ModelState, ProjectState
from schemashift.models import Index
from schemashift.models.fields import NOT_PROVIDED

# -- fixtures built in code -----------------------------------------------------------------


def question() -> ModelState:
    return ModelState(
        "polls",
        "Question",
        {
            "id": pk(),
            "question_text": models.CharField(max_length=200),
            "pub_date": models.DateTimeField("date published"),
        },
        {
            "ordering": ["-pub_date"],
            "indexes": [Index(fields=["-pub_date"], name="polls_q_pub_idx")],
        },
    )


def choice() -> ModelState:
    return ModelState(
        "polls",
        "Choice",
        {
            "id": pk(),
            "question": fk("polls.question"),
            "choice_text": models.CharField(max_length=200),
            "votes": models.IntegerField(default=0),
        },
        {
            "ordering": ["-votes", "choice_text"],
            "unique_together": (("question", "choice_text"), ("choice_text", "votes")),
            "indexes": [
                Index(fields=["votes"], name="choice_votes_idx"),
                Index(fields=["question", "-votes"], name="choice_q_votes_idx"),
            ],
        },
    )


def post() -> ModelState:
    return ModelState(
        "blog",
        "Post",
        {"id": pk(), "poll": fk("polls.question", null=True)},
        {"db_table": "blog_posts"},
    )


def polls() -> ProjectState:
    state = ProjectState()
    for model_state in (question(), choice(), post()):
        state.add_model(model_state)
    return state


def fingerprint(state: ProjectState) -> Any:
    """Plain data describing every model state and field object of ``state``, by identity."""
    return tuple(
        (
            key,
            id(model),
            model.app_label,
            model.name,
            tuple(
                (
                    name,
                    id(f),
                    f.name,
                    f.attname,
                    f.column,
                    getattr(f, "to", None),
                    field_signature(f),
                )
                for name, f in model.fields.items()
            ),
            comparable(model.options),
        )
        for key, model in sorted(state.models.items())
    )


def run(operation: Operation, state: ProjectState, app_label: str = "polls") -> ProjectState:
    """Apply ``operation`` to ``state``; the models it held before must not change."""
    snapshot = ProjectState(dict(state.models))
    before = fingerprint(snapshot)
    operation.state_forwards(app_label, state)
    assert fingerprint(snapshot) == before, f"{operation!r} changed the state it started from"
    return state


def kwargs_of(field: models.Field) -> dict[str, Any]:
    return field.deconstruct()[3]


# -- CreateModel and DeleteModel ------------------------------------------------------------


def test_create_model_adds_a_state_with_copies_of_its_fields_and_indexes() -> None:
    text = models.CharField(max_length=10)
    index = Index(fields=["text"], name="poll_text_idx")
    operation = CreateModel(
        "Poll", [("id", pk()), ("text", text)], {"indexes": [index], "db_table": "polls"}
    )

    state = run(operation, polls())

    poll = state.get_model("polls", "poll")
    assert (poll.name, list(poll.fields), poll.db_table) == ("Poll", ["id", "text"], "polls")
    assert poll.fields["text"] is not text
    assert (poll.fields["text"].name, poll.fields["text"].column) == ("text", "text")
    assert text.name is None
    assert poll.indexes == [index] and poll.indexes[0] is not index
    assert operation.options["indexes"] == [index]


def test_create_model_twice_gives_independent_states() -> None:
    operation = CreateModel("Poll", [("id", pk())], {"ordering": ["id"]})

    first, second = run(operation, ProjectState()), run(operation, ProjectState())
    first.get_model("polls", "poll").fields["extra"] = models.TextField()

    assert list(second.get_model("polls", "poll").fields) == ["id"]


def test_create_model_refuses_duplicate_fields() -> None:
    with pytest.raises(ValueError, match=r"duplicate field\(s\) \['text'\] in CreateModel Poll"):
        CreateModel("Poll", [("id", pk()), ("text", models.TextField()), ("text", pk())])


def test_delete_model_removes_the_state() -> None:
    state = run(DeleteModel("Choice"), polls())

    assert sorted(state.models) == [("blog", "post"), ("polls", "question")]


# -- field operations -----------------------------------------------------------------------


def test_add_field_adds_a_named_copy_last() -> None:
    field = fk("auth.user", null=True)

    state = run(AddField("Question", "author", field), polls())

    model = state.get_model("polls", "question")
    assert list(model.fields) == ["id", "question_text", "pub_date", "author"]
    added = model.fields["author"]
    assert added is not field and field.name is None
    assert (added.name, added.column) == ("author", "author_id")
    assert added.deconstruct()[1:] == field.deconstruct()[1:]


def test_add_field_without_preserve_default_keeps_no_default_in_state() -> None:
    operation = AddField(
        "Question", "votes", models.IntegerField(default=0), preserve_default=False
    )

    state = run(operation, polls())

    votes = state.get_model("polls", "question").fields["votes"]
    assert votes.default is NOT_PROVIDED and not votes.has_default()
    assert kwargs_of(votes) == {}
    assert operation.field.default == 0
    assert operation.deconstruct()[2]["preserve_default"] is False


def test_remove_field_drops_it_from_unique_together_and_indexes() -> None:
    state = run(RemoveField("Choice", "question"), polls())

    model = state.get_model("polls", "choice")
    assert list(model.fields) == ["id", "choice_text", "votes"]
    assert model.unique_together == (("choice_text", "votes"),)
    assert [index.name for index in model.indexes] == ["choice_votes_idx"]


def test_remove_field_drops_options_left_empty() -> None:
    state = run(RemoveField("Choice", "votes"), run(RemoveField("Choice", "question"), polls()))

    model = state.get_model("polls", "choice")
    assert "unique_together" not in model.options
    assert "indexes" not in model.options


def test_alter_field_replaces_the_field_in_place() -> None:
    field = models.CharField(max_length=300, null=True)

    state = run(AlterField("Question", "question_text", field), polls())

    model = state.get_model("polls", "question")
    assert list(model.fields) == ["id", "question_text", "pub_date"]
    altered = model.fields["question_text"]
    assert altered is not field and altered.name == "question_text"
    assert kwargs_of(altered) == {"max_length": 300, "null": True}


def test_alter_field_without_preserve_default_keeps_no_default_in_state() -> None:
    operation = AlterField(
        "Choice", "votes", models.IntegerField(default=1), preserve_default=False
    )

    state = run(operation, polls())

    assert not state.get_model("polls", "choice").fields["votes"].has_default()
    assert operation.field.default == 1


def test_rename_field_moves_it_last_and_renames_it_in_the_options() -> None:
    state = run(RenameField("Choice", "votes", "vote_count"), polls())

    model = state.get_model("polls", "choice")
    assert list(model.fields) == ["id", "question", "choice_text", "vote_count"]
    renamed = model.fields["vote_count"]
    assert (renamed.name, renamed.column) == ("vote_count", "vote_count")
    assert kwargs_of(renamed) == {"default": 0}
    assert model.unique_together == (("question", "choice_text"), ("choice_text", "vote_count"))
    assert model.options["ordering"] == ["-vote_count", "choice_text"]
    assert [(index.name, index.fields) for index in model.indexes] == [
        ("choice_votes_idx", ["vote_count"]),
        ("choice_q_votes_idx", ["question", "-vote_count"]),
    ]


def test_rename_field_with_db_column_keeps_the_column() -> None:
    state = polls()
    run(AlterField("Choice", "votes", models.IntegerField(db_column="n")), state)

    run(RenameField("Choice", "votes", "count"), state)

    assert state.get_model("polls", "choice").fields["count"].column == "n"


def test_rename_field_repoints_relations_to_it() -> None:
    state = polls()
    run(AddField("Question", "code", models.CharField(max_length=5, unique=True)), state)
    run(AddField("Post", "poll_code", fk("polls.question", to_field="code")), state, "blog")

    run(RenameField("Question", "code", "slug"), state)

    relation = state.get_model("blog", "post").fields["poll_code"]
    assert relation.to_field == "slug"
    assert kwargs_of(relation)["to_field"] == "slug"
    assert state.get_model("blog", "post").fields["poll"].to_field is None


# -- model operations -----------------------------------------------------------------------


def test_rename_model_repoints_relations_in_every_app() -> None:
    state = polls()
    run(AddField("Question", "parent", fk("polls.question", null=True)), state)

    run(RenameModel("Question", "Poll"), state)

    assert sorted(state.models) == [("blog", "post"), ("polls", "choice"), ("polls", "poll")]
    poll = state.get_model("polls", "poll")
    assert poll.name == "Poll"
    assert poll.db_table == "polls_poll"
    assert list(poll.fields) == ["id", "question_text", "pub_date", "parent"]
    assert poll.options == question().options
    assert poll.fields["parent"].to == "polls.poll"
    assert state.get_model("polls", "choice").fields["question"].to == "polls.poll"
    assert state.get_model("blog", "post").fields["poll"].to == "polls.poll"
    assert kwargs_of(state.get_model("blog", "post").fields["poll"]) == {
        "on_delete": models.CASCADE,
        "to": "polls.poll",
        "null": True,
    }


def test_rename_model_repoints_a_target_written_with_its_class_name() -> None:
    # migration files written by older Django versions say to="polls.Question"
    state = polls()
    run(AlterField("Choice", "question", fk("polls.Question")), state)

    run(RenameModel("Question", "Poll"), state)

    relation = state.get_model("polls", "choice").fields["question"]
    assert state.related_model(relation).name == "Poll"


def test_rename_model_keeps_an_explicit_table() -> None:
    state = run(RenameModel("Post", "Article"), polls(), "blog")

    assert state.get_model("blog", "article").db_table == "blog_posts"


def test_alter_model_table_sets_and_clears_the_table() -> None:
    state = run(AlterModelTable("Question", "questions"), polls())
    assert state.get_model("polls", "question").db_table == "questions"

    run(AlterModelTable("Question", None), state)
    assert "db_table" not in state.get_model("polls", "question").options
    assert state.get_model("polls", "question").db_table == "polls_question"


def test_alter_model_options_replaces_the_options_that_need_no_sql() -> None:
    operation = AlterModelOptions("Choice", {"verbose_name": "answer", "managed": False})

    state = run(operation, polls())

    options = state.get_model("polls", "choice").options
    assert options["verbose_name"] == "answer"
    assert options["managed"] is False
    assert "ordering" not in options
    assert options["unique_together"] == choice().options["unique_together"]
    assert [index.name for index in options["indexes"]] == [
        "choice_votes_idx",
        "choice_q_votes_idx",
    ]


def test_alter_unique_together_replaces_and_clears_the_groups() -> None:
    state = run(AlterUniqueTogether("Question", ["question_text", "pub_date"]), polls())
    assert state.get_model("polls", "question").unique_together == (("question_text", "pub_date"),)

    run(AlterUniqueTogether("Question", [("pub_date", "id"), ("id", "question_text")]), state)
    assert state.get_model("polls", "question").unique_together == (
        ("id", "question_text"),
        ("pub_date", "id"),
    )

    run(AlterUniqueTogether("Choice", set()), state)
    assert "unique_together" not in state.get_model("polls", "choice").options


def test_add_index_appends_a_copy() -> None:
    index = Index(fields=["question_text"], name="q_text_idx")

    state = run(AddIndex("Question", index), polls())

    indexes = state.get_model("polls", "question").indexes
    assert [i.name for i in indexes] == ["polls_q_pub_idx", "q_text_idx"]
    assert indexes[1] == index and indexes[1] is not index


def test_add_index_needs_a_name() -> None:
    with pytest.raises(ValueError, match="require a name argument"):
        AddIndex("Question", Index(fields=["pub_date"]))


def test_remove_index_removes_it_by_name() -> None:
    state = run(RemoveIndex("Choice", "choice_votes_idx"), polls())
    assert [i.name for i in state.get_model("polls", "choice").indexes] == ["choice_q_votes_idx"]

    run(RemoveIndex("Question", "polls_q_pub_idx"), state)
    assert "indexes" not in state.get_model("polls", "question").options


# -- special operations ---------------------------------------------------------------------


def forwards(apps: Any, schema_editor: Any) -> None:
    """Copy the votes.

    More lines.
    """


def undocumented(apps: Any, schema_editor: Any) -> None:
    pass


def test_run_sql_changes_the_state_through_its_state_operations() -> None:
    operation = RunSQL(
        "ALTER TABLE polls_question ADD COLUMN author_id bigint NULL",
        state_operations=[AddField("Question", "author", fk("auth.user", null=True))],
    )

    state = run(operation, polls())

    assert "author" in state.get_model("polls", "question").fields
    assert run(RunSQL("SELECT 1"), polls()) == polls()


def test_run_python_leaves_the_state_alone() -> None:
    assert run(RunPython(forwards), polls()) == polls()


def test_separate_database_and_state_applies_only_the_state_operations() -> None:
    operation = SeparateDatabaseAndState(
        database_operations=[DeleteModel("Post")],
        state_operations=[
            RenameModel("Question", "Poll"),
            AlterModelTable("Poll", "polls_question"),
        ],
    )

    state = run(operation, polls())

    assert state.has_model("blog", "post")
    assert state.get_model("polls", "poll").db_table == "polls_question"


ALL_OPERATIONS = [
    CreateModel("Poll", [("id", pk()), ("question", fk("polls.question"))]),
    DeleteModel("Choice"),
    AddField("Choice", "voter", fk("auth.user", null=True)),
    RemoveField("Choice", "choice_text"),
    AlterField("Choice", "question", fk("polls.question", null=True)),
    RenameField("Choice", "question", "poll"),
    RenameField("Question", "pub_date", "published"),
    RenameModel("Question", "Poll"),
    AlterModelTable("Choice", "choices"),
    AlterModelOptions("Question", {"ordering": ["id"]}),
    AlterUniqueTogether("Choice", [("question", "votes")]),
    AddIndex("Choice", Index(fields=["-choice_text"], name="choice_text_idx")),
    RemoveIndex("Choice", "choice_q_votes_idx"),
    RunSQL("SELECT 1", state_operations=[RenameField("Choice", "votes", "count")]),
    SeparateDatabaseAndState(state_operations=[RemoveField("Choice", "votes")]),
]


@pytest.mark.parametrize("operation", ALL_OPERATIONS, ids=lambda op: op.describe())
def test_operations_leave_their_own_fields_and_the_earlier_state_alone(
    operation: Operation,
) -> None:
    before = comparable(operation.deconstruct())
    state = polls()

    run(operation, state)

    assert state != polls()

    assert comparable(operation.deconstruct()) == before
    for model_field in (
        getattr(operation, "field", None),
        *dict(getattr(operation, "fields", [])).values(),
    ):
        if model_field is not None:
            assert model_field.name is None and model_field.model is None


# -- describe, migration names, reversibility -----------------------------------------------


@pytest.mark.parametrize(
    ("operation", "description", "fragment"),
    [
        (CreateModel("Question", [("id", pk())]), "Create model Question", "question"),
        (DeleteModel("Question"), "Delete model Question", "delete_question"),
        (
            AddField("question", "author", fk("auth.user")),
            "Add field author to question",
            "question_author",
        ),
        (
            RemoveField("question", "author"),
            "Remove field author from question",
            "remove_question_author",
        ),
        (
            AlterField("question", "author", fk("auth.user")),
            "Alter field author on question",
            "alter_question_author",
        ),
        (
            RenameField("choice", "votes", "vote_count"),
            "Rename field votes on choice to vote_count",
            "rename_votes_choice_vote_count",
        ),
        (RenameModel("Question", "Poll"), "Rename model Question to Poll", "rename_question_poll"),
        (
            AlterModelTable("question", "polls_q"),
            "Rename table for question to polls_q",
            "alter_question_table",
        ),
        (
            AlterModelTable("question", None),
            "Rename table for question to (default)",
            "alter_question_table",
        ),
        (
            AlterModelOptions("question", {"ordering": ["id"]}),
            "Change Meta options on question",
            "alter_question_options",
        ),
        (
            AlterUniqueTogether("question", [("a", "b")]),
            "Alter unique_together for question (1 constraint(s))",
            "alter_question_unique_together",
        ),
        (
            AddIndex("question", Index(fields=["a", "-b"], name="Polls_Q_idx")),
            "Create index Polls_Q_idx on field(s) a, -b of model question",
            "question_polls_q_idx",
        ),
        (
            RemoveIndex("question", "Polls_Q_idx"),
            "Remove index Polls_Q_idx from question",
            "remove_question_polls_q_idx",
        ),
        (RunSQL("SELECT 1"), "Raw SQL operation", None),
        (RunPython(forwards), "Copy the votes.", None),
        (RunPython(undocumented), "Raw Python operation", None),
        (RunPython(RunPython.noop, forwards), "Copy the votes.", None),
        (RunPython(RunPython.noop, RunPython.noop), "Raw Python operation", None),
        (SeparateDatabaseAndState(), "Custom state/database change combination", None),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_describe_and_migration_name_fragment(
    operation: Operation, description: str, fragment: str | None
) -> None:
    assert operation.describe() == description
    assert operation.migration_name_fragment == fragment


@pytest.mark.parametrize(
    ("operation", "reversible"),
    [
        (RunSQL("SELECT 1"), False),
        (RunSQL("SELECT 1", reverse_sql="SELECT 2"), True),
        (RunSQL("SELECT 1", reverse_sql=""), True),
        (RunPython(forwards), False),
        (RunPython(forwards, reverse_code=RunPython.noop), True),
        (RunPython(forwards, forwards), True),
        (SeparateDatabaseAndState(database_operations=[RunSQL("SELECT 1")]), False),
        (SeparateDatabaseAndState(state_operations=[DeleteModel("Question")]), True),
        (DeleteModel("Question"), True),
        (RemoveField("question", "author"), True),
    ],
    ids=lambda value: re.sub(r" at 0x[0-9a-f]+", "", repr(value)),
)
def test_reversible(operation: Operation, reversible: bool) -> None:
    assert operation.reversible is reversible


def test_run_python_needs_callables() -> None:
    with pytest.raises(ValueError, match="callable"):
        RunPython("forwards")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="callable"):
        RunPython(forwards, reverse_code="backwards")  # type: ignore[arg-type]


def test_run_sql_refuses_statements_it_cannot_run() -> None:
    with pytest.raises(ValueError, match="strings or \\(sql, params\\) pairs"):
        RunSQL([("SELECT %s",)])


def test_run_python_noop_does_nothing() -> None:
    assert RunPython.noop(None, None) is None
