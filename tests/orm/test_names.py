"""The query API reaches tables and columns by their exact names, on every backend."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

import sqlalchemy as sa

from schemashift.db.connections import connections

PERCENT_MODELS = """
    from schemashift import models


    class Thing(models.Model):
        name = models.CharField(max_length=20, db_column="na%sme%%")

        class Meta:
            db_table = "tbl%s%%"


    class Part(models.Model):
        thing = models.ForeignKey(Thing, models.CASCADE, db_column="thing%(x)s")

        class Meta:
            db_table = "part%(x)s%"
"""


def test_names_with_percent_signs(make_app: Callable[..., ModuleType]) -> None:
    app = make_app(PERCENT_MODELS, label="pct")
    assert sorted(sa.inspect(connections["default"].database.engine).get_table_names()) == [
        "part%(x)s%",
        "tbl%s%%",
    ]
    thing = app.Thing.objects.create(name="50%s")
    app.Part.objects.create(thing=thing)
    assert app.Thing.objects.filter(name="50%s").count() == 1
    assert app.Part.objects.filter(thing__name__startswith="50%").count() == 1
    assert list(app.Thing.objects.values_list("name", flat=True)) == ["50%s"]
    assert app.Thing.objects.filter(pk=thing.pk).update(name="%%") == 1
    thing.refresh_from_db()
    assert thing.name == "%%"
    app.Thing.objects.filter(pk=thing.pk).delete()
    assert app.Part.objects.count() == 0


LONG_MODELS = """
    from schemashift import models


    class VeryLongLongLongLongLongLongLongLongLongLongLongLongLongLongLongName(models.Model):
        code = models.IntegerField(db_index=True)


    class Part(models.Model):
        whole = models.ForeignKey(
            VeryLongLongLongLongLongLongLongLongLongLongLongLongLongLongLongName, models.CASCADE
        )
"""


def test_a_table_name_shortened_for_the_backend(make_app: Callable[..., ModuleType]) -> None:
    app = make_app(LONG_MODELS, label="longs")
    whole_model = app.VeryLongLongLongLongLongLongLongLongLongLongLongLongLongLongLongName
    from django.db.backends.utils import truncate_name

    limit = {"sqlite": None, "postgresql": 63, "mysql": 64}[connections["default"].vendor]
    expected = truncate_name(f"longs_{whole_model.__name__.lower()}", limit)
    tables = sa.inspect(connections["default"].database.engine).get_table_names()
    assert sorted(tables) == sorted([expected, "longs_part"])
    whole = whole_model.objects.create(code=1)
    app.Part.objects.create(whole=whole)
    assert whole_model.objects.filter(code=1).count() == 1
    assert app.Part.objects.filter(whole__code=1).count() == 1
    assert list(app.Part.objects.select_related("whole").values_list("whole__code")) == [(1,)]
    assert whole_model.objects.filter(part__isnull=False).count() == 1
    assert whole_model.objects.update(code=2) == 1
    whole_model.objects.all().delete()
    assert app.Part.objects.count() == 0
