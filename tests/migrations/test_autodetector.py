"""The autodetector: which operations, in which order, in which migrations, with which names."""

from __future__ import annotations

import functools
import io
import random
from typing import Any

import pytest
from support.django_in_process import ready_django
from support.states import fk, pk

from schemashift import models
from schemashift.core import validators
from schemashift.exceptions import MissingDefault
from schemashift.migrations.autodetector import MigrationAutodetector
from schemashift.migrations.comparable import comparable
from schemashift.migrations.graph import MigrationGraph
from schemashift.migrations.migration import Migration
from schemashift.migrations.operations import (
    AddField,
    AlterField,
    AlterUniqueTogether,
    CreateModel,
    DeleteModel,
    RemoveField,
    RenameField,
    RenameModel,
)
from schemashift.migrations.questioner import (
    InteractiveMigrationQuestioner,
    MigrationQuestioner,
    NonInteractiveMigrationQuestioner,
)
from schemashift.migrations.state import ModelState, ProjectState
from schemashift.models.fields import NOT_PROVIDED
from schemashift.models.indexes import Index
from schemashift.utils import timezone

# -- fixtures built in code -----------------------------------------------------------------


def question(**extra: models.Field) -> ModelState:
    fields = {
        "id": pk(),
        "question_text": models.CharField(max_length=200),
        "pub_date": models.DateTimeField("date published"),
    }
    return ModelState("polls", "Question", {**fields, **extra})


def choice(votes: str = "votes", **extra: models.Field) -> ModelState:
    fields = {
        "id": pk(),
        "question": fk("polls.question"),
        "choice_text": models.CharField(max_length=200),
        votes: models.IntegerField(default=0),
    }
    return ModelState("polls", "Choice", {**fields, **extra})


def model(
    app_label: str, model_name: str, options: dict[str, Any] | None = None, /, **fields: Any
) -> ModelState:
    return ModelState(app_label, model_name, {"id": pk(), **fields}, options or {})


def state(*model_states: ModelState) -> ProjectState:
    project = ProjectState()
    for model_state in model_states:
        project.add_model(model_state)
    return project


class Refuses(MigrationQuestioner):
    """Fails the test if the autodetector asks anything."""

    def ask_rename(self, *args: Any) -> bool:
        raise AssertionError(f"unexpected rename question {args}")

    def ask_rename_model(self, *args: Any) -> bool:
        raise AssertionError(f"unexpected model rename question {args}")

    def ask_not_null_addition(self, *args: Any) -> Any:
        raise AssertionError(f"unexpected default question {args}")

    def ask_not_null_alteration(self, *args: Any) -> Any:
        raise AssertionError(f"unexpected alteration question {args}")

    def ask_auto_now_add_addition(self, *args: Any) -> Any:
        raise AssertionError(f"unexpected auto_now_add question {args}")


def interactive(answers: str) -> tuple[InteractiveMigrationQuestioner, io.StringIO]:
    out = io.StringIO()
    return InteractiveMigrationQuestioner(stdin=io.StringIO(answers), stdout=out), out


def changes(
    before: ProjectState,
    after: ProjectState,
    questioner: MigrationQuestioner | None = None,
    leaves: dict[str, str | None] | None = None,
    **kwargs: Any,
) -> dict[str, list[Migration]]:
    detector = MigrationAutodetector(before, after, questioner or Refuses())
    return detector.changes(leaves or {}, **kwargs)


def described(migration: Migration) -> list[str]:
    return [operation.describe() for operation in migration.operations]


def only_migration(result: dict[str, list[Migration]], app_label: str = "polls") -> Migration:
    assert list(result) == [app_label]
    assert len(result[app_label]) == 1
    return result[app_label][0]


def applied(before: ProjectState, migration: Migration) -> ProjectState:
    after = before.clone()
    for operation in migration.operations:
        operation.state_forwards(migration.app_label, after)
    return after


INITIAL = {"polls": "0001_initial"}


# -- new and deleted models -----------------------------------------------------------------


def test_new_models_make_an_initial_migration_in_reference_order() -> None:
    result = changes(ProjectState(), state(question(), choice()))

    migration = only_migration(result)
    assert migration.name == "0001_initial"
    assert migration.initial is True
    assert migration.dependencies == []
    assert described(migration) == ["Create model Question", "Create model Choice"]
    choice_fields = [name for name, _ in migration.operations[1].fields]
    assert choice_fields == ["id", "choice_text", "votes", "question"]


def test_initial_migration_rebuilds_the_models_state() -> None:
    after = state(question(), choice())

    migration = only_migration(changes(ProjectState(), after))

    assert applied(ProjectState(), migration).models.keys() == after.models.keys()
    assert changes(applied(ProjectState(), migration), state(question(), choice())) == {}


def test_a_model_comes_after_the_model_it_references_whatever_the_names() -> None:
    after = state(model("shop", "Apple", basket=fk("shop.zbasket")), model("shop", "Zbasket"))

    migration = only_migration(changes(ProjectState(), after), "shop")

    assert described(migration) == ["Create model Zbasket", "Create model Apple"]


def test_new_models_in_a_cycle_keep_one_relation_apart() -> None:
    after = state(
        model("shop", "Author", favourite=fk("shop.book", null=True)),
        model("shop", "Book", author=fk("shop.author")),
    )

    migration = only_migration(changes(ProjectState(), after), "shop")

    assert described(migration) == [
        "Create model Author",
        "Create model Book",
        "Add field favourite to author",
    ]


def test_new_model_options_indexes_and_unique_together_fold_into_create_model() -> None:
    index = Index(fields=["name"], name="shop_item_name_idx")
    item = model(
        "shop",
        "Item",
        {"ordering": ["name"], "indexes": [index], "unique_together": (("name", "shop"),)},
        name=models.CharField(max_length=20),
        shop=fk("shop.store"),
    )

    migration = only_migration(changes(ProjectState(), state(model("shop", "Store"), item)), "shop")

    assert described(migration) == ["Create model Store", "Create model Item"]
    create = migration.operations[1]
    assert create.options["ordering"] == ["name"]
    assert create.options["indexes"] == [index]
    assert create.options["unique_together"] == (("name", "shop"),)


def test_delete_model() -> None:
    migration = only_migration(
        changes(state(question(), choice()), state(question()), leaves=INITIAL)
    )

    assert described(migration) == ["Delete model Choice"]
    assert migration.name == "0002_delete_choice"


def test_fk_removal_comes_before_deleting_its_target() -> None:
    before = state(
        model("shop", "Publisher"), model("shop", "Author", publisher=fk("shop.publisher"))
    )
    after = state(model("shop", "Author"))

    migration = only_migration(changes(before, after), "shop")

    assert described(migration) == ["Remove field publisher from author", "Delete model Publisher"]


def test_fk_alteration_comes_before_deleting_its_old_target() -> None:
    before = state(
        model("shop", "Publisher"),
        model("shop", "Author", publisher=fk("shop.publisher")),
    )
    after = state(
        model("shop", "Editor", name=models.CharField(max_length=10)),
        model("shop", "Author", publisher=fk("shop.editor")),
    )

    migration = only_migration(changes(before, after), "shop")

    assert described(migration) == [
        "Create model Editor",
        "Alter field publisher on author",
        "Delete model Publisher",
    ]


def test_deleting_models_that_reference_each_other_drops_the_referencing_side_first() -> None:
    before = state(model("shop", "Author"), model("shop", "Book", author=fk("shop.author")))

    migration = only_migration(changes(before, ProjectState()), "shop")

    assert described(migration) == ["Delete model Book", "Delete model Author"]


def test_deleting_models_in_a_cycle_removes_the_relations_first() -> None:
    before = state(
        model("shop", "Author", favourite=fk("shop.book", null=True)),
        model("shop", "Book", author=fk("shop.author")),
    )

    migration = only_migration(changes(before, ProjectState()), "shop")

    operations = migration.operations
    assert isinstance(operations[-1], DeleteModel) and isinstance(operations[-2], DeleteModel)
    assert all(isinstance(op, RemoveField) for op in operations[:-2])
    assert applied(before, migration).models == {}


# -- added fields ---------------------------------------------------------------------------


def test_add_nullable_field_asks_nothing() -> None:
    after = state(question(author=models.CharField(max_length=50, null=True)), choice())

    migration = only_migration(changes(state(question(), choice()), after, leaves=INITIAL))

    assert described(migration) == ["Add field author to question"]
    assert migration.name == "0002_question_author"
    assert migration.dependencies == [("polls", "0001_initial")]
    assert migration.initial is False
    assert migration.operations[0].preserve_default is True


def test_add_field_with_default_asks_nothing() -> None:
    after = state(question(), choice(hidden=models.BooleanField(default=False)))

    migration = only_migration(changes(state(question(), choice()), after, leaves=INITIAL))

    assert described(migration) == ["Add field hidden to choice"]


@pytest.mark.parametrize(
    "new_field",
    [
        models.CharField(max_length=10, blank=True),
        models.TextField(blank=True),
        models.DateTimeField(auto_now=True),
    ],
    ids=["blank-char", "blank-text", "auto-now"],
)
def test_add_not_null_field_that_fills_itself_asks_nothing(new_field: models.Field) -> None:
    migration = only_migration(
        changes(state(question()), state(question(extra=new_field)), leaves=INITIAL)
    )

    assert isinstance(migration.operations[0], AddField)
    assert migration.operations[0].preserve_default is True


def test_add_auto_primary_key_asks_nothing() -> None:
    before = state(ModelState("polls", "Tag", {"name": models.CharField(max_length=5)}))
    after = state(
        ModelState(
            "polls",
            "Tag",
            {"name": models.CharField(max_length=5), "uid": models.AutoField(primary_key=True)},
        )
    )

    migration = only_migration(changes(before, after, leaves=INITIAL))

    assert described(migration) == ["Add field uid to tag"]


def test_add_not_null_field_interactively_uses_a_one_off_default() -> None:
    questioner, out = interactive("1\n'anonymous'\n")
    after = state(question(author=models.CharField(max_length=50)))

    migration = only_migration(changes(state(question()), after, questioner, leaves=INITIAL))

    operation = migration.operations[0]
    assert isinstance(operation, AddField)
    assert operation.field.default == "anonymous"
    assert operation.preserve_default is False
    assert "non-nullable field 'author' to question" in out.getvalue()
    assert (
        not applied(state(question()), migration)
        .get_model("polls", "question")
        .fields["author"]
        .has_default()
    )


def test_add_not_null_field_without_input_exits_with_status_3() -> None:
    questioner = NonInteractiveMigrationQuestioner()
    after = state(question(author=models.CharField(max_length=50)))

    with pytest.raises(MissingDefault) as caught:
        changes(state(question()), after, questioner, leaves=INITIAL)

    assert caught.value.exit_code == 3
    assert "impossible to add a non-nullable field 'author' to question" in str(caught.value)


def test_add_not_null_field_in_dry_run_generates_the_operation_without_asking() -> None:
    questioner = InteractiveMigrationQuestioner(
        stdin=io.StringIO(""), stdout=io.StringIO(), dry_run=True
    )
    after = state(question(author=models.CharField(max_length=50)))

    migration = only_migration(changes(state(question()), after, questioner, leaves=INITIAL))

    assert described(migration) == ["Add field author to question"]
    assert migration.operations[0].preserve_default is False
    assert questioner.stdout.getvalue() == ""


def test_add_auto_now_add_field_offers_timezone_now() -> None:
    questioner, out = interactive("1\n\n")
    after = state(choice(created=models.DateTimeField(auto_now_add=True)))

    migration = only_migration(changes(state(choice()), after, questioner, leaves=INITIAL))

    operation = migration.operations[0]
    assert operation.field.default is timezone.now
    assert operation.preserve_default is False
    assert "'auto_now_add=True'" in out.getvalue()
    assert "[default: timezone.now] >>> " in out.getvalue()


def test_add_auto_now_add_field_without_input_exits_with_status_3() -> None:
    after = state(choice(created=models.DateTimeField(auto_now_add=True)))

    with pytest.raises(MissingDefault, match="'created' with 'auto_now_add=True'"):
        changes(state(choice()), after, NonInteractiveMigrationQuestioner(), leaves=INITIAL)


def test_unique_field_with_callable_default_warns_before_adding() -> None:
    questioner, out = interactive("1\n")
    after = state(question(code=models.UUIDField(unique=True, default=timezone.now)))

    migration = only_migration(changes(state(question()), after, questioner, leaves=INITIAL))

    assert described(migration) == ["Add field code to question"]
    assert "Callable default on unique field question.code" in out.getvalue()


def test_unique_nullable_field_asks_nothing() -> None:
    after = state(question(code=models.CharField(max_length=5, unique=True, null=True)))

    migration = only_migration(changes(state(question()), after, leaves=INITIAL))

    assert described(migration) == ["Add field code to question"]


def test_new_fk_to_new_model_comes_after_its_creation() -> None:
    before = state(question())
    after = state(question(author=fk("polls.author", null=True)), model("polls", "Author"))

    migration = only_migration(changes(before, after, leaves=INITIAL))

    assert described(migration) == ["Create model Author", "Add field author to question"]


# -- removed and altered fields -------------------------------------------------------------


def test_remove_field() -> None:
    without_votes = {name: f for name, f in choice().fields.items() if name != "votes"}
    after = state(ModelState("polls", "Choice", without_votes))

    migration = only_migration(changes(state(choice()), after, leaves=INITIAL))

    assert described(migration) == ["Remove field votes from choice"]
    assert migration.name == "0002_remove_choice_votes"


def test_alter_field() -> None:
    after = state(question(), choice(votes="votes"))
    after.get_model("polls", "choice").fields["choice_text"] = models.CharField(max_length=500)

    migration = only_migration(changes(state(question(), choice()), after, leaves=INITIAL))

    assert described(migration) == ["Alter field choice_text on choice"]
    assert migration.name == "0002_alter_choice_choice_text"


def test_defaults_equal_by_value_are_not_altered() -> None:
    def with_default() -> ProjectState:
        default = functools.partial(str.upper, "x")
        return state(question(code=models.CharField(max_length=5, default=default)))

    assert changes(with_default(), with_default()) == {}


def test_equal_fields_are_not_altered() -> None:
    assert changes(state(question(), choice()), state(question(), choice())) == {}


def nullable_votes() -> ProjectState:
    return state(choice(votes="x", votes_cast=models.IntegerField(null=True)))


def required_votes() -> ProjectState:
    return state(choice(votes="x", votes_cast=models.IntegerField()))


def test_alter_to_not_null_with_one_off_default() -> None:
    questioner, out = interactive("1\n0\n")

    migration = only_migration(
        changes(nullable_votes(), required_votes(), questioner, leaves=INITIAL)
    )

    operation = migration.operations[0]
    assert isinstance(operation, AlterField)
    assert operation.field.default == 0
    assert operation.preserve_default is False
    assert "change a nullable field 'votes_cast' on choice to non-nullable" in out.getvalue()


def test_alter_to_not_null_ignored_leaves_existing_rows_alone() -> None:
    questioner, _out = interactive("2\n")

    migration = only_migration(
        changes(nullable_votes(), required_votes(), questioner, leaves=INITIAL)
    )

    operation = migration.operations[0]
    assert operation.preserve_default is True
    assert operation.field.default is NOT_PROVIDED


def test_alter_to_not_null_without_input_warns_and_proceeds() -> None:
    logged: list[str] = []
    questioner = NonInteractiveMigrationQuestioner(log=logged.append)

    migration = only_migration(
        changes(nullable_votes(), required_votes(), questioner, leaves=INITIAL)
    )

    assert described(migration) == ["Alter field votes_cast on choice"]
    assert logged == [
        "Field 'votes_cast' on model 'choice' given a default of NOT PROVIDED "
        "and must be corrected."
    ]


# -- renames --------------------------------------------------------------------------------

LEAF_0002 = {"polls": "0002_question_author"}


def test_rename_field_confirmed_interactively() -> None:
    questioner, out = interactive("y\n")

    result = changes(state(choice()), state(choice(votes="vote_count")), questioner, LEAF_0002)

    migration = only_migration(result)
    assert out.getvalue() == (
        "Was choice.votes renamed to choice.vote_count (a IntegerField)? [y/N] "
    )
    assert migration.operations == [RenameField("choice", "votes", "vote_count")]
    assert migration.name == "0003_rename_votes_choice_vote_count"
    assert migration.dependencies == [("polls", "0002_question_author")]


@pytest.mark.parametrize("answer", ["n\n", "\n", ""], ids=["no", "enter", "eof"])
def test_rename_field_declined_is_remove_and_add(answer: str) -> None:
    questioner, _out = interactive(answer)

    result = changes(state(choice()), state(choice(votes="vote_count")), questioner, LEAF_0002)

    assert [type(op) for op in only_migration(result).operations] == [RemoveField, AddField]


def test_rename_field_is_never_assumed_without_input() -> None:
    questioner = NonInteractiveMigrationQuestioner()

    result = changes(state(choice()), state(choice(votes="vote_count")), questioner, LEAF_0002)

    assert described(only_migration(result)) == [
        "Remove field votes from choice",
        "Add field vote_count to choice",
    ]


def test_a_name_kept_with_a_new_definition_is_altered_not_renamed() -> None:
    after = state(choice(votes="vote_count"))
    after.get_model("polls", "choice").fields["votes"] = models.CharField(max_length=5, null=True)

    migration = only_migration(changes(state(choice()), after, leaves=INITIAL))

    assert described(migration) == ["Add field vote_count to choice", "Alter field votes on choice"]


def test_rename_field_keeping_the_old_column() -> None:
    questioner, _out = interactive("y\n")
    after = state(choice(votes="vote_count"))
    after.get_model("polls", "choice").fields["vote_count"] = models.IntegerField(
        default=0, db_column="votes"
    )

    migration = only_migration(changes(state(choice()), after, questioner, leaves=INITIAL))

    assert [type(op) for op in migration.operations] == [AlterField, RenameField]
    assert migration.operations[0].name == "votes"
    assert migration.operations[0].field.db_column == "votes"


def test_rename_field_used_in_unique_together_and_ordering_needs_nothing_else() -> None:
    def shop(name: str) -> ProjectState:
        options = {"unique_together": ((name, "code"),), "ordering": [f"-{name}"]}
        return state(
            model(
                "shop",
                "Item",
                options,
                code=models.CharField(max_length=5),
                **{name: models.CharField(max_length=20)},
            )
        )

    questioner, _out = interactive("y\n")

    migration = only_migration(changes(shop("title"), shop("label"), questioner), "shop")

    assert described(migration) == ["Rename field title on item to label"]


def test_rename_model_confirmed_repoints_relations_without_altering_them() -> None:
    questioner, out = interactive("y\n")
    poll = ModelState("polls", "Poll", question().fields)
    after = state(poll, choice())
    after.get_model("polls", "choice").fields["question"] = fk("polls.poll")

    migration = only_migration(changes(state(question(), choice()), after, questioner, INITIAL))

    assert out.getvalue() == "Was the model polls.Question renamed to Poll? [y/N] "
    assert migration.operations == [RenameModel("Question", "Poll")]
    assert migration.name == "0002_rename_question_poll"
    renamed = applied(state(question(), choice()), migration)
    assert renamed.get_model("polls", "choice").fields["question"].to == "polls.poll"


def test_rename_model_with_a_self_reference() -> None:
    before = state(model("shop", "Node", parent=fk("shop.node", null=True)))
    after = state(model("shop", "Tree", parent=fk("shop.tree", null=True)))
    questioner, _out = interactive("y\n")

    migration = only_migration(changes(before, after, questioner), "shop")

    assert migration.operations == [RenameModel("Node", "Tree")]


def test_rename_model_and_one_of_its_fields_together() -> None:
    questioner, out = interactive("y\ny\n")
    fields = question().fields
    fields["text"] = fields.pop("question_text")
    after = state(ModelState("polls", "Poll", fields))

    migration = only_migration(changes(state(question()), after, questioner, INITIAL))

    assert migration.operations == [
        RenameModel("Question", "Poll"),
        RenameField("poll", "question_text", "text"),
    ]
    assert "Was poll.question_text renamed to poll.text (a CharField)? [y/N]" in out.getvalue()


def test_rename_two_models_pointing_at_each_other() -> None:
    before = state(
        model("shop", "Author", book=fk("shop.book", null=True)),
        model("shop", "Book", author=fk("shop.author")),
    )
    after = state(
        model("shop", "Writer", book=fk("shop.volume", null=True)),
        model("shop", "Volume", author=fk("shop.writer")),
    )
    questioner, out = interactive("y\ny\n")

    migration = only_migration(changes(before, after, questioner), "shop")

    assert sorted(described(migration)) == [
        "Rename model Author to Writer",
        "Rename model Book to Volume",
    ]
    assert out.getvalue().count("[y/N]") == 2
    assert changes(applied(before, migration), after) == {}


def test_rename_model_declined_is_create_and_delete() -> None:
    questioner, _out = interactive("n\n")
    after = state(ModelState("polls", "Poll", question().fields))

    migration = only_migration(changes(state(question()), after, questioner, INITIAL))

    assert described(migration) == ["Create model Poll", "Delete model Question"]


def test_model_name_case_change_is_no_change() -> None:
    after = state(ModelState("polls", "QUESTION", question().fields))

    assert changes(state(question()), after) == {}


def test_rename_model_comes_before_other_changes_to_it() -> None:
    questioner, _out = interactive("y\n")
    after = state(ModelState("polls", "Poll", question().fields, {"ordering": ["pub_date"]}))

    migration = only_migration(changes(state(question()), after, questioner, INITIAL))

    assert described(migration) == [
        "Rename model Question to Poll",
        "Change Meta options on poll",
    ]


# -- options, indexes, unique_together ------------------------------------------------------


def test_alter_model_options() -> None:
    after = state(ModelState("polls", "Question", question().fields, {"ordering": ["-pub_date"]}))

    migration = only_migration(changes(state(question()), after, leaves=INITIAL))

    assert described(migration) == ["Change Meta options on question"]
    assert migration.operations[0].options == {"ordering": ["-pub_date"]}


def test_alter_model_table() -> None:
    after = state(ModelState("polls", "Question", question().fields, {"db_table": "questions"}))

    migration = only_migration(changes(state(question()), after, leaves=INITIAL))

    assert described(migration) == ["Rename table for question to questions"]


def test_add_and_remove_index() -> None:
    index = Index(fields=["pub_date"], name="polls_pub_date_idx")
    with_index = ModelState("polls", "Question", question().fields, {"indexes": [index]})

    added = only_migration(changes(state(question()), state(with_index), leaves=INITIAL))
    removed = only_migration(changes(state(with_index), state(question()), leaves=INITIAL))

    assert described(added) == [
        "Create index polls_pub_date_idx on field(s) pub_date of model question"
    ]
    assert described(removed) == ["Remove index polls_pub_date_idx from question"]


def test_added_field_comes_before_the_unique_together_using_it() -> None:
    before = state(model("shop", "Item", name=models.CharField(max_length=5)))
    after = state(
        model(
            "shop",
            "Item",
            {"unique_together": (("name", "code"),)},
            name=models.CharField(max_length=5),
            code=models.CharField(max_length=5, default=""),
        )
    )

    migration = only_migration(changes(before, after), "shop")

    assert [type(op) for op in migration.operations] == [AddField, AlterUniqueTogether]


def test_unique_together_is_reduced_before_its_field_is_removed() -> None:
    before = state(
        model(
            "shop",
            "Item",
            {"unique_together": (("name", "code"),)},
            name=models.CharField(max_length=5),
            code=models.CharField(max_length=5),
        )
    )
    after = state(model("shop", "Item", name=models.CharField(max_length=5)))

    migration = only_migration(changes(before, after), "shop")

    assert [type(op) for op in migration.operations] == [AlterUniqueTogether, RemoveField]
    assert migration.operations[0].unique_together == set()


def test_index_is_removed_before_its_field() -> None:
    index = Index(fields=["code"], name="shop_code_idx")
    before = state(model("shop", "Item", {"indexes": [index]}, code=models.CharField(max_length=5)))
    after = state(model("shop", "Item"))

    migration = only_migration(changes(before, after), "shop")

    assert described(migration) == [
        "Remove index shop_code_idx from item",
        "Remove field code from item",
    ]


# -- dependencies across apps ---------------------------------------------------------------


def test_fk_to_existing_model_of_another_app_depends_on_its_leaf() -> None:
    before = state(model("auth", "User"))
    after = state(model("auth", "User"), model("shop", "Order", user=fk("auth.user")))

    result = changes(before, after, leaves={"auth": "0003_user_email", "shop": None})

    migration = only_migration(result, "shop")
    assert migration.name == "0001_initial"
    assert migration.dependencies == [("auth", "0003_user_email")]


def test_fk_to_app_without_migrations_depends_on_first() -> None:
    before = state(model("auth", "User"))
    after = state(model("auth", "User"), model("shop", "Order", user=fk("auth.user")))

    migration = only_migration(changes(before, after, leaves={}), "shop")

    assert migration.dependencies == [("auth", "__first__")]


def test_fk_to_model_created_in_this_run_depends_on_that_new_migration() -> None:
    after = state(model("auth", "User"), model("shop", "Order", user=fk("auth.user")))

    result = changes(ProjectState(), after)

    assert list(result) == ["auth", "shop"]
    assert described(result["auth"][0]) == ["Create model User"]
    assert result["shop"][0].dependencies == [("auth", "0001_initial")]


def history(*migrations: Migration) -> MigrationGraph:
    """A graph of the given migrations, each depending on its ``dependencies``."""
    graph = MigrationGraph()
    for migration in migrations:
        graph.add_node(migration.key, migration)
    for migration in migrations:
        for parent in migration.dependencies:
            graph.add_dependency(migration, migration.key, parent)
    return graph


def migration(key: str, dependencies: list[tuple[str, str]], *operations: Any) -> Migration:
    app_label, name = key.split(".")
    made = Migration(name, app_label)
    made.dependencies = dependencies
    made.operations = list(operations)
    return made


MEMBER = model("club", "Member", name=models.CharField(max_length=50))
PERSON = ModelState("club", "Person", MEMBER.fields)
CLUB_1 = migration("club.0001_initial", [], CreateModel("Member", list(MEMBER.fields.items())))
BLOG_1 = migration(
    "blog.0001_initial",
    [("club", "0001_initial")],
    CreateModel("Post", [("id", pk()), ("author", fk("club.member"))]),
)
BLOG_2 = migration("blog.0002_remove_post_author", [("blog", "0001_initial")])
BLOG_2.operations = [RemoveField("post", "author")]
LEAVES = {"club": "0001_initial", "blog": "0002_remove_post_author"}


def test_renaming_a_model_another_app_points_at_depends_on_that_app() -> None:
    """Else a fresh database may replay the other app's CreateModel after the rename."""
    before = state(MEMBER, model("blog", "Post", author=fk("club.member")))
    after = state(PERSON, model("blog", "Post", author=fk("club.person")))
    questioner, _out = interactive("y\n")

    result = changes(before, after, questioner, {"club": "0001_initial", "blog": "0001_initial"})

    migration = only_migration(result, "club")
    assert migration.operations == [RenameModel("Member", "Person")]
    assert migration.dependencies == [("blog", "0001_initial"), ("club", "0001_initial")]


def test_renaming_a_model_another_app_once_pointed_at_depends_on_that_app() -> None:
    before = state(MEMBER, model("blog", "Post"))
    after = state(PERSON, model("blog", "Post"))
    questioner, _out = interactive("y\n")
    graph = history(CLUB_1, BLOG_1, BLOG_2)

    result = changes(before, after, questioner, LEAVES, graph=graph)

    migration = only_migration(result, "club")
    assert migration.dependencies == [("blog", "0002_remove_post_author"), ("club", "0001_initial")]


def test_deleting_a_model_depends_on_the_app_that_removed_the_last_relation_to_it() -> None:
    """blog.0001 points at club.Member and only blog.0002 stops: the deletion must wait."""
    before = state(MEMBER, model("blog", "Post"))
    after = state(model("blog", "Post"))

    result = changes(before, after, leaves=LEAVES, graph=history(CLUB_1, BLOG_1, BLOG_2))

    migration = only_migration(result, "club")
    assert described(migration) == ["Delete model Member"]
    assert migration.dependencies == [("blog", "0002_remove_post_author"), ("club", "0001_initial")]


def test_deleting_a_model_after_removing_the_relation_to_it_in_the_same_run() -> None:
    before = state(MEMBER, model("blog", "Post", author=fk("club.member")))
    leaves = {"club": "0001_initial", "blog": "0001_initial"}

    result = changes(
        before, state(model("blog", "Post")), leaves=leaves, graph=history(CLUB_1, BLOG_1)
    )

    assert described(result["blog"][0]) == ["Remove field author from post"]
    assert described(result["club"][0]) == ["Delete model Member"]
    assert result["club"][0].dependencies == [
        ("blog", "0002_remove_post_author"),
        ("club", "0001_initial"),
    ]


def test_a_relation_to_an_older_name_of_the_deleted_model_counts() -> None:
    """club.0002 (written before renames waited for other apps) renamed Member after blog
    pointed at it; deleting Person must still wait for blog."""
    renamed = migration(
        "club.0002_rename_member_person",
        [("club", "0001_initial")],
        RenameModel("Member", "Person"),
    )
    graph = history(CLUB_1, BLOG_1, BLOG_2, renamed)
    before = state(PERSON, model("blog", "Post"), model("shop", "Item"))
    after = state(model("blog", "Post"), model("shop", "Item"))
    leaves = {**LEAVES, "club": renamed.name, "shop": "0001_initial"}

    result = only_migration(changes(before, after, leaves=leaves, graph=graph), "club")

    assert result.dependencies == [
        ("blog", "0002_remove_post_author"),
        ("club", "0002_rename_member_person"),
    ]


def test_renaming_models_of_two_apps_pointing_at_each_other_makes_no_cycle() -> None:
    before = state(
        model("club", "Member", post=fk("blog.post", null=True)),
        model("blog", "Post", author=fk("club.member")),
    )
    after = state(
        model("club", "Person", post=fk("blog.article", null=True)),
        model("blog", "Article", author=fk("club.person")),
    )
    questioner, _out = interactive("y\ny\n")
    leaves = {"club": "0002_post", "blog": "0001_initial"}

    result = changes(before, after, questioner, leaves)

    assert [m.operations for m in (*result["blog"], *result["club"])] == [
        [RenameModel("Post", "Article")],
        [RenameModel("Member", "Person")],
    ]
    assert result["blog"][0].dependencies == [("blog", "0001_initial"), ("club", "0002_post")]
    assert result["club"][0].dependencies == [("blog", "0001_initial"), ("club", "0002_post")]


def test_fk_within_an_app_adds_no_self_dependency() -> None:
    migration = only_migration(changes(ProjectState(), state(question(), choice())))

    assert migration.dependencies == []


def test_circular_fks_across_apps_split_one_app_in_two() -> None:
    after = state(
        model("aaa", "Author", book=fk("bbb.book", null=True)),
        model("bbb", "Book", author=fk("aaa.author")),
    )

    result = changes(ProjectState(), after)

    first, second = result["aaa"]
    (book,) = result["bbb"]
    assert (first.name, second.name, book.name) == ("0001_initial", "0002_initial", "0001_initial")
    assert first.initial and second.initial and book.initial
    assert described(first) == ["Create model Author"]
    assert described(book) == ["Create model Book"]
    assert described(second) == ["Add field book to author"]
    assert book.dependencies == [("aaa", "0001_initial")]
    assert second.dependencies == [("aaa", "0001_initial"), ("bbb", "0001_initial")]


def test_trim_to_apps_keeps_named_apps_and_what_they_need() -> None:
    after = state(
        model("auth", "User"),
        model("shop", "Order", user=fk("auth.user")),
        model("blog", "Post"),
    )

    result = changes(ProjectState(), after, trim_to_apps={"shop"})

    assert list(result) == ["auth", "shop"]


def test_unmigrated_app_not_wanted_gets_no_migration_and_first_dependency() -> None:
    class NoInitial(Refuses):
        def ask_initial(self, app_label: str) -> bool:
            return False

    after = state(model("auth", "User"), model("shop", "Order", user=fk("auth.user")))

    result = changes(ProjectState(), after, NoInitial())
    assert result == {}

    named = changes(ProjectState(), after, NoInitial(), trim_to_apps={"shop"})
    assert list(named) == ["shop"]
    assert named["shop"][0].dependencies == [("auth", "__first__")]


# -- naming and determinism -----------------------------------------------------------------


def test_custom_name() -> None:
    after = state(question(author=models.CharField(max_length=50, null=True)))

    result = changes(state(question()), after, leaves=INITIAL, migration_name="add_author")

    assert only_migration(result).name == "0002_add_author"


def test_numbering_continues_after_a_squashed_leaf() -> None:
    after = state(question(author=models.CharField(max_length=50, null=True)))

    result = changes(state(question()), after, leaves={"polls": "0001_squashed_0004_auto"})

    assert only_migration(result).name == "0005_question_author"


@pytest.mark.parametrize(
    ("name", "number"),
    [("0001_initial", 1), ("0012_x", 12), ("0001_squashed_0004_x", 4), ("0007", 7), ("x", None)],
)
def test_parse_number(name: str, number: int | None) -> None:
    assert MigrationAutodetector.parse_number(name) == number


def shuffled_state(seed: int) -> ProjectState:
    index = Index(fields=["name"], name="shop_item_name_idx")
    models_list = [
        model("shop", "Store", city=fk("geo.city")),
        model(
            "shop",
            "Item",
            {"indexes": [index], "unique_together": (("name", "store"),)},
            name=models.CharField(max_length=5),
            store=fk("shop.store"),
            owner=fk("auth.user", null=True),
        ),
        model("geo", "City"),
        model("auth", "User"),
        model("auth", "Group"),
        question(),
        choice(),
    ]
    random.Random(seed).shuffle(models_list)
    return state(*models_list)


def test_same_models_always_give_the_same_operations() -> None:
    def snapshot(seed: int) -> Any:
        result = changes(ProjectState(), shuffled_state(seed))
        return [
            (
                m.app_label,
                m.name,
                m.dependencies,
                [comparable(op.deconstruct()) for op in m.operations],
            )
            for migrations in result.values()
            for m in migrations
        ]

    assert all(snapshot(seed) == snapshot(0) for seed in range(1, 6))


def test_every_operation_comes_after_what_it_needs() -> None:
    result = changes(ProjectState(), shuffled_state(3))

    created: set[str] = set()
    for app_label in ["auth", "geo", "shop", "polls"]:
        for migration in result[app_label]:
            for operation in migration.operations:
                assert isinstance(operation, CreateModel)
                for _name, field in operation.fields:
                    if field.is_relation:
                        assert field.to in created | {f"{app_label}.{operation.name_lower}"}
                created.add(f"{app_label}.{operation.name_lower}")


# -- the same initial migrations as Django (operations, their order, column order) ----------


def django_changes(project: ProjectState) -> list[tuple[str, list[str]]]:
    """Django's autodetector on the same models: each operation and its field names."""
    ready_django()
    from django.db import models as dj
    from django.db.migrations.autodetector import MigrationAutodetector as DjangoDetector
    from django.db.migrations.state import ModelState as DjangoModelState
    from django.db.migrations.state import ProjectState as DjangoProjectState

    after = DjangoProjectState()
    for model_state in project.models.values():
        fields = []
        for name, field in model_state.fields.items():
            _name, path, args, kwargs = field.deconstruct()
            if "on_delete" in kwargs:
                kwargs["on_delete"] = dj.CASCADE
            fields.append((name, getattr(dj, path.rsplit(".", 1)[1])(*args, **kwargs)))
        options = dict(model_state.options)
        if "indexes" in options:
            options["indexes"] = [
                dj.Index(fields=i.fields, name=i.name) for i in options["indexes"]
            ]
        after.add_model(DjangoModelState(model_state.app_label, model_state.name, fields, options))
    result = DjangoDetector(DjangoProjectState(), after)._detect_changes()
    return [
        (op.describe(), [name for name, _ in getattr(op, "fields", [])])
        for app_label in sorted(result)
        for migration in result[app_label]
        for op in migration.operations
    ]


def our_changes(project: ProjectState) -> list[tuple[str, list[str]]]:
    result = MigrationAutodetector(ProjectState(), project, Refuses()).detect_changes()
    return [
        (op.describe(), [name for name, _ in getattr(op, "fields", [])])
        for app_label in sorted(result)
        for migration in result[app_label]
        for op in migration.operations
    ]


def chain() -> ProjectState:
    links = [model("shop", f"M{i}", parent=fk(f"shop.m{i + 1}")) for i in range(5)]
    return state(*links, model("shop", "M5"))


def bookstore() -> ProjectState:
    return state(
        model("shop", "Author", name=models.CharField(max_length=5)),
        model("shop", "Publisher", name=models.CharField(max_length=5)),
        model("shop", "Tag"),
        model("shop", "Series", publisher=fk("shop.publisher")),
        model(
            "shop",
            "Book",
            {
                "indexes": [
                    Index(fields=["title"], name="book_title_idx"),
                    Index(fields=["author", "title"], name="book_author_idx"),
                ],
                "unique_together": (("title", "series"),),
            },
            title=models.CharField(max_length=5),
            author=fk("shop.author"),
            publisher=fk("shop.publisher", null=True),
            editor=fk("shop.author", null=True),
            translator=fk("shop.author", null=True),
            series=fk("shop.series", null=True),
            tag=fk("shop.tag", null=True),
        ),
        ModelState(
            "shop",
            "BookDetail",
            {"book": models.OneToOneField("shop.book", on_delete=models.CASCADE, primary_key=True)},
        ),
        model(
            "shop",
            "Cover",
            book=models.OneToOneField("shop.book", on_delete=models.CASCADE),
            artist=fk("shop.author", null=True),
        ),
    )


def random_graph(seed: int) -> ProjectState:
    rng = random.Random(seed)
    names = [f"M{i}" for i in range(8)]
    states = []
    for name in names:
        relations = {
            f"r{k}": fk(f"shop.{rng.choice(names).lower()}", null=True)
            for k in range(rng.randrange(3))
        }
        indexes = [Index(fields=["id"], name=f"{name}_idx")] if rng.random() < 0.3 else []
        states.append(model("shop", name, {"indexes": indexes} if indexes else {}, **relations))
    return state(*states)


def many_to_many() -> ProjectState:
    """Relations kept in tables of their own: to another model, to itself, through a model."""
    return state(
        model("shop", "Tag", name=models.CharField(max_length=5)),
        model(
            "shop",
            "Article",
            title=models.CharField(max_length=5),
            tags=models.ManyToManyField("shop.tag", related_name="articles"),
            friends=models.ManyToManyField("shop.article"),
            members=models.ManyToManyField("shop.tag", through="shop.Membership", related_name="+"),
        ),
        model("shop", "Membership", article=fk("shop.article"), tag=fk("shop.tag")),
        model("blog", "Post", tags=models.ManyToManyField("shop.tag")),
    )


def many_to_many_through() -> ProjectState:
    """A through model declared after the model whose field names it."""
    return state(
        model("polls", "Tag", name=models.CharField(max_length=20)),
        model(
            "polls",
            "Article",
            title=models.CharField(max_length=50),
            tags=models.ManyToManyField("polls.tag", related_name="articles"),
            related=models.ManyToManyField("polls.article"),
            editors=models.ManyToManyField("polls.person", through="polls.Membership"),
        ),
        model("polls", "Person", name=models.CharField(max_length=20)),
        model(
            "polls",
            "Membership",
            article=fk("polls.article"),
            person=fk("polls.person"),
            role=models.CharField(max_length=20, default="editor"),
        ),
    )


@pytest.mark.parametrize(
    "project",
    [
        lambda: state(question(), choice()),
        chain,
        bookstore,
        many_to_many,
        many_to_many_through,
        *(lambda seed=seed: random_graph(seed) for seed in range(12)),
    ],
    ids=[
        "tutorial",
        "chain",
        "bookstore",
        "many-to-many",
        "many-to-many-through",
        *(f"random-{seed}" for seed in range(12)),
    ],
)
def test_initial_migration_matches_django(project: Any) -> None:
    assert our_changes(project()) == django_changes(project())


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ({}, {"validators": [validators.MaxLengthValidator(100)]}),
        (
            {"validators": [validators.MaxLengthValidator(100)]},
            {"validators": [validators.MaxLengthValidator(50)]},
        ),
        ({}, {"error_messages": {"blank": "Say something"}}),
        ({}, {"unique_for_date": "pub_date"}),
        ({}, {"editable": False}),
        ({}, {"db_tablespace": "fast"}),
        ({}, {"serialize": False}),
    ],
)
def test_options_without_schema_are_altered_as_django_alters_them(old: Any, new: Any) -> None:
    before = state(question(question_text=models.CharField(max_length=200, **old)))
    after = state(question(question_text=models.CharField(max_length=200, **new)))

    migration = only_migration(changes(before, after))

    assert described(migration) == ["Alter field question_text on question"]
    assert migration.operations[0].field.deconstruct()[3] == {"max_length": 200, **new}


def test_equal_validators_built_apart_are_no_change() -> None:
    def text() -> models.CharField:
        return models.CharField(max_length=200, validators=[validators.MinLengthValidator(2)])

    assert (
        changes(state(question(question_text=text())), state(question(question_text=text()))) == {}
    )
