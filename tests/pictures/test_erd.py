"""The tables drawn by ``api.entity_diagram`` as a Mermaid erDiagram: every table an entity
with its columns, types and keys, every foreign key a relation with its cardinality."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.api_project import api_project_at
from support.graphviz import draw_svg, svg_shapes
from support.mermaid import Attribute, ErDiagram, parse_er_diagram

from schemashift import api
from schemashift.apps import apps
from schemashift.pictures.erd_dot import render_dot
from schemashift.pictures.erd_mermaid import render_er_diagram

SHOP_MODELS = """
from schemashift import models


class Customer(models.Model):
    email = models.EmailField(unique=True)
    name = models.CharField(max_length=100)


class Profile(models.Model):
    customer = models.OneToOneField(Customer, on_delete=models.CASCADE)
    bio = models.TextField(null=True)


class Tag(models.Model):
    label = models.SlugField()

    class Meta:
        db_table = "Shop Tags"


class Product(models.Model):
    sku = models.CharField(max_length=20, db_column="SKU code")
    gift_of = models.OneToOneField("self", null=True, on_delete=models.SET_NULL)


class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE)
    referrer = models.ForeignKey(
        Customer, null=True, on_delete=models.SET_NULL, related_name="referred"
    )
    total = models.DecimalField(max_digits=10, decimal_places=2)
    placed = models.DateTimeField()
    tags = models.ManyToManyField(Tag)
    products = models.ManyToManyField(Product, through="OrderLine")


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE)
    product = models.ForeignKey(Product, on_delete=models.CASCADE)
    quantity = models.PositiveIntegerField()


class RushOrder(Order):
    class Meta:
        proxy = True
"""


def shop_diagram(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str) -> ErDiagram:
    with api_project_at(tmp_path / "p", url, ("shop",), monkeypatch) as project:
        project.load({"shop": SHOP_MODELS})
        source = render_er_diagram(api.entity_diagram())
        tables = {model._meta.db_table for model in apps.get_models() if not model._meta.proxy}
    diagram = parse_er_diagram(source)
    names = {diagram.aliases.get(entity, entity) for entity in diagram.entities}
    assert names == tables | {"shop_order_tags"}
    return diagram


def entity(diagram: ErDiagram, table: str) -> str:
    (name,) = (n for n in diagram.entities if diagram.aliases.get(n, n) == table)
    return name


def column(type_: str, name: str, keys: str = "", comment: str = "") -> Attribute:
    return Attribute(type_, name, frozenset(keys.split(", ")) if keys else frozenset(), comment)


def test_every_table_is_an_entity_with_its_columns(
    tmp_path: Path, clean_env: pytest.MonkeyPatch
) -> None:
    diagram = shop_diagram(tmp_path, clean_env, f"sqlite:///{tmp_path / 'db.sqlite3'}")
    pk = column("integer", "id", "PK", "BigAutoField")

    assert diagram.entities["shop_customer"] == [
        pk,
        column("varchar_254", "email", "UK", "EmailField"),
        column("varchar_100", "name", "", "CharField"),
    ]
    assert diagram.entities["shop_profile"] == [
        pk,
        column("bigint", "customer_id", "FK, UK", "OneToOneField"),
        column("text", "bio", "", "TextField, null"),
    ]
    assert diagram.entities["shop_product"] == [
        pk,
        column("varchar_20", "SKU_code", "", "CharField, column SKU code"),
        column("bigint", "gift_of_id", "FK, UK", "OneToOneField, null"),
    ]
    assert diagram.entities["shop_order"] == [
        pk,
        column("bigint", "customer_id", "FK", "ForeignKey"),
        column("bigint", "referrer_id", "FK", "ForeignKey, null"),
        column("decimal", "total", "", "DecimalField"),
        column("datetime", "placed", "", "DateTimeField"),
    ]
    assert diagram.entities["shop_orderline"] == [
        pk,
        column("bigint", "order_id", "FK", "ForeignKey"),
        column("bigint", "product_id", "FK", "ForeignKey"),
        column("integer_unsigned", "quantity", "", "PositiveIntegerField"),
    ]
    assert diagram.entities["shop_order_tags"] == [
        pk,
        column("bigint", "order_id", "FK", "ForeignKey"),
        column("bigint", "tag_id", "FK", "ForeignKey"),
    ]
    tags = entity(diagram, "Shop Tags")
    assert tags != "Shop Tags"
    assert diagram.entities[tags] == [pk, column("varchar_50", "label", "", "SlugField")]


def test_every_foreign_key_is_a_relation_with_its_cardinality(
    tmp_path: Path, clean_env: pytest.MonkeyPatch
) -> None:
    diagram = shop_diagram(tmp_path, clean_env, f"sqlite:///{tmp_path / 'db.sqlite3'}")
    tags = entity(diagram, "Shop Tags")

    assert sorted(diagram.relations) == sorted(
        [
            ("shop_profile", "|o--||", "shop_customer", "customer"),
            ("shop_product", "|o--o|", "shop_product", "gift_of"),
            ("shop_order", "}o--||", "shop_customer", "customer"),
            ("shop_order", "}o--o|", "shop_customer", "referrer"),
            # the automatic through table of Order.tags
            ("shop_order_tags", "}o--||", "shop_order", "order"),
            ("shop_order_tags", "}o--||", tags, "tag"),
            # the through= model of Order.products
            ("shop_orderline", "}o--||", "shop_order", "order"),
            ("shop_orderline", "}o--||", "shop_product", "product"),
        ]
    )
    # every column marked FK has its relation, and no other column has one
    fk_columns = {
        (name, attribute.name)
        for name, attributes in diagram.entities.items()
        for attribute in attributes
        if "FK" in attribute.keys
    }
    assert len(fk_columns) == len(diagram.relations)


@pytest.mark.parametrize(
    ("url", "pk", "total", "placed", "quantity"),
    [
        (
            "postgresql://nobody@127.0.0.1:9/shop",
            "bigint",
            "numeric_10_2",
            "timestamp_with_time_zone",
            "integer",
        ),
        (
            "mysql://nobody@127.0.0.1:9/shop",
            "bigint",
            "numeric_10_2",
            "datetime_6",
            "integer_UNSIGNED",
        ),
    ],
)
def test_column_types_are_those_of_the_configured_backend_without_connecting(
    tmp_path: Path,
    clean_env: pytest.MonkeyPatch,
    url: str,
    pk: str,
    total: str,
    placed: str,
    quantity: str,
) -> None:
    diagram = shop_diagram(tmp_path, clean_env, url)

    order = diagram.columns("shop_order")
    assert (order["id"].type, order["total"].type, order["placed"].type) == (pk, total, placed)
    assert order["customer_id"].type == "bigint"
    assert diagram.columns("shop_orderline")["quantity"].type == quantity


def test_app_labels_choose_the_entities(tmp_path: Path, clean_env: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    with api_project_at(tmp_path / "p", url, ("shop", "blog"), clean_env) as project:
        project.load(
            {
                "shop": SHOP_MODELS,
                "blog": (
                    "from schemashift import models\n\n\nclass Review(models.Model):\n"
                    "    product = models.ForeignKey('shop.Product', on_delete=models.CASCADE)\n"
                ),
            }
        )
        diagram = parse_er_diagram(render_er_diagram(api.entity_diagram("blog")))

    assert list(diagram.entities) == ["blog_review"]
    assert diagram.relations == [("blog_review", "}o--||", "shop_product", "product")]


def test_the_dot_tables_are_drawn_by_graphviz(
    tmp_path: Path, clean_env: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    with api_project_at(tmp_path / "p", url, ("shop",), clean_env) as project:
        project.load({"shop": SHOP_MODELS})
        source = render_dot(api.entity_diagram())
        mermaid = parse_er_diagram(render_er_diagram(api.entity_diagram()))

    nodes, arrows, _ = svg_shapes(draw_svg(source))

    assert nodes == {mermaid.aliases.get(name, name) for name in mermaid.entities}
    assert arrows == {
        (f"{table}:{column}", target)
        for table, column, target in [
            ("shop_profile", "customer_id", "shop_customer"),
            ("shop_product", "gift_of_id", "shop_product"),
            ("shop_order", "customer_id", "shop_customer"),
            ("shop_order", "referrer_id", "shop_customer"),
            ("shop_order_tags", "order_id", "shop_order"),
            ("shop_order_tags", "tag_id", "Shop Tags"),
            ("shop_orderline", "order_id", "shop_order"),
            ("shop_orderline", "product_id", "shop_product"),
        ]
    }
    assert (
        '"shop_order":"referrer_id" -> "shop_customer" '
        '[arrowtail=crowodot, arrowhead=teeodot, label="referrer"];'
    ) in source
    assert (
        '"shop_profile":"customer_id" -> "shop_customer" '
        '[arrowtail=teeodot, arrowhead=teetee, label="customer"];'
    ) in source
