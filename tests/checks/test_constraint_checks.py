"""Django's warnings for constraints and indexes a database cannot create, on each backend."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from schemashift import models
from schemashift.apps.registry import Apps
from schemashift.checks.constraint_checks import check_database_support
from schemashift.db.backends.registry import backend_for
from schemashift.models.functions import Lower

#: the warning ids each backend gives for the model below
EXPECTED = {
    "sqlite": ["models.W040", "models.W038", "models.W039", "models.W047"],
    "postgresql": [],
    "mysql": [
        "models.W037",
        "models.W040",
        "models.W043",
        "models.W036",
        "models.W038",
        "models.W039",
        "models.W044",
        "models.W047",
    ],
}


def test_unsupported_constraints_and_indexes_warn_as_django(
    backend_connection: Connection, backend: str
) -> None:
    registry = Apps()

    class Product(models.Model):
        name = models.CharField(max_length=20)
        price = models.IntegerField()

        class Meta:
            app_label = "shop"
            apps = registry
            indexes = [
                models.Index(fields=["name"], name="cheap", condition=models.Q(price__lt=5)),
                models.Index(fields=["name"], name="covering", include=["price"]),
                models.Index(Lower("name"), name="lower_name"),
            ]
            constraints = [
                models.UniqueConstraint(
                    fields=["name"], name="partial", condition=models.Q(price__gt=0)
                ),
                models.UniqueConstraint(
                    fields=["price"], name="deferred", deferrable=models.Deferrable.DEFERRED
                ),
                models.UniqueConstraint(fields=["name"], name="covered", include=["price"]),
                models.UniqueConstraint(Lower("name"), name="lower_uniq"),
                models.UniqueConstraint(fields=["name"], name="nulls", nulls_distinct=False),
                models.CheckConstraint(condition=models.Q(price__gte=0), name="positive"),
            ]

    dialect = backend_connection.dialect
    editor = backend_for(dialect).schema_editor(dialect=dialect)
    messages = check_database_support([Product], editor)
    assert [m.id for m in messages] == EXPECTED[backend]
    assert all(not m.is_error and m.obj is Product for m in messages)
    if backend == "mysql":
        assert str(messages[3]) == (
            "shop.Product: (models.W036) MariaDB does not support unique constraints with "
            "conditions.\n\tHINT: A constraint won't be created. Silence this warning if you "
            "don't care about it."
        )
