"""The autodetector on Meta.constraints and the richer Meta.indexes, checked against Django's
MigrationAutodetector on the same states: the same operations, written the same way."""

from __future__ import annotations

from typing import Any

from support.django_in_process import ready_django
from support.states import pk

from schemashift import models
from schemashift.migrations.autodetector import MigrationAutodetector
from schemashift.migrations.questioner import MigrationQuestioner
from schemashift.migrations.serializer import serialize
from schemashift.migrations.state import ModelState, ProjectState
from schemashift.models.functions import Lower


def product(*constraints: Any, indexes: list[models.Index] | None = None) -> ProjectState:
    options: dict[str, Any] = {}
    if indexes:
        options["indexes"] = indexes
    if constraints:
        options["constraints"] = list(constraints)
    fields = {
        "id": pk(),
        "name": models.CharField(max_length=20),
        "price": models.IntegerField(),
    }
    return ProjectState({("shop", "product"): ModelState("shop", "Product", fields, options)})


def _django_value(value: Any) -> Any:
    """The Django object our writer's text of ``value`` describes."""
    ready_django()
    import django.db.models.functions.text  # noqa: F401  (the written text may name it)
    from django.db import models as dj

    text = serialize(value)[0].replace("schemashift.models", "django.db.models")
    return eval(text, {"models": dj, "django": __import__("django")})


def _django_state(project: ProjectState) -> Any:
    from django.db.migrations.state import ModelState as DjangoModelState
    from django.db.migrations.state import ProjectState as DjangoProjectState

    ready_django()
    state = DjangoProjectState()
    for model in project.models.values():
        fields = [(name, _django_value(field)) for name, field in model.fields.items()]
        options = {
            key: [_django_value(item) for item in value]
            for key, value in model.options.items()
            if key in ("indexes", "constraints")
        }
        if "index_together" in model.options:
            options["index_together"] = set(model.options["index_together"])
        state.add_model(DjangoModelState(model.app_label, model.name, fields, options))
    return state


def _written(operations: list[Any], writer: Any) -> list[str]:
    return [writer(operation).replace("'", '"') for operation in operations]


def django_changes(before: ProjectState, after: ProjectState) -> list[str]:
    ready_django()
    from django.db.migrations.autodetector import MigrationAutodetector as DjangoDetector
    from django.db.migrations.writer import OperationWriter

    result = DjangoDetector(_django_state(before), _django_state(after))._detect_changes()
    operations = [op for migration in result.get("shop", []) for op in migration.operations]
    return [
        " ".join(text.split()).replace("django.db.models", "models").replace("( ", "(")
        for text in _written(
            operations, lambda op: OperationWriter(op, indentation=0).serialize()[0]
        )
    ]


def our_changes(before: ProjectState, after: ProjectState) -> list[str]:
    result = MigrationAutodetector(before, after, MigrationQuestioner()).detect_changes()
    operations = [op for migration in result.get("shop", []) for op in migration.operations]
    return [
        " ".join(serialize(op)[0].split())
        .replace("schemashift.models", "models")
        .replace("( ", "(")
        for op in operations
    ]


def normal(texts: list[str]) -> list[str]:
    """Operation texts without the layout differences of the two writers."""
    replaced = []
    for text in texts:
        pairs = [(", )", ")"), (",)", ")"), (", }", "}"), (", ]", "]"), ("[ ", "["), ("{ ", "{")]
        for trailing, closing in pairs:
            text = text.replace(trailing, closing)
        replaced.append(text.rstrip(","))
    return replaced


def assert_as_django(before: ProjectState, after: ProjectState) -> list[str]:
    ours = normal(our_changes(before, after))
    assert ours == normal(django_changes(before, after))
    return ours


CHECK = models.CheckConstraint(condition=models.Q(price__gte=0), name="price_gte_0")
UNIQUE = models.UniqueConstraint(fields=["name"], name="name_uniq")
PARTIAL = models.UniqueConstraint(
    Lower("name"), condition=models.Q(price__gt=0), name="lower_name_uniq"
)


def test_adding_constraints_to_a_model() -> None:
    ours = assert_as_django(product(), product(CHECK, UNIQUE, PARTIAL))
    assert [text.split("(", 1)[0] for text in ours] == ["migrations.AddConstraint"] * 3


def test_removing_constraints() -> None:
    ours = assert_as_django(product(CHECK, UNIQUE), product(UNIQUE))
    assert ours == ['migrations.RemoveConstraint(model_name="product", name="price_gte_0")']


def test_changing_a_condition_removes_and_adds() -> None:
    changed = models.CheckConstraint(condition=models.Q(price__gt=0), name="price_gte_0")
    ours = assert_as_django(product(CHECK), product(changed))
    assert [text.split("(", 1)[0] for text in ours] == [
        "migrations.RemoveConstraint",
        "migrations.AddConstraint",
    ]


def test_changing_the_message_alters_the_constraint() -> None:
    changed = models.CheckConstraint(
        condition=models.Q(price__gte=0), name="price_gte_0", violation_error_message="negative"
    )
    ours = assert_as_django(product(CHECK), product(changed))
    assert [text.split("(", 1)[0] for text in ours] == ["migrations.AlterConstraint"]


def test_a_new_model_has_its_constraints_in_create_model() -> None:
    index = models.Index(fields=["name"], name="cheap", condition=models.Q(price__lt=5))
    ours = assert_as_django(ProjectState(), product(CHECK, PARTIAL, indexes=[index]))
    assert len(ours) == 1 and ours[0].startswith("migrations.CreateModel(")
    assert '"constraints": [' in ours[0]


def test_changing_an_index_condition_replaces_the_index() -> None:
    index = models.Index(fields=["name"], name="cheap", condition=models.Q(price__lt=5))
    changed = models.Index(fields=["name"], name="cheap", condition=models.Q(price__lt=9))
    assert_as_django(product(indexes=[index]), product(indexes=[changed]))
    assert assert_as_django(product(indexes=[index]), product(indexes=[index])) == []


def test_an_index_only_renamed_is_a_rename_index() -> None:
    old = models.Index(fields=["name"], name="old_name_idx")
    new = models.Index(fields=["name"], name="new_name_idx")
    ours = assert_as_django(product(indexes=[old]), product(indexes=[new]))
    assert ours == [
        'migrations.RenameIndex(model_name="product", new_name="new_name_idx", '
        'old_name="old_name_idx")'
    ]


def test_an_index_together_group_becoming_an_index_is_a_rename_index() -> None:
    before = product()
    before.models[("shop", "product")].options["index_together"] = {("name", "price")}
    after = product(indexes=[models.Index(fields=["name", "price"], name="name_price_idx")])
    ours = assert_as_django(before, after)
    assert ours == [
        'migrations.RenameIndex(model_name="product", new_name="name_price_idx", '
        'old_fields=("name", "price"))'
    ]
