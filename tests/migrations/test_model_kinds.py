"""Proxy models, multi-table inheritance, order_with_respect_to and managers in the migration
state, the operations, the optimizer and the autodetector."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Connection
from support.backend_migrators import migrator_for
from support.migrator import Migrator
from support.states import auto_pk

from schemashift import models
from schemashift.migrations.autodetector import MigrationAutodetector
from schemashift.migrations.operations import (
    AddField,
    AlterModelManagers,
    AlterModelOptions,
    AlterModelTableComment,
    AlterOrderWithRespectTo,
    CreateModel,
    DeleteModel,
    RenameModel,
)
from schemashift.migrations.optimizer import MigrationOptimizer
from schemashift.migrations.state import ModelState, ProjectState


@pytest.fixture
def migrator(backend_connection: Connection) -> Migrator:
    return migrator_for(backend_connection)


class PlaceManager(models.Manager):
    use_in_migrations = True


def place_ptr() -> models.OneToOneField:
    return models.OneToOneField(
        "shop.place",
        on_delete=models.CASCADE,
        parent_link=True,
        primary_key=True,
        auto_created=True,
        serialize=False,
    )


def place() -> CreateModel:
    return CreateModel("Place", [auto_pk(), ("name", models.CharField(max_length=20))])


def restaurant() -> CreateModel:
    fields = [("place_ptr", place_ptr()), ("serves_pizza", models.BooleanField(default=False))]
    return CreateModel("Restaurant", fields, bases=("shop.place",))


def proxy(name: str = "OrderedPlace") -> CreateModel:
    options = {"ordering": ["name"], "proxy": True, "indexes": [], "constraints": []}
    return CreateModel(name, [], options, bases=("shop.place",))


def state_of(*operations: object) -> ProjectState:
    state = ProjectState()
    for operation in operations:
        operation.state_forwards("shop", state)  # type: ignore[attr-defined]
    return state


def detect(before: ProjectState, after: ProjectState) -> list[object]:
    changes = MigrationAutodetector(before, after).detect_changes()
    return [op for migration in changes.get("shop", []) for op in migration.operations]


# -- state and operations -------------------------------------------------------------------


def test_a_child_and_a_proxy_keep_their_bases_and_managers() -> None:
    create = CreateModel("Place", place().fields, managers=[("objects", PlaceManager())])
    state = state_of(create, restaurant(), proxy())
    assert state.get_model("shop", "restaurant").bases == ("shop.place",)
    assert state.get_model("shop", "orderedplace").fields == {}
    assert state.get_model("shop", "orderedplace").options == {"ordering": ["name"], "proxy": True}
    assert [name for name, _m in state.get_model("shop", "place").managers] == ["objects"]
    assert restaurant().deconstruct()[2]["bases"] == ("shop.place",)
    assert create.deconstruct()[2]["managers"][0][1].deconstruct() == (
        f"{__name__}.PlaceManager",
        [],
        {},
    )
    assert proxy().describe() == "Create proxy model OrderedPlace"


def test_renaming_a_parent_renames_the_childs_base() -> None:
    state = state_of(place(), restaurant(), RenameModel("Place", "Venue"))
    assert state.get_model("shop", "restaurant").bases == ("shop.venue",)


def test_order_with_respect_to_adds_and_removes_order_in_state() -> None:
    question = CreateModel("Question", [auto_pk()])
    answer = CreateModel(
        "Answer",
        [auto_pk(), ("question", models.ForeignKey("shop.question", on_delete=models.CASCADE))],
        options={"order_with_respect_to": "question"},
    )
    state = state_of(question, answer)
    assert list(state.get_model("shop", "answer").fields) == ["id", "question", "_order"]
    AlterOrderWithRespectTo("Answer", None).state_forwards("shop", state)
    model = state.get_model("shop", "answer")
    assert list(model.fields) == ["id", "question"]
    assert "order_with_respect_to" not in model.options


def test_option_and_manager_changes_fold_into_create_model() -> None:
    optimized = MigrationOptimizer().optimize(
        [
            CreateModel("Question", [auto_pk()]),
            CreateModel("Answer", [auto_pk()]),
            AddField("Answer", "question", models.ForeignKey("shop.question", models.CASCADE)),
            AlterOrderWithRespectTo("Answer", "question"),
            AlterModelManagers("Answer", [("objects", PlaceManager())]),
            AlterModelOptions("Answer", {"permissions": [("x", "X")]}),
        ],
        "shop",
    )
    assert len(optimized) == 2
    answer = optimized[1]
    assert [name for name, _f in answer.fields] == ["id", "question"]
    assert answer.options == {"order_with_respect_to": "question", "permissions": [("x", "X")]}
    assert [name for name, _m in answer.managers] == ["objects"]


# -- autodetector ---------------------------------------------------------------------------


def test_a_model_turned_into_a_proxy_is_deleted_and_created() -> None:
    concrete = CreateModel("OrderedPlace", [auto_pk()])
    before = state_of(place(), concrete)
    after = state_of(place(), proxy())
    operations = detect(before, after)
    assert [type(op) for op in operations] == [DeleteModel, CreateModel]
    assert operations[1].options["proxy"] is True
    assert operations[1].bases == ("shop.place",)


def test_new_tracked_options_are_altered_without_sql() -> None:
    before = state_of(place())
    changed = CreateModel(
        "Place",
        place().fields,
        options={"permissions": [("visit", "Can visit")], "default_permissions": ("view",)},
        managers=[("objects", PlaceManager())],
    )
    after = state_of(changed)
    operations = detect(before, after)
    assert [type(op) for op in operations] == [AlterModelOptions, AlterModelManagers]
    assert list(operations[0].options) == ["default_permissions", "permissions"]


def test_model_state_from_a_class_leaves_order_implied() -> None:
    class Parent(models.Model):
        class Meta:
            app_label = "kindsstate"

    class Child(models.Model):
        parent = models.ForeignKey(Parent, on_delete=models.CASCADE)

        class Meta:
            app_label = "kindsstate"
            order_with_respect_to = "parent"

    state = ModelState.from_model(Child)
    assert list(state.fields) == ["id", "parent", "_order"]
    assert state == ModelState(
        "kindsstate",
        "Child",
        dict(list(state.fields.items())[:2]),
        {"order_with_respect_to": "parent"},
    )


# -- on the database ------------------------------------------------------------------------


def test_parent_link_proxy_and_order_tables(migrator: Migrator) -> None:
    migrator.apply(place(), restaurant(), proxy())
    migrator.assert_schema_matches_state()
    tables = migrator.snapshot().tables
    assert "shop_orderedplace" not in tables
    restaurant_table = tables["shop_restaurant"]
    assert list(restaurant_table.columns) == ["place_ptr_id", "serves_pizza"]
    assert restaurant_table.columns["place_ptr_id"].primary_key
    assert {fk.to_table for fk in restaurant_table.foreign_keys} == {"shop_place"}
    assert migrator.sql(DeleteModel("OrderedPlace")) == []


def test_a_foreign_key_to_a_proxy_points_at_the_concrete_table(migrator: Migrator) -> None:
    fk = models.ForeignKey("shop.orderedplace", on_delete=models.CASCADE)
    migrator.apply(place(), proxy(), CreateModel("Visit", [auto_pk(), ("spot", fk)]))
    migrator.assert_schema_matches_state()
    visit = migrator.snapshot().tables["shop_visit"]
    assert {(fk.column, fk.to_table) for fk in visit.foreign_keys} == {("spot_id", "shop_place")}


@pytest.mark.parametrize("rows", [0, 2])
def test_alter_order_with_respect_to_adds_and_drops_the_order_column(
    migrator: Migrator, rows: int
) -> None:
    question = CreateModel("Question", [auto_pk()])
    answer = CreateModel(
        "Answer",
        [auto_pk(), ("question", models.ForeignKey("shop.question", on_delete=models.CASCADE))],
    )
    migrator.apply(question, answer)
    migrator.run_sql("INSERT INTO shop_question (id) VALUES (1)")
    for number in range(rows):
        migrator.run_sql(f"INSERT INTO shop_answer (id, question_id) VALUES ({number + 1}, 1)")
    migrator.apply(AlterOrderWithRespectTo("Answer", "question"))
    migrator.assert_schema_matches_state()
    assert migrator.rows("shop_answer", "id, " + migrator.quote("_order")) == [
        (number + 1, 0) for number in range(rows)
    ]
    migrator.apply(AlterOrderWithRespectTo("Answer", None))
    migrator.assert_schema_matches_state()
    assert "_order" not in migrator.snapshot().tables["shop_answer"].columns


# -- table comments -------------------------------------------------------------------------


def table_comment(migrator: Migrator, backend: str, table: str) -> str | None:
    """The comment the live table carries (SQLite keeps none)."""
    if backend == "postgresql":
        sql = f"SELECT obj_description('{table}'::regclass, 'pg_class')"
    elif backend == "mysql":
        sql = (
            "SELECT table_comment FROM information_schema.tables "
            f"WHERE table_schema = DATABASE() AND table_name = '{table}'"
        )
    else:
        return None
    return migrator.run_sql(sql)[0][0] or None


def test_table_comments_are_created_altered_and_cleared(migrator: Migrator, backend: str) -> None:
    options = {"db_table_comment": "Places people go"}
    migrator.apply(CreateModel("Place", place().fields, options))
    expected = {"sqlite": None}.get(backend, "Places people go")
    assert table_comment(migrator, backend, "shop_place") == expected
    migrator.apply(AlterModelTableComment("Place", "It's a place"))
    assert table_comment(migrator, backend, "shop_place") == {"sqlite": None}.get(
        backend, "It's a place"
    )
    migrator.apply(AlterModelTableComment("Place", None))
    assert table_comment(migrator, backend, "shop_place") is None
    assert "db_table_comment" not in migrator.state.get_model("shop", "place").options
    if backend == "sqlite":
        assert migrator.sql(AlterModelTableComment("Place", "x")) == []


def test_a_changed_table_comment_is_detected() -> None:
    before = state_of(place())
    after = state_of(CreateModel("Place", place().fields, {"db_table_comment": "Places"}))
    operations = detect(before, after)
    assert [(type(op), op.table_comment) for op in operations] == [
        (AlterModelTableComment, "Places")
    ]
    assert operations[0].describe() == "Alter place table comment"
