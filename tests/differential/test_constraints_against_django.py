# ruff: noqa: E501
"""Django's own migrate and schemashift's, from the same migration files, leave the same
indexes and unique groups: constraints, partial and expression indexes, index_together,
PostgreSQL's ``_like`` indexes, MySQL's foreign key indexes and MariaDB's uuid columns, on every
backend."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Connection
from support.backend_migrators import migrator_for
from support.django_runner import django_migrate, write_django_app

from schemashift.db.introspection import introspect
from schemashift.migrations.migration import Migration

pytestmark = pytest.mark.slow

INITIAL = """\
from schemashift import migrations, models
import django.db.models.functions.text


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="Code",
            fields=[("key", models.CharField(max_length=10, primary_key=True, serialize=False))],
        ),
        migrations.CreateModel(
            name="Item",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ("sku", models.CharField(max_length=20, unique=True)),
                ("slug", models.SlugField()),
                ("notes", models.TextField(db_index=True)),
                ("price", models.IntegerField()),
                ("ref", models.UUIDField(null=True)),
                ("code", models.ForeignKey(on_delete=models.CASCADE, to="stock.code")),
            ],
            options={
                "indexes": [
                    models.Index(fields=["price"], name="cheap", condition=models.Q(("price__lt", 5))),
                    models.Index(django.db.models.functions.text.Lower("slug"), name="lower_slug"),
                ],
                "constraints": [
                    models.CheckConstraint(condition=models.Q(("price__gte", 0)), name="price_gte_0"),
                    models.UniqueConstraint(fields=("slug", "price"), name="slug_price_uniq"),
                    models.UniqueConstraint(
                        fields=("slug",), condition=models.Q(("price__gt", 0)), name="paid_slug_uniq"
                    ),
                ],
                "index_together": {("price", "slug")},
            },
        ),
    ]
""".replace(
    "import django.db.models.functions.text", "import schemashift.models.functions.text"
).replace("django.db.models.functions.text.Lower", "schemashift.models.functions.text.Lower")


def _django_source(source: str) -> str:
    return source.replace("schemashift.models.functions", "django.db.models.functions")


def test_the_schema_is_djangos(
    backend_connection: Connection, backend_url: str, tmp_path: Path
) -> None:
    folder = tmp_path / "django"
    write_django_app(folder, "stock", {"0001_initial": INITIAL})
    initial = folder / "stock" / "migrations" / "0001_initial.py"
    initial.write_text(_django_source(initial.read_text()))
    django_migrate(folder, backend_url, ["stock"])
    django_schema = introspect(backend_connection, exclude=["django_migrations"])
    django_migrate(folder, backend_url, ["stock"], "stock", "zero")
    with backend_connection.begin():
        backend_connection.exec_driver_sql("DROP TABLE django_migrations")

    namespace: dict[str, object] = {}
    exec(compile(INITIAL, "0001_initial.py", "exec"), namespace)
    migration: Migration = namespace["Migration"]("0001_initial", "stock")  # type: ignore[operator]
    migrator = migrator_for(backend_connection)
    migrator.app = "stock"
    migrator.apply(*migration.operations)
    ours = introspect(backend_connection, exclude=["django_migrations"])

    assert ours == django_schema
    migrator.assert_schema_matches_state()
