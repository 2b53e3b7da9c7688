"""Meta.constraints and the richer Meta.indexes: definitions, their errors, and how they are
written into migrations (compared with Django's writer on the same definitions)."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from support.django_in_process import ready_django

from schemashift import models
from schemashift.apps.registry import Apps
from schemashift.migrations.serializer import serialize
from schemashift.migrations.state import ModelState
from schemashift.models.functions import Lower


def _django_text(value: Any) -> str:
    ready_django()
    from django.db.migrations.serializer import serializer_factory

    return serializer_factory(value).serialize()[0]


def _ours(value: Any) -> str:
    """Our writer's text with Django's quotes, to compare with Django's."""
    return serialize(value)[0].replace('"', "'")


def _pairs() -> list[tuple[Any, Any]]:
    ready_django()
    from django.db import models as dj
    from django.db.models.functions import Lower as DjLower

    return [
        (
            models.UniqueConstraint(fields=("a", "b"), name="x"),
            dj.UniqueConstraint(fields=("a", "b"), name="x"),
        ),
        (
            models.CheckConstraint(condition=models.Q(price__gte=0), name="y"),
            dj.CheckConstraint(condition=dj.Q(price__gte=0), name="y"),
        ),
        (
            models.UniqueConstraint(
                Lower("title"),
                name="z",
                condition=models.Q(a=1) | models.Q(b__gt=models.F("c")),
                violation_error_message="taken",
            ),
            dj.UniqueConstraint(
                DjLower("title"),
                name="z",
                condition=dj.Q(a=1) | dj.Q(b__gt=dj.F("c")),
                violation_error_message="taken",
            ),
        ),
        (
            models.CheckConstraint(
                condition=~models.Q(a=None) & (models.Q(b__lt=2) | models.Q(b__gt=5)), name="w"
            ),
            dj.CheckConstraint(condition=~dj.Q(a=None) & (dj.Q(b__lt=2) | dj.Q(b__gt=5)), name="w"),
        ),
        (
            models.UniqueConstraint(
                fields=["a"], name="n", include=["b"], nulls_distinct=False, opclasses=["x_ops"]
            ),
            dj.UniqueConstraint(
                fields=["a"], name="n", include=["b"], nulls_distinct=False, opclasses=["x_ops"]
            ),
        ),
        (
            models.Index(fields=["a"], name="i", condition=~models.Q(a=None), include=["b"]),
            dj.Index(fields=["a"], name="i", condition=~dj.Q(a=None), include=["b"]),
        ),
        (models.Index(Lower("title"), name="e"), dj.Index(DjLower("title"), name="e")),
    ]


def test_constraints_and_indexes_are_written_as_django_writes_them() -> None:
    for ours, django in _pairs():
        expected = _django_text(django).replace("django.db.models", "schemashift.models")
        assert _ours(ours) == expected


def test_deferrable_is_written_by_its_module_as_django_writes_it() -> None:
    ready_django()
    from django.db import models as dj

    constraint = models.UniqueConstraint(
        fields=["a"], name="d", deferrable=models.Deferrable.DEFERRED
    )
    django = dj.UniqueConstraint(fields=["a"], name="d", deferrable=dj.Deferrable.DEFERRED)
    text, imports = serialize(constraint)
    assert text.replace('"', "'") == _django_text(django).replace(
        "django.db.models.constraints", "schemashift.models.constraints"
    )
    assert imports == {"from schemashift import models", "import schemashift.models.constraints"}


def test_written_constraints_read_back_equal() -> None:
    namespace: dict[str, Any] = {}
    for ours, _django in _pairs():
        text, imports = serialize(ours)
        exec("\n".join(sorted(imports)), namespace)
        assert eval(text, namespace) == ours


def test_q_combines_and_deconstructs_as_django() -> None:
    assert (models.Q(a=1) | models.Q(b=2)).deconstruct() == (
        "schemashift.models.Q",
        (("a", 1), ("b", 2)),
        {"_connector": "OR"},
    )
    assert (~models.Q(a=1)).deconstruct() == (
        "schemashift.models.Q",
        (("a", 1),),
        {"_negated": True},
    )
    assert (models.Q(a=1) & models.Q()).deconstruct()[1] == (("a", 1),)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"fields": ["a"]}, "must be named"),
        ({"name": "x"}, "At least one field or expression"),
        ({"fields": ["a"], "name": "x", "condition": "a"}, "must be a Q instance"),
        (
            {"fields": ["a"], "name": "x", "condition": models.Q(a=1), "deferrable": "yes"},
            "with conditions cannot be deferred",
        ),
        (
            {"fields": ["a"], "name": "x", "include": ["b"], "deferrable": "yes"},
            "with include fields cannot be deferred",
        ),
        ({"fields": ["a", "b"], "name": "x", "opclasses": ["o"]}, "same number of elements"),
    ],
)
def test_unique_constraint_refuses_what_django_refuses(
    kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        models.UniqueConstraint(**kwargs)


def test_unique_constraint_refuses_expressions_with_fields() -> None:
    with pytest.raises(ValueError, match="mutually exclusive"):
        models.UniqueConstraint(Lower("a"), fields=["a"], name="x")
    with pytest.raises(TypeError, match="Deferrable instance"):
        models.UniqueConstraint(fields=["a"], name="x", deferrable="deferred")


def test_check_constraint_needs_a_condition() -> None:
    with pytest.raises(TypeError, match="must be a Q instance or boolean expression"):
        models.CheckConstraint(condition="price > 0", name="x")


def test_check_keyword_is_deprecated_but_accepted() -> None:
    with pytest.warns(DeprecationWarning, match="deprecated in favor of `.condition`"):
        constraint = models.CheckConstraint(check=models.Q(a__gt=0), name="x")
    assert constraint.condition == models.Q(a__gt=0)
    assert constraint.deconstruct()[2] == {"name": "x", "condition": models.Q(a__gt=0)}
    with pytest.warns(DeprecationWarning):
        assert constraint.check == models.Q(a__gt=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        models.CheckConstraint(condition=models.Q(a__gt=0), name="x")


def test_index_refuses_what_django_refuses() -> None:
    with pytest.raises(ValueError, match="must be named to use condition"):
        models.Index(fields=["a"], condition=models.Q(a=1))
    with pytest.raises(ValueError, match="must be named to use expressions"):
        models.Index(Lower("a"))
    with pytest.raises(ValueError, match="covering index must be named"):
        models.Index(fields=["a"], include=["b"])
    with pytest.raises(ValueError, match="mutually exclusive"):
        models.Index(Lower("a"), fields=["a"], name="x")


def test_meta_constraints_are_kept_in_the_model_state() -> None:
    registry = Apps()

    class Base(models.Model):
        price = models.IntegerField()

        class Meta:
            abstract = True
            app_label = "shop"
            apps = registry
            constraints = [
                models.CheckConstraint(
                    condition=models.Q(price__gte=0), name="%(app_label)s_%(class)s_price"
                )
            ]

    class Product(Base):
        sku = models.CharField(max_length=10)

        class Meta:
            app_label = "shop"
            apps = registry
            constraints = [
                *Base.Meta.constraints,
                models.UniqueConstraint(fields=["sku"], name="unique_sku"),
            ]

    class Part(Base):
        class Meta(Base.Meta):
            abstract = False

    assert [c.name for c in Product._meta.constraints] == ["shop_product_price", "unique_sku"]
    assert [c.name for c in Part._meta.constraints] == ["shop_part_price"]
    state = ModelState.from_model(Product)
    assert state.options["constraints"] == Product._meta.constraints
    assert state.options["constraints"][0] is not Product._meta.constraints[0]
    assert list(state.options) == ["constraints"]
    assert state.clone().constraints == state.constraints


def test_a_constraint_naming_a_nonexistent_field_is_models_e012() -> None:
    from schemashift.checks.model_checks import check_models

    registry = Apps()

    class Product(models.Model):
        price = models.IntegerField()

        class Meta:
            app_label = "shop"
            apps = registry
            constraints = [
                models.CheckConstraint(condition=models.Q(cost__gte=0), name="cost_gte_0"),
                models.UniqueConstraint(Lower("title"), name="lower_title"),
            ]

    assert [(m.id, m.msg) for m in check_models([Product])] == [
        ("models.E012", "'constraints' refers to the nonexistent field 'cost'."),
        ("models.E012", "'constraints' refers to the nonexistent field 'title'."),
    ]


def test_historical_models_render_without_index_together() -> None:
    from schemashift.migrations.state import ProjectState

    fields = {"id": models.BigAutoField(primary_key=True), "a": models.IntegerField()}
    options = {
        "index_together": {("a", "id")},
        "constraints": [models.CheckConstraint(condition=models.Q(a__gte=0), name="a_gte_0")],
    }
    state = ProjectState({("shop", "thing"): ModelState("shop", "Thing", fields, options)})
    rendered = state.apps.get_model("shop", "Thing")
    assert [c.name for c in rendered._meta.constraints] == ["a_gte_0"]
