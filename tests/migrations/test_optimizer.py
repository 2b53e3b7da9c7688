"""The optimizer: which pairs fold, which do not, and that folding never changes the state."""

from __future__ import annotations

from typing import Any

from hypothesis import example, given, reject, settings
from hypothesis import strategies as st
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
)
from schemashift.migrations.optimizer import MigrationOptimizer
from schemashift.migrations.state import ProjectState
from schemashift.models.indexes import Index


def optimize(operations: list[Operation]) -> list[Operation]:
    return MigrationOptimizer().optimize(operations, "app")


def char(**kwargs: Any) -> models.Field:
    return models.CharField(max_length=10, **kwargs)


def create(name: str, *extra: tuple[str, models.Field], **options: Any) -> CreateModel:
    return CreateModel(name, [("id", pk()), *extra], options)


def noop(apps: Any, schema_editor: Any) -> None:
    """A data step."""


# -- CreateModel absorbs what follows it ----------------------------------------------------


def test_create_then_delete_is_nothing() -> None:
    assert optimize([create("Foo"), DeleteModel("Foo")]) == []


def test_create_then_add_field() -> None:
    result = optimize([create("Foo"), AddField("foo", "name", char())])

    assert result == [create("Foo", ("name", char()))]


def test_create_then_alter_field() -> None:
    result = optimize([create("Foo", ("name", char())), AlterField("foo", "name", char(null=True))])

    assert result == [create("Foo", ("name", char(null=True)))]


def test_create_then_remove_field_drops_it_from_unique_together_and_indexes() -> None:
    index = Index(fields=["name"], name="foo_name_idx")
    operations = [
        create(
            "Foo",
            ("name", char()),
            ("code", char()),
            unique_together=(("name", "code"),),
            indexes=[index],
        ),
        RemoveField("foo", "name"),
    ]

    assert optimize(operations) == [create("Foo", ("code", char()))]


def test_create_then_rename_field_renames_it_everywhere() -> None:
    index = Index(fields=["-name"], name="foo_name_idx")
    operations = [
        create(
            "Foo",
            ("name", char()),
            ("code", char()),
            unique_together=(("name", "code"),),
            ordering=["name"],
            indexes=[index],
        ),
        RenameField("foo", "name", "title"),
    ]

    expected = create(
        "Foo",
        ("title", char()),
        ("code", char()),
        unique_together=(("title", "code"),),
        ordering=["title"],
        indexes=[Index(fields=["-title"], name="foo_name_idx")],
    )
    assert optimize(operations) == [expected]


def test_create_then_rename_relation_follows_it_in_options_named_by_column() -> None:
    """Options may name a relation by its attname; folding renames it there too, as the state
    does (renaming by field name only left ``author_id`` behind)."""
    operations = [
        create("Author"),
        create(
            "Book",
            ("author", fk("app.author")),
            ("code", char()),
            unique_together=(("author_id", "code"),),
            ordering=["-author_id"],
        ),
        RenameField("book", "author", "writer"),
    ]

    result = optimize(operations)

    expected = create(
        "Book",
        ("writer", fk("app.author")),
        ("code", char()),
        unique_together=(("writer_id", "code"),),
        ordering=["-writer_id"],
    )
    assert result == [create("Author"), expected]
    assert state_after(result) == state_after(operations)


def test_create_then_remove_relation_drops_options_naming_its_column() -> None:
    operations = [
        create("Author"),
        create(
            "Book",
            ("author", fk("app.author")),
            ("code", char()),
            unique_together=(("author_id", "code"),),
        ),
        RemoveField("book", "author"),
    ]

    result = optimize(operations)

    assert result == [create("Author"), create("Book", ("code", char()))]
    assert state_after(result) == state_after(operations)


def test_create_then_options_table_unique_together_and_indexes() -> None:
    index = Index(fields=["name"], name="foo_name_idx")
    operations = [
        create("Foo", ("name", char()), verbose_name="foo"),
        AlterModelOptions("foo", {"ordering": ["name"]}),
        AlterModelTable("foo", "foos"),
        AlterUniqueTogether("foo", [("name", "id")]),
        AddIndex("foo", index),
    ]

    expected = create(
        "Foo",
        ("name", char()),
        ordering=["name"],
        db_table="foos",
        unique_together=(("name", "id"),),
        indexes=[index],
    )
    assert optimize(operations) == [expected]


def test_create_then_remove_index() -> None:
    index = Index(fields=["name"], name="foo_name_idx")

    result = optimize(
        [create("Foo", ("name", char()), indexes=[index]), RemoveIndex("foo", index.name)]
    )

    assert result == [create("Foo", ("name", char()))]


def test_create_then_rename_model() -> None:
    assert optimize([create("Foo"), RenameModel("Foo", "Bar")]) == [create("Bar")]


def test_one_off_default_is_not_kept_in_create_model() -> None:
    operations = [create("Foo"), AddField("foo", "name", char(default="x"), preserve_default=False)]

    assert optimize(operations) == [create("Foo", ("name", char()))]


# -- field pairs ----------------------------------------------------------------------------


def test_add_then_alter_is_add() -> None:
    result = optimize([AddField("foo", "name", char()), AlterField("foo", "name", char(null=True))])

    assert result == [AddField("foo", "name", char(null=True))]


def test_add_then_remove_is_nothing() -> None:
    assert optimize([AddField("foo", "name", char()), RemoveField("foo", "name")]) == []


def test_add_then_rename_is_add_under_the_new_name() -> None:
    result = optimize([AddField("foo", "name", char()), RenameField("foo", "name", "title")])

    assert result == [AddField("foo", "title", char())]


def test_alter_then_alter_keeps_the_last() -> None:
    operations = [AlterField("foo", "name", char(null=True)), AlterField("foo", "name", char())]

    assert optimize(operations) == [AlterField("foo", "name", char())]


def test_alter_with_one_off_default_is_not_dropped() -> None:
    operations = [
        AlterField("foo", "name", char(default="x"), preserve_default=False),
        AlterField("foo", "name", char(unique=True)),
    ]

    assert optimize(operations) == operations


def test_alter_then_remove_is_remove() -> None:
    operations = [AlterField("foo", "name", char(null=True)), RemoveField("foo", "name")]

    assert optimize(operations) == [RemoveField("foo", "name")]


def test_rename_field_chain() -> None:
    operations = [RenameField("foo", "a", "b"), RenameField("foo", "b", "c")]

    assert optimize(operations) == [RenameField("foo", "a", "c")]


def test_create_then_rename_of_a_model_pointing_at_itself_stays_apart() -> None:
    """Folded, the renamed CreateModel would point at the old name, which no longer exists."""
    parent = models.ForeignKey("app.foo", models.CASCADE, null=True)
    operations = [CreateModel("Foo", [("id", pk()), ("parent", parent)]), RenameModel("Foo", "Bar")]

    assert optimize(operations) == operations


def test_rename_field_and_back_is_nothing() -> None:
    operations = [RenameField("foo", "a", "b"), RenameField("foo", "b", "a")]

    assert optimize(operations) == []


def test_remove_field_then_delete_model() -> None:
    assert optimize([RemoveField("foo", "name"), DeleteModel("Foo")]) == [DeleteModel("Foo")]


def test_removed_relation_stays_before_another_model_is_deleted() -> None:
    operations = [RemoveField("book", "author"), DeleteModel("Author"), DeleteModel("Book")]

    assert optimize(operations) == operations


# -- model pairs ----------------------------------------------------------------------------


def test_rename_model_chain() -> None:
    operations = [RenameModel("Foo", "Bar"), RenameModel("Bar", "Baz")]

    assert optimize(operations) == [RenameModel("Foo", "Baz")]


def test_last_option_change_wins() -> None:
    operations = [
        AlterModelTable("foo", "a"),
        AlterModelTable("foo", "b"),
        AlterModelOptions("foo", {"ordering": ["x"]}),
        AlterModelOptions("foo", {}),
    ]

    assert optimize(operations) == [AlterModelTable("foo", "b"), AlterModelOptions("foo", {})]


def test_delete_model_absorbs_option_changes() -> None:
    operations = [AlterUniqueTogether("foo", None), DeleteModel("Foo")]

    assert optimize(operations) == [DeleteModel("Foo")]


def test_add_then_remove_index_is_nothing() -> None:
    index = Index(fields=["name"], name="foo_name_idx")

    assert optimize([AddIndex("foo", index), RemoveIndex("foo", index.name)]) == []


# -- moving past other operations -----------------------------------------------------------


def test_folds_past_operations_on_other_models() -> None:
    operations = [create("Foo"), create("Bar"), AddField("foo", "name", char())]

    assert optimize(operations) == [create("Bar"), create("Foo", ("name", char()))]


def test_relation_is_folded_after_its_target() -> None:
    operations = [
        create("Choice"),
        create("Question"),
        AddField("choice", "question", fk("app.question")),
    ]

    result = optimize(operations)

    assert result == [create("Question"), create("Choice", ("question", fk("app.question")))]


def test_folds_left_when_the_later_operation_can_move_back() -> None:
    operations = [
        create("Foo"),
        create("Bar", ("foo", fk("app.foo"))),
        AddField("foo", "name", char()),
    ]

    result = optimize(operations)

    assert result == [create("Foo", ("name", char())), create("Bar", ("foo", fk("app.foo")))]


def test_does_not_fold_across_a_dependent_operation() -> None:
    operations = [
        create("Foo"),
        create("Bar"),
        AddField("bar", "foo", fk("app.foo")),
        AddField("foo", "bar", fk("app.bar")),
    ]

    result = optimize(operations)

    assert result == [
        create("Foo"),
        create("Bar", ("foo", fk("app.foo"))),
        AddField("foo", "bar", fk("app.bar")),
    ]


def test_rename_model_does_not_move_before_relations_to_the_old_name() -> None:
    operations = [
        create("Foo"),
        create("Bar", ("foo", fk("app.foo"))),
        RenameModel("Foo", "Baz"),
    ]

    assert optimize(operations) == operations


def test_run_python_and_run_sql_are_barriers() -> None:
    operations = [create("Foo"), RunPython(noop), AddField("foo", "name", char())]
    assert optimize(operations) == operations

    operations = [create("Foo"), RunSQL("SELECT 1"), DeleteModel("Foo")]
    assert optimize(operations) == operations


def test_elidable_operations_are_dropped() -> None:
    operations = [
        create("Foo"),
        RunPython(noop, elidable=True),
        RunSQL("SELECT 1", elidable=True),
        AddField("foo", "name", char()),
    ]

    assert optimize(operations) == [create("Foo", ("name", char()))]


def test_nothing_to_fold_returns_equal_operations() -> None:
    operations = [AddField("foo", "a", char()), AddField("bar", "b", char())]

    assert optimize(operations) == operations


def test_app_label_is_required() -> None:
    try:
        MigrationOptimizer().optimize([], None)  # type: ignore[arg-type]
    except TypeError:
        return
    raise AssertionError("optimize() accepted app_label=None")


def test_many_models_fold_into_one_create_each() -> None:
    operations: list[Operation] = []
    for i in range(300):
        operations.append(create(f"M{i:03d}"))
        if i:
            operations.append(AddField(f"m{i:03d}", "parent", fk(f"app.m{i - 1:03d}")))
            operations.append(AddIndex(f"m{i:03d}", Index(fields=["parent"], name=f"m{i}_idx")))

    result = optimize(operations)

    assert [type(op) for op in result] == [CreateModel] * 300
    assert state_after(result) == state_after(operations)


def test_a_cycle_keeps_one_relation_apart() -> None:
    operations: list[Operation] = [create("A"), create("B")]
    operations.append(AddField("a", "b", fk("app.b")))
    operations.append(AddField("b", "a", fk("app.a")))

    result = optimize(operations)

    assert [type(op) for op in result] == [CreateModel, CreateModel, AddField]
    assert state_after(result) == state_after(operations)


# -- folding never changes the resulting state ----------------------------------------------


def state_after(operations: list[Operation]) -> dict[Any, Any]:
    """The schema the operations build: models, fields (in any order) and options."""
    state = ProjectState()
    for operation in operations:
        operation.state_forwards("app", state)
    return {
        key: (
            model.name,
            sorted((name, field_signature(field)) for name, field in model.fields.items()),
            comparable(model.options),
        )
        for key, model in state.models.items()
    }


@st.composite
def histories(draw: st.DrawFn) -> list[Operation]:
    """A valid sequence of operations on up to three models."""
    models_fields: dict[str, list[str]] = {}
    operations: list[Operation] = []
    counter = 0
    for _ in range(draw(st.integers(1, 14))):
        counter += 1
        choices = ["create"] + (["field", "field", "model"] if models_fields else [])
        kind = draw(st.sampled_from(choices))
        if kind == "create" and len(models_fields) < 3:
            name = f"M{counter}"
            models_fields[name.lower()] = ["a"]
            operations.append(CreateModel(name, [("id", pk()), ("a", char())]))
            continue
        if not models_fields:
            continue
        model = draw(st.sampled_from(sorted(models_fields)))
        if kind == "model":
            operations.append(_model_step(draw, model, models_fields, counter))
        else:
            operations.append(_field_step(draw, model, models_fields[model], counter))
    return operations


def _model_step(
    draw: st.DrawFn, model: str, models_fields: dict[str, list[str]], n: int
) -> Operation:
    step = draw(st.sampled_from(["delete", "rename", "options", "table", "together"]))
    fields = models_fields[model]
    if step == "delete":
        del models_fields[model]
        return DeleteModel(model)
    if step == "rename":
        models_fields[f"r{n}"] = models_fields.pop(model)
        return RenameModel(model, f"R{n}")
    if step == "options":
        return AlterModelOptions(model, {"ordering": [fields[0]]} if fields else {})
    if step == "table":
        return AlterModelTable(model, draw(st.sampled_from([None, f"t{n}"])))
    group = (
        draw(st.lists(st.sampled_from(fields), min_size=0, max_size=2, unique=True))
        if fields
        else []
    )
    return AlterUniqueTogether(model, [tuple(group)] if len(group) == 2 else [])


def _field_step(draw: st.DrawFn, model: str, fields: list[str], n: int) -> Operation:
    step = draw(st.sampled_from(["add", "alter", "remove", "rename"] if fields else ["add"]))
    if step == "add":
        fields.append(f"f{n}")
        keep = draw(st.booleans())
        return AddField(model, f"f{n}", char(default="x"), preserve_default=keep)
    name = draw(st.sampled_from(fields))
    if step == "alter":
        return AlterField(model, name, char(null=draw(st.booleans())))
    fields.remove(name)
    if step == "remove":
        return RemoveField(model, name)
    fields.append(f"g{n}")
    return RenameField(model, name, f"g{n}")


@settings(max_examples=300, deadline=None)
@given(histories())
def test_optimized_operations_build_the_same_state(operations: list[Operation]) -> None:
    optimized = optimize(operations)

    assert len(optimized) <= len(operations)
    assert state_after(optimized) == state_after(operations)
    assert optimize(optimized) == optimized


# -- the same result as Django's restart-from-the-start loop --------------------------------


def reference_optimize(operations: list[Operation]) -> list[Operation]:
    """Django's algorithm, literally: fold the first foldable pair, then start again."""
    while True:
        folded = _reference_pass(operations)
        if len(folded) == len(operations) and all(
            a is b for a, b in zip(folded, operations, strict=True)
        ):
            return folded
        operations = folded


def _reference_pass(operations: list[Operation]) -> list[Operation]:
    kept: list[Operation] = []
    for i, operation in enumerate(operations):
        right = True
        for j, other in enumerate(operations[i + 1 :]):
            result = operation.reduce(other, "app")
            if isinstance(result, list):
                between = operations[i + 1 : i + j + 1]
                if right:
                    kept.extend([*between, *result])
                elif all(op.reduce(other, "app") is True for op in between):
                    kept.extend([*result, *between])
                else:
                    kept.append(operation)
                    break
                return kept + operations[i + j + 2 :]
            if not result:
                right = False
        else:
            kept.append(operation)
    return kept


MODEL_NAMES = ["A", "B", "C"]


@st.composite
def any_operation(draw: st.DrawFn) -> Operation:
    """Any operation on a few models and fields, valid or not: folding rules only."""
    model = draw(st.sampled_from(MODEL_NAMES))
    other = draw(st.sampled_from(MODEL_NAMES))
    field = draw(st.sampled_from(["x", "y"]))
    target = draw(st.sampled_from([char(), char(null=True), fk(f"app.{other.lower()}")]))
    choices: list[Operation] = [
        CreateModel(
            model,
            [("id", pk())] + ([("ref", fk(f"app.{other.lower()}"))] if draw(st.booleans()) else []),
        ),
        DeleteModel(model),
        RenameModel(model, other),
        AlterModelOptions(model.lower(), {"ordering": [field]}),
        AlterModelTable(model.lower(), f"t_{field}"),
        AlterUniqueTogether(model.lower(), [("x", "y")] if draw(st.booleans()) else []),
        AddIndex(model.lower(), Index(fields=[field], name=f"{model}_{field}_idx")),
        RemoveIndex(model.lower(), f"{model}_{field}_idx"),
        AddField(model.lower(), field, target, preserve_default=draw(st.booleans())),
        AlterField(model.lower(), field, target),
        RemoveField(model.lower(), field),
        RenameField(model.lower(), field, "y" if field == "x" else "x"),
        RunPython(noop, elidable=draw(st.booleans())),
        RunSQL("SELECT 1", elidable=draw(st.booleans())),
    ]
    return draw(st.sampled_from(choices))


@settings(max_examples=500, deadline=None)
@given(st.lists(any_operation(), max_size=16))
@example(  # removing the operation that kept a fold from moving right lets it move right
    [
        RenameModel("A", "C"),
        CreateModel("B", [("id", pk())]),
        CreateModel("A", [("id", pk())]),
        RenameModel("C", "B"),
        DeleteModel("A"),
    ]
)
def test_same_result_as_folding_from_the_start_every_time(operations: list[Operation]) -> None:
    try:
        expected = reference_optimize(operations)
    except ValueError:  # e.g. two AddFields of one field folded into one CreateModel
        reject()
    assert optimize(operations) == expected
