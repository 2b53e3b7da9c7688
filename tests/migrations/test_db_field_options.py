"""Field options that live in the database (``db_default``, ``db_comment``): the
autodetector, the migration writer and the checks, with Django's as the oracle."""

from __future__ import annotations

import ast
from typing import Any

import pytest
from support.django_in_process import ready_django
from support.states import pk

from schemashift import models
from schemashift.migrations.autodetector import MigrationAutodetector
from schemashift.migrations.operations import AddField, AlterField
from schemashift.migrations.serializer import serialize
from schemashift.migrations.state import ModelState, ProjectState

from .test_autodetector import Refuses


def project(**fields: models.Field) -> ProjectState:
    state = ProjectState()
    state.add_model(ModelState("shop", "Item", {"id": pk(), **fields}))
    return state


def operations(before: ProjectState, after: ProjectState) -> list[Any]:
    result = MigrationAutodetector(before, after, Refuses()).detect_changes()
    return [op for migration in result.get("shop", []) for op in migration.operations]


def test_a_not_null_field_with_a_db_default_is_added_without_a_question() -> None:
    (operation,) = operations(project(), project(rank=models.IntegerField(db_default=1)))
    assert isinstance(operation, AddField)
    assert operation.preserve_default
    assert operation.field.db_default == 1


def test_making_a_field_not_null_with_a_db_default_asks_nothing() -> None:
    before = project(rank=models.IntegerField(null=True))
    (operation,) = operations(before, project(rank=models.IntegerField(db_default=1)))
    assert isinstance(operation, AlterField)


def test_db_default_changes_are_alterations_and_equal_ones_are_not() -> None:
    now = models.functions.Now
    before = project(stamp=models.DateTimeField(db_default=now()))
    assert operations(before, project(stamp=models.DateTimeField(db_default=now()))) == []
    (operation,) = operations(before, project(stamp=models.DateTimeField()))
    assert isinstance(operation, AlterField)
    before = project(label=models.CharField(max_length=5, db_default=models.Value("a")))
    same = project(label=models.CharField(max_length=5, db_default=models.Value("a")))
    assert operations(before, same) == []
    other = project(
        label=models.CharField(max_length=5, db_default=models.functions.Lower(models.Value("A")))
    )
    assert [type(op) for op in operations(before, other)] == [AlterField]


def source_tree(source: str) -> str:
    return ast.dump(ast.parse(source, mode="eval"))


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.IntegerField(db_default=5),
        lambda m: m.CharField(max_length=5, db_default=m.Value("x")),
        lambda m: m.CharField(max_length=5, db_default="x", db_comment="The x's"),
        lambda m: m.TextField(db_comment="notes", null=True),
    ],
)
def test_options_are_written_as_djangos_writer_writes_them(make: Any) -> None:
    ready_django()
    from django.db import models as django_models
    from django.db.migrations.writer import MigrationWriter

    ours, _imports = serialize(make(models))
    theirs, _imports = MigrationWriter.serialize(make(django_models))
    assert source_tree(ours) == source_tree(theirs)


def test_expression_defaults_are_written_by_their_module_as_django_writes_them() -> None:
    import schemashift.models.functions.datetime

    field = models.DateTimeField(db_default=models.functions.Now())
    source, imports = serialize(field)
    assert source == (
        "models.DateTimeField(db_default=schemashift.models.functions.datetime.Now())"
    )
    assert imports == {
        "from schemashift import models",
        "import schemashift.models.functions.datetime",
    }
    namespace: dict[str, Any] = {"models": models, "schemashift": schemashift}
    rebuilt = eval(source, namespace)  # noqa: S307 - the writer's own output
    assert rebuilt.deconstruct() == field.deconstruct()


def test_a_db_default_referring_to_a_field_is_refused_by_the_check() -> None:
    field = models.IntegerField(db_default=models.F("other") + 1)
    field.set_attributes_from_name("rank")
    assert [(m.id, m.msg) for m in field.check()] == [
        ("fields.E012", "F(other) + Value(1) cannot be used in db_default.")
    ]


# -- GeneratedField -------------------------------------------------------------------------


def generated(expression: Any, persist: bool = True) -> models.GeneratedField:
    return models.GeneratedField(
        expression=expression, output_field=models.IntegerField(), db_persist=persist
    )


def test_generated_fields_are_written_as_djangos_and_read_back() -> None:
    ready_django()
    from django.db import models as django_models
    from django.db.migrations.writer import MigrationWriter

    ours = generated(models.F("price") * models.F("quantity"))
    theirs = django_models.GeneratedField(
        expression=django_models.F("price") * django_models.F("quantity"),
        output_field=django_models.IntegerField(),
        db_persist=True,
    )
    source, imports = serialize(ours)
    their_source, _imports = MigrationWriter.serialize(theirs)
    django_path = "django.db.models.expressions.CombinedExpression"
    assert source_tree(source.replace("schemashift.models.expressions", "x")) == source_tree(
        their_source.replace(django_path, "x.CombinedExpression")
    )
    namespace: dict[str, Any] = {}
    exec("\n".join(sorted(imports)), namespace)  # noqa: S102 - the writer's own imports
    rebuilt = eval(source, namespace)  # noqa: S307 - the writer's own output
    assert rebuilt.expression == ours.expression
    assert rebuilt.deconstruct()[3]["db_persist"] is True


def test_a_changed_generated_field_is_removed_and_added_again() -> None:
    before = project(price=models.IntegerField(), total=generated(models.F("price") * 2))
    assert (
        operations(
            before, project(price=models.IntegerField(), total=generated(models.F("price") * 2))
        )
        == []
    )
    after = project(price=models.IntegerField(), total=generated(models.F("price") * 3))
    assert [op.describe() for op in operations(before, after)] == [
        "Remove field total from item",
        "Add field total to item",
    ]


def test_generated_field_arguments_are_checked_as_in_django() -> None:
    for bad, message in [
        ({"editable": True}, "GeneratedField cannot be editable."),
        ({"blank": False}, "GeneratedField must be blank."),
        ({"default": 1}, "GeneratedField cannot have a default."),
        ({"db_default": 1}, "GeneratedField cannot have a database default."),
        ({"db_persist": None}, "GeneratedField.db_persist must be True or False."),
    ]:
        arguments = {"db_persist": True, **bad}
        with pytest.raises(ValueError, match=message):
            models.GeneratedField(
                expression=models.F("a"), output_field=models.IntegerField(), **arguments
            )
    field = models.GeneratedField(
        expression=models.F("a"), output_field=models.CharField(), db_persist=True
    )
    field.set_attributes_from_name("label")
    assert [(m.id, m.msg) for m in field.check()] == [
        (
            "fields.E223",
            "GeneratedField.output_field has errors:\n    CharFields must define a "
            "'max_length' attribute. (fields.E120)",
        )
    ]
